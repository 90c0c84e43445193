/* tshm-test-labels: unit;fault;tsan */
/* SPDX-License-Identifier: MIT */
/*
 * The loader (tshm_load_run): a bundle on disk into a published segment.
 *   - round trip: every chunk, decoded independently from its data file,
 *     equals the rows the view shows at the chunk's place; the segment
 *     passes tshm_view_verify (so the derived content hash is right);
 *   - idempotence: a second load is "up to date" and creates nothing;
 *     --force makes a new generation and unlinks the previous one;
 *   - every read path: O_DIRECT on and off, one thread and a queue of one,
 *     several data files;
 *   - failures publish nothing and leave /dev/shm as it was: a flipped bit
 *     (the chunk is named), a truncated data file, the max_segment hook
 *     (-ENOSPC), bad options, a missing bundle.
 */
#include "loader_test.h"
#include "tshm_proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "tickshm/bundle.h"
#include "tickshm/load.h"

#define BUNDLE "ldb"

/* A bundle of @nassets x @ndays with @trades trades a day. */
static void make_bundle(struct tshm_ltest_fx *f, uint32_t nassets, uint32_t ndays, uint32_t trades,
			uint64_t seed)
{
	TSHM_TEST_CHECK(tshm_ltest_make_bundle(f->bundle, BUNDLE, nassets, ndays, trades, seed));
}

static int load(struct tshm_ltest_fx *f, const struct tshm_load_opts *o, struct tshm_load_result *r)
{
	return tshm_load_run(f->cat, f->bundle, o, r);
}

static void load_ok(struct tshm_ltest_fx *f, const struct tshm_load_opts *o,
		    struct tshm_load_result *r)
{
	int rc = load(f, o, r);

	if (rc < 0)
		fail_msg("tshm_load_run: %s: %s", tshm_strerror(rc), r->error);
}

/* Read and decode chunk @i of @b on its own (pread + tshm_chunk_decode). */
static void *decode_alone(const struct tshm_bundle *b, size_t i)
{
	const struct tshm_chunk *c = &tshm_bundle_chunks(b, &(size_t){0})[i];
	struct tshm_chunk_decoder *d;
	char path[4096];
	void *src = malloc(c->clen ? c->clen : 1),
	     *dst = aligned_alloc(64, (c->rlen + 127) & ~(uint64_t)63);
	int fd;

	assert_non_null(src);
	assert_non_null(dst);
	TSHM_TEST_CHECK(tshm_bundle_file_path(b, c->file_id, path, sizeof(path)));
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, src, c->clen, (off_t)c->offset), (ssize_t)c->clen);
	close(fd);
	TSHM_TEST_CHECK(tshm_chunk_decoder_new(&d));
	TSHM_TEST_CHECK(tshm_chunk_decode(d, c, src, c->clen, dst));
	tshm_chunk_decoder_free(d);
	free(src);
	return dst;
}

/* Every chunk of the bundle in @dir is where it belongs in the published @name. */
static void check_round_trip(struct tshm_catalog *cat, const char *dir, const char *name)
{
	struct tshm_bundle *b;
	struct tshm_bundle_info info;
	struct tshm_view *v;
	const struct tshm_chunk *ch;
	uint64_t raw = 0;
	size_t n;

	TSHM_TEST_CHECK(tshm_bundle_open(&b, dir, 0));
	tshm_bundle_info(b, &info);
	TSHM_TEST_CHECK(tshm_view_open(&v, cat, name));
	assert_int_equal(tshm_view_verify(v), 0);
	assert_true(tshm_view_header(v)->hash_lo == info.hash_lo);
	assert_true(tshm_view_header(v)->hash_hi == info.hash_hi);
	assert_int_equal(tshm_view_nassets(v), info.nassets);
	ch = tshm_bundle_chunks(b, &n);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		struct tshm_column_info ci;
		uint64_t row = tshm_bundle_chunk_row(b, i);
		void *want = decode_alone(b, i);

		TSHM_TEST_CHECK(tshm_view_column(v, ch[i].table, ch[i].col, &ci));
		assert_int_equal(ci.width, ch[i].width);
		if (memcmp((const uint8_t *)ci.data + row * ci.width, want, ch[i].rlen) != 0)
			fail_msg("chunk %zu (table %u col %u sid %" PRId64 " day %d) differs", i,
				 ch[i].table, ch[i].col, ch[i].sid, ch[i].day);
		raw += ch[i].rlen;
		free(want);
	}
	assert_true(raw == info.raw_bytes);
	for (unsigned t = TSHM_TABLE_TRADES; t <= TSHM_TABLE_BARS_1D; t++) {
		struct tshm_table_info ti;

		TSHM_TEST_CHECK(tshm_view_table(v, t, &ti));
		assert_true(ti.nrows == info.rows[t]);
	}
	tshm_view_unref(v);
	tshm_bundle_close(b);
}

/* Segments of the namespace as "name state" lines, to compare before and after. */
static void seg_snapshot(char *buf, size_t len)
{
	struct tshm_test_seglist l;
	size_t off = 0;

	tshm_test_scan(&l);
	buf[0] = '\0';
	for (int i = 0; i < l.n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s %d\n", l.e[i].name, l.e[i].state);
}

struct prog {
	uint64_t last, total;
	unsigned calls;
	int backwards;
};

static void on_progress(uint64_t done, uint64_t total, void *arg)
{
	struct prog *p = arg;

	p->backwards |= done < p->last || done > total;
	p->last = done;
	p->total = total;
	p->calls++;
}

static void test_load_round_trip(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_load_result r;
	struct prog p = {0};
	struct tshm_load_opts o = {.progress = on_progress, .progress_arg = &p};
	char seg[TSHM_SEGNAME_MAX];

	make_bundle(f, 3, 4, 500, 1);
	load_ok(f, &o, &r);
	assert_int_equal(r.status, TSHM_LOAD_LOADED);
	assert_true(r.generation == 1);
	assert_string_equal(r.bundle, BUNDLE);
	tshm_test_seg_name(seg, BUNDLE, 1);
	assert_string_equal(r.segment, seg);
	assert_true(r.chunks > 0 && r.raw_bytes > 0 && r.compressed_bytes > 0);
	assert_true(r.seconds > 0 && r.rate > 0);
	assert_string_equal(r.error, "");
	/* Progress ends at the total and never goes back. */
	assert_true(p.calls >= 1 && !p.backwards);
	assert_true(p.last == r.raw_bytes && p.total == r.raw_bytes);
	check_round_trip(f->cat, f->bundle, BUNDLE);
}

static void test_load_idempotent(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_load_result r1, r2;
	struct tshm_descriptor d1, d2;
	char before[4096], after[4096];

	make_bundle(f, 2, 2, 100, 2);
	load_ok(f, NULL, &r1);
	TSHM_TEST_CHECK(tshm_catalog_lookup(f->cat, BUNDLE, &d1));
	seg_snapshot(before, sizeof(before));
	load_ok(f, NULL, &r2);
	assert_int_equal(r2.status, TSHM_LOAD_UP_TO_DATE);
	assert_true(r2.generation == r1.generation);
	assert_true(r2.hash_lo == r1.hash_lo && r2.hash_hi == r1.hash_hi);
	assert_string_equal(r2.segment, r1.segment);
	/* Nothing published, nothing created. */
	TSHM_TEST_CHECK(tshm_catalog_lookup(f->cat, BUNDLE, &d2));
	assert_true(d2.serial == d1.serial && d2.generation == d1.generation);
	seg_snapshot(after, sizeof(after));
	assert_string_equal(before, after);
}

static void test_load_force_new_generation(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_load_opts o = {.flags = TSHM_LOAD_FORCE};
	struct tshm_load_result r1, r2;
	char g1[TSHM_SEGNAME_MAX];
	struct tshm_view *old;

	make_bundle(f, 2, 3, 200, 3);
	load_ok(f, NULL, &r1);
	tshm_test_seg_name(g1, BUNDLE, r1.generation);
	/* A reader of the old generation keeps a valid mapping. */
	TSHM_TEST_CHECK(tshm_view_open(&old, f->cat, BUNDLE));
	load_ok(f, &o, &r2);
	assert_int_equal(r2.status, TSHM_LOAD_LOADED);
	assert_true(r2.generation > r1.generation);
	assert_true(r2.hash_lo == r1.hash_lo && r2.hash_hi == r1.hash_hi);
	assert_int_equal(tshm_test_shm_exists(g1), 0); /* previous generation unlinked */
	assert_int_equal(tshm_view_verify(old), 0);
	tshm_view_unref(old);
	check_round_trip(f->cat, f->bundle, BUNDLE);
}

static int on_tmpfs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == TMPFS_MAGIC;
}

/* Every read path gives the same segment. */
static void test_load_read_paths(void **state)
{
	struct tshm_ltest_fx *f = *state;
	static const struct tshm_load_opts paths[] = {
	    {.flags = TSHM_LOAD_FORCE, .direct = TSHM_LOAD_DIRECT_ON},
	    {.flags = TSHM_LOAD_FORCE, .direct = TSHM_LOAD_DIRECT_OFF},
	    {.flags = TSHM_LOAD_FORCE, .nthreads = 1, .queue_depth = 1},
	    {.flags = TSHM_LOAD_FORCE, .nthreads = 7, .queue_depth = 3},
	};
	struct tshm_load_result r;

	make_bundle(f, 4, 3, 2000, 4);
	/* A second transaction: a second data file (new days replace old ones). */
	make_bundle(f, 2, 2, 3000, 5);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		load_ok(f, &paths[i], &r);
		assert_int_equal(r.status, TSHM_LOAD_LOADED);
		if (paths[i].nthreads)
			assert_true(r.nthreads <= paths[i].nthreads);
		if (paths[i].direct == TSHM_LOAD_DIRECT_OFF)
			assert_int_equal(r.direct_files, 0);
		/* tmpfs has no O_DIRECT: the loader falls back to the page cache. */
		if (paths[i].direct == TSHM_LOAD_DIRECT_ON && !on_tmpfs(f->bundle))
			assert_true(r.direct_files > 0);
		check_round_trip(f->cat, f->bundle, BUNDLE);
	}
	/* Without io_uring (seccomp, io_uring_disabled): the same loop on pread. */
	setenv("TICKSHM_TEST_LOAD_PREAD", "1", 1);
	load_ok(f, &paths[2], &r);
	check_round_trip(f->cat, f->bundle, BUNDLE);
	load_ok(f, &paths[0], &r);
	unsetenv("TICKSHM_TEST_LOAD_PREAD");
	check_round_trip(f->cat, f->bundle, BUNDLE);
}

static void test_load_name_override(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_load_opts o = {.name = "other-name"};
	struct tshm_load_result r;
	struct tshm_descriptor d;

	make_bundle(f, 1, 1, 50, 6);
	load_ok(f, &o, &r);
	assert_string_equal(r.bundle, "other-name");
	assert_int_equal(tshm_catalog_lookup(f->cat, BUNDLE, &d), -ENOENT);
	check_round_trip(f->cat, f->bundle, "other-name");
	o.name = "bad/name";
	assert_int_equal(load(f, &o, &r), -TSHM_ENAME);
	assert_true(r.error[0] != '\0');
}

/* The name of chunk @i as the loader reports it: "<table> sid <sid> day <YYYY-MM-DD>". */
static void chunk_words(const char *dir, size_t i, char *sid, size_t slen, char *day, size_t dlen)
{
	struct tshm_bundle *b;
	const struct tshm_chunk *c;
	char ts[TSHM_TS_BUFSZ];

	TSHM_TEST_CHECK(tshm_bundle_open(&b, dir, 0));
	c = &tshm_bundle_chunks(b, &(size_t){0})[i];
	snprintf(sid, slen, "sid %" PRId64 " ", c->sid);
	TSHM_TEST_CHECK(tshm_ts_format(ts, sizeof(ts), (int64_t)c->day * TSHM_DAY_NS));
	snprintf(day, dlen, "day %.10s", ts);
	tshm_bundle_close(b);
}

/* A failed load publishes nothing and leaves the segments as they were. */
static void expect_failure(struct tshm_ltest_fx *f, const struct tshm_load_opts *o, int want,
			   const char *what)
{
	struct tshm_descriptor d1, d2;
	struct tshm_load_result r;
	char before[4096], after[4096];
	int rc;

	TSHM_TEST_CHECK(tshm_catalog_lookup(f->cat, BUNDLE, &d1));
	seg_snapshot(before, sizeof(before));
	rc = load(f, o, &r);
	if (rc != want)
		fail_msg("%s: load returned %d (%s), expected %d; error '%s'", what, rc,
			 tshm_strerror(rc), want, r.error);
	print_message("    %s: %s\n", what, r.error);
	assert_int_equal(r.status, 0);
	assert_true(r.error[0] != '\0');
	TSHM_TEST_CHECK(tshm_catalog_lookup(f->cat, BUNDLE, &d2));
	assert_true(d2.serial == d1.serial);
	seg_snapshot(after, sizeof(after));
	assert_string_equal(before, after);
}

static void test_load_bit_flip_names_chunk(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_load_result r;
	struct tshm_load_opts o = {.flags = TSHM_LOAD_FORCE};
	char sid[64], day[64];
	size_t n, victim;
	struct tshm_bundle *b;
	struct tshm_view *v;

	make_bundle(f, 3, 3, 1000, 7);
	load_ok(f, NULL, &r);
	TSHM_TEST_CHECK(tshm_bundle_open(&b, f->bundle, 0));
	tshm_bundle_chunks(b, &n);
	tshm_bundle_close(b);
	victim = n / 2;
	TSHM_TEST_CHECK(tshm_ltest_flip_chunk(f->bundle, victim, 1000003, 4));
	expect_failure(f, &o, -TSHM_ECORRUPT, "bit flip");
	assert_int_equal(load(f, &o, &r), -TSHM_ECORRUPT);
	chunk_words(f->bundle, victim, sid, sizeof(sid), day, sizeof(day));
	if (!strstr(r.error, sid) || !strstr(r.error, day))
		fail_msg("error '%s' does not name the chunk (%s, %s)", r.error, sid, day);
	/* The published generation is intact. */
	TSHM_TEST_CHECK(tshm_view_open(&v, f->cat, BUNDLE));
	assert_int_equal(tshm_view_verify(v), 0);
	tshm_view_unref(v);
	/* With every thread count (the failure path drains every buffer). */
	o.nthreads = 1;
	o.queue_depth = 1;
	assert_int_equal(load(f, &o, &r), -TSHM_ECORRUPT);
}

static void test_load_truncated_file(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_load_result r;
	struct tshm_bundle *b;
	const struct tshm_chunk *c;
	char path[4096];
	size_t n;
	off_t off;

	make_bundle(f, 2, 3, 1000, 8);
	load_ok(f, NULL, &r);
	TSHM_TEST_CHECK(tshm_bundle_open(&b, f->bundle, 0));
	c = tshm_bundle_chunks(b, &n);
	TSHM_TEST_CHECK(tshm_bundle_file_path(b, c[n - 1].file_id, path, sizeof(path)));
	off = (off_t)(c[n - 1].offset + 1);
	tshm_bundle_close(b);
	assert_int_equal(truncate(path, off), 0);
	/* Caught when the bundle is opened or when the data is read; either
	 * way a corrupt bundle and nothing published. */
	expect_failure(f, &(struct tshm_load_opts){.flags = TSHM_LOAD_FORCE}, -TSHM_ECORRUPT,
		       "truncated data file");
}

static void test_load_max_segment_enospc(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_load_opts o = {.max_segment = 64 << 10};
	struct tshm_load_result r;
	struct tshm_descriptor d;

	make_bundle(f, 3, 3, 3000, 9);
	assert_int_equal(load(f, &o, &r), -ENOSPC);
	assert_int_equal(r.status, 0);
	assert_true(strstr(r.error, "segment") != NULL);
	assert_int_equal(tshm_catalog_lookup(f->cat, BUNDLE, &d), -ENOENT);
	assert_int_equal(tshm_test_ns_count(), 1); /* the catalog only */
	/* The catalog slot was given back: the next load works, as generation 1 or later. */
	load_ok(f, NULL, &r);
	check_round_trip(f->cat, f->bundle, BUNDLE);
	/* And with a published generation, a capped reload changes nothing. */
	o.flags = TSHM_LOAD_FORCE;
	o.max_segment = 4096;
	expect_failure(f, &o, -ENOSPC, "max_segment");
}

/*
 * A segment the file size limit refuses: sizing it fails (RLIMIT_FSIZE,
 * which tmpfs honours with EFBIG), the load reports -ENOSPC and leaves
 * nothing: no segment, no catalog slot, nothing published.
 */
static void test_load_fsize_limit_enospc(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_load_result r;
	struct tshm_descriptor d;
	pid_t pid;

	make_bundle(f, 3, 3, 3000, 9);
	pid = tshm_test_fork(TSHM_TEST_CHILD_LIFETIME_S);
	if (pid == 0) {
		struct rlimit lim = {64 << 10, 64 << 10};
		int rc;

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &lim) < 0)
			_exit(3);
		rc = tshm_load_run(f->cat, f->bundle, NULL, &r);
		_exit(rc == -ENOSPC && r.status == 0 && strstr(r.error, "segment") ? 0 : 1);
	}
	tshm_test_expect_exit(pid, TSHM_TEST_CHILD_TIMEOUT_MS, 0, "loader under RLIMIT_FSIZE");
	assert_int_equal(tshm_catalog_lookup(f->cat, BUNDLE, &d), -ENOENT);
	assert_int_equal(tshm_test_ns_count(), 1); /* the catalog only */
	load_ok(f, NULL, &r);			   /* the slot was given back */
	check_round_trip(f->cat, f->bundle, BUNDLE);
}

/* Entries in /dev/shm, or -1. */
static int shm_entries(void)
{
	DIR *d = opendir("/dev/shm");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The child of test_load_shm_full: 0, TSHM_TEST_EXIT_SKIP, or the failed step. */
static int shm_full_child(struct tshm_ltest_fx *f)
{
	static const unsigned threads[] = {2, 1};
	struct tshm_catalog *cat = NULL;
	int rc = tshm_test_private_shm("1m");

	if (rc < 0) /* not root: skip; anything else is a failure */
		return rc == -EPERM ? TSHM_TEST_EXIT_SKIP : 9;
	if (tshm_catalog_open(&cat, NULL, TSHM_CATALOG_CREATE) < 0)
		return 1;
	for (unsigned i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
		struct tshm_load_opts o = {.nthreads = threads[i]};
		struct tshm_load_result r;

		rc = tshm_load_run(cat, f->bundle, &o, &r);
		if (rc != -ENOSPC || r.status != 0 || !strstr(r.error, "allocating") ||
		    !strstr(r.error, "No space left")) {
			fprintf(stderr, "%u threads: %d %s\n", threads[i], rc, r.error);
			return 10 + (int)i;
		}
		if (shm_entries() != 1) /* the catalog only */
			return 20 + (int)i;
	}
	tshm_catalog_close(cat);
	return 0;
}

/*
 * /dev/shm fills up while the decode threads' pwrite()s allocate the
 * segment: the child mounts a 1 MiB tmpfs over /dev/shm in a mount
 * namespace of its own (root only, skipped otherwise), with a catalog
 * there. With two threads and one, the load reports -ENOSPC, never a
 * SIGBUS, and leaves nothing but the catalog.
 */
static void test_load_shm_full(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_load_result r;
	struct tshm_descriptor d;
	pid_t pid;

	make_bundle(f, 3, 3, 8000, 9);
	pid = tshm_test_fork(TSHM_TEST_CHILD_LIFETIME_S);
	if (pid == 0)
		_exit(shm_full_child(f));
	tshm_test_expect_ok_or_skip(pid, TSHM_TEST_CHILD_TIMEOUT_MS, "loads on a full /dev/shm");
	assert_int_equal(tshm_catalog_lookup(f->cat, BUNDLE, &d), -ENOENT);
	load_ok(f, NULL, &r); /* with room, the same bundle loads */
	check_round_trip(f->cat, f->bundle, BUNDLE);
}

static void test_load_bad_args(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_load_result r;
	char missing[160];

	make_bundle(f, 1, 1, 10, 10);
	assert_int_equal(
	    tshm_load_run(f->cat, f->bundle, &(struct tshm_load_opts){.flags = 0x80}, &r), -EINVAL);
	assert_int_equal(
	    tshm_load_run(f->cat, f->bundle, &(struct tshm_load_opts){.direct = 9}, &r), -EINVAL);
	assert_int_equal(
	    tshm_load_run(f->cat, f->bundle, &(struct tshm_load_opts){.nthreads = 100000}, &r),
	    -EINVAL);
	assert_int_equal(
	    tshm_load_run(f->cat, f->bundle, &(struct tshm_load_opts){.queue_depth = 100000}, &r),
	    -EINVAL);
	assert_int_equal(tshm_load_run(NULL, f->bundle, NULL, &r), -EINVAL);
	assert_int_equal(tshm_load_run(f->cat, NULL, NULL, &r), -EINVAL);
	assert_int_equal(tshm_load_run(f->cat, f->bundle, NULL, NULL), -EINVAL);
	snprintf(missing, sizeof(missing), "%s/nope", f->dir);
	assert_int_equal(tshm_load_run(f->cat, missing, NULL, &r), -ENOENT);
	assert_true(strstr(r.error, missing) != NULL);
	assert_int_equal(tshm_test_ns_count(), 1);
}

/* A bundle without chunks (no assets yet) loads as an empty segment. */
static void test_load_empty_bundle(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_load_result r;
	struct tshm_view *v;
	int rc = tshm_ltest_make_bundle(f->bundle, BUNDLE, 0, 1, 0, 12);

	if (rc < 0)
		fail_msg("no empty bundle from the helper: %s", tshm_strerror(rc));
	load_ok(f, NULL, &r);
	assert_int_equal(r.status, TSHM_LOAD_LOADED);
	assert_true(r.chunks == 0 && r.raw_bytes == 0);
	TSHM_TEST_CHECK(tshm_view_open(&v, f->cat, BUNDLE));
	assert_int_equal(tshm_view_verify(v), 0);
	tshm_view_unref(v);
}

/* Loads racing each other: each wins or is told a newer one did; the end
 * state is one complete generation and nothing else. */
static void test_load_concurrent(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_test_seglist l;
	struct tshm_view *v;
	pid_t pid[3];

	make_bundle(f, 3, 3, 3000, 13);
	for (int i = 0; i < 3; i++) {
		pid[i] = tshm_test_fork(TSHM_TEST_CHILD_LIFETIME_S);
		if (pid[i] == 0) {
			struct tshm_load_opts o = {.flags = TSHM_LOAD_FORCE, .nthreads = 1};
			struct tshm_catalog *cat;
			struct tshm_load_result r;
			int rc = tshm_catalog_open(&cat, NULL, TSHM_CATALOG_RDWR);

			if (rc == 0)
				rc = tshm_load_run(cat, f->bundle, &o, &r);
			_exit(rc == 0 || rc == -ESTALE ? 0 : 1);
		}
	}
	for (int i = 0; i < 3; i++)
		tshm_test_expect_exit(pid[i], TSHM_TEST_CHILD_TIMEOUT_MS, 0, "loader %d", i);
	TSHM_TEST_CHECK(tshm_view_open(&v, f->cat, BUNDLE));
	assert_int_equal(tshm_view_verify(v), 0);
	tshm_view_unref(v);
	tshm_test_scan(&l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.e[0].state, TSHM_SEGSTATE_CURRENT);
}

/* A read-only catalog cannot take a new generation. */
static void test_load_readonly_catalog(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_catalog *ro;
	struct tshm_load_result r;

	make_bundle(f, 1, 1, 10, 11);
	TSHM_TEST_CHECK(tshm_catalog_open(&ro, NULL, 0));
	assert_int_equal(tshm_load_run(ro, f->bundle, NULL, &r), -EBADF);
	tshm_catalog_close(ro);
	assert_int_equal(tshm_test_ns_count(), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_load_round_trip, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_load_idempotent, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_load_force_new_generation, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_load_read_paths, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_load_name_override, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_load_bit_flip_names_chunk, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_load_truncated_file, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_load_max_segment_enospc, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_load_fsize_limit_enospc, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_load_shm_full, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_load_bad_args, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_load_readonly_catalog, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_load_empty_bundle, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_load_concurrent, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	};

	tshm_test_ns_init("load");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
