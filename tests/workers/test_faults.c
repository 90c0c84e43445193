/* tshm-test-labels: unit;fault */
/* SPDX-License-Identifier: MIT */
/*
 * Faults in the pipeline: workers killed with SIGKILL mid-sweep, a plugin
 * strategy that aborts, faults or hangs on one parameter set, workers dying
 * between runs, the parent dying, the bundle republished mid-run (the run
 * stops with -ESTALE); workers hold none of the parent's descriptors. Every
 * other run completes; every result not hit by the fault is identical to an
 * undisturbed run's; the failed set is reported with its reason; no process
 * is left behind.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pipe_test.h"
#include "tshm_proc.h"
#include "tshm_test.h"

#ifndef TSHM_FAULTY_PLUGIN
#error "TSHM_FAULTY_PLUGIN (tests/CMakeLists.txt) must name the faulty strategy plugin"
#endif

static const struct tshm_test_bundle data = {
    .nassets = 3, .ndays = 4, .trades_per_day = 3000, .quotes_per_day = 10, .seed = 11};

static struct tshm_catalog *cat;

static int setup(void **state)
{
	(void)state;
	if (tshm_test_fixture_setup(&cat) < 0 || tshm_test_publish(cat, "faults", &data) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tshm_test_fixture_teardown(&cat);
	return 0;
}

/* 1 while @pid exists and is not a zombie. */
static int alive(pid_t pid)
{
	char path[64], buf[256];
	FILE *f;
	char *p;
	int ok;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (!(f = fopen(path, "r")))
		return 0;
	ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	p = ok ? strrchr(buf, ')') : NULL;
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

static void expect_gone(const pid_t *pids, uint32_t n)
{
	int64_t deadline = tshm_test_now_ms() + 10000;

	for (uint32_t i = 0; i < n; i++)
		while (alive(pids[i])) {
			if (tshm_test_now_ms() > deadline)
				fail_msg("worker %ld outlived its pipeline", (long)pids[i]);
			tshm_test_sleep_us(10000);
		}
}

/* ---- kill -9 mid-sweep ------------------------------------------------------------ */

struct killer {
	struct tshm_pipeline *p;
	uint32_t days_seen, kill_at, kills, all;
};

/* Merges happen while tasks are still running: kill from there. */
static void kill_on_day(const struct tshm_day_partial *d, void *arg)
{
	struct killer *k = arg;

	(void)d;
	if (++k->days_seen != k->kill_at)
		return;
	for (uint32_t i = 0; i < tshm_pipeline_workers(k->p); i++)
		if (i == 0 || k->all) {
			kill(tshm_pipeline_worker_pid(k->p, i), SIGKILL);
			k->kills++;
		}
}

static void sweep_with_kills(int all)
{
	static const char *const specs[] = {"fast=2:20:3", "slow=25:85:30"};
	struct tshm_pipeline *p = pt_pipeline(2, 0);
	struct killer k = {.p = p, .kill_at = 5, .all = (uint32_t)all};
	struct tshm_run_result ref, hit;
	struct tshm_run_spec sp;
	uint32_t n;
	int64_t *ps = pt_grid("sma_cross", specs, 2, &n);
	pid_t before = tshm_pipeline_worker_pid(p, 0);

	pt_spec(&sp, "faults", "sma_cross", ps, n);
	sp.slice = TSHM_SLICE_HOUR;
	TSHM_TEST_CHECK(tshm_pipeline_run(p, &sp, &ref));
	assert_int_equal(ref.worker_deaths, 0);
	sp.on_day = kill_on_day;
	sp.arg = &k;
	TSHM_TEST_CHECK(tshm_pipeline_run(p, &sp, &hit));
	assert_true(k.kills >= 1);
	assert_int_equal(hit.worker_deaths, k.kills);
	assert_true(hit.retries >= 1); /* a killed worker's queued tasks ran again */
	assert_int_equal(hit.failed, 0);
	assert_int_equal(hit.tasks, ref.tasks);
	assert_int_not_equal(tshm_pipeline_worker_pid(p, 0), before);
	pt_expect_equal(&ref, &hit, NULL, 0);
	tshm_run_result_free(&ref);
	tshm_run_result_free(&hit);
	free(ps);
	tshm_pipeline_destroy(p);
}

static void test_faults_kill_one_worker_mid_sweep(void **state)
{
	(void)state;
	sweep_with_kills(0);
}

static void test_faults_kill_every_worker_mid_sweep(void **state)
{
	(void)state;
	sweep_with_kills(1);
}

/* ---- a plugin that crashes on one parameter set ------------------------------------ */

/* Sets: fast in {2, 3, 4} x slow in {10, 20}; crash and crash_fast as given. */
static void faulty_spec(struct tshm_run_spec *sp, int64_t *ps, int64_t crash)
{
	uint32_t n = 0;

	for (int64_t f = 2; f <= 4; f++)
		for (int64_t s = 10; s <= 20; s += 10, n++) {
			int64_t *v = &ps[n * 5];

			v[0] = f, v[1] = s, v[2] = 1, v[3] = crash, v[4] = 3;
		}
	pt_spec(sp, "faults", NULL, ps, n);
	sp->strategy_lib = TSHM_FAULTY_PLUGIN;
}

static void crashing_set(int64_t crash, int64_t timeout_ns, const char *why)
{
	static const uint32_t bad[2] = {2, 3}; /* the sets with fast = 3 */
	struct tshm_pipeline *p = pt_pipeline(2, timeout_ns);
	struct tshm_run_result ref, hit, again;
	struct tshm_run_spec sp;
	int64_t ps0[30], ps1[30];
	int64_t sid = 110;

	faulty_spec(&sp, ps0, 0);
	if (timeout_ns) { /* hangs cost a timeout each: one asset */
		sp.sids = &sid;
		sp.nsids = 1;
	}
	TSHM_TEST_CHECK(tshm_pipeline_run(p, &sp, &ref));
	assert_int_equal(ref.failed, 0);
	faulty_spec(&sp, ps1, crash);
	if (timeout_ns) {
		sp.sids = &sid;
		sp.nsids = 1;
	}
	TSHM_TEST_CHECK(tshm_pipeline_run(p, &sp, &hit));
	pt_expect_equal(&ref, &hit, bad, 2);
	assert_int_equal(hit.failed, 2 * hit.nassets);
	assert_true(hit.worker_deaths >= TSHM_PIPELINE_ATTEMPTS * hit.failed);
	assert_int_equal(hit.tasks_failed >= hit.failed, 1);
	for (uint32_t i = 0; i < hit.nassets * hit.npsets; i++) {
		const struct tshm_result *x = &hit.results[i];

		if (x->pset != bad[0] && x->pset != bad[1]) {
			assert_int_equal(x->status, TSHM_RESULT_OK);
			continue;
		}
		assert_int_equal(x->status, TSHM_RESULT_FAILED);
		if (!strstr(x->reason, why) || !strstr(x->reason, "attempt 3 of 3"))
			fail_msg("set %u: reason '%s', expected '%s' after 3 attempts", x->pset,
				 x->reason, why);
	}
	if (timeout_ns)
		assert_true(hit.timeouts >= TSHM_PIPELINE_ATTEMPTS);
	/* the pool is whole again: the clean sweep still gives the same results */
	faulty_spec(&sp, ps0, 0);
	if (timeout_ns) {
		sp.sids = &sid;
		sp.nsids = 1;
	}
	TSHM_TEST_CHECK(tshm_pipeline_run(p, &sp, &again));
	pt_expect_equal(&ref, &again, NULL, 0);
	tshm_run_result_free(&ref);
	tshm_run_result_free(&hit);
	tshm_run_result_free(&again);
	tshm_pipeline_destroy(p);
}

static void test_faults_plugin_aborts(void **state)
{
	(void)state;
	crashing_set(1, 0, "signal 6");
}

static void test_faults_plugin_segfaults(void **state)
{
	(void)state;
	crashing_set(2, 0, "signal 11");
}

static void test_faults_plugin_hangs_past_timeout(void **state)
{
	(void)state;
	crashing_set(3, INT64_C(300000000), "timed out after 0.3 s");
}

/*
 * Every set of an asset fails (its only set crashes) while the dispatcher
 * is still cutting the asset's slices (40 days, a few tasks queued per
 * worker): the asset's results are final early, its later slices are
 * skipped, and the run completes with the result failed.
 */
static void test_faults_every_set_fails(void **state)
{
	static const struct tshm_test_bundle longer = {
	    .nassets = 1, .ndays = 40, .trades_per_day = 200, .quotes_per_day = 10, .seed = 12};
	struct tshm_pipeline *p = pt_pipeline(2, 0);
	int64_t ps[5] = {3, 10, 1, 1, 3}; /* fast 3 = crash_fast: abort */
	struct tshm_run_result res;
	struct tshm_run_spec sp;

	(void)state;
	TSHM_TEST_CHECK(tshm_test_publish(cat, "faults_long", &longer));
	pt_spec(&sp, "faults_long", NULL, ps, 1);
	sp.strategy_lib = TSHM_FAULTY_PLUGIN;
	TSHM_TEST_CHECK(tshm_pipeline_run(p, &sp, &res));
	assert_int_equal(res.nassets, 1);
	assert_int_equal(res.npsets, 1);
	assert_int_equal(res.failed, 1);
	assert_int_equal(res.results[0].status, TSHM_RESULT_FAILED);
	if (!strstr(res.results[0].reason, "signal 6"))
		fail_msg("reason '%s'", res.results[0].reason);
	tshm_run_result_free(&res);
	tshm_pipeline_destroy(p);
}

/* ---- republished mid-run ---------------------------------------------------------- */

struct republisher {
	struct tshm_pipeline *p;
	uint32_t days_seen, kills;
	int republished;
};

/* At the fifth merged day, publish the bundle again and kill every worker:
 * the respawned ones set the run up again and meet the new generation. */
static void republish_on_day(const struct tshm_day_partial *d, void *arg)
{
	struct republisher *k = arg;

	(void)d;
	if (++k->days_seen != 5)
		return;
	k->republished = tshm_test_publish(cat, "faults", &data) > 0;
	for (uint32_t i = 0; i < tshm_pipeline_workers(k->p); i++)
		k->kills += kill(tshm_pipeline_worker_pid(k->p, i), SIGKILL) == 0;
}

static void test_faults_republished_mid_run(void **state)
{
	static const char *const specs[] = {"fast=2:20:3", "slow=25:85:30"};
	struct tshm_pipeline *p = pt_pipeline(2, 0);
	struct republisher k = {.p = p};
	struct tshm_run_result res;
	struct tshm_run_spec sp;
	uint32_t n;
	int64_t *ps = pt_grid("sma_cross", specs, 2, &n);

	(void)state;
	pt_spec(&sp, "faults", "sma_cross", ps, n);
	sp.slice = TSHM_SLICE_HOUR;
	sp.on_day = republish_on_day;
	sp.arg = &k;
	assert_int_equal(tshm_pipeline_run(p, &sp, &res), -ESTALE);
	assert_true(k.republished);
	assert_int_equal(k.kills, 2);
	assert_non_null(strstr(tshm_pipeline_last_error(p), "republished"));
	assert_null(res.results); /* a failed run hands back nothing */
	/* The next run starts on the new generation and completes. */
	sp.on_day = NULL;
	TSHM_TEST_CHECK(tshm_pipeline_run(p, &sp, &res));
	assert_int_equal(res.failed, 0);
	assert_true(res.tasks > 0);
	tshm_run_result_free(&res);
	free(ps);
	tshm_pipeline_destroy(p);
}

/* ---- between runs, and process lifetime ------------------------------------------ */

static void test_faults_worker_dies_between_runs(void **state)
{
	struct tshm_pipeline *p = pt_pipeline(2, 0);
	struct tshm_run_result a, b;
	struct tshm_run_spec sp;
	pid_t pids[2];
	int status;

	(void)state;
	pt_spec(&sp, "faults", "breakout", NULL, 0);
	TSHM_TEST_CHECK(tshm_pipeline_run(p, &sp, &a));
	pids[0] = tshm_pipeline_worker_pid(p, 0);
	pids[1] = tshm_pipeline_worker_pid(p, 1);
	kill(pids[0], SIGKILL);
	kill(pids[1], SIGKILL);
	tshm_test_sleep_us(20000);
	TSHM_TEST_CHECK(tshm_pipeline_run(p, &sp, &b));
	pt_expect_equal(&a, &b, NULL, 0);
	assert_int_not_equal(tshm_pipeline_worker_pid(p, 0), pids[0]);
	tshm_run_result_free(&a);
	tshm_run_result_free(&b);
	pids[0] = tshm_pipeline_worker_pid(p, 0);
	pids[1] = tshm_pipeline_worker_pid(p, 1);
	tshm_pipeline_destroy(p);
	/* destroy reaped them: they are not our children any more */
	assert_int_equal(waitpid(pids[0], &status, WNOHANG), -1);
	expect_gone(pids, 2);
}

/* Workers hold none of the application's descriptors: the application's
 * pipe sees end of file once the application closes its write end. */
static void test_faults_workers_hold_no_parent_fds(void **state)
{
	struct tshm_pipeline *p;
	struct pollfd pf;
	char c;
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	p = pt_pipeline(2, 0);
	close(fds[1]);
	pf = (struct pollfd){.fd = fds[0], .events = POLLIN};
	assert_int_equal(poll(&pf, 1, 10000), 1); /* 0: a worker holds the write end */
	assert_int_equal(read(fds[0], &c, 1), 0);
	close(fds[0]);
	tshm_pipeline_destroy(p);
}

/* Workers die with their parent (PR_SET_PDEATHSIG), even one killed by SIGKILL. */
static void test_faults_workers_die_with_parent(void **state)
{
	struct tshm_test_child c;
	pid_t pids[4];

	(void)state;
	if (tshm_test_fork_piped(&c, TSHM_TEST_CHILD_LIFETIME_S) == 0) {
		struct tshm_pipeline_opts o = {.workers = 4, .log_level = -1};
		struct tshm_pipeline *p = NULL;
		pid_t w[4];

		if (tshm_pipeline_create(&p, &o) < 0)
			_exit(2);
		for (uint32_t i = 0; i < 4; i++)
			w[i] = tshm_pipeline_worker_pid(p, i);
		if (tshm_test_write_full(c.rep, w, sizeof(w)) < 0)
			_exit(3);
		for (;;)
			pause(); /* until SIGKILL */
	}
	TSHM_TEST_CHECK(tshm_test_read_full(c.rep, pids, sizeof(pids), TSHM_TEST_CHILD_TIMEOUT_MS));
	for (int i = 0; i < 4; i++)
		assert_true(alive(pids[i]));
	kill(c.pid, SIGKILL);
	tshm_test_expect_signal(c.pid, TSHM_TEST_CHILD_TIMEOUT_MS, SIGKILL, "pipeline owner");
	tshm_test_child_close(&c);
	expect_gone(pids, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_faults_kill_one_worker_mid_sweep),
	    cmocka_unit_test(test_faults_kill_every_worker_mid_sweep),
	    cmocka_unit_test(test_faults_plugin_aborts),
	    cmocka_unit_test(test_faults_plugin_segfaults),
	    cmocka_unit_test(test_faults_every_set_fails),
	    cmocka_unit_test(test_faults_plugin_hangs_past_timeout),
	    cmocka_unit_test(test_faults_republished_mid_run),
	    cmocka_unit_test(test_faults_worker_dies_between_runs),
	    cmocka_unit_test(test_faults_workers_hold_no_parent_fds),
	    cmocka_unit_test(test_faults_workers_die_with_parent),
	};

	tshm_test_ns_init("faults");
	return cmocka_run_group_tests(tests, setup, teardown);
}
