/* tshm-test-labels: unit;fault */
/* SPDX-License-Identifier: MIT */
/*
 * kill -9 during an ingest into an existing bundle: a child runs an ingest
 * that adds a day, replaces a day and adds an asset, and dies at the
 * bundle's crash points (TICKSHM_TEST_CRASH_AT) and at random moments.
 * After every death the bundle opens and verifies, and holds either exactly
 * the previous content or exactly the new one (never a mix): before the
 * SQLite commit always the previous. The next ingest succeeds and sweeps
 * what the dead one left.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest_test.h"
#include "loader_test.h"
#include "tshm_proc.h"

#define ROWS 60000
#define RANDOM_KILLS 8

struct fx {
	char tmp[64];
	char dir[128];	/* the bundle under test */
	char ref[128];	/* the same ingests, never killed */
	char day0[512]; /* first ingest: day 0 */
	char next[512]; /* second ingest: day 0 again, day 1, another asset */
	struct tshm_bundle_info before, after;
	int64_t run_ns;
};

/* Generic trades: @n rows per symbol and day in @days days from 2024-01-02. */
static char *make_csv(int n, int days, const char *const *syms, int price_off)
{
	char *s = malloc((size_t)n * (size_t)days * 4 * 64 + 64), *p = s;

	p += sprintf(p, "ts,symbol,price,size,side,id\n");
	for (const char *const *sym = syms; *sym; sym++)
		for (int d = 0; d < days; d++)
			for (int i = 0; i < n; i++)
				p += sprintf(p, "%lld,%s,%d.%02d,%d,%s,%d\n",
					     (long long)(INT64_C(1704153600) + d * 86400) *
						     1000000000 +
						 (long long)i * 1000000,
					     *sym, 100 + price_off + i % 50, i % 100, i % 9 + 1,
					     i % 2 ? "buy" : "sell", i);
	return s;
}

static int ingest(const char *dir, const char *file, struct tshm_ingest_result *res)
{
	struct tshm_ingest_opts o;
	const char *files[] = {file};

	tshm_ingest_opts_init(&o);
	o.name = "killed";
	o.bundle_dir = dir;
	o.preset = "generic";
	o.files = files;
	o.nfiles = 1;
	return tshm_ingest_run(&o, res);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char *a, *b;
	struct tshm_ingest_result res;
	int64_t t0;
	int rc;

	if (!f || tshm_test_mkdtemp(f->tmp, sizeof(f->tmp)) < 0)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/bundle", f->tmp);
	snprintf(f->ref, sizeof(f->ref), "%s/ref", f->tmp);
	a = make_csv(ROWS, 1, (const char *[]){"AAA", NULL}, 0);
	b = make_csv(ROWS, 2, (const char *[]){"AAA", "BBB", NULL}, 7);
	rc = tshm_itest_write_str(f->tmp, "day0.csv", a, f->day0);
	if (rc == 0)
		rc = tshm_itest_write_str(f->tmp, "next.csv", b, f->next);
	free(a);
	free(b);
	/* The reference: both ingests, timed, and the states to expect. */
	if (rc == 0 && (rc = ingest(f->ref, f->day0, &res)) == 0)
		rc = tshm_itest_info(f->ref, &f->before);
	t0 = tshm_test_now_ns();
	if (rc == 0 && (rc = ingest(f->ref, f->next, &res)) == 0)
		rc = tshm_itest_info(f->ref, &f->after);
	f->run_ns = tshm_test_now_ns() - t0;
	if (rc == 0)
		rc = ingest(f->dir, f->day0, &res);
	*state = f;
	return rc < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tshm_test_kill_children();
	tshm_test_rmtree(f->tmp);
	free(f);
	return 0;
}

/* The bundle is whole and is the previous (0) or the new (1) content. */
static int bundle_state(struct fx *f)
{
	struct tshm_bundle_info now;
	struct tshm_verify_report rep;
	struct tshm_bundle *b;

	TSHM_TEST_CHECK(tshm_bundle_open(&b, f->dir, 0));
	if (tshm_bundle_verify(b, &rep) < 0)
		fail_msg("verify: %s", rep.first_error);
	tshm_bundle_info(b, &now);
	tshm_bundle_close(b);
	if (memcmp(&now, &f->before, sizeof(now)) == 0)
		return 0;
	if (now.hash_lo == f->after.hash_lo && now.hash_hi == f->after.hash_hi &&
	    now.nchunks == f->after.nchunks && now.nassets == f->after.nassets)
		return 1;
	fail_msg("the bundle is neither the previous nor the new content (%llu chunks)",
		 (unsigned long long)now.nchunks);
	return -1;
}

/* Back to the previous content if a kill let the new one through. */
static void reset(struct fx *f)
{
	struct tshm_ingest_result res;

	tshm_test_rmtree(f->dir);
	TSHM_TEST_CHECK(ingest(f->dir, f->day0, &res));
}

/* Fork an ingest of f->next; @step names a crash point (NULL: none). */
static pid_t spawn(struct fx *f, const char *step)
{
	pid_t pid = tshm_test_fork(60);

	if (pid == 0) {
		struct tshm_ingest_result res;
		if (step)
			setenv("TICKSHM_TEST_CRASH_AT", step, 1);
		_exit(ingest(f->dir, f->next, &res) == 0 ? 0 : 3);
	}
	return pid;
}

static void test_ingest_kill_crash_points(void **state)
{
	static const struct {
		const char *step;
		int state; /* 0: previous content, 1: new content */
	} points[] = {
	    {"bundle_before_sync", 0},
	    {"bundle_before_commit", 0},
	    {"bundle_after_commit", 1},
	    {"bundle_before_cleanup", 1},
	};
	struct fx *f = *state;
	struct tshm_ingest_result res;
	struct tshm_verify_report rep;
	struct tshm_bundle *b;

	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		pid_t pid = spawn(f, points[i].step);

		tshm_test_expect_signal(pid, TSHM_TEST_CHILD_TIMEOUT_MS, SIGKILL, "ingest at %s",
					points[i].step);
		if (bundle_state(f) != points[i].state)
			fail_msg("after a kill at %s: expected the %s content", points[i].step,
				 points[i].state ? "new" : "previous");
		reset(f);
	}
	/* A rerun succeeds and leaves no leftovers. */
	pid_t pid = spawn(f, "bundle_before_sync");
	tshm_test_expect_signal(pid, TSHM_TEST_CHILD_TIMEOUT_MS, SIGKILL, "ingest");
	TSHM_TEST_CHECK(tshm_bundle_open(&b, f->dir, 0));
	TSHM_TEST_CHECK(tshm_bundle_verify(b, &rep));
	assert_true(rep.orphan_files >= 1); /* the killed ingest's data file */
	tshm_bundle_close(b);
	TSHM_TEST_CHECK(ingest(f->dir, f->next, &res));
	assert_int_equal(bundle_state(f), 1);
	TSHM_TEST_CHECK(tshm_bundle_open(&b, f->dir, 0));
	TSHM_TEST_CHECK(tshm_bundle_verify(b, &rep));
	assert_int_equal(rep.orphan_files, 0);
	tshm_bundle_close(b);
}

static void test_ingest_kill_random(void **state)
{
	struct fx *f = *state;
	struct tshm_ingest_result res;
	int seen[2] = {0, 0};

	srand((unsigned)getpid());
	for (int k = 0; k < RANDOM_KILLS; k++) {
		/* Over the whole run, from before the first read to after the commit. */
		int64_t us = (int64_t)((double)rand() / RAND_MAX * (double)f->run_ns * 1.2 / 1000);
		pid_t pid = spawn(f, NULL);
		int st;

		tshm_test_sleep_us(us);
		kill(pid, SIGKILL);
		assert_true(tshm_test_reap(pid, TSHM_TEST_CHILD_TIMEOUT_MS, &st) == 0);
		int s = bundle_state(f);
		seen[s]++;
		if (s == 1)
			reset(f);
	}
	print_message("    %d kills left the previous content, %d the new one\n", seen[0], seen[1]);
	TSHM_TEST_CHECK(ingest(f->dir, f->next, &res));
	assert_int_equal(bundle_state(f), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_ingest_kill_crash_points, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ingest_kill_random, setup, teardown),
	};

	tshm_test_ns_init("ingestkill");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
