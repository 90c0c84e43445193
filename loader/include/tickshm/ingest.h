/* SPDX-License-Identifier: MIT */
/*
 * CSV ingest: market-data CSV files (plain or zstd) in one of the presets
 * (loader/INGEST.md) parsed exactly into an on-disk bundle (bundle.h).
 *
 * One call, one bundle transaction: every file is read and checked, rows
 * are collected per (table, asset) in memory, sorted by time where the
 * input was not, split by UTC day and written with tshm_bundle_put_day(),
 * which replaces whatever the bundle held for that (table, asset, day).
 * Nothing is committed unless the whole ingest succeeds (or, with
 * TSHM_INGEST_SKIP, unless every error was a rejected row or file).
 */
#ifndef TICKSHM_INGEST_H
#define TICKSHM_INGEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tickshm/common.h"
#include "tickshm/layout.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a bad row or file does (tshm_ingest_opts.on_error). */
enum tshm_ingest_on_error {
	TSHM_INGEST_FAIL = 0, /* the first one stops the ingest, nothing is committed */
	TSHM_INGEST_SKIP = 1, /* report it, count it, commit the good rows */
};

/*
 * Exact duplicate rows, same (table, asset) and every column equal
 * (tshm_ingest_opts.duplicates). Kept by default: identical trades and
 * quotes are real in formats without trade ids.
 */
enum tshm_ingest_dups {
	TSHM_INGEST_DUPS_KEEP = 0,
	TSHM_INGEST_DUPS_DROP = 1, /* keep the first of each set of identical rows */
};

/* Unit of integer timestamps (tshm_ingest_opts.ts_unit). */
enum tshm_ingest_ts_unit {
	TSHM_TS_UNIT_AUTO = 0, /* the preset's (binance: by magnitude; generic: ns) */
	TSHM_TS_UNIT_S,
	TSHM_TS_UNIT_MS,
	TSHM_TS_UNIT_US,
	TSHM_TS_UNIT_NS,
	TSHM_TS_UNIT_ISO, /* generic only: ISO-8601 text (tshm_ts_parse) */
};

/* Header line (tshm_ingest_opts.header). */
enum tshm_ingest_header {
	TSHM_INGEST_HEADER_AUTO = 0, /* the preset's rule (generic: present) */
	TSHM_INGEST_HEADER_PRESENT,
	TSHM_INGEST_HEADER_ABSENT,
};

/* tshm_ingest_opts.price_exp / size_exp / asset_class left to the preset. */
#define TSHM_INGEST_DEFAULT INT32_MIN

/* tshm_ingest_opts.flags */
#define TSHM_INGEST_NO_SESSIONS 1u /* do not write a session per UTC day with data */
#define TSHM_INGEST_DRY_RUN 2u	   /* parse, check, sort, report; open no bundle, write nothing */

#define TSHM_INGEST_ROW_COLS 6 /* most columns of a table ingest writes (bars), ts included */

/*
 * One row as written (tshm_ingest_opts.on_row): after sorting and dropping
 * duplicates, at the asset's final exponents. Adjustments (zipline) come as
 * rows of TSHM_TABLE_ADJUSTMENTS.
 */
struct tshm_ingest_row {
	enum tshm_table table;
	uint32_t ncols;			   /* columns of the table, ts included */
	const struct tshm_asset *asset;	   /* sid (numbered from 1 in a dry run), exponents */
	int64_t col[TSHM_INGEST_ROW_COLS]; /* col[0] = ts, then the table's columns in
					      * schema order (int32 ones widened) */
};

typedef void (*tshm_ingest_row_fn)(const struct tshm_ingest_row *row, void *arg);

struct tshm_ingest_opts {
	const char *preset;	  /* required: a name from tshm_ingest_preset_at() */
	const char *bundle_dir;	  /* required unless TSHM_INGEST_DRY_RUN: created if missing */
	const char *name;	  /* bundle name on creation (NULL: the directory's basename) */
	const char *const *files; /* CSV files; zipline-csvdir also takes directories */
	size_t nfiles;		  /* at least 1 */
	unsigned flags;		  /* TSHM_INGEST_*; unknown bits are -EINVAL */
	int on_error;		  /* enum tshm_ingest_on_error */
	int duplicates;		  /* enum tshm_ingest_dups */
	int ts_unit;		  /* enum tshm_ingest_ts_unit */
	int header;		  /* enum tshm_ingest_header */
	char delimiter;		  /* field separator; 0 means ',' */
	enum tshm_table table;	  /* generic: trades, quotes, bars_1m or bars_1d; 0 = trades */
	const char *map;    /* generic: "ts=time,price=px,..." (column names or 1-based numbers) */
	const char *symbol; /* every row's symbol (overrides the data and the file name) */
	const char *exchange;	   /* exchange of new assets (else the data's, else the preset's) */
	const char *currency;	   /* currency of new assets (default "") */
	int32_t asset_class;	   /* class of new assets, or TSHM_INGEST_DEFAULT */
	int32_t price_exp;	   /* fixed exponents of new assets, or TSHM_INGEST_DEFAULT: */
	int32_t size_exp;	   /*   inferred from the data, in [-12, 0] */
	FILE *report;		   /* rejected rows as "prefix file:line: reason"; NULL: quiet */
	const char *report_prefix; /* e.g. "tickshm ingest: " (NULL: none) */
	unsigned max_report;	   /* lines printed at most (0: 100); the rest are counted */
	tshm_ingest_row_fn on_row; /* called for every row written (tests, tools); may be NULL */
	void *on_row_arg;
};

/* Totals of one tshm_ingest_run(). */
struct tshm_ingest_result {
	uint64_t bytes_in;		 /* CSV text bytes read (after decompression) */
	uint64_t file_bytes;		 /* bytes read from the files (compressed size for .zst) */
	uint64_t rows_read;		 /* data lines seen (headers and blank lines excluded) */
	uint64_t rows_ingested;		 /* rows written to the bundle */
	uint64_t rows_skipped;		 /* rows rejected under TSHM_INGEST_SKIP */
	uint64_t files_skipped;		 /* files rejected as a whole under TSHM_INGEST_SKIP */
	uint64_t duplicates_dropped;	 /* under TSHM_INGEST_DUPS_DROP */
	uint64_t rows[TSHM_TABLE_COUNT]; /* rows_ingested per table */
	uint64_t adjustments;		 /* adjustment rows put */
	uint64_t days_written;		 /* (table, asset, day) chunk sets put */
	uint64_t series_sorted;		 /* (table, asset) series that had to be sorted */
	uint32_t files;			 /* files read */
	uint32_t assets_new;		 /* assets created */
	uint32_t assets_updated;	 /* existing assets that received rows */
	uint32_t sessions;		 /* sessions put */
	int64_t min_ts, max_ts;		 /* of the rows ingested (0, 0 if none) */
	uint64_t elapsed_ns;		 /* wall time of the whole run, of which: */
	uint64_t read_ns;		 /*   reading and parsing the files */
	uint64_t write_ns;		 /*   sorting and encoding into the bundle */
	uint64_t commit_ns;		 /*   making it durable (fsync, SQLite commit) */
	char error[512]; /* why it failed: "file:line: reason" for input, "what: why" else */
};

/* One preset: what tshm_ingest_preset_at() describes. */
struct tshm_ingest_preset {
	const char *name;    /* "binance-trades" */
	const char *table;   /* "trades", "bars_1m or bars_1d", "any" */
	const char *columns; /* the columns, comma-separated, in file order */
	const char *summary; /* one line */
};

/*
 * tshm_ingest_opts_init - fill @o with the defaults: fail on the first bad
 * row, keep duplicates, preset timestamp unit and header rule, ',' as the
 * delimiter, inferred exponents, the preset's asset class, quiet.
 * Thread-safe.
 */
TSHM_EXPORT void tshm_ingest_opts_init(struct tshm_ingest_opts *o);

/*
 * tshm_ingest_preset_at - preset number @i (0, 1, ...), or NULL past the
 * last. tshm_ingest_preset_find - the preset called @name, or NULL.
 * Static data; thread-safe.
 */
TSHM_EXPORT const struct tshm_ingest_preset *tshm_ingest_preset_at(size_t i);
TSHM_EXPORT const struct tshm_ingest_preset *tshm_ingest_preset_find(const char *name);

/*
 * tshm_ingest_run - ingest @o->files with preset @o->preset into the bundle
 * in @o->bundle_dir, in one bundle transaction. @res (required) is zeroed,
 * then filled; res->error says why on failure.
 * Rows are reported to @o->on_row (if set) as they are written, per asset
 * in order of first appearance, per table, in time order.
 * Returns 0 (with TSHM_INGEST_SKIP, also when rows or files were skipped:
 * see res->rows_skipped, files_skipped); -EBADMSG for bad input under
 * TSHM_INGEST_FAIL (the first rejected row or file: "file:line: reason");
 * -EINVAL for bad options (unknown preset, flags or policy, --map or
 * --table with another preset than generic, exponents that conflict with
 * an existing asset); -ENOENT for a missing input file, -EISDIR or another
 * -errno for one that cannot be read; -ENOMEM; the bundle's errors
 * (-TSHM_EBUSY when another writer holds it, -TSHM_EVERSION, -ENOSPC,
 * -errno). On any error nothing is committed and the bundle is as before.
 * Thread-safe for different bundles (no global state); one writer per
 * bundle at a time (the bundle lock serialises the rest).
 */
TSHM_EXPORT int tshm_ingest_run(const struct tshm_ingest_opts *o, struct tshm_ingest_result *res);

#ifdef __cplusplus
}
#endif
#endif /* TICKSHM_INGEST_H */
