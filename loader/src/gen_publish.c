/* SPDX-License-Identifier: MIT */
/*
 * Generated data straight into a published segment, no bundle on disk: a
 * counting pass sizes the layout, a second pass copies each asset-day's
 * columns to their place. Generation is cheap next to the copy and the
 * hash, and two passes keep memory at one asset-day whatever the size.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen_internal.h"

#define FIRST_PER_ASSET TSHM_TABLE_TRADES
#define END_PER_ASSET TSHM_TABLE_COUNT /* trades .. adjustments */

struct pub {
	const struct tshm_gen *g;
	struct tshm_gen_cursor *c;
	struct tshm_writer *w;
	uint64_t rows[TSHM_TABLE_COUNT]; /* per-asset tables: rows counted, then written */
};

static int count_rows(struct pub *p)
{
	struct tshm_gen_day d;
	int rc = 0;

	for (uint32_t a = 0; a < p->g->o.nassets && rc == 0; a++) {
		tshm_gen_cursor_start(p->c, a);
		while ((rc = tshm_gen_cursor_next(p->c, &d)) > 0)
			for (unsigned t = FIRST_PER_ASSET; t < END_PER_ASSET; t++)
				p->rows[t] += d.tables[t].nrows;
	}
	return rc;
}

static void make_spec(const struct pub *p, struct tshm_layout_spec *spec)
{
	const struct tshm_gen *g = p->g;
	uint32_t nd = g->o.ndays;

	memset(spec, 0, sizeof(*spec));
	spec->nassets = g->o.nassets;
	spec->tables[TSHM_TABLE_SYMBOLS].nrows = g->nsymbols;
	spec->tables[TSHM_TABLE_SESSIONS].nrows = nd;
	for (unsigned t = FIRST_PER_ASSET; t < END_PER_ASSET; t++) {
		spec->tables[t].nrows = p->rows[t];
		spec->tables[t].day0 = g->days[0];
		spec->tables[t].ndays = (uint32_t)(g->days[nd - 1] - g->days[0] + 1);
	}
}

static int fill_meta(struct pub *p)
{
	const struct tshm_gen *g = p->g;
	char *sym = tshm_writer_column(p->w, TSHM_TABLE_SYMBOLS, TSHM_SYMBOLS_SYMBOL);
	int64_t *st = tshm_writer_column(p->w, TSHM_TABLE_SYMBOLS, TSHM_SYMBOLS_START_TS);
	int64_t *en = tshm_writer_column(p->w, TSHM_TABLE_SYMBOLS, TSHM_SYMBOLS_END_TS);
	int64_t *sid = tshm_writer_column(p->w, TSHM_TABLE_SYMBOLS, TSHM_SYMBOLS_SID);
	int32_t *day = tshm_writer_column(p->w, TSHM_TABLE_SESSIONS, TSHM_SESSIONS_DAY);
	int64_t *open = tshm_writer_column(p->w, TSHM_TABLE_SESSIONS, TSHM_SESSIONS_OPEN_TS);
	int64_t *close = tshm_writer_column(p->w, TSHM_TABLE_SESSIONS, TSHM_SESSIONS_CLOSE_TS);
	int rc = 0;

	if (!sym || !st || !en || !sid || !day || !open || !close)
		return -EINVAL;
	for (uint32_t a = 0; a < g->o.nassets && rc == 0; a++)
		rc = tshm_writer_set_asset(p->w, a, &g->assets[a].a);
	for (uint32_t i = 0; i < g->nsymbols; i++) {
		/* CHAR columns are NUL-padded to their width: symbol[] is zeroed past the text. */
		memcpy(sym + (size_t)i * TSHM_SYMBOL_MAX, g->symbols[i].symbol, TSHM_SYMBOL_MAX);
		st[i] = g->symbols[i].start_ts;
		en[i] = g->symbols[i].end_ts;
		sid[i] = g->symbols[i].sid;
	}
	for (uint32_t d = 0; d < g->o.ndays; d++) {
		day[d] = g->days[d];
		tshm_gen_session(g, d, &open[d], &close[d]);
	}
	return rc;
}

/* Append @d's rows of every per-asset table at the tables' write positions. */
static int copy_day(struct pub *p, const struct tshm_gen_day *d)
{
	for (unsigned t = FIRST_PER_ASSET; t < END_PER_ASSET; t++) {
		const struct tshm__gen_cols *src = &p->c->t[t];

		for (unsigned col = 0; col < src->ncols && col < TSHM_GEN_MAX_COLS; col++) {
			char *dst = tshm_writer_column(p->w, t, col);

			if (!dst)
				return -EINVAL;
			if (d->tables[t].nrows)
				memcpy(dst + p->rows[t] * src->width[col], d->tables[t].cols[col],
				       d->tables[t].nrows * src->width[col]);
		}
		p->rows[t] += d->tables[t].nrows;
	}
	return 0;
}

static int fill_data(struct pub *p, struct tshm_gen_stats *st)
{
	uint64_t *idx[TSHM_TABLE_COUNT];
	struct tshm_gen_day d;
	int rc = 0;

	for (unsigned t = FIRST_PER_ASSET; t < END_PER_ASSET; t++) {
		idx[t] = tshm_writer_row_index(p->w, t);
		if (!idx[t])
			return -EINVAL;
		p->rows[t] = 0;
	}
	for (uint32_t a = 0; a < p->g->o.nassets && rc == 0; a++) {
		for (unsigned t = FIRST_PER_ASSET; t < END_PER_ASSET; t++)
			idx[t][a] = p->rows[t];
		tshm_gen_cursor_start(p->c, a);
		while (rc == 0 && (rc = tshm_gen_cursor_next(p->c, &d)) > 0) {
			tshm__gen_stats_add(st, &d);
			rc = copy_day(p, &d);
		}
	}
	for (unsigned t = FIRST_PER_ASSET; t < END_PER_ASSET; t++)
		idx[t][p->g->o.nassets] = p->rows[t];
	return rc;
}

static int write_segment(struct pub *p, struct tshm_catalog *cat, const char *bundle,
			 struct tshm_gen_stats *st)
{
	struct tshm_layout_spec spec;
	int bad = -1, rc;

	make_spec(p, &spec);
	rc = tshm_writer_create(&p->w, cat, bundle, &spec, NULL);
	if (rc < 0)
		return rc;
	rc = fill_meta(p);
	if (rc == 0)
		rc = fill_data(p, st);
	if (rc == 0)
		rc = tshm_writer_commit(p->w, &bad);
	if (rc == 0 && st) {
		st->generation = tshm_writer_generation(p->w);
		tshm_writer_hash(p->w, &st->hash_lo, &st->hash_hi);
	}
	if (rc == 0)
		rc = tshm_writer_publish(p->w);
	if (st)
		st->bad_table = bad;
	tshm_writer_destroy(p->w);
	return rc;
}

int tshm_gen_publish(const struct tshm_gen_opts *o, struct tshm_catalog *cat, const char *bundle,
		     struct tshm_gen_stats *st)
{
	struct pub p = {0};
	struct tshm_gen *g;
	int rc;

	tshm__gen_stats_begin(st, NULL);
	if (!cat || !bundle)
		return -EINVAL;
	rc = tshm_gen_new(&g, o);
	if (rc < 0)
		return rc;
	tshm__gen_stats_begin(st, g);
	p.g = g;
	rc = tshm_gen_cursor_new(&p.c, g);
	if (rc == 0)
		rc = count_rows(&p);
	if (rc == 0)
		rc = write_segment(&p, cat, bundle, st);
	tshm_gen_cursor_free(p.c);
	tshm_gen_free(g);
	tshm__gen_stats_end(st);
	return rc;
}
