/* SPDX-License-Identifier: MIT */
/*
 * The tables a bundle keeps in SQLite (assets, symbols, sessions,
 * adjustments), laid out cell by cell exactly as the segment holds them:
 * written into a segment by tshm_bundle_fill_meta(), and hashed the same way
 * to derive the content hash without a segment (libshm FORMAT.md 2.5).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "bundle_internal.h"

static void put_i64(uint8_t *out, int64_t v)
{
	memcpy(out, &v, 8);
}

static void put_i32(uint8_t *out, int32_t v)
{
	memcpy(out, &v, 4);
}

/* CHAR cells are NUL-padded to their width, never NUL-terminated. */
static void put_text(uint8_t *out, const char *s, size_t width)
{
	memset(out, 0, width);
	memcpy(out, s, strnlen(s, width));
}

static void asset_cell(const struct tshm_asset *a, uint32_t col, uint8_t *out)
{
	switch (col) {
	case TSHM_ASSETS_SID:
		put_i64(out, a->sid);
		break;
	case TSHM_ASSETS_SYMBOL:
		put_text(out, a->symbol, TSHM_SYMBOL_MAX);
		break;
	case TSHM_ASSETS_EXCHANGE:
		put_text(out, a->exchange, TSHM_EXCHANGE_MAX);
		break;
	case TSHM_ASSETS_CURRENCY:
		put_text(out, a->currency, TSHM_CURRENCY_MAX);
		break;
	case TSHM_ASSETS_CLASS:
		put_i32(out, a->asset_class);
		break;
	case TSHM_ASSETS_PRICE_EXP:
		put_i32(out, a->price_exp);
		break;
	case TSHM_ASSETS_SIZE_EXP:
		put_i32(out, a->size_exp);
		break;
	case TSHM_ASSETS_TICK_SIZE:
		put_i64(out, a->tick_size);
		break;
	case TSHM_ASSETS_LOT_SIZE:
		put_i64(out, a->lot_size);
		break;
	case TSHM_ASSETS_START_TS:
		put_i64(out, a->start_ts);
		break;
	default:
		put_i64(out, a->end_ts);
		break;
	}
}

static void other_cell(const struct tshm_bundle *b, uint32_t t, uint32_t col, size_t r,
		       uint8_t *out)
{
	if (t == TSHM_TABLE_SYMBOLS) {
		const struct tshm__sym_row *s = &b->syms[r];
		if (col == TSHM_SYMBOLS_SYMBOL)
			put_text(out, s->symbol, TSHM_SYMBOL_MAX);
		else
			put_i64(out, col == TSHM_SYMBOLS_START_TS ? s->start_ts
				     : col == TSHM_SYMBOLS_END_TS ? s->end_ts
								  : s->sid);
	} else if (t == TSHM_TABLE_SESSIONS) {
		const struct tshm__session_row *s = &b->sessions[r];
		if (col == TSHM_SESSIONS_DAY)
			put_i32(out, s->day);
		else
			put_i64(out, col == TSHM_SESSIONS_OPEN_TS ? s->open_ts : s->close_ts);
	} else {
		const struct tshm__adj_row *a = &b->adjs[r];
		if (col == TSHM_ADJ_KIND)
			put_i32(out, a->kind);
		else
			put_i64(out, col == TSHM_ADJ_TS		 ? a->ts
				     : col == TSHM_ADJ_RATIO_NUM ? a->ratio_num
				     : col == TSHM_ADJ_RATIO_DEN ? a->ratio_den
								 : a->amount);
	}
}

/* Cell (@row, @col) of SQLite-held table @t, in the segment's bytes. */
static void meta_cell(const struct tshm_bundle *b, uint32_t t, uint32_t col, size_t row,
		      uint8_t *out)
{
	if (t == TSHM_TABLE_ASSETS)
		asset_cell(&b->assets[row], col, out);
	else
		other_cell(b, t, col, row, out);
}

static size_t meta_rows(const struct tshm_bundle *b, uint32_t t)
{
	return t == TSHM_TABLE_ASSETS	  ? b->nassets
	       : t == TSHM_TABLE_SYMBOLS  ? b->nsyms
	       : t == TSHM_TABLE_SESSIONS ? b->nsessions
					  : b->nadjs;
}

/* XXH3-64 of rows [r0, r1) of column @col, as the segment lays them out. */
static uint64_t column_hash(const struct tshm_bundle *b, uint32_t t, uint32_t col, size_t r0,
			    size_t r1)
{
	size_t w = tshm_schema_table(t)->cols[col].width, used = 0;
	uint8_t buf[4096];
	XXH3_state_t st;

	XXH3_64bits_reset(&st);
	for (size_t r = r0; r < r1; r++) {
		if (used + w > sizeof(buf)) {
			XXH3_64bits_update(&st, buf, used);
			used = 0;
		}
		meta_cell(b, t, col, r, buf + used);
		used += w;
	}
	XXH3_64bits_update(&st, buf, used);
	return XXH3_64bits_digest(&st);
}

static void add_rec(struct tshm_chunk_rec *recs, size_t *n, uint32_t t, uint32_t col, int64_t sid,
		    int32_t day, uint64_t nrows, uint64_t hash)
{
	struct tshm_chunk_rec *r = &recs[(*n)++];

	memset(r, 0, sizeof(*r));
	r->table = t;
	r->col = col;
	r->sid = sid;
	r->day = day;
	r->nrows = nrows;
	r->hash = hash;
}

/* Adjustments: per-asset, so one record per (sid, day of ts, column). */
static void adj_recs(const struct tshm_bundle *b, struct tshm_chunk_rec *recs, size_t *n)
{
	const uint32_t t = TSHM_TABLE_ADJUSTMENTS;

	for (size_t r0 = 0, r1; r0 < b->nadjs; r0 = r1) {
		int32_t day = tshm_day_of(b->adjs[r0].ts);

		for (r1 = r0 + 1; r1 < b->nadjs; r1++)
			if (b->adjs[r1].sid != b->adjs[r0].sid ||
			    tshm_day_of(b->adjs[r1].ts) != day)
				break;
		for (uint32_t c = 0; c < tshm_schema_table(t)->ncols; c++)
			add_rec(recs, n, t, c, b->adjs[r0].sid, day, r1 - r0,
				column_hash(b, t, c, r0, r1));
	}
}

int tshm__derive_hash(const struct tshm_bundle *b, uint64_t *lo, uint64_t *hi)
{
	static const uint32_t meta_tables[] = {TSHM_TABLE_ASSETS, TSHM_TABLE_SYMBOLS,
					       TSHM_TABLE_SESSIONS};
	size_t cap = 32 + b->nchunks + TSHM_ADJ_NCOLS * b->nadjs, n = 0;
	struct tshm_chunk_rec *recs = malloc(cap * sizeof(*recs));
	int rc;

	if (!recs)
		return -ENOMEM;
	for (size_t i = 0; i < 3; i++) {
		uint32_t t = meta_tables[i];
		size_t rows = meta_rows(b, t);
		for (uint32_t c = 0; rows && c < tshm_schema_table(t)->ncols; c++)
			add_rec(recs, &n, t, c, -1, 0, rows, column_hash(b, t, c, 0, rows));
	}
	/* Chunks are in (table, sid, day, col) order and tables 3..6 precede 7. */
	for (size_t i = 0; i < b->nchunks; i++) {
		const struct tshm_chunk *c = &b->chunks[i];
		add_rec(recs, &n, c->table, c->col, c->sid, c->day, c->nrows, c->checksum);
	}
	adj_recs(b, recs, &n);
	rc = tshm_content_hash_records(recs, n, lo, hi);
	free(recs);
	return rc == -EINVAL ? -TSHM_ECORRUPT : rc;
}

/* Every column of SQLite-held table @t, written cell by cell. */
static int fill_table(const struct tshm_bundle *b, struct tshm_writer *w, uint32_t t)
{
	size_t rows = meta_rows(b, t);

	for (uint32_t c = 0; rows && c < tshm_schema_table(t)->ncols; c++) {
		uint8_t *col = tshm_writer_column(w, (enum tshm_table)t, c);
		uint16_t wd = tshm_schema_table(t)->cols[c].width;

		if (!col)
			return -EINVAL;
		for (size_t r = 0; r < rows; r++)
			meta_cell(b, t, c, r, col + r * wd);
	}
	return 0;
}

/* Row index of a per-asset table: rows per asset, then prefix sums. */
static int fill_row_index(const struct tshm_bundle *b, struct tshm_writer *w, uint32_t t)
{
	uint64_t *idx = tshm_writer_row_index(w, (enum tshm_table)t);
	uint64_t sum = 0;

	if (!idx)
		return -EINVAL;
	memset(idx, 0, (b->nassets + 1) * sizeof(*idx));
	if (t == TSHM_TABLE_ADJUSTMENTS) {
		for (size_t i = 0; i < b->nadjs; i++)
			idx[tshm__asset_index(b, b->adjs[i].sid) + 1]++;
	} else {
		for (size_t i = 0; i < b->nchunks; i++) {
			const struct tshm_chunk *c = &b->chunks[i];
			if (c->table == t && c->col == 0)
				idx[tshm__asset_index(b, c->sid) + 1] += c->nrows;
		}
	}
	for (size_t a = 0; a <= b->nassets; a++) {
		sum += idx[a];
		idx[a] = sum;
	}
	return 0;
}

int tshm_bundle_fill_meta(const struct tshm_bundle *b, struct tshm_writer *w)
{
	int rc = 0;

	if (!b || !w)
		return -EINVAL;
	for (size_t a = 0; a < b->nassets && rc == 0; a++)
		rc = tshm_writer_set_asset(w, (uint32_t)a, &b->assets[a]);
	if (rc == 0)
		rc = fill_table(b, w, TSHM_TABLE_SYMBOLS);
	if (rc == 0)
		rc = fill_table(b, w, TSHM_TABLE_SESSIONS);
	if (rc == 0)
		rc = fill_table(b, w, TSHM_TABLE_ADJUSTMENTS);
	for (uint32_t t = TSHM_TABLE_TRADES; t < TSHM_TABLE_COUNT && rc == 0; t++)
		rc = fill_row_index(b, w, t);
	return rc;
}
