/* SPDX-License-Identifier: MIT */
/* Schema version 1: the tables and columns of a bundle segment. */
#include "internal.h"

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

static const struct tshm_schema_col assets_cols[] = {
    I64("sid", TSHM_KIND_SID),		CHR("symbol", TSHM_SYMBOL_MAX),
    CHR("exchange", TSHM_EXCHANGE_MAX), CHR("currency", TSHM_CURRENCY_MAX),
    I32("class", TSHM_KIND_PLAIN),	I32("price_exp", TSHM_KIND_PLAIN),
    I32("size_exp", TSHM_KIND_PLAIN),	I64("tick_size", TSHM_KIND_PRICE),
    I64("lot_size", TSHM_KIND_SIZE),	I64("start_ts", TSHM_KIND_TS),
    I64("end_ts", TSHM_KIND_TS),
};

static const struct tshm_schema_col symbols_cols[] = {
    CHR("symbol", TSHM_SYMBOL_MAX),
    I64("start_ts", TSHM_KIND_TS),
    I64("end_ts", TSHM_KIND_TS),
    I64("sid", TSHM_KIND_SID),
};

static const struct tshm_schema_col sessions_cols[] = {
    I32("day", TSHM_KIND_DAY),
    I64("open_ts", TSHM_KIND_TS),
    I64("close_ts", TSHM_KIND_TS),
};

static const struct tshm_schema_col trades_cols[] = {
    I64("ts", TSHM_KIND_TS),	   I64("price", TSHM_KIND_PRICE),    I64("size", TSHM_KIND_SIZE),
    I32("flags", TSHM_KIND_PLAIN), I64("trade_id", TSHM_KIND_PLAIN),
};

static const struct tshm_schema_col quotes_cols[] = {
    I64("ts", TSHM_KIND_TS),	    I64("bid_px", TSHM_KIND_PRICE), I64("bid_sz", TSHM_KIND_SIZE),
    I64("ask_px", TSHM_KIND_PRICE), I64("ask_sz", TSHM_KIND_SIZE),
};

static const struct tshm_schema_col bars_cols[] = {
    I64("ts", TSHM_KIND_TS),	 I64("open", TSHM_KIND_PRICE),	I64("high", TSHM_KIND_PRICE),
    I64("low", TSHM_KIND_PRICE), I64("close", TSHM_KIND_PRICE), I64("volume", TSHM_KIND_SIZE),
};

static const struct tshm_schema_col adj_cols[] = {
    I64("ts", TSHM_KIND_TS),	       I32("kind", TSHM_KIND_PLAIN),
    I64("ratio_num", TSHM_KIND_PLAIN), I64("ratio_den", TSHM_KIND_PLAIN),
    I64("amount", TSHM_KIND_PRICE),
};

#define N(a) (uint32_t)(sizeof(a) / sizeof((a)[0]))
#define PA TSHM_TABLE_F_PER_ASSET

const struct tshm_schema_table tshm__schema[TSHM_TABLE_COUNT] = {
    [TSHM_TABLE_ASSETS] = {"assets", 0, N(assets_cols), UINT32_MAX, assets_cols},
    [TSHM_TABLE_SYMBOLS] = {"symbols", 0, N(symbols_cols), UINT32_MAX, symbols_cols},
    [TSHM_TABLE_SESSIONS] = {"sessions", 0, N(sessions_cols), UINT32_MAX, sessions_cols},
    [TSHM_TABLE_TRADES] = {"trades", PA, N(trades_cols), 0, trades_cols},
    [TSHM_TABLE_QUOTES] = {"quotes", PA, N(quotes_cols), 0, quotes_cols},
    [TSHM_TABLE_BARS_1M] = {"bars_1m", PA, N(bars_cols), 0, bars_cols},
    [TSHM_TABLE_BARS_1D] = {"bars_1d", PA, N(bars_cols), 0, bars_cols},
    [TSHM_TABLE_ADJUSTMENTS] = {"adjustments", PA, N(adj_cols), 0, adj_cols},
};

_Static_assert(TSHM_ASSETS_NCOLS == N(assets_cols), "assets columns");
_Static_assert(TSHM_SYMBOLS_NCOLS == N(symbols_cols), "symbols columns");
_Static_assert(TSHM_SESSIONS_NCOLS == N(sessions_cols), "sessions columns");
_Static_assert(TSHM_TRADES_NCOLS == N(trades_cols), "trades columns");
_Static_assert(TSHM_QUOTES_NCOLS == N(quotes_cols), "quotes columns");
_Static_assert(TSHM_BARS_NCOLS == N(bars_cols), "bars columns");
_Static_assert(TSHM_ADJ_NCOLS == N(adj_cols), "adjustments columns");
_Static_assert(TSHM_TABLE_COUNT <= TSHM_TABLE_SLOTS, "table slots");

const struct tshm_schema_table *tshm_schema_table(unsigned table)
{
	return table < TSHM_TABLE_COUNT ? &tshm__schema[table] : NULL;
}
