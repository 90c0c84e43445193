/* tshm-test-labels: fault */
/* SPDX-License-Identifier: MIT */
/*
 * Crash safety of the two-step commit. A child process publishes a new
 * generation and is killed (SIGKILL, via the library's TICKSHM_TEST_CRASH_AT
 * crash points, by itself in the middle of filling, or by the parent at a
 * random moment). After every death:
 *   - the catalog still names a complete generation, which attaches and
 *     passes tshm_view_verify();
 *   - the partially written segment cannot be attached;
 *   - tshm_gc() removes every leftover, leaving only the CURRENT segment;
 *   - the next publish works and yields a higher generation.
 */
#include "tshm_proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUNDLE "crashb"

/* ---- invariants ------------------------------------------------------- */

/* Print the /proc/locks entries of segment @name (diagnostics). */
static void print_locks(const char *name)
{
	char line[256], want[32];
	struct stat st;
	FILE *f;

	if (tshm_test_shm_stat(name, &st) < 0)
		return;
	snprintf(want, sizeof(want), ":%llu ", (unsigned long long)st.st_ino);
	f = fopen("/proc/locks", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		int pid = 0;

		if (!strstr(line, want))
			continue;
		sscanf(line, "%*s %*s %*s %*s %d", &pid);
		print_message("    /proc/locks: %s", line);
		print_message("    lock owner pid %d is %s\n", pid,
			      pid > 0 && kill(pid, 0) == 0 ? "alive" : "gone");
	}
	fclose(f);
}

static int transient_writing;

/*
 * Scan once the dead writer's flock is really gone. The kernel drops an
 * flock when the last reference to the open file goes, and a writer's
 * mapping holds one: if another process happens to hold the dead writer's
 * mm at that moment (anything reading /proc/<pid>/maps or cmdline, as
 * tshm_mappings_scan itself does), the lock can outlive the reaped process
 * briefly. Wait up to 2 s for that; past that, report it as it is.
 */
static void scan_settled(struct tshm_test_seglist *l)
{
	int64_t deadline = tshm_test_now_ms() + 2000;
	int logged = 0;

	for (;;) {
		int writing = -1;

		tshm_test_scan(l);
		for (int i = 0; i < l->n; i++)
			if (l->e[i].state == TSHM_SEGSTATE_WRITING)
				writing = i;
		if (writing < 0)
			return;
		if (!logged++) {
			transient_writing++;
			print_message("  %s shows WRITING after its writer was reaped:\n",
				      l->e[writing].name);
			print_locks(l->e[writing].name);
		}
		if (tshm_test_now_ms() > deadline)
			return;
		tshm_test_sleep_us(5000);
	}
}

/* Leftovers gc removed, by state, over the whole program (for the log). */
static int removed_abandoned, removed_old;

struct gc_count {
	int n;
};

static int gc_cb(const struct tshm_seg_entry *e, void *arg)
{
	struct gc_count *c = arg;

	(void)e;
	c->n++;
	return 0;
}

/*
 * The invariants that must hold after a writer died: returns the current
 * generation. @expect_gen: exact generation expected (0: any >= @min_gen).
 */
static uint64_t check_invariants(struct tshm_catalog *cat, uint64_t expect_gen, uint64_t min_gen)
{
	struct tshm_descriptor d;
	struct tshm_view *v = NULL;
	struct tshm_test_seglist before, after;
	struct gc_count gcc = {0};
	int ncurrent = 0, nleft = 0, rc;

	/* 1. The catalog names a complete generation that attaches and verifies. */
	TSHM_TEST_CHECK(tshm_catalog_lookup(cat, BUNDLE, &d));
	if (expect_gen && d.generation != expect_gen)
		fail_msg("catalog generation %llu, expected %llu", (unsigned long long)d.generation,
			 (unsigned long long)expect_gen);
	if (d.generation < min_gen)
		fail_msg("catalog generation %llu went backwards (< %llu)",
			 (unsigned long long)d.generation, (unsigned long long)min_gen);
	TSHM_TEST_CHECK(tshm_view_open(&v, cat, BUNDLE));
	assert_non_null(v);
	if (tshm_view_header(v)->generation != d.generation)
		fail_msg("view generation %llu != catalog %llu",
			 (unsigned long long)tshm_view_header(v)->generation,
			 (unsigned long long)d.generation);
	assert_true(tshm_view_header(v)->flags & TSHM_SEG_F_COMPLETE);
	TSHM_TEST_CHECK(tshm_view_verify(v));
	tshm_view_unref(v);
	v = NULL;

	/* 2. Inventory: one CURRENT, leftovers neither WRITING nor mapped. */
	scan_settled(&before);
	for (int i = 0; i < before.n; i++) {
		const struct tshm_seg_entry *e = &before.e[i];

		if (strcmp(e->bundle, BUNDLE) != 0) {
			tshm_test_print_segs("before gc", &before);
			fail_msg("unexpected bundle %s", e->name);
		}
		if (e->state == TSHM_SEGSTATE_CURRENT) {
			ncurrent++;
			if (e->generation != d.generation || strcmp(e->name, d.segment) != 0) {
				tshm_test_print_segs("before gc", &before);
				fail_msg("CURRENT is %s, catalog says %s", e->name, d.segment);
			}
			continue;
		}
		nleft++;
		if (e->state == TSHM_SEGSTATE_ABANDONED)
			removed_abandoned++;
		else if (e->state == TSHM_SEGSTATE_OLD)
			removed_old++;
		if (e->state != TSHM_SEGSTATE_ABANDONED && e->state != TSHM_SEGSTATE_OLD) {
			tshm_test_print_segs("before gc", &before);
			fail_msg("leftover %s in state %s (writer is dead)", e->name,
				 tshm_test_state_name(e->state));
		}
		if (e->nmappers != 0) {
			tshm_test_print_segs("before gc", &before);
			fail_msg("leftover %s has %u mappers", e->name, e->nmappers);
		}
		/* A leftover that attaches must be a complete, intact segment. */
		rc = tshm_view_open_segment(&v, e->name);
		if (rc == 0) {
			int vrc = tshm_view_verify(v);

			if (!(tshm_view_header(v)->flags & TSHM_SEG_F_COMPLETE) || vrc != 0) {
				tshm_view_unref(v);
				fail_msg("leftover %s attached but is not intact (verify %d)",
					 e->name, vrc);
			}
			tshm_view_unref(v);
			v = NULL;
		}
	}
	if (ncurrent != 1) {
		tshm_test_print_segs("before gc", &before);
		fail_msg("%d CURRENT segments, expected 1", ncurrent);
	}

	/* 3. gc removes every leftover and only those. */
	rc = tshm_gc(NULL, 0, gc_cb, &gcc);
	if (rc != nleft || gcc.n != nleft) {
		tshm_test_print_segs("before gc", &before);
		fail_msg("tshm_gc returned %d (%d callbacks), expected %d", rc, gcc.n, nleft);
	}
	tshm_test_scan(&after);
	if (after.n != 1 || after.e[0].state != TSHM_SEGSTATE_CURRENT ||
	    after.e[0].generation != d.generation) {
		tshm_test_print_segs("after gc", &after);
		fail_msg("after gc: expected only the CURRENT g%llu",
			 (unsigned long long)d.generation);
	}
	assert_true(tshm_test_shm_exists(d.segment));
	return d.generation;
}

/* ---- the crash steps -------------------------------------------------- */

static struct tshm_catalog *cat;

static int setup(void **state)
{
	(void)state;
	return tshm_test_fixture_setup(&cat);
}

static int teardown(void **state)
{
	(void)state;
	tshm_test_fixture_teardown(&cat);
	return 0;
}

/* Child: fill about half the columns of a new generation, then SIGKILL itself. */
static __attribute__((noreturn)) void child_mid_fill(void)
{
	struct tshm_test_bundle b = tshm_test_small;
	struct tshm_catalog *ccat;
	struct tshm_layout_spec spec;
	struct tshm_writer *w;

	b.seed = 2;
	if (tshm_catalog_open(&ccat, NULL, TSHM_CATALOG_RDWR) < 0)
		_exit(30);
	tshm_test_spec(&b, &spec);
	if (tshm_writer_create(&w, ccat, BUNDLE, &spec, NULL) < 0)
		_exit(31);
	for (unsigned t = 0; t < TSHM_TABLE_COUNT / 2; t++) {
		uint64_t nrows = t == TSHM_TABLE_ASSETS ? spec.nassets : spec.tables[t].nrows;

		for (unsigned c = 0; c < TSHM_MAX_COLS; c++) {
			void *p = tshm_writer_column(w, t, c);

			if (p)
				memset(p, 0x5a, (size_t)nrows * 4); /* a prefix of every column */
		}
	}
	raise(SIGKILL);
	_exit(32);
}

/*
 * Fork a child that publishes generation N+1 (seed 2) with
 * TICKSHM_TEST_CRASH_AT=@step (or kills itself mid-fill for step
 * "mid_fill") and expect it to die by SIGKILL.
 */
static void crash_child(const char *step)
{
	struct tshm_test_bundle b = tshm_test_small;
	pid_t pid;

	if (strcmp(step, "mid_fill") != 0) {
		b.seed = 2;
		tshm_test_crash_publish(BUNDLE, step, &b);
		return;
	}
	pid = tshm_test_fork(TSHM_TEST_CHILD_LIFETIME_S);
	if (pid == 0)
		child_mid_fill();
	tshm_test_expect_signal(pid, TSHM_TEST_CHILD_TIMEOUT_MS, SIGKILL, "crash child (%s)", step);
}

static void run_step(const char *step)
{
	char g1[TSHM_SEGNAME_MAX], g2[TSHM_SEGNAME_MAX];
	int unlink_step = strcmp(step, "before_unlink") == 0;
	int partial = strcmp(step, "before_fallocate") == 0 || strcmp(step, "mid_fill") == 0 ||
		      strcmp(step, "before_header") == 0 || strcmp(step, "before_chmod") == 0;
	struct tshm_view *v = NULL;
	uint64_t cur, gen;
	int rc;

	print_message("  step %s\n", step);
	tshm_test_publish_expect(cat, BUNDLE, &tshm_test_small, 1, 1);
	tshm_test_seg_name(g1, BUNDLE, 1);
	tshm_test_seg_name(g2, BUNDLE, 2);

	crash_child(step);

	/* What the crash left in /dev/shm. */
	if (unlink_step) {
		/* Catalog points at g2; g1 survived its unlink. */
		assert_true(tshm_test_shm_exists(g2));
		assert_true(tshm_test_shm_exists(g1));
	} else {
		assert_true(tshm_test_shm_exists(g1));
		if (!tshm_test_shm_exists(g2))
			fail_msg("step %s: the partial segment %s is missing", step, g2);
	}

	/* No reader can attach the partially written segment. */
	if (partial) {
		struct stat st;

		assert_int_equal(tshm_test_shm_stat(g2, &st), 0);
		if ((st.st_mode & 0444) != 0)
			fail_msg("step %s: partial segment mode %o is readable", step,
				 (unsigned)(st.st_mode & 0777));
		rc = tshm_view_open_segment(&v, g2);
		if (rc == 0) {
			tshm_view_unref(v);
			fail_msg("step %s: tshm_view_open_segment(%s) attached a segment whose "
				 "writer died before sealing it (mode %o, %s)",
				 step, g2, (unsigned)(st.st_mode & 0777),
				 geteuid() == 0 ? "as root" : "not root");
		}
		if (rc != -TSHM_EINCOMPLETE && rc != -TSHM_ECORRUPT && rc != -EACCES &&
		    !(rc == -EINVAL && st.st_size == 0))
			fail_msg("step %s: tshm_view_open_segment(%s) -> %d (%s), expected "
				 "-TSHM_EINCOMPLETE/-TSHM_ECORRUPT/-EACCES",
				 step, g2, rc, tshm_strerror(rc));
	}

	cur = check_invariants(cat, unlink_step ? 2 : 1, 1);

	/* The next publish works and yields a higher generation. */
	gen = tshm_test_publish_expect(cat, BUNDLE, &tshm_test_small, 3, 0);
	if (gen <= cur || gen <= 2)
		fail_msg("step %s: next publish gave generation %llu after %llu", step,
			 (unsigned long long)gen, (unsigned long long)cur);
	check_invariants(cat, gen, 0);
	assert_false(tshm_test_shm_exists(g1));
	assert_false(tshm_test_shm_exists(g2));
}

static void test_crash_before_fallocate(void **state)
{
	(void)state;
	run_step("before_fallocate");
}

static void test_crash_mid_fill(void **state)
{
	(void)state;
	run_step("mid_fill");
}

static void test_crash_before_header(void **state)
{
	(void)state;
	run_step("before_header");
}

static void test_crash_before_chmod(void **state)
{
	(void)state;
	run_step("before_chmod");
}

static void test_crash_before_publish(void **state)
{
	(void)state;
	run_step("before_publish");
}

static void test_crash_before_unlink(void **state)
{
	(void)state;
	run_step("before_unlink");
}

/* ---- kill -9 at a random moment --------------------------------------- */

static void test_crash_random_kill(void **state)
{
	uint64_t cur, gen, seed = (uint64_t)time(NULL) ^ (uint64_t)getpid();

	(void)state;
	print_message("  random kill seed %llu\n", (unsigned long long)seed);
	removed_abandoned = removed_old = 0;
	srand((unsigned)seed);
	cur = tshm_test_publish_expect(cat, BUNDLE, &tshm_test_small, 1, 0);

	for (int iter = 0; iter < 20; iter++) {
		long delay_us = rand() % 20001;
		pid_t pid = tshm_test_fork(TSHM_TEST_CHILD_LIFETIME_S);

		if (pid == 0) {
			struct tshm_catalog *ccat;
			struct tshm_test_bundle cb = tshm_test_small;

			if (tshm_catalog_open(&ccat, NULL, TSHM_CATALOG_RDWR) < 0)
				_exit(30);
			for (uint64_t i = 0;; i++) {
				cb.seed = 1000 * (uint64_t)iter + i;
				if (tshm_test_publish(ccat, BUNDLE, &cb) < 0)
					_exit(35);
			}
		}
		tshm_test_sleep_us(delay_us);
		kill(pid, SIGKILL);
		tshm_test_expect_signal(pid, TSHM_TEST_CHILD_TIMEOUT_MS, SIGKILL,
					"iteration %d: child", iter);
		cur = check_invariants(cat, 0, cur);
	}

	print_message("  20 kills: generation %llu reached, gc removed %d ABANDONED and %d OLD; "
		      "%d transient WRITING\n",
		      (unsigned long long)cur, removed_abandoned, removed_old, transient_writing);

	/* And a clean publish still works afterwards. */
	gen = tshm_test_publish_expect(cat, BUNDLE, &tshm_test_small, 1, 0);
	if (gen <= cur)
		fail_msg("publish after the kills gave generation %llu <= %llu",
			 (unsigned long long)gen, (unsigned long long)cur);
	check_invariants(cat, gen, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_crash_before_fallocate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crash_mid_fill, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crash_before_header, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crash_before_chmod, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crash_before_publish, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crash_before_unlink, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crash_random_kill, setup, teardown),
	};

	tshm_test_ns_init("crash");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
