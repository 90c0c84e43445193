/* SPDX-License-Identifier: MIT */
/*
 * Order and index checks shared by the writer's commit (which builds the
 * per-day index) and tshm_view_verify() (which recomputes and compares it).
 * Both walk every row once; attach never does.
 */
#include <string.h>

#include "internal.h"

struct check {
	const uint8_t *base;
	const struct tshm_seg_header *hdr;
	const struct tshm_table_desc *dir;
	uint64_t *days_out; /* build mode: where to write the day index */
	int64_t min_ts, max_ts;
};

static const void *col(const struct check *c, unsigned t, unsigned k)
{
	return c->base + c->dir[t].cols[k].offset;
}

static int check_sids(const struct check *c)
{
	const int64_t *sid = col(c, TSHM_TABLE_ASSETS, TSHM_ASSETS_SID);

	for (uint32_t a = 1; a < c->hdr->nassets; a++)
		if (sid[a] <= sid[a - 1])
			return -TSHM_EORDER;
	return 0;
}

static int check_symbols(const struct check *c)
{
	const struct tshm_table_desc *td = &c->dir[TSHM_TABLE_SYMBOLS];
	const char *sym = col(c, TSHM_TABLE_SYMBOLS, TSHM_SYMBOLS_SYMBOL);
	const int64_t *st = col(c, TSHM_TABLE_SYMBOLS, TSHM_SYMBOLS_START_TS);

	for (uint64_t r = 1; r < td->nrows; r++) {
		int cmp = memcmp(sym + (r - 1) * TSHM_SYMBOL_MAX, sym + r * TSHM_SYMBOL_MAX,
				 TSHM_SYMBOL_MAX);
		if (cmp > 0 || (cmp == 0 && st[r - 1] > st[r]))
			return -TSHM_EORDER;
	}
	return 0;
}

static int check_sessions(const struct check *c)
{
	const struct tshm_table_desc *td = &c->dir[TSHM_TABLE_SESSIONS];
	const int32_t *day = col(c, TSHM_TABLE_SESSIONS, TSHM_SESSIONS_DAY);

	for (uint64_t r = 1; r < td->nrows; r++)
		if (day[r] <= day[r - 1])
			return -TSHM_EORDER;
	return 0;
}

/* One asset: rows sorted, inside the day range; emit or compare its days. */
static int check_asset(struct check *c, const struct tshm_table_desc *td, uint32_t a, uint64_t r0,
		       uint64_t r1)
{
	const int64_t *ts = (const int64_t *)(c->base + td->cols[td->ts_col].offset);
	const uint64_t *stored = (const uint64_t *)(c->base + td->days_offset);
	uint64_t stride = (uint64_t)td->ndays + 1, r = r0;
	int64_t lo = (int64_t)td->day0 * TSHM_DAY_NS;
	int64_t hi = ((int64_t)td->day0 + td->ndays) * TSHM_DAY_NS;

	for (uint64_t i = r0; i < r1; i++) {
		if (ts[i] < lo || ts[i] >= hi || (i > r0 && ts[i] < ts[i - 1]))
			return -TSHM_EORDER;
	}
	if (r1 > r0) {
		c->min_ts = ts[r0] < c->min_ts ? ts[r0] : c->min_ts;
		c->max_ts = ts[r1 - 1] > c->max_ts ? ts[r1 - 1] : c->max_ts;
	}
	for (uint32_t k = 0; k <= td->ndays; k++) {
		int64_t start = lo + (int64_t)k * TSHM_DAY_NS;
		uint64_t want;

		while (r < r1 && ts[r] < start)
			r++;
		want = k == td->ndays ? r1 : r;
		if (c->days_out)
			c->days_out[a * stride + k] = want;
		else if (stored[a * stride + k] != want)
			return -TSHM_ECORRUPT;
	}
	return 0;
}

/* Fences sample the ts column at fixed strides: build or compare them. */
static int check_fence(struct check *c, const struct tshm_table_desc *td, uint64_t off,
		       unsigned shift)
{
	const int64_t *ts = (const int64_t *)(c->base + td->cols[td->ts_col].offset);
	int64_t *f = (int64_t *)(c->base + off);
	uint64_t n = tshm__fence_len(td->nrows, shift);

	for (uint64_t j = 0; j < n; j++) {
		if (c->days_out)
			f[j] = ts[j << shift];
		else if (f[j] != ts[j << shift])
			return -TSHM_ECORRUPT;
	}
	return 0;
}

static int check_per_asset(struct check *c, unsigned t)
{
	const struct tshm_table_desc *td = &c->dir[t];
	const uint64_t *rows = (const uint64_t *)(c->base + td->rows_offset);
	uint32_t n = c->hdr->nassets;
	int rc;

	if (rows[0] != 0 || rows[n] != td->nrows)
		return c->days_out ? -TSHM_EORDER : -TSHM_ECORRUPT;
	for (uint32_t a = 0; a < n; a++)
		if (rows[a + 1] < rows[a] || rows[a + 1] > td->nrows)
			return c->days_out ? -TSHM_EORDER : -TSHM_ECORRUPT;
	for (uint32_t a = 0; a < n; a++) {
		rc = check_asset(c, td, a, rows[a], rows[a + 1]);
		if (rc < 0)
			return rc;
	}
	rc = check_fence(c, td, td->fence1_offset, TSHM_FENCE1_SHIFT);
	return rc < 0 ? rc : check_fence(c, td, td->fence2_offset, TSHM_FENCE2_SHIFT);
}

static int run(struct check *c, unsigned t, int build)
{
	struct tshm_table_desc *td = (struct tshm_table_desc *)&c->dir[t];

	c->days_out = build ? (uint64_t *)(c->base + td->days_offset) : NULL;
	c->min_ts = INT64_MAX;
	c->max_ts = INT64_MIN;
	if (t == TSHM_TABLE_ASSETS)
		return check_sids(c);
	if (t == TSHM_TABLE_SYMBOLS)
		return check_symbols(c);
	if (t == TSHM_TABLE_SESSIONS)
		return check_sessions(c);
	return check_per_asset(c, t);
}

int tshm__check_tables(const uint8_t *base, const struct tshm_seg_header *hdr,
		       const struct tshm_table_desc *dir, int build, int *bad_table)
{
	struct check c = {.base = base, .hdr = hdr, .dir = dir};
	int64_t min_ts = INT64_MAX, max_ts = INT64_MIN;

	for (unsigned t = 0; t < TSHM_TABLE_COUNT; t++) {
		int rc = run(&c, t, build);

		if (rc < 0) {
			if (bad_table)
				*bad_table = (int)t;
			return rc;
		}
		if (build && (dir[t].flags & TSHM_TABLE_F_PER_ASSET)) {
			struct tshm_table_desc *td = (struct tshm_table_desc *)&dir[t];
			td->min_ts = c.min_ts <= c.max_ts ? c.min_ts : 0;
			td->max_ts = c.min_ts <= c.max_ts ? c.max_ts : 0;
			if (c.min_ts <= c.max_ts) {
				min_ts = c.min_ts < min_ts ? c.min_ts : min_ts;
				max_ts = c.max_ts > max_ts ? c.max_ts : max_ts;
			}
		}
	}
	if (build) {
		struct tshm_seg_header *h = (struct tshm_seg_header *)hdr;
		h->min_ts = min_ts <= max_ts ? min_ts : 0;
		h->max_ts = min_ts <= max_ts ? max_ts : 0;
	}
	return 0;
}
