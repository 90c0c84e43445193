/* tshm-test-labels: unit;fault */
/* SPDX-License-Identifier: MIT */
/*
 * kill -9 of a bundle transaction at every step of the commit protocol
 * (BUNDLE.md 5): the bundle afterwards opens, holds exactly the previous
 * content (or the new one once COMMIT returned), verifies, and the next
 * transaction succeeds and removes the leftovers.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader_test.h"
#include "tshm_proc.h"

static const struct tshm_ltest_spec v1 = {3, 2, 120, 1};
static const struct tshm_ltest_spec v2 = {4, 3, 150, 2}; /* more of everything, other values */
static const struct tshm_ltest_spec v3 = {4, 3, 90, 3};	 /* replaces every chunk of v1 and v2 */

/* Write @s in a child that TICKSHM_TEST_CRASH_AT kills at @point. */
static void crash_txn(struct tshm_ltest_fx *f, const char *point, const struct tshm_ltest_spec *s)
{
	pid_t pid = tshm_test_fork(TSHM_TEST_CHILD_LIFETIME_S);

	if (pid == 0) {
		setenv("TICKSHM_TEST_CRASH_AT", point, 1);
		_exit(tshm_ltest_put_bundle(f->bundle, "crash", s) == 0 ? 0 : 1);
	}
	tshm_test_expect_signal(pid, TSHM_TEST_CHILD_TIMEOUT_MS, SIGKILL, "txn killed at %s",
				point);
}

/* The bundle holds exactly @s: loaded, hashed, verified and compared. */
static void expect_content(struct tshm_ltest_fx *f, const struct tshm_ltest_spec *s,
			   uint64_t orphans)
{
	struct tshm_verify_report rep;
	struct tshm_view *v;
	char why[256];
	int hash_ok = 0;

	TSHM_TEST_CHECK(tshm_bundle_verify_dir(f->bundle, &rep));
	assert_int_equal(rep.orphan_files, orphans);
	TSHM_TEST_CHECK(tshm_ltest_load_ref(f->cat, f->bundle, "crash", &hash_ok));
	assert_true(hash_ok);
	TSHM_TEST_CHECK(tshm_view_open(&v, f->cat, "crash"));
	assert_int_equal(tshm_view_verify(v), 0);
	if (tshm_ltest_check_view(v, s, why, sizeof(why)) < 0) {
		tshm_view_unref(v);
		fail_msg("%s", why);
	}
	tshm_view_unref(v);
}

static void crash_case(struct tshm_ltest_fx *f, const char *point, int committed)
{
	TSHM_TEST_CHECK(tshm_ltest_put_bundle(f->bundle, "crash", &v1));
	crash_txn(f, point, &v2);
	/* One leftover either way: the crashed transaction's file, or the
	 * previous file it made unreferenced but did not get to sweep. */
	expect_content(f, committed ? &v2 : &v1, 1);
	TSHM_TEST_CHECK(tshm_ltest_put_bundle(f->bundle, "crash", &v3));
	assert_int_equal(tshm_ltest_count_data_files(f->bundle), 1);
	expect_content(f, &v3, 0);
}

static void test_bundle_crash_before_sync(void **state)
{
	crash_case(*state, "bundle_before_sync", 0);
}

static void test_bundle_crash_before_commit(void **state)
{
	crash_case(*state, "bundle_before_commit", 0);
}

static void test_bundle_crash_after_commit(void **state)
{
	crash_case(*state, "bundle_after_commit", 1);
}

static void test_bundle_crash_before_cleanup(void **state)
{
	crash_case(*state, "bundle_before_cleanup", 1);
}

/* A crash in the transaction that creates the bundle leaves no bundle. */
static void test_bundle_crash_first_txn(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_verify_report rep;
	struct tshm_bundle *b;

	crash_txn(f, "bundle_before_commit", &v2);
	assert_int_equal(tshm_bundle_open(&b, f->bundle, 0), -ENOENT);
	assert_int_equal(tshm_bundle_verify_dir(f->bundle, &rep), -ENOENT);
	TSHM_TEST_CHECK(tshm_ltest_put_bundle(f->bundle, "crash", &v1));
	assert_int_equal(tshm_ltest_count_data_files(f->bundle), 1);
	expect_content(f, &v1, 0);
}

/* A reader open across the crash and the recovery keeps its files. */
static void test_bundle_crash_reader_survives(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_verify_report rep;
	struct tshm_bundle *b;

	TSHM_TEST_CHECK(tshm_ltest_put_bundle(f->bundle, "crash", &v1));
	TSHM_TEST_CHECK(tshm_bundle_open(&b, f->bundle, 0));
	crash_txn(f, "bundle_after_commit", &v2);
	TSHM_TEST_CHECK(tshm_ltest_put_bundle(f->bundle, "crash", &v3));
	assert_int_equal(tshm_bundle_verify(b, &rep), 0);
	tshm_bundle_close(b);
	expect_content(f, &v3, 2); /* v1's and v2's files: swept by the next txn */
	TSHM_TEST_CHECK(tshm_ltest_put_bundle(f->bundle, "crash", &v3));
	expect_content(f, &v3, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_bundle_crash_before_sync, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_bundle_crash_before_commit, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_bundle_crash_after_commit, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_bundle_crash_before_cleanup, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_bundle_crash_first_txn, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_bundle_crash_reader_survives, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	};

	tshm_test_ns_init("bcrash");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
