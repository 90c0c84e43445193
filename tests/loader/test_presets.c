/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/*
 * Every preset parser on small fixture files: the rows a dry-run ingest
 * reports (table, asset attributes, inferred exponents, every value) are
 * exactly those the text says; the header rules, symbol sources, time
 * units and the preset-specific rules (Binance klines intervals, Tardis
 * ids and empty book sides, zipline dividends and splits) hold.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ingest_test.h"
#include "loader_test.h"
#include "tshm_proc.h"

struct fx {
	char dir[64];
	char path[512];
	struct tshm_itest_rows rows;
	struct tshm_ingest_result res;
	struct tshm_ingest_opts o;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || tshm_test_mkdtemp(f->dir, sizeof(f->dir)) < 0) {
		free(f);
		return -1;
	}
	tshm_ingest_opts_init(&f->o);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tshm_itest_rows_free(&f->rows);
	tshm_test_rmtree(f->dir);
	free(f);
	return 0;
}

/* Write @text as @name and dry-run @preset on it with f->o. */
static int run(struct fx *f, const char *preset, const char *name, const char *text)
{
	const char *files[] = {f->path};

	TSHM_TEST_CHECK(tshm_itest_write_str(f->dir, name, text, f->path));
	tshm_itest_rows_free(&f->rows);
	return tshm_itest_ingest(preset, NULL, files, 1, 0, &f->o, &f->rows, &f->res);
}

static void run_ok(struct fx *f, const char *preset, const char *name, const char *text)
{
	int rc = run(f, preset, name, text);

	if (rc < 0)
		fail_msg("%s on %s: %d %s", preset, name, rc, f->res.error);
}

static void expect_error(struct fx *f, int rc, const char *needle)
{
	if (rc >= 0 || !strstr(f->res.error, needle))
		fail_msg("expected an error with \"%s\", got %d: %s", needle, rc, f->res.error);
}

/* Row @i has table @t and every column of it as @want. */
static void expect_row(const struct fx *f, size_t i, enum tshm_table t, const int64_t *want)
{
	const struct tshm_itest_row *r;

	assert_true(i < f->rows.n);
	r = &f->rows.v[i];
	assert_int_equal(r->table, t);
	assert_int_equal(r->ncols, tshm_schema_table(t)->ncols);
	for (unsigned c = 0; c < r->ncols; c++)
		if (r->col[c] != want[c])
			fail_msg("row %zu col %u: %lld, expected %lld", i, c, (long long)r->col[c],
				 (long long)want[c]);
}

static void expect_asset(const struct fx *f, size_t i, const char *sym, const char *exch, int cls,
			 int pexp, int sexp)
{
	const struct tshm_asset *a = &f->rows.v[i].asset;

	assert_string_equal(a->symbol, sym);
	assert_string_equal(a->exchange, exch);
	assert_int_equal(a->asset_class, cls);
	assert_int_equal(a->price_exp, pexp);
	assert_int_equal(a->size_exp, sexp);
	assert_int_equal(a->tick_size, 1);
	assert_int_equal(a->lot_size, 1);
}

#define MS(x) (INT64_C(x) * 1000000)
#define US(x) (INT64_C(x) * 1000)

static void test_presets_binance_trades(void **state)
{
	struct fx *f = *state;
	const char *rows = "100,42283.58000000,0.00118000,49.89462240,1704153600043,True,True\n"
			   "101,42283.57000000,0.50000000,21141.78500000,1704153600044,False,True\n"
			   "102,42283.60000000,1.00000000,42283.60,1735689600000123,true,false\n";

	run_ok(f, "binance-trades", "BTCUSDT-trades-2024-01-02.csv", rows);
	assert_int_equal(f->rows.n, 3);
	expect_asset(f, 0, "BTCUSDT", "binance", TSHM_CLASS_CRYPTO, -8, -8);
	expect_row(f, 0, TSHM_TABLE_TRADES,
		   (int64_t[]){MS(1704153600043), 4228358000000, 118000, TSHM_TRADE_SELL, 100});
	expect_row(f, 1, TSHM_TABLE_TRADES,
		   (int64_t[]){MS(1704153600044), 4228357000000, 50000000, TSHM_TRADE_BUY, 101});
	/* >= 10^14: microseconds (Binance from 2025) */
	expect_row(
	    f, 2, TSHM_TABLE_TRADES,
	    (int64_t[]){US(1735689600000123), 4228360000000, 100000000, TSHM_TRADE_SELL, 102});
	assert_int_equal(f->res.sessions, 2);
	/* Futures-style header (6 columns, found by name), --symbol, --ts-unit. */
	f->o.symbol = "XYZ";
	f->o.ts_unit = TSHM_TS_UNIT_US;
	run_ok(f, "binance-trades", "anything.csv",
	       "id,price,qty,quote_qty,time,is_buyer_maker\n"
	       "7,1.5,2,3,1704153600000000,false\n");
	expect_asset(f, 0, "XYZ", "binance", TSHM_CLASS_CRYPTO, -1, 0);
	expect_row(f, 0, TSHM_TABLE_TRADES,
		   (int64_t[]){US(1704153600000000), 15, 2, TSHM_TRADE_BUY, 7});
	f->o.symbol = NULL;
	f->o.ts_unit = 0;
	expect_error(f, run(f, "binance-trades", "trades.csv", rows),
		     "trades.csv: cannot tell the symbol from the file name");
	expect_error(f, run(f, "binance-trades", "X-trades-1.csv", "1,1,1,1,1,maybe,True\n"),
		     "X-trades-1.csv:1: is_buyer_maker: not true/false \"maybe\"");
}

static void test_presets_binance_aggtrades(void **state)
{
	struct fx *f = *state;

	run_ok(f, "binance-aggtrades", "ETHUSDT-aggTrades-2024-01-02.csv",
	       "26129,2290.10,0.053,1,3,1704153600001,true,true\n"
	       "26130,2290.11,1.5,4,4,1704153600001,false,true\n");
	assert_int_equal(f->rows.n, 2);
	expect_asset(f, 0, "ETHUSDT", "binance", TSHM_CLASS_CRYPTO, -2, -3);
	expect_row(f, 0, TSHM_TABLE_TRADES,
		   (int64_t[]){MS(1704153600001), 229010, 53, TSHM_TRADE_SELL, 26129});
	expect_row(f, 1, TSHM_TABLE_TRADES,
		   (int64_t[]){MS(1704153600001), 229011, 1500, TSHM_TRADE_BUY, 26130});
	/* With a header, columns by name. */
	run_ok(f, "binance-aggtrades", "ETHUSDT-aggTrades-2024-01-03.csv",
	       "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,"
	       "is_buyer_maker\n"
	       "5,10,1,1,1,1704240000000,true\n");
	expect_row(f, 0, TSHM_TABLE_TRADES,
		   (int64_t[]){MS(1704240000000), 10, 1, TSHM_TRADE_SELL, 5});
}

static void test_presets_binance_klines(void **state)
{
	struct fx *f = *state;

	run_ok(f, "binance-klines", "BTCUSDT-1m-2024-01-02.csv",
	       "1704153600000,42283.58,42298.62,42283.57,42298.61,35.04,1704153659999,"
	       "1481812.31,1015,20.58,870485.78,0\n"
	       "1704153660000,42298.62,42320.00,42290.10,42301.99,12.50117,1704153719999,"
	       "1,1,1,1,0\n");
	assert_int_equal(f->rows.n, 2);
	expect_asset(f, 0, "BTCUSDT", "binance", TSHM_CLASS_CRYPTO, -2, -5);
	expect_row(f, 0, TSHM_TABLE_BARS_1M,
		   (int64_t[]){MS(1704153600000), 4228358, 4229862, 4228357, 4229861, 3504000});
	expect_row(f, 1, TSHM_TABLE_BARS_1M,
		   (int64_t[]){MS(1704153660000), 4229862, 4232000, 4229010, 4230199, 1250117});
	run_ok(f, "binance-klines", "BTCUSDT-1d-2024-01.csv",
	       "open_time,open,high,low,close,volume,close_time,quote_volume,count,"
	       "taker_buy_volume,taker_buy_quote_volume,ignore\n"
	       "1704153600000,1,2,0.5,1.5,100,1704239999999,0,0,0,0,0\n"
	       "1704240000000000,1.5,2,1,2,7,1704326399999999,0,0,0,0,0\n");
	assert_int_equal(f->rows.n, 2);
	expect_row(f, 0, TSHM_TABLE_BARS_1D, (int64_t[]){MS(1704153600000), 10, 20, 5, 15, 100});
	expect_row(f, 1, TSHM_TABLE_BARS_1D, (int64_t[]){US(1704240000000000), 15, 20, 10, 20, 7});
	expect_error(f,
		     run(f, "binance-klines", "BTCUSDT-1h-2024-01-02.csv",
			 "1704153600000,1,1,1,1,1,1704157199999,0,0,0,0,0\n"),
		     ":1: close_time: interval is neither 1m nor 1d");
}

static void test_presets_tardis_trades(void **state)
{
	struct fx *f = *state;

	run_ok(
	    f, "tardis-trades", "binance_trades_2024-01-02_BTCUSDT.csv",
	    "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
	    "binance,BTCUSDT,1704153600043000,1704153600050123,3331626453,sell,42283.58,0.00118\n"
	    "binance,BTCUSDT,1704153600044000,1704153600050124,abc-1,buy,42283.57,0.5\n"
	    "binance,BTCUSDT,1704153600045001,1704153600050125,,unknown,42283.6,1\n"
	    "binance-futures,ETHUSDT,1704153600045002,1704153600050126,12,buy,2290.1,3\n");
	assert_int_equal(f->rows.n, 4);
	expect_asset(f, 0, "BTCUSDT", "binance", TSHM_CLASS_CRYPTO, -2, -5);
	expect_row(f, 0, TSHM_TABLE_TRADES,
		   (int64_t[]){US(1704153600043000), 4228358, 118, TSHM_TRADE_SELL, 3331626453});
	/* Ids that are not integers: a per-asset sequence number. */
	expect_row(f, 1, TSHM_TABLE_TRADES,
		   (int64_t[]){US(1704153600044000), 4228357, 50000, TSHM_TRADE_BUY, 1});
	expect_row(f, 2, TSHM_TABLE_TRADES,
		   (int64_t[]){US(1704153600045001), 4228360, 100000, 0, 2});
	expect_asset(f, 3, "ETHUSDT", "binance-futures", TSHM_CLASS_CRYPTO, -1, 0);
	expect_row(f, 3, TSHM_TABLE_TRADES,
		   (int64_t[]){US(1704153600045002), 22901, 3, TSHM_TRADE_BUY, 12});
	expect_error(f,
		     run(f, "tardis-trades", "t.csv",
			 "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
			 "x,Y,1,1,1,up,1,1\n"),
		     "t.csv:2: side: not buy/sell/unknown \"up\"");
	expect_error(f,
		     run(f, "tardis-trades", "h.csv",
			 "exchange,symbol,time,local_timestamp,id,side,price,amount\n"),
		     "h.csv:1: header: no column \"timestamp\"");
	/* Columns by name: another order reads the same. */
	run_ok(f, "tardis-trades", "o.csv",
	       "price,amount,side,id,timestamp,symbol,exchange\n"
	       "1.25,2,sell,9,1704153600000000,Z,ex\n");
	expect_row(f, 0, TSHM_TABLE_TRADES,
		   (int64_t[]){US(1704153600000000), 125, 2, TSHM_TRADE_SELL, 9});
}

static void test_presets_tardis_quotes(void **state)
{
	struct fx *f = *state;

	run_ok(
	    f, "tardis-quotes", "deribit_quotes.csv",
	    "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount\n"
	    "deribit,BTC-PERPETUAL,1704153600000000,1704153600001000,1000,42290.5,42290,25000\n"
	    "deribit,BTC-PERPETUAL,1704153600001000,1704153600002000,,,42290,24000\n");
	assert_int_equal(f->rows.n, 2);
	expect_asset(f, 0, "BTC-PERPETUAL", "deribit", TSHM_CLASS_CRYPTO, -1, 0);
	expect_row(f, 0, TSHM_TABLE_QUOTES,
		   (int64_t[]){US(1704153600000000), 422900, 25000, 422905, 1000});
	/* An empty side of the book reads as price 0, size 0. */
	expect_row(f, 1, TSHM_TABLE_QUOTES, (int64_t[]){US(1704153600001000), 422900, 24000, 0, 0});
	expect_error(f,
		     run(f, "tardis-quotes", "q.csv",
			 "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,"
			 "bid_amount\n"
			 "d,B,1,1,5,,1,1\n"),
		     "q.csv:2: ask_price: empty");
}

static void test_presets_truefx(void **state)
{
	struct fx *f = *state;

	run_ok(f, "truefx", "EURUSD-2024-01.csv",
	       "EUR/USD,20240102 00:00:00.123,1.10412,1.10415\n"
	       "EUR/USD,20240102 23:59:59.999,1.1041,1.10421\n"
	       "USD/JPY,20240229 12:00:00.000,141.123,141.13\n");
	assert_int_equal(f->rows.n, 3);
	expect_asset(f, 0, "EUR/USD", "truefx", TSHM_CLASS_FX, -5, 0);
	expect_row(f, 0, TSHM_TABLE_QUOTES, (int64_t[]){MS(1704153600123), 110412, 0, 110415, 0});
	expect_row(f, 1, TSHM_TABLE_QUOTES, (int64_t[]){MS(1704239999999), 110410, 0, 110421, 0});
	expect_asset(f, 2, "USD/JPY", "truefx", TSHM_CLASS_FX, -3, 0);
	expect_row(f, 2, TSHM_TABLE_QUOTES, (int64_t[]){MS(1709208000000), 141123, 0, 141130, 0});
	expect_error(f, run(f, "truefx", "x.csv", "EUR/USD,20240230 00:00:00.000,1,1\n"),
		     "x.csv:1: timestamp: not YYYYMMDD HH:MM:SS.mmm");
	expect_error(f, run(f, "truefx", "y.csv", "EUR/USD,20240102 24:00:00.000,1,1\n"),
		     "y.csv:1: timestamp");
}

static void test_presets_zipline(void **state)
{
	struct fx *f = *state;
	char daily[600];
	const char *files[1];

	snprintf(daily, sizeof(daily), "%s/zl", f->dir);
	assert_int_equal(mkdir(daily, 0755), 0);
	snprintf(daily, sizeof(daily), "%s/zl/daily", f->dir);
	assert_int_equal(mkdir(daily, 0755), 0);
	TSHM_TEST_CHECK(
	    tshm_itest_write_str(daily, "AAPL.csv",
				 "date,open,high,low,close,volume,dividend,split\n"
				 "2024-01-02,187.15,188.44,183.89,185.64,82488700,0.0,1.0\n"
				 "2024-01-03,184.22,185.88,183.43,184.25,58414500,0.24,1\n"
				 "2024-01-04,182.15,183.09,180.88,181.91,71983600,0,0.5\n",
				 f->path));
	TSHM_TEST_CHECK(tshm_itest_write_str(daily, "MSFT.csv",
					     "date,open,high,low,close,volume\n"
					     "2024-01-02,370.5,375,366.5,370.87,25258600\n",
					     f->path));
	snprintf(f->path, sizeof(f->path), "%s/zl", f->dir);
	files[0] = f->path;
	TSHM_TEST_CHECK(
	    tshm_itest_ingest("zipline-csvdir", NULL, files, 1, 0, &f->o, &f->rows, &f->res));
	assert_int_equal(f->res.files, 2);
	assert_int_equal(f->rows.n, 3 + 2 + 1); /* AAPL bars, AAPL adjustments, MSFT bar */
	expect_asset(f, 0, "AAPL", "", TSHM_CLASS_EQUITY, -2, 0);
	expect_row(f, 0, TSHM_TABLE_BARS_1D,
		   (int64_t[]){MS(1704153600000), 18715, 18844, 18389, 18564, 82488700});
	expect_row(f, 2, TSHM_TABLE_BARS_1D,
		   (int64_t[]){MS(1704326400000), 18215, 18309, 18088, 18191, 71983600});
	expect_row(f, 3, TSHM_TABLE_ADJUSTMENTS,
		   (int64_t[]){MS(1704240000000), TSHM_ADJ_CASH_DIVIDEND, 1, 1, 24});
	expect_row(f, 4, TSHM_TABLE_ADJUSTMENTS,
		   (int64_t[]){MS(1704326400000), TSHM_ADJ_SPLIT, 1, 2, 0});
	expect_asset(f, 5, "MSFT", "", TSHM_CLASS_EQUITY, -2, 0);
	expect_row(f, 5, TSHM_TABLE_BARS_1D,
		   (int64_t[]){MS(1704153600000), 37050, 37500, 36650, 37087, 25258600});
	assert_int_equal(f->res.adjustments, 2);
	/* A file given directly: symbol from its name (.csv.zst too), split 1.5 -> 3/2. */
	run_ok(f, "zipline-csvdir", "BRK.B.csv",
	       "date,open,high,low,close,volume,dividend,split\n"
	       "2024-01-02,1,1,1,1,1,0,1.5\n");
	expect_asset(f, 0, "BRK.B", "", TSHM_CLASS_EQUITY, 0, 0);
	expect_row(f, 1, TSHM_TABLE_ADJUSTMENTS,
		   (int64_t[]){MS(1704153600000), TSHM_ADJ_SPLIT, 3, 2, 0});
	expect_error(f,
		     run(f, "zipline-csvdir", "Z.csv",
			 "date,open,high,low,close,volume\n2024-13-01,1,1,1,1,1\n"),
		     "Z.csv:2: date: not a date (YYYY-MM-DD) \"2024-13-01\"");
	expect_error(f,
		     run(f, "zipline-csvdir", "Z.csv",
			 "date,open,high,low,close,volume,dividend\n2024-01-02,1,1,1,1,1,-1\n"),
		     "Z.csv:2: dividend: negative");
}

static void test_presets_generic(void **state)
{
	struct fx *f = *state;

	/* Bars with a mapping and ISO times; names differ from the fields. */
	f->o.table = TSHM_TABLE_BARS_1M;
	f->o.map = "ts=time,symbol=ticker,open=o,high=h,low=l,close=c,volume=v";
	f->o.ts_unit = TSHM_TS_UNIT_ISO;
	f->o.exchange = "XNAS";
	f->o.currency = "USD";
	f->o.asset_class = TSHM_CLASS_ETF;
	run_ok(f, "generic", "bars.csv",
	       "ticker,time,o,h,l,c,v\n"
	       "SPY,2024-01-02T14:30:00Z,472.16,473.67,471.49,472.65,1234.5\n"
	       "SPY,2024-01-02 14:31:00.5,472.65,472.8,472.1,472.3,20\n");
	assert_int_equal(f->rows.n, 2);
	expect_asset(f, 0, "SPY", "XNAS", TSHM_CLASS_ETF, -2, -1);
	assert_string_equal(f->rows.v[0].asset.currency, "USD");
	expect_row(f, 0, TSHM_TABLE_BARS_1M,
		   (int64_t[]){MS(1704205800000), 47216, 47367, 47149, 47265, 12345});
	expect_row(f, 1, TSHM_TABLE_BARS_1M,
		   (int64_t[]){MS(1704205860500), 47265, 47280, 47210, 47230, 200});
	/* Quotes without a header, --symbol: ts,bid_px,bid_sz,ask_px,ask_sz by position. */
	tshm_ingest_opts_init(&f->o);
	f->o.table = TSHM_TABLE_QUOTES;
	f->o.header = TSHM_INGEST_HEADER_ABSENT;
	f->o.symbol = "ES";
	f->o.ts_unit = TSHM_TS_UNIT_MS;
	run_ok(f, "generic", "q.csv", "1704153600000,4780.25,12,4780.5,3\n");
	expect_asset(f, 0, "ES", "", TSHM_CLASS_OTHER, -2, 0);
	expect_row(f, 0, TSHM_TABLE_QUOTES, (int64_t[]){MS(1704153600000), 478025, 12, 478050, 3});
	/* Trades: decimal seconds, negative prices allowed, columns by number. */
	tshm_ingest_opts_init(&f->o);
	f->o.ts_unit = TSHM_TS_UNIT_S;
	f->o.map = "ts=3,symbol=1,price=2,size=4";
	f->o.header = TSHM_INGEST_HEADER_ABSENT;
	run_ok(f, "generic", "t.csv", "CL,-37.63,1587427200.123456789,5\n");
	expect_row(f, 0, TSHM_TABLE_TRADES,
		   (int64_t[]){INT64_C(1587427200123456789), -3763, 5, 0, 1});
	f->o.ts_unit = TSHM_TS_UNIT_MS;
	expect_error(f, run(f, "generic", "t.csv", "CL,1,1587427200.1234567,5\n"),
		     "t.csv:1: ts: finer than a nanosecond");
	/* A mapping naming what is not there. */
	tshm_ingest_opts_init(&f->o);
	f->o.map = "price=px";
	expect_error(f, run(f, "generic", "m.csv", "ts,symbol,price,size\n1,A,1,1\n"),
		     "m.csv:1: --map: no column \"px\" in the header");
	f->o.map = "bid=2";
	expect_error(f, run(f, "generic", "m.csv", "ts,symbol,price,size\n1,A,1,1\n"),
		     "--map: no field \"bid\" in trades rows");
}

/* Exponents: inferred from the most fraction digits (trailing zeros count),
 * rescaling rows already collected; fixed ones reject finer values. */
static void test_presets_exponents(void **state)
{
	struct fx *f = *state;

	run_ok(f, "generic", "e.csv",
	       "ts,symbol,price,size\n"
	       "1,A,12,1\n"
	       "2,A,12.5,2.0\n"
	       "3,A,12.500,3\n"
	       "4,A,0.0000000000001e12,4\n"); /* = 0.1: scientific, exact */
	expect_asset(f, 0, "A", "", TSHM_CLASS_OTHER, -3, -1);
	expect_row(f, 0, TSHM_TABLE_TRADES, (int64_t[]){1, 12000, 10, 0, 1});
	expect_row(f, 1, TSHM_TABLE_TRADES, (int64_t[]){2, 12500, 20, 0, 2});
	expect_row(f, 2, TSHM_TABLE_TRADES, (int64_t[]){3, 12500, 30, 0, 3});
	expect_row(f, 3, TSHM_TABLE_TRADES, (int64_t[]){4, 100, 40, 0, 4});
	/* Past 12 digits: trailing zeros are capped, significant ones are an error. */
	run_ok(f, "generic", "z.csv", "ts,symbol,price,size\n1,A,1.10000000000000000000,1\n");
	expect_asset(f, 0, "A", "", TSHM_CLASS_OTHER, -12, 0);
	expect_row(f, 0, TSHM_TABLE_TRADES, (int64_t[]){1, 1100000000000, 1, 0, 1});
	expect_error(f, run(f, "generic", "p.csv", "ts,symbol,price,size\n1,A,0.0000000000001,1\n"),
		     "p.csv:2: precision: 0.0000000000001 needs exponent -13, beyond -12");
	f->o.price_exp = -2;
	f->o.size_exp = 0;
	expect_error(f, run(f, "generic", "f.csv", "ts,symbol,price,size\n1,A,1.2345,1\n"),
		     "f.csv:2: precision: 1.2345 needs exponent -4, asset has -2");
	run_ok(f, "generic", "f.csv", "ts,symbol,price,size\n1,A,1.2300,1.000\n");
	expect_asset(f, 0, "A", "", TSHM_CLASS_OTHER, -2, 0);
	expect_row(f, 0, TSHM_TABLE_TRADES, (int64_t[]){1, 123, 1, 0, 1});
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_presets_binance_trades, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_presets_binance_aggtrades, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_presets_binance_klines, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_presets_tardis_trades, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_presets_tardis_quotes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_presets_truefx, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_presets_zipline, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_presets_generic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_presets_exponents, setup, teardown),
	};

	tshm_test_ns_init("presets");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
