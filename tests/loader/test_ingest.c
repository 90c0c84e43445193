/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/*
 * CSV ingest end to end: files -> bundle on disk -> chunks decoded (and a
 * load into shared memory) hold exactly the input values. Incremental
 * ingests append new days and replace re-ingested ones; --on-error=fail
 * leaves the previous bundle as it was, skip commits the good rows;
 * unsorted input is sorted stably; duplicates are kept or dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest_test.h"
#include "loader_test.h"
#include "tickshm/load.h"
#include "tshm_proc.h"

#define DAY0 INT64_C(1704153600000) /* 2024-01-02 00:00 UTC, ms */
#define DAY_MS INT64_C(86400000)

struct fx {
	char tmp[64];
	char dir[128]; /* the bundle */
	char path[512];
	struct tshm_catalog *cat;
	struct tshm_itest_rows rows;
	struct tshm_ingest_result res;
	struct tshm_ingest_opts o;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || tshm_test_mkdtemp(f->tmp, sizeof(f->tmp)) < 0 ||
	    tshm_test_fixture_setup(&f->cat) < 0) {
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof(f->dir), "%s/bundle", f->tmp);
	tshm_ingest_opts_init(&f->o);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tshm_test_fixture_teardown(&f->cat);
	tshm_itest_rows_free(&f->rows);
	tshm_test_rmtree(f->tmp);
	free(f);
	return 0;
}

/* Ingest the files named (NULL-terminated) into f->dir with f->o. */
static int ingest_files(struct fx *f, const char *preset, const char *const *names)
{
	char paths[8][512];
	const char *files[8];
	size_t n = 0;

	for (; names[n]; n++) {
		snprintf(paths[n], sizeof(paths[n]), "%s/%s", f->tmp, names[n]);
		files[n] = paths[n];
	}
	tshm_itest_rows_free(&f->rows);
	return tshm_itest_ingest(preset, f->dir, files, n, 0, &f->o, &f->rows, &f->res);
}

static void ingest_ok(struct fx *f, const char *preset, const char *const *names)
{
	int rc = ingest_files(f, preset, names);

	if (rc < 0)
		fail_msg("ingest %s: %d %s", names[0], rc, f->res.error);
}

static void put(struct fx *f, const char *name, const char *text)
{
	TSHM_TEST_CHECK(tshm_itest_write_str(f->tmp, name, text, f->path));
}

/* Binance trade rows for one day: id, price = 100 + i/100 (2 digits), qty, time. */
static char *trades_day(int day, int n, int base_id, int price_off)
{
	char *s = malloc((size_t)n * 80 + 1), *p = s;

	for (int i = 0; i < n; i++)
		p += sprintf(p, "%d,%d.%02d,%d.%03d,0,%lld,%s,True\n", base_id + i,
			     100 + price_off + i / 100, i % 100, i % 5, i % 1000,
			     (long long)(DAY0 + day * DAY_MS + i * 1000), i % 3 ? "true" : "false");
	return s;
}

/* Decode (table, sid) from the bundle and compare with rows @want[n][ncols]. */
static void expect_bundle(struct fx *f, unsigned table, int64_t sid, const int64_t (*want)[5],
			  uint64_t n)
{
	struct tshm_itest_cols c;

	TSHM_TEST_CHECK(tshm_itest_read(f->dir, table, sid, &c));
	assert_int_equal(c.n, n);
	for (uint64_t i = 0; i < n; i++)
		for (unsigned k = 0; k < 5; k++)
			if (c.col[k][i] != want[i][k])
				fail_msg("row %llu col %u: %lld, expected %lld",
					 (unsigned long long)i, k, (long long)c.col[k][i],
					 (long long)want[i][k]);
	tshm_itest_cols_free(&c);
}

/* The values trades_day() wrote, as stored (price exp -2, size exp -3). */
static void expect_day(const struct tshm_itest_cols *c, uint64_t at, int day, int n, int base_id,
		       int price_off)
{
	for (int i = 0; i < n; i++) {
		uint64_t r = at + (uint64_t)i;
		assert_int_equal(c->col[0][r], (DAY0 + day * DAY_MS + i * 1000) * 1000000);
		assert_int_equal(c->col[1][r], (100 + price_off + i / 100) * 100 + i % 100);
		assert_int_equal(c->col[2][r], (i % 5) * 1000 + i % 1000);
		assert_int_equal(c->col[3][r], i % 3 ? TSHM_TRADE_SELL : TSHM_TRADE_BUY);
		assert_int_equal(c->col[4][r], base_id + i);
	}
}

/* Two days in two files given in the wrong order, checked in the bundle and after a load. */
static void test_ingest_roundtrip(void **state)
{
	struct fx *f = *state;
	char *d0 = trades_day(0, 2500, 1, 0), *d1 = trades_day(1, 1500, 5000, 3);
	struct tshm_itest_cols c;
	struct tshm_verify_report rep;
	struct tshm_bundle *b;
	struct tshm_view *v;
	struct tshm_asset a;
	int hash_ok = 0;

	put(f, "BTCUSDT-trades-2024-01-03.csv", d1);
	put(f, "BTCUSDT-trades-2024-01-02.csv", d0);
	f->o.name = "ingested";
	ingest_ok(f, "binance-trades",
		  (const char *[]){"BTCUSDT-trades-2024-01-03.csv", "BTCUSDT-trades-2024-01-02.csv",
				   NULL});
	assert_int_equal(f->res.rows_ingested, 4000);
	assert_int_equal(f->res.rows[TSHM_TABLE_TRADES], 4000);
	assert_int_equal(f->res.days_written, 2);
	assert_int_equal(f->res.assets_new, 1);
	assert_int_equal(f->res.sessions, 2);
	assert_int_equal(f->res.series_sorted, 1);
	assert_int_equal(f->res.bytes_in, strlen(d0) + strlen(d1));
	assert_int_equal(f->rows.v[0].asset.sid, 1);
	TSHM_TEST_CHECK(tshm_itest_read(f->dir, TSHM_TABLE_TRADES, 1, &c));
	assert_int_equal(c.n, 4000);
	assert_int_equal(c.days, 2);
	expect_day(&c, 0, 0, 2500, 1, 0);
	expect_day(&c, 2500, 1, 1500, 5000, 3);
	tshm_itest_cols_free(&c);
	TSHM_TEST_CHECK(tshm_bundle_open(&b, f->dir, 0));
	TSHM_TEST_CHECK(tshm_bundle_verify(b, &rep));
	assert_int_equal(rep.orphan_files, 0);
	tshm_bundle_close(b);
	/* Loaded into shared memory: the asset row, its symbol, the sessions. */
	TSHM_TEST_CHECK(tshm_ltest_load_ref(f->cat, f->dir, "ingested", &hash_ok));
	assert_true(hash_ok);
	TSHM_TEST_CHECK(tshm_view_open(&v, f->cat, "ingested"));
	TSHM_TEST_CHECK(tshm_view_verify(v));
	assert_int_equal(tshm_view_nassets(v), 1);
	TSHM_TEST_CHECK(tshm_view_asset(v, 0, &a));
	assert_string_equal(a.symbol, "BTCUSDT");
	assert_string_equal(a.exchange, "binance");
	assert_int_equal(a.asset_class, TSHM_CLASS_CRYPTO);
	assert_int_equal(a.price_exp, -2);
	assert_int_equal(a.size_exp, -3);
	assert_int_equal(a.start_ts, DAY0 * 1000000);
	assert_int_equal(a.end_ts, (DAY0 + DAY_MS + 1499 * 1000) * 1000000);
	assert_int_equal(tshm_view_find_symbol(v, "BTCUSDT", DAY0 * 1000000), 0);
	{
		struct tshm_table_info ti;
		TSHM_TEST_CHECK(tshm_view_table(v, TSHM_TABLE_SESSIONS, &ti));
		assert_int_equal(ti.nrows, 2);
	}
	tshm_view_unref(v);
	free(d0);
	free(d1);
}

/* New days append, a re-ingested day replaces, other days stay; a new symbol gets the next sid. */
static void test_ingest_incremental(void **state)
{
	struct fx *f = *state;
	char *d0 = trades_day(0, 300, 1, 0), *d1 = trades_day(1, 200, 1000, 1),
	     *d0b = trades_day(0, 50, 7000, 9);
	struct tshm_itest_cols c;
	struct tshm_bundle_info before, after;

	put(f, "ETHUSDT-trades-2024-01-02.csv", d0);
	ingest_ok(f, "binance-trades", (const char *[]){"ETHUSDT-trades-2024-01-02.csv", NULL});
	put(f, "ETHUSDT-trades-2024-01-03.csv", d1);
	ingest_ok(f, "binance-trades", (const char *[]){"ETHUSDT-trades-2024-01-03.csv", NULL});
	assert_int_equal(f->res.assets_new, 0);
	assert_int_equal(f->res.assets_updated, 1);
	assert_int_equal(f->rows.v[0].asset.sid, 1);
	assert_int_equal(f->rows.v[0].asset.start_ts, DAY0 * 1000000); /* widened, not reset */
	TSHM_TEST_CHECK(tshm_itest_read(f->dir, TSHM_TABLE_TRADES, 1, &c));
	assert_int_equal(c.n, 500);
	expect_day(&c, 0, 0, 300, 1, 0);
	expect_day(&c, 300, 1, 200, 1000, 1);
	tshm_itest_cols_free(&c);
	/* Day 0 again, different rows: replaced. */
	put(f, "ETHUSDT-trades-2024-01-02.csv", d0b);
	TSHM_TEST_CHECK(tshm_itest_info(f->dir, &before));
	ingest_ok(f, "binance-trades", (const char *[]){"ETHUSDT-trades-2024-01-02.csv", NULL});
	TSHM_TEST_CHECK(tshm_itest_read(f->dir, TSHM_TABLE_TRADES, 1, &c));
	assert_int_equal(c.n, 250);
	expect_day(&c, 0, 0, 50, 7000, 9);
	expect_day(&c, 50, 1, 200, 1000, 1);
	tshm_itest_cols_free(&c);
	TSHM_TEST_CHECK(tshm_itest_info(f->dir, &after));
	assert_int_equal(after.nassets, 1);
	assert_int_equal(after.rows[TSHM_TABLE_TRADES], 250);
	assert_true(after.hash_lo != before.hash_lo || after.hash_hi != before.hash_hi);
	/* Another symbol: sid 2. */
	put(f, "SOLUSDT-trades-2024-01-03.csv", d1);
	ingest_ok(f, "binance-trades", (const char *[]){"SOLUSDT-trades-2024-01-03.csv", NULL});
	assert_int_equal(f->rows.v[0].asset.sid, 2);
	TSHM_TEST_CHECK(tshm_itest_info(f->dir, &after));
	assert_int_equal(after.nassets, 2);
	assert_int_equal(after.rows[TSHM_TABLE_TRADES], 450);
	free(d0);
	free(d1);
	free(d0b);
}

/* A bad row under fail: the error names file and line; the bundle is byte-for-byte as before. */
static void test_ingest_fail_keeps_bundle(void **state)
{
	struct fx *f = *state;
	char *d0 = trades_day(0, 100, 1, 0), *bad = trades_day(1, 100, 500, 0);
	struct tshm_bundle_info before, after;
	struct tshm_verify_report rep;
	struct tshm_bundle *b;
	char *p;
	int rc;

	put(f, "XRPUSDT-trades-2024-01-02.csv", d0);
	ingest_ok(f, "binance-trades", (const char *[]){"XRPUSDT-trades-2024-01-02.csv", NULL});
	TSHM_TEST_CHECK(tshm_itest_info(f->dir, &before));
	/* Line 43: the price is not a number. Also a new day and a new asset before it. */
	p = bad;
	for (int i = 0; i < 42; i++)
		p = strchr(p, '\n') + 1;
	memcpy(strchr(p, ',') + 1, "1x3", 3);
	put(f, "XRPUSDT-trades-2024-01-03.csv", bad);
	put(f, "ADAUSDT-trades-2024-01-03.csv", d0);
	rc = ingest_files(f, "binance-trades",
			  (const char *[]){"ADAUSDT-trades-2024-01-03.csv",
					   "XRPUSDT-trades-2024-01-03.csv", NULL});
	assert_int_equal(rc, -EBADMSG);
	if (!strstr(f->res.error, "XRPUSDT-trades-2024-01-03.csv:43: price: not a number \"1x3"))
		fail_msg("error: %s", f->res.error);
	assert_int_equal(f->res.rows_ingested, 0);
	TSHM_TEST_CHECK(tshm_itest_info(f->dir, &after));
	assert_memory_equal(&before, &after, sizeof(before));
	TSHM_TEST_CHECK(tshm_bundle_open(&b, f->dir, 0));
	TSHM_TEST_CHECK(tshm_bundle_verify(b, &rep));
	assert_int_equal(rep.orphan_files, 0);
	tshm_bundle_close(b);
	/* Fixed, the same ingest goes through. */
	put(f, "XRPUSDT-trades-2024-01-03.csv", d0);
	ingest_ok(f, "binance-trades",
		  (const char *[]){"ADAUSDT-trades-2024-01-03.csv", "XRPUSDT-trades-2024-01-03.csv",
				   NULL});
	assert_int_equal(f->res.assets_new, 1);
	free(d0);
	free(bad);
}

/* Under skip: every bad row reported (up to max_report), the good ones committed. */
static void test_ingest_skip(void **state)
{
	struct fx *f = *state;
	char *buf = NULL;
	size_t len = 0;
	FILE *rep = open_memstream(&buf, &len);
	struct tshm_itest_cols c;

	assert_non_null(rep);
	put(f, "t.csv",
	    "ts,symbol,price,size\n"
	    "1704153600000000000,A,1.5,1\n"
	    "1704153600000000001,A,abc,1\n"
	    "1704153600000000002,A,2.5\n"
	    "1704153600000000003,A,3.5,-1\n"
	    "1704153600000000004,A,4.5,4\n");
	put(f, "empty.csv", "");
	f->o.on_error = TSHM_INGEST_SKIP;
	f->o.report = rep;
	f->o.report_prefix = "tickshm ingest: ";
	f->o.max_report = 2;
	ingest_ok(f, "generic", (const char *[]){"t.csv", "empty.csv", NULL});
	fclose(rep);
	assert_int_equal(f->res.rows_read, 5);
	assert_int_equal(f->res.rows_ingested, 2);
	assert_int_equal(f->res.rows_skipped, 3);
	assert_int_equal(f->res.files_skipped, 1);
	assert_non_null(strstr(buf, "tickshm ingest: "));
	assert_non_null(strstr(buf, "t.csv:3: price: not a number \"abc\"\n"));
	assert_non_null(strstr(buf, "t.csv:4: expected 4 fields, got 3\n"));
	assert_null(strstr(buf, "t.csv:5:")); /* past max_report: counted only */
	TSHM_TEST_CHECK(tshm_itest_read(f->dir, TSHM_TABLE_TRADES, 1, &c));
	assert_int_equal(c.n, 2);
	assert_int_equal(c.col[1][0], 15);
	assert_int_equal(c.col[1][1], 45);
	assert_int_equal(c.col[2][1], 4);
	tshm_itest_cols_free(&c);
	free(buf);
}

/* Unsorted input is sorted stably; exact duplicates are kept, or dropped on request. */
static void test_ingest_sort_and_duplicates(void **state)
{
	static const char text[] = "ts,symbol,price,size,side,id\n"
				   "300,A,3,1,buy,1\n"
				   "100,A,1,1,buy,2\n"
				   "200,A,2,1,buy,3\n"
				   "100,A,1,1,buy,2\n" /* duplicate of line 3 */
				   "100,A,1,2,buy,2\n" /* same ts, differs */
				   "200,A,2,1,buy,3\n" /* duplicate of line 4 */
				   "50,A,9,9,sell,9\n";
	static const int64_t kept[7][5] = {
	    {50, 9, 9, TSHM_TRADE_SELL, 9},
	    {100, 1, 1, 1, 2},
	    {100, 1, 1, 1, 2},
	    {100, 1, 2, 1, 2},
	    {200, 2, 1, 1, 3},
	    {200, 2, 1, 1, 3},
	    {300, 3, 1, 1, 1},
	};
	static const int64_t dropped[5][5] = {
	    {50, 9, 9, TSHM_TRADE_SELL, 9},
	    {100, 1, 1, 1, 2},
	    {100, 1, 2, 1, 2},
	    {200, 2, 1, 1, 3},
	    {300, 3, 1, 1, 1},
	};
	struct fx *f = *state;

	put(f, "s.csv", text);
	ingest_ok(f, "generic", (const char *[]){"s.csv", NULL});
	assert_int_equal(f->res.series_sorted, 1);
	expect_bundle(f, TSHM_TABLE_TRADES, 1, kept, 7);
	f->o.duplicates = TSHM_INGEST_DUPS_DROP;
	ingest_ok(f, "generic", (const char *[]){"s.csv", NULL});
	assert_int_equal(f->res.duplicates_dropped, 2);
	assert_int_equal(f->res.rows_ingested, 5);
	expect_bundle(f, TSHM_TABLE_TRADES, 1, dropped, 5);
}

/* Many identical rows in one timestamp (the hashed path of duplicate removal). */
static void test_ingest_duplicates_large_group(void **state)
{
	struct fx *f = *state;
	char *text = malloc(100000), *p = text;
	struct tshm_itest_cols c;

	p += sprintf(p, "ts,symbol,price,size,side,id\n");
	for (int i = 0; i < 3000; i++)
		p += sprintf(p, "1000,B,%d,1,buy,%d\n", i % 37, i % 37);
	put(f, "g.csv", text);
	f->o.duplicates = TSHM_INGEST_DUPS_DROP;
	ingest_ok(f, "generic", (const char *[]){"g.csv", NULL});
	assert_int_equal(f->res.rows_ingested, 37);
	TSHM_TEST_CHECK(tshm_itest_read(f->dir, TSHM_TABLE_TRADES, 1, &c));
	for (int i = 0; i < 37; i++)
		assert_int_equal(c.col[1][i], i); /* first occurrences, in input order */
	tshm_itest_cols_free(&c);
	free(text);
}

/* An existing asset keeps its exponents: coarser values scale up, finer ones are rejected. */
static void test_ingest_existing_exponents(void **state)
{
	struct fx *f = *state;
	static const int64_t want[2][5] = {{1, 1250, 5, 0, 1}, {86400000000001, 1200, 7, 0, 1}};
	int rc;

	put(f, "a.csv", "ts,symbol,price,size\n1,C,1.250,5\n");
	ingest_ok(f, "generic", (const char *[]){"a.csv", NULL});
	assert_int_equal(f->rows.v[0].asset.price_exp, -3);
	put(f, "b.csv", "ts,symbol,price,size\n86400000000001,C,1.2,7\n");
	ingest_ok(f, "generic", (const char *[]){"b.csv", NULL});
	assert_int_equal(f->rows.v[0].asset.price_exp, -3);
	expect_bundle(f, TSHM_TABLE_TRADES, 1, want, 2);
	put(f, "c.csv", "ts,symbol,price,size\n172800000000001,C,1.2345,7\n");
	rc = ingest_files(f, "generic", (const char *[]){"c.csv", NULL});
	assert_int_equal(rc, -EBADMSG);
	assert_non_null(
	    strstr(f->res.error, "c.csv:2: precision: 1.2345 needs exponent -4, asset has -3"));
	/* An option that contradicts the stored exponent is refused outright. */
	f->o.price_exp = -2;
	rc = ingest_files(f, "generic", (const char *[]){"b.csv", NULL});
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(f->res.error, "C: the asset's exponents are price -3"));
}

/* zipline: bars and adjustments in the bundle, loaded into a view. */
static void test_ingest_zipline_load(void **state)
{
	struct fx *f = *state;
	struct tshm_table_info ti;
	struct tshm_column_info ci;
	struct tshm_view *v;
	int hash_ok = 0;

	put(f, "KO.csv",
	    "date,open,high,low,close,volume,dividend,split\n"
	    "2024-01-02,59.1,59.5,58.9,59.2,100,0.46,1\n"
	    "2024-01-03,59.2,59.3,58.1,58.5,200,0,2\n");
	f->o.name = "zl";
	ingest_ok(f, "zipline-csvdir", (const char *[]){"KO.csv", NULL});
	assert_int_equal(f->res.adjustments, 2);
	TSHM_TEST_CHECK(tshm_ltest_load_ref(f->cat, f->dir, "zl", &hash_ok));
	assert_true(hash_ok);
	TSHM_TEST_CHECK(tshm_view_open(&v, f->cat, "zl"));
	TSHM_TEST_CHECK(tshm_view_table(v, TSHM_TABLE_ADJUSTMENTS, &ti));
	assert_int_equal(ti.nrows, 2);
	TSHM_TEST_CHECK(tshm_view_column(v, TSHM_TABLE_ADJUSTMENTS, TSHM_ADJ_AMOUNT, &ci));
	assert_int_equal(((const int64_t *)ci.data)[0], 46);
	TSHM_TEST_CHECK(tshm_view_column(v, TSHM_TABLE_ADJUSTMENTS, TSHM_ADJ_RATIO_NUM, &ci));
	assert_int_equal(((const int64_t *)ci.data)[1], 2);
	TSHM_TEST_CHECK(tshm_view_column(v, TSHM_TABLE_BARS_1D, TSHM_BARS_CLOSE, &ci));
	assert_int_equal(((const int64_t *)ci.data)[1], 5850); /* -2: the dividend has 2 digits */
	tshm_view_unref(v);
}

/* One small file per preset (test_presets checks the parsed values of its own). */
static const struct {
	const char *preset, *name, *text;
} fixtures[] = {
    {"binance-trades", "BTCUSDT-trades-2024-01-02.csv",
     "100,42283.58000000,0.00118000,49.89,1704153600043,True,True\n"
     "101,42283.57000000,0.50000000,21141.78,1704153600044,False,True\n"
     "99,42283.60000000,1.00000000,42283.60,1704240000000123,true,false\n"},
    {"binance-aggtrades", "ETHUSDT-aggTrades-2024-01-02.csv",
     "26129,2290.10,0.053,1,3,1704153600001,true,true\n"
     "26130,2290.11,1.5,4,4,1704153600001,false,true\n"},
    {"binance-klines", "BTCUSDT-1m-2024-01-02.csv",
     "1704153600000,42283.58,42298.62,42283.57,42298.61,35.04,1704153659999,0,0,0,0,0\n"
     "1704153600000,1,2,0.5,1.5,100,1704239999999,0,0,0,0,0\n"},
    {"tardis-trades", "tt.csv",
     "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
     "binance,BTCUSDT,1704153600043000,1,3331626453,sell,42283.58,0.00118\n"
     "binance,BTCUSDT,1704153600044000,2,abc-1,buy,42283.57,0.5\n"
     "binance-futures,ETHUSDT,1704153600045002,3,12,buy,2290.1,3\n"},
    {"tardis-quotes", "tq.csv",
     "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount\n"
     "deribit,BTC-PERPETUAL,1704153600000000,1,1000,42290.5,42290,25000\n"
     "deribit,BTC-PERPETUAL,1704153600001000,2,,,42290,24000\n"},
    {"truefx", "fx.csv",
     "EUR/USD,20240102 00:00:00.123,1.10412,1.10415\n"
     "USD/JPY,20240103 12:00:00.000,141.123,141.13\n"},
    {"zipline-csvdir", "AAPL.csv",
     "date,open,high,low,close,volume,dividend,split\n"
     "2024-01-02,187.15,188.44,183.89,185.64,82488700,0.0,1.0\n"
     "2024-01-03,184.22,185.88,183.43,184.25,58414500,0.24,0.5\n"},
    {"generic", "g.csv",
     "ts,symbol,price,size,side,id\n"
     "1704153600000000001,A,-1.5,3,buy,7\n"
     "1704153600000000000,B,2.25,1,s,\n"},
};

/* Rows reported by the ingest == the rows of the loaded segment, asset by asset. */
static void compare_view(const struct tshm_view *v, const struct tshm_itest_rows *rows)
{
	size_t i = 0;

	while (i < rows->n) {
		const struct tshm_itest_row *r = &rows->v[i];
		int idx = tshm_view_find_sid(v, r->asset.sid);
		uint64_t first, count;
		struct tshm_asset a;

		assert_true(idx >= 0);
		TSHM_TEST_CHECK(tshm_view_asset(v, (uint32_t)idx, &a));
		assert_string_equal(a.symbol, r->asset.symbol);
		assert_string_equal(a.exchange, r->asset.exchange);
		assert_int_equal(a.price_exp, r->asset.price_exp);
		assert_int_equal(a.size_exp, r->asset.size_exp);
		TSHM_TEST_CHECK(tshm_view_asset_rows(v, r->table, (uint32_t)idx, &first, &count));
		assert_true(count > 0); /* the asset has this row at least: and the loop advances */
		for (uint64_t k = 0; k < count; k++, i++) {
			assert_true(i < rows->n);
			assert_int_equal(rows->v[i].table, r->table);
			for (unsigned c = 0; c < rows->v[i].ncols; c++) {
				struct tshm_column_info ci;
				int64_t got;

				TSHM_TEST_CHECK(tshm_view_column(v, r->table, c, &ci));
				got = ci.width == 8 ? ((const int64_t *)ci.data)[first + k]
						    : ((const int32_t *)ci.data)[first + k];
				assert_int_equal(got, rows->v[i].col[c]);
			}
		}
	}
}

/* The io_uring loader (tshm_load_run) publishes @bundle; its values as ingested. */
static void load_and_compare(struct fx *f, const char *bundle)
{
	struct tshm_load_opts lo = {.name = bundle};
	struct tshm_load_result lr;
	struct tshm_view *v;

	TSHM_TEST_CHECK(tshm_load_run(f->cat, f->dir, &lo, &lr));
	assert_int_equal(lr.status, TSHM_LOAD_LOADED);
	TSHM_TEST_CHECK(tshm_view_open(&v, f->cat, bundle));
	TSHM_TEST_CHECK(tshm_view_verify(v));
	compare_view(v, &f->rows);
	tshm_view_unref(v);
}

/*
 * Every preset: text -> bundle -> loaded segment, every value as reported,
 * through the loader and through the tests' reference loader alike.
 */
static void test_ingest_every_preset_load(void **state)
{
	struct fx *f = *state;

	for (size_t p = 0; p < sizeof(fixtures) / sizeof(fixtures[0]); p++) {
		char bundle[32], io[40];
		struct tshm_view *v;
		int hash_ok = 0;

		snprintf(f->dir, sizeof(f->dir), "%s/b%zu", f->tmp, p);
		snprintf(bundle, sizeof(bundle), "preset%zu", p);
		put(f, fixtures[p].name, fixtures[p].text);
		ingest_ok(f, fixtures[p].preset, (const char *[]){fixtures[p].name, NULL});
		assert_true(f->rows.n >= 2);
		TSHM_TEST_CHECK(tshm_ltest_load_ref(f->cat, f->dir, bundle, &hash_ok));
		assert_true(hash_ok);
		TSHM_TEST_CHECK(tshm_view_open(&v, f->cat, bundle));
		TSHM_TEST_CHECK(tshm_view_verify(v));
		compare_view(v, &f->rows);
		tshm_view_unref(v);
		snprintf(io, sizeof(io), "%s_io", bundle);
		load_and_compare(f, io);
	}
}

/* tickshm ingest --load: ingested, then published in the test namespace. */
static void test_ingest_cli_load(void **state)
{
	struct fx *f = *state;
	const char *bin = tshm_test_cli();
	char cmd[2048], out[2048];
	struct tshm_view *v;
	FILE *p;
	size_t n;

	put(f, "SOLUSDT-trades-2024-01-02.csv", fixtures[0].text);
	snprintf(cmd, sizeof(cmd),
		 "\"%s\" ingest --preset binance-trades --name clil --load %s %s 2>&1", bin, f->dir,
		 f->path);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	if (!strstr(out, "ingested 3 rows") || !strstr(out, "loaded clil generation 1"))
		fail_msg("output: %s", out);
	TSHM_TEST_CHECK(tshm_view_open(&v, f->cat, "clil"));
	assert_int_equal(tshm_view_nassets(v), 1);
	tshm_view_unref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_ingest_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ingest_incremental, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ingest_fail_keeps_bundle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ingest_skip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ingest_sort_and_duplicates, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ingest_duplicates_large_group, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ingest_existing_exponents, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ingest_zipline_load, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ingest_every_preset_load, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ingest_cli_load, setup, teardown),
	};

	tshm_test_ns_init("ingest");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
