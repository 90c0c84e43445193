/* tshm-test-labels: unit;fault */
/* SPDX-License-Identifier: MIT */
/*
 * kill -9 of a loader. A child process runs tshm_load_run(--force) and is
 * killed: at each of libshm's commit crash points and the loader's own
 * (TICKSHM_TEST_CRASH_AT), and by the parent at random moments. After every
 * death:
 *   - the catalog names a complete generation (the previous one, or the
 *     new one if the child died after publishing), which attaches and
 *     passes tshm_view_verify();
 *   - tshm_gc() removes every leftover, leaving only the current segment;
 *   - the next load succeeds with a higher generation.
 * And a first load killed before it publishes leaves nothing gc cannot
 * remove, catalog slot included.
 */
#include "loader_test.h"
#include "tshm_proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tickshm/load.h"

#define BUNDLE "crashld"
#define SETTLE_MS 5000

static uint64_t load_ok(struct tshm_ltest_fx *f)
{
	struct tshm_load_opts o = {.flags = TSHM_LOAD_FORCE};
	struct tshm_load_result r;
	int rc = tshm_load_run(f->cat, f->bundle, &o, &r);

	if (rc < 0)
		fail_msg("tshm_load_run: %s: %s", tshm_strerror(rc), r.error);
	return r.generation;
}

/* In a child: load with TICKSHM_TEST_CRASH_AT=@step (NULL: none). Never returns. */
static void child_load(const struct tshm_ltest_fx *f, const char *step)
{
	struct tshm_load_opts o = {.flags = TSHM_LOAD_FORCE};
	struct tshm_catalog *cat;
	struct tshm_load_result r;

	if (step)
		setenv("TICKSHM_TEST_CRASH_AT", step, 1);
	if (tshm_catalog_open(&cat, NULL, TSHM_CATALOG_RDWR) < 0)
		_exit(3);
	_exit(tshm_load_run(cat, f->bundle, &o, &r) == 0 ? 0 : 1);
}

static void crash_at(const struct tshm_ltest_fx *f, const char *step)
{
	pid_t pid = tshm_test_fork(TSHM_TEST_CHILD_LIFETIME_S);

	if (pid == 0)
		child_load(f, step);
	tshm_test_expect_signal(pid, TSHM_TEST_CHILD_TIMEOUT_MS, SIGKILL, "loader crashing at %s",
				step);
}

/* gc until only the current segment is left (a dead writer's flock can
 * outlive it briefly while something reads its /proc entries). */
static void gc_settled(const char *current)
{
	int64_t deadline = tshm_test_now_ms() + SETTLE_MS;
	struct tshm_test_seglist l;

	for (;;) {
		int rc = tshm_gc(NULL, 0, NULL, NULL);

		if (rc < 0)
			fail_msg("tshm_gc: %s", tshm_strerror(rc));
		tshm_test_scan(&l);
		if ((current && l.n == 1 && strcmp(l.e[0].name, current) == 0 &&
		     l.e[0].state == TSHM_SEGSTATE_CURRENT) ||
		    (!current && l.n == 0))
			return;
		if (tshm_test_now_ms() > deadline) {
			tshm_test_print_segs("after gc", &l);
			fail_msg("gc left segments behind (want only %s)",
				 current ? current : "none");
		}
		tshm_test_sleep_us(20000);
	}
}

/* The published generation is complete and right; returns it. */
static uint64_t check_published(struct tshm_ltest_fx *f, uint64_t want_gen)
{
	struct tshm_descriptor d;
	struct tshm_view *v;

	TSHM_TEST_CHECK(tshm_catalog_lookup(f->cat, BUNDLE, &d));
	if (want_gen && d.generation != want_gen)
		fail_msg("published generation %llu, expected %llu",
			 (unsigned long long)d.generation, (unsigned long long)want_gen);
	TSHM_TEST_CHECK(tshm_view_open(&v, f->cat, BUNDLE));
	assert_int_equal(tshm_view_verify(v), 0);
	tshm_view_unref(v);
	gc_settled(d.segment);
	return d.generation;
}

static void test_load_crash_points(void **state)
{
	static const char *const steps[] = {
	    "before_fallocate", "before_header",      "before_chmod",  "before_publish",
	    "load_mid_decode",	"load_before_commit", "before_unlink",
	};
	struct tshm_ltest_fx *f = *state;
	uint64_t gen;

	TSHM_TEST_CHECK(tshm_ltest_make_bundle(f->bundle, BUNDLE, 3, 4, 3000, 1));
	gen = load_ok(f);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		int published = strcmp(steps[i], "before_unlink") == 0;
		uint64_t now;

		crash_at(f, steps[i]);
		/* Only a death after the publish may have moved the catalog on. */
		now = check_published(f, published ? 0 : gen);
		if (published)
			assert_true(now > gen);
		gen = load_ok(f);
		assert_true(gen > now);
		check_published(f, gen);
	}
}

/* No previous generation: a killed first load leaves nothing behind. */
static void test_load_crash_first_load(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_descriptor d;
	uint64_t gen;

	TSHM_TEST_CHECK(tshm_ltest_make_bundle(f->bundle, BUNDLE, 2, 2, 2000, 2));
	crash_at(f, "load_mid_decode");
	assert_int_equal(tshm_catalog_lookup(f->cat, BUNDLE, &d), -ENOENT);
	gc_settled(NULL);
	gen = load_ok(f);
	check_published(f, gen);
}

/* SIGKILL from the parent at random moments of a load. */
static void test_load_crash_random(void **state)
{
	struct tshm_ltest_fx *f = *state;
	uint64_t gen, seed = (uint64_t)getpid();

	TSHM_TEST_CHECK(tshm_ltest_make_bundle(f->bundle, BUNDLE, 4, 5, 20000, 3));
	gen = load_ok(f);
	for (int i = 0; i < 6; i++) {
		pid_t pid = tshm_test_fork(TSHM_TEST_CHILD_LIFETIME_S);
		uint64_t now;
		char st[64];
		int status;

		if (pid == 0)
			child_load(f, NULL);
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		tshm_test_sleep_us((long)((seed >> 33) % 40000));
		kill(pid, SIGKILL);
		if (tshm_test_reap(pid, TSHM_TEST_CHILD_TIMEOUT_MS, &status) < 0)
			fail_msg("loader child did not die");
		/* Killed, or done before the signal landed: either way consistent. */
		if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) &&
		    !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
			fail_msg("loader child: %s", tshm_test_status_str(status, st, sizeof(st)));
		now = check_published(f, 0);
		assert_true(now >= gen);
		gen = load_ok(f);
		assert_true(gen > now);
		check_published(f, gen);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_load_crash_points, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_load_crash_first_load, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_load_crash_random, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	};

	tshm_test_ns_init("loadcrash");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
