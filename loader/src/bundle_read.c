/* SPDX-License-Identifier: MIT */
/*
 * Opening a bundle for reading: under the shared bundle lock, read the
 * metadata tables and the whole chunk index in one SQLite read transaction
 * (a consistent snapshot), validate it, and derive what the loader needs:
 * the segment layout, each chunk's first row, and the content hash.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "bundle_internal.h"

typedef int (*row_fn)(sqlite3_stmt *st, void *elem);

/* Step @sql, appending one @size-byte element per row to the array *@arr. */
static int load_rows(sqlite3 *db, const char *sql, void **arr, size_t *n, size_t size, row_fn fn)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	*arr = NULL;
	*n = 0;
	rc = tshm__db_err(sqlite3_prepare_v2(db, sql, -1, &st, NULL));
	while (rc == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			void *p = realloc(*arr, (cap = cap ? cap * 2 : 64) * size);
			if (!p) {
				rc = SQLITE_NOMEM;
				break;
			}
			*arr = p;
		}
		memset((char *)*arr + *n * size, 0, size);
		rc = fn(st, (char *)*arr + *n * size);
		if (rc < 0)
			break;
		(*n)++;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
	return rc < 0 ? rc : tshm__db_err(rc == SQLITE_ROW ? SQLITE_ERROR : rc);
}

/* Copy text column @i into @dst of @max chars + NUL; -TSHM_ECORRUPT if longer. */
static int text_col(sqlite3_stmt *st, int i, char *dst, size_t max)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	int n = sqlite3_column_bytes(st, i);

	if (!s || n < 0 || (size_t)n > max || strlen((const char *)s) != (size_t)n)
		return -TSHM_ECORRUPT;
	memcpy(dst, s, (size_t)n + 1);
	return 0;
}

static int asset_row(sqlite3_stmt *st, void *elem)
{
	struct tshm_asset *a = elem;
	int rc;

	a->sid = sqlite3_column_int64(st, 0);
	rc = text_col(st, 1, a->symbol, TSHM_SYMBOL_MAX);
	if (rc == 0)
		rc = text_col(st, 2, a->exchange, TSHM_EXCHANGE_MAX);
	if (rc == 0)
		rc = text_col(st, 3, a->currency, TSHM_CURRENCY_MAX);
	a->asset_class = sqlite3_column_int(st, 4);
	a->price_exp = sqlite3_column_int(st, 5);
	a->size_exp = sqlite3_column_int(st, 6);
	a->tick_size = sqlite3_column_int64(st, 7);
	a->lot_size = sqlite3_column_int64(st, 8);
	a->start_ts = sqlite3_column_int64(st, 9);
	a->end_ts = sqlite3_column_int64(st, 10);
	return rc;
}

static int sym_row(sqlite3_stmt *st, void *elem)
{
	struct tshm__sym_row *s = elem;

	s->start_ts = sqlite3_column_int64(st, 1);
	s->end_ts = sqlite3_column_int64(st, 2);
	s->sid = sqlite3_column_int64(st, 3);
	return text_col(st, 0, s->symbol, TSHM_SYMBOL_MAX);
}

static int session_row(sqlite3_stmt *st, void *elem)
{
	struct tshm__session_row *s = elem;
	int64_t day = sqlite3_column_int64(st, 0);

	s->day = (int32_t)day;
	s->open_ts = sqlite3_column_int64(st, 1);
	s->close_ts = sqlite3_column_int64(st, 2);
	return day >= TSHM_DAY_MIN && day < TSHM_DAY_MAX ? 0 : -TSHM_ECORRUPT;
}

static int adj_row(sqlite3_stmt *st, void *elem)
{
	struct tshm__adj_row *a = elem;
	int64_t kind = sqlite3_column_int64(st, 2);

	a->sid = sqlite3_column_int64(st, 0);
	a->ts = sqlite3_column_int64(st, 1);
	a->kind = (int32_t)kind;
	a->ratio_num = sqlite3_column_int64(st, 3);
	a->ratio_den = sqlite3_column_int64(st, 4);
	a->amount = sqlite3_column_int64(st, 5);
	if (kind < TSHM_ADJ_SPLIT || kind > TSHM_ADJ_STOCK_DIVIDEND || a->ratio_den <= 0)
		return -TSHM_ECORRUPT;
	return 0;
}

static int file_row(sqlite3_stmt *st, void *elem)
{
	struct tshm__file_row *f = elem;
	int64_t id = sqlite3_column_int64(st, 0), size = sqlite3_column_int64(st, 1);

	f->file_id = (uint32_t)id;
	f->size = (uint64_t)size;
	return id > 0 && id <= UINT32_MAX && size >= 0 ? 0 : -TSHM_ECORRUPT;
}

/* Out-of-range integers are caught by the index check: wrap them visibly. */
static int chunk_row(sqlite3_stmt *st, void *elem)
{
	struct tshm_chunk *c = elem;

	c->table = (uint32_t)sqlite3_column_int64(st, 0);
	c->sid = sqlite3_column_int64(st, 1);
	c->day = (int32_t)sqlite3_column_int64(st, 2);
	c->col = (uint32_t)sqlite3_column_int64(st, 3);
	c->codec = (uint32_t)sqlite3_column_int64(st, 4);
	c->file_id = (uint32_t)sqlite3_column_int64(st, 5);
	c->offset = (uint64_t)sqlite3_column_int64(st, 6);
	c->clen = (uint64_t)sqlite3_column_int64(st, 7);
	c->rlen = (uint64_t)sqlite3_column_int64(st, 8);
	c->nrows = (uint64_t)sqlite3_column_int64(st, 9);
	c->width = (uint32_t)sqlite3_column_int64(st, 10);
	c->min_ts = sqlite3_column_int64(st, 11);
	c->max_ts = sqlite3_column_int64(st, 12);
	c->checksum = (uint64_t)sqlite3_column_int64(st, 13);
	if (sqlite3_column_int64(st, 2) != c->day || sqlite3_column_int64(st, 10) > UINT32_MAX)
		c->width = 0; /* rejected by the check */
	return 0;
}

static int load_all(struct tshm_bundle *b, sqlite3 *db)
{
	int rc;

	rc = load_rows(db,
		       "SELECT sid, symbol, exchange, currency, class, price_exp, size_exp,"
		       " tick_size, lot_size, start_ts, end_ts FROM assets ORDER BY sid",
		       (void **)&b->assets, &b->nassets, sizeof(*b->assets), asset_row);
	if (rc == 0)
		rc = load_rows(db,
			       "SELECT symbol, start_ts, end_ts, sid FROM symbols"
			       " ORDER BY symbol, start_ts",
			       (void **)&b->syms, &b->nsyms, sizeof(*b->syms), sym_row);
	if (rc == 0)
		rc = load_rows(db, "SELECT day, open_ts, close_ts FROM sessions ORDER BY day",
			       (void **)&b->sessions, &b->nsessions, sizeof(*b->sessions),
			       session_row);
	if (rc == 0)
		rc = load_rows(db,
			       "SELECT sid, ts, kind, ratio_num, ratio_den, amount FROM adjustments"
			       " ORDER BY sid, ts, kind",
			       (void **)&b->adjs, &b->nadjs, sizeof(*b->adjs), adj_row);
	if (rc == 0)
		rc = load_rows(db, "SELECT file_id, size FROM files ORDER BY file_id",
			       (void **)&b->files, &b->nfiles, sizeof(*b->files), file_row);
	if (rc == 0)
		rc = load_rows(
		    db,
		    "SELECT \"table\", sid, day, col, codec, file_id, offset, clen, rlen,"
		    " nrows, width, min_ts, max_ts, checksum FROM chunks"
		    " ORDER BY \"table\", sid, day, col",
		    (void **)&b->chunks, &b->nchunks, sizeof(*b->chunks), chunk_row);
	return rc;
}

/* One read transaction: every table from the same committed state. */
static int read_db(struct tshm_bundle *b)
{
	sqlite3 *db;
	int rc = tshm__db_open(&db, b->dir, false, false);

	if (rc < 0)
		return rc;
	rc = tshm__db_exec(db, "BEGIN");
	if (rc == 0) {
		/* No schema: the transaction creating the bundle never committed. */
		rc = tshm__db_has_schema(db);
		rc = rc == 0 ? -ENOENT : rc < 0 ? rc : 0;
	}
	if (rc == 0)
		rc = tshm__db_check_version(db);
	if (rc == 0) {
		rc = tshm__db_meta_get(db, "name", b->info.name, sizeof(b->info.name));
		rc = rc == -ENOENT ? -TSHM_ECORRUPT : rc;
	}
	if (rc == 0)
		rc = load_all(b, db);
	tshm__db_exec(db, "COMMIT");
	sqlite3_close(db);
	return rc;
}

static int lock_shared(struct tshm_bundle *b)
{
	int rc = tshm__lock_open(b->dir, TSHM__LOCK_NAME, false);

	if (rc == -ENOENT) {
		if (access(b->dir, F_OK) < 0)
			return -errno;
		rc = tshm__lock_open(b->dir, TSHM__LOCK_NAME, true);
	}
	if (rc < 0)
		return rc;
	b->lockfd = rc;
	return tshm__flock_wait(b->lockfd, LOCK_SH);
}

static void fill_info(struct tshm_bundle *b)
{
	struct tshm_bundle_info *in = &b->info;
	int64_t lo = INT64_MAX, hi = INT64_MIN;

	in->format_version = TSHM_BUNDLE_FORMAT_VERSION;
	in->nassets = (uint32_t)b->nassets;
	in->nchunks = b->nchunks;
	in->rows[TSHM_TABLE_ASSETS] = b->nassets;
	in->rows[TSHM_TABLE_SYMBOLS] = b->nsyms;
	in->rows[TSHM_TABLE_SESSIONS] = b->nsessions;
	in->rows[TSHM_TABLE_ADJUSTMENTS] = b->nadjs;
	for (size_t i = 0; i < b->nchunks; i++) {
		const struct tshm_chunk *c = &b->chunks[i];
		in->raw_bytes += c->rlen;
		in->compressed_bytes += c->clen;
		if (c->col == 0 && c->table < TSHM_TABLE_COUNT)
			in->rows[c->table] += c->nrows;
		lo = c->min_ts < lo ? c->min_ts : lo;
		hi = c->max_ts > hi ? c->max_ts : hi;
	}
	for (size_t i = 0; i < b->nadjs; i++) {
		lo = b->adjs[i].ts < lo ? b->adjs[i].ts : lo;
		hi = b->adjs[i].ts > hi ? b->adjs[i].ts : hi;
	}
	in->min_ts = lo <= hi ? lo : 0;
	in->max_ts = lo <= hi ? hi : 0;
}

/* First row in its table of every chunk: groups in (table, sid, day) order. */
static int compute_rows(struct tshm_bundle *b)
{
	uint64_t row = 0;

	b->chunk_rows = calloc(b->nchunks ? b->nchunks : 1, sizeof(*b->chunk_rows));
	if (!b->chunk_rows)
		return -ENOMEM;
	for (size_t i = 0; i < b->nchunks; i++) {
		const struct tshm_chunk *c = &b->chunks[i], *p = i ? c - 1 : NULL;

		if (p && p->table != c->table)
			row = 0;
		else if (p && (p->sid != c->sid || p->day != c->day))
			row += p->nrows;
		b->chunk_rows[i] = row;
	}
	return 0;
}

int tshm__bundle_open(struct tshm_bundle **out, const char *dir, bool strict)
{
	struct tshm_bundle *b;
	int rc;

	*out = NULL;
	if (strlen(dir) >= sizeof(b->dir))
		return -ENAMETOOLONG;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	strcpy(b->dir, dir);
	b->lockfd = -1;
	rc = lock_shared(b);
	if (rc == 0)
		rc = read_db(b);
	if (rc == 0)
		rc = tshm__check_index(b, b->index_error, sizeof(b->index_error));
	if (rc == -TSHM_ECORRUPT && !strict)
		rc = 0;
	if (rc == 0)
		rc = compute_rows(b);
	if (rc == 0) {
		fill_info(b);
		if (!b->index_error[0])
			rc = tshm__derive_hash(b, &b->info.hash_lo, &b->info.hash_hi);
	}
	if (rc < 0) {
		tshm_bundle_close(b);
		return rc;
	}
	*out = b;
	return 0;
}

int tshm_bundle_open(struct tshm_bundle **out, const char *dir, unsigned flags)
{
	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!dir || flags)
		return -EINVAL;
	return tshm__bundle_open(out, dir, true);
}

void tshm_bundle_close(struct tshm_bundle *b)
{
	if (!b)
		return;
	if (b->lockfd >= 0)
		close(b->lockfd);
	free(b->assets);
	free(b->syms);
	free(b->sessions);
	free(b->adjs);
	free(b->files);
	free(b->chunks);
	free(b->chunk_rows);
	free(b);
}

void tshm_bundle_info(const struct tshm_bundle *b, struct tshm_bundle_info *out)
{
	*out = b->info;
}

const char *tshm_bundle_dir(const struct tshm_bundle *b)
{
	return b->dir;
}

const struct tshm_chunk *tshm_bundle_chunks(const struct tshm_bundle *b, size_t *n)
{
	*n = b->nchunks;
	return b->chunks;
}

uint64_t tshm_bundle_chunk_row(const struct tshm_bundle *b, size_t i)
{
	return i < b->nchunks ? b->chunk_rows[i] : 0;
}

int tshm_bundle_file_path(const struct tshm_bundle *b, uint32_t file_id, char *buf, size_t len)
{
	if (tshm__file_index(b, file_id) == SIZE_MAX)
		return -ENOENT;
	return tshm__data_path(buf, len, b->dir, file_id);
}

long tshm__asset_index(const struct tshm_bundle *b, int64_t sid)
{
	size_t lo = 0, hi = b->nassets;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->assets[mid].sid < sid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->nassets && b->assets[lo].sid == sid ? (long)lo : -1;
}
