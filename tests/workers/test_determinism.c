/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/*
 * Determinism: the same sweep with 1, 2 and 4 workers, slices of a day, an
 * hour, 10,000 rows (and an odd 777), in resident and streaming mode, gives
 * bit-identical results, which equal the single-process reference.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pipe_test.h"
#include "tickshm/gen.h"
#include "tshm_proc.h"
#include "tshm_test.h"

static struct tshm_catalog *cat;
static char dir[256];

static int setup(void **state)
{
	/* Days of ~12,000 trades, so 10,000-row slices cut inside days too. */
	struct tshm_gen_opts o = {.nassets = 3, .ndays = 3, .trades_per_day = 12000, .seed = 5};

	(void)state;
	if (tshm_test_fixture_setup(&cat) < 0)
		return -1;
	if (tshm_test_mkdtemp(dir, sizeof(dir)) < 0)
		fail_msg("mkdtemp: %s", strerror(errno));
	pt_disk_bundle(cat, dir, "det", &o);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tshm_test_rmtree(dir);
	tshm_test_fixture_teardown(&cat);
	return 0;
}

struct variant {
	uint32_t slice;
	uint64_t rows;
	uint32_t mode;
};

static const struct variant variants[] = {
    {TSHM_SLICE_DAY, 0, TSHM_MODE_RESIDENT},	  {TSHM_SLICE_HOUR, 0, TSHM_MODE_RESIDENT},
    {TSHM_SLICE_ROWS, 10000, TSHM_MODE_RESIDENT}, {TSHM_SLICE_ROWS, 777, TSHM_MODE_RESIDENT},
    {TSHM_SLICE_DAY, 0, TSHM_MODE_STREAM},	  {TSHM_SLICE_HOUR, 0, TSHM_MODE_STREAM},
    {TSHM_SLICE_ROWS, 10000, TSHM_MODE_STREAM},	  {TSHM_SLICE_ROWS, 777, TSHM_MODE_STREAM},
};

static void run_variant(struct tshm_pipeline *p, const struct variant *v, const int64_t *ps,
			uint32_t n, const char *strategy, struct tshm_run_result *out)
{
	struct tshm_run_spec sp;

	pt_spec(&sp, "det", strategy, ps, n);
	sp.slice = v->slice;
	sp.slice_rows = v->rows;
	sp.mode = v->mode;
	sp.bundle_dir = dir;
	sp.stream_buffers = 3;
	TSHM_TEST_CHECK(tshm_pipeline_run(p, &sp, out));
	assert_int_equal(out->failed, 0);
	assert_int_equal(out->worker_deaths, 0);
	if (v->mode == TSHM_MODE_STREAM) /* it did stream, through at most 3 buffers */
		assert_true(out->stream_buffers_max >= 1 && out->stream_buffers_max <= 3 &&
			    out->stream_read_bytes > 0);
}

static void sweep_everywhere(const char *strategy, const char *const *specs, unsigned nspecs,
			     int check_sma)
{
	static const uint32_t nworkers[] = {1, 2, 4};
	struct tshm_run_result base, other;
	struct tshm_view *v = NULL;
	uint32_t n;
	int64_t *ps = pt_grid(strategy, specs, nspecs, &n);

	for (size_t w = 0; w < sizeof(nworkers) / sizeof(nworkers[0]); w++) {
		struct tshm_pipeline *p = pt_pipeline(nworkers[w], 0);

		for (size_t k = 0; k < sizeof(variants) / sizeof(variants[0]); k++) {
			if (w == 0 && k == 0) {
				run_variant(p, &variants[k], ps, n, strategy, &base);
				continue;
			}
			run_variant(p, &variants[k], ps, n, strategy, &other);
			pt_expect_equal(&base, &other, NULL, 0);
			tshm_run_result_free(&other);
		}
		tshm_pipeline_destroy(p);
	}
	if (check_sma) {
		TSHM_TEST_CHECK(tshm_view_open(&v, cat, "det"));
		for (uint32_t i = 0; i < base.nassets * base.npsets; i++)
			pt_check_sma_full(v, &base.results[i], &base.assets[base.results[i].asset]);
		tshm_view_unref(v);
	}
	tshm_run_result_free(&base);
	free(ps);
}

static void test_determinism_sma_cross(void **state)
{
	static const char *const specs[] = {"fast=3,8", "slow=30,200", "fee=0,2"};

	(void)state;
	sweep_everywhere("sma_cross", specs, 3, 1);
}

static void test_determinism_zscore_and_breakout(void **state)
{
	static const char *const zs[] = {"window=20,300"};
	static const char *const bo[] = {"window=15,400", "fee=1"};

	(void)state;
	sweep_everywhere("zscore_revert", zs, 1, 0);
	sweep_everywhere("breakout", bo, 2, 0);
}

/* A time range that starts and ends inside days: warm-up from before it, both modes. */
static void test_determinism_range(void **state)
{
	const struct tshm_seg_header *h;
	struct tshm_run_result a, b;
	struct tshm_pipeline *p = pt_pipeline(2, 0);
	struct tshm_run_spec sp;
	struct tshm_view *v;
	int64_t ps[3] = {4, 250, 1};

	(void)state;
	TSHM_TEST_CHECK(tshm_view_open(&v, cat, "det"));
	h = tshm_view_header(v);
	pt_spec(&sp, "det", "sma_cross", ps, 1);
	sp.from_ts = h->min_ts + (h->max_ts - h->min_ts) / 3;
	sp.to_ts = h->max_ts - (h->max_ts - h->min_ts) / 4;
	sp.slice = TSHM_SLICE_HOUR;
	TSHM_TEST_CHECK(tshm_pipeline_run(p, &sp, &a));
	sp.mode = TSHM_MODE_STREAM;
	sp.bundle_dir = dir;
	sp.slice = TSHM_SLICE_ROWS;
	sp.slice_rows = 10000;
	TSHM_TEST_CHECK(tshm_pipeline_run(p, &sp, &b));
	pt_expect_equal(&a, &b, NULL, 0);
	assert_true(a.results[0].ticks > 0);
	tshm_view_unref(v);
	tshm_run_result_free(&a);
	tshm_run_result_free(&b);
	tshm_pipeline_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_determinism_sma_cross),
	    cmocka_unit_test(test_determinism_zscore_and_breakout),
	    cmocka_unit_test(test_determinism_range),
	};

	tshm_test_ns_init("determinism");
	return cmocka_run_group_tests(tests, setup, teardown);
}
