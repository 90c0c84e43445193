/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/*
 * tshm_segments_scan() states, tshm_mappings_scan() and tshm_gc().
 *
 * The namespace is set up with one segment in every state:
 *   a.g1  OLD, mapped by a child     (publish of a.g2 killed before_unlink)
 *   a.g2  CURRENT
 *   a.g3  WRITING                    (a live writer in this process)
 *   b.g1  OLD, unmapped              (publish of b.g2 killed before_unlink)
 *   b.g2  CURRENT
 *   c.g1  ABANDONED                  (first publish of c killed before_header)
 *   d.g5  ABANDONED                  (tshm_segment_create in a child that exits)
 */
#include "tshm_test.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
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

/* Read one byte from @fd within @timeout_ms. Returns the byte or -1. */
static int read_byte(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	unsigned char c;

	if (poll(&p, 1, timeout_ms) != 1)
		return -1;
	if (read(fd, &c, 1) != 1)
		return -1;
	return c;
}

/* ---- fixtures --------------------------------------------------------- */

static struct tshm_catalog *cat;
static struct tshm_writer *live_writer;

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
	tshm_writer_destroy(live_writer);
	live_writer = NULL;
	tshm_catalog_close(cat);
	cat = NULL;
	tshm_test_ns_clean();
	return 0;
}

static void seg_name(char *buf, const char *bundle, uint64_t gen)
{
	CHECK_RC(tshm_name_segment(buf, TSHM_SEGNAME_MAX, tshm_test_ns(), bundle, gen));
}

static int shm_exists(const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "/dev/shm%s", name);
	return stat(path, &st) == 0;
}

static int64_t publish(const char *bundle, uint64_t seed)
{
	struct tshm_test_bundle b = tshm_test_small;
	int64_t gen;

	b.seed = seed;
	gen = tshm_test_publish(cat, bundle, &b);
	CHECK_RC(gen);
	return gen;
}

/* Publish a new generation of @bundle in a child killed at @step. */
static void crash_publish(const char *bundle, const char *step)
{
	pid_t pid = fork();
	int st = 0;

	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		struct tshm_catalog *ccat;
		struct tshm_test_bundle b = tshm_test_small;

		child_init();
		b.seed = 99;
		if (tshm_catalog_open(&ccat, NULL, TSHM_CATALOG_RDWR) < 0)
			_exit(30);
		setenv("TICKSHM_TEST_CRASH_AT", step, 1);
		tshm_test_publish(ccat, bundle, &b);
		_exit(31);
	}
	child_add(pid);
	if (reap(pid, CHILD_TIMEOUT_MS, &st) < 0)
		fail_msg("crash child timed out");
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		fail_msg("crash child (%s %s) was not killed by its crash point (status 0x%x)",
			 bundle, step, st);
}

/* Create @name (incomplete, never written) in a child that then exits. */
static void abandon_segment(const char *name, uint64_t size)
{
	pid_t pid = fork();
	int st = 0;

	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		struct tshm_segment seg;

		child_init();
		memset(&seg, 0, sizeof(seg));
		_exit(tshm_segment_create(&seg, name, size) == 0 ? 0 : 40);
	}
	child_add(pid);
	if (reap(pid, CHILD_TIMEOUT_MS, &st) < 0)
		fail_msg("segment child timed out");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("tshm_segment_create in the child failed (status 0x%x)", st);
}

/*
 * A child that attaches @name with tshm_view_open_segment, reports 'R' (or
 * 'E') and holds the mapping until it reads a byte from the command pipe.
 */
struct mapper {
	pid_t pid;
	int cmd, rep;
};

static void mapper_start(struct mapper *m, const char *name)
{
	int c2p[2], p2c[2];
	pid_t pid;
	int r;

	if (pipe(c2p) < 0 || pipe(p2c) < 0)
		fail_msg("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		struct tshm_view *v = NULL;
		unsigned char c;
		struct pollfd p;

		child_init();
		close(c2p[0]);
		close(p2c[1]);
		c = tshm_view_open_segment(&v, name) == 0 ? 'R' : 'E';
		if (write(c2p[1], &c, 1) != 1)
			_exit(41);
		p.fd = p2c[0];
		p.events = POLLIN;
		if (poll(&p, 1, CHILD_TIMEOUT_MS) != 1)
			_exit(42);
		if (v)
			tshm_view_unref(v);
		_exit(0);
	}
	child_add(pid);
	close(c2p[1]);
	close(p2c[0]);
	m->pid = pid;
	m->cmd = p2c[1];
	m->rep = c2p[0];
	r = read_byte(m->rep, CHILD_TIMEOUT_MS);
	if (r != 'R')
		fail_msg("mapper child could not attach %s (%d)", name, r);
}

static void mapper_stop(struct mapper *m)
{
	int st = 0;

	if (write(m->cmd, "q", 1) != 1)
		kill(m->pid, SIGKILL);
	if (reap(m->pid, CHILD_TIMEOUT_MS, &st) < 0)
		fail_msg("mapper child did not exit");
	close(m->cmd);
	close(m->rep);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("mapper child failed (status 0x%x)", st);
	m->pid = 0;
}

/* ---- scans ------------------------------------------------------------ */

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
		print_message("    %s bundle %s gen %llu size %llu %s nmappers %u\n", l->e[i].name,
			      l->e[i].bundle, (unsigned long long)l->e[i].generation,
			      (unsigned long long)l->e[i].size, state_name(l->e[i].state),
			      l->e[i].nmappers);
}

static void scan(struct seglist *l)
{
	memset(l, 0, sizeof(*l));
	CHECK_RC(tshm_segments_scan(NULL, collect_cb, l));
	if (l->n > MAX_SEGS)
		fail_msg("too many segments: %d", l->n);
	for (int i = 1; i < l->n; i++)
		if (strcmp(l->e[i - 1].name, l->e[i].name) >= 0) {
			print_segs("scan", l);
			fail_msg("scan is not in name order");
		}
}

static const struct tshm_seg_entry *find_seg(const struct seglist *l, const char *name)
{
	for (int i = 0; i < l->n; i++)
		if (strcmp(l->e[i].name, name) == 0)
			return &l->e[i];
	return NULL;
}

struct expect {
	const char *bundle;
	uint64_t gen;
	int state;
	int mapped; /* -1: don't care, else nmappers */
};

/* Compare a scan with @ex; returns 0 or -1 with the difference in @why. */
static int compare_segs(const struct seglist *l, const struct expect *ex, int n, char *why,
			size_t len)
{
	if (l->n != n) {
		snprintf(why, len, "%d segments, expected %d", l->n, n);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char name[TSHM_SEGNAME_MAX];
		const struct tshm_seg_entry *e;

		seg_name(name, ex[i].bundle, ex[i].gen);
		e = find_seg(l, name);
		if (!e) {
			snprintf(why, len, "%s not listed", name);
			return -1;
		}
		if (e->state != ex[i].state || strcmp(e->bundle, ex[i].bundle) != 0 ||
		    e->generation != ex[i].gen ||
		    (ex[i].mapped >= 0 && e->nmappers != (uint32_t)ex[i].mapped)) {
			snprintf(why, len, "%s is %s with %u mappers, expected %s with %d", name,
				 state_name(e->state), e->nmappers, state_name(ex[i].state),
				 ex[i].mapped);
			return -1;
		}
	}
	return 0;
}

/*
 * Expect exactly the segments @ex. A process that just died can look alive
 * for a moment: its flock and mappings go with the last reference to its
 * mm, which anything reading /proc/<pid>/maps (tshm_mappings_scan in another
 * process, ps) may briefly hold. So a mismatch is retried for up to 2 s.
 */
static void expect_segs(const char *what, const struct expect *ex, int n)
{
	int64_t deadline = now_ms() + 2000;
	struct seglist l;
	char why[256];

	for (;;) {
		scan(&l);
		if (compare_segs(&l, ex, n, why, sizeof(why)) == 0)
			return;
		if (now_ms() > deadline)
			break;
		struct timespec ts = {0, 5000000};
		nanosleep(&ts, NULL);
	}
	print_segs(what, &l);
	fail_msg("%s: %s", what, why);
}

struct namelist {
	int n;
	char name[MAX_SEGS][TSHM_SEGNAME_MAX];
};

static int name_cb(const struct tshm_seg_entry *e, void *arg)
{
	struct namelist *l = arg;

	if (l->n < MAX_SEGS)
		snprintf(l->name[l->n], TSHM_SEGNAME_MAX, "%s", e->name);
	l->n++;
	return 0;
}

static int has_name(const struct namelist *l, const char *name)
{
	for (int i = 0; i < l->n && i < MAX_SEGS; i++)
		if (strcmp(l->name[i], name) == 0)
			return 1;
	return 0;
}

struct mapping_find {
	pid_t pid;
	const char *name; /* with or without '/' */
	int found;
	int deleted;
	int total;
};

static int same_segname(const char *a, const char *b)
{
	if (*a == '/')
		a++;
	if (*b == '/')
		b++;
	return strcmp(a, b) == 0;
}

static int mapping_cb(const struct tshm_mapping *m, void *arg)
{
	struct mapping_find *f = arg;

	f->total++;
	if (m->pid == f->pid && same_segname(m->name, f->name)) {
		f->found++;
		f->deleted = m->deleted;
	}
	return 0;
}

static int stop_cb(const struct tshm_seg_entry *e, void *arg)
{
	int *calls = arg;

	(void)e;
	(*calls)++;
	return 7;
}

/* ---- tests ------------------------------------------------------------ */

static void test_states_and_gc(void **state)
{
	char a1[TSHM_SEGNAME_MAX], a2[TSHM_SEGNAME_MAX], b1[TSHM_SEGNAME_MAX], c1[TSHM_SEGNAME_MAX],
	    d5[TSHM_SEGNAME_MAX];
	struct tshm_layout_spec spec;
	struct tshm_test_bundle tb = tshm_test_small;
	struct mapper m = {0};
	struct mapping_find mf;
	struct namelist removed;
	struct seglist l;
	const struct tshm_seg_entry *e;
	struct tshm_descriptor d;
	int rc, calls;

	(void)state;
	seg_name(a1, "a", 1);
	seg_name(a2, "a", 2);
	seg_name(b1, "b", 1);
	seg_name(c1, "c", 1);
	seg_name(d5, "d", 5);

	/* CURRENT alone. */
	assert_int_equal(publish("a", 1), 1);
	{
		const struct expect ex[] = {{"a", 1, TSHM_SEGSTATE_CURRENT, 0}};
		expect_segs("after publish a.g1", ex, 1);
	}
	scan(&l);
	CHECK_RC(tshm_catalog_lookup(cat, "a", &d));
	assert_int_equal(l.e[0].size, d.size);
	assert_string_equal(l.e[0].name, a1);
	assert_string_equal(l.e[0].bundle, "a");

	/* A child maps a.g1; a.g2 is published but a.g1 is never unlinked. */
	mapper_start(&m, a1);
	crash_publish("a", "before_unlink");
	assert_true(shm_exists(a1));
	assert_true(shm_exists(a2));

	/* b.g1 OLD and unmapped the same way. */
	assert_int_equal(publish("b", 1), 1);
	crash_publish("b", "before_unlink");
	assert_true(shm_exists(b1));

	/* c.g1: its first publish died before writing the header. */
	crash_publish("c", "before_header");
	assert_true(shm_exists(c1));
	assert_int_equal(tshm_catalog_lookup(cat, "c", &d), -ENOENT);

	/* d.g5: created by hand, creator exited without writing anything. */
	abandon_segment(d5, 8192);

	/* a.g3: a live writer in this process (holds the flock, not committed). */
	tshm_test_spec(&tb, &spec);
	CHECK_RC(tshm_writer_create(&live_writer, cat, "a", &spec, NULL));
	assert_int_equal(tshm_writer_generation(live_writer), 3);

	const struct expect all[] = {
	    {"a", 1, TSHM_SEGSTATE_OLD, 1},	  {"a", 2, TSHM_SEGSTATE_CURRENT, 0},
	    {"a", 3, TSHM_SEGSTATE_WRITING, 0},	  {"b", 1, TSHM_SEGSTATE_OLD, 0},
	    {"b", 2, TSHM_SEGSTATE_CURRENT, 0},	  {"c", 1, TSHM_SEGSTATE_ABANDONED, 0},
	    {"d", 5, TSHM_SEGSTATE_ABANDONED, 0},
	};
	expect_segs("all states", all, 7);
	scan(&l);
	e = find_seg(&l, d5);
	assert_non_null(e);
	assert_int_equal(e->size, 8192);

	/* The child's mapping is visible, not deleted; our own writer's too. */
	memset(&mf, 0, sizeof(mf));
	mf.pid = m.pid;
	mf.name = a1;
	CHECK_RC(tshm_mappings_scan(NULL, mapping_cb, &mf));
	if (mf.found != 1 || mf.deleted != 0)
		fail_msg("tshm_mappings_scan: child %d mapping %s found %d times, deleted %d",
			 (int)m.pid, a1, mf.found, mf.deleted);
	memset(&mf, 0, sizeof(mf));
	mf.pid = getpid();
	mf.name = tshm_writer_segment_name(live_writer);
	CHECK_RC(tshm_mappings_scan(NULL, mapping_cb, &mf));
	if (mf.found != 1)
		fail_msg("tshm_mappings_scan: the caller's own mapping of %s found %d times",
			 mf.name, mf.found);

	/* A callback's non-zero return stops the scan and is returned. */
	calls = 0;
	assert_int_equal(tshm_segments_scan(NULL, stop_cb, &calls), 7);
	assert_int_equal(calls, 1);

	/* Unknown flags are refused and remove nothing. */
	assert_int_equal(tshm_gc(NULL, 2, NULL, NULL), -EINVAL);
	assert_int_equal(tshm_gc(NULL, 0x80000000u, NULL, NULL), -EINVAL);
	assert_int_equal(tshm_gc(NULL, TSHM_GC_DRY_RUN | 4, NULL, NULL), -EINVAL);
	expect_segs("after gc with bad flags", all, 7);

	/* Dry run: reports b.g1, c.g1, d.g5 and removes nothing. */
	memset(&removed, 0, sizeof(removed));
	rc = tshm_gc(NULL, TSHM_GC_DRY_RUN, name_cb, &removed);
	if (rc != 3 || removed.n != 3 || !has_name(&removed, b1) || !has_name(&removed, c1) ||
	    !has_name(&removed, d5)) {
		for (int i = 0; i < removed.n && i < MAX_SEGS; i++)
			print_message("    dry run reported %s\n", removed.name[i]);
		fail_msg("dry-run gc returned %d with %d reports, expected 3 (b.g1 c.g1 d.g5)", rc,
			 removed.n);
	}
	expect_segs("after dry run", all, 7);

	/* NULL callback is fine too. */
	assert_int_equal(tshm_gc(NULL, TSHM_GC_DRY_RUN, NULL, NULL), 3);

	/* The real thing. */
	memset(&removed, 0, sizeof(removed));
	rc = tshm_gc(NULL, 0, name_cb, &removed);
	if (rc != 3 || removed.n != 3 || !has_name(&removed, b1) || !has_name(&removed, c1) ||
	    !has_name(&removed, d5)) {
		for (int i = 0; i < removed.n && i < MAX_SEGS; i++)
			print_message("    gc removed %s\n", removed.name[i]);
		fail_msg("gc returned %d with %d reports, expected 3 (b.g1 c.g1 d.g5)", rc,
			 removed.n);
	}
	{
		const struct expect ex[] = {
		    {"a", 1, TSHM_SEGSTATE_OLD, 1},
		    {"a", 2, TSHM_SEGSTATE_CURRENT, 0},
		    {"a", 3, TSHM_SEGSTATE_WRITING, 0},
		    {"b", 2, TSHM_SEGSTATE_CURRENT, 0},
		};
		expect_segs("after gc", ex, 4);
	}
	assert_false(shm_exists(b1));
	assert_false(shm_exists(c1));
	assert_false(shm_exists(d5));
	assert_int_equal(tshm_gc(NULL, 0, NULL, NULL), 0);

	/* Once the child lets go, a.g1 is collectable. */
	mapper_stop(&m);
	{
		const struct expect ex[] = {
		    {"a", 1, TSHM_SEGSTATE_OLD, 0},
		    {"a", 2, TSHM_SEGSTATE_CURRENT, 0},
		    {"a", 3, TSHM_SEGSTATE_WRITING, 0},
		    {"b", 2, TSHM_SEGSTATE_CURRENT, 0},
		};
		expect_segs("after the mapper exited", ex, 4);
	}
	memset(&removed, 0, sizeof(removed));
	assert_int_equal(tshm_gc(NULL, 0, name_cb, &removed), 1);
	assert_true(has_name(&removed, a1));
	assert_false(shm_exists(a1));

	/* Finish the live writer: a.g3 becomes CURRENT and a.g2 goes away. */
	CHECK_RC(tshm_test_fill(live_writer, &tb));
	CHECK_RC(tshm_writer_commit(live_writer, NULL));
	CHECK_RC(tshm_writer_publish(live_writer));
	tshm_writer_destroy(live_writer);
	live_writer = NULL;
	{
		const struct expect ex[] = {
		    {"a", 3, TSHM_SEGSTATE_CURRENT, 0},
		    {"b", 2, TSHM_SEGSTATE_CURRENT, 0},
		};
		expect_segs("after publishing a.g3", ex, 2);
	}
	assert_false(shm_exists(a2));
	assert_int_equal(tshm_gc(NULL, 0, NULL, NULL), 0);
}

/* OLD while the only mapper is the caller: nmappers excludes the caller. */
static void test_caller_not_counted(void **state)
{
	char a1[TSHM_SEGNAME_MAX];
	struct tshm_view *v = NULL;
	struct mapping_find mf;
	int rc;

	(void)state;
	seg_name(a1, "a", 1);
	assert_int_equal(publish("a", 1), 1);
	crash_publish("a", "before_unlink");
	CHECK_RC(tshm_view_open_segment(&v, a1));
	{
		const struct expect ex[] = {
		    {"a", 1, TSHM_SEGSTATE_OLD, 0},
		    {"a", 2, TSHM_SEGSTATE_CURRENT, 0},
		};
		expect_segs("caller maps a.g1", ex, 2);
	}
	memset(&mf, 0, sizeof(mf));
	mf.pid = getpid();
	mf.name = a1;
	CHECK_RC(tshm_mappings_scan(NULL, mapping_cb, &mf));
	assert_int_equal(mf.found, 1);
	assert_int_equal(mf.deleted, 0);

	/* gc removes the name; our mapping stays valid and now shows deleted. */
	rc = tshm_gc(NULL, 0, NULL, NULL);
	assert_int_equal(rc, 1);
	assert_false(shm_exists(a1));
	CHECK_RC(tshm_view_verify(v));
	memset(&mf, 0, sizeof(mf));
	mf.pid = getpid();
	mf.name = a1;
	CHECK_RC(tshm_mappings_scan(NULL, mapping_cb, &mf));
	assert_int_equal(mf.found, 1);
	assert_int_equal(mf.deleted, 1);
	tshm_view_unref(v);

	memset(&mf, 0, sizeof(mf));
	mf.pid = getpid();
	mf.name = a1;
	CHECK_RC(tshm_mappings_scan(NULL, mapping_cb, &mf));
	assert_int_equal(mf.found, 0);
}

static void test_empty_and_bad_names(void **state)
{
	struct mapping_find mf;
	int calls = 0;

	(void)state;
	/* A namespace with nothing in it. */
	assert_int_equal(tshm_gc("tstnothinghere0", 0, NULL, NULL), 0);
	assert_int_equal(tshm_segments_scan("tstnothinghere0", stop_cb, &calls), 0);
	assert_int_equal(calls, 0);
	/* Names that could leave /dev/shm or are malformed. */
	assert_int_equal(tshm_gc("../etc", 0, NULL, NULL), -TSHM_ENAME);
	assert_int_equal(tshm_gc("", 0, NULL, NULL), -TSHM_ENAME);
	assert_int_equal(tshm_segments_scan("a/b", stop_cb, &calls), -TSHM_ENAME);
	memset(&mf, 0, sizeof(mf));
	mf.name = "";
	assert_int_equal(tshm_mappings_scan("a.b", mapping_cb, &mf), -TSHM_ENAME);
	/* Only the catalog exists: no data segments. */
	assert_int_equal(tshm_segments_scan(NULL, stop_cb, &calls), 0);
	assert_int_equal(calls, 0);
	assert_int_equal(tshm_gc(NULL, 0, NULL, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_states_and_gc, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_caller_not_counted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_empty_and_bad_names, setup, teardown),
	};

	tshm_test_ns_init("gc");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
