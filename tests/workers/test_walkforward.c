/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/*
 * Walk-forward: each window's pick and figures equal separate pipeline runs
 * over the window's training and test days (the pick: best by the metric,
 * ties to the first set in grid order); the stitched out-of-sample result
 * adds up the test windows; anchored windows; bad specs; the results
 * database takes runs and walk-forwards.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipe_test.h"
#include "tshm_proc.h"
#include "tshm_test.h"

static const struct tshm_test_bundle data = {
    .nassets = 2, .ndays = 12, .trades_per_day = 600, .quotes_per_day = 5, .seed = 21};

static struct tshm_catalog *cat;
static struct tshm_pipeline *pipe_;
static int64_t *grid;
static uint32_t ngrid;

static int setup(void **state)
{
	static const char *const specs[] = {"fast=2:8:3", "slow=12,40", "fee=0,1"};

	(void)state;
	if (tshm_test_fixture_setup(&cat) < 0 || tshm_test_publish(cat, "wf", &data) < 0)
		return -1;
	pipe_ = pt_pipeline(2, 0);
	grid = pt_grid("sma_cross", specs, 3, &ngrid);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tshm_pipeline_destroy(pipe_);
	free(grid);
	tshm_test_fixture_teardown(&cat);
	return 0;
}

static void wf_spec(struct tshm_wf_spec *w, const char *metric, uint32_t train, uint32_t test,
		    uint32_t step, uint32_t anchored)
{
	memset(w, 0, sizeof(*w));
	pt_spec(&w->run, "wf", "sma_cross", grid, ngrid);
	w->run.slice = TSHM_SLICE_HOUR;
	w->train_days = train;
	w->test_days = test;
	w->step_days = step;
	w->anchored = anchored;
	w->metric = metric;
}

/* A plain run of sets @ps over UTC days [d0, d1] of asset @sid. */
static void ranged(const int64_t *ps, uint32_t n, int64_t sid, int32_t d0, int32_t d1,
		   struct tshm_run_result *out)
{
	struct tshm_run_spec sp;

	pt_spec(&sp, "wf", "sma_cross", ps, n);
	sp.sids = &sid;
	sp.nsids = 1;
	sp.from_ts = (int64_t)d0 * TSHM_DAY_NS;
	sp.to_ts = ((int64_t)d1 + 1) * TSHM_DAY_NS;
	TSHM_TEST_CHECK(tshm_pipeline_run(pipe_, &sp, out));
}

static void expect_metrics(const struct tshm_metric *a, const struct tshm_metric *b, uint32_t n,
			   const char *what)
{
	for (uint32_t k = 0; k < n; k++)
		if (strcmp(a[k].name, b[k].name) || a[k].value != b[k].value ||
		    memcmp(&a[k].real, &b[k].real, sizeof(double)))
			fail_msg("%s: %s %lld/%lld %.17g/%.17g", what, a[k].name,
				 (long long)a[k].value, (long long)b[k].value, a[k].real,
				 b[k].real);
}

/*
 * The index of the best set of @r by @metric, ties to the first: the rule
 * written out here, not tshm_metric_better (the code under test) —
 * drawdowns lowest, everything else highest, sharpe by its real value.
 */
static uint32_t best_of(const struct tshm_run_result *r, const char *metric)
{
	int lower = strcmp(metric, "max_drawdown") == 0, real = strcmp(metric, "sharpe") == 0;
	uint32_t best = 0;

	for (uint32_t j = 1; j < r->npsets; j++) {
		double v = real ? pt_metric_real(&r->results[j], metric)
				: (double)pt_metric(&r->results[j], metric);
		double b = real ? pt_metric_real(&r->results[best], metric)
				: (double)pt_metric(&r->results[best], metric);

		if (lower ? v < b : v > b)
			best = j;
	}
	return best;
}

static void check_windows(const struct tshm_wf_result *wf, const char *metric)
{
	for (uint32_t ai = 0; ai < wf->run.nassets; ai++) {
		int64_t sid = wf->run.assets[ai].sid, pnl = 0;
		uint64_t ticks = 0;

		for (uint32_t k = 0; k < wf->nwindows; k++) {
			const struct tshm_wf_window *w = &wf->windows[ai * wf->nwindows + k];
			struct tshm_run_result train, test;
			uint32_t best;

			ranged(grid, ngrid, sid, w->train_from, w->train_to, &train);
			best = best_of(&train, metric);
			assert_int_equal(w->best, best);
			expect_metrics(&w->train, tshm_result_metric(&train.results[best], metric),
				       1, "train");
			ranged(&grid[best * 3], 1, sid, w->test_from, w->test_to, &test);
			assert_int_equal(w->nmetrics, test.results[0].nmetrics);
			expect_metrics(w->test, test.results[0].metrics, w->nmetrics, "test");
			assert_int_equal(w->test_ndays, test.results[0].ndays);
			pnl += pt_metric(&test.results[0], "pnl");
			ticks += test.results[0].ticks;
			tshm_run_result_free(&train);
			tshm_run_result_free(&test);
		}
		/* step == test: the stitched curve is the test windows end to end */
		assert_int_equal(pt_metric(&wf->oos[ai], "pnl"), pnl);
		assert_int_equal(wf->oos[ai].ticks, ticks);
		assert_int_equal(wf->oos[ai].sid, sid);
	}
}

static void test_walkforward_matches_separate_runs(void **state)
{
	struct tshm_wf_result wf;
	struct tshm_wf_spec sp;

	(void)state;
	wf_spec(&sp, "pnl", 4, 2, 2, 0);
	TSHM_TEST_CHECK(tshm_walkforward_run(pipe_, &sp, &wf));
	assert_int_equal(wf.ncal, data.ndays);
	assert_int_equal(wf.nwindows, 4); /* train [2k, 2k+4), test [2k+4, 2k+6) */
	assert_int_equal(wf.windows[0].train_to - wf.windows[0].train_from, 3);
	assert_int_equal(wf.windows[3].test_to, wf.windows[0].train_from + 11);
	check_windows(&wf, "pnl");
	tshm_wf_result_free(&wf);
	wf_spec(&sp, "max_drawdown", 4, 2, 2, 0);
	TSHM_TEST_CHECK(tshm_walkforward_run(pipe_, &sp, &wf));
	check_windows(&wf, "max_drawdown");
	tshm_wf_result_free(&wf);
}

static void test_walkforward_anchored_and_short_tail(void **state)
{
	struct tshm_wf_result wf;
	struct tshm_wf_spec sp;

	(void)state;
	wf_spec(&sp, "sharpe", 5, 3, 3, 1);
	TSHM_TEST_CHECK(tshm_walkforward_run(pipe_, &sp, &wf));
	/* test windows [5, 8), [8, 11), [11, 12): the last one is short */
	assert_int_equal(wf.nwindows, 3);
	for (uint32_t k = 0; k < wf.nwindows; k++)
		assert_int_equal(wf.windows[k].train_from, wf.windows[0].train_from);
	assert_int_equal(wf.windows[2].test_from, wf.windows[2].test_to);
	check_windows(&wf, "sharpe");
	tshm_wf_result_free(&wf);
}

static void test_walkforward_rejects_bad_specs(void **state)
{
	struct tshm_wf_result wf;
	struct tshm_wf_spec sp;

	(void)state;
	wf_spec(&sp, "no_such_metric", 4, 2, 2, 0);
	assert_int_equal(tshm_walkforward_run(pipe_, &sp, &wf), -ENOENT);
	wf_spec(&sp, "pnl", 12, 2, 2, 0);
	assert_int_equal(tshm_walkforward_run(pipe_, &sp, &wf), -ERANGE);
	wf_spec(&sp, "pnl", 0, 2, 2, 0);
	assert_int_equal(tshm_walkforward_run(pipe_, &sp, &wf), -EINVAL);
	wf_spec(&sp, "pnl", 4, 2, 0, 0);
	assert_int_equal(tshm_walkforward_run(pipe_, &sp, &wf), -EINVAL);
}

static void test_walkforward_results_db(void **state)
{
	struct tshm_results_db *db = NULL;
	struct tshm_wf_result wf;
	struct tshm_wf_spec sp;
	struct tshm_run_info info = {.kind = "walkforward", .command_line = "test", .workers = 2};
	char dir[256], path[300], err[256];
	int64_t id1 = 0, id2 = 0;
	FILE *f;

	(void)state;
	if (tshm_test_mkdtemp(dir, sizeof(dir)) < 0)
		fail_msg("mkdtemp: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/results.sqlite", dir);
	wf_spec(&sp, "pnl", 4, 2, 2, 0);
	TSHM_TEST_CHECK(tshm_walkforward_run(pipe_, &sp, &wf));
	info.spec = &sp.run;
	TSHM_TEST_CHECK(tshm_results_db_open(&db, path, err, sizeof(err)));
	TSHM_TEST_CHECK(tshm_results_db_add_run(db, &wf.run, &info, &id1));
	TSHM_TEST_CHECK(tshm_results_db_add_walkforward(db, &wf, &info, &id2));
	assert_true(id1 > 0 && id2 == id1 + 1);
	tshm_results_db_close(db);
	TSHM_TEST_CHECK(tshm_results_db_open(&db, path, err, sizeof(err))); /* reopens */
	tshm_results_db_close(db);
	snprintf(path, sizeof(path), "%s/not-a-db", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("this is not a database, just enough bytes to look like a header\n", f);
	fclose(f);
	assert_int_equal(tshm_results_db_open(&db, path, err, sizeof(err)), -EIO);
	assert_true(err[0] != 0);
	tshm_wf_result_free(&wf);
	tshm_test_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_walkforward_matches_separate_runs),
	    cmocka_unit_test(test_walkforward_anchored_and_short_tail),
	    cmocka_unit_test(test_walkforward_rejects_bad_specs),
	    cmocka_unit_test(test_walkforward_results_db),
	};

	tshm_test_ns_init("walkforward");
	return cmocka_run_group_tests(tests, setup, teardown);
}
