/* tshm-test-labels: unit;fault */
/* SPDX-License-Identifier: MIT */
/*
 * Corrupt and hostile segments. A published bundle is copied into a heap
 * buffer of its exact size (so AddressSanitizer sees any read past it),
 * aligned like a mapping (TSHM_ALIGN), and damaged in every way we can
 * think of:
 *   (a) random damage to the header + directory: attach must fail;
 *   (b) the same, plus structural edits, with meta_checksum recomputed (a
 *       hostile segment): attach may succeed, and then every accessor must
 *       return an error or a result inside the segment; also damage to the
 *       row/day index and data values, which are only checked on use;
 *   (c) truncated (and over-long) buffers: attach must fail;
 *   (d) damage to the data region: attach works, tshm_view_verify fails;
 *   (e) a real /dev/shm segment damaged in place: attach must fail.
 * Set TSHM_CORRUPT_SEED to replay a run; the seed is printed.
 */
#include "tshm_proc.h"
#include "tshm_walk.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OFF(field) offsetof(struct tshm_seg_header, field)

/* ---- randomness ------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* ---- the bundles ------------------------------------------------------ */

/*
 * A heap buffer of exactly @n bytes (so ASan flags any read past it),
 * aligned like a mapping: tshm_view_open_mem wants TSHM_ALIGN alignment.
 */
static void *seg_alloc(size_t n)
{
	void *p = NULL;

	if (posix_memalign(&p, TSHM_ALIGN, n ? n : 1) != 0)
		return NULL;
	return p;
}

struct sample {
	const char *bundle;
	uint8_t *orig; /* pristine copy */
	uint8_t *buf;  /* working copy, exactly size bytes */
	uint64_t size;
	uint64_t data_offset;
	uint64_t dir_offset;
	uint32_t nassets;
};

static struct sample small_s = {.bundle = "small"}, big_s = {.bundle = "big"};
static struct tshm_catalog *cat;

static const struct tshm_test_bundle big_bundle = {
    .nassets = 12, .ndays = 6, .trades_per_day = 40, .quotes_per_day = 15, .seed = 7};

static void load_sample(struct sample *s, const struct tshm_test_bundle *b)
{
	struct tshm_descriptor d;
	struct tshm_segment seg;
	const struct tshm_seg_header *h;

	TSHM_TEST_CHECK(tshm_test_publish(cat, s->bundle, b));
	TSHM_TEST_CHECK(tshm_catalog_lookup(cat, s->bundle, &d));
	memset(&seg, 0, sizeof(seg));
	seg.fd = -1;
	TSHM_TEST_CHECK(tshm_segment_open(&seg, d.segment, 0));
	assert_int_equal(seg.size, d.size);
	s->size = seg.size;
	s->orig = seg_alloc(s->size);
	s->buf = seg_alloc(s->size);
	assert_non_null(s->orig);
	assert_non_null(s->buf);
	memcpy(s->orig, seg.base, s->size);
	memcpy(s->buf, seg.base, s->size);
	tshm_segment_close(&seg);
	h = (const struct tshm_seg_header *)s->orig;
	s->data_offset = h->data_offset;
	s->dir_offset = h->dir_offset;
	s->nassets = h->nassets;
	assert_true(s->data_offset >= sizeof(*h) && s->data_offset <= s->size);
}

static void free_sample(struct sample *s)
{
	free(s->orig);
	free(s->buf);
	s->orig = s->buf = NULL;
}

static int group_setup(void **state)
{
	(void)state;
	if (tshm_catalog_open(&cat, NULL, TSHM_CATALOG_CREATE) < 0)
		return -1;
	load_sample(&small_s, &tshm_test_small);
	load_sample(&big_s, &big_bundle);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free_sample(&small_s);
	free_sample(&big_s);
	tshm_catalog_close(cat);
	tshm_test_ns_clean();
	return 0;
}

static void restore(struct sample *s)
{
	memcpy(s->buf, s->orig, s->size);
}

static void restore_meta(struct sample *s)
{
	memcpy(s->buf, s->orig, s->data_offset);
}

static const struct tshm_table_desc *orig_table(const struct sample *s, unsigned t)
{
	return (const struct tshm_table_desc *)(s->orig + s->dir_offset + (uint64_t)t * 512);
}

/* Attach @s->buf and, on success, walk it; fails the test on a contract breach. */
static int open_and_walk(struct sample *s, const char *what, int iter)
{
	struct tshm_view *v = NULL;
	char why[256];
	int rc;

	rc = tshm_view_open_mem(&v, s->buf, s->size, 0);
	if (rc < 0)
		return rc;
	if (tshm_walk_view(v, s->buf, s->size, why, sizeof(why)) < 0) {
		tshm_view_unref(v);
		fail_msg("%s iteration %d (%s): %s", what, iter, s->bundle, why);
	}
	tshm_view_unref(v);
	return 0;
}

/* ---- mutations -------------------------------------------------------- */

static uint64_t extreme64(const struct sample *s, uint64_t orig)
{
	switch (rnd_below(18)) {
	case 0:
		return 0;
	case 1:
		return ~UINT64_C(0);
	case 2:
		return s->size;
	case 3:
		return s->size + 1;
	case 4:
		return UINT64_C(1) << 63;
	case 5:
		return s->size - 8;
	case 6:
		return orig + 1;
	case 7:
		return orig - 1;
	case 8:
		return orig + 8;
	case 9:
		return orig - 64;
	case 10:
		return orig + 64;
	case 11:
		return orig * 2;
	case 12:
		return orig / 2;
	case 13:
		return rnd_below(s->size + 1);
	case 14:
		return s->data_offset;
	case 15:
		return UINT64_C(1) << 62;
	case 16:
		return orig ^ (UINT64_C(1) << rnd_below(64));
	default:
		return rnd();
	}
}

static uint32_t extreme32(const struct sample *s, uint32_t orig)
{
	switch (rnd_below(12)) {
	case 0:
		return 0;
	case 1:
		return UINT32_MAX;
	case 2:
		return UINT32_C(1) << 31;
	case 3:
		return orig + 1;
	case 4:
		return orig - 1;
	case 5:
		return orig * 2;
	case 6:
		return orig / 2;
	case 7:
		return (uint32_t)s->size;
	case 8:
		return orig ^ (UINT32_C(1) << rnd_below(32));
	case 9:
		return (uint32_t)rnd_below(64);
	case 10:
		return orig + 1000;
	default:
		return (uint32_t)rnd();
	}
}

static void set64(uint8_t *b, uint64_t off, uint64_t v)
{
	memcpy(b + off, &v, 8);
}

static uint64_t get64(const uint8_t *b, uint64_t off)
{
	uint64_t v;

	memcpy(&v, b + off, 8);
	return v;
}

static void set32(uint8_t *b, uint64_t off, uint32_t v)
{
	memcpy(b + off, &v, 4);
}

static uint32_t get32(const uint8_t *b, uint64_t off)
{
	uint32_t v;

	memcpy(&v, b + off, 4);
	return v;
}

/* Unstructured damage anywhere in [0, data_offset). */
static void mutate_random(struct sample *s)
{
	uint64_t n = s->data_offset;

	switch (rnd_below(4)) {
	case 0: /* flip bits */
		for (uint64_t k = 1 + rnd_below(4); k; k--)
			s->buf[rnd_below(n)] ^= (uint8_t)(1u << rnd_below(8));
		break;
	case 1: /* random bytes */
		for (uint64_t k = 1 + rnd_below(4); k; k--)
			s->buf[rnd_below(n)] = (uint8_t)rnd();
		break;
	case 2: { /* extreme 8-byte word */
		uint64_t off = rnd_below(n / 8) * 8;

		set64(s->buf, off, extreme64(s, get64(s->buf, off)));
		break;
	}
	default: { /* extreme 4-byte word */
		uint64_t off = rnd_below(n / 4) * 4;

		set32(s->buf, off, extreme32(s, get32(s->buf, off)));
		break;
	}
	}
}

struct field {
	uint16_t off;
	uint8_t len;
};

static const struct field hdr_fields[] = {
    {OFF(magic), 8},	  {OFF(format_version), 4}, {OFF(header_size), 4},    {OFF(flags), 8},
    {OFF(total_size), 8}, {OFF(generation), 8},	    {OFF(schema_version), 4}, {OFF(table_slots), 4},
    {OFF(dir_offset), 8}, {OFF(data_offset), 8},    {OFF(nassets), 4},	      {OFF(min_ts), 8},
    {OFF(max_ts), 8},	  {OFF(bundle), 8},
};

#define TOFF(field) offsetof(struct tshm_table_desc, field)
static const struct field table_fields[] = {
    {TOFF(name), 8},   {TOFF(id), 4},	 {TOFF(flags), 4},	 {TOFF(ncols), 4},
    {TOFF(ts_col), 4}, {TOFF(nrows), 8}, {TOFF(rows_offset), 8}, {TOFF(days_offset), 8},
    {TOFF(day0), 4},   {TOFF(ndays), 4}, {TOFF(min_ts), 8},	 {TOFF(max_ts), 8},
};

#define COFF(field) offsetof(struct tshm_col_desc, field)
static const struct field col_fields[] = {
    {COFF(name), 8}, {COFF(type), 1}, {COFF(kind), 1}, {COFF(width), 2}, {COFF(offset), 8},
};

static void mutate_field(struct sample *s, uint64_t off, unsigned len)
{
	switch (len) {
	case 8:
		set64(s->buf, off, extreme64(s, get64(s->buf, off)));
		break;
	case 4:
		set32(s->buf, off, extreme32(s, get32(s->buf, off)));
		break;
	case 2: {
		static const uint16_t w[] = {0, 1, 2, 3, 4, 7, 8, 16, 32, 33, 64, 0xffff};
		uint16_t v = w[rnd_below(sizeof(w) / sizeof(w[0]))];

		memcpy(s->buf + off, &v, 2);
		break;
	}
	default:
		s->buf[off] = rnd_below(2) ? (uint8_t)rnd_below(8) : (uint8_t)rnd();
		break;
	}
}

/* A structural edit of the header or the directory. */
static void mutate_structure(struct sample *s)
{
	unsigned what = (unsigned)rnd_below(10);

	if (what < 2) {
		const struct field *f =
		    &hdr_fields[rnd_below(sizeof(hdr_fields) / sizeof(hdr_fields[0]))];

		mutate_field(s, f->off, f->len);
	} else {
		/* Mostly the tables in use, sometimes the reserved slots. */
		unsigned t = (unsigned)(rnd_below(8) ? rnd_below(TSHM_TABLE_COUNT)
						     : rnd_below(TSHM_TABLE_SLOTS));
		uint64_t tbase = s->dir_offset + (uint64_t)t * 512;

		if (tbase + 512 > s->data_offset)
			return;
		if (what < 6) {
			const struct field *f = &table_fields[rnd_below(sizeof(table_fields) /
									sizeof(table_fields[0]))];

			mutate_field(s, tbase + f->off, f->len);
		} else {
			unsigned c = (unsigned)rnd_below(TSHM_MAX_COLS);
			const struct field *f =
			    &col_fields[rnd_below(sizeof(col_fields) / sizeof(col_fields[0]))];

			mutate_field(s, tbase + TOFF(cols) + (uint64_t)c * 32 + f->off, f->len);
		}
	}
}

/* ---- (a) damage without a valid checksum ------------------------------ */

static void test_corrupt_meta_random(void **state)
{
	int counts[3] = {0};

	(void)state;
	for (int iter = 0; iter < 1500; iter++) {
		struct sample *s = iter % 3 == 2 ? &big_s : &small_s;
		struct tshm_view *v = NULL;
		int rc;

		restore_meta(s);
		do {
			if (rnd_below(3) == 0)
				mutate_structure(s);
			else
				mutate_random(s);
		} while (memcmp(s->buf, s->orig, s->data_offset) == 0);
		rc = tshm_view_open_mem(&v, s->buf, s->size, 0);
		if (rc == 0) {
			tshm_view_unref(v);
			fail_msg("iteration %d (%s): damaged header/directory attached without a "
				 "valid meta_checksum",
				 iter, s->bundle);
		}
		if (rc == -TSHM_ECORRUPT)
			counts[0]++;
		else if (rc == -TSHM_EVERSION)
			counts[1]++;
		else if (rc == -TSHM_EINCOMPLETE)
			counts[2]++;
		else
			fail_msg("iteration %d (%s): tshm_view_open_mem -> %d (%s), expected "
				 "ECORRUPT/EVERSION/EINCOMPLETE",
				 iter, s->bundle, rc, tshm_strerror(rc));
	}
	restore(&small_s);
	restore(&big_s);
	print_message("  rejected: %d ECORRUPT, %d EVERSION, %d EINCOMPLETE\n", counts[0],
		      counts[1], counts[2]);
}

/* ---- (b) hostile segments: checksum recomputed ------------------------ */

static void test_corrupt_meta_hostile(void **state)
{
	int opened = 0, rejected = 0;

	(void)state;
	for (int iter = 0; iter < 1500; iter++) {
		struct sample *s = iter % 4 == 3 ? &big_s : &small_s;
		int rc;

		restore_meta(s);
		for (uint64_t k = 1 + (rnd_below(3) == 0 ? rnd_below(3) : 0); k; k--) {
			if (rnd_below(5) == 0)
				mutate_random(s);
			else
				mutate_structure(s);
		}
		tshm_walk_fix_checksum(s->buf, s->size);
		rc = open_and_walk(s, "hostile", iter);
		if (rc == 0)
			opened++;
		else
			rejected++;
	}
	restore(&small_s);
	restore(&big_s);
	print_message("  hostile: %d attached and walked, %d rejected\n", opened, rejected);
	/* Sanity: the pristine copies attach and walk cleanly. */
	assert_int_equal(open_and_walk(&small_s, "pristine", 0), 0);
	assert_int_equal(open_and_walk(&big_s, "pristine", 0), 0);
}

/* Row index, day index and data values (ts, sids, symbols) are only checked on use. */
static void test_corrupt_index_hostile(void **state)
{
	int opened = 0;

	(void)state;
	for (int iter = 0; iter < 1200; iter++) {
		struct sample *s = iter % 3 == 2 ? &big_s : &small_s;
		unsigned t = TSHM_TABLE_TRADES + (unsigned)rnd_below(5);
		const struct tshm_table_desc *td = orig_table(s, t);
		unsigned kind = (unsigned)rnd_below(5);
		int rc;

		restore(s);
		for (uint64_t k = 1 + rnd_below(3); k; k--) {
			uint64_t off;

			if (kind == 0) { /* row index entry */
				off = td->rows_offset + 8 * rnd_below((uint64_t)s->nassets + 1);
				set64(s->buf, off, extreme64(s, get64(s->buf, off)));
			} else if (kind == 1) { /* day index entry */
				uint64_t n = (uint64_t)s->nassets * (td->ndays + 1);

				off = td->days_offset + 8 * rnd_below(n);
				set64(s->buf, off, extreme64(s, get64(s->buf, off)));
			} else if (kind == 3) { /* sids, symbols: unsorted, unterminated */
				unsigned ct = (unsigned)rnd_below(3);
				const struct tshm_table_desc *d = orig_table(s, ct);
				unsigned c = (unsigned)rnd_below(d->ncols);
				uint64_t nrows = ct == TSHM_TABLE_ASSETS ? s->nassets : d->nrows;
				uint64_t len = nrows * d->cols[c].width;

				if (len == 0)
					continue;
				off = d->cols[c].offset;
				if (rnd_below(2)) /* a whole element of 0xff / random bytes */
					for (uint64_t i = 0, e = rnd_below(nrows);
					     i < d->cols[c].width; i++)
						s->buf[off + e * d->cols[c].width + i] =
						    rnd_below(2) ? 0xff : (uint8_t)(rnd() | 1);
				else
					s->buf[off + rnd_below(len)] = (uint8_t)rnd();
			} else if (kind == 4) { /* anywhere in the data region */
				off = s->data_offset + rnd_below(s->size - s->data_offset);
				s->buf[off] = (uint8_t)rnd();
			} else { /* ts values */
				int64_t bad;

				if (td->nrows == 0)
					continue;
				off = td->cols[td->ts_col].offset + 8 * rnd_below(td->nrows);
				bad = rnd_below(2) ? (int64_t)rnd()
						   : (rnd_below(2) ? INT64_MIN : INT64_MAX);
				set64(s->buf, off, (uint64_t)bad);
			}
		}
		rc = open_and_walk(s, "index", iter);
		if (rc == 0)
			opened++;
	}
	restore(&small_s);
	restore(&big_s);
	print_message("  index damage: %d of 1200 attached and walked\n", opened);
	assert_true(opened > 0);
}

/* ---- (c) truncated and over-long buffers ------------------------------ */

static void try_size(const struct sample *s, uint64_t n)
{
	uint8_t *b = seg_alloc(n);
	struct tshm_view *v = NULL;
	int rc;

	assert_non_null(b);
	memcpy(b, s->orig, n < s->size ? n : s->size);
	if (n > s->size)
		memset(b + s->size, 0, n - s->size);
	rc = tshm_view_open_mem(&v, b, n, 0);
	if (rc == 0) {
		tshm_view_unref(v);
		free(b);
		fail_msg("%s: a %llu-byte buffer of a %llu-byte segment attached", s->bundle,
			 (unsigned long long)n, (unsigned long long)s->size);
	}
	free(b);
}

static void test_corrupt_truncated(void **state)
{
	const struct sample *samples[] = {&small_s, &big_s};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		const struct sample *s = samples[i];

		for (uint64_t n = 0; n <= s->data_offset + 64; n += n < 320 ? 1 : 13)
			try_size(s, n);
		for (uint64_t n = s->data_offset; n < s->size; n += 1 + rnd_below(s->size / 50))
			try_size(s, n);
		try_size(s, s->size - 1);
		try_size(s, s->size - 8);
		try_size(s, s->size + 1);
		try_size(s, s->size + 4096);
	}
	/* NULL with size 0 must not crash either. */
	{
		struct tshm_view *v = NULL;

		assert_true(tshm_view_open_mem(&v, NULL, 0, 0) < 0);
		/* Unknown flags. */
		assert_true(tshm_view_open_mem(&v, small_s.orig, small_s.size, 1) < 0);
		/* A base not aligned like a mapping: an error, or a view that works. */
		{
			uint8_t *b = seg_alloc(small_s.size + 8);
			char why[256];

			assert_non_null(b);
			memcpy(b + 8, small_s.orig, small_s.size);
			if (tshm_view_open_mem(&v, b + 8, small_s.size, 0) == 0) {
				if (tshm_walk_view(v, b + 8, small_s.size, why, sizeof(why)) < 0) {
					tshm_view_unref(v);
					free(b);
					fail_msg("misaligned base: %s", why);
				}
				tshm_view_unref(v);
			}
			free(b);
		}
		/* The exact size attaches. */
		TSHM_TEST_CHECK(tshm_view_open_mem(&v, small_s.orig, small_s.size, 0));
		tshm_view_unref(v);
	}
}

/* ---- (d) damage to the data region ------------------------------------ */

/* A random (table, column) with rows. */
static void pick_column(const struct sample *s, unsigned *tp, unsigned *cp, uint64_t *off,
			uint64_t *len)
{
	for (;;) {
		unsigned t = (unsigned)rnd_below(TSHM_TABLE_COUNT);
		const struct tshm_table_desc *td = orig_table(s, t);
		uint64_t nrows = t == TSHM_TABLE_ASSETS ? s->nassets : td->nrows;
		unsigned c;

		if (!(td->flags & TSHM_TABLE_F_PRESENT) || nrows == 0 || td->ncols == 0)
			continue;
		c = (unsigned)rnd_below(td->ncols);
		*tp = t;
		*cp = c;
		*off = td->cols[c].offset;
		*len = nrows * td->cols[c].width;
		return;
	}
}

static void expect_verify_fails(struct sample *s, const char *what, int iter)
{
	struct tshm_view *v = NULL;
	int rc;

	rc = tshm_view_open_mem(&v, s->buf, s->size, 0);
	if (rc < 0)
		fail_msg("%s iteration %d (%s): the header is intact but attach failed: %d (%s)",
			 what, iter, s->bundle, rc, tshm_strerror(rc));
	rc = tshm_view_verify(v);
	tshm_view_unref(v);
	if (rc != -TSHM_ECORRUPT && rc != -TSHM_EORDER)
		fail_msg("%s iteration %d (%s): tshm_view_verify -> %d (%s), expected "
			 "-TSHM_ECORRUPT or -TSHM_EORDER",
			 what, iter, s->bundle, rc, tshm_strerror(rc));
}

static void test_corrupt_data_damage(void **state)
{
	struct tshm_view *v = NULL;

	(void)state;
	/* Pristine copies verify. */
	TSHM_TEST_CHECK(tshm_view_open_mem(&v, small_s.orig, small_s.size, 0));
	TSHM_TEST_CHECK(tshm_view_verify(v));
	tshm_view_unref(v);
	TSHM_TEST_CHECK(tshm_view_open_mem(&v, big_s.orig, big_s.size, 0));
	TSHM_TEST_CHECK(tshm_view_verify(v));
	tshm_view_unref(v);

	/* Column bytes: the content hash covers every column. */
	for (int iter = 0; iter < 400; iter++) {
		struct sample *s = iter % 2 ? &big_s : &small_s;
		unsigned t, c;
		uint64_t off, len, at;

		restore(s);
		pick_column(s, &t, &c, &off, &len);
		at = off + rnd_below(len);
		if (rnd_below(2))
			s->buf[at] ^= (uint8_t)(1u << rnd_below(8));
		else
			s->buf[at] = (uint8_t)(s->buf[at] + 1 + rnd_below(255));
		expect_verify_fails(s, "column byte", iter);
	}

	/* Row index: wild values and off-by-one boundaries. */
	for (int iter = 0; iter < 200; iter++) {
		struct sample *s = iter % 2 ? &big_s : &small_s;
		unsigned t = TSHM_TABLE_TRADES + (unsigned)rnd_below(5);
		const struct tshm_table_desc *td = orig_table(s, t);
		uint64_t i = rnd_below((uint64_t)s->nassets + 1);
		uint64_t off = td->rows_offset + 8 * i, orig = get64(s->orig, off), nv;

		restore(s);
		do
			nv = iter < 100 ? extreme64(s, orig) : orig + (rnd_below(2) ? 1 : -1);
		while (nv == orig);
		set64(s->buf, off, nv);
		expect_verify_fails(s, "row index", iter);
	}

	/* Day index entries. */
	for (int iter = 0; iter < 200; iter++) {
		struct sample *s = iter % 2 ? &big_s : &small_s;
		unsigned t = TSHM_TABLE_TRADES + (unsigned)rnd_below(5);
		const struct tshm_table_desc *td = orig_table(s, t);
		uint64_t n = (uint64_t)s->nassets * (td->ndays + 1);
		uint64_t off = td->days_offset + 8 * rnd_below(n), orig = get64(s->orig, off), nv;

		restore(s);
		do
			nv = iter < 100 ? extreme64(s, orig) : orig + (rnd_below(2) ? 1 : -1);
		while (nv == orig);
		set64(s->buf, off, nv);
		expect_verify_fails(s, "day index", iter);
	}
	restore(&small_s);
	restore(&big_s);
}

/* ---- (e) a real segment damaged in place ------------------------------ */

static void damage_in_place(const char *bundle, uint64_t off, uint8_t xor_mask)
{
	struct tshm_descriptor d;
	struct tshm_segment seg;
	struct tshm_view *v = NULL;
	int rc;

	TSHM_TEST_CHECK(tshm_catalog_lookup(cat, bundle, &d));
	memset(&seg, 0, sizeof(seg));
	seg.fd = -1;
	TSHM_TEST_CHECK(tshm_segment_open(&seg, d.segment, TSHM_SEG_RDWR));
	((uint8_t *)seg.base)[off] ^= xor_mask;
	tshm_segment_close(&seg);

	rc = tshm_view_open_segment(&v, d.segment);
	if (rc == 0) {
		tshm_view_unref(v);
		fail_msg("%s: byte %llu damaged in place, tshm_view_open_segment attached it",
			 d.segment, (unsigned long long)off);
	}
	if (rc != -TSHM_ECORRUPT && rc != -TSHM_EVERSION && rc != -TSHM_EINCOMPLETE)
		fail_msg("%s: tshm_view_open_segment -> %d (%s)", d.segment, rc, tshm_strerror(rc));
	rc = tshm_view_open(&v, cat, bundle);
	if (rc == 0) {
		tshm_view_unref(v);
		fail_msg("%s: damaged in place, tshm_view_open attached it", d.segment);
	}
}

static void test_corrupt_in_place(void **state)
{
	struct tshm_test_bundle b = tshm_test_small;
	struct tshm_descriptor d;
	struct tshm_segment seg;
	struct tshm_view *v = NULL;

	(void)state;
	b.seed = 5;
	/* Header fields, the directory, the magic, the checksum itself. */
	TSHM_TEST_CHECK(tshm_test_publish(cat, "inplace", &b));
	damage_in_place("inplace", OFF(nassets), 0x01);
	TSHM_TEST_CHECK(tshm_test_publish(cat, "inplace", &b));
	damage_in_place("inplace", OFF(magic), 0x80);
	TSHM_TEST_CHECK(tshm_test_publish(cat, "inplace", &b));
	damage_in_place("inplace", OFF(meta_checksum) + 3, 0x10);
	TSHM_TEST_CHECK(tshm_test_publish(cat, "inplace", &b));
	damage_in_place("inplace", OFF(flags), TSHM_SEG_F_COMPLETE);
	TSHM_TEST_CHECK(tshm_test_publish(cat, "inplace", &b));
	damage_in_place("inplace", small_s.dir_offset + 3 * 512 + TOFF(nrows), 0x04);
	TSHM_TEST_CHECK(tshm_test_publish(cat, "inplace", &b));
	damage_in_place("inplace", small_s.data_offset - 1, 0x01);

	/* A data byte: attaches (O(directory) checks) but does not verify. */
	TSHM_TEST_CHECK(tshm_test_publish(cat, "inplace", &b));
	TSHM_TEST_CHECK(tshm_catalog_lookup(cat, "inplace", &d));
	memset(&seg, 0, sizeof(seg));
	seg.fd = -1;
	TSHM_TEST_CHECK(tshm_segment_open(&seg, d.segment, TSHM_SEG_RDWR));
	{
		const struct tshm_seg_header *h = seg.base;
		const struct tshm_table_desc *td =
		    (const struct tshm_table_desc *)((const uint8_t *)seg.base + h->dir_offset +
						     TSHM_TABLE_TRADES * 512);

		((uint8_t *)seg.base)[td->cols[TSHM_TRADES_PRICE].offset + 9] ^= 0x20;
	}
	tshm_segment_close(&seg);
	TSHM_TEST_CHECK(tshm_view_open_segment(&v, d.segment));
	assert_int_equal(tshm_view_verify(v), -TSHM_ECORRUPT);
	tshm_view_unref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_corrupt_meta_random),
	    cmocka_unit_test(test_corrupt_meta_hostile),
	    cmocka_unit_test(test_corrupt_index_hostile),
	    cmocka_unit_test(test_corrupt_truncated),
	    cmocka_unit_test(test_corrupt_data_damage),
	    cmocka_unit_test(test_corrupt_in_place),
	};
	const char *seed = getenv("TSHM_CORRUPT_SEED");

	tshm_test_ns_init("corrupt");
	rng_state = seed ? strtoull(seed, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)getpid();
	print_message("TSHM_CORRUPT_SEED=%llu\n", (unsigned long long)rng_state);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
