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
#include "tshm_test.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BUNDLE "crashb"
#define CHILD_TIMEOUT_MS 30000
#define MAX_SEGS 64

#define CHECK_RC(expr)                                                                             \
	do {                                                                                       \
		int rc_ = (int)(expr);                                                             \
		if (rc_ < 0)                                                                       \
			fail_msg("%s:%d: %s -> %d (%s)", __FILE__, __LINE__, #expr, rc_,           \
				 tshm_strerror(rc_));                                              \
	} while (0)

/* ---- child processes ------------------------------------------------- */

static pid_t children[8];

static void child_add(pid_t pid)
{
	for (size_t i = 0; i < sizeof(children) / sizeof(children[0]); i++)
		if (children[i] == 0) {
			children[i] = pid;
			return;
		}
	kill(pid, SIGKILL);
	fail_msg("too many children");
}

static void child_forget(pid_t pid)
{
	for (size_t i = 0; i < sizeof(children) / sizeof(children[0]); i++)
		if (children[i] == pid)
			children[i] = 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_us(long us)
{
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Reap @pid within @timeout_ms; past the deadline kill it with SIGKILL and
 * reap it. Returns 0 with *@status set, or -ETIMEDOUT (status still set).
 */
static int reap(pid_t pid, int timeout_ms, int *status)
{
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid) {
			child_forget(pid);
			return 0;
		}
		if (r < 0 && errno != EINTR) {
			child_forget(pid);
			return -errno;
		}
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			child_forget(pid);
			return -ETIMEDOUT;
		}
		sleep_us(1000);
	}
}

static void kill_children(void)
{
	for (size_t i = 0; i < sizeof(children) / sizeof(children[0]); i++)
		if (children[i] > 0) {
			int st;

			kill(children[i], SIGKILL);
			reap(children[i], 5000, &st);
		}
}

/* Runs first in every child: no cmocka signal handlers, die with the parent. */
static void child_init(void)
{
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	signal(SIGILL, SIG_DFL);
	signal(SIGFPE, SIG_DFL);
	signal(SIGABRT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(CHILD_TIMEOUT_MS / 1000 + 5);
}

static const char *describe_status(int st, char *buf, size_t len)
{
	if (WIFEXITED(st))
		snprintf(buf, len, "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(buf, len, "status 0x%x", st);
	return buf;
}

/* ---- segment inventory ----------------------------------------------- */

struct seglist {
	int n;
	struct tshm_seg_entry e[MAX_SEGS];
};

static int collect_cb(const struct tshm_seg_entry *e, void *arg)
{
	struct seglist *l = arg;

	if (l->n < MAX_SEGS)
		l->e[l->n] = *e;
	l->n++;
	return 0;
}

static void scan(struct seglist *l)
{
	memset(l, 0, sizeof(*l));
	CHECK_RC(tshm_segments_scan(NULL, collect_cb, l));
	if (l->n > MAX_SEGS)
		fail_msg("too many segments: %d", l->n);
}

static const char *state_name(int s)
{
	switch (s) {
	case TSHM_SEGSTATE_CURRENT:
		return "CURRENT";
	case TSHM_SEGSTATE_WRITING:
		return "WRITING";
	case TSHM_SEGSTATE_ABANDONED:
		return "ABANDONED";
	case TSHM_SEGSTATE_OLD:
		return "OLD";
	}
	return "?";
}

static void print_segs(const char *what, const struct seglist *l)
{
	print_message("  %s: %d segment(s)\n", what, l->n);
	for (int i = 0; i < l->n && i < MAX_SEGS; i++)
		print_message("    %s gen %llu size %llu %s nmappers %u\n", l->e[i].name,
			      (unsigned long long)l->e[i].generation,
			      (unsigned long long)l->e[i].size, state_name(l->e[i].state),
			      l->e[i].nmappers);
}

static void seg_name(char *buf, uint64_t gen)
{
	CHECK_RC(tshm_name_segment(buf, TSHM_SEGNAME_MAX, tshm_test_ns(), BUNDLE, gen));
}

static int shm_exists(const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "/dev/shm%s", name);
	return stat(path, &st) == 0;
}

/* ---- invariants ------------------------------------------------------- */

/* Print the /proc/locks entries of segment @name (diagnostics). */
static void print_locks(const char *name)
{
	char path[256], line[256], want[32];
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "/dev/shm%s", name);
	if (stat(path, &st) < 0)
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
static void scan_settled(struct seglist *l)
{
	int64_t deadline = now_ms() + 2000;
	int logged = 0;

	for (;;) {
		int writing = -1;

		scan(l);
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
		if (now_ms() > deadline)
			return;
		sleep_us(5000);
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
	struct seglist before, after;
	struct gc_count gcc = {0};
	int ncurrent = 0, nleft = 0, rc;

	/* 1. The catalog names a complete generation that attaches and verifies. */
	CHECK_RC(tshm_catalog_lookup(cat, BUNDLE, &d));
	if (expect_gen && d.generation != expect_gen)
		fail_msg("catalog generation %llu, expected %llu", (unsigned long long)d.generation,
			 (unsigned long long)expect_gen);
	if (d.generation < min_gen)
		fail_msg("catalog generation %llu went backwards (< %llu)",
			 (unsigned long long)d.generation, (unsigned long long)min_gen);
	CHECK_RC(tshm_view_open(&v, cat, BUNDLE));
	assert_non_null(v);
	if (tshm_view_header(v)->generation != d.generation)
		fail_msg("view generation %llu != catalog %llu",
			 (unsigned long long)tshm_view_header(v)->generation,
			 (unsigned long long)d.generation);
	assert_true(tshm_view_header(v)->flags & TSHM_SEG_F_COMPLETE);
	CHECK_RC(tshm_view_verify(v));
	tshm_view_unref(v);
	v = NULL;

	/* 2. Inventory: one CURRENT, leftovers neither WRITING nor mapped. */
	scan_settled(&before);
	for (int i = 0; i < before.n; i++) {
		const struct tshm_seg_entry *e = &before.e[i];

		if (strcmp(e->bundle, BUNDLE) != 0) {
			print_segs("before gc", &before);
			fail_msg("unexpected bundle %s", e->name);
		}
		if (e->state == TSHM_SEGSTATE_CURRENT) {
			ncurrent++;
			if (e->generation != d.generation || strcmp(e->name, d.segment) != 0) {
				print_segs("before gc", &before);
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
			print_segs("before gc", &before);
			fail_msg("leftover %s in state %s (writer is dead)", e->name,
				 state_name(e->state));
		}
		if (e->nmappers != 0) {
			print_segs("before gc", &before);
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
		print_segs("before gc", &before);
		fail_msg("%d CURRENT segments, expected 1", ncurrent);
	}

	/* 3. gc removes every leftover and only those. */
	rc = tshm_gc(NULL, 0, gc_cb, &gcc);
	if (rc != nleft || gcc.n != nleft) {
		print_segs("before gc", &before);
		fail_msg("tshm_gc returned %d (%d callbacks), expected %d", rc, gcc.n, nleft);
	}
	scan(&after);
	if (after.n != 1 || after.e[0].state != TSHM_SEGSTATE_CURRENT ||
	    after.e[0].generation != d.generation) {
		print_segs("after gc", &after);
		fail_msg("after gc: expected only the CURRENT g%llu",
			 (unsigned long long)d.generation);
	}
	assert_true(shm_exists(d.segment));
	return d.generation;
}

/* ---- the crash steps -------------------------------------------------- */

static struct tshm_catalog *cat;

static int setup(void **state)
{
	(void)state;
	tshm_test_ns_clean();
	return tshm_catalog_open(&cat, NULL, TSHM_CATALOG_CREATE) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	kill_children();
	tshm_catalog_close(cat);
	cat = NULL;
	tshm_test_ns_clean();
	return 0;
}

static struct tshm_test_bundle bundle_seed(uint64_t seed)
{
	struct tshm_test_bundle b = tshm_test_small;

	b.seed = seed;
	return b;
}

/* Child: fill about half the columns of a new generation, then SIGKILL itself. */
static void child_mid_fill(struct tshm_catalog *ccat)
{
	struct tshm_test_bundle b = bundle_seed(2);
	struct tshm_layout_spec spec;
	struct tshm_writer *w;

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
 * Fork a child that publishes generation N+1 with TICKSHM_TEST_CRASH_AT=@step
 * (or kills itself mid-fill for step "mid_fill") and expect it to die by
 * SIGKILL.
 */
static void crash_child(const char *step)
{
	pid_t pid;
	int st = 0, rc;
	char buf[64];

	pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		struct tshm_catalog *ccat;
		struct tshm_test_bundle b = bundle_seed(2);
		int64_t gen;

		child_init();
		if (tshm_catalog_open(&ccat, NULL, TSHM_CATALOG_RDWR) < 0)
			_exit(30);
		if (strcmp(step, "mid_fill") == 0)
			child_mid_fill(ccat);
		setenv("TICKSHM_TEST_CRASH_AT", step, 1);
		gen = tshm_test_publish(ccat, BUNDLE, &b);
		_exit(gen < 0 ? 33 : 34); /* not killed: the crash point did not fire */
	}
	child_add(pid);
	rc = reap(pid, CHILD_TIMEOUT_MS, &st);
	if (rc < 0)
		fail_msg("crash child (%s) did not finish: %d", step, rc);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		fail_msg("crash child (%s) ended with %s, expected SIGKILL", step,
			 describe_status(st, buf, sizeof(buf)));
}

static void run_step(const char *step)
{
	struct tshm_test_bundle b1 = bundle_seed(1), b3 = bundle_seed(3);
	char g1[TSHM_SEGNAME_MAX], g2[TSHM_SEGNAME_MAX];
	int unlink_step = strcmp(step, "before_unlink") == 0;
	int partial = strcmp(step, "before_fallocate") == 0 || strcmp(step, "mid_fill") == 0 ||
		      strcmp(step, "before_header") == 0 || strcmp(step, "before_chmod") == 0;
	struct tshm_view *v = NULL;
	uint64_t cur;
	int64_t gen;
	int rc;

	print_message("  step %s\n", step);
	gen = tshm_test_publish(cat, BUNDLE, &b1);
	CHECK_RC(gen);
	assert_int_equal(gen, 1);
	seg_name(g1, 1);
	seg_name(g2, 2);

	crash_child(step);

	/* What the crash left in /dev/shm. */
	if (unlink_step) {
		/* Catalog points at g2; g1 survived its unlink. */
		assert_true(shm_exists(g2));
		assert_true(shm_exists(g1));
	} else {
		assert_true(shm_exists(g1));
		if (!shm_exists(g2))
			fail_msg("step %s: the partial segment %s is missing", step, g2);
	}

	/* No reader can attach the partially written segment. */
	if (partial) {
		struct stat st;
		char path[256];

		snprintf(path, sizeof(path), "/dev/shm%s", g2);
		assert_int_equal(stat(path, &st), 0);
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
	gen = tshm_test_publish(cat, BUNDLE, &b3);
	CHECK_RC(gen);
	if ((uint64_t)gen <= cur || (uint64_t)gen <= 2)
		fail_msg("step %s: next publish gave generation %lld after %llu", step,
			 (long long)gen, (unsigned long long)cur);
	check_invariants(cat, (uint64_t)gen, 0);
	assert_false(shm_exists(g1));
	assert_false(shm_exists(g2));
}

static void test_before_fallocate(void **state)
{
	(void)state;
	run_step("before_fallocate");
}

static void test_mid_fill(void **state)
{
	(void)state;
	run_step("mid_fill");
}

static void test_before_header(void **state)
{
	(void)state;
	run_step("before_header");
}

static void test_before_chmod(void **state)
{
	(void)state;
	run_step("before_chmod");
}

static void test_before_publish(void **state)
{
	(void)state;
	run_step("before_publish");
}

static void test_before_unlink(void **state)
{
	(void)state;
	run_step("before_unlink");
}

/* ---- kill -9 at a random moment --------------------------------------- */

static void test_random_kill(void **state)
{
	struct tshm_test_bundle b = bundle_seed(1);
	uint64_t cur, seed = (uint64_t)time(NULL) ^ (uint64_t)getpid();
	int64_t gen;

	(void)state;
	print_message("  random kill seed %llu\n", (unsigned long long)seed);
	removed_abandoned = removed_old = 0;
	srand((unsigned)seed);
	gen = tshm_test_publish(cat, BUNDLE, &b);
	CHECK_RC(gen);
	cur = (uint64_t)gen;

	for (int iter = 0; iter < 20; iter++) {
		pid_t pid;
		int st = 0, rc;
		long delay_us = rand() % 20001;
		char buf[64];

		pid = fork();
		if (pid < 0)
			fail_msg("fork: %s", strerror(errno));
		if (pid == 0) {
			struct tshm_catalog *ccat;
			struct tshm_test_bundle cb = tshm_test_small;

			child_init();
			if (tshm_catalog_open(&ccat, NULL, TSHM_CATALOG_RDWR) < 0)
				_exit(30);
			for (uint64_t i = 0;; i++) {
				cb.seed = 1000 * (uint64_t)iter + i;
				if (tshm_test_publish(ccat, BUNDLE, &cb) < 0)
					_exit(35);
			}
		}
		child_add(pid);
		sleep_us(delay_us);
		kill(pid, SIGKILL);
		rc = reap(pid, CHILD_TIMEOUT_MS, &st);
		if (rc < 0)
			fail_msg("iteration %d: child not reaped: %d", iter, rc);
		if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
			fail_msg("iteration %d: child ended with %s", iter,
				 describe_status(st, buf, sizeof(buf)));
		cur = check_invariants(cat, 0, cur);
	}

	print_message("  20 kills: generation %llu reached, gc removed %d ABANDONED and %d OLD; "
		      "%d transient WRITING\n",
		      (unsigned long long)cur, removed_abandoned, removed_old, transient_writing);

	/* And a clean publish still works afterwards. */
	gen = tshm_test_publish(cat, BUNDLE, &b);
	CHECK_RC(gen);
	if ((uint64_t)gen <= cur)
		fail_msg("publish after the kills gave generation %lld <= %llu", (long long)gen,
			 (unsigned long long)cur);
	check_invariants(cat, (uint64_t)gen, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_before_fallocate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mid_fill, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_before_header, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_before_chmod, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_before_publish, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_before_unlink, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_random_kill, setup, teardown),
	};

	tshm_test_ns_init("crash");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
