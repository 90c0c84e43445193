/* SPDX-License-Identifier: MIT */
/* Walking every accessor of a view over possibly hostile bytes: see tshm_walk.h. */
#include "tshm_walk.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#define WALK_T0 INT64_C(1704153600000000000) /* the test bundles' first day */
#define MAX_WALK_SIDS 8
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Where the bytes read go, so the reads are not optimised away. */
static volatile unsigned char sink;

struct walk {
	const uint8_t *base;
	uint64_t size;
	char *why;
	size_t why_len;
};

static __attribute__((format(printf, 2, 3))) int walk_fail(struct walk *w, const char *fmt, ...)
{
	va_list ap;

	if (w->why && w->why_len) {
		va_start(ap, fmt);
		vsnprintf(w->why, w->why_len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Do @n elements of @width bytes at @p lie inside the segment? */
static int in_bounds(const struct walk *w, const void *p, uint64_t n, uint64_t width)
{
	const uint8_t *q = p;
	uint64_t off;

	if (n == 0)
		return 1;
	if (!q || q < w->base || width == 0)
		return 0;
	off = (uint64_t)(q - w->base);
	if (off > w->size)
		return 0;
	return n <= (w->size - off) / width;
}

static int64_t sat_add(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

/* A history window must lie inside column @c of table @t, hence inside the segment. */
static int check_window(struct walk *w, const struct tshm_view *v, const char *what,
			const struct tshm_window *win, unsigned t, unsigned c, uint64_t max_count)
{
	struct tshm_column_info ci;
	struct tshm_table_info ti;
	const uint8_t *p = win->data;

	if (win->count == 0)
		return 0;
	if (win->count > max_count)
		return walk_fail(w, "%s t%u c%u: count %llu > requested %llu", what, t, c,
				 (unsigned long long)win->count, (unsigned long long)max_count);
	if (!in_bounds(w, win->data, win->count, win->width))
		return walk_fail(w,
				 "%s t%u c%u: window of %llu x %u bytes at offset %lld outside "
				 "the %llu-byte segment",
				 what, t, c, (unsigned long long)win->count, win->width,
				 (long long)(p - w->base), (unsigned long long)w->size);
	if (tshm_view_table(v, t, &ti) != 0 || tshm_view_column(v, t, c, &ci) != 0)
		return walk_fail(w,
				 "%s t%u c%u: returned a window for a column the view does not "
				 "describe",
				 what, t, c);
	if (win->width != ci.width || win->first_row > ti.nrows ||
	    win->count > ti.nrows - win->first_row ||
	    p != (const uint8_t *)ci.data + win->first_row * ci.width)
		return walk_fail(w,
				 "%s t%u c%u: window rows [%llu, +%llu) width %u not inside the "
				 "column (%llu rows, width %u)",
				 what, t, c, (unsigned long long)win->first_row,
				 (unsigned long long)win->count, win->width,
				 (unsigned long long)ti.nrows, ci.width);
	sink ^= p[0];
	sink ^= p[win->count * win->width - 1];
	return 0;
}

/* Tables (ids past the known ones too) and columns: every element's first and last byte. */
static int walk_tables(struct walk *w, const struct tshm_view *v, uint32_t na)
{
	struct tshm_table_info ti;
	struct tshm_column_info ci;
	int rc;

	for (unsigned t = 0; t < TSHM_TABLE_SLOTS + 2; t++) {
		rc = tshm_view_table(v, t, &ti);
		if (rc != 0 && rc != -EINVAL)
			return walk_fail(w, "tshm_view_table(%u) -> %d", t, rc);
		if (rc != 0)
			continue;
		if (ti.name)
			sink ^= (unsigned char)strlen(ti.name);
		for (unsigned c = 0; c < TSHM_MAX_COLS + 2; c++) {
			const uint8_t *p;

			if (tshm_view_column(v, t, c, &ci) != 0)
				continue;
			if (c >= ti.ncols)
				return walk_fail(w,
						 "tshm_view_column(%u, %u) succeeded past ncols %u",
						 t, c, ti.ncols);
			if (ci.name)
				sink ^= (unsigned char)strlen(ci.name);
			if (ti.nrows == 0)
				continue;
			if (!in_bounds(w, ci.data, ti.nrows, ci.width))
				return walk_fail(w,
						 "column t%u c%u: %llu x %u bytes at offset %lld "
						 "outside the %llu-byte segment",
						 t, c, (unsigned long long)ti.nrows, ci.width,
						 (long long)((const uint8_t *)ci.data - w->base),
						 (unsigned long long)w->size);
			p = ci.data;
			for (uint64_t r = 0; r < ti.nrows; r++) {
				sink ^= p[r * ci.width];
				sink ^= p[r * ci.width + ci.width - 1];
			}
		}
		if (t >= TSHM_TABLE_COUNT || !(ti.flags & TSHM_TABLE_F_PER_ASSET))
			continue;
		for (uint32_t a = 0; a <= na + 1 && a < na + 2u; a++) {
			uint64_t first = 0, count = 0;

			rc = tshm_view_asset_rows(v, t, a, &first, &count);
			if (rc == 0 && (a >= na || first > ti.nrows || count > ti.nrows - first))
				return walk_fail(
				    w, "asset_rows(t%u, %u) = [%llu, +%llu) of %llu rows", t, a,
				    (unsigned long long)first, (unsigned long long)count,
				    (unsigned long long)ti.nrows);
		}
	}
	return 0;
}

/* Assets: copy each out (and two past the end), collect some sids, look them up. */
static int walk_assets(struct walk *w, const struct tshm_view *v, uint32_t na, int64_t *sids,
		       size_t *nsidsp)
{
	static const char *symbols[] = {
	    "OLD0",  "SYM0", "SYM1", "SYM2",
	    "SYM10", "",     "ZZZZ", "0123456789012345678901234567890123456789"};
	static const int64_t as_of[] = {INT64_MIN, WALK_T0, WALK_T0 + TSHM_DAY_NS,
					WALK_T0 + 2 * TSHM_DAY_NS, INT64_MAX};
	size_t nsids = 0;
	int rc;

	for (uint32_t a = 0; a <= na + 1 && a < na + 2u; a++) {
		struct tshm_asset as;

		if (tshm_view_asset(v, a, &as) != 0)
			continue;
		if (a >= na)
			return walk_fail(w, "tshm_view_asset(%u) succeeded with %u assets", a, na);
		sink ^= (unsigned char)(strlen(as.symbol) + strlen(as.exchange) +
					strlen(as.currency));
		if (nsids < MAX_WALK_SIDS && (a < 4 || a + 2 >= na))
			sids[nsids++] = as.sid;
	}
	sids[nsids++] = 100;
	sids[nsids++] = INT64_MIN;
	*nsidsp = nsids;
	for (size_t i = 0; i < nsids; i++) {
		rc = tshm_view_find_sid(v, sids[i]);
		if (rc >= 0 && (uint32_t)rc >= na)
			return walk_fail(w, "find_sid(%lld) = %d with %u assets",
					 (long long)sids[i], rc, na);
	}
	for (size_t i = 0; i < NELEM(symbols); i++)
		for (size_t k = 0; k < NELEM(as_of); k++) {
			rc = tshm_view_find_symbol(v, symbols[i], as_of[k]);
			if (rc >= 0 && (uint32_t)rc >= na)
				return walk_fail(w, "find_symbol(%s, %lld) = %d with %u assets",
						 symbols[i], (long long)as_of[k], rc, na);
		}
	return 0;
}

/* History windows of table @t (ids one past the known ones too), columns up to ncols. */
static int walk_history(struct walk *w, const struct tshm_view *v, unsigned t, const int64_t *sids,
			size_t nsids)
{
	static const uint64_t counts[] = {0, 1, 9, 17, UINT64_MAX};
	static const uint64_t copy_counts[] = {0, 1, 4, 5};
	enum { COPY_MAX = 5, NENDS = 6, NRANGES = 4 };
	struct tshm_table_info ti;
	unsigned ncols = TSHM_MAX_COLS;
	int64_t tmin = 0, tmax = 0, ends[NENDS], r0[NRANGES], r1[NRANGES];
	int rc;

	if (tshm_view_table(v, t, &ti) == 0) {
		ncols = ti.ncols < TSHM_MAX_COLS ? ti.ncols : TSHM_MAX_COLS;
		tmin = ti.min_ts;
		tmax = ti.max_ts;
	}
	ends[0] = INT64_MIN;
	ends[1] = INT64_MAX;
	ends[2] = WALK_T0 + TSHM_DAY_NS + TSHM_DAY_NS / 2;
	ends[3] = tmin;
	ends[4] = tmax;
	ends[5] = sat_add(tmin, (tmax / 2) - (tmin / 2));
	r0[0] = INT64_MIN;
	r1[0] = INT64_MAX;
	r0[1] = WALK_T0;
	r1[1] = WALK_T0 + TSHM_DAY_NS;
	r0[2] = WALK_T0 + TSHM_DAY_NS; /* t1 < t0 */
	r1[2] = WALK_T0;
	r0[3] = tmin;
	r1[3] = sat_add(tmax, 1);

	for (unsigned c = 0; c <= ncols; c++) {
		int64_t out[(MAX_WALK_SIDS + 2) * COPY_MAX];
		uint64_t got[MAX_WALK_SIDS + 2];

		for (size_t i = 0; i < nsids; i++) {
			struct tshm_window win;

			for (size_t e = 0; e < NENDS; e++)
				for (size_t k = 0; k < NELEM(counts); k++) {
					memset(&win, 0, sizeof(win));
					rc = tshm_history(v, t, sids[i], c, ends[e], counts[k],
							  &win);
					if (rc == 0 && check_window(w, v, "history", &win, t, c,
								    counts[k]) < 0)
						return -1;
				}
			for (size_t k = 0; k < NRANGES; k++) {
				memset(&win, 0, sizeof(win));
				rc = tshm_history_range(v, t, sids[i], c, r0[k], r1[k], &win);
				if (rc != 0)
					continue;
				if (check_window(w, v, "history_range", &win, t, c, UINT64_MAX) < 0)
					return -1;
				if (r1[k] < r0[k] && win.count)
					return walk_fail(w,
							 "history_range t%u c%u with t1 < t0 "
							 "returned %llu rows",
							 t, c, (unsigned long long)win.count);
			}
		}
		for (size_t e = 0; e < NENDS; e++)
			for (size_t k = 0; k < NELEM(copy_counts); k++) {
				memset(got, 0, sizeof(got));
				rc = tshm_history_copy(v, t, sids, nsids, c, ends[e],
						       copy_counts[k], -1, out, got);
				if (rc != 0)
					continue;
				for (size_t i = 0; i < nsids; i++)
					if (got[i] > copy_counts[k])
						return walk_fail(
						    w,
						    "history_copy t%u c%u: got[%zu] = "
						    "%llu > %llu",
						    t, c, i, (unsigned long long)got[i],
						    (unsigned long long)copy_counts[k]);
			}
	}
	return 0;
}

int tshm_walk_view(const struct tshm_view *v, const uint8_t *base, uint64_t size, char *why,
		   size_t why_len)
{
	struct walk w = {.base = base, .size = size, .why = why, .why_len = why_len};
	const struct tshm_seg_header *h = tshm_view_header(v);
	uint32_t na = tshm_view_nassets(v);
	const char *name = tshm_view_segment_name(v);
	int64_t sids[MAX_WALK_SIDS + 2];
	size_t nsids = 0;
	int rc;

	if (why && why_len)
		why[0] = '\0';
	if (!h || size < sizeof(*h) || memcmp(h, base, sizeof(*h)) != 0)
		return walk_fail(&w, "tshm_view_header differs from the segment's header");
	if (na != h->nassets)
		return walk_fail(&w, "tshm_view_nassets %u != header %u", na, h->nassets);
	if (name)
		sink ^= (unsigned char)strlen(name);
	sink ^= (unsigned char)tshm_view_serial(v);

	if (walk_tables(&w, v, na) < 0 || walk_assets(&w, v, na, sids, &nsids) < 0)
		return -1;
	for (unsigned t = 0; t <= TSHM_TABLE_COUNT; t++)
		if (walk_history(&w, v, t, sids, nsids) < 0)
			return -1;

	rc = tshm_view_verify(v);
	if (rc != 0 && rc != -TSHM_ECORRUPT && rc != -TSHM_EORDER)
		return walk_fail(&w, "tshm_view_verify -> %d (%s)", rc, tshm_strerror(rc));
	return 0;
}

void tshm_walk_fix_checksum(uint8_t *base, uint64_t size)
{
	const size_t ck = offsetof(struct tshm_seg_header, meta_checksum);
	uint64_t doff, h, zero = 0;

	if (size < sizeof(struct tshm_seg_header))
		return;
	memcpy(&doff, base + offsetof(struct tshm_seg_header, data_offset), 8);
	if (doff < ck + 8 || doff > size)
		return;
	memcpy(base + ck, &zero, 8);
	h = XXH3_64bits(base, (size_t)doff);
	memcpy(base + ck, &h, 8);
}
