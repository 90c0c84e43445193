/* SPDX-License-Identifier: MIT */
/*
 * What a write transaction puts: metadata rows into SQLite, and a day of a
 * per-asset table as one encoded frame per column appended to the
 * transaction's data file, indexed in `chunks` (BUNDLE.md 4).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bundle_internal.h"

static int txn_ok(const struct tshm_bundle_txn *t)
{
	if (!t)
		return -EINVAL;
	return t->error;
}

/* A failure after the data file or the index changed spoils the transaction. */
static int spoil(struct tshm_bundle_txn *t, int rc)
{
	if (rc < 0 && t->error == 0)
		t->error = rc;
	return rc;
}

static void copy_text(char *dst, size_t cap, const unsigned char *src)
{
	snprintf(dst, cap, "%s", src ? (const char *)src : "");
}

static void read_asset(sqlite3_stmt *st, struct tshm_asset *a)
{
	memset(a, 0, sizeof(*a));
	a->sid = sqlite3_column_int64(st, 0);
	copy_text(a->symbol, sizeof(a->symbol), sqlite3_column_text(st, 1));
	copy_text(a->exchange, sizeof(a->exchange), sqlite3_column_text(st, 2));
	copy_text(a->currency, sizeof(a->currency), sqlite3_column_text(st, 3));
	a->asset_class = sqlite3_column_int(st, 4);
	a->price_exp = sqlite3_column_int(st, 5);
	a->size_exp = sqlite3_column_int(st, 6);
	a->tick_size = sqlite3_column_int64(st, 7);
	a->lot_size = sqlite3_column_int64(st, 8);
	a->start_ts = sqlite3_column_int64(st, 9);
	a->end_ts = sqlite3_column_int64(st, 10);
}

int tshm_bundle_get_asset(struct tshm_bundle_txn *t, int64_t sid, const char *symbol,
			  struct tshm_asset *out)
{
	sqlite3_stmt *st;
	int rc = txn_ok(t);

	if (rc < 0 || !out)
		return rc < 0 ? rc : -EINVAL;
	st = t->st[symbol ? TSHM__ST_ASSET_BY_SYM : TSHM__ST_ASSET_GET];
	if (symbol)
		sqlite3_bind_text(st, 1, symbol, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, 1, sid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_asset(st, out);
	rc = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : tshm__db_err(rc);
	sqlite3_reset(st);
	return rc;
}

static bool text_fits(const char *s, size_t max)
{
	return strnlen(s, max + 1) <= max;
}

int tshm_bundle_put_asset(struct tshm_bundle_txn *t, const struct tshm_asset *a)
{
	sqlite3_stmt *st;
	struct tshm_asset old;
	int rc = txn_ok(t);

	if (rc < 0 || !a)
		return rc < 0 ? rc : -EINVAL;
	if (!text_fits(a->symbol, TSHM_SYMBOL_MAX) || !text_fits(a->exchange, TSHM_EXCHANGE_MAX) ||
	    !text_fits(a->currency, TSHM_CURRENCY_MAX))
		return -EINVAL;
	rc = tshm_bundle_get_asset(t, a->sid, NULL, &old);
	if (rc == 0 && (old.price_exp != a->price_exp || old.size_exp != a->size_exp))
		return -EINVAL;
	if (rc < 0 && rc != -ENOENT)
		return rc;
	st = t->st[TSHM__ST_ASSET_PUT];
	sqlite3_bind_int64(st, 1, a->sid);
	sqlite3_bind_text(st, 2, a->symbol, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, a->exchange, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, a->currency, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 5, a->asset_class);
	sqlite3_bind_int(st, 6, a->price_exp);
	sqlite3_bind_int(st, 7, a->size_exp);
	sqlite3_bind_int64(st, 8, a->tick_size);
	sqlite3_bind_int64(st, 9, a->lot_size);
	sqlite3_bind_int64(st, 10, a->start_ts);
	sqlite3_bind_int64(st, 11, a->end_ts);
	return spoil(t, tshm__db_step_done(st));
}

int tshm_bundle_put_symbol(struct tshm_bundle_txn *t, const char *symbol, int64_t start_ts,
			   int64_t end_ts, int64_t sid)
{
	sqlite3_stmt *st;
	int rc = txn_ok(t);

	if (rc < 0)
		return rc;
	if (!symbol || !symbol[0] || !text_fits(symbol, TSHM_SYMBOL_MAX) || end_ts < start_ts)
		return -EINVAL;
	st = t->st[TSHM__ST_SYM_PUT];
	sqlite3_bind_text(st, 1, symbol, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, start_ts);
	sqlite3_bind_int64(st, 3, end_ts);
	sqlite3_bind_int64(st, 4, sid);
	return spoil(t, tshm__db_step_done(st));
}

int tshm_bundle_put_session(struct tshm_bundle_txn *t, int32_t day, int64_t open_ts,
			    int64_t close_ts)
{
	sqlite3_stmt *st;
	int rc = txn_ok(t);

	if (rc < 0)
		return rc;
	if (day < TSHM_DAY_MIN || day >= TSHM_DAY_MAX || close_ts < open_ts)
		return -EINVAL;
	st = t->st[TSHM__ST_SESS_PUT];
	sqlite3_bind_int(st, 1, day);
	sqlite3_bind_int64(st, 2, open_ts);
	sqlite3_bind_int64(st, 3, close_ts);
	return spoil(t, tshm__db_step_done(st));
}

static int asset_exists(struct tshm_bundle_txn *t, int64_t sid)
{
	struct tshm_asset a;
	int rc = tshm_bundle_get_asset(t, sid, NULL, &a);

	return rc == -ENOENT ? -EINVAL : rc;
}

/* ts inside the supported day range (the day index of a segment). */
static bool ts_in_range(int64_t ts)
{
	int32_t d = tshm_day_of(ts);

	return d >= TSHM_DAY_MIN && d < TSHM_DAY_MAX;
}

int tshm_bundle_put_adjustment(struct tshm_bundle_txn *t, int64_t sid, int64_t ts, int32_t kind,
			       int64_t ratio_num, int64_t ratio_den, int64_t amount)
{
	sqlite3_stmt *st;
	int rc = txn_ok(t);

	if (rc < 0)
		return rc;
	if (kind < TSHM_ADJ_SPLIT || kind > TSHM_ADJ_STOCK_DIVIDEND || ratio_den <= 0 ||
	    !ts_in_range(ts))
		return -EINVAL;
	rc = asset_exists(t, sid);
	if (rc < 0)
		return rc;
	st = t->st[TSHM__ST_ADJ_PUT];
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, ts);
	sqlite3_bind_int(st, 3, kind);
	sqlite3_bind_int64(st, 4, ratio_num);
	sqlite3_bind_int64(st, 5, ratio_den);
	sqlite3_bind_int64(st, 6, amount);
	return spoil(t, tshm__db_step_done(st));
}

/* Rows sorted by ts, all inside @day. */
static int check_day(int32_t day, const int64_t *ts, uint64_t n)
{
	int64_t lo = (int64_t)day * TSHM_DAY_NS, hi = lo + TSHM_DAY_NS;

	if (ts[0] < lo || ts[n - 1] >= hi)
		return -EINVAL;
	for (uint64_t i = 1; i < n; i++)
		if (ts[i] < ts[i - 1])
			return -EINVAL;
	return 0;
}

/* Encode one column into the write buffer and index it. */
static int put_column(struct tshm_bundle_txn *t, const struct tshm_chunk *key, const void *src)
{
	sqlite3_stmt *st = t->st[TSHM__ST_CHUNK_PUT];
	uint32_t codec = tshm__codec_for(key->table, key->col);
	size_t rlen = (size_t)key->rlen, bound = tshm__encode_bound(rlen), clen;
	uint64_t sum, off = t->file_off;
	int rc;

	rc = tshm__txn_reserve(t, bound);
	if (rc == 0)
		rc = tshm__chunk_encode(t->enc, codec, key->width, src, rlen, t->buf + t->blen,
					bound, &clen, &sum);
	if (rc < 0)
		return rc;
	t->blen += clen;
	t->file_off += clen;
	sqlite3_bind_int(st, 1, (int)key->table);
	sqlite3_bind_int64(st, 2, key->sid);
	sqlite3_bind_int(st, 3, key->day);
	sqlite3_bind_int(st, 4, (int)key->col);
	sqlite3_bind_int(st, 5, (int)codec);
	sqlite3_bind_int64(st, 6, t->file_id);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)off);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)clen);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)rlen);
	sqlite3_bind_int64(st, 10, (sqlite3_int64)key->nrows);
	sqlite3_bind_int(st, 11, (int)key->width);
	sqlite3_bind_int64(st, 12, key->min_ts);
	sqlite3_bind_int64(st, 13, key->max_ts);
	sqlite3_bind_int64(st, 14, (sqlite3_int64)sum);
	return tshm__db_step_done(st);
}

static int delete_day(struct tshm_bundle_txn *t, enum tshm_table table, int64_t sid, int32_t day)
{
	sqlite3_stmt *st = t->st[TSHM__ST_CHUNK_DEL];

	sqlite3_bind_int(st, 1, (int)table);
	sqlite3_bind_int64(st, 2, sid);
	sqlite3_bind_int(st, 3, day);
	return tshm__db_step_done(st);
}

static int check_put_day(struct tshm_bundle_txn *t, enum tshm_table table, int64_t sid, int32_t day,
			 uint64_t nrows, const void *const *cols)
{
	const struct tshm_schema_table *s;
	int rc = txn_ok(t);

	if (rc < 0)
		return rc;
	if (!tshm__chunked_table((uint32_t)table) || day < TSHM_DAY_MIN || day >= TSHM_DAY_MAX)
		return -EINVAL;
	s = tshm_schema_table(table);
	if (nrows) {
		if (!cols || nrows > SIZE_MAX / 8)
			return -EINVAL;
		for (uint32_t c = 0; c < s->ncols; c++)
			if (!cols[c])
				return -EINVAL;
		rc = check_day(day, cols[0], nrows);
		if (rc < 0)
			return rc;
	}
	return asset_exists(t, sid);
}

int tshm_bundle_put_day(struct tshm_bundle_txn *t, enum tshm_table table, int64_t sid, int32_t day,
			uint64_t nrows, const void *const *cols)
{
	struct tshm_chunk key = {.table = (uint32_t)table, .sid = sid, .day = day, .nrows = nrows};
	int rc = check_put_day(t, table, sid, day, nrows, cols);

	if (rc < 0)
		return rc;
	rc = delete_day(t, table, sid, day);
	if (nrows) {
		key.min_ts = ((const int64_t *)cols[0])[0];
		key.max_ts = ((const int64_t *)cols[0])[nrows - 1];
	}
	for (uint32_t c = 0; rc == 0 && nrows && c < tshm_schema_table(table)->ncols; c++) {
		key.col = c;
		key.width = tshm_schema_table(table)->cols[c].width;
		key.rlen = nrows * key.width;
		rc = put_column(t, &key, cols[c]);
	}
	return spoil(t, rc);
}
