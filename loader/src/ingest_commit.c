/* SPDX-License-Identifier: MIT */
/*
 * Everything collected goes into the bundle transaction: per asset its row
 * (new assets get the next free sid and a symbol mapping for all time),
 * then each series sorted (if it arrived out of order), de-duplicated (if
 * asked) and cut at UTC midnights into tshm_bundle_put_day() calls, then
 * its adjustments; finally a session [00:00, 24:00) UTC per day with data.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "ingest_internal.h"

/* Days with data, for the sessions. */
struct days {
	int32_t *v;
	size_t n, cap;
};

static int days_add(struct days *d, int32_t day)
{
	if (d->n && d->v[d->n - 1] == day)
		return 0;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		int32_t *p = realloc(d->v, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		d->v = p;
		d->cap = cap;
	}
	d->v[d->n++] = day;
	return 0;
}

static int cmp_day(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

static int put_asset(struct tshm__ingest *g, struct tshm__iasset *a)
{
	struct tshm_asset *as = &a->a;
	int rc;

	if (!a->exists) {
		as->sid = g->next_sid++;
		as->price_exp = -a->pd;
		as->size_exp = -a->sd;
		as->start_ts = a->min_ts;
		as->end_ts = a->max_ts;
	} else if (as->start_ts == 0 && as->end_ts == 0) {
		as->start_ts = a->min_ts;
		as->end_ts = a->max_ts;
	} else {
		as->start_ts = a->min_ts < as->start_ts ? a->min_ts : as->start_ts;
		as->end_ts = a->max_ts > as->end_ts ? a->max_ts : as->end_ts;
	}
	if (a->exists)
		g->res->assets_updated++;
	else
		g->res->assets_new++;
	if (!g->txn) /* dry run */
		return 0;
	if ((rc = tshm_bundle_put_asset(g->txn, as)) < 0)
		return tshm__ingest_fail(g, rc, a->symbol, tshm_strerror(rc));
	if (!a->exists &&
	    (rc = tshm_bundle_put_symbol(g->txn, a->symbol, INT64_MIN, INT64_MAX, as->sid)) < 0)
		return tshm__ingest_fail(g, rc, a->symbol, tshm_strerror(rc));
	return 0;
}

/* Rows [i, j) of @s to the caller's on_row. */
static void report_rows(struct tshm__ingest *g, const struct tshm__iasset *a,
			const struct tshm__series *s, uint64_t i, uint64_t j)
{
	struct tshm_ingest_row row = {.table = s->table, .ncols = s->ncols, .asset = &a->a};

	for (; i < j; i++) {
		for (unsigned c = 0; c < s->ncols; c++)
			row.col[c] = s->width[c] == 8 ? ((const int64_t *)s->col[c])[i]
						      : ((const int32_t *)s->col[c])[i];
		g->o->on_row(&row, g->o->on_row_arg);
	}
}

/* Rows [i, j) of @s are day @day of asset @a. */
static int put_day(struct tshm__ingest *g, struct tshm__iasset *a, struct tshm__series *s,
		   uint64_t i, uint64_t j, int32_t day)
{
	const void *cols[TSHM__MAX_VALS + 2];
	int rc;

	if (g->o->on_row)
		report_rows(g, a, s, i, j);
	g->res->days_written++;
	if (!g->txn)
		return 0;
	for (unsigned c = 0; c < s->ncols; c++)
		cols[c] = (const char *)s->col[c] + i * s->width[c];
	rc = tshm_bundle_put_day(g->txn, s->table, a->a.sid, day, j - i, cols);
	if (rc < 0) {
		char what[96];
		snprintf(what, sizeof(what), "%s day %d", a->symbol, (int)day);
		return tshm__ingest_fail(g, rc, what, tshm_strerror(rc));
	}
	return 0;
}

static int put_series(struct tshm__ingest *g, struct tshm__iasset *a, struct tshm__series *s,
		      struct days *days)
{
	const int64_t *ts;
	int64_t rc = tshm__series_sort(s);
	uint64_t i = 0;

	if (rc > 0)
		g->res->series_sorted++;
	if (rc >= 0 && g->o->duplicates == TSHM_INGEST_DUPS_DROP &&
	    (rc = tshm__series_dedup(s)) > 0)
		g->res->duplicates_dropped += (uint64_t)rc;
	if (rc < 0)
		return tshm__ingest_fail(g, (int)rc, "ingest", "out of memory");
	ts = s->col[0];
	while (i < s->n) {
		int32_t day = tshm_day_of(ts[i]);
		int64_t end = ((int64_t)day + 1) * TSHM_DAY_NS;
		uint64_t j = i + 1;

		while (j < s->n && ts[j] < end)
			j++;
		if ((rc = put_day(g, a, s, i, j, day)) < 0 || (rc = days_add(days, day)) < 0)
			return rc == -ENOMEM
				   ? tshm__ingest_fail(g, -ENOMEM, "ingest", "out of memory")
				   : (int)rc;
		i = j;
	}
	g->res->rows[s->table] += s->n;
	g->res->rows_ingested += s->n;
	return 0;
}

/* By (ts, kind), as the bundle keys them; equal keys by input order. */
static int cmp_adj(const void *pa, const void *pb)
{
	const struct tshm__adj *a = pa, *b = pb;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

static int put_adjustments(struct tshm__ingest *g, struct tshm__iasset *a)
{
	if (a->nadj > 1)
		qsort(a->adj, a->nadj, sizeof(*a->adj), cmp_adj);
	for (size_t i = 0; i < a->nadj; i++) {
		const struct tshm__adj *x = &a->adj[i];
		int64_t amount = 0;
		int rc;

		if (i + 1 < a->nadj && x[1].ts == x->ts && x[1].kind == x->kind)
			continue; /* the same (ts, kind) again later: the last one replaces it */
		if (tshm__dec_scale(&x->amount, a->pd, &amount) < 0)
			return tshm__ingest_fail(g, -EBADMSG, a->symbol,
						 "dividend out of range at the price exponent");
		if (g->o->on_row) {
			struct tshm_ingest_row row = {TSHM_TABLE_ADJUSTMENTS,
						      TSHM_ADJ_NCOLS,
						      &a->a,
						      {x->ts, x->kind, x->num, x->den, amount}};
			g->o->on_row(&row, g->o->on_row_arg);
		}
		g->res->adjustments++;
		if (!g->txn)
			continue;
		rc = tshm_bundle_put_adjustment(g->txn, a->a.sid, x->ts, x->kind, x->num, x->den,
						amount);
		if (rc < 0)
			return tshm__ingest_fail(g, rc, a->symbol, tshm_strerror(rc));
	}
	return 0;
}

static int put_sessions(struct tshm__ingest *g, struct days *d)
{
	if (d->n > 1)
		qsort(d->v, d->n, sizeof(*d->v), cmp_day);
	for (size_t i = 0; i < d->n; i++) {
		int64_t open = (int64_t)d->v[i] * TSHM_DAY_NS;
		int rc;

		if (i && d->v[i] == d->v[i - 1])
			continue;
		g->res->sessions++;
		if (!g->txn)
			continue;
		rc = tshm_bundle_put_session(g->txn, d->v[i], open, open + TSHM_DAY_NS);
		if (rc < 0)
			return tshm__ingest_fail(g, rc, "sessions", tshm_strerror(rc));
	}
	return 0;
}

static void note_range(struct tshm__ingest *g, const struct tshm__iasset *a)
{
	struct tshm_ingest_result *res = g->res;

	if (res->rows_ingested == 0 || a->min_ts < res->min_ts)
		res->min_ts = a->min_ts;
	if (res->rows_ingested == 0 || a->max_ts > res->max_ts)
		res->max_ts = a->max_ts;
}

int tshm__ingest_write(struct tshm__ingest *g)
{
	struct days days = {0};
	int rc = 0;

	for (size_t i = 0; i < g->nassets && rc == 0; i++) {
		struct tshm__iasset *a = g->assets[i];

		if (a->nrows == 0)
			continue; /* every row of it was rejected */
		note_range(g, a);
		rc = put_asset(g, a);
		for (unsigned t = 0; t < TSHM_TABLE_COUNT && rc == 0; t++)
			if (a->ser[t])
				rc = put_series(g, a, a->ser[t], &days);
		if (rc == 0)
			rc = put_adjustments(g, a);
	}
	if (rc == 0 && !(g->o->flags & TSHM_INGEST_NO_SESSIONS))
		rc = put_sessions(g, &days);
	free(days.v);
	return rc;
}
