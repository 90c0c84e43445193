/* SPDX-License-Identifier: MIT */
/*
 * The columnar bundle layout (schema v1, see FORMAT.md): tables, columns,
 * the writer the loader and tests fill, and the read-only view every reader
 * attaches.
 */
#ifndef TICKSHM_LAYOUT_H
#define TICKSHM_LAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tickshm/catalog.h"
#include "tickshm/common.h"
#include "tickshm/format.h"

#ifdef __cplusplus
extern "C" {
#endif

enum tshm_table {
	TSHM_TABLE_ASSETS = 0,
	TSHM_TABLE_SYMBOLS = 1, /* dated symbol -> sid mappings */
	TSHM_TABLE_SESSIONS = 2,
	TSHM_TABLE_TRADES = 3,
	TSHM_TABLE_QUOTES = 4,
	TSHM_TABLE_BARS_1M = 5,
	TSHM_TABLE_BARS_1D = 6,
	TSHM_TABLE_ADJUSTMENTS = 7,
	TSHM_TABLE_COUNT = 8 /* ids 8..15 reserved (order-book deltas planned) */
};

/* Column indices, per table. */
enum {
	TSHM_ASSETS_SID,
	TSHM_ASSETS_SYMBOL,
	TSHM_ASSETS_EXCHANGE,
	TSHM_ASSETS_CURRENCY,
	TSHM_ASSETS_CLASS,
	TSHM_ASSETS_PRICE_EXP,
	TSHM_ASSETS_SIZE_EXP,
	TSHM_ASSETS_TICK_SIZE,
	TSHM_ASSETS_LOT_SIZE,
	TSHM_ASSETS_START_TS,
	TSHM_ASSETS_END_TS,
	TSHM_ASSETS_NCOLS
};
enum {
	TSHM_SYMBOLS_SYMBOL,
	TSHM_SYMBOLS_START_TS,
	TSHM_SYMBOLS_END_TS,
	TSHM_SYMBOLS_SID,
	TSHM_SYMBOLS_NCOLS
};
enum { TSHM_SESSIONS_DAY, TSHM_SESSIONS_OPEN_TS, TSHM_SESSIONS_CLOSE_TS, TSHM_SESSIONS_NCOLS };
enum {
	TSHM_TRADES_TS,
	TSHM_TRADES_PRICE,
	TSHM_TRADES_SIZE,
	TSHM_TRADES_FLAGS,
	TSHM_TRADES_ID,
	TSHM_TRADES_NCOLS
};
enum {
	TSHM_QUOTES_TS,
	TSHM_QUOTES_BID_PX,
	TSHM_QUOTES_BID_SZ,
	TSHM_QUOTES_ASK_PX,
	TSHM_QUOTES_ASK_SZ,
	TSHM_QUOTES_NCOLS
};
enum {
	TSHM_BARS_TS,
	TSHM_BARS_OPEN,
	TSHM_BARS_HIGH,
	TSHM_BARS_LOW,
	TSHM_BARS_CLOSE,
	TSHM_BARS_VOLUME,
	TSHM_BARS_NCOLS
};
enum {
	TSHM_ADJ_TS,
	TSHM_ADJ_KIND,
	TSHM_ADJ_RATIO_NUM,
	TSHM_ADJ_RATIO_DEN,
	TSHM_ADJ_AMOUNT,
	TSHM_ADJ_NCOLS
};

#define TSHM_SYMBOL_MAX 32u /* CHAR width of symbol columns */
#define TSHM_EXCHANGE_MAX 16u
#define TSHM_CURRENCY_MAX 8u

/* Trade flags (TSHM_TRADES_FLAGS). */
#define TSHM_TRADE_BUY 1  /* aggressor bought */
#define TSHM_TRADE_SELL 2 /* aggressor sold */

/* Asset classes (TSHM_ASSETS_CLASS). */
enum tshm_asset_class {
	TSHM_CLASS_OTHER,
	TSHM_CLASS_EQUITY,
	TSHM_CLASS_FUTURE,
	TSHM_CLASS_CRYPTO,
	TSHM_CLASS_FX,
	TSHM_CLASS_ETF,
	TSHM_CLASS_INDEX
};

/* Adjustment kinds (TSHM_ADJ_KIND). */
enum tshm_adj_kind { TSHM_ADJ_SPLIT = 1, TSHM_ADJ_CASH_DIVIDEND = 2, TSHM_ADJ_STOCK_DIVIDEND = 3 };

/* ---- schema --------------------------------------------------------- */

/* One column of schema v1 (FORMAT.md 2.3). */
struct tshm_schema_col {
	const char *name;
	uint8_t type;	/* enum tshm_col_type */
	uint8_t kind;	/* enum tshm_col_kind */
	uint16_t width; /* bytes per element */
};

/* One table of schema v1: what every segment of this schema lays out. */
struct tshm_schema_table {
	const char *name;
	uint32_t flags; /* TSHM_TABLE_F_PER_ASSET */
	uint32_t ncols;
	uint32_t ts_col; /* the sorting time column, UINT32_MAX: none */
	const struct tshm_schema_col *cols;
};

/*
 * tshm_schema_table - table @table of schema v1 (static data), or NULL for
 * an id >= TSHM_TABLE_COUNT. For code that must agree with the segment
 * layout without a segment at hand (the bundle store). Thread-safe.
 */
TSHM_EXPORT const struct tshm_schema_table *tshm_schema_table(unsigned table);

/* ---- writer --------------------------------------------------------- */

struct tshm_writer;

/* Row count and day-index range of one table. Per-asset tables need the
 * days they cover: every row's ts must fall in [day0, day0 + ndays). */
struct tshm_table_spec {
	uint64_t nrows;
	int32_t day0; /* days since epoch: tshm_day_of(min ts) */
	uint32_t ndays;
};

struct tshm_layout_spec {
	uint32_t nassets; /* rows of TSHM_TABLE_ASSETS */
	uint32_t reserved;
	struct tshm_table_spec tables[TSHM_TABLE_COUNT]; /* ASSETS nrows is ignored */
};

struct tshm_writer_opts {
	mode_t mode;	      /* permissions once sealed; 0 means 0640 */
	unsigned flags;	      /* TSHM_WRITER_* */
	uint64_t max_segment; /* refuse larger segments with -ENOSPC; 0 = no cap */
};

/*
 * tshm_writer_opts.flags: create allocates only the header and directory;
 * the caller allocates the rest with tshm_writer_alloc() before writing
 * it, e.g. a slice per thread, so that the page allocation (most of the
 * cost of filling fresh shared memory) runs on every core instead of in
 * one fallocate, or pwrite()s through tshm_writer_fd(), which allocates
 * what it writes without zero-filling it first. Until a page is
 * allocated, touching it through the mapping may SIGBUS when /dev/shm is
 * full; commit allocates whatever is still missing first.
 */
#define TSHM_WRITER_DEFER_ALLOC 1u

/*
 * tshm_day_of - the UTC day (days since epoch, floor) holding @ts ns.
 * Thread-safe.
 */
TSHM_EXPORT int32_t tshm_day_of(int64_t ts);

/*
 * tshm_layout_size - bytes a segment with @spec needs. Returns 0 and sets
 * *@size, or -EINVAL (bad spec) / -EOVERFLOW. Thread-safe.
 */
TSHM_EXPORT int tshm_layout_size(const struct tshm_layout_spec *spec, uint64_t *size);

/*
 * tshm_writer_create - reserve a generation of @bundle in @cat, create its
 * segment sized for @spec (tshm_segment_create: O_EXCL, mode 0200,
 * fallocate first, or only its header with TSHM_WRITER_DEFER_ALLOC) and
 * lay out the directory. The caller then fills every
 * column and each per-asset table's row index, and calls commit + publish.
 * @opts may be NULL. Returns 0; -EINVAL (bad spec, e.g. a day range beyond
 * +-106,751 days of the epoch, or unknown opts->flags); -EBADF (read-only
 * @cat); -ENOSPC (no room in /dev/shm or the catalog, or over
 * opts->max_segment); -EEXIST if stale segments hold the next 8
 * generations' names (run gc); -TSHM_EBUSY if the catalog lock stays held
 * 10 s; -TSHM_ENAME; -ENOMEM; -errno. Not thread-safe per writer.
 */
TSHM_EXPORT int tshm_writer_create(struct tshm_writer **out, struct tshm_catalog *cat,
				   const char *bundle, const struct tshm_layout_spec *spec,
				   const struct tshm_writer_opts *opts);

/* tshm_writer_generation - the generation being written. */
TSHM_EXPORT uint64_t tshm_writer_generation(const struct tshm_writer *w);

/* tshm_writer_segment_name - the segment name being written. */
TSHM_EXPORT const char *tshm_writer_segment_name(const struct tshm_writer *w);

/*
 * tshm_writer_column - pointer to column @col of @table: nrows elements of
 * the column's width (int64_t, int32_t, or CHAR bytes). NULL for an unknown
 * table/column or after commit.
 */
TSHM_EXPORT void *tshm_writer_column(struct tshm_writer *w, enum tshm_table table, unsigned col);

/*
 * tshm_writer_column_offset - byte offset of column @col of @table in the
 * segment, for a filler that writes with pwrite(tshm_writer_fd(), ...)
 * instead of through the mapping (no page fault per page, no zero-fill of
 * pages it overwrites whole). Returns the offset, or -EINVAL for an unknown
 * table/column or after commit.
 */
TSHM_EXPORT int64_t tshm_writer_column_offset(const struct tshm_writer *w, enum tshm_table table,
					      unsigned col);

/*
 * tshm_writer_fd - the segment's read-write descriptor, owned by the
 * writer (do not close it), or -EINVAL after commit. Writes through it are
 * seen through the mapping (same tmpfs pages).
 */
TSHM_EXPORT int tshm_writer_fd(const struct tshm_writer *w);

/*
 * tshm_writer_alloc - allocate the pages of bytes [@off, @off + @len) of
 * the segment (rounded out to whole pages) with MADV_POPULATE_WRITE, or
 * fallocate on kernels before 5.14, so that a full /dev/shm is an error
 * here instead of a SIGBUS on first touch. Only needed with
 * TSHM_WRITER_DEFER_ALLOC (otherwise the pages exist and this only maps
 * them).
 * Returns 0; -EINVAL for a range beyond the segment or after commit;
 * -ENOSPC (/dev/shm full); -ENOMEM; -errno. Thread-safe (ranges may
 * overlap; pages already allocated cost a page-table walk).
 */
TSHM_EXPORT int tshm_writer_alloc(struct tshm_writer *w, uint64_t off, uint64_t len);

/*
 * tshm_writer_alloc_rest - allocate every page of the segment not
 * allocated yet (the holes tmpfs reports through SEEK_HOLE), e.g. after
 * the bulk was written with pwrite(): the gaps between what was written,
 * before writing them through the mapping. Commit calls it too; once it
 * has found no hole it returns at once. Returns 0; -EINVAL after commit;
 * -ENOSPC; -ENOMEM; -errno. Not thread-safe per writer.
 */
TSHM_EXPORT int tshm_writer_alloc_rest(struct tshm_writer *w);

/*
 * tshm_writer_size - the segment's size in bytes; with
 * TSHM_WRITER_DEFER_ALLOC, bytes [tshm_writer_alloc_start(), size) are the
 * caller's to allocate.
 */
TSHM_EXPORT uint64_t tshm_writer_size(const struct tshm_writer *w);

/* tshm_writer_alloc_start - first byte not allocated by create (the size
 * without TSHM_WRITER_DEFER_ALLOC). */
TSHM_EXPORT uint64_t tshm_writer_alloc_start(const struct tshm_writer *w);

/* One asset, copied out of the assets table. */
struct tshm_asset;

/*
 * tshm_writer_set_asset - write row @asset of the assets table from @a
 * (every column; text fields NUL-padded). Assets must be written in
 * increasing sid order, as commit checks.
 * Returns 0; -EINVAL for an index >= nassets, a text field longer than its
 * column (TSHM_SYMBOL_MAX, TSHM_EXCHANGE_MAX, TSHM_CURRENCY_MAX), or after
 * commit. Not thread-safe per writer.
 */
TSHM_EXPORT int tshm_writer_set_asset(struct tshm_writer *w, uint32_t asset,
				      const struct tshm_asset *a);

/*
 * tshm_writer_row_index - the nassets + 1 first-row array of a per-asset
 * table: asset i (in sid order) owns rows [idx[i], idx[i+1]). The caller
 * fills it; commit checks it. NULL for a table without one or after commit.
 */
TSHM_EXPORT uint64_t *tshm_writer_row_index(struct tshm_writer *w, enum tshm_table table);

/*
 * tshm_writer_commit - check the data (sids strictly increasing, row index
 * monotone, each asset's rows sorted by ts and inside its table's day range,
 * symbols sorted), build the per-day index, compute the content hash, write
 * the header last with COMPLETE, and seal the segment readable.
 * Returns 0; -TSHM_EORDER with the offending table in *@bad_table (may be
 * NULL) for unsorted or out-of-range data; -TSHM_ECORRUPT if the caller
 * overwrote the directory; -EINVAL if already committed; -ENOSPC if pages
 * left unallocated under TSHM_WRITER_DEFER_ALLOC cannot be allocated;
 * -errno. On failure the writer can only be destroyed.
 */
TSHM_EXPORT int tshm_writer_commit(struct tshm_writer *w, int *bad_table);

/*
 * tshm_writer_commit_hashed - tshm_writer_commit, except that the content
 * hash is the caller's (@lo, @hi) instead of a pass over every column. For
 * a loader that checked each chunk's XXH3-64 against its index while
 * writing it and derived the hash with tshm_content_hash_records(): the
 * data is still checked for order and indexed. A wrong hash is caught by
 * tshm_view_verify(), never by attach. Returns as tshm_writer_commit.
 */
TSHM_EXPORT int tshm_writer_commit_hashed(struct tshm_writer *w, uint64_t lo, uint64_t hi,
					  int *bad_table);

/* Content hash computed by commit (valid after a successful commit). */
TSHM_EXPORT void tshm_writer_hash(const struct tshm_writer *w, uint64_t *lo, uint64_t *hi);

/*
 * tshm_writer_publish - point the catalog slot at this committed segment,
 * then unlink the previous generation's name (readers that map it keep it).
 * Returns 0; -EINVAL if not committed; -ESTALE if a newer generation is
 * already published (this one is unlinked and the writer is spent);
 * -TSHM_EBUSY, -ENOSPC or -errno otherwise, after which the writer is still
 * committed and publish may be retried.
 */
TSHM_EXPORT int tshm_writer_publish(struct tshm_writer *w);

/*
 * tshm_writer_destroy - unmap and close. A segment never published is
 * unlinked, and a catalog slot reserved for a bundle never published is
 * freed: an aborted load leaves nothing. NULL is a no-op.
 */
TSHM_EXPORT void tshm_writer_destroy(struct tshm_writer *w);

/* ---- content hash --------------------------------------------------- */

/*
 * One record of the content hash (FORMAT.md 2.5): chunk @col of @table for
 * asset @sid on UTC @day (sid -1, day 0 for tables that are not per-asset),
 * @nrows rows whose bytes have XXH3-64 @hash. Little-endian, 40 bytes.
 */
struct tshm_chunk_rec {
	uint32_t table;
	uint32_t col;
	int64_t sid;
	int32_t day;
	uint32_t zero; /* must be 0 */
	uint64_t nrows;
	uint64_t hash;
};

/*
 * tshm_content_hash_records - the content hash of a segment whose non-empty
 * chunks are @recs, which must be in segment order: by table, then by the
 * asset's position in the assets table (sid order), then day, then column.
 * Returns 0 with the halves in *@lo / *@hi; -EINVAL if @recs are out of
 * order, repeat a chunk, have nrows 0 or a non-zero pad. Thread-safe.
 */
TSHM_EXPORT int tshm_content_hash_records(const struct tshm_chunk_rec *recs, size_t n, uint64_t *lo,
					  uint64_t *hi);

/* ---- view ----------------------------------------------------------- */

struct tshm_view;

struct tshm_column_info {
	const char *name;
	uint8_t type;	/* enum tshm_col_type */
	uint8_t kind;	/* enum tshm_col_kind */
	uint16_t width; /* bytes per element */
	const void *data;
};

struct tshm_table_info {
	const char *name;
	uint32_t flags; /* TSHM_TABLE_F_* */
	uint32_t ncols;
	uint64_t nrows;
	int64_t min_ts, max_ts; /* 0, 0 when empty or untimed */
	int32_t day0;
	uint32_t ndays;
};

/* One asset: what tshm_view_asset() copies out and tshm_writer_set_asset() writes. */
struct tshm_asset {
	int64_t sid;
	char symbol[TSHM_SYMBOL_MAX + 1];
	char exchange[TSHM_EXCHANGE_MAX + 1];
	char currency[TSHM_CURRENCY_MAX + 1];
	int32_t asset_class;
	int32_t price_exp, size_exp; /* value = mantissa * 10^exp */
	int64_t tick_size, lot_size; /* mantissas */
	int64_t start_ts, end_ts;
};

/*
 * tshm_view_open - attach the published generation of @bundle in @cat and
 * validate it (header, checksum, every offset and length; O(directory),
 * not O(data)). If a publish races the attach, retries with the new one.
 * Returns 0; -ENOENT (not published); -TSHM_ECORRUPT; -TSHM_EVERSION;
 * -TSHM_EINCOMPLETE; -TSHM_ENAME; -ENOMEM; -errno. Thread-safe.
 */
TSHM_EXPORT int tshm_view_open(struct tshm_view **out, const struct tshm_catalog *cat,
			       const char *bundle);

/*
 * tshm_view_open_segment - attach the segment called @name (with its '/').
 * Errors as tshm_view_open. Thread-safe.
 */
TSHM_EXPORT int tshm_view_open_segment(struct tshm_view **out, const char *name);

/*
 * tshm_view_open_mem - validate @size bytes at @base (a copy of a segment,
 * a file mapping, fuzz input) and wrap them in a view without copying. The
 * memory must outlive the view and be 64-byte aligned (-EINVAL otherwise).
 * @flags must be 0. Errors as tshm_view_open.
 * Thread-safe.
 */
TSHM_EXPORT int tshm_view_open_mem(struct tshm_view **out, const void *base, size_t size,
				   unsigned flags);

/*
 * tshm_view_ref / tshm_view_unref - views are reference counted; open
 * returns one reference, the last unref unmaps. Thread-safe (atomic).
 */
TSHM_EXPORT struct tshm_view *tshm_view_ref(struct tshm_view *v);
TSHM_EXPORT void tshm_view_unref(struct tshm_view *v);

/*
 * Accessors: thread-safe, no syscalls. The header (and every offset used)
 * comes from a private copy validated at attach, so bytes changed in the
 * segment afterwards cannot send a reader out of bounds.
 */
TSHM_EXPORT const struct tshm_seg_header *tshm_view_header(const struct tshm_view *v);
TSHM_EXPORT const char *tshm_view_segment_name(const struct tshm_view *v); /* "" for mem */
TSHM_EXPORT uint64_t tshm_view_serial(const struct tshm_view *v); /* catalog serial, 0 if none */
TSHM_EXPORT uint32_t tshm_view_nassets(const struct tshm_view *v);

/*
 * tshm_view_table - describe @table. Returns 0, or -EINVAL for an unknown
 * table id. An absent table reports flags 0 and no rows.
 */
TSHM_EXPORT int tshm_view_table(const struct tshm_view *v, unsigned table,
				struct tshm_table_info *out);

/*
 * tshm_view_column - describe column @col of @table, with a pointer to its
 * nrows elements in shared memory. Returns 0 or -EINVAL.
 */
TSHM_EXPORT int tshm_view_column(const struct tshm_view *v, unsigned table, unsigned col,
				 struct tshm_column_info *out);

/*
 * tshm_view_asset_rows - rows [*first, *first + *count) of asset index
 * @asset in per-asset @table. Returns 0; -EINVAL (bad table/asset, or a
 * table that is not per-asset); -TSHM_ECORRUPT if the stored index is
 * inconsistent (checked on use).
 */
TSHM_EXPORT int tshm_view_asset_rows(const struct tshm_view *v, unsigned table, uint32_t asset,
				     uint64_t *first, uint64_t *count);

/*
 * tshm_view_find_sid - asset index of @sid (binary search over the sorted
 * sid column). Returns the index (>= 0) or -ENOENT.
 */
TSHM_EXPORT int tshm_view_find_sid(const struct tshm_view *v, int64_t sid);

/*
 * tshm_view_find_symbol - asset index that @symbol named at @as_of ns (the
 * dated symbol mappings), or -ENOENT. -EINVAL for an over-long symbol.
 */
TSHM_EXPORT int tshm_view_find_symbol(const struct tshm_view *v, const char *symbol, int64_t as_of);

/* tshm_view_asset - copy asset index @asset out. Returns 0 or -EINVAL. */
TSHM_EXPORT int tshm_view_asset(const struct tshm_view *v, uint32_t asset, struct tshm_asset *out);

/*
 * tshm_view_verify - the O(data) check attach skips: recompute the content
 * hash and compare it with the header, and check every row index, day
 * index, sort order and sid order. Returns 0, -TSHM_ECORRUPT or -TSHM_EORDER.
 */
TSHM_EXPORT int tshm_view_verify(const struct tshm_view *v);

#ifdef __cplusplus
}
#endif
#endif /* TICKSHM_LAYOUT_H */
