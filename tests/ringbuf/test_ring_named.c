/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/*
 * Named rings in /dev/shm: create/open/unlink, name and parameter errors,
 * header validation of a damaged ring, and the ring's place among libshm's
 * segments (tshm_gc and tshm_segments_scan leave rings alone).
 */
#include "ring_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tickshm/gc.h"
#include "tickshm/segment.h"

/* White box: the header layout, to damage it. */
#include "../../ringbuf/src/ring_internal.h"

static const struct tshm_ring_params params = {.capacity = 16, .slot_size = sizeof(struct rt_msg)};

/* A second namespace for the explicit-namespace tests; removed by teardown. */
static char other_ns[TSHM_NAMESPACE_MAX];

static void ring_path(char *buf, size_t len, const char *ns, const char *name)
{
	snprintf(buf, len, "/dev/shm/tickshm.%s.%s.ring", ns, name);
}

static int exists(const char *ns, const char *name)
{
	char path[256];
	struct stat st;

	ring_path(path, sizeof(path), ns, name);
	return stat(path, &st) == 0;
}

static int setup(void **state)
{
	(void)state;
	snprintf(other_ns, sizeof(other_ns), "%so", tshm_test_ns());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tshm_ring_unlink(other_ns, "r1");
	tshm_test_ns_clean();
	return 0;
}

static void test_ring_named_create_open_unlink(void **state)
{
	struct tshm_ring *p, *c, *x = (void *)1;
	struct rt_msg m[4];
	char path[256];
	struct stat st;

	(void)state;
	assert_int_equal(tshm_ring_create(NULL, "r1", &params), 0);
	assert_true(exists(tshm_test_ns(), "r1"));
	ring_path(path, sizeof(path), tshm_test_ns(), "r1");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660); /* sealed, both sides write */
	assert_true((size_t)st.st_size >= 16 * sizeof(struct rt_msg));
	assert_int_equal(tshm_ring_create(NULL, "r1", &params), -EEXIST);
	assert_int_equal(tshm_ring_create(tshm_test_ns(), "r1", &params), -EEXIST);

	assert_int_equal(tshm_ring_open(&p, NULL, "r1", TSHM_RING_PRODUCER), 0);
	assert_int_equal(tshm_ring_open(&c, tshm_test_ns(), "r1", TSHM_RING_CONSUMER), 0);
	assert_int_equal(tshm_ring_capacity(c), 16);
	assert_int_equal(tshm_ring_slot_size(p), sizeof(struct rt_msg));
	assert_int_equal(tshm_ring_open(&x, NULL, "r1", 0), -EINVAL);
	assert_null(x);
	assert_int_equal(tshm_ring_open(&x, NULL, "r1", 3), -EINVAL);
	assert_int_equal(tshm_ring_open(&x, NULL, "r1", TSHM_RING_PRODUCER), -EBUSY); /* SP */
	assert_null(x);
	for (unsigned i = 0; i < 4; i++)
		rt_msg_make(&m[i], 1, i);
	assert_int_equal(tshm_ring_enqueue_burst(p, m, 4), 4);
	memset(m, 0, sizeof(m));
	assert_int_equal(tshm_ring_dequeue_burst(c, m, 2), 2);
	assert_true(rt_msg_ok(&m[0]) && m[0].seq == 0 && m[1].seq == 1);

	/* Unlinked: the name is gone, attached handles keep working. */
	assert_int_equal(tshm_ring_unlink(NULL, "r1"), 0);
	assert_false(exists(tshm_test_ns(), "r1"));
	assert_int_equal(tshm_ring_unlink(NULL, "r1"), -ENOENT);
	assert_int_equal(tshm_ring_open(&x, NULL, "r1", TSHM_RING_CONSUMER), -ENOENT);
	assert_null(x);
	assert_int_equal(tshm_ring_enqueue_burst(p, m, 1), 1);
	assert_int_equal(tshm_ring_dequeue_burst(c, m, 4), 3);
	assert_int_equal(m[0].seq, 2);
	assert_int_equal(m[1].seq, 3);
	assert_int_equal(m[2].seq, 0);
	tshm_ring_detach(p);
	tshm_ring_detach(c);

	/* The name can be used again. */
	assert_int_equal(tshm_ring_create(NULL, "r1", &params), 0);
	assert_int_equal(tshm_ring_open(&c, NULL, "r1", TSHM_RING_CONSUMER), 0);
	assert_int_equal(tshm_ring_count(c), 0);
	tshm_ring_detach(c);
	assert_int_equal(tshm_ring_unlink(NULL, "r1"), 0);
	assert_int_equal(tshm_test_ns_count(), 0);
}

static void test_ring_named_explicit_namespace(void **state)
{
	struct tshm_ring *r;

	(void)state;
	assert_int_equal(tshm_ring_create(other_ns, "r1", &params), 0);
	assert_true(exists(other_ns, "r1"));
	assert_false(exists(tshm_test_ns(), "r1"));
	assert_int_equal(tshm_ring_open(&r, NULL, "r1", TSHM_RING_CONSUMER), -ENOENT);
	assert_int_equal(tshm_ring_open(&r, other_ns, "r1", TSHM_RING_CONSUMER), 0);
	tshm_ring_detach(r);
	assert_int_equal(tshm_ring_unlink(NULL, "r1"), -ENOENT);
	assert_int_equal(tshm_ring_unlink(other_ns, "r1"), 0);
	assert_false(exists(other_ns, "r1"));
}

static void test_ring_named_missing(void **state)
{
	struct tshm_ring *r = (void *)1;

	(void)state;
	assert_int_equal(tshm_ring_open(&r, NULL, "nosuch", TSHM_RING_CONSUMER), -ENOENT);
	assert_null(r);
	assert_int_equal(tshm_ring_open(&r, NULL, "nosuch", TSHM_RING_PRODUCER), -ENOENT);
	assert_int_equal(tshm_ring_unlink(NULL, "nosuch"), -ENOENT);
}

static void test_ring_named_bad_names(void **state)
{
	static const char *const bad[] = {
	    "",	      "a.b",	     "../x",
	    "a/b",    "/abs",	     "x y",
	    "ring\n", "caf\xc3\xa9", "123456789012345678901234567890123456789012345678", /* 48 */
	};
	char saved[TSHM_NAMESPACE_MAX];
	struct tshm_ring *r = (void *)1;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (tshm_ring_create(NULL, bad[i], &params) != -TSHM_ENAME)
			fail_msg("create '%s' not refused", bad[i]);
		if (tshm_ring_open(&r, NULL, bad[i], TSHM_RING_CONSUMER) != -TSHM_ENAME)
			fail_msg("open '%s' not refused", bad[i]);
		assert_null(r);
		if (tshm_ring_unlink(NULL, bad[i]) != -TSHM_ENAME)
			fail_msg("unlink '%s' not refused", bad[i]);
		/* A bad namespace likewise. */
		if (tshm_ring_create(bad[i], "ok", &params) != -TSHM_ENAME)
			fail_msg("create in namespace '%s' not refused", bad[i]);
		if (tshm_ring_open(&r, bad[i], "ok", TSHM_RING_CONSUMER) != -TSHM_ENAME)
			fail_msg("open in namespace '%s' not refused", bad[i]);
	}
	/* 47 characters is the longest ring name. */
	assert_int_equal(
	    tshm_ring_create(NULL, "12345678901234567890123456789012345678901234567", &params), 0);
	assert_int_equal(tshm_ring_unlink(NULL, "12345678901234567890123456789012345678901234567"),
			 0);
	/* A bad namespace from the environment. */
	snprintf(saved, sizeof(saved), "%s", tshm_test_ns());
	setenv("TICKSHM_NAMESPACE", "bad/ns", 1);
	assert_int_equal(tshm_ring_create(NULL, "r1", &params), -TSHM_ENAME);
	assert_int_equal(tshm_ring_open(&r, NULL, "r1", TSHM_RING_CONSUMER), -TSHM_ENAME);
	setenv("TICKSHM_NAMESPACE", saved, 1);
	assert_int_equal(tshm_test_ns_count(), 0);
}

static void test_ring_named_bad_params(void **state)
{
	struct tshm_ring_params p = params;

	(void)state;
	p.capacity = 12;
	assert_int_equal(tshm_ring_create(NULL, "r1", &p), -EINVAL);
	p = params;
	p.slot_size = 0;
	assert_int_equal(tshm_ring_create(NULL, "r1", &p), -EINVAL);
	p = params;
	p.reserved = 1;
	assert_int_equal(tshm_ring_create(NULL, "r1", &p), -EINVAL);
	p = params;
	p.flags = 0x10;
	assert_int_equal(tshm_ring_create(NULL, "r1", &p), -EINVAL);
	assert_int_equal(tshm_ring_create(NULL, "r1", NULL), -EINVAL);
	assert_int_equal(tshm_test_ns_count(), 0); /* nothing left behind */
}

/* Map the ring's segment read-write, apply @damage, and check what open says. */
static int open_damaged(void (*damage)(struct ring_shared *sh, void *arg), void *arg,
			struct tshm_ring_params p)
{
	char name[TSHM_SEGNAME_MAX];
	struct tshm_segment seg;
	struct ring_shared saved;
	struct tshm_ring *r = (void *)1;
	int rc, rc2;

	TSHM_TEST_CHECK(tshm_ring_create(NULL, "bad", &p));
	TSHM_TEST_CHECK(tshm_name_ring(name, sizeof(name), tshm_test_ns(), "bad"));
	TSHM_TEST_CHECK(tshm_segment_open(&seg, name, TSHM_SEG_RDWR));
	memcpy(&saved, seg.base, sizeof(saved));
	damage(seg.base, arg);
	rc = tshm_ring_open(&r, NULL, "bad", TSHM_RING_CONSUMER);
	if (rc < 0 && r != NULL)
		fail_msg("failed open left *out set");
	if (rc == 0)
		tshm_ring_detach(r);
	rc2 = tshm_ring_open(&r, NULL, "bad", TSHM_RING_PRODUCER);
	if (rc2 == 0)
		tshm_ring_detach(r);
	if (rc2 != rc)
		fail_msg("producer open says %d, consumer open %d", rc2, rc);
	/* Repaired, it opens again. */
	memcpy(seg.base, &saved, sizeof(saved));
	TSHM_TEST_CHECK(tshm_ring_open(&r, NULL, "bad", TSHM_RING_CONSUMER));
	tshm_ring_detach(r);
	tshm_segment_close(&seg);
	TSHM_TEST_CHECK(tshm_ring_unlink(NULL, "bad"));
	return rc;
}

static void flip_magic(struct ring_shared *sh, void *arg)
{
	(void)arg;
	sh->hdr.magic ^= UINT64_C(1) << 40;
}

static void zero_magic(struct ring_shared *sh, void *arg)
{
	(void)arg;
	sh->hdr.magic = 0;
}

static void bump_version(struct ring_shared *sh, void *arg)
{
	(void)arg;
	sh->hdr.version = RING_VERSION + 1;
}

static void set_capacity(struct ring_shared *sh, void *arg)
{
	sh->hdr.capacity = *(uint32_t *)arg;
}

static void set_msg_size(struct ring_shared *sh, void *arg)
{
	sh->hdr.msg_size = *(uint32_t *)arg;
}

static void set_flags(struct ring_shared *sh, void *arg)
{
	sh->hdr.flags = *(uint32_t *)arg;
}

static void bump_slots_offset(struct ring_shared *sh, void *arg)
{
	(void)arg;
	sh->hdr.slots_offset += 64;
}

static void bump_total(struct ring_shared *sh, void *arg)
{
	(void)arg;
	sh->hdr.total_size += 4096;
}

static void test_ring_named_corrupt(void **state)
{
	struct tshm_ring_params mp = params;
	uint32_t v;

	(void)state;
	mp.flags = TSHM_RING_MP;
	assert_int_equal(open_damaged(flip_magic, NULL, params), -TSHM_ECORRUPT);
	assert_int_equal(open_damaged(zero_magic, NULL, params), -TSHM_EINCOMPLETE);
	assert_int_equal(open_damaged(bump_version, NULL, params), -TSHM_EVERSION);
	v = 12; /* not a power of two */
	assert_int_equal(open_damaged(set_capacity, &v, params), -TSHM_ECORRUPT);
	v = 1u << 20; /* far larger than the segment */
	assert_int_equal(open_damaged(set_capacity, &v, params), -TSHM_ECORRUPT);
	v = 8; /* fits, but disagrees with the recorded sizes */
	assert_int_equal(open_damaged(set_capacity, &v, params), -TSHM_ECORRUPT);
	v = 0;
	assert_int_equal(open_damaged(set_msg_size, &v, params), -TSHM_ECORRUPT);
	v = 64;
	assert_int_equal(open_damaged(set_msg_size, &v, params), -TSHM_ECORRUPT);
	v = TSHM_RING_MP; /* the MP dead-slot array is not there */
	assert_int_equal(open_damaged(set_flags, &v, params), -TSHM_ECORRUPT);
	v = 0x40;
	assert_int_equal(open_damaged(set_flags, &v, mp), -TSHM_ECORRUPT);
	assert_int_equal(open_damaged(bump_slots_offset, NULL, mp), -TSHM_ECORRUPT);
	assert_int_equal(open_damaged(bump_total, NULL, params), -TSHM_ECORRUPT);
	assert_int_equal(tshm_test_ns_count(), 0);
}

/* A segment too short to hold a ring header, under a ring's name. */
static void test_ring_named_truncated(void **state)
{
	char name[TSHM_SEGNAME_MAX];
	struct tshm_segment seg;
	struct tshm_ring *r = (void *)1;

	(void)state;
	TSHM_TEST_CHECK(tshm_name_ring(name, sizeof(name), tshm_test_ns(), "short"));
	TSHM_TEST_CHECK(tshm_segment_create(&seg, name, 64));
	memset(seg.base, 0xff, 64);
	/* Not sealed yet: still being written. */
	int rc = tshm_ring_open(&r, NULL, "short", TSHM_RING_CONSUMER);
	assert_true(rc == -EACCES || rc == -TSHM_EINCOMPLETE);
	assert_null(r);
	TSHM_TEST_CHECK(tshm_segment_seal(&seg, 0660));
	tshm_segment_close(&seg);
	assert_int_equal(tshm_ring_open(&r, NULL, "short", TSHM_RING_CONSUMER), -TSHM_ECORRUPT);
	assert_null(r);
	assert_int_equal(tshm_ring_unlink(NULL, "short"), 0);
}

struct scan_seen {
	int n;
	char names[8][TSHM_SEGNAME_MAX];
};

static int note_seg(const struct tshm_seg_entry *e, void *arg)
{
	struct scan_seen *s = arg;

	if (s->n < 8)
		snprintf(s->names[s->n], TSHM_SEGNAME_MAX, "%s", e->name);
	s->n++;
	return 0;
}

/* Rings are not data segments: gc never removes them, scans do not list them. */
static void test_ring_named_not_gc(void **state)
{
	struct tshm_ring *p, *c;
	struct scan_seen seen;
	struct rt_msg m;
	int rc;

	(void)state;
	assert_int_equal(tshm_ring_create(NULL, "live", &params), 0);
	assert_int_equal(tshm_ring_create(NULL, "idle", &params), 0);
	TSHM_TEST_CHECK(tshm_ring_open(&p, NULL, "live", TSHM_RING_PRODUCER));
	rt_msg_make(&m, 3, 42);
	assert_int_equal(tshm_ring_enqueue_burst(p, &m, 1), 1);
	tshm_ring_detach(p); /* nobody maps "live" or "idle" now */

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(tshm_segments_scan(NULL, note_seg, &seen), 0);
	if (seen.n)
		fail_msg("segments_scan listed %d segment(s), first %s", seen.n, seen.names[0]);
	memset(&seen, 0, sizeof(seen));
	rc = tshm_gc(NULL, TSHM_GC_DRY_RUN, note_seg, &seen);
	assert_int_equal(rc, 0);
	assert_int_equal(seen.n, 0);
	memset(&seen, 0, sizeof(seen));
	rc = tshm_gc(NULL, 0, note_seg, &seen);
	if (rc != 0 || seen.n)
		fail_msg("gc removed %d (%d reported, first %s)", rc, seen.n, seen.names[0]);
	rc = tshm_gc(tshm_test_ns(), 0, NULL, NULL);
	assert_int_equal(rc, 0);
	assert_true(exists(tshm_test_ns(), "live"));
	assert_true(exists(tshm_test_ns(), "idle"));

	/* Still intact and usable. */
	TSHM_TEST_CHECK(tshm_ring_open(&c, NULL, "live", TSHM_RING_CONSUMER));
	memset(&m, 0, sizeof(m));
	assert_int_equal(tshm_ring_dequeue_burst(c, &m, 1), 1);
	assert_true(rt_msg_ok(&m) && m.seq == 42);
	tshm_ring_detach(c);
	assert_int_equal(tshm_ring_unlink(NULL, "live"), 0);
	assert_int_equal(tshm_ring_unlink(NULL, "idle"), 0);
}

/* Two processes over a named ring, the basic way: a child produces, we consume. */
static void test_ring_named_two_processes(void **state)
{
	struct tshm_ring *c, *p;
	struct rt_msg m[8];
	uint64_t next = 0;
	pid_t pid;
	int rc;

	(void)state;
	TSHM_TEST_CHECK(tshm_ring_create(NULL, "xp", &params));
	TSHM_TEST_CHECK(tshm_ring_open(&c, NULL, "xp", TSHM_RING_CONSUMER));
	pid = rt_fork_open("xp", TSHM_RING_PRODUCER, 20, &p);
	if (pid == 0) {
		for (uint64_t i = 0; i < 1000;) {
			rt_msg_make(&m[0], 9, i);
			int k = tshm_ring_enqueue_wait(p, m, 1, 5 * RT_SEC);
			if (k != 1)
				_exit(3);
			i++;
		}
		if (tshm_ring_close(p) < 0)
			_exit(4);
		tshm_ring_detach(p);
		_exit(0);
	}
	while ((rc = tshm_ring_dequeue_wait(c, m, 8, 5 * RT_SEC)) > 0)
		for (int i = 0; i < rc; i++, next++)
			if (!rt_msg_ok(&m[i]) || m[i].seq != next)
				fail_msg("message %llu wrong", (unsigned long long)next);
	assert_int_equal(rc, 0);
	assert_int_equal(next, 1000);
	tshm_test_expect_exit(pid, 10000, 0, "producer");
	tshm_ring_detach(c);
	TSHM_TEST_CHECK(tshm_ring_unlink(NULL, "xp"));
}

static int kill_teardown(void **state)
{
	tshm_test_kill_children();
	return teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_ring_named_create_open_unlink, teardown),
	    cmocka_unit_test_teardown(test_ring_named_explicit_namespace, teardown),
	    cmocka_unit_test_teardown(test_ring_named_missing, teardown),
	    cmocka_unit_test_teardown(test_ring_named_bad_names, teardown),
	    cmocka_unit_test_teardown(test_ring_named_bad_params, teardown),
	    cmocka_unit_test_teardown(test_ring_named_corrupt, teardown),
	    cmocka_unit_test_teardown(test_ring_named_truncated, teardown),
	    cmocka_unit_test_teardown(test_ring_named_not_gc, teardown),
	    cmocka_unit_test_teardown(test_ring_named_two_processes, kill_teardown),
	};

	tshm_test_ns_init("ringnamed");
	return cmocka_run_group_tests(tests, setup, NULL);
}
