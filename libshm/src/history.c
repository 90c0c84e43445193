/* SPDX-License-Identifier: MIT */
/*
 * History windows. Finding a row is: sid -> asset index (binary search),
 * the asset's row range, the day index entry for the timestamp's day, and a
 * binary search inside that one day. Index values come from shared memory
 * and are checked before use.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "tickshm/history.h"

struct locus {
	const struct tshm_table_desc *td;
	const int64_t *ts;
	const int64_t *fence1, *fence2;
	const uint64_t *days; /* this asset's ndays + 1 entries */
	uint64_t a0, a1;      /* the asset's rows */
};

static int locate(const struct tshm_view *v, unsigned table, int64_t sid, unsigned col,
		  struct locus *l)
{
	uint64_t first, count;
	int a, rc;

	if (table >= TSHM_TABLE_COUNT || !(v->dir[table].flags & TSHM_TABLE_F_PER_ASSET) ||
	    col >= v->dir[table].ncols)
		return -EINVAL;
	a = tshm_view_find_sid(v, sid);
	if (a < 0)
		return a;
	rc = tshm_view_asset_rows(v, table, (uint32_t)a, &first, &count);
	if (rc < 0)
		return rc;
	l->td = &v->dir[table];
	l->ts = (const int64_t *)(v->base + l->td->cols[l->td->ts_col].offset);
	l->fence1 = (const int64_t *)(v->base + l->td->fence1_offset);
	l->fence2 = (const int64_t *)(v->base + l->td->fence2_offset);
	l->days = (const uint64_t *)(v->base + l->td->days_offset) +
		  (uint64_t)a * ((uint64_t)l->td->ndays + 1);
	l->a0 = first;
	l->a1 = first + count;
	return 0;
}

/*
 * The first row in [*lo, *hi) with ts > @x lies in [*lo, *hi]; narrow that
 * range with the fence level f[j] = ts[j << shift]. Only fences of rows
 * inside the range are read, so the answer stays inside it whatever the
 * fence values say, and a search costs a page or two per level instead of
 * one per step over a column of millions of rows.
 */
static void narrow(const int64_t *f, unsigned shift, int64_t x, uint64_t *lo, uint64_t *hi)
{
	uint64_t j0 = tshm__fence_len(*lo, shift), j1 = tshm__fence_len(*hi, shift);
	uint64_t a = j0, b = j1;

	while (a < b) {
		uint64_t mid = a + (b - a) / 2;
		if (f[mid] <= x)
			a = mid + 1;
		else
			b = mid;
	}
	if (a < j1)
		*hi = a << shift;
	if (a > j0)
		*lo = ((a - 1) << shift) + 1;
}

/* First row of the asset with ts > @x, in [a0, a1]. */
static int first_after(const struct locus *l, int64_t x, uint64_t *out)
{
	int64_t d = (int64_t)tshm_day_of(x) - l->td->day0;
	uint64_t lo, hi;

	if (d < 0) {
		*out = l->a0;
		return 0;
	}
	if (d >= (int64_t)l->td->ndays) {
		*out = l->a1;
		return 0;
	}
	lo = l->days[d];
	hi = l->days[d + 1];
	if (lo < l->a0 || lo > hi || hi > l->a1)
		return -TSHM_ECORRUPT;
	narrow(l->fence2, TSHM_FENCE2_SHIFT, x, &lo, &hi);
	narrow(l->fence1, TSHM_FENCE1_SHIFT, x, &lo, &hi);
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (l->ts[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	*out = lo;
	return 0;
}

/* First row with ts >= @x. */
static int first_at(const struct locus *l, int64_t x, uint64_t *out)
{
	if (x == INT64_MIN) {
		*out = l->a0;
		return 0;
	}
	return first_after(l, x - 1, out);
}

static void window(const struct locus *l, unsigned col, uint64_t r0, uint64_t r1,
		   const uint8_t *base, struct tshm_window *out)
{
	const struct tshm_col_desc *cd = &l->td->cols[col];

	memset(out, 0, sizeof(*out));
	out->data = base + cd->offset + r0 * cd->width;
	out->count = r1 - r0;
	out->first_row = r0;
	out->width = cd->width;
	out->type = cd->type;
	out->kind = cd->kind;
}

int tshm_history(const struct tshm_view *v, unsigned table, int64_t sid, unsigned col,
		 int64_t end_ts, uint64_t count, struct tshm_window *out)
{
	struct locus l;
	uint64_t end;
	int rc = locate(v, table, sid, col, &l);

	if (rc == 0)
		rc = first_after(&l, end_ts, &end);
	if (rc < 0)
		return rc;
	if (count > end - l.a0)
		count = end - l.a0;
	window(&l, col, end - count, end, v->base, out);
	return 0;
}

int tshm_history_range(const struct tshm_view *v, unsigned table, int64_t sid, unsigned col,
		       int64_t t0, int64_t t1, struct tshm_window *out)
{
	struct locus l;
	uint64_t r0 = 0, r1 = 0;
	int rc = locate(v, table, sid, col, &l);

	if (rc == 0)
		rc = first_at(&l, t0, &r0);
	if (rc == 0)
		rc = first_at(&l, t1, &r1);
	if (rc < 0)
		return rc;
	if (r1 < r0)
		r1 = r0;
	window(&l, col, r0, r1, v->base, out);
	return 0;
}

static void copy_widen(int64_t *dst, const struct tshm_window *w)
{
	if (w->count == 0)
		return;
	if (w->type == TSHM_TYPE_I64) {
		memcpy(dst, w->data, w->count * sizeof(int64_t));
		return;
	}
	for (uint64_t i = 0; i < w->count; i++)
		dst[i] = ((const int32_t *)w->data)[i];
}

int tshm_history_copy(const struct tshm_view *v, unsigned table, const int64_t *sids, size_t nsids,
		      unsigned col, int64_t end_ts, uint64_t count, int64_t fill, int64_t *out,
		      uint64_t *got)
{
	if (table >= TSHM_TABLE_COUNT || !(v->dir[table].flags & TSHM_TABLE_F_PER_ASSET) ||
	    col >= v->dir[table].ncols || v->dir[table].cols[col].type == TSHM_TYPE_CHAR)
		return -EINVAL;
	for (size_t i = 0; i < nsids; i++) {
		struct tshm_window w = {0};
		int64_t *row = out + i * count;
		int rc = tshm_history(v, table, sids[i], col, end_ts, count, &w);

		if (rc < 0 && rc != -ENOENT)
			return rc;
		for (uint64_t k = 0; k < count - w.count; k++)
			row[k] = fill;
		copy_widen(row + (count - w.count), &w);
		if (got)
			got[i] = w.count;
	}
	return 0;
}
