/* SPDX-License-Identifier: MIT */
/*
 * tickshm gen: deterministic synthetic market data, the built-in sample and
 * the source of test and benchmark data.
 *
 * The model (same options and seed, same bytes, on every host: integer
 * arithmetic only):
 * - a calendar of trading days (weekdays from opts.first_day), each with a
 *   session 14:30-21:00 UTC;
 * - assets: the first eight cover the classes and exponents people have
 *   (equities in cents, a future ticking 0.25, FX pips, crypto with
 *   fractional sizes; sids 1000, 1001, ...); later ones reuse those shapes
 *   under the symbols S0008, S0009, ...;
 * - per asset and day: trades in bursts (1-12 trades a few ms apart, then a
 *   quiet gap) on the asset's tick grid, a random walk with sizes in lots,
 *   BUY/SELL aggressor flags and per-asset trade ids; top-of-book quotes on
 *   the millisecond grid (one just before each trade, bracketing its price,
 *   and one in each gap); 1-minute and daily bars aggregated from the
 *   trades;
 * - corporate actions at fixed trading-day indices, reflected in the prices
 *   (unadjusted data): asset 0 splits 2-for-1 on day 2, asset 5 pays a cash
 *   dividend of about 1% on day 4 and every 63 days after, a few other
 *   equities split or pay dividends later;
 * - one rename: asset 1 is "BLT" before day 2 and "BOLT" from then on.
 *
 * Each asset draws from its own random stream (split from the seed by the
 * asset index), and each day from a stream split from that: adding assets
 * or days leaves the data of the others byte for byte unchanged.
 * Trade timestamps are whole microseconds, quote timestamps whole
 * milliseconds, so every CSV preset carries them exactly.
 */
#ifndef TICKSHM_GEN_H
#define TICKSHM_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "tickshm/catalog.h"
#include "tickshm/common.h"
#include "tickshm/layout.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TSHM_GEN_MAX_ASSETS 100000u
#define TSHM_GEN_MAX_DAYS 10000u
#define TSHM_GEN_MAX_TRADES_PER_DAY 1000000u
#define TSHM_GEN_DEFAULT_TRADES_PER_DAY 3000u
#define TSHM_GEN_DEFAULT_FIRST_DAY 19724 /* 2024-01-02, a Tuesday */
#define TSHM_GEN_SID_BASE 1000		 /* sid of asset i is TSHM_GEN_SID_BASE + i */
#define TSHM_GEN_MAX_COLS 6u		 /* columns of the widest generated table (bars) */

struct tshm_gen_opts {
	uint32_t nassets;	 /* 1..TSHM_GEN_MAX_ASSETS */
	uint32_t ndays;		 /* trading days, 1..TSHM_GEN_MAX_DAYS */
	uint32_t trades_per_day; /* per asset, approximate; 0: the default (3000) */
	uint32_t flags;		 /* must be 0 */
	uint64_t seed;		 /* same seed (and options), same data */
	int32_t first_day;	 /* UTC days since epoch the calendar starts at (weekends
				    skipped); 0: TSHM_GEN_DEFAULT_FIRST_DAY */
	uint32_t reserved;	 /* must be 0 */
};

/* ---- the model ------------------------------------------------------ */

struct tshm_gen;

/*
 * tshm_gen_new - check @o and build the static part of the model: the
 * calendar, the assets, the symbol mappings and the corporate-action
 * schedule. Market data is generated later, per asset and day, by cursors.
 * Returns 0; -EINVAL (a count out of range, non-zero flags or reserved, a
 * calendar running past 2262-04-10, where int64 nanoseconds end); -ENOMEM. The generator is immutable once
 * made: every function below may be called from any number of threads.
 */
TSHM_EXPORT int tshm_gen_new(struct tshm_gen **out, const struct tshm_gen_opts *o);

/* tshm_gen_free - release @g (after every cursor on it). NULL is a no-op. */
TSHM_EXPORT void tshm_gen_free(struct tshm_gen *g);

/* tshm_gen_get_opts - the options, defaults filled in. */
TSHM_EXPORT const struct tshm_gen_opts *tshm_gen_get_opts(const struct tshm_gen *g);

/* tshm_gen_day - the UTC day (days since epoch) of trading day @d (< ndays). */
TSHM_EXPORT int32_t tshm_gen_day(const struct tshm_gen *g, uint32_t d);

/*
 * tshm_gen_session - the session of trading day @d: [*@open_ts, *@close_ts).
 * Returns 0 or -EINVAL (@d >= ndays).
 */
TSHM_EXPORT int tshm_gen_session(const struct tshm_gen *g, uint32_t d, int64_t *open_ts,
				 int64_t *close_ts);

/*
 * tshm_gen_asset - asset @a (< nassets) as the assets table holds it (its
 * current symbol; life span = the calendar). Returns 0 or -EINVAL.
 */
TSHM_EXPORT int tshm_gen_asset(const struct tshm_gen *g, uint32_t a, struct tshm_asset *out);

/* One dated symbol mapping: @symbol names @sid during [start_ts, end_ts). */
struct tshm_gen_symbol {
	char symbol[TSHM_SYMBOL_MAX + 1];
	int64_t start_ts, end_ts, sid;
};

/* tshm_gen_nsymbols - number of symbol mappings (nassets, + 1 for the rename). */
TSHM_EXPORT uint32_t tshm_gen_nsymbols(const struct tshm_gen *g);

/*
 * tshm_gen_symbol - mapping @i (< tshm_gen_nsymbols), in the symbols
 * table's order (by symbol, then start). Returns 0 or -EINVAL.
 */
TSHM_EXPORT int tshm_gen_symbol(const struct tshm_gen *g, uint32_t i, struct tshm_gen_symbol *out);

/* ---- market data, per asset and day --------------------------------- */

/* Rows of one per-asset table for one (asset, day), column by column. */
struct tshm_gen_table {
	uint64_t nrows;
	/* cols[c]: nrows values of column c in the libshm segment's width:
	 * int32_t for trades flags and adjustments kind, int64_t otherwise.
	 * Unused entries are NULL. */
	const void *cols[TSHM_GEN_MAX_COLS];
};

/*
 * What bar rows carry beyond the bars table's columns (for Binance-style
 * klines), one value per bar: trades in the bar; size of the BUY trades
 * (size mantissa); sum of price * size and of it over BUY trades (mantissa
 * at price_exp + size_exp).
 */
struct tshm_gen_bar_extra {
	const int64_t *count, *buy_volume, *quote_volume, *buy_quote_volume;
};

/* One asset's day. Pointers stay valid until the cursor's next call. */
struct tshm_gen_day {
	uint32_t asset;	    /* index, 0..nassets-1 */
	uint32_t day_index; /* trading day, 0..ndays-1 */
	int32_t day;	    /* UTC days since epoch */
	uint32_t reserved;
	int64_t sid;
	/* Indexed by enum tshm_table: TRADES, QUOTES, BARS_1M, BARS_1D and
	 * ADJUSTMENTS (usually empty) are filled, the other entries are empty.
	 * Rows sorted by ts, every ts inside the day. */
	struct tshm_gen_table tables[TSHM_TABLE_COUNT];
	struct tshm_gen_bar_extra extra_1m, extra_1d;
};

struct tshm_gen_cursor;

/*
 * tshm_gen_cursor_new - a cursor over @g, which must outlive it. Buffers
 * grow to the largest day seen and are reused: no allocation per row.
 * Returns 0 or -ENOMEM. One cursor per thread.
 */
TSHM_EXPORT int tshm_gen_cursor_new(struct tshm_gen_cursor **out, const struct tshm_gen *g);

/* tshm_gen_cursor_free - NULL is a no-op. */
TSHM_EXPORT void tshm_gen_cursor_free(struct tshm_gen_cursor *c);

/*
 * tshm_gen_cursor_start - position @c before trading day 0 of asset @a.
 * Returns 0 or -EINVAL (@a >= nassets).
 */
TSHM_EXPORT int tshm_gen_cursor_start(struct tshm_gen_cursor *c, uint32_t a);

/*
 * tshm_gen_cursor_next - generate the next day of the cursor's asset into
 * @out (its pointers stay valid until the next call on @c).
 * Returns 1 with a day, 0 after the last day, -EINVAL if never started,
 * -ENOMEM.
 */
TSHM_EXPORT int tshm_gen_cursor_next(struct tshm_gen_cursor *c, struct tshm_gen_day *out);

/* ---- writers -------------------------------------------------------- */

/* What a writer produced. */
struct tshm_gen_stats {
	uint64_t rows[TSHM_TABLE_COUNT]; /* every table, assets and symbols included */
	uint64_t raw_bytes;		 /* trades, quotes and bars column bytes (segment widths) */
	uint64_t files;			 /* files written (CSV) */
	uint64_t text_bytes;		 /* CSV text before compression */
	uint64_t out_bytes;		 /* bytes written to files (CSV) */
	int64_t elapsed_ns;		 /* the whole call */
	/* tshm_gen_publish and tshm_gen_write_bundle: */
	uint64_t generation;	   /* published generation (publish only) */
	uint64_t hash_lo, hash_hi; /* content hash of the data */
	int bad_table;		   /* table the segment writer rejected, or -1 */
};

/* tshm_gen_write_csv flags */
#define TSHM_GEN_CSV_ZSTD 1u	  /* zstd-compress every file, names end in .zst */
#define TSHM_GEN_CSV_NO_HEADER 2u /* omit the header (binance-*, generic only) */
#define TSHM_GEN_CSV_CRLF 4u	  /* end lines with CR LF */

/*
 * tshm_gen_csv_preset - name of CSV preset @i ("binance-trades",
 * "binance-aggtrades", "binance-klines", "tardis-trades", "tardis-quotes",
 * "truefx", "zipline-csvdir", "generic"), or NULL past the last.
 */
TSHM_EXPORT const char *tshm_gen_csv_preset(unsigned i);

/*
 * tshm_gen_write_csv - generate the data of @o and write it under @out_dir
 * (created if missing; files of the same names replaced) in the layout of
 * CSV ingest preset @preset (the formats tickshm ingest reads):
 *   binance-trades     <SYM>-trades-<YYYY-MM-DD>.csv per asset and day (µs times)
 *   binance-aggtrades  <SYM>-aggTrades-<YYYY-MM-DD>.csv per asset and day
 *   binance-klines     <SYM>-1m-<YYYY-MM-DD>.csv per asset and day and
 *                      <SYM>-1d-<YYYY-MM>.csv per asset and month (ms times)
 *   tardis-trades      <exchange>_trades_<YYYY-MM-DD>_<SYM>.csv per asset and day
 *   tardis-quotes      <exchange>_quotes_<YYYY-MM-DD>_<SYM>.csv per asset and day
 *   truefx             <SYM>-<YYYY-MM>.csv per asset and month (quotes)
 *   zipline-csvdir     daily/<SYM>.csv per asset, with dividend and split
 *   generic            trades.csv, quotes.csv, bars_1m.csv, bars_1d.csv with
 *                      columns ts (ns),symbol,... named as the preset's --map
 * Assets are named by their current symbol throughout (no preset carries
 * symbol mappings). Decimals are exact (tshm_decimal_format at the asset's
 * exponents). @flags: TSHM_GEN_CSV_*. @st may be NULL. Assets are written
 * by one thread per online CPU (at most 16; generic: one), with the same
 * bytes whatever the count; zstd files are level-3 frames with checksums.
 * Returns 0; -EINVAL (bad options, unknown preset or flag, NO_HEADER for a
 * preset whose header is fixed); -ENOMEM; -errno of the file system (files
 * already written stay). Thread-safe (writes only under @out_dir).
 */
TSHM_EXPORT int tshm_gen_write_csv(const struct tshm_gen_opts *o, const char *preset,
				   const char *out_dir, unsigned flags, struct tshm_gen_stats *st);

/*
 * tshm_gen_write_bundle - generate the data of @o into the bundle in
 * @bundle_dir (created if missing; tickshm/bundle.h) in one transaction
 * named @name (NULL: the directory's basename or the existing name):
 * assets, symbols, sessions, adjustments and a chunk set per (table, asset,
 * day). Days the bundle already holds for these assets are replaced; other
 * assets and days are kept, so use a fresh directory for exactly this
 * data. st->hash_lo/hi receive the bundle's content hash. @st may be NULL.
 * Returns 0 or an error of the bundle API (-TSHM_EBUSY, -TSHM_ENAME,
 * -ENOSPC, -errno); on failure the bundle is as it was. Thread-safe for
 * different directories.
 */
TSHM_EXPORT int tshm_gen_write_bundle(const struct tshm_gen_opts *o, const char *bundle_dir,
				      const char *name, struct tshm_gen_stats *st);

struct tshm_bundle_txn;

/*
 * tshm_gen_put_reference - put @g's security master (assets, dated
 * symbols, sessions) into bundle transaction @t: what tshm_gen_write_bundle
 * writes first, and what a caller ingesting @g's CSV must provide (CSV
 * carries no sids, tick sizes or calendar). Returns 0 or an error of
 * tshm_bundle_put_*. Not thread-safe per transaction.
 */
TSHM_EXPORT int tshm_gen_put_reference(struct tshm_bundle_txn *t, const struct tshm_gen *g);

/*
 * tshm_gen_publish - generate the data of @o straight into a new
 * generation of @bundle in @cat (opened with TSHM_CATALOG_CREATE or RDWR)
 * and publish it, without a bundle on disk: a first pass counts the rows, a
 * second writes them into the segment, so memory stays one asset-day.
 * st->generation and st->hash_lo/hi receive what was published; on
 * -TSHM_EORDER st->bad_table names the rejected table (a generator bug).
 * @st may be NULL. Returns 0 or an error of tshm_writer_* (nothing is
 * published then). Thread-safe as the libshm writer is.
 */
TSHM_EXPORT int tshm_gen_publish(const struct tshm_gen_opts *o, struct tshm_catalog *cat,
				 const char *bundle, struct tshm_gen_stats *st);

#ifdef __cplusplus
}
#endif
#endif /* TICKSHM_GEN_H */
