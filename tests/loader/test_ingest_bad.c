/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/*
 * The bad-input corpus. Each case is ingested into a bundle that already
 * holds data: under --on-error=fail it gives its documented error naming
 * file and line, and the bundle is exactly as before (content hash, rows,
 * chunks, no leftover data file); under skip it is reported and counted
 * and the good rows of the file are committed. Nothing crashes. Timestamps
 * going backwards are not an error. The CLI prints one line and exits 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ingest_test.h"
#include "loader_test.h"
#include "tshm_proc.h"

struct fx {
	char tmp[64];
	char dir[128];
	char path[512];
	struct tshm_bundle_info before;
	struct tshm_ingest_result res;
};

#define GOOD "1,100.5,1,0,1704153600000,true,true\n2,100.25,2,0,1704153601000,false,true\n"

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	const char *files[1];

	if (!f || tshm_test_mkdtemp(f->tmp, sizeof(f->tmp)) < 0) {
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof(f->dir), "%s/bundle", f->tmp);
	/* The bundle every case must leave alone: one asset, one day. */
	if (tshm_itest_write_str(f->tmp, "OLD-trades-2024-01-02.csv", GOOD, f->path) < 0)
		return -1;
	files[0] = f->path;
	if (tshm_itest_ingest("binance-trades", f->dir, files, 1, 0, NULL, NULL, &f->res) < 0 ||
	    tshm_itest_info(f->dir, &f->before) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tshm_test_rmtree(f->tmp);
	free(f);
	return 0;
}

struct bad {
	const char *preset;
	const char *name;
	const char *text;
	const char *error; /* after "<tmp>/" */
	int skipped_rows;  /* under skip: rows rejected (-1: the file is rejected) */
	int good_rows;	   /* under skip: rows committed */
};

#define BT "binance-trades"
#define TT "tardis-trades"
#define THDR "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"

static const struct bad corpus[] = {
    /* truncated lines and wrong column counts */
    {BT, "A-trades-1.csv", "1,100.5,1,0,1704153600000,true,true\n2,100.5,1\n",
     "A-trades-1.csv:2: expected 6 to 7 fields, got 3", 1, 1},
    {BT, "A-trades-1.csv", "1,100.5,1,0,1704153600000,true,true\n2,100.5,1,0,1704153600001,Tr",
     "A-trades-1.csv:2: is_buyer_maker: not true/false \"Tr\"", 1, 1},
    {BT, "A-trades-1.csv", GOOD "3,1,1,0,1704153600000,true,true,x,y\n",
     "A-trades-1.csv:3: expected 6 to 7 fields, got 9", 1, 2},
    {TT, "t.csv", THDR "binance,BTCUSDT,1704153600000000,1,1,buy,1\n",
     "t.csv:2: expected 8 fields, got 7", 1, 0},
    /* non-numeric fields */
    {BT, "A-trades-1.csv", GOOD "3,abc,1,0,1704153600000,true,true\n",
     "A-trades-1.csv:3: price: not a number \"abc\"", 1, 2},
    {BT, "A-trades-1.csv", "12a,1,1,0,1704153600000,true,true\n" GOOD,
     "A-trades-1.csv:1: id: not an integer \"12a\"", 1, 2},
    {BT, "A-trades-1.csv", GOOD "3,1,1,0,,true,true\n", "A-trades-1.csv:3: time: empty", 1, 2},
    {BT, "A-trades-1.csv", GOOD "3,1.5.5,1,0,1704153600000,true,true\n",
     "A-trades-1.csv:3: price: not a number \"1.5.5\"", 1, 2},
    {BT, "A-trades-1.csv", GOOD "3,1,1e,0,1704153600000,true,true\n",
     "A-trades-1.csv:3: qty: not a number \"1e\"", 1, 2},
    {TT, "t.csv", THDR "binance,BTCUSDT,17041536OO000000,1,1,buy,1,1\n",
     "t.csv:2: timestamp: not a number \"17041536OO000000\"", 1, 0},
    {BT, "A-trades-1.csv", GOOD "3,1,1,0,1704153600000\x01,true,true\n",
     "A-trades-1.csv:3: time: not an integer \"1704153600000?\"", 1, 2},
    /* out-of-range values */
    {BT, "A-trades-1.csv", GOOD "3,1,1,0,99999999999999999999,true,true\n",
     "A-trades-1.csv:3: time: out of range", 1, 2},
    {BT, "A-trades-1.csv", GOOD "3,1,1,0,9223372036854775,true,true\n",
     "A-trades-1.csv:3: time: out of range", 1, 2},
    {BT, "A-trades-1.csv", GOOD "3,99999999999999999999.5,1,0,1704153600000,true,true\n",
     "A-trades-1.csv:3: price: out of range", 1, 2},
    {BT, "A-trades-1.csv", GOOD "3,92233720368547758.070,1,0,1704153600000,true,true\n",
     "A-trades-1.csv:3: out of range: 92233720368547758.070 at exponent -3", 1, 2},
    {BT, "A-trades-1.csv", "1,922337203685477581,1,0,1704153600000,true,true\n" GOOD,
     "A-trades-1.csv:2: precision: exponent -1 (this row's) makes earlier prices overflow", 2, 1},
    {BT, "A-trades-1.csv", GOOD "3,1,-1,0,1704153600000,true,true\n",
     "A-trades-1.csv:3: negative size: -1", 1, 2},
    {BT, "A-trades-1.csv", GOOD "3,-0.5,1,0,1704153600000,true,true\n",
     "A-trades-1.csv:3: negative price: -0.5", 1, 2},
    {BT, "A-trades-1.csv", GOOD "3,0.0000000000001,1,0,1704153600000,true,true\n",
     "A-trades-1.csv:3: precision: 0.0000000000001 needs exponent -13, beyond -12", 1, 2},
    {"generic", "g.csv", "ts,symbol,price,size\n9223372036854775807,A,1,1\n",
     "g.csv:2: ts: out of range", 1, 0},
    {"generic", "g.csv", "ts,symbol,price,size\n-9223372036854775808,A,1,1\n",
     "g.csv:2: ts: out of range", 1, 0},
    {TT, "t.csv",
     THDR "binance,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,1704153600000000,1,1,buy,1,1\n",
     "t.csv:2: symbol: longer than 32 bytes", 1, 0},
    {TT, "t.csv", THDR "binance-futures-x,B,1704153600000000,1,1,buy,1,1\n",
     "t.csv:2: exchange: longer than 16 bytes", 1, 0},
    {TT, "t.csv", THDR ",,1704153600000000,1,1,buy,1,1\n", "t.csv:2: no symbol", 1, 0},
    /* empty files, headers without rows */
    {BT, "A-trades-1.csv", "", "A-trades-1.csv: empty file", -1, 0},
    {TT, "t.csv", THDR, "t.csv: no rows (only a header)", -1, 0},
    {TT, "t.csv", "\n\r\n\n", "t.csv: no rows", -1, 0},
    {TT, "t.csv", "exchange,symbol,time\n", "t.csv:1: header: no column \"timestamp\"", -1, 0},
    {"zipline-csvdir", "Z.csv", "date,open,high,low,volume\n2024-01-02,1,1,1,1\n",
     "Z.csv:1: header: no column \"close\"", -1, 0},
    /* invalid UTF-8 */
    {BT, "A-trades-1.csv", GOOD "3,1,1,0,1704153600000,tr\xc3\x28,true\n",
     "A-trades-1.csv:3: invalid UTF-8", 1, 2},
    {TT, "t.csv", THDR "binance,BTC\xe2\x82,1704153600000000,1,1,buy,1,1\n",
     "t.csv:2: invalid UTF-8", 1, 0},
    /* preset rules */
    {"binance-klines", "B-1h-2024.csv", "1704153600000,1,1,1,1,1,1704157199999,0,0,0,0,0\n",
     "B-1h-2024.csv:1: close_time: interval is neither 1m nor 1d", 1, 0},
    {"truefx", "fx.csv", "EUR/USD,2024-01-02 00:00:00.123,1.1,1.2\n",
     "fx.csv:1: timestamp: not YYYYMMDD HH:MM:SS.mmm", 1, 0},
    {"binance-trades", "nosymbol.csv", GOOD,
     "nosymbol.csv: cannot tell the symbol from the file name", -1, 0},
};

static void check_unchanged(struct fx *f)
{
	struct tshm_bundle_info now;
	struct tshm_verify_report rep;
	struct tshm_bundle *b;

	TSHM_TEST_CHECK(tshm_itest_info(f->dir, &now));
	assert_memory_equal(&now, &f->before, sizeof(now));
	TSHM_TEST_CHECK(tshm_bundle_open(&b, f->dir, 0));
	TSHM_TEST_CHECK(tshm_bundle_verify(b, &rep));
	assert_int_equal(rep.orphan_files, 0);
	tshm_bundle_close(b);
}

static int run_case(struct fx *f, const struct bad *c, int on_error, const char *dir)
{
	struct tshm_ingest_opts o;
	const char *files[] = {f->path};

	TSHM_TEST_CHECK(tshm_itest_write_str(f->tmp, c->name, c->text, f->path));
	tshm_ingest_opts_init(&o);
	o.on_error = on_error;
	return tshm_itest_ingest(c->preset, dir, files, 1, 0, &o, NULL, &f->res);
}

static void test_ingest_bad_fail(void **state)
{
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		const struct bad *c = &corpus[i];
		int rc = run_case(f, c, TSHM_INGEST_FAIL, f->dir);
		const char *e = strstr(f->res.error, c->error);

		if (rc != -EBADMSG || !e || e[-1] != '/')
			fail_msg("case %zu (%s): %d \"%s\", expected \"%s\"", i, c->name, rc,
				 f->res.error, c->error);
		check_unchanged(f);
	}
}

static void test_ingest_bad_skip(void **state)
{
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		const struct bad *c = &corpus[i];
		char dir[160];
		int rc;

		/* A bundle per case: one case's committed rows fix exponents for the next. */
		snprintf(dir, sizeof(dir), "%s/skip%zu", f->tmp, i);
		rc = run_case(f, c, TSHM_INGEST_SKIP, dir);

		if (rc < 0)
			fail_msg("case %zu (%s): %d %s", i, c->name, rc, f->res.error);
		if ((c->skipped_rows < 0 ? f->res.files_skipped != 1
					 : f->res.rows_skipped != (uint64_t)c->skipped_rows) ||
		    f->res.rows_ingested != (uint64_t)c->good_rows)
			fail_msg("case %zu (%s): %llu rows and %llu files skipped, %llu ingested",
				 i, c->name, (unsigned long long)f->res.rows_skipped,
				 (unsigned long long)f->res.files_skipped,
				 (unsigned long long)f->res.rows_ingested);
	}
}

/* A truncated .zst, a missing file, a directory: errors, nothing committed. */
static void test_ingest_bad_files(void **state)
{
	struct fx *f = *state;
	char text[4096], *z, *p = text;
	const char *files[1] = {f->path};
	FILE *fp;
	size_t n;
	int rc;

	for (int i = 0; i < 60; i++)
		p += sprintf(p, "%d,%d.5,1,0,%d,true,true\n", i, 100 + i, 1704153600 + i);
	TSHM_TEST_CHECK(
	    tshm_itest_write_zst(f->tmp, "Z-trades-1.csv.zst", text, strlen(text), f->path));
	z = malloc(8192);
	assert_non_null(z);
	fp = fopen(f->path, "rb");
	assert_non_null(fp);
	n = fread(z, 1, 8192, fp);
	fclose(fp);
	TSHM_TEST_CHECK(tshm_itest_write(f->tmp, "Z-trades-1.csv.zst", z, n - 9, f->path));
	free(z);
	rc = tshm_itest_ingest(BT, f->dir, files, 1, 0, NULL, NULL, &f->res);
	assert_int_equal(rc, -EBADMSG);
	assert_non_null(strstr(f->res.error, "Z-trades-1.csv.zst: truncated zstd frame"));
	check_unchanged(f);
	snprintf(f->path, sizeof(f->path), "%s/missing-trades-1.csv", f->tmp);
	rc = tshm_itest_ingest(BT, f->dir, files, 1, TSHM_INGEST_NO_SESSIONS, NULL, NULL, &f->res);
	assert_int_equal(rc, -ENOENT);
	assert_non_null(strstr(f->res.error, "missing-trades-1.csv: No such file"));
	snprintf(f->path, sizeof(f->path), "%s", f->tmp);
	rc = tshm_itest_ingest(BT, f->dir, files, 1, 0, NULL, NULL, &f->res);
	assert_int_equal(rc, -EISDIR);
	check_unchanged(f);
}

/* Going backwards in time is not an error: rows are sorted per asset. */
static void test_ingest_bad_backwards_is_fine(void **state)
{
	struct fx *f = *state;
	struct tshm_itest_cols c;
	const char *files[1] = {f->path};

	TSHM_TEST_CHECK(tshm_itest_write_str(f->tmp, "OLD-trades-2024-01-03.csv",
					     "3,100.5,1,0,1704240002000,true,true\n"
					     "1,100.5,1,0,1704240000000,true,true\n"
					     "2,100.5,1,0,1704240001000,true,true\n",
					     f->path));
	TSHM_TEST_CHECK(tshm_itest_ingest(BT, f->dir, files, 1, 0, NULL, NULL, &f->res));
	assert_int_equal(f->res.series_sorted, 1);
	TSHM_TEST_CHECK(tshm_itest_read(f->dir, TSHM_TABLE_TRADES, 1, &c));
	assert_int_equal(c.n, 5);
	for (int i = 0; i < 3; i++)
		assert_int_equal(c.col[4][2 + i], i + 1);
	tshm_itest_cols_free(&c);
}

/* Bad options are -EINVAL before anything is touched. */
static void test_ingest_bad_options(void **state)
{
	struct fx *f = *state;
	struct tshm_ingest_opts o;
	const char *files[1] = {f->path};

	tshm_ingest_opts_init(&o);
	o.flags = 0x80;
	assert_int_equal(tshm_itest_ingest(BT, f->dir, files, 1, 0x80, NULL, NULL, &f->res),
			 -EINVAL);
	assert_int_equal(tshm_itest_ingest("nope", f->dir, files, 1, 0, NULL, NULL, &f->res),
			 -EINVAL);
	o.flags = 0;
	o.map = "ts=1";
	assert_int_equal(tshm_itest_ingest(BT, f->dir, files, 1, 0, &o, NULL, &f->res), -EINVAL);
	assert_non_null(strstr(f->res.error, "--map: for the generic preset only"));
	tshm_ingest_opts_init(&o);
	o.price_exp = 3;
	assert_int_equal(tshm_itest_ingest(BT, f->dir, files, 1, 0, &o, NULL, &f->res), -EINVAL);
	tshm_ingest_opts_init(&o);
	o.symbol = "0123456789012345678901234567890123456789";
	assert_int_equal(tshm_itest_ingest(BT, f->dir, files, 1, 0, &o, NULL, &f->res), -EINVAL);
	assert_int_equal(tshm_itest_ingest(BT, f->dir, files, 0, 0, NULL, NULL, &f->res), -EINVAL);
	assert_int_equal(tshm_ingest_run(NULL, &f->res), -EINVAL);
	check_unchanged(f);
}

/* Run the CLI; returns its exit status, output (stdout + stderr) in @out. */
static int cli(const char *args, char *out, size_t len)
{
	const char *bin = tshm_test_cli();
	char cmd[2048];
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "\"%s\" ingest %s 2>&1", bin, args);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_ingest_bad_cli(void **state)
{
	struct fx *f = *state;
	char args[1024], out[4096];

	tshm_test_cli();
	TSHM_TEST_CHECK(tshm_itest_write_str(f->tmp, "C-trades-1.csv",
					     GOOD "3,abc,1,0,1704153600000,true,true\n", f->path));
	snprintf(args, sizeof(args), "--preset binance-trades %s %s", f->dir, f->path);
	assert_int_equal(cli(args, out, sizeof(out)), 1);
	if (!strstr(out, "tickshm ingest: ") ||
	    !strstr(out, "C-trades-1.csv:3: price: not a number") ||
	    strchr(out, '\n') != out + strlen(out) - 1)
		fail_msg("output: %s", out);
	check_unchanged(f);
	snprintf(args, sizeof(args), "--preset binance-trades --on-error=skip %s %s", f->dir,
		 f->path);
	assert_int_equal(cli(args, out, sizeof(out)), 0);
	if (!strstr(out, "C-trades-1.csv:3: price") || !strstr(out, "skipped 1 bad rows"))
		fail_msg("output: %s", out);
	assert_int_equal(cli("--preset nope x y", out, sizeof(out)), 2);
	assert_int_equal(cli("--preset generic", out, sizeof(out)), 2);
	snprintf(args, sizeof(args), "--preset generic --table candles %s %s", f->dir, f->path);
	assert_int_equal(cli(args, out, sizeof(out)), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_ingest_bad_fail, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ingest_bad_skip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ingest_bad_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ingest_bad_backwards_is_fine, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ingest_bad_options, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ingest_bad_cli, setup, teardown),
	};

	tshm_test_ns_init("ingestbad");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
