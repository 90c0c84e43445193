/* SPDX-License-Identifier: MIT */
/* Private to the generator (gen_*.c): the model and the cursor's buffers. */
#ifndef TSHM_GEN_INTERNAL_H
#define TSHM_GEN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen_rng.h"
#include "tickshm/gen.h"

#define TSHM__GEN_US INT64_C(1000)
#define TSHM__GEN_MS INT64_C(1000000)
#define TSHM__GEN_SEC INT64_C(1000000000)
#define TSHM__GEN_MINUTE (60 * TSHM__GEN_SEC)
#define TSHM__GEN_OPEN (INT64_C(52200) * TSHM__GEN_SEC)	 /* 14:30 UTC */
#define TSHM__GEN_CLOSE (INT64_C(75600) * TSHM__GEN_SEC) /* 21:00 UTC */
#define TSHM__GEN_NO_DAY UINT32_MAX

/* One asset of the model: what the assets table shows plus how it moves. */
struct tshm__gen_asset {
	struct tshm_asset a;
	char old_symbol[TSHM_SYMBOL_MAX + 1]; /* before the rename, or "" */
	int64_t k0, kmax;		      /* first price and cap, in ticks */
	uint32_t split_day;		      /* trading day of its split, or NO_DAY */
	uint32_t div_first, div_every;	      /* dividends: first day, period (0: none) */
	int64_t split_num, split_den;	      /* the split's ratio (new shares per old) */
};

/* Burst timing for the requested trade rate, in microseconds. */
struct tshm__gen_timing {
	int64_t first_us; /* the first trade falls in [open, open + first_us) */
	int64_t burst_us; /* spacing in a burst: 2 ms + [0, burst_us) */
	int64_t gap_us;	  /* quiet gap after a burst: 4 ms + [0, gap_us) */
};

struct tshm_gen {
	struct tshm_gen_opts o;
	struct tshm__rng root;
	int32_t *days; /* ndays trading days, UTC days since epoch */
	struct tshm__gen_asset *assets;
	struct tshm_gen_symbol *symbols; /* sorted by (symbol, start) */
	uint32_t nsymbols;
	struct tshm__gen_timing timing;
};

/* Rows of one table in the segment's column widths (4 or 8 bytes). */
struct tshm__gen_cols {
	void *c[TSHM_GEN_MAX_COLS + 4]; /* + 4: the bars' extras */
	uint8_t width[TSHM_GEN_MAX_COLS + 4];
	unsigned ncols;
	size_t n, cap;
};

struct tshm_gen_cursor {
	const struct tshm_gen *g;
	uint32_t asset, next_day;
	bool started;
	struct tshm__rng stream; /* the asset's; days split from it */
	int64_t k;		 /* last price, in ticks */
	int64_t id;		 /* last trade id */
	struct tshm__gen_cols t[TSHM_TABLE_COUNT];
};

/* Make room for @need rows in total; returns 0 or -ENOMEM. */
int tshm__gen_cols_reserve(struct tshm__gen_cols *cols, size_t need);

/* Aggregate the trades of @c into its bars of @table (BARS_1M or BARS_1D). */
int tshm__gen_bars(struct tshm_gen_cursor *c, unsigned table, int64_t period);

/*
 * A file the CSV writers fill (gen_out.c): text is formatted straight into
 * a buffer, which is written out (zstd-compressed if asked) when full. An
 * error sticks until close reports it.
 */
#define TSHM__GEN_OUT_BUF (1u << 20)
#define TSHM__GEN_ROW_MAX 512u /* longest row any writer formats */
struct tshm__gen_out {
	int fd;
	int err;
	bool zstd;
	void *zc; /* ZSTD_CCtx */
	char *buf, *zbuf;
	size_t len, zcap;
	uint64_t files, text_bytes, out_bytes;
};

/* Buffers and, if @zstd, a compression context. Returns 0 or -ENOMEM. */
int tshm__gen_out_init(struct tshm__gen_out *o, bool zstd);

/* Create or truncate @dir/@name (".zst" appended when compressing). */
int tshm__gen_out_open(struct tshm__gen_out *o, const char *dir, const char *name);

/* Write out the buffer (partial compression frames are fine). */
void tshm__gen_out_flush(struct tshm__gen_out *o);

/* Flush, end the frame, close. Returns 0 or the first error since open. */
int tshm__gen_out_close(struct tshm__gen_out *o);

/* Close if open (errors dropped) and free. */
void tshm__gen_out_fini(struct tshm__gen_out *o);

/* Where the next row goes: room for TSHM__GEN_ROW_MAX bytes. */
static inline char *tshm__gen_out_row(struct tshm__gen_out *o)
{
	if (o->len + TSHM__GEN_ROW_MAX > TSHM__GEN_OUT_BUF)
		tshm__gen_out_flush(o);
	return o->buf + o->len;
}

/* The row formatted at tshm__gen_out_row() ends at @end. */
static inline void tshm__gen_out_done(struct tshm__gen_out *o, const char *end)
{
	o->len = (size_t)(end - o->buf);
}

/* Start @st for @g (NULL: nothing): zeroes, metadata rows, bad_table -1, clock. */
void tshm__gen_stats_begin(struct tshm_gen_stats *st, const struct tshm_gen *g);

/* Add @d's rows and column bytes to @st (may be NULL). */
void tshm__gen_stats_add(struct tshm_gen_stats *st, const struct tshm_gen_day *d);

/* Set st->elapsed_ns from the clock started by tshm__gen_stats_begin. */
void tshm__gen_stats_end(struct tshm_gen_stats *st);

/* Start of UTC day @day in ns since the epoch. */
static inline int64_t tshm__gen_day_ns(int32_t day)
{
	return (int64_t)day * TSHM_DAY_NS;
}

#endif
