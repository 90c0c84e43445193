/* SPDX-License-Identifier: MIT */
/*
 * Binance public data (data.binance.vision): spot/futures trades, aggTrades
 * and klines. Headers are optional (spot files have none, futures files
 * do); the symbol is in the file name ("BTCUSDT-trades-2024-01-02.csv").
 * Timestamps are integer epoch ms, or us from 2025 on (told apart by
 * magnitude unless --ts-unit says).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ingest_internal.h"

#define BIT(k) (1u << (k))

/* Length of the symbol before "-trades-", "-aggTrades-" or "-<interval>-"
 * (1s, 1m, 15m, 1h, 1d, 1w, 1M, ...) in a Binance file name, or 0. */
static size_t symbol_len(const char *base)
{
	for (const char *m = strchr(base, '-'); m; m = strchr(m + 1, '-')) {
		const char *p = m + 1;

		if (!strncmp(p, "trades-", 7) || !strncmp(p, "aggTrades-", 10))
			return (size_t)(m - base);
		while (*p >= '0' && *p <= '9')
			p++;
		if (p > m + 1 && *p && strchr("smhdwM", *p) && p[1] == '-')
			return (size_t)(m - base);
	}
	return 0;
}

/* "BTCUSDT-trades-..." -> "BTCUSDT", unless --symbol gave one. */
static int symbol_from_name(struct tshm__pfile *pf, const struct tshm__field *hdr, unsigned nhdr,
			    char *why, size_t len)
{
	const char *base = tshm__basename(pf->path ? pf->path : "");
	size_t n = symbol_len(base);

	(void)hdr, (void)nhdr;
	if (pf->po->symbol_given)
		return 0;
	if (n > 0) {
		if (n > TSHM_SYMBOL_MAX) {
			snprintf(why, len, "symbol in the file name is longer than %u bytes",
				 TSHM_SYMBOL_MAX);
			return -EINVAL;
		}
		memcpy(pf->fsym, base, n);
		pf->fsym[n] = '\0';
		pf->fsymlen = n;
		return 0;
	}
	snprintf(why, len,
		 "cannot tell the symbol from the file name (SYMBOL-trades-..., "
		 "SYMBOL-aggTrades-..., SYMBOL-1m-...): use --symbol");
	return -EINVAL;
}

/* is_buyer_maker: the maker bought, so the aggressor sold. */
static int side(struct tshm__rec *r, const struct tshm__field *f)
{
	bool maker = false;
	int rc = tshm__field_bool(r, f, "is_buyer_maker", &maker);

	if (rc == 0)
		r->flags = maker ? TSHM_TRADE_SELL : TSHM_TRADE_BUY;
	return rc;
}

enum { T_ID, T_PRICE, T_QTY, T_QUOTE_QTY, T_TIME, T_MAKER, T_BEST };

static const char *const trades_names[] = {
    "id", "price", "qty", "quote_qty", "time", "is_buyer_maker", "is_best_match",
};

static int parse_trades(const struct tshm__pfile *pf, const struct tshm__field *f, unsigned nf,
			struct tshm__rec *r)
{
	int rc;

	if ((rc = tshm__field_int(r, tshm__fld(pf, f, nf, T_ID), "id", &r->id)) < 0 ||
	    (rc = tshm__rec_val(r, 0, tshm__fld(pf, f, nf, T_PRICE), "price")) < 0 ||
	    (rc = tshm__rec_val(r, 1, tshm__fld(pf, f, nf, T_QTY), "qty")) < 0 ||
	    (rc = tshm__field_ts_binance(r, tshm__fld(pf, f, nf, T_TIME), "time", pf->po->ts_unit,
					 &r->ts)) < 0 ||
	    (rc = side(r, tshm__fld(pf, f, nf, T_MAKER))) < 0)
		return rc;
	r->has_id = true;
	return 0;
}

const struct tshm__preset tshm__preset_binance_trades = {
    .pub = {"binance-trades", "trades",
	    "id,price,qty,quote_qty,time,is_buyer_maker[,is_best_match]",
	    "Binance trades; header optional; symbol from the file name"},
    .table = TSHM_TABLE_TRADES,
    .asset_class = TSHM_CLASS_CRYPTO,
    .exchange = "binance",
    .header = TSHM__HDR_OPTIONAL,
    .nfields = 7,
    .min_cols = 6,
    .required = BIT(T_ID) | BIT(T_PRICE) | BIT(T_QTY) | BIT(T_TIME) | BIT(T_MAKER),
    .names = trades_names,
    .open = symbol_from_name,
    .parse = parse_trades,
};

enum { A_ID, A_PRICE, A_QTY, A_FIRST, A_LAST, A_TIME, A_MAKER, A_BEST };

static const char *const agg_names[] = {
    "agg_trade_id",  "price",	      "quantity",	"first_trade_id",
    "last_trade_id", "transact_time", "is_buyer_maker", "is_best_match",
};

static int parse_agg(const struct tshm__pfile *pf, const struct tshm__field *f, unsigned nf,
		     struct tshm__rec *r)
{
	int rc;

	if ((rc = tshm__field_int(r, tshm__fld(pf, f, nf, A_ID), "agg_trade_id", &r->id)) < 0 ||
	    (rc = tshm__rec_val(r, 0, tshm__fld(pf, f, nf, A_PRICE), "price")) < 0 ||
	    (rc = tshm__rec_val(r, 1, tshm__fld(pf, f, nf, A_QTY), "quantity")) < 0 ||
	    (rc = tshm__field_ts_binance(r, tshm__fld(pf, f, nf, A_TIME), "transact_time",
					 pf->po->ts_unit, &r->ts)) < 0 ||
	    (rc = side(r, tshm__fld(pf, f, nf, A_MAKER))) < 0)
		return rc;
	r->has_id = true;
	return 0;
}

const struct tshm__preset tshm__preset_binance_aggtrades = {
    .pub = {"binance-aggtrades", "trades",
	    "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,"
	    "is_buyer_maker[,is_best_match]",
	    "Binance aggregated trades; header optional; symbol from the file name"},
    .table = TSHM_TABLE_TRADES,
    .asset_class = TSHM_CLASS_CRYPTO,
    .exchange = "binance",
    .header = TSHM__HDR_OPTIONAL,
    .nfields = 8,
    .min_cols = 7,
    .required = BIT(A_ID) | BIT(A_PRICE) | BIT(A_QTY) | BIT(A_TIME) | BIT(A_MAKER),
    .names = agg_names,
    .open = symbol_from_name,
    .parse = parse_agg,
};

enum { K_OPEN_TIME, K_OPEN, K_HIGH, K_LOW, K_CLOSE, K_VOLUME, K_CLOSE_TIME };

static const char *const kline_names[] = {
    "open_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "close_time",
    "quote_volume",
    "count",
    "taker_buy_volume",
    "taker_buy_quote_volume",
    "ignore",
};

/* The bar's table from its interval: close_time - open_time + one unit. */
static int kline_table(const struct tshm__pfile *pf, const struct tshm__field *f, unsigned nf,
		       struct tshm__rec *r)
{
	const struct tshm__field *fo = tshm__fld(pf, f, nf, K_OPEN_TIME),
				 *fc = tshm__fld(pf, f, nf, K_CLOSE_TIME);
	int64_t open, close, unit_ns, span;
	int unit = pf->po->ts_unit;
	int rc;

	if ((rc = tshm__field_int(r, fo, "open_time", &open)) < 0 ||
	    (rc = tshm__field_int(r, fc, "close_time", &close)) < 0)
		return rc;
	if (unit == TSHM_TS_UNIT_AUTO)
		unit = open < INT64_C(100000000000000) ? TSHM_TS_UNIT_MS : TSHM_TS_UNIT_US;
	unit_ns = tshm__unit_ns(unit);
	if (__builtin_mul_overflow(open, unit_ns, &r->ts) || tshm__ts_check(r->ts) < 0)
		return tshm__rec_fail(r, fo, "open_time", "out of range");
	if (__builtin_sub_overflow(close, open, &span) ||
	    __builtin_mul_overflow(span, unit_ns, &span) ||
	    __builtin_add_overflow(span, unit_ns, &span))
		span = 0;
	if (span == INT64_C(60) * 1000000000)
		r->table = TSHM_TABLE_BARS_1M;
	else if (span == TSHM_DAY_NS)
		r->table = TSHM_TABLE_BARS_1D;
	else
		return tshm__rec_fail(r, fc, "close_time", "interval is neither 1m nor 1d");
	return 0;
}

static int parse_klines(const struct tshm__pfile *pf, const struct tshm__field *f, unsigned nf,
			struct tshm__rec *r)
{
	static const char *const vnames[] = {"open", "high", "low", "close", "volume"};
	int rc = kline_table(pf, f, nf, r);

	for (unsigned k = 0; rc == 0 && k < 5; k++)
		rc = tshm__rec_val(r, k, tshm__fld(pf, f, nf, K_OPEN + k), vnames[k]);
	return rc;
}

const struct tshm__preset tshm__preset_binance_klines = {
    .pub = {"binance-klines", "bars_1m or bars_1d",
	    "open_time,open,high,low,close,volume,close_time,quote_volume,count,"
	    "taker_buy_volume,taker_buy_quote_volume,ignore",
	    "Binance 1m or 1d klines (table from the interval); header optional"},
    .table = TSHM_TABLE_BARS_1M,
    .asset_class = TSHM_CLASS_CRYPTO,
    .exchange = "binance",
    .header = TSHM__HDR_OPTIONAL,
    .nfields = 12,
    .min_cols = 7,
    .required = BIT(K_OPEN_TIME) | BIT(K_OPEN) | BIT(K_HIGH) | BIT(K_LOW) | BIT(K_CLOSE) |
		BIT(K_VOLUME) | BIT(K_CLOSE_TIME),
    .names = kline_names,
    .open = symbol_from_name,
    .parse = parse_klines,
};
