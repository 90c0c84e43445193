/* SPDX-License-Identifier: MIT */
/* Private to the bundle store (BUNDLE.md): shared between its .c files. */
#ifndef TSHM_BUNDLE_INTERNAL_H
#define TSHM_BUNDLE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "tickshm/bundle.h"
#include "tickshm/format.h"
#include "tickshm/layout.h"
#include "tickshm/segment.h"

/* ---- schema (libshm's tshm_schema_table; the codec per column is ours) -- */

/* Tables whose rows live in data files as chunks (adjustments live in SQLite). */
static inline bool tshm__chunked_table(uint32_t t)
{
	return t >= TSHM_TABLE_TRADES && t <= TSHM_TABLE_BARS_1D;
}

/* Elements per shuffle block of codecs 3 and 4 (BUNDLE.md 4.2). */
#define TSHM__SHUF_BLOCK 4096u

/* The codec BUNDLE.md prescribes for a column: delta for int64 TS and PRICE. */
uint32_t tshm__codec_for(uint32_t table, uint32_t col);

/* ---- files and names ------------------------------------------------- */

#define TSHM__DB_NAME TSHM_BUNDLE_DB_NAME
#define TSHM__LOCK_NAME "bundle.lock"
#define TSHM__WLOCK_NAME "write.lock"
#define TSHM__DATA_DIR "data"
#define TSHM__DATA_EXT ".tzd"
#define TSHM__LOCK_TIMEOUT_MS 10000

/* Data file header, at offset 0 of every data file. 64 bytes. */
#define TSHM__TZD_MAGIC UINT64_C(0x31445a544d485354) /* "TSHMTZD1" */
#define TSHM__TZD_VERSION 1u
struct tshm__tzd_header {
	uint64_t magic;
	uint32_t version;
	uint32_t file_id;
	int64_t created_ns;
	uint8_t reserved[40];
};
_Static_assert(sizeof(struct tshm__tzd_header) == 64, "tzd header is 64 bytes");

/* "<dir>/data/NNNNNNNN.tzd". Returns 0 or -ENAMETOOLONG. */
int tshm__data_path(char *buf, size_t len, const char *dir, uint32_t file_id);

/* Parse "NNNNNNNN.tzd" into *@id. Returns 0 or -EINVAL. */
int tshm__data_name_parse(const char *name, uint32_t *id);

/*
 * flock(@op) on @fd, retrying LOCK_NB until the deadline
 * (TSHM__LOCK_TIMEOUT_MS, or $TICKSHM_TEST_LOCK_TIMEOUT_MS). 0 or -TSHM_EBUSY.
 */
int tshm__flock_wait(int fd, int op);

/* Open (creating it if @create) lock file @name of @dir. Returns an fd or -errno. */
int tshm__lock_open(const char *dir, const char *name, bool create);

/* fsync a directory. Returns 0 or -errno. */
int tshm__fsync_dir(const char *path);

/*
 * Remove data files of @dir whose id is not in @keep (sorted, @n ids), if no
 * reader holds the bundle lock (tried without waiting). @lockfd is the
 * bundle.lock fd. Returns the number removed, or -errno.
 */
int tshm__sweep_files(const char *dir, int lockfd, const uint32_t *keep, size_t n);

/* List the ids of data files on disk into *@ids (malloc'd, sorted). Returns count or -errno. */
int tshm__list_data_files(const char *dir, uint32_t **ids, size_t *n);

/* Test hook for the kill -9 tests: does $TICKSHM_TEST_CRASH_AT name @step? */
bool tshm__bundle_crash_wanted(const char *step);

/* Test hook: raise SIGKILL if $TICKSHM_TEST_CRASH_AT names @step. */
void tshm__bundle_crash_point(const char *step);

/* Wall clock ns. */
int64_t tshm__bundle_wall_ns(void);

/* CLOCK_MONOTONIC in ns: the loader's phase and rate timings. */
int64_t tshm__bundle_mono_ns(void);

/* mkdir -p @dir; *@created (may be NULL) says whether the last component was made. */
int tshm__mkdirs(const char *dir, bool *created);

/* ---- SQLite (bundle_db.c) -------------------------------------------- */

/* Map a SQLite result code to -errno (or -TSHM_ECORRUPT). */
int tshm__db_err(int rc);

/* Run @sql (no rows). Returns 0 or a tshm__db_err() code. */
int tshm__db_exec(sqlite3 *db, const char *sql);

/*
 * Open @dir's database: @writer opens read-write (creating the file if
 * @create) with the writer's pragmas; readers open read-write if they can
 * (to roll back a hot journal a crashed writer left), else read-only.
 * Returns 0 or -errno (-ENOENT if missing and not @create).
 */
int tshm__db_open(sqlite3 **out, const char *dir, bool writer, bool create);

/* Is the schema there (a committed bundle)? 1, 0, or -errno. */
int tshm__db_has_schema(sqlite3 *db);

/* Create every table and the meta rows (inside the writer's transaction). */
int tshm__db_create_schema(sqlite3 *db, const char *name);

/* Check meta.format_version. Returns 0, -TSHM_EVERSION or -TSHM_ECORRUPT. */
int tshm__db_check_version(sqlite3 *db);

/* Read meta @key into @buf. Returns 0, -ENOENT or -errno. */
int tshm__db_meta_get(sqlite3 *db, const char *key, char *buf, size_t len);
int tshm__db_meta_set(sqlite3 *db, const char *key, const char *value);

/* Prepare @sql. Returns 0 or a tshm__db_err() code. */
int tshm__db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st);

/* sqlite3_step expecting SQLITE_DONE, then reset. Returns 0 or error. */
int tshm__db_step_done(sqlite3_stmt *st);

/* ---- codec (codec.c) -------------------------------------------------- */

struct tshm__encoder;

int tshm__encoder_new(struct tshm__encoder **out, int level);
void tshm__encoder_free(struct tshm__encoder *e);

/*
 * Encode @rlen bytes of @src (elements of @width bytes) with @codec into
 * @dst of @cap bytes (>= tshm__encode_bound(rlen)). Sets *@clen and
 * *@checksum (XXH3-64 of the raw bytes). Returns 0, -EINVAL or -ENOMEM.
 */
int tshm__chunk_encode(struct tshm__encoder *e, uint32_t codec, uint32_t width, const void *src,
		       size_t rlen, void *dst, size_t cap, size_t *clen, uint64_t *checksum);

/* tshm_chunk_decode, with what went wrong in *@why (may be NULL). */
int tshm__chunk_decode_why(struct tshm_chunk_decoder *d, const struct tshm_chunk *c,
			   const void *src, size_t clen, void *dst, const char **why);

/* Worst-case encoded size of @rlen raw bytes. */
size_t tshm__encode_bound(size_t rlen);

/* The zstd level of $TICKSHM_ZSTD_LEVEL, else the default (BUNDLE.md). */
int tshm__zstd_level(void);

/* ---- a write transaction (bundle_txn.c, bundle_put.c) ------------------ */

enum tshm__stmt {
	TSHM__ST_ASSET_GET,
	TSHM__ST_ASSET_BY_SYM,
	TSHM__ST_ASSET_PUT,
	TSHM__ST_SYM_PUT,
	TSHM__ST_SESS_PUT,
	TSHM__ST_ADJ_PUT,
	TSHM__ST_CHUNK_DEL,
	TSHM__ST_CHUNK_PUT,
	TSHM__ST_COUNT
};

struct tshm_bundle_txn {
	char dir[4096];
	sqlite3 *db;
	sqlite3_stmt *st[TSHM__ST_COUNT];
	int wlockfd; /* write.lock, exclusive: one transaction at a time */
	int lockfd;  /* bundle.lock: taken exclusively (non-blocking) to sweep */
	int datafd;  /* this transaction's data file */
	uint32_t file_id;
	uint64_t file_off; /* bytes of the data file, buffered ones included */
	uint8_t *buf;	   /* write buffer: frames are appended here, then written */
	size_t blen, bcap;
	struct tshm__encoder *enc;
	bool created_dir; /* fsync the parent and the bundle directory at commit */
	bool created_data_dir;
	bool created_db;
	int error; /* sticky: a failure after the file or index changed */
};

/* Append @n bytes to the data file through the buffer. Returns 0 or -errno. */
int tshm__txn_write(struct tshm_bundle_txn *t, const void *p, size_t n);

/* Make room for @n bytes in the buffer (flushing it). Returns 0 or -errno. */
int tshm__txn_reserve(struct tshm_bundle_txn *t, size_t n);

/* ---- an open bundle (bundle_read.c) ----------------------------------- */

struct tshm__sym_row {
	char symbol[TSHM_SYMBOL_MAX + 1];
	int64_t start_ts, end_ts, sid;
};

struct tshm__session_row {
	int32_t day;
	int64_t open_ts, close_ts;
};

struct tshm__adj_row {
	int64_t sid, ts;
	int32_t kind;
	int64_t ratio_num, ratio_den, amount;
};

struct tshm__file_row {
	uint32_t file_id;
	uint64_t size;
};

struct tshm_bundle {
	char dir[4096];
	int lockfd;
	struct tshm_bundle_info info;
	struct tshm_asset *assets; /* sid order */
	size_t nassets;
	struct tshm__sym_row *syms; /* (symbol bytes, start_ts) order */
	size_t nsyms;
	struct tshm__session_row *sessions; /* day order */
	size_t nsessions;
	struct tshm__adj_row *adjs; /* (sid, ts, kind) order */
	size_t nadjs;
	struct tshm__file_row *files; /* file_id order */
	size_t nfiles;
	struct tshm_chunk *chunks; /* (table, sid, day, col) order */
	uint64_t *chunk_rows;	   /* first row in its table of each chunk */
	size_t nchunks;
	char index_error[256]; /* first inconsistency found (open_unchecked) */
};

/*
 * Open @dir like tshm_bundle_open, but with @strict false an inconsistent
 * index is reported in b->index_error instead of failing (for verify).
 */
int tshm__bundle_open(struct tshm_bundle **out, const char *dir, bool strict);

/* Index of data file @id in b->files (sorted by id), or SIZE_MAX. */
size_t tshm__file_index(const struct tshm_bundle *b, uint32_t id);

/* Index of asset @sid in b->assets, or -1. */
long tshm__asset_index(const struct tshm_bundle *b, int64_t sid);

/* "trades sid 1001 day 2024-01-03 col price" into @buf. */
void tshm__chunk_name(char *buf, size_t len, const struct tshm_chunk *c);

/* Check the chunk index (BUNDLE.md "Validation"); first problem into @why. */
int tshm__check_index(const struct tshm_bundle *b, char *why, size_t len);

/* Content hash records of the metadata tables and the chunk index (bundle_meta.c). */
int tshm__derive_hash(const struct tshm_bundle *b, uint64_t *lo, uint64_t *hi);

#endif
