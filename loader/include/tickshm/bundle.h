/* SPDX-License-Identifier: MIT */
/*
 * Bundles on disk (loader/BUNDLE.md): a directory holding bundle.sqlite
 * (meta, assets, symbol mappings, sessions, adjustments, the chunk index)
 * and append-only data files of zstd frames, one frame per (table, sid,
 * day, column) chunk of a per-asset table.
 *
 * Writing goes through a transaction (tshm_bundle_begin ... commit): chunk
 * data is appended to a new data file, made durable (fdatasync + directory
 * fsync), and only then is the SQLite transaction committed. A crash at any
 * point leaves the previous bundle intact and readable.
 *
 * Reading (tshm_bundle_open) loads the metadata and the whole chunk index
 * into memory, under a shared lock that keeps writers from deleting data
 * files the reader may still read.
 */
#ifndef TICKSHM_BUNDLE_H
#define TICKSHM_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "tickshm/common.h"
#include "tickshm/layout.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TSHM_BUNDLE_FORMAT_VERSION 1	    /* BUNDLE.md version; meta key format_version */
#define TSHM_BUNDLE_DB_NAME "bundle.sqlite" /* the index inside a bundle directory */

/*
 * Chunk codecs (chunks.codec; BUNDLE.md 4). Writers use 3 and 4: byte
 * shuffling makes the frames smaller and several times faster to decode.
 * Every codec is decoded by tshm_chunk_decode().
 */
enum tshm_codec {
	TSHM_CODEC_ZSTD = 1,		/* zstd frame of the raw column bytes */
	TSHM_CODEC_DELTA_ZSTD = 2,	/* int64 column, first value then deltas (mod 2^64), zstd */
	TSHM_CODEC_SHUF_ZSTD = 3,	/* bytes shuffled in blocks of 4096 elements, zstd */
	TSHM_CODEC_DELTA_SHUF_ZSTD = 4, /* int64: zigzag deltas (mod 2^64), shuffled, zstd */
};

/* One row of the chunk index: a column of one asset's rows on one UTC day. */
struct tshm_chunk {
	uint32_t table;	  /* enum tshm_table, a per-asset table */
	uint32_t col;	  /* column index in that table */
	int64_t sid;	  /* asset */
	int32_t day;	  /* UTC days since epoch */
	uint32_t codec;	  /* enum tshm_codec */
	uint32_t file_id; /* data file (tshm_bundle_file_path) */
	uint32_t width;	  /* bytes per element: rlen = nrows * width */
	uint64_t offset;  /* of the frame in the data file */
	uint64_t clen;	  /* compressed bytes */
	uint64_t rlen;	  /* raw (decoded) bytes */
	uint64_t nrows;
	int64_t min_ts, max_ts; /* of the rows of this (table, sid, day) */
	uint64_t checksum;	/* XXH3-64 of the raw bytes (libshm FORMAT.md 2.5) */
};

/* Summary of an open bundle. */
struct tshm_bundle_info {
	char name[TSHM_BUNDLE_MAX]; /* bundle name (meta), default name for load */
	uint32_t format_version;
	uint32_t nassets;
	uint64_t nchunks;
	uint64_t raw_bytes;	   /* sum of rlen */
	uint64_t compressed_bytes; /* sum of clen */
	uint64_t rows[TSHM_TABLE_COUNT];
	int64_t min_ts, max_ts;	   /* over every chunk and adjustment, as the loaded
				    * segment's header will say (0, 0 if none) */
	uint64_t hash_lo, hash_hi; /* content hash the loaded segment will carry */
};

/* ---- reading -------------------------------------------------------- */

struct tshm_bundle;

/*
 * tshm_bundle_open - open the bundle in directory @dir for reading: check
 * meta (format version), load assets, symbols, sessions, adjustments and
 * the chunk index (sorted by table, sid, day, col), and derive the content
 * hash. Holds a shared lock on the bundle until closed. @flags must be 0.
 * Returns 0; -ENOENT (no bundle.sqlite); -TSHM_EVERSION (unknown format
 * version); -TSHM_ECORRUPT (inconsistent index: overlapping or out-of-file
 * chunks, bad widths, rows outside their day); -EINVAL (flags); -ENOMEM;
 * -errno. Thread-safe to read from once open; not to open/close concurrently.
 */
TSHM_EXPORT int tshm_bundle_open(struct tshm_bundle **out, const char *dir, unsigned flags);

/* tshm_bundle_close - release the lock and memory. NULL is a no-op. */
TSHM_EXPORT void tshm_bundle_close(struct tshm_bundle *b);

/* tshm_bundle_info - copy the summary out. Never fails. */
TSHM_EXPORT void tshm_bundle_info(const struct tshm_bundle *b, struct tshm_bundle_info *out);

/* tshm_bundle_dir - the directory the bundle was opened from. */
TSHM_EXPORT const char *tshm_bundle_dir(const struct tshm_bundle *b);

/*
 * tshm_bundle_chunks - the chunk index, sorted by (table, sid, day, col),
 * owned by @b. *@n receives the count.
 */
TSHM_EXPORT const struct tshm_chunk *tshm_bundle_chunks(const struct tshm_bundle *b, size_t *n);

/*
 * tshm_bundle_file_path - write the path of data file @file_id into @buf.
 * Returns 0, -ENOENT (no such file id) or -ENAMETOOLONG.
 */
TSHM_EXPORT int tshm_bundle_file_path(const struct tshm_bundle *b, uint32_t file_id, char *buf,
				      size_t len);

/*
 * tshm_bundle_layout - the tshm_layout_spec of the segment this bundle
 * loads into (row counts and day ranges of every table). Returns 0 or
 * -EOVERFLOW.
 */
TSHM_EXPORT int tshm_bundle_layout(const struct tshm_bundle *b, struct tshm_layout_spec *spec);

/*
 * tshm_bundle_fill_meta - write the tables held in SQLite (assets, symbols,
 * sessions, adjustments) and the row index of every per-asset table into
 * @w, created from tshm_bundle_layout(). The per-asset columns are left to
 * the caller: chunk (table, sid, day, col) goes to rows
 * tshm_bundle_chunk_row(b, chunk) ... + nrows of that column.
 * Returns 0 or the writer's error.
 */
TSHM_EXPORT int tshm_bundle_fill_meta(const struct tshm_bundle *b, struct tshm_writer *w);

/*
 * tshm_bundle_chunk_row - first row, in its table of the loaded segment, of
 * chunk index entry @i (assets in sid order, days in order within an asset).
 */
TSHM_EXPORT uint64_t tshm_bundle_chunk_row(const struct tshm_bundle *b, size_t i);

/* ---- chunk codec ---------------------------------------------------- */

struct tshm_chunk_decoder;

/* tshm_chunk_decoder_new - a decoder (zstd context); one per thread. */
TSHM_EXPORT int tshm_chunk_decoder_new(struct tshm_chunk_decoder **out);
TSHM_EXPORT void tshm_chunk_decoder_free(struct tshm_chunk_decoder *d);

/*
 * tshm_chunk_decode - decode the @clen bytes at @src, the frame of @c, into
 * @dst (@c->rlen bytes, aligned to the column width), undo the shuffle and
 * delta coding, and check the XXH3-64 of the result against @c->checksum.
 * Shuffled codecs decode through a scratch buffer the decoder keeps (grown
 * to the largest rlen seen); the others decode straight into @dst.
 * Returns 0; -TSHM_ECORRUPT (zstd error, wrong decoded size, checksum
 * mismatch); -EINVAL (unknown codec, clen/rlen inconsistent with @c,
 * misaligned @dst); -ENOMEM (scratch buffer).
 * Thread-safe with one decoder per thread; never reads or writes outside
 * [src, src + clen) and [dst, dst + rlen) whatever the input bytes. On
 * failure the contents of @dst are unspecified.
 */
TSHM_EXPORT int tshm_chunk_decode(struct tshm_chunk_decoder *d, const struct tshm_chunk *c,
				  const void *src, size_t clen, void *dst);

/* ---- writing -------------------------------------------------------- */

struct tshm_bundle_txn;

#define TSHM_BUNDLE_CREATE 1u /* create the directory and database if missing */

/*
 * tshm_bundle_begin - start a write transaction on the bundle in @dir,
 * named @name (stored in meta on creation, replacing the name otherwise;
 * NULL keeps the existing name or uses the directory's basename). Takes the
 * bundle's writer lock (one transaction at a time; waits at most 10 s:
 * -TSHM_EBUSY). Open readers do not block it: they only keep the data files
 * they indexed from being deleted until they close (BUNDLE.md 5). Removes
 * leftovers of crashed transactions and opens a fresh data file for this
 * transaction's chunks. Returns 0; -ENOENT (no bundle and no
 * TSHM_BUNDLE_CREATE); -TSHM_EVERSION; -TSHM_ENAME (@name, or a new
 * bundle's directory basename when @name is NULL); -EINVAL (flags);
 * -ENOMEM; -errno. A transaction is used by one thread. Once a call fails
 * after changing the data file or the index (I/O, SQLite), every later
 * call and the commit return that error: abort is the only way out.
 */
TSHM_EXPORT int tshm_bundle_begin(struct tshm_bundle_txn **out, const char *dir, const char *name,
				  unsigned flags);

/*
 * tshm_bundle_put_asset - insert asset @a, or update it if its sid exists.
 * The price and size exponents of an existing asset cannot change
 * (-EINVAL: stored mantissas would change meaning). Returns 0 or -errno.
 */
TSHM_EXPORT int tshm_bundle_put_asset(struct tshm_bundle_txn *t, const struct tshm_asset *a);

/*
 * tshm_bundle_get_asset - look up an asset already in the bundle (or put in
 * this transaction) by sid (@symbol NULL) or by its assets.symbol (@sid
 * ignored; of several, the latest end_ts, then the highest sid).
 * Returns 0 or -ENOENT.
 */
TSHM_EXPORT int tshm_bundle_get_asset(struct tshm_bundle_txn *t, int64_t sid, const char *symbol,
				      struct tshm_asset *out);

/* Symbol mapping: @symbol (1..32 bytes) named @sid during [start_ts,
 * end_ts), start_ts <= end_ts. Replaces an identical (symbol, start_ts).
 * Returns 0, -EINVAL or -errno. */
TSHM_EXPORT int tshm_bundle_put_symbol(struct tshm_bundle_txn *t, const char *symbol,
				       int64_t start_ts, int64_t end_ts, int64_t sid);

/* Session of UTC @day: [open_ts, close_ts). Replaces that day's.
 * Returns 0, -EINVAL (open_ts > close_ts, day out of range) or -errno. */
TSHM_EXPORT int tshm_bundle_put_session(struct tshm_bundle_txn *t, int32_t day, int64_t open_ts,
					int64_t close_ts);

/* Adjustment of @sid at @ts (kind: enum tshm_adj_kind). Replaces the same
 * (sid, ts, kind). Returns 0, -EINVAL (kind, den <= 0, unknown sid) or
 * -errno. */
TSHM_EXPORT int tshm_bundle_put_adjustment(struct tshm_bundle_txn *t, int64_t sid, int64_t ts,
					   int32_t kind, int64_t ratio_num, int64_t ratio_den,
					   int64_t amount);

/*
 * tshm_bundle_put_day - write the @nrows rows of per-asset @table for asset
 * @sid on UTC @day: @cols[c] points at nrows values of column c in the
 * segment's width (int64_t or int32_t, libshm schema), rows sorted by ts
 * (column 0), every ts inside @day. Encodes each column as one chunk
 * (timestamps and prices delta-coded), appends it to this transaction's
 * data file and replaces whatever the bundle held for (table, sid, day).
 * @nrows 0 deletes that day. The asset must exist (put_asset first).
 * @table is trades, quotes, bars_1m or bars_1d (adjustments are rows:
 * tshm_bundle_put_adjustment). Returns 0; -EINVAL (other table, unknown
 * sid, ts outside the day or unsorted; the transaction is unchanged);
 * -ENOSPC / -EIO / -errno from the file system.
 */
TSHM_EXPORT int tshm_bundle_put_day(struct tshm_bundle_txn *t, enum tshm_table table, int64_t sid,
				    int32_t day, uint64_t nrows, const void *const *cols);

/*
 * tshm_bundle_commit - make the data file durable (fdatasync, then fsync
 * of the directory), then commit the SQLite transaction (synchronous=FULL),
 * then delete data files no chunk references any more (unless a reader
 * still holds the bundle open: the next transaction does it). Frees @t
 * whatever the outcome. Returns 0 or -errno; on failure the bundle is as
 * before.
 */
TSHM_EXPORT int tshm_bundle_commit(struct tshm_bundle_txn *t);

/*
 * tshm_bundle_abort - roll back: the SQLite transaction is discarded and
 * this transaction's data file removed. Frees @t. NULL is a no-op.
 */
TSHM_EXPORT void tshm_bundle_abort(struct tshm_bundle_txn *t);

/* ---- verify --------------------------------------------------------- */

struct tshm_verify_report {
	uint64_t chunks_checked;
	uint64_t chunks_bad;
	uint64_t bytes_read;
	uint64_t orphan_files; /* data files no chunk references (crash leftovers) */
	char first_error[256]; /* "trades sid 1001 day 2024-01-03 col price: checksum mismatch" */
};

/*
 * tshm_bundle_verify - read and decode every chunk of @b and check it
 * against its checksum, size, row count and time range in the index, and
 * check the index (no overlaps, inside its file). Returns 0 if all is well,
 * -TSHM_ECORRUPT if any chunk is bad (details in @rep), or -errno.
 */
TSHM_EXPORT int tshm_bundle_verify(const struct tshm_bundle *b, struct tshm_verify_report *rep);

/*
 * tshm_bundle_verify_dir - tshm_bundle_verify() of the bundle in @dir,
 * opened without failing on an inconsistent index: an index problem (a
 * chunk pointing past its file, overlapping frames, ...) is named in
 * @rep->first_error and counted in chunks_bad, and every chunk that can
 * be read is still checked. What `tickshm verify` runs. Returns 0,
 * -TSHM_ECORRUPT (details in @rep), or tshm_bundle_open()'s errors.
 */
TSHM_EXPORT int tshm_bundle_verify_dir(const char *dir, struct tshm_verify_report *rep);

#ifdef __cplusplus
}
#endif
#endif /* TICKSHM_BUNDLE_H */
