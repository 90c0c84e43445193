/* SPDX-License-Identifier: MIT */
/*
 * Rows of the CSV ingest presets, formatted straight into the output
 * buffer. Decimals are exact: tshm_decimal_format of the mantissa at the
 * asset's exponent (quote volumes at price_exp + size_exp; the model keeps
 * price * size far inside int64). Integer times are truncated to the
 * preset's unit, which the model's whole-µs trades and whole-ms quotes and
 * bars make exact.
 */
#include <string.h>

#include "gen_csv.h"
#include "tickshm/text.h"

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static char *put_i64(char *p, int64_t v)
{
	char tmp[20];
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	size_t n = 0;

	if (v < 0)
		*p++ = '-';
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* A decimal never needs more than TSHM_DECIMAL_BUFSZ; rows leave room for it. */
static char *put_dec(char *p, int64_t mantissa, int exp)
{
	int n = tshm_decimal_format(p, TSHM_DECIMAL_BUFSZ, mantissa, exp);

	return p + (n > 0 ? n : 0);
}

static char *put_2(char *p, unsigned v)
{
	*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/* "," then the decimal: the common field. */
static char *sep_dec(char *p, int64_t mantissa, int exp)
{
	*p++ = ',';
	return put_dec(p, mantissa, exp);
}

static char *sep_i64(char *p, int64_t v)
{
	*p++ = ',';
	return put_i64(p, v);
}

static void end_row(struct tshm__csv *w, struct tshm__gen_out *o, char *p)
{
	memcpy(p, w->eol, w->eol_len);
	tshm__gen_out_done(o, p + w->eol_len);
}

void tshm__csv_line(struct tshm__csv *w, struct tshm__gen_out *o, const char *s)
{
	end_row(w, o, put_str(tshm__gen_out_row(o), s));
}

/* Binance: is_buyer_maker is true when the aggressor sold. */
void tshm__csv_binance_trades(struct tshm__csv *w, struct tshm__gen_out *o,
			      const struct tshm_gen_day *d, bool agg)
{
	const struct tshm_gen_table *t = &d->tables[TSHM_TABLE_TRADES];
	const int64_t *ts = t->cols[TSHM_TRADES_TS], *px = t->cols[TSHM_TRADES_PRICE];
	const int64_t *sz = t->cols[TSHM_TRADES_SIZE], *id = t->cols[TSHM_TRADES_ID];
	const int32_t *fl = t->cols[TSHM_TRADES_FLAGS];
	int pe = w->asset.price_exp, se = w->asset.size_exp;

	for (uint64_t i = 0; i < t->nrows; i++) {
		char *p = put_i64(tshm__gen_out_row(o), id[i]);

		p = sep_dec(p, px[i], pe);
		p = sep_dec(p, sz[i], se);
		if (agg) {
			p = sep_i64(p, id[i]); /* first_trade_id */
			p = sep_i64(p, id[i]); /* last_trade_id */
		} else {
			p = sep_dec(p, px[i] * sz[i], pe + se);
		}
		p = sep_i64(p, ts[i] / 1000);
		p = put_str(p, fl[i] == TSHM_TRADE_SELL ? ",True,True" : ",False,True");
		end_row(w, o, p);
	}
}

/* Klines in milliseconds: close_time is the period's last millisecond. */
void tshm__csv_binance_klines(struct tshm__csv *w, struct tshm__gen_out *o,
			      const struct tshm_gen_table *bars, const struct tshm_gen_bar_extra *x,
			      int64_t period)
{
	const int64_t *const *c = (const int64_t *const *)bars->cols;
	int pe = w->asset.price_exp, se = w->asset.size_exp;

	for (uint64_t i = 0; i < bars->nrows; i++) {
		int64_t open_ms = c[TSHM_BARS_TS][i] / 1000000;
		char *p = put_i64(tshm__gen_out_row(o), open_ms);

		p = sep_dec(p, c[TSHM_BARS_OPEN][i], pe);
		p = sep_dec(p, c[TSHM_BARS_HIGH][i], pe);
		p = sep_dec(p, c[TSHM_BARS_LOW][i], pe);
		p = sep_dec(p, c[TSHM_BARS_CLOSE][i], pe);
		p = sep_dec(p, c[TSHM_BARS_VOLUME][i], se);
		p = sep_i64(p, open_ms + period / 1000000 - 1);
		p = sep_dec(p, x->quote_volume[i], pe + se);
		p = sep_i64(p, x->count[i]);
		p = sep_dec(p, x->buy_volume[i], se);
		p = sep_dec(p, x->buy_quote_volume[i], pe + se);
		p = put_str(p, ",0");
		end_row(w, o, p);
	}
}

/* exchange,symbol,timestamp,local_timestamp: received a little later. */
static char *tardis_prefix(struct tshm__csv *w, char *p, int64_t ts, uint64_t i)
{
	int64_t us = ts / 1000;

	p = put_str(p, w->asset.exchange);
	*p++ = ',';
	p = put_str(p, w->asset.symbol);
	p = sep_i64(p, us);
	return sep_i64(p, us + 150 + (int64_t)(i * 7919 % 850));
}

void tshm__csv_tardis_trades(struct tshm__csv *w, struct tshm__gen_out *o,
			     const struct tshm_gen_day *d)
{
	const struct tshm_gen_table *t = &d->tables[TSHM_TABLE_TRADES];
	const int64_t *ts = t->cols[TSHM_TRADES_TS], *px = t->cols[TSHM_TRADES_PRICE];
	const int64_t *sz = t->cols[TSHM_TRADES_SIZE], *id = t->cols[TSHM_TRADES_ID];
	const int32_t *fl = t->cols[TSHM_TRADES_FLAGS];

	for (uint64_t i = 0; i < t->nrows; i++) {
		char *p = tardis_prefix(w, tshm__gen_out_row(o), ts[i], i);

		p = sep_i64(p, id[i]);
		p = put_str(p, fl[i] == TSHM_TRADE_BUY ? ",buy" : ",sell");
		p = sep_dec(p, px[i], w->asset.price_exp);
		p = sep_dec(p, sz[i], w->asset.size_exp);
		end_row(w, o, p);
	}
}

void tshm__csv_tardis_quotes(struct tshm__csv *w, struct tshm__gen_out *o,
			     const struct tshm_gen_day *d)
{
	const struct tshm_gen_table *q = &d->tables[TSHM_TABLE_QUOTES];
	const int64_t *const *c = (const int64_t *const *)q->cols;
	int pe = w->asset.price_exp, se = w->asset.size_exp;

	for (uint64_t i = 0; i < q->nrows; i++) {
		char *p = tardis_prefix(w, tshm__gen_out_row(o), c[TSHM_QUOTES_TS][i], i);

		p = sep_dec(p, c[TSHM_QUOTES_ASK_SZ][i], se);
		p = sep_dec(p, c[TSHM_QUOTES_ASK_PX][i], pe);
		p = sep_dec(p, c[TSHM_QUOTES_BID_PX][i], pe);
		p = sep_dec(p, c[TSHM_QUOTES_BID_SZ][i], se);
		end_row(w, o, p);
	}
}

/* symbol,YYYYMMDD HH:MM:SS.mmm,bid,ask */
void tshm__csv_truefx(struct tshm__csv *w, struct tshm__gen_out *o, const struct tshm_gen_day *d)
{
	const struct tshm_gen_table *q = &d->tables[TSHM_TABLE_QUOTES];
	const int64_t *const *c = (const int64_t *const *)q->cols;
	int64_t midnight = tshm__gen_day_ns(d->day);

	for (uint64_t i = 0; i < q->nrows; i++) {
		int64_t ms = (c[TSHM_QUOTES_TS][i] - midnight) / 1000000;
		unsigned sec = (unsigned)(ms / 1000);
		char *p = put_str(tshm__gen_out_row(o), w->asset.symbol);

		*p++ = ',';
		p = put_str(p, w->compact);
		*p++ = ' ';
		p = put_2(p, sec / 3600);
		*p++ = ':';
		p = put_2(p, sec / 60 % 60);
		*p++ = ':';
		p = put_2(p, sec % 60);
		*p++ = '.';
		*p++ = (char)('0' + ms % 1000 / 100);
		p = put_2(p, (unsigned)(ms % 100));
		p = sep_dec(p, c[TSHM_QUOTES_BID_PX][i], w->asset.price_exp);
		p = sep_dec(p, c[TSHM_QUOTES_ASK_PX][i], w->asset.price_exp);
		end_row(w, o, p);
	}
}

/* @num / @den as a terminating decimal (den's only factors are 2 and 5). */
static char *put_ratio(char *p, int64_t num, int64_t den)
{
	int64_t m = num;
	int k = 0;

	while (m % den && k < 12) {
		m *= 10;
		k++;
	}
	return put_dec(p, m / den, -k);
}

/* Dividend and split of the day's adjustments: 0 and 1 when there are none. */
static char *zipline_actions(struct tshm__csv *w, char *p, const struct tshm_gen_day *d)
{
	const struct tshm_gen_table *a = &d->tables[TSHM_TABLE_ADJUSTMENTS];
	const int32_t *kind = a->cols[TSHM_ADJ_KIND];
	const int64_t *num = a->cols[TSHM_ADJ_RATIO_NUM], *den = a->cols[TSHM_ADJ_RATIO_DEN];
	const int64_t *amt = a->cols[TSHM_ADJ_AMOUNT];
	int64_t div = 0, n = 1, dn = 1;

	for (uint64_t i = 0; i < a->nrows; i++) {
		if (kind[i] == TSHM_ADJ_CASH_DIVIDEND)
			div += amt[i];
		else if (kind[i] == TSHM_ADJ_SPLIT)
			n = num[i], dn = den[i];
	}
	p = sep_dec(p, div, w->asset.price_exp);
	*p++ = ',';
	return put_ratio(p, n, dn);
}

void tshm__csv_zipline(struct tshm__csv *w, struct tshm__gen_out *o, const struct tshm_gen_day *d)
{
	const struct tshm_gen_table *b = &d->tables[TSHM_TABLE_BARS_1D];
	const int64_t *const *c = (const int64_t *const *)b->cols;
	int pe = w->asset.price_exp;

	for (uint64_t i = 0; i < b->nrows; i++) {
		char *p = put_str(tshm__gen_out_row(o), w->date);

		p = sep_dec(p, c[TSHM_BARS_OPEN][i], pe);
		p = sep_dec(p, c[TSHM_BARS_HIGH][i], pe);
		p = sep_dec(p, c[TSHM_BARS_LOW][i], pe);
		p = sep_dec(p, c[TSHM_BARS_CLOSE][i], pe);
		p = sep_dec(p, c[TSHM_BARS_VOLUME][i], w->asset.size_exp);
		p = zipline_actions(w, p, d);
		end_row(w, o, p);
	}
}

/* ts (ns),symbol, then the table's values. */
void tshm__csv_generic(struct tshm__csv *w, struct tshm__gen_out *o, const struct tshm_gen_day *d,
		       unsigned table)
{
	const struct tshm_gen_table *t = &d->tables[table];
	const int64_t *const *c = (const int64_t *const *)t->cols;
	int pe = w->asset.price_exp, se = w->asset.size_exp;

	for (uint64_t i = 0; i < t->nrows; i++) {
		char *p = put_i64(tshm__gen_out_row(o), c[0][i]);

		*p++ = ',';
		p = put_str(p, w->asset.symbol);
		p = sep_dec(p, c[1][i], pe);
		if (table == TSHM_TABLE_TRADES) {
			p = sep_dec(p, c[TSHM_TRADES_SIZE][i], se);
			p = put_str(p, ((const int32_t *)t->cols[TSHM_TRADES_FLAGS])[i] ==
					       TSHM_TRADE_BUY
					   ? ",buy"
					   : ",sell");
			p = sep_i64(p, c[TSHM_TRADES_ID][i]);
		} else if (table == TSHM_TABLE_QUOTES) {
			p = sep_dec(p, c[TSHM_QUOTES_BID_SZ][i], se);
			p = sep_dec(p, c[TSHM_QUOTES_ASK_PX][i], pe);
			p = sep_dec(p, c[TSHM_QUOTES_ASK_SZ][i], se);
		} else {
			p = sep_dec(p, c[TSHM_BARS_HIGH][i], pe);
			p = sep_dec(p, c[TSHM_BARS_LOW][i], pe);
			p = sep_dec(p, c[TSHM_BARS_CLOSE][i], pe);
			p = sep_dec(p, c[TSHM_BARS_VOLUME][i], se);
		}
		end_row(w, o, p);
	}
}
