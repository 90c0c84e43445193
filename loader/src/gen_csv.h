/* SPDX-License-Identifier: MIT */
/* Private to the CSV writers: gen_csv.c (files, presets) and gen_csv_rows.c (rows). */
#ifndef TSHM_GEN_CSV_H
#define TSHM_GEN_CSV_H

#include "gen_internal.h"

/* Where the writers of one preset are. */
struct tshm__csv {
	const struct tshm_gen *g;
	const char *dir;
	unsigned flags;
	const char *eol;
	size_t eol_len;
	bool header;
	struct tshm_asset asset;	 /* of the asset being written */
	char date[16];			 /* "YYYY-MM-DD" of the day being written */
	char compact[16];		 /* "YYYYMMDD" of it */
	char month[8];			 /* "YYYY-MM" of the open monthly file, or "" */
	struct tshm__gen_out day;	 /* per asset-day file */
	struct tshm__gen_out span;	 /* per asset or per month file */
	struct tshm__gen_out generic[4]; /* generic: trades, quotes, bars_1m, bars_1d */
};

/* Rows of one asset-day in each preset's columns (gen_csv_rows.c). */
void tshm__csv_binance_trades(struct tshm__csv *w, struct tshm__gen_out *o,
			      const struct tshm_gen_day *d, bool agg);
void tshm__csv_binance_klines(struct tshm__csv *w, struct tshm__gen_out *o,
			      const struct tshm_gen_table *bars, const struct tshm_gen_bar_extra *x,
			      int64_t period);
void tshm__csv_tardis_trades(struct tshm__csv *w, struct tshm__gen_out *o,
			     const struct tshm_gen_day *d);
void tshm__csv_tardis_quotes(struct tshm__csv *w, struct tshm__gen_out *o,
			     const struct tshm_gen_day *d);
void tshm__csv_truefx(struct tshm__csv *w, struct tshm__gen_out *o, const struct tshm_gen_day *d);
void tshm__csv_zipline(struct tshm__csv *w, struct tshm__gen_out *o, const struct tshm_gen_day *d);
/* Generic: @table is TRADES, QUOTES, BARS_1M or BARS_1D. */
void tshm__csv_generic(struct tshm__csv *w, struct tshm__gen_out *o, const struct tshm_gen_day *d,
		       unsigned table);

/* Write @s and the line end: a header line. */
void tshm__csv_line(struct tshm__csv *w, struct tshm__gen_out *o, const char *s);

#endif
