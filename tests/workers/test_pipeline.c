/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/*
 * The pipeline end to end in resident mode: sma_cross over several assets
 * and parameter sets equals the single-process reference exactly; the pool
 * is reused across runs; asset lists and time ranges; bad specs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pipe_test.h"
#include "ref_strategy.h"
#include "tickshm/sweep.h"
#include "tshm_proc.h"
#include "tshm_test.h"

static const struct tshm_test_bundle data = {
    .nassets = 3, .ndays = 4, .trades_per_day = 2000, .quotes_per_day = 10, .seed = 7};

static struct tshm_catalog *cat;
static struct tshm_pipeline *pipe_;

static int setup(void **state)
{
	(void)state;
	if (tshm_test_fixture_setup(&cat) < 0 || tshm_test_publish(cat, "pipe", &data) < 0)
		return -1;
	pipe_ = pt_pipeline(2, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tshm_pipeline_destroy(pipe_);
	pipe_ = NULL;
	tshm_test_fixture_teardown(&cat);
	return 0;
}

static const char *const sma_specs[] = {"fast=2:10:4", "slow=8,30", "fee=0,3"};

static void test_pipeline_matches_reference(void **state)
{
	struct tshm_run_result res;
	struct tshm_run_spec sp;
	struct tshm_view *v;
	uint32_t n;
	int64_t *ps = pt_grid("sma_cross", sma_specs, 3, &n);

	(void)state;
	assert_int_equal(n, 10); /* fast 10, slow 8 skipped twice */
	pt_spec(&sp, "pipe", "sma_cross", ps, n);
	TSHM_TEST_CHECK(tshm_pipeline_run(pipe_, &sp, &res));
	TSHM_TEST_CHECK(tshm_view_open(&v, cat, "pipe"));
	assert_int_equal(res.nassets, data.nassets);
	assert_int_equal(res.npsets, n);
	assert_int_equal(res.failed, 0);
	assert_int_equal(res.tasks, (uint64_t)data.nassets * data.ndays * n);
	for (uint32_t i = 0; i < res.nassets * res.npsets; i++)
		pt_check_sma_full(v, &res.results[i], &res.assets[res.results[i].asset]);
	assert_int_equal(res.rows, (uint64_t)data.nassets * data.ndays * data.trades_per_day);
	assert_int_equal(res.ticks, res.rows * n);
	tshm_view_unref(v);
	tshm_run_result_free(&res);
	free(ps);
}

/* Hour slices of @v's trades: one per distinct (asset, UTC hour), written out here. */
static uint64_t hour_slices(struct tshm_catalog *c, const char *bundle)
{
	const int64_t hour = INT64_C(3600000000000);
	struct tshm_view *v;
	uint64_t n = 0;

	TSHM_TEST_CHECK(tshm_view_open(&v, c, bundle));
	for (uint32_t a = 0; a < tshm_view_nassets(v); a++) {
		struct pt_trades t;

		pt_trades(v, a, &t);
		for (uint64_t k = 0; k < t.n; k++) /* ts >= 0 here: / is floor */
			n += k == 0 || t.ts[k] / hour != t.ts[k - 1] / hour;
	}
	tshm_view_unref(v);
	return n;
}

/* The pool survives runs: same pids, same results, other strategies in between. */
static void test_pipeline_reuses_workers(void **state)
{
	struct tshm_run_result a, b, c;
	struct tshm_run_spec sp;
	pid_t pids[2] = {tshm_pipeline_worker_pid(pipe_, 0), tshm_pipeline_worker_pid(pipe_, 1)};
	uint32_t n;
	int64_t *ps = pt_grid("sma_cross", sma_specs, 3, &n);

	(void)state;
	pt_spec(&sp, "pipe", "sma_cross", ps, n);
	TSHM_TEST_CHECK(tshm_pipeline_run(pipe_, &sp, &a));
	pt_spec(&sp, "pipe", "breakout", NULL, 0);
	TSHM_TEST_CHECK(tshm_pipeline_run(pipe_, &sp, &c));
	assert_int_equal(c.npsets, 1);
	assert_int_equal(c.failed, 0);
	pt_spec(&sp, "pipe", "sma_cross", ps, n);
	sp.slice = TSHM_SLICE_HOUR;
	TSHM_TEST_CHECK(tshm_pipeline_run(pipe_, &sp, &b));
	pt_expect_equal(&a, &b, NULL, 0);
	assert_true(b.tasks > a.tasks);
	assert_int_equal(b.tasks, hour_slices(cat, "pipe") * n);
	assert_int_equal(tshm_pipeline_worker_pid(pipe_, 0), pids[0]);
	assert_int_equal(tshm_pipeline_worker_pid(pipe_, 1), pids[1]);
	assert_int_equal(b.worker_deaths, 0);
	tshm_run_result_free(&a);
	tshm_run_result_free(&b);
	tshm_run_result_free(&c);
	free(ps);
}

/*
 * Sids in a given order and a time range cutting days in the middle: pnl,
 * turnover and trades are the reference's over the whole data restricted
 * to the range (warm-up comes from the rows before it).
 */
static void test_pipeline_assets_and_range(void **state)
{
	int64_t sids[2] = {120, 100}, ps[3] = {3, 12, 1};
	int64_t from = TSHM_TEST_T0 + TSHM_DAY_NS + 15 * INT64_C(3600000000000),
		to = TSHM_TEST_T0 + 3 * TSHM_DAY_NS + 16 * INT64_C(3600000000000);
	struct tshm_run_result res;
	struct tshm_run_spec sp;
	struct tshm_view *v;

	(void)state;
	pt_spec(&sp, "pipe", "sma_cross", ps, 1);
	sp.sids = sids;
	sp.nsids = 2;
	sp.from_ts = from;
	sp.to_ts = to;
	sp.slice = TSHM_SLICE_ROWS;
	sp.slice_rows = 333;
	TSHM_TEST_CHECK(tshm_pipeline_run(pipe_, &sp, &res));
	TSHM_TEST_CHECK(tshm_view_open(&v, cat, "pipe"));
	for (uint32_t i = 0; i < 2; i++) {
		const struct tshm_result *r = &res.results[i];
		struct ref_result upto_a, upto_b;
		struct pt_trades t;
		uint64_t a = 0, b = 0;

		assert_int_equal(r->sid, sids[i]);
		assert_int_equal(res.assets[i].sid, sids[i]);
		pt_trades(v, (uint32_t)tshm_view_find_sid(v, sids[i]), &t);
		while (a < t.n && t.ts[a] < from)
			a++;
		for (b = a; b < t.n && t.ts[b] < to;)
			b++;
		assert_true(a > 0 && b > a && b < t.n);
		TSHM_TEST_CHECK(ref_sma_cross(t.ts, t.price, a, 3, 12, 1, &upto_a));
		TSHM_TEST_CHECK(ref_sma_cross(t.ts, t.price, b, 3, 12, 1, &upto_b));
		assert_int_equal(pt_metric(r, "pnl"), upto_b.pnl - upto_a.pnl);
		assert_int_equal(pt_metric(r, "turnover"), upto_b.turnover - upto_a.turnover);
		assert_int_equal(pt_metric(r, "trades"), upto_b.trades - upto_a.trades);
		assert_int_equal(r->ticks, b - a);
		assert_int_equal(r->ndays, 3);
		ref_result_free(&upto_a);
		ref_result_free(&upto_b);
	}
	tshm_view_unref(v);
	tshm_run_result_free(&res);
}

/* A range without trades: every result is ok, empty, zero. */
static void test_pipeline_empty_range(void **state)
{
	struct tshm_run_result res;
	struct tshm_run_spec sp;

	(void)state;
	pt_spec(&sp, "pipe", "zscore_revert", NULL, 0);
	sp.from_ts = TSHM_TEST_T0 + 100 * TSHM_DAY_NS;
	TSHM_TEST_CHECK(tshm_pipeline_run(pipe_, &sp, &res));
	assert_int_equal(res.tasks, 0);
	assert_true(res.nassets > 0); /* the loop below checks something */
	for (uint32_t i = 0; i < res.nassets; i++) {
		assert_int_equal(res.results[i].status, TSHM_RESULT_OK);
		assert_int_equal(res.results[i].ticks, 0);
		assert_int_equal(res.results[i].ndays, 0);
		assert_int_equal(pt_metric(&res.results[i], "pnl"), 0);
	}
	tshm_run_result_free(&res);
}

static void test_pipeline_rejects_bad_specs(void **state)
{
	int64_t bad[3] = {30, 8, 0}, sid = 999;
	struct tshm_run_result res;
	struct tshm_run_spec sp;

	(void)state;
	pt_spec(&sp, "pipe", "no_such_strategy", NULL, 0);
	assert_int_equal(tshm_pipeline_run(pipe_, &sp, &res), -ENOENT);
	pt_spec(&sp, "nobundle", "sma_cross", NULL, 0);
	assert_int_equal(tshm_pipeline_run(pipe_, &sp, &res), -ENOENT);
	pt_spec(&sp, "pipe", "sma_cross", bad, 1);
	assert_int_equal(tshm_pipeline_run(pipe_, &sp, &res), -EINVAL);
	pt_spec(&sp, "pipe", "sma_cross", NULL, 0);
	sp.sids = &sid;
	sp.nsids = 1;
	assert_int_equal(tshm_pipeline_run(pipe_, &sp, &res), -ENOENT);
	pt_spec(&sp, "pipe", "sma_cross", NULL, 0);
	sp.slice = TSHM_SLICE_ROWS; /* without slice_rows */
	assert_int_equal(tshm_pipeline_run(pipe_, &sp, &res), -EINVAL);
	pt_spec(&sp, "pipe", "sma_cross", NULL, 0);
	sp.flags = 1;
	assert_int_equal(tshm_pipeline_run(pipe_, &sp, &res), -EINVAL);
	pt_spec(&sp, "../pipe", "sma_cross", NULL, 0);
	assert_int_equal(tshm_pipeline_run(pipe_, &sp, &res), -TSHM_ENAME);
	pt_spec(&sp, "pipe", NULL, NULL, 0);
	sp.strategy_lib = "/nonexistent/strategy.so";
	assert_int_equal(tshm_pipeline_run(pipe_, &sp, &res), -ENOENT);
	/* the pool still works afterwards */
	pt_spec(&sp, "pipe", "sma_cross", NULL, 0);
	TSHM_TEST_CHECK(tshm_pipeline_run(pipe_, &sp, &res));
	assert_int_equal(res.failed, 0);
	tshm_run_result_free(&res);
}

static void test_pipeline_rejects_bad_opts(void **state)
{
	struct tshm_pipeline_opts o = {.workers = TSHM_PIPELINE_MAX_WORKERS + 1};
	struct tshm_pipeline *p = NULL;

	(void)state;
	assert_int_equal(tshm_pipeline_create(&p, &o), -EINVAL);
	o = (struct tshm_pipeline_opts){.flags = 4};
	assert_int_equal(tshm_pipeline_create(&p, &o), -EINVAL);
	o = (struct tshm_pipeline_opts){.ns = "bad/ns"};
	assert_int_equal(tshm_pipeline_create(&p, &o), -TSHM_ENAME);
	assert_null(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pipeline_matches_reference),
	    cmocka_unit_test(test_pipeline_reuses_workers),
	    cmocka_unit_test(test_pipeline_assets_and_range),
	    cmocka_unit_test(test_pipeline_empty_range),
	    cmocka_unit_test(test_pipeline_rejects_bad_specs),
	    cmocka_unit_test(test_pipeline_rejects_bad_opts),
	};

	tshm_test_ns_init("pipe");
	return cmocka_run_group_tests(tests, setup, teardown);
}
