/* SPDX-License-Identifier: MIT */
/*
 * tshm_gen_write_bundle: the generated data into an on-disk bundle through
 * the bundle transaction API, one asset-day of chunks at a time.
 */
#include <errno.h>

#include "gen_internal.h"
#include "tickshm/bundle.h"

int tshm_gen_put_reference(struct tshm_bundle_txn *t, const struct tshm_gen *g)
{
	int rc = 0;

	for (uint32_t a = 0; a < g->o.nassets && rc == 0; a++)
		rc = tshm_bundle_put_asset(t, &g->assets[a].a);
	for (uint32_t i = 0; i < g->nsymbols && rc == 0; i++) {
		const struct tshm_gen_symbol *s = &g->symbols[i];

		rc = tshm_bundle_put_symbol(t, s->symbol, s->start_ts, s->end_ts, s->sid);
	}
	for (uint32_t d = 0; d < g->o.ndays && rc == 0; d++) {
		int64_t open, close;

		tshm_gen_session(g, d, &open, &close);
		rc = tshm_bundle_put_session(t, g->days[d], open, close);
	}
	return rc;
}

static int put_adjustments(struct tshm_bundle_txn *t, const struct tshm_gen_day *d)
{
	const struct tshm_gen_table *a = &d->tables[TSHM_TABLE_ADJUSTMENTS];
	const int64_t *ts = a->cols[TSHM_ADJ_TS], *num = a->cols[TSHM_ADJ_RATIO_NUM];
	const int64_t *den = a->cols[TSHM_ADJ_RATIO_DEN], *amt = a->cols[TSHM_ADJ_AMOUNT];
	const int32_t *kind = a->cols[TSHM_ADJ_KIND];
	int rc = 0;

	for (uint64_t i = 0; i < a->nrows && rc == 0; i++)
		rc = tshm_bundle_put_adjustment(t, d->sid, ts[i], kind[i], num[i], den[i], amt[i]);
	return rc;
}

/* Every day of every asset; a day without rows of a table clears what the bundle had. */
static int put_data(struct tshm_bundle_txn *t, const struct tshm_gen *g, struct tshm_gen_stats *st)
{
	static const enum tshm_table tables[] = {TSHM_TABLE_TRADES, TSHM_TABLE_QUOTES,
						 TSHM_TABLE_BARS_1M, TSHM_TABLE_BARS_1D};
	struct tshm_gen_cursor *c;
	struct tshm_gen_day d;
	int rc = tshm_gen_cursor_new(&c, g);

	for (uint32_t a = 0; a < g->o.nassets && rc == 0; a++) {
		tshm_gen_cursor_start(c, a);
		while (rc == 0 && (rc = tshm_gen_cursor_next(c, &d)) > 0) {
			tshm__gen_stats_add(st, &d);
			rc = put_adjustments(t, &d);
			for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]) && rc == 0; i++)
				rc = tshm_bundle_put_day(t, tables[i], d.sid, d.day,
							 d.tables[tables[i]].nrows,
							 d.tables[tables[i]].cols);
		}
	}
	tshm_gen_cursor_free(c);
	return rc;
}

/* The content hash the committed bundle derives from its chunk index. */
static int read_hash(const char *dir, struct tshm_gen_stats *st)
{
	struct tshm_bundle *b;
	struct tshm_bundle_info info;
	int rc = tshm_bundle_open(&b, dir, 0);

	if (rc < 0)
		return rc;
	tshm_bundle_info(b, &info);
	st->hash_lo = info.hash_lo;
	st->hash_hi = info.hash_hi;
	tshm_bundle_close(b);
	return 0;
}

int tshm_gen_write_bundle(const struct tshm_gen_opts *o, const char *bundle_dir, const char *name,
			  struct tshm_gen_stats *st)
{
	struct tshm_bundle_txn *t = NULL;
	struct tshm_gen *g;
	int rc;

	tshm__gen_stats_begin(st, NULL);
	if (!bundle_dir)
		return -EINVAL;
	rc = tshm_gen_new(&g, o);
	if (rc < 0)
		return rc;
	tshm__gen_stats_begin(st, g);
	/* begin creates the directories, and only then fsyncs their parents */
	rc = tshm_bundle_begin(&t, bundle_dir, name, TSHM_BUNDLE_CREATE);
	if (rc == 0)
		rc = tshm_gen_put_reference(t, g);
	if (rc == 0)
		rc = put_data(t, g, st);
	if (rc == 0)
		rc = tshm_bundle_commit(t);
	else
		tshm_bundle_abort(t);
	if (rc == 0 && st)
		rc = read_hash(bundle_dir, st);
	tshm_gen_free(g);
	tshm__gen_stats_end(st);
	return rc;
}
