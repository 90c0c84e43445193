/* tshm-test-labels: unit;fault */
/* SPDX-License-Identifier: MIT */
/*
 * Readers in other processes across publishes. A reader child holds
 * generation N from its pool and checksums every column over and over while
 * the parent publishes N+1 and N+2:
 *   - the old name disappears from /dev/shm, yet the reader keeps reading
 *     the same bytes (its mapping shows "(deleted)", and tshm_mappings_scan
 *     reports deleted=1);
 *   - the reader's next tshm_pool_get returns the new generation;
 *   - once the reader puts the old view, the old mapping leaves its maps.
 */
#include "tshm_proc.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define BUNDLE "mpb"
#define REPLY_TIMEOUT_MS TSHM_TEST_CHILD_TIMEOUT_MS
#define CHILD_LIFETIME_S 120
#define MAX_HELD 4

/* Big enough that a checksum pass takes a while, small enough for ASan. */
static const struct tshm_test_bundle mp_bundle = {
    .nassets = 4, .ndays = 4, .trades_per_day = 1500, .quotes_per_day = 400, .seed = 1};

/* ---- checksum of every column of a view ------------------------------ */

static uint64_t mix(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= UINT64_C(0x100000001b3);
	return h ^ (h >> 29);
}

static uint64_t view_checksum(const struct tshm_view *v)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (unsigned t = 0; t < TSHM_TABLE_COUNT; t++) {
		struct tshm_table_info ti;

		if (tshm_view_table(v, t, &ti) < 0)
			return 0;
		h = mix(h, ti.nrows);
		for (unsigned c = 0; c < ti.ncols; c++) {
			struct tshm_column_info ci;
			const unsigned char *p;
			size_t n, i;

			if (tshm_view_column(v, t, c, &ci) < 0)
				return 0;
			p = ci.data;
			n = (size_t)ti.nrows * ci.width;
			for (i = 0; i + 8 <= n; i += 8) {
				uint64_t w;

				memcpy(&w, p + i, 8);
				h = mix(h, w);
			}
			for (; i < n; i++)
				h = mix(h, p[i]);
		}
	}
	return h;
}

/* ---- the reader child ------------------------------------------------- */

struct cmd {
	int32_t op; /* 'G' get, 'P' put slot arg, 'C' check, 'Q' quit */
	int32_t arg;
};

struct reply {
	int32_t op;
	int32_t rc;
	int32_t slot; /* 'G': slot of the new view */
	int32_t verify_rc;
	uint64_t gen;
	uint64_t sum;
	uint64_t passes;     /* checksum passes so far */
	uint64_t mismatches; /* passes whose checksum changed */
	uint64_t held_gen[MAX_HELD];
};

static __attribute__((noreturn)) void reader_main(int cmdfd, int repfd)
{
	struct tshm_pool_config cfg = {0};
	struct tshm_pool *pool;
	struct tshm_view *held[MAX_HELD] = {0};
	uint64_t sums[MAX_HELD] = {0};
	uint64_t passes = 0, mismatches = 0;
	int64_t deadline = tshm_test_now_ms() + CHILD_LIFETIME_S * 1000;

	cfg.max_bundles = 8;
	if (tshm_pool_create(&pool, &cfg) < 0)
		_exit(50);

	while (tshm_test_now_ms() < deadline) {
		struct pollfd pfd = {.fd = cmdfd, .events = POLLIN};
		struct cmd c;
		struct reply r;
		int pr = poll(&pfd, 1, 1);

		if (pr < 0 && errno != EINTR)
			_exit(51);
		if (pr <= 0 || !(pfd.revents & (POLLIN | POLLHUP))) {
			/* No command: keep reading every held view. */
			for (int i = 0; i < MAX_HELD; i++)
				if (held[i]) {
					if (view_checksum(held[i]) != sums[i])
						mismatches++;
					passes++;
				}
			continue;
		}
		if (tshm_test_read_full(cmdfd, &c, sizeof(c), 5000) < 0)
			_exit(52); /* parent gone */
		memset(&r, 0, sizeof(r));
		r.op = c.op;
		r.slot = -1;
		switch (c.op) {
		case 'G': {
			struct tshm_view *v = NULL;
			int slot = -1;

			for (int i = 0; i < MAX_HELD; i++)
				if (!held[i]) {
					slot = i;
					break;
				}
			if (slot < 0) {
				r.rc = -ENOSPC;
				break;
			}
			r.rc = tshm_pool_get(pool, BUNDLE, &v);
			if (r.rc < 0)
				break;
			held[slot] = v;
			sums[slot] = view_checksum(v);
			r.slot = slot;
			r.gen = tshm_view_header(v)->generation;
			r.sum = sums[slot];
			break;
		}
		case 'P':
			if (c.arg < 0 || c.arg >= MAX_HELD || !held[c.arg]) {
				r.rc = -EINVAL;
				break;
			}
			tshm_pool_put(pool, held[c.arg]);
			held[c.arg] = NULL;
			break;
		case 'C':
			for (int i = 0; i < MAX_HELD; i++)
				if (held[i]) {
					int vr = tshm_view_verify(held[i]);

					if (vr < 0)
						r.verify_rc = vr;
					if (view_checksum(held[i]) != sums[i])
						mismatches++;
					passes++;
				}
			break;
		case 'Q':
			break;
		default:
			r.rc = -EINVAL;
			break;
		}
		for (int i = 0; i < MAX_HELD; i++)
			r.held_gen[i] = held[i] ? tshm_view_header(held[i])->generation : 0;
		r.passes = passes;
		r.mismatches = mismatches;
		if (tshm_test_write_full(repfd, &r, sizeof(r)) < 0)
			_exit(53);
		if (c.op == 'Q') {
			for (int i = 0; i < MAX_HELD; i++)
				if (held[i])
					tshm_pool_put(pool, held[i]);
			tshm_pool_destroy(pool);
			_exit(0);
		}
	}
	_exit(54);
}

/* ---- parent side ------------------------------------------------------ */

static struct tshm_test_child rd;
static struct tshm_catalog *cat;

static void reader_start(void)
{
	if (tshm_test_fork_piped(&rd, CHILD_LIFETIME_S + 10) == 0)
		reader_main(rd.cmd, rd.rep);
}

static void reader_cmd(int op, int arg, struct reply *r)
{
	struct cmd c = {.op = op, .arg = arg};
	int rc;

	if (tshm_test_write_full(rd.cmd, &c, sizeof(c)) < 0)
		fail_msg("reader: cannot send '%c': %s", op, strerror(errno));
	rc = tshm_test_read_full(rd.rep, r, sizeof(*r), REPLY_TIMEOUT_MS);
	if (rc < 0)
		fail_msg("reader: no reply to '%c': %d (%s)", op, rc, strerror(-rc));
	if (r->op != op)
		fail_msg("reader: reply to '%c' is for '%c'", op, r->op);
	if (r->rc < 0)
		fail_msg("reader: '%c' failed: %d (%s)", op, r->rc, tshm_strerror(r->rc));
	if (r->mismatches)
		fail_msg("reader: %llu of %llu checksum passes saw changed data",
			 (unsigned long long)r->mismatches, (unsigned long long)r->passes);
	if (r->verify_rc < 0)
		fail_msg("reader: tshm_view_verify on a held view: %d (%s)", r->verify_rc,
			 tshm_strerror(r->verify_rc));
}

static void reader_stop(void)
{
	struct reply r;

	reader_cmd('Q', 0, &r);
	print_message("  reader %d: %llu checksum passes, all identical\n", (int)rd.pid,
		      (unsigned long long)r.passes);
	tshm_test_expect_exit(rd.pid, REPLY_TIMEOUT_MS, 0, "reader");
	tshm_test_child_close(&rd);
}

static int setup(void **state)
{
	(void)state;
	return tshm_test_fixture_setup(&cat);
}

static int teardown(void **state)
{
	(void)state;
	if (rd.pid)
		tshm_test_child_close(&rd);
	tshm_test_fixture_teardown(&cat);
	return 0;
}

/* Publish generation @expect_gen with @seed; returns the checksum of its columns. */
static uint64_t publish(uint64_t expect_gen, uint64_t seed)
{
	struct tshm_view *v = NULL;
	uint64_t sum;

	tshm_test_publish_expect(cat, BUNDLE, &mp_bundle, seed, expect_gen);
	/* Checksum it through a short-lived view of our own. */
	TSHM_TEST_CHECK(tshm_view_open(&v, cat, BUNDLE));
	assert_int_equal(tshm_view_header(v)->generation, expect_gen);
	sum = view_checksum(v);
	tshm_view_unref(v);
	return sum;
}

/*
 * How @pid maps segment @name (with its '/'): 0 not mapped, 1 mapped under
 * its name, 2 mapped and "(deleted)".
 */
static int maps_state(pid_t pid, const char *name)
{
	char path[64], line[1024], want[256];
	FILE *f;
	int state = 0;
	size_t wl;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	snprintf(want, sizeof(want), "/dev/shm%s", name);
	wl = strlen(want);
	f = fopen(path, "r");
	if (!f)
		fail_msg("open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, want);

		if (!p)
			continue;
		p += wl;
		if (strcmp(p, "\n") == 0 || *p == '\0')
			state = state ? state : 1;
		else if (strcmp(p, " (deleted)\n") == 0 || strcmp(p, " (deleted)") == 0)
			state = 2;
	}
	fclose(f);
	return state;
}

/* tshm_mappings_scan's view of (@pid, @name): -1 absent, else deleted 0/1. */
static int scan_mapping(pid_t pid, const char *name)
{
	struct tshm_test_mapping_find f;

	if (tshm_test_find_mapping(pid, name, &f) > 1)
		fail_msg("tshm_mappings_scan reported (%d, %s) %d times", (int)pid, name, f.found);
	return f.found ? f.deleted : -1;
}

/* Let the reader run a few full passes over what it holds. */
static void let_reader_read(void)
{
	struct reply r;
	uint64_t start;
	int64_t deadline = tshm_test_now_ms() + REPLY_TIMEOUT_MS;

	reader_cmd('C', 0, &r);
	start = r.passes;
	do {
		tshm_test_sleep_us(20 * 1000);
		reader_cmd('C', 0, &r);
	} while (r.passes < start + 4 && tshm_test_now_ms() < deadline);
	if (r.passes < start + 4)
		fail_msg("reader made no progress");
}

/* The reader gets a view: it must be generation @gen with checksum @sum. */
static void reader_get(uint64_t gen, uint64_t sum, struct reply *r)
{
	reader_cmd('G', 0, r);
	assert_int_equal(r->gen, gen);
	if (r->sum != sum)
		fail_msg("reader %d: checksum of g%llu differs from the writer's", (int)rd.pid,
			 (unsigned long long)gen);
}

static void test_multiproc_reader_survives_publish(void **state)
{
	char g1[TSHM_SEGNAME_MAX], g2[TSHM_SEGNAME_MAX], g3[TSHM_SEGNAME_MAX];
	uint64_t sum1, sum2, sum3;
	struct reply r;
	int slot1, slot2, slot3;

	(void)state;
	tshm_test_seg_name(g1, BUNDLE, 1);
	tshm_test_seg_name(g2, BUNDLE, 2);
	tshm_test_seg_name(g3, BUNDLE, 3);
	sum1 = publish(1, 11);

	/* The reader attaches generation 1. */
	reader_start();
	reader_get(1, sum1, &r);
	slot1 = r.slot;
	assert_int_equal(maps_state(rd.pid, g1), 1);
	assert_int_equal(scan_mapping(rd.pid, g1), 0);
	let_reader_read();

	/* Publish N+1 while it reads. */
	sum2 = publish(2, 22);
	assert_true(sum2 != sum1);
	if (tshm_test_shm_exists(g1))
		fail_msg("%s still in /dev/shm after publishing g2", g1);
	assert_true(tshm_test_shm_exists(g2));
	let_reader_read(); /* mismatches would fail here */
	if (maps_state(rd.pid, g1) != 2)
		fail_msg("reader's maps: %s is not shown \"(deleted)\" (state %d)", g1,
			 maps_state(rd.pid, g1));
	if (scan_mapping(rd.pid, g1) != 1)
		fail_msg("tshm_mappings_scan: reader's %s not reported deleted=1 (%d)", g1,
			 scan_mapping(rd.pid, g1));

	/* Its next get sees generation 2; the old view is still readable. */
	reader_get(2, sum2, &r);
	slot2 = r.slot;
	assert_int_equal(r.held_gen[slot1], 1);
	assert_int_equal(maps_state(rd.pid, g2), 1);
	let_reader_read();

	/* Putting the old view releases its memory. */
	reader_cmd('P', slot1, &r);
	assert_int_equal(r.held_gen[slot1], 0);
	if (maps_state(rd.pid, g1) != 0)
		fail_msg("reader still maps %s after putting its last view", g1);
	assert_int_equal(scan_mapping(rd.pid, g1), -1);
	assert_int_equal(maps_state(rd.pid, g2), 1);

	/* N+2 while the reader holds N+1 (and its pool caches it). */
	sum3 = publish(3, 33);
	assert_false(tshm_test_shm_exists(g2));
	let_reader_read();
	assert_int_equal(maps_state(rd.pid, g2), 2);
	assert_int_equal(scan_mapping(rd.pid, g2), 1);
	reader_get(3, sum3, &r);
	slot3 = r.slot;
	assert_int_equal(r.held_gen[slot2], 2);
	reader_cmd('P', slot2, &r);
	assert_int_equal(maps_state(rd.pid, g2), 0);
	assert_int_equal(maps_state(rd.pid, g3), 1);
	assert_int_equal(scan_mapping(rd.pid, g3), 0);

	/* A get without a new publish is served from the pool: same mapping. */
	reader_get(3, sum3, &r);
	reader_cmd('P', r.slot, &r);
	assert_int_equal(r.held_gen[slot3], 3);
	reader_cmd('C', 0, &r);
	reader_stop();
}

/* Several readers at once, each on its own generation, all survive. */
static void test_multiproc_many_readers(void **state)
{
	struct tshm_test_child readers[3];
	uint64_t sums[4];
	struct reply r;
	char names[4][TSHM_SEGNAME_MAX];

	(void)state;
	for (int g = 1; g <= 3; g++)
		tshm_test_seg_name(names[g], BUNDLE, (uint64_t)g);
	sums[1] = publish(1, 101);
	for (int i = 0; i < 3; i++) {
		if (i > 0)
			sums[i + 1] = publish((uint64_t)i + 1, 101 + (uint64_t)i);
		reader_start();
		readers[i] = rd;
		reader_get((uint64_t)i + 1, sums[i + 1], &r);
	}
	/* Readers 0 and 1 hold deleted generations, reader 2 the current one. */
	for (int i = 0; i < 3; i++) {
		rd = readers[i];
		let_reader_read();
		assert_int_equal(maps_state(rd.pid, names[i + 1]), i < 2 ? 2 : 1);
		assert_int_equal(scan_mapping(rd.pid, names[i + 1]), i < 2 ? 1 : 0);
	}
	assert_false(tshm_test_shm_exists(names[1]));
	assert_false(tshm_test_shm_exists(names[2]));
	for (int i = 0; i < 3; i++) {
		rd = readers[i];
		reader_stop();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_multiproc_reader_survives_publish, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_multiproc_many_readers, setup, teardown),
	};

	tshm_test_ns_init("mp");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
