/* SPDX-License-Identifier: MIT */
/*
 * The segment schema as the bundle store sees it: a copy of libshm's schema 1
 * (libshm/FORMAT.md 2.3; libshm does not export its table). test_bundle
 * compares it with a loaded segment's column descriptors, so a schema change
 * in libshm that is not mirrored here fails the tests.
 */
#include "bundle_internal.h"

#define I64(n, k)                                                                                  \
	{                                                                                          \
		n, TSHM_TYPE_I64, k, 8                                                             \
	}
#define I32(n, k)                                                                                  \
	{                                                                                          \
		n, TSHM_TYPE_I32, k, 4                                                             \
	}
#define CHR(n, w)                                                                                  \
	{                                                                                          \
		n, TSHM_TYPE_CHAR, TSHM_KIND_TEXT, w                                               \
	}

static const struct tshm__bcol assets_cols[] = {
    I64("sid", TSHM_KIND_SID),		CHR("symbol", TSHM_SYMBOL_MAX),
    CHR("exchange", TSHM_EXCHANGE_MAX), CHR("currency", TSHM_CURRENCY_MAX),
    I32("class", TSHM_KIND_PLAIN),	I32("price_exp", TSHM_KIND_PLAIN),
    I32("size_exp", TSHM_KIND_PLAIN),	I64("tick_size", TSHM_KIND_PRICE),
    I64("lot_size", TSHM_KIND_SIZE),	I64("start_ts", TSHM_KIND_TS),
    I64("end_ts", TSHM_KIND_TS),
};

static const struct tshm__bcol symbols_cols[] = {
    CHR("symbol", TSHM_SYMBOL_MAX),
    I64("start_ts", TSHM_KIND_TS),
    I64("end_ts", TSHM_KIND_TS),
    I64("sid", TSHM_KIND_SID),
};

static const struct tshm__bcol sessions_cols[] = {
    I32("day", TSHM_KIND_DAY),
    I64("open_ts", TSHM_KIND_TS),
    I64("close_ts", TSHM_KIND_TS),
};

static const struct tshm__bcol trades_cols[] = {
    I64("ts", TSHM_KIND_TS),	   I64("price", TSHM_KIND_PRICE),    I64("size", TSHM_KIND_SIZE),
    I32("flags", TSHM_KIND_PLAIN), I64("trade_id", TSHM_KIND_PLAIN),
};

static const struct tshm__bcol quotes_cols[] = {
    I64("ts", TSHM_KIND_TS),	    I64("bid_px", TSHM_KIND_PRICE), I64("bid_sz", TSHM_KIND_SIZE),
    I64("ask_px", TSHM_KIND_PRICE), I64("ask_sz", TSHM_KIND_SIZE),
};

static const struct tshm__bcol bars_cols[] = {
    I64("ts", TSHM_KIND_TS),	 I64("open", TSHM_KIND_PRICE),	I64("high", TSHM_KIND_PRICE),
    I64("low", TSHM_KIND_PRICE), I64("close", TSHM_KIND_PRICE), I64("volume", TSHM_KIND_SIZE),
};

static const struct tshm__bcol adj_cols[] = {
    I64("ts", TSHM_KIND_TS),	       I32("kind", TSHM_KIND_PLAIN),
    I64("ratio_num", TSHM_KIND_PLAIN), I64("ratio_den", TSHM_KIND_PLAIN),
    I64("amount", TSHM_KIND_PRICE),
};

#define N(a) (uint32_t)(sizeof(a) / sizeof((a)[0]))

const struct tshm__btable tshm__bschema[TSHM_TABLE_COUNT] = {
    [TSHM_TABLE_ASSETS] = {"assets", false, N(assets_cols), assets_cols},
    [TSHM_TABLE_SYMBOLS] = {"symbols", false, N(symbols_cols), symbols_cols},
    [TSHM_TABLE_SESSIONS] = {"sessions", false, N(sessions_cols), sessions_cols},
    [TSHM_TABLE_TRADES] = {"trades", true, N(trades_cols), trades_cols},
    [TSHM_TABLE_QUOTES] = {"quotes", true, N(quotes_cols), quotes_cols},
    [TSHM_TABLE_BARS_1M] = {"bars_1m", true, N(bars_cols), bars_cols},
    [TSHM_TABLE_BARS_1D] = {"bars_1d", true, N(bars_cols), bars_cols},
    [TSHM_TABLE_ADJUSTMENTS] = {"adjustments", true, N(adj_cols), adj_cols},
};

_Static_assert(TSHM_ASSETS_NCOLS == N(assets_cols), "assets columns");
_Static_assert(TSHM_SYMBOLS_NCOLS == N(symbols_cols), "symbols columns");
_Static_assert(TSHM_SESSIONS_NCOLS == N(sessions_cols), "sessions columns");
_Static_assert(TSHM_TRADES_NCOLS == N(trades_cols), "trades columns");
_Static_assert(TSHM_QUOTES_NCOLS == N(quotes_cols), "quotes columns");
_Static_assert(TSHM_BARS_NCOLS == N(bars_cols), "bars columns");
_Static_assert(TSHM_ADJ_NCOLS == N(adj_cols), "adjustments columns");

uint32_t tshm__codec_for(uint32_t table, uint32_t col)
{
	const struct tshm__bcol *c = &tshm__bschema[table].cols[col];

	if (c->width == 8 && (c->kind == TSHM_KIND_TS || c->kind == TSHM_KIND_PRICE))
		return TSHM_CODEC_DELTA_SHUF_ZSTD;
	return TSHM_CODEC_SHUF_ZSTD;
}
