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
#include "tshm_proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- fixtures --------------------------------------------------------- */

static struct tshm_catalog *cat;
static struct tshm_writer *live_writer;

static int setup(void **state)
{
	(void)state;
	return tshm_test_fixture_setup(&cat);
}

static int teardown(void **state)
{
	(void)state;
	tshm_writer_destroy(live_writer);
	live_writer = NULL;
	tshm_test_fixture_teardown(&cat);
	return 0;
}

/* Publish a new generation of @bundle in a child killed at @step. */
static void crash_publish(const char *bundle, const char *step)
{
	struct tshm_test_bundle b = tshm_test_small;

	b.seed = 99;
	tshm_test_crash_publish(bundle, step, &b);
}

/* Create @name (incomplete, never written) in a child that then exits. */
static void abandon_segment(const char *name, uint64_t size)
{
	pid_t pid = tshm_test_fork(TSHM_TEST_CHILD_LIFETIME_S);

	if (pid == 0) {
		struct tshm_segment seg;

		memset(&seg, 0, sizeof(seg));
		_exit(tshm_segment_create(&seg, name, size) == 0 ? 0 : 40);
	}
	tshm_test_expect_exit(pid, TSHM_TEST_CHILD_TIMEOUT_MS, 0, "tshm_segment_create child (%s)",
			      name);
}

/*
 * A child that attaches @name with tshm_view_open_segment, reports 'R' (or
 * 'E') and holds the mapping until it reads a byte from the command pipe.
 */
static void mapper_start(struct tshm_test_child *m, const char *name)
{
	int r;

	if (tshm_test_fork_piped(m, TSHM_TEST_CHILD_LIFETIME_S) == 0) {
		struct tshm_view *v = NULL;
		unsigned char c;

		c = tshm_view_open_segment(&v, name) == 0 ? 'R' : 'E';
		if (write(m->rep, &c, 1) != 1)
			_exit(41);
		if (tshm_test_read_byte(m->cmd, TSHM_TEST_CHILD_TIMEOUT_MS) < 0)
			_exit(42);
		if (v)
			tshm_view_unref(v);
		_exit(0);
	}
	r = tshm_test_read_byte(m->rep, TSHM_TEST_CHILD_TIMEOUT_MS);
	if (r != 'R')
		fail_msg("mapper child could not attach %s (%d)", name, r);
}

static void mapper_stop(struct tshm_test_child *m)
{
	if (write(m->cmd, "q", 1) != 1)
		kill(m->pid, SIGKILL);
	tshm_test_expect_exit(m->pid, TSHM_TEST_CHILD_TIMEOUT_MS, 0, "mapper child");
	tshm_test_child_close(m);
}

/* ---- scans ------------------------------------------------------------ */

struct expect {
	const char *bundle;
	uint64_t gen;
	int state;
	int mapped; /* -1: don't care, else nmappers */
};

/* Compare a scan with @ex; returns 0 or -1 with the difference in @why. */
static int compare_segs(const struct tshm_test_seglist *l, const struct expect *ex, int n,
			char *why, size_t len)
{
	if (l->n != n) {
		snprintf(why, len, "%d segments, expected %d", l->n, n);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char name[TSHM_SEGNAME_MAX];
		const struct tshm_seg_entry *e;

		tshm_test_seg_name(name, ex[i].bundle, ex[i].gen);
		e = tshm_test_find_seg(l, name);
		if (!e) {
			snprintf(why, len, "%s not listed", name);
			return -1;
		}
		if (e->state != ex[i].state || strcmp(e->bundle, ex[i].bundle) != 0 ||
		    e->generation != ex[i].gen ||
		    (ex[i].mapped >= 0 && e->nmappers != (uint32_t)ex[i].mapped)) {
			snprintf(why, len, "%s is %s with %u mappers, expected %s with %d", name,
				 tshm_test_state_name(e->state), e->nmappers,
				 tshm_test_state_name(ex[i].state), ex[i].mapped);
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
	int64_t deadline = tshm_test_now_ms() + 2000;
	struct tshm_test_seglist l;
	char why[256];

	for (;;) {
		tshm_test_scan(&l);
		if (compare_segs(&l, ex, n, why, sizeof(why)) == 0)
			return;
		if (tshm_test_now_ms() > deadline)
			break;
		tshm_test_sleep_us(5000);
	}
	tshm_test_print_segs(what, &l);
	fail_msg("%s: %s", what, why);
}

struct namelist {
	int n;
	char name[TSHM_TEST_MAX_SEGS][TSHM_SEGNAME_MAX];
};

static int name_cb(const struct tshm_seg_entry *e, void *arg)
{
	struct namelist *l = arg;

	if (l->n < TSHM_TEST_MAX_SEGS)
		snprintf(l->name[l->n], TSHM_SEGNAME_MAX, "%s", e->name);
	l->n++;
	return 0;
}

static int has_name(const struct namelist *l, const char *name)
{
	for (int i = 0; i < l->n && i < TSHM_TEST_MAX_SEGS; i++)
		if (strcmp(l->name[i], name) == 0)
			return 1;
	return 0;
}

static int stop_cb(const struct tshm_seg_entry *e, void *arg)
{
	int *calls = arg;

	(void)e;
	(*calls)++;
	return 7;
}

/*
 * Run tshm_gc(@flags) with a reporting callback and fail unless it returns
 * @n and reports exactly the @n segments @names. @what names the call.
 */
static void expect_gc(unsigned flags, const char *what, const char *const names[], int n)
{
	struct namelist reported;
	int rc, ok;

	memset(&reported, 0, sizeof(reported));
	rc = tshm_gc(NULL, flags, name_cb, &reported);
	ok = rc == n && reported.n == n;
	for (int i = 0; i < n; i++)
		ok = ok && has_name(&reported, names[i]);
	if (ok)
		return;
	for (int i = 0; i < reported.n && i < TSHM_TEST_MAX_SEGS; i++)
		print_message("    %s reported %s\n", what, reported.name[i]);
	for (int i = 0; i < n; i++)
		print_message("    expected %s\n", names[i]);
	fail_msg("%s returned %d with %d reports, expected %d", what, rc, reported.n, n);
}

/* ---- tests ------------------------------------------------------------ */

static void test_gc_states_and_removal(void **state)
{
	char a1[TSHM_SEGNAME_MAX], a2[TSHM_SEGNAME_MAX], b1[TSHM_SEGNAME_MAX], c1[TSHM_SEGNAME_MAX],
	    d5[TSHM_SEGNAME_MAX];
	struct tshm_layout_spec spec;
	struct tshm_test_bundle tb = tshm_test_small;
	struct tshm_test_child m = {0};
	struct tshm_test_mapping_find mf;
	struct tshm_test_seglist l;
	const struct tshm_seg_entry *e;
	struct tshm_descriptor d;
	const char *const leftovers[] = {b1, c1, d5};
	int calls;

	(void)state;
	tshm_test_seg_name(a1, "a", 1);
	tshm_test_seg_name(a2, "a", 2);
	tshm_test_seg_name(b1, "b", 1);
	tshm_test_seg_name(c1, "c", 1);
	tshm_test_seg_name(d5, "d", 5);

	/* CURRENT alone. */
	tshm_test_publish_expect(cat, "a", &tshm_test_small, 1, 1);
	{
		const struct expect ex[] = {{"a", 1, TSHM_SEGSTATE_CURRENT, 0}};
		expect_segs("after publish a.g1", ex, 1);
	}
	tshm_test_scan(&l);
	TSHM_TEST_CHECK(tshm_catalog_lookup(cat, "a", &d));
	assert_int_equal(l.e[0].size, d.size);
	assert_string_equal(l.e[0].name, a1);
	assert_string_equal(l.e[0].bundle, "a");

	/* A child maps a.g1; a.g2 is published but a.g1 is never unlinked. */
	mapper_start(&m, a1);
	crash_publish("a", "before_unlink");
	assert_true(tshm_test_shm_exists(a1));
	assert_true(tshm_test_shm_exists(a2));

	/* b.g1 OLD and unmapped the same way. */
	tshm_test_publish_expect(cat, "b", &tshm_test_small, 1, 1);
	crash_publish("b", "before_unlink");
	assert_true(tshm_test_shm_exists(b1));

	/* c.g1: its first publish died before writing the header. */
	crash_publish("c", "before_header");
	assert_true(tshm_test_shm_exists(c1));
	assert_int_equal(tshm_catalog_lookup(cat, "c", &d), -ENOENT);

	/* d.g5: created by hand, creator exited without writing anything. */
	abandon_segment(d5, 8192);

	/* a.g3: a live writer in this process (holds the flock, not committed). */
	tshm_test_spec(&tb, &spec);
	TSHM_TEST_CHECK(tshm_writer_create(&live_writer, cat, "a", &spec, NULL));
	assert_int_equal(tshm_writer_generation(live_writer), 3);

	const struct expect all[] = {
	    {"a", 1, TSHM_SEGSTATE_OLD, 1},	  {"a", 2, TSHM_SEGSTATE_CURRENT, 0},
	    {"a", 3, TSHM_SEGSTATE_WRITING, 0},	  {"b", 1, TSHM_SEGSTATE_OLD, 0},
	    {"b", 2, TSHM_SEGSTATE_CURRENT, 0},	  {"c", 1, TSHM_SEGSTATE_ABANDONED, 0},
	    {"d", 5, TSHM_SEGSTATE_ABANDONED, 0},
	};
	expect_segs("all states", all, 7);
	tshm_test_scan(&l);
	e = tshm_test_find_seg(&l, d5);
	assert_non_null(e);
	assert_int_equal(e->size, 8192);

	/* The child's mapping is visible, not deleted; our own writer's too. */
	tshm_test_find_mapping(m.pid, a1, &mf);
	if (mf.found != 1 || mf.deleted != 0)
		fail_msg("tshm_mappings_scan: child %d mapping %s found %d times, deleted %d",
			 (int)m.pid, a1, mf.found, mf.deleted);
	tshm_test_find_mapping(getpid(), tshm_writer_segment_name(live_writer), &mf);
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
	expect_gc(TSHM_GC_DRY_RUN, "dry-run gc", leftovers, 3);
	expect_segs("after dry run", all, 7);

	/* NULL callback is fine too. */
	assert_int_equal(tshm_gc(NULL, TSHM_GC_DRY_RUN, NULL, NULL), 3);

	/* The real thing. */
	expect_gc(0, "gc", leftovers, 3);
	{
		const struct expect ex[] = {
		    {"a", 1, TSHM_SEGSTATE_OLD, 1},
		    {"a", 2, TSHM_SEGSTATE_CURRENT, 0},
		    {"a", 3, TSHM_SEGSTATE_WRITING, 0},
		    {"b", 2, TSHM_SEGSTATE_CURRENT, 0},
		};
		expect_segs("after gc", ex, 4);
	}
	assert_false(tshm_test_shm_exists(b1));
	assert_false(tshm_test_shm_exists(c1));
	assert_false(tshm_test_shm_exists(d5));
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
	expect_gc(0, "gc after the mapper exited", (const char *const[]){a1}, 1);
	assert_false(tshm_test_shm_exists(a1));

	/* Finish the live writer: a.g3 becomes CURRENT and a.g2 goes away. */
	TSHM_TEST_CHECK(tshm_test_fill(live_writer, &tb));
	TSHM_TEST_CHECK(tshm_writer_commit(live_writer, NULL));
	TSHM_TEST_CHECK(tshm_writer_publish(live_writer));
	tshm_writer_destroy(live_writer);
	live_writer = NULL;
	{
		const struct expect ex[] = {
		    {"a", 3, TSHM_SEGSTATE_CURRENT, 0},
		    {"b", 2, TSHM_SEGSTATE_CURRENT, 0},
		};
		expect_segs("after publishing a.g3", ex, 2);
	}
	assert_false(tshm_test_shm_exists(a2));
	assert_int_equal(tshm_gc(NULL, 0, NULL, NULL), 0);
}

/* OLD while the only mapper is the caller: nmappers excludes the caller. */
static void test_gc_caller_not_counted(void **state)
{
	char a1[TSHM_SEGNAME_MAX];
	struct tshm_view *v = NULL;
	struct tshm_test_mapping_find mf;
	int rc;

	(void)state;
	tshm_test_seg_name(a1, "a", 1);
	tshm_test_publish_expect(cat, "a", &tshm_test_small, 1, 1);
	crash_publish("a", "before_unlink");
	TSHM_TEST_CHECK(tshm_view_open_segment(&v, a1));
	{
		const struct expect ex[] = {
		    {"a", 1, TSHM_SEGSTATE_OLD, 0},
		    {"a", 2, TSHM_SEGSTATE_CURRENT, 0},
		};
		expect_segs("caller maps a.g1", ex, 2);
	}
	tshm_test_find_mapping(getpid(), a1, &mf);
	assert_int_equal(mf.found, 1);
	assert_int_equal(mf.deleted, 0);

	/* gc removes the name; our mapping stays valid and now shows deleted. */
	rc = tshm_gc(NULL, 0, NULL, NULL);
	assert_int_equal(rc, 1);
	assert_false(tshm_test_shm_exists(a1));
	TSHM_TEST_CHECK(tshm_view_verify(v));
	tshm_test_find_mapping(getpid(), a1, &mf);
	assert_int_equal(mf.found, 1);
	assert_int_equal(mf.deleted, 1);
	tshm_view_unref(v);

	tshm_test_find_mapping(getpid(), a1, &mf);
	assert_int_equal(mf.found, 0);
}

static void test_gc_empty_and_bad_names(void **state)
{
	struct tshm_test_mapping_find mf;
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
	assert_int_equal(tshm_mappings_scan("a.b", tshm_test_mapping_cb, &mf), -TSHM_ENAME);
	/* Only the catalog exists: no data segments. */
	assert_int_equal(tshm_segments_scan(NULL, stop_cb, &calls), 0);
	assert_int_equal(calls, 0);
	assert_int_equal(tshm_gc(NULL, 0, NULL, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_gc_states_and_removal, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_gc_caller_not_counted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_gc_empty_and_bad_names, setup, teardown),
	};

	tshm_test_ns_init("gc");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
