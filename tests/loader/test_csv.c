/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/*
 * The CSV reader and field splitter, seen through a dry-run ingest of the
 * generic preset (ts,symbol,price,size,side,id): plain and zstd files (one
 * or several frames), CRLF, a UTF-8 BOM, blank lines, no final newline,
 * lines across the read buffer, quoted fields, other delimiters, and the
 * failures: truncated or corrupt zstd, a ".zst" that is not, over-long
 * lines, invalid UTF-8, unterminated quotes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_test.h"
#include "loader_test.h"
#include "tshm_proc.h"

#define HDR "ts,symbol,price,size,side,id\n"
#define ROWS                                                                                       \
	"1704153600000000001,ACME,101.25,3,buy,7\n"                                                \
	"1704153600000000002,ACME,101.5,10,sell,8\n"                                               \
	"1704153600000000003,ACME,99.125,1,,9\n"

struct fx {
	char dir[64];
	char path[512];
	struct tshm_itest_rows rows;
	struct tshm_ingest_result res;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || tshm_test_mkdtemp(f->dir, sizeof(f->dir)) < 0) {
		free(f);
		return -1;
	}
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

/* Dry-run the generic preset on f->path with @o (NULL: defaults). */
static int run(struct fx *f, const struct tshm_ingest_opts *o)
{
	const char *files[] = {f->path};

	tshm_itest_rows_free(&f->rows);
	return tshm_itest_ingest("generic", NULL, files, 1, 0, o, &f->rows, &f->res);
}

static void write_text(struct fx *f, const char *name, const char *text)
{
	TSHM_TEST_CHECK(tshm_itest_write_str(f->dir, name, text, f->path));
}

/* The three rows of ROWS, exactly (price exponent -3, size exponent 0). */
static void expect_rows(struct fx *f)
{
	static const int64_t want[3][5] = {
	    {1704153600000000001, 101250, 3, TSHM_TRADE_BUY, 7},
	    {1704153600000000002, 101500, 10, TSHM_TRADE_SELL, 8},
	    {1704153600000000003, 99125, 1, 0, 9},
	};

	assert_int_equal(f->rows.n, 3);
	for (size_t i = 0; i < 3; i++) {
		const struct tshm_itest_row *r = &f->rows.v[i];
		assert_int_equal(r->table, TSHM_TABLE_TRADES);
		assert_string_equal(r->asset.symbol, "ACME");
		assert_int_equal(r->asset.price_exp, -3);
		assert_int_equal(r->asset.size_exp, 0);
		for (unsigned c = 0; c < 5; c++)
			assert_int_equal(r->col[c], want[i][c]);
	}
}

static void expect_error(struct fx *f, int rc, const char *needle)
{
	if (rc != -EBADMSG || !strstr(f->res.error, needle))
		fail_msg("expected -EBADMSG with \"%s\", got %d: %s", needle, rc, f->res.error);
}

static void test_csv_plain(void **state)
{
	struct fx *f = *state;

	write_text(f, "t.csv", HDR ROWS);
	TSHM_TEST_CHECK(run(f, NULL));
	expect_rows(f);
	assert_int_equal(f->res.bytes_in, strlen(HDR ROWS));
	assert_int_equal(f->res.file_bytes, strlen(HDR ROWS));
	assert_int_equal(f->res.rows_read, 3);
}

static void test_csv_zstd(void **state)
{
	struct fx *f = *state;
	const char *text = HDR ROWS;

	TSHM_TEST_CHECK(tshm_itest_write_zst(f->dir, "t.csv.zst", text, strlen(text), f->path));
	TSHM_TEST_CHECK(run(f, NULL));
	expect_rows(f);
	assert_int_equal(f->res.bytes_in, strlen(text));
	assert_true(f->res.file_bytes > 0 && f->res.file_bytes != f->res.bytes_in);
	/* Recognised by the magic, whatever the name. */
	TSHM_TEST_CHECK(tshm_itest_write_zst(f->dir, "renamed.csv", text, strlen(text), f->path));
	TSHM_TEST_CHECK(run(f, NULL));
	expect_rows(f);
}

/* Two frames back to back read as one text (zstd -c a b > ab.zst). */
static void test_csv_zstd_frames(void **state)
{
	struct fx *f = *state;
	char p1[512], p2[512], *buf = malloc(1 << 16);
	FILE *a, *b;
	size_t n1, n2;

	assert_non_null(buf);
	TSHM_TEST_CHECK(tshm_itest_write_zst(f->dir, "a.zst", HDR, strlen(HDR), p1));
	TSHM_TEST_CHECK(tshm_itest_write_zst(f->dir, "b.zst", ROWS, strlen(ROWS), p2));
	a = fopen(p1, "rb");
	b = fopen(p2, "rb");
	assert_true(a && b);
	n1 = fread(buf, 1, 1 << 15, a);
	n2 = fread(buf + n1, 1, 1 << 15, b);
	fclose(a);
	fclose(b);
	TSHM_TEST_CHECK(tshm_itest_write(f->dir, "ab.csv.zst", buf, n1 + n2, f->path));
	free(buf);
	TSHM_TEST_CHECK(run(f, NULL));
	expect_rows(f);
}

static void test_csv_crlf_bom_blank(void **state)
{
	struct fx *f = *state;

	write_text(f, "crlf.csv",
		   "ts,symbol,price,size,side,id\r\n"
		   "1704153600000000001,ACME,101.25,3,buy,7\r\n"
		   "1704153600000000002,ACME,101.5,10,sell,8\n"
		   "1704153600000000003,ACME,99.125,1,,9\r\n");
	TSHM_TEST_CHECK(run(f, NULL));
	expect_rows(f);
	/* BOM before the header, blank lines anywhere, no final newline. */
	write_text(f, "bom.csv",
		   "\xEF\xBB\xBF" HDR "\n"
		   "1704153600000000001,ACME,101.25,3,buy,7\n"
		   "\r\n\n"
		   "1704153600000000002,ACME,101.5,10,sell,8\n"
		   "1704153600000000003,ACME,99.125,1,,9");
	TSHM_TEST_CHECK(run(f, NULL));
	expect_rows(f);
	assert_int_equal(f->res.rows_read, 3);
}

/* Rows crossing the reader's buffer (2 MiB) many times, and one near-maximal line. */
static void test_csv_long_lines(void **state)
{
	struct fx *f = *state;
	size_t rows = 120000, cap = rows * 64 + (1u << 20) + 4096, len = 0;
	char *text = malloc(cap);
	struct tshm_ingest_opts o;

	assert_non_null(text);
	len += (size_t)sprintf(text + len, "%s", HDR);
	for (size_t i = 0; i < rows; i++)
		len += (size_t)sprintf(text + len, "%zu,ACME,%zu.%02zu,%zu,buy,%zu\n",
				       1704153600000000000 + i, 100 + i % 7, i % 100, i % 13 + 1,
				       i);
	TSHM_TEST_CHECK(tshm_itest_write(f->dir, "many.csv", text, len, f->path));
	TSHM_TEST_CHECK(run(f, NULL));
	assert_int_equal(f->rows.n, rows);
	for (size_t i = 0; i < rows; i += 997)
		assert_int_equal(f->rows.v[i].col[4], (int64_t)i);
	assert_int_equal(f->rows.v[rows - 1].col[1],
			 (int64_t)(100 + (rows - 1) % 7) * 100 + (int64_t)((rows - 1) % 100));
	/* A line just under 1 MiB (an extra column the mapping ignores) reads. */
	len = (size_t)sprintf(text, "ts,symbol,price,size,side,id,note\n1,ACME,1,1,buy,1,");
	memset(text + len, 'x', 1000000);
	len += 1000000;
	text[len++] = '\n';
	TSHM_TEST_CHECK(tshm_itest_write(f->dir, "wide.csv", text, len, f->path));
	TSHM_TEST_CHECK(run(f, NULL));
	assert_int_equal(f->rows.n, 1);
	/* Over 1 MiB without a newline: the line's number and the limit. */
	len = (size_t)sprintf(text, HDR "1,ACME,1,1,buy,1\n2,ACME,");
	memset(text + len, '7', (1u << 20) + 10);
	len += (1u << 20) + 10;
	TSHM_TEST_CHECK(tshm_itest_write(f->dir, "long.csv", text, len, f->path));
	expect_error(f, run(f, NULL), "long.csv:3: line longer than 1048576 bytes");
	tshm_ingest_opts_init(&o);
	o.on_error = TSHM_INGEST_SKIP;
	TSHM_TEST_CHECK(run(f, &o));
	assert_int_equal(f->rows.n, 1);		   /* the rows before it are kept under skip */
	assert_int_equal(f->res.files_skipped, 1); /* the rest of the file cannot be read */
	free(text);
}

static void test_csv_truncated_zstd(void **state)
{
	struct fx *f = *state;
	char *text = malloc(1 << 20), *z = malloc(1 << 20);
	size_t len = 0, zn;
	FILE *fp;

	assert_true(text && z);
	len += (size_t)sprintf(text, "%s", HDR);
	for (int i = 0; i < 5000; i++)
		len += (size_t)sprintf(text + len, "%d,ACME,1.%d,%d,buy,%d\n", 1000 + i, i, i, i);
	TSHM_TEST_CHECK(tshm_itest_write_zst(f->dir, "full.zst", text, len, f->path));
	fp = fopen(f->path, "rb");
	assert_non_null(fp);
	zn = fread(z, 1, 1 << 20, fp);
	fclose(fp);
	for (size_t cut = 1; cut + 4 <= zn; cut += zn / 7 + 1) {
		char name[32];
		snprintf(name, sizeof(name), "cut%zu.csv.zst", cut);
		TSHM_TEST_CHECK(tshm_itest_write(f->dir, name, z, zn - cut, f->path));
		expect_error(f, run(f, NULL), ": truncated zstd frame");
	}
	/* Corrupt bytes in the middle: a zstd error, never a crash. */
	z[zn / 2] ^= 0x5a;
	z[zn / 2 + 1] ^= 0xa5;
	TSHM_TEST_CHECK(tshm_itest_write(f->dir, "bad.csv.zst", z, zn, f->path));
	{
		int rc = run(f, NULL);
		assert_true(rc == -EBADMSG || rc == 0); /* a flip may land in a literal */
	}
	/* Trailing garbage after a complete frame. */
	z[zn / 2] ^= 0x5a;
	z[zn / 2 + 1] ^= 0xa5;
	memcpy(z + zn, "garbage!", 8);
	TSHM_TEST_CHECK(tshm_itest_write(f->dir, "tail.csv.zst", z, zn + 8, f->path));
	expect_error(f, run(f, NULL), "zstd: ");
	/* A ".zst" name on a plain file. */
	write_text(f, "plain.csv.zst", HDR ROWS);
	expect_error(f, run(f, NULL), "plain.csv.zst: not a zstd file");
	free(text);
	free(z);
}

static void test_csv_invalid_utf8(void **state)
{
	static const char *const bad[] = {
	    "\xff",
	    "\xc0\xaf",		/* overlong '/' */
	    "\xed\xa0\x80",	/* surrogate */
	    "\xe2\x82",		/* cut short */
	    "\xf4\x90\x80\x80", /* beyond U+10FFFF */
	};
	struct fx *f = *state;
	char text[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), HDR "1,ACME,1,1,buy,1\n2,AC%sME,1,1,buy,2\n", bad[i]);
		write_text(f, "u.csv", text);
		expect_error(f, run(f, NULL), "u.csv:3: invalid UTF-8");
	}
	/* Valid multi-byte UTF-8 is fine, in a quoted field too. */
	write_text(f, "ok.csv",
		   HDR "1,\xe2\x82\xac"
		       "EUR,1,1,buy,1\n2,\"\xf0\x9f\x93\x88,x\",1,1,b,2\n");
	TSHM_TEST_CHECK(run(f, NULL));
	assert_int_equal(f->rows.n, 2);
	assert_string_equal(f->rows.v[0].asset.symbol, "\xe2\x82\xac"
						       "EUR");
	assert_string_equal(f->rows.v[1].asset.symbol, "\xf0\x9f\x93\x88,x");
}

static void test_csv_quotes(void **state)
{
	struct fx *f = *state;

	write_text(f, "q.csv",
		   "\"ts\",\"symbol\",\"price\",size,side,id\n"
		   "\"1704153600000000001\",\"ACME\",\"101.25\",3,buy,7\n"
		   "1704153600000000002,\"AC\"\"ME\",101.5,10,\"sell\",8\n"
		   "1704153600000000003,\"A,B\",99.125,\"1\",,9\n");
	TSHM_TEST_CHECK(run(f, NULL));
	assert_int_equal(f->rows.n, 3);
	/* Rows come per asset, in order of first appearance. */
	assert_string_equal(f->rows.v[0].asset.symbol, "ACME");
	assert_int_equal(f->rows.v[0].col[1], 10125); /* its own exponent: -2 */
	assert_string_equal(f->rows.v[1].asset.symbol, "AC\"ME");
	assert_int_equal(f->rows.v[1].col[3], TSHM_TRADE_SELL);
	assert_string_equal(f->rows.v[2].asset.symbol, "A,B");
	assert_int_equal(f->rows.v[2].col[2], 1);
	write_text(f, "uq.csv", HDR "1,\"ACME,1,1,buy,1\n");
	expect_error(f, run(f, NULL), "uq.csv:2: unterminated quoted field");
	write_text(f, "aq.csv", HDR "1,\"ACME\"x,1,1,buy,1\n");
	expect_error(f, run(f, NULL), "aq.csv:2: text after a closing quote");
}

static void test_csv_delimiters(void **state)
{
	struct fx *f = *state;
	struct tshm_ingest_opts o;

	tshm_ingest_opts_init(&o);
	o.delimiter = ';';
	write_text(f, "semi.csv",
		   "ts;symbol;price;size;side;id\n"
		   "1704153600000000001;ACME;101.25;3;buy;7\n"
		   "1704153600000000002;ACME;101.5;10;sell;8\n"
		   "1704153600000000003;ACME;99.125;1;;9\n");
	TSHM_TEST_CHECK(run(f, &o));
	expect_rows(f);
	o.delimiter = '\t';
	write_text(f, "tab.tsv",
		   "ts\tsymbol\tprice\tsize\tside\tid\n"
		   "1704153600000000001\tACME\t101.25\t3\tbuy\t7\n"
		   "1704153600000000002\tACME\t101.5\t10\tsell\t8\n"
		   "1704153600000000003\tACME\t99.125\t1\t\t9\n");
	TSHM_TEST_CHECK(run(f, &o));
	expect_rows(f);
	/* The wrong delimiter: one field per line, reported as such. */
	o.delimiter = ',';
	expect_error(f, run(f, &o), "no column for \"ts\"");
}

static void test_csv_field_counts(void **state)
{
	struct fx *f = *state;

	write_text(f, "few.csv", HDR "1,ACME,1,1,buy\n");
	expect_error(f, run(f, NULL), "few.csv:2: expected 6 fields, got 5");
	write_text(f, "many.csv", HDR "1,ACME,1,1,buy,1,\n");
	expect_error(f, run(f, NULL), "many.csv:2: expected 6 fields, got 7");
	/* More fields than the splitter keeps: counted, not stored. */
	char text[256] = HDR "1,ACME,1,1,buy,1";
	for (int i = 0; i < 40; i++)
		strcat(text, ",");
	strcat(text, "\n");
	write_text(f, "lots.csv", text);
	expect_error(f, run(f, NULL), "lots.csv:2: expected 6 fields, got 46");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_csv_plain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_csv_zstd, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_csv_zstd_frames, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_csv_crlf_bom_blank, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_csv_long_lines, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_csv_truncated_zstd, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_csv_invalid_utf8, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_csv_quotes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_csv_delimiters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_csv_field_counts, setup, teardown),
	};

	tshm_test_ns_init("csv");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
