/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/*
 * The bundle store: transactions, the index an open bundle exposes, the
 * layout and metadata it fills into a segment, and the content hash it
 * derives without reading data, which must equal the hash libshm computes
 * from the loaded data.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loader_test.h"
#include "tshm_proc.h"

static const struct tshm_ltest_spec small = {4, 3, 200, 7};

/* Load @dir through the reference loader and compare with @s. */
static void load_and_check(struct tshm_ltest_fx *f, const char *bundle,
			   const struct tshm_ltest_spec *s)
{
	struct tshm_view *v;
	char why[256];
	int hash_ok = 0;

	TSHM_TEST_CHECK(tshm_ltest_load_ref(f->cat, f->dir, bundle, &hash_ok));
	assert_true(hash_ok);
	TSHM_TEST_CHECK(tshm_view_open(&v, f->cat, bundle));
	assert_int_equal(tshm_view_verify(v), 0);
	if (tshm_ltest_check_view(v, s, why, sizeof(why)) < 0) {
		tshm_view_unref(v);
		fail_msg("%s", why);
	}
	tshm_view_unref(v);
}

/* A loaded bundle has libshm's schema, and the codec rule holds. */
static void check_schema(struct tshm_ltest_fx *f, const char *bundle)
{
	struct tshm_column_info ci;
	struct tshm_bundle *b;
	struct tshm_view *v;
	const struct tshm_chunk *c;
	size_t n;

	TSHM_TEST_CHECK(tshm_bundle_open(&b, f->dir, 0));
	TSHM_TEST_CHECK(tshm_view_open(&v, f->cat, bundle));
	c = tshm_bundle_chunks(b, &n);
	for (size_t i = 0; i < n; i++) {
		int delta;

		TSHM_TEST_CHECK(tshm_view_column(v, c[i].table, c[i].col, &ci));
		delta = ci.width == 8 && (ci.kind == TSHM_KIND_TS || ci.kind == TSHM_KIND_PRICE);
		assert_int_equal(c[i].width, ci.width);
		assert_int_equal(c[i].codec,
				 delta ? TSHM_CODEC_DELTA_SHUF_ZSTD : TSHM_CODEC_SHUF_ZSTD);
	}
	tshm_view_unref(v);
	tshm_bundle_close(b);
}

static void test_bundle_round_trip(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_bundle_info info;
	struct tshm_bundle *b;
	const struct tshm_chunk *c;
	size_t n;

	TSHM_TEST_CHECK(tshm_ltest_put_bundle(f->dir, "rt", &small));
	TSHM_TEST_CHECK(tshm_bundle_open(&b, f->dir, 0));
	tshm_bundle_info(b, &info);
	assert_string_equal(info.name, "rt");
	assert_string_equal(tshm_bundle_dir(b), f->dir);
	assert_int_equal(info.format_version, 1);
	assert_int_equal(info.nassets, 4);
	assert_int_equal(info.rows[TSHM_TABLE_TRADES], 4 * 3 * 200);
	assert_int_equal(info.rows[TSHM_TABLE_QUOTES], 4 * 3 * 101);
	assert_int_equal(info.rows[TSHM_TABLE_BARS_1D], 4 * 3);
	assert_int_equal(info.rows[TSHM_TABLE_ADJUSTMENTS], 2);
	assert_int_equal(info.rows[TSHM_TABLE_SYMBOLS], 5);
	assert_int_equal(info.rows[TSHM_TABLE_SESSIONS], 3);
	assert_int_equal(info.nchunks, 4 * 3 * (5 + 5 + 6 + 6));
	c = tshm_bundle_chunks(b, &n);
	assert_int_equal(n, info.nchunks);
	for (size_t i = 1; i < n; i++) {
		const struct tshm_chunk *p = &c[i - 1], *q = &c[i];
		assert_true(p->table < q->table ||
			    (p->table == q->table &&
			     (p->sid < q->sid ||
			      (p->sid == q->sid &&
			       (p->day < q->day || (p->day == q->day && p->col < q->col))))));
	}
	assert_true(info.compressed_bytes < info.raw_bytes);
	assert_int_equal(info.min_ts, (int64_t)TSHM_LTEST_DAY0 * TSHM_DAY_NS);
	tshm_bundle_close(b);
	load_and_check(f, "rt", &small);
	check_schema(f, "rt");
}

/* Replace one day with other rows, delete another; the rest stays. */
static void test_bundle_replace_and_delete(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_ltest_spec other = small;
	struct tshm_bundle_txn *t;
	struct tshm_table_info ti;
	struct tshm_column_info ts;
	struct tshm_view *v;
	uint64_t first, count;
	int64_t col[5][300];
	const void *cols[5];
	int hash_ok = 0;

	TSHM_TEST_CHECK(tshm_ltest_put_bundle(f->dir, "rd", &small));
	assert_int_equal(tshm_ltest_count_data_files(f->dir), 1);
	other.trades_per_day = 250;
	for (int c = 0; c < 5; c++)
		cols[c] = col[c];
	tshm_ltest_fill_day(&other, TSHM_TABLE_TRADES, 0, 1, (void *const *)cols);
	TSHM_TEST_CHECK(tshm_bundle_begin(&t, f->dir, NULL, 0));
	TSHM_TEST_CHECK(tshm_bundle_put_day(t, TSHM_TABLE_TRADES, tshm_ltest_sid(0),
					    TSHM_LTEST_DAY0 + 1, 250, cols));
	TSHM_TEST_CHECK(tshm_bundle_put_day(t, TSHM_TABLE_QUOTES, tshm_ltest_sid(2),
					    TSHM_LTEST_DAY0 + 2, 0, NULL));
	TSHM_TEST_CHECK(tshm_bundle_commit(t));
	assert_int_equal(tshm_ltest_count_data_files(f->dir), 2);

	TSHM_TEST_CHECK(tshm_ltest_load_ref(f->cat, f->dir, "rd", &hash_ok));
	assert_true(hash_ok);
	TSHM_TEST_CHECK(tshm_view_open(&v, f->cat, "rd"));
	assert_int_equal(tshm_view_verify(v), 0);
	TSHM_TEST_CHECK(tshm_view_table(v, TSHM_TABLE_TRADES, &ti));
	assert_int_equal(ti.nrows, 4 * 3 * 200 + 50);
	TSHM_TEST_CHECK(tshm_view_asset_rows(v, TSHM_TABLE_TRADES, 0, &first, &count));
	assert_int_equal(count, 650);
	TSHM_TEST_CHECK(tshm_view_column(v, TSHM_TABLE_TRADES, TSHM_TRADES_TS, &ts));
	assert_memory_equal((const int64_t *)ts.data + first + 200, col[0], 250 * 8);
	TSHM_TEST_CHECK(tshm_view_asset_rows(v, TSHM_TABLE_QUOTES, 2, &first, &count));
	assert_int_equal(count, 2 * 101);
	tshm_view_unref(v);

	/* Replacing everything leaves the older files unreferenced: swept. */
	TSHM_TEST_CHECK(tshm_ltest_put_bundle(f->dir, NULL, &small));
	assert_int_equal(tshm_ltest_count_data_files(f->dir), 1);
	load_and_check(f, "rd", &small);
}

static void test_bundle_put_day_rejects(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_bundle_txn *t;
	int64_t col[5][8];
	const void *cols[5];
	int32_t day = TSHM_LTEST_DAY0;
	int64_t sid = tshm_ltest_sid(0);

	TSHM_TEST_CHECK(tshm_ltest_put_bundle(f->dir, "rj", &small));
	for (int c = 0; c < 5; c++)
		cols[c] = col[c];
	memset(col, 0, sizeof(col));
	for (int i = 0; i < 8; i++)
		col[0][i] = (int64_t)day * TSHM_DAY_NS + i;
	TSHM_TEST_CHECK(tshm_bundle_begin(&t, f->dir, NULL, 0));
	assert_int_equal(tshm_bundle_put_day(t, TSHM_TABLE_TRADES, 999, day, 8, cols), -EINVAL);
	assert_int_equal(tshm_bundle_put_day(t, TSHM_TABLE_ASSETS, sid, day, 8, cols), -EINVAL);
	assert_int_equal(tshm_bundle_put_day(t, TSHM_TABLE_ADJUSTMENTS, sid, day, 8, cols),
			 -EINVAL);
	assert_int_equal(tshm_bundle_put_day(t, TSHM_TABLE_TRADES, sid, day + 1, 8, cols), -EINVAL);
	assert_int_equal(tshm_bundle_put_day(t, TSHM_TABLE_TRADES, sid, day, 8, NULL), -EINVAL);
	col[0][3] = col[0][2] - 1;
	assert_int_equal(tshm_bundle_put_day(t, TSHM_TABLE_TRADES, sid, day, 8, cols), -EINVAL);
	col[0][3] = col[0][2];
	col[0][7] = (int64_t)(day + 1) * TSHM_DAY_NS;
	assert_int_equal(tshm_bundle_put_day(t, TSHM_TABLE_TRADES, sid, day, 8, cols), -EINVAL);
	assert_int_equal(tshm_bundle_put_adjustment(t, sid, col[0][0], 9, 1, 1, 0), -EINVAL);
	assert_int_equal(tshm_bundle_put_adjustment(t, sid, col[0][0], 1, 1, 0, 0), -EINVAL);
	assert_int_equal(tshm_bundle_put_adjustment(t, 999, col[0][0], 1, 1, 1, 0), -EINVAL);
	assert_int_equal(tshm_bundle_put_session(t, day, 10, 5), -EINVAL);
	assert_int_equal(tshm_bundle_put_symbol(t, "", 0, 1, sid), -EINVAL);
	assert_int_equal(tshm_bundle_put_symbol(t, "A234567890123456789012345678901234", 0, 1, sid),
			 -EINVAL);
	/* Refused calls change nothing: the transaction still commits. */
	TSHM_TEST_CHECK(tshm_bundle_commit(t));
	load_and_check(f, "rj", &small);
}

static void test_bundle_assets(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_bundle_txn *t;
	struct tshm_asset a, got;

	TSHM_TEST_CHECK(tshm_ltest_put_bundle(f->dir, "as", &small));
	TSHM_TEST_CHECK(tshm_bundle_begin(&t, f->dir, NULL, 0));
	TSHM_TEST_CHECK(tshm_bundle_get_asset(t, tshm_ltest_sid(2), NULL, &got));
	assert_string_equal(got.symbol, "SYM2");
	TSHM_TEST_CHECK(tshm_bundle_get_asset(t, 0, "SYM3", &got));
	assert_int_equal(got.sid, tshm_ltest_sid(3));
	assert_int_equal(tshm_bundle_get_asset(t, 0, "NOPE", &got), -ENOENT);
	assert_int_equal(tshm_bundle_get_asset(t, 5, NULL, &got), -ENOENT);
	tshm_ltest_asset(&small, 1, &a);
	a.price_exp = -2;
	assert_int_equal(tshm_bundle_put_asset(t, &a), -EINVAL);
	tshm_ltest_asset(&small, 1, &a);
	memset(a.exchange, 'X', TSHM_EXCHANGE_MAX + 1);
	assert_int_equal(tshm_bundle_put_asset(t, &a), -EINVAL);
	tshm_ltest_asset(&small, 1, &a);
	strcpy(a.exchange, "XNEW");
	TSHM_TEST_CHECK(tshm_bundle_put_asset(t, &a));
	TSHM_TEST_CHECK(tshm_bundle_get_asset(t, a.sid, NULL, &got));
	assert_string_equal(got.exchange, "XNEW");
	tshm_ltest_asset(&small, 0, &a);
	a.sid = 7;
	strcpy(a.symbol, "NEW");
	TSHM_TEST_CHECK(tshm_bundle_put_asset(t, &a));
	TSHM_TEST_CHECK(tshm_bundle_get_asset(t, 0, "NEW", &got));
	assert_int_equal(got.sid, 7);
	tshm_bundle_abort(t);
}

static void test_bundle_abort(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_bundle_info before, after;
	struct tshm_ltest_spec other = small;
	struct tshm_bundle_txn *t;
	struct tshm_bundle *b;
	int64_t col[5][200];
	const void *cols[5];

	TSHM_TEST_CHECK(tshm_ltest_put_bundle(f->dir, "ab", &small));
	TSHM_TEST_CHECK(tshm_bundle_open(&b, f->dir, 0));
	tshm_bundle_info(b, &before);
	tshm_bundle_close(b);
	other.seed = 99;
	for (int c = 0; c < 5; c++)
		cols[c] = col[c];
	tshm_ltest_fill_day(&other, TSHM_TABLE_TRADES, 0, 0, (void *const *)cols);
	TSHM_TEST_CHECK(tshm_bundle_begin(&t, f->dir, "renamed", 0));
	TSHM_TEST_CHECK(tshm_bundle_put_day(t, TSHM_TABLE_TRADES, tshm_ltest_sid(0),
					    TSHM_LTEST_DAY0, 200, cols));
	TSHM_TEST_CHECK(tshm_bundle_put_session(t, TSHM_LTEST_DAY0 + 9, 1, 2));
	assert_int_equal(tshm_ltest_count_data_files(f->dir), 2);
	tshm_bundle_abort(t);
	assert_int_equal(tshm_ltest_count_data_files(f->dir), 1);
	TSHM_TEST_CHECK(tshm_bundle_open(&b, f->dir, 0));
	tshm_bundle_info(b, &after);
	tshm_bundle_close(b);
	assert_memory_equal(&before, &after, sizeof(before));
	tshm_bundle_abort(NULL);
}

static void test_bundle_open_errors(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_bundle_txn *t;
	struct tshm_bundle *b;
	char sub[128];

	snprintf(sub, sizeof(sub), "%s/none", f->dir);
	assert_int_equal(tshm_bundle_open(&b, sub, 0), -ENOENT);
	assert_null(b);
	assert_int_equal(tshm_bundle_open(&b, f->dir, 0), -ENOENT);
	assert_int_equal(tshm_bundle_begin(&t, f->dir, NULL, 0), -ENOENT);
	assert_null(t);
	assert_int_equal(tshm_bundle_begin(&t, sub, NULL, 0), -ENOENT);
	assert_int_equal(tshm_bundle_begin(&t, f->dir, NULL, 4), -EINVAL);
	assert_int_equal(tshm_bundle_begin(&t, f->dir, "bad name", TSHM_BUNDLE_CREATE),
			 -TSHM_ENAME);
	assert_int_equal(tshm_bundle_open(&b, f->dir, 1), -EINVAL);
	/* An empty transaction on a new bundle: a valid, empty bundle named
	 * after its directory ("none" is a valid name). */
	TSHM_TEST_CHECK(tshm_bundle_begin(&t, sub, NULL, TSHM_BUNDLE_CREATE));
	TSHM_TEST_CHECK(tshm_bundle_commit(t));
	TSHM_TEST_CHECK(tshm_bundle_open(&b, sub, 0));
	tshm_bundle_close(b);
	assert_int_equal(tshm_ltest_count_data_files(sub), 0);
	assert_int_equal(
	    tshm_ltest_sql(sub, "UPDATE meta SET value='2' WHERE key='format_version'"), 0);
	assert_int_equal(tshm_bundle_open(&b, sub, 0), -TSHM_EVERSION);
	assert_int_equal(tshm_bundle_begin(&t, sub, NULL, 0), -TSHM_EVERSION);
}

/* A bundle with assets and no rows, and one with nothing at all. */
static void test_bundle_empty(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_ltest_spec none = {3, 0, 0, 1};
	struct tshm_layout_spec spec;
	struct tshm_bundle *b;
	int hash_ok = 0;

	TSHM_TEST_CHECK(tshm_ltest_put_bundle(f->dir, "em", &none));
	TSHM_TEST_CHECK(tshm_bundle_open(&b, f->dir, 0));
	TSHM_TEST_CHECK(tshm_bundle_layout(b, &spec));
	assert_int_equal(spec.nassets, 3);
	for (unsigned t = TSHM_TABLE_TRADES; t < TSHM_TABLE_COUNT; t++) {
		assert_int_equal(spec.tables[t].nrows, 0);
		assert_int_equal(spec.tables[t].ndays, 0);
	}
	tshm_bundle_close(b);
	load_and_check(f, "em", &none);
	TSHM_TEST_CHECK(tshm_ltest_sql(f->dir, "DELETE FROM assets; DELETE FROM symbols;"));
	TSHM_TEST_CHECK(tshm_ltest_load_ref(f->cat, f->dir, "em", &hash_ok));
	assert_true(hash_ok);
}

static void test_bundle_layout(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_ltest_spec s = {2, 5, 20, 3};
	struct tshm_layout_spec spec;
	struct tshm_bundle_txn *t;
	struct tshm_bundle *b;

	TSHM_TEST_CHECK(tshm_ltest_put_bundle(f->dir, "ly", &s));
	/* Trades only on days 1 and 3 remain. */
	TSHM_TEST_CHECK(tshm_bundle_begin(&t, f->dir, NULL, 0));
	for (uint32_t a = 0; a < 2; a++)
		for (int32_t k = 0; k < 5; k++)
			if (k != 1 && k != 3)
				TSHM_TEST_CHECK(tshm_bundle_put_day(t, TSHM_TABLE_TRADES,
								    tshm_ltest_sid(a),
								    TSHM_LTEST_DAY0 + k, 0, NULL));
	TSHM_TEST_CHECK(tshm_bundle_commit(t));
	TSHM_TEST_CHECK(tshm_bundle_open(&b, f->dir, 0));
	TSHM_TEST_CHECK(tshm_bundle_layout(b, &spec));
	assert_int_equal(spec.nassets, 2);
	assert_int_equal(spec.tables[TSHM_TABLE_SYMBOLS].nrows, 3);
	assert_int_equal(spec.tables[TSHM_TABLE_SESSIONS].nrows, 5);
	assert_int_equal(spec.tables[TSHM_TABLE_TRADES].nrows, 2 * 2 * 20);
	assert_int_equal(spec.tables[TSHM_TABLE_TRADES].day0, TSHM_LTEST_DAY0 + 1);
	assert_int_equal(spec.tables[TSHM_TABLE_TRADES].ndays, 3);
	assert_int_equal(spec.tables[TSHM_TABLE_QUOTES].day0, TSHM_LTEST_DAY0);
	assert_int_equal(spec.tables[TSHM_TABLE_QUOTES].ndays, 5);
	assert_int_equal(spec.tables[TSHM_TABLE_ADJUSTMENTS].nrows, 2);
	assert_int_equal(spec.tables[TSHM_TABLE_ADJUSTMENTS].day0, TSHM_LTEST_DAY0);
	assert_int_equal(spec.tables[TSHM_TABLE_ADJUSTMENTS].ndays, 2);
	tshm_bundle_close(b);
}

/* Damage the index of a fresh copy of the bundle with @sql: open refuses it,
 * verify_dir names the problem. */
static void expect_bad_index(struct tshm_ltest_fx *f, const char *sql, const char *what)
{
	struct tshm_verify_report rep;
	struct tshm_bundle *b;

	tshm_test_rmtree(f->dir);
	assert_int_equal(mkdir(f->dir, 0700), 0);
	TSHM_TEST_CHECK(tshm_ltest_put_bundle(f->dir, "ix", &small));
	TSHM_TEST_CHECK(tshm_ltest_sql(f->dir, sql));
	assert_int_equal(tshm_bundle_open(&b, f->dir, 0), -TSHM_ECORRUPT);
	assert_int_equal(tshm_bundle_verify_dir(f->dir, &rep), -TSHM_ECORRUPT);
	assert_true(rep.chunks_bad >= 1);
	if (!strstr(rep.first_error, what))
		fail_msg("%s: got '%s', want '%s'", sql, rep.first_error, what);
}

#define CHUNK(t, c) "\"table\"=" #t " AND sid=110 AND day=19725 AND col=" #c

static void test_bundle_bad_index(void **state)
{
	struct tshm_ltest_fx *f = *state;

	expect_bad_index(f, "UPDATE chunks SET offset=offset+1000000 WHERE " CHUNK(3, 1),
			 "trades sid 110 day 2024-01-03 col price: frame outside its data file");
	expect_bad_index(f, "UPDATE files SET size=size-1", "frame outside its data file");
	expect_bad_index(f,
			 "UPDATE chunks SET offset=(SELECT offset FROM chunks WHERE " CHUNK(
			     3, 0) ") WHERE " CHUNK(3, 2),
			 "overlaps");
	expect_bad_index(f, "UPDATE chunks SET width=4, rlen=nrows*4 WHERE " CHUNK(3, 2),
			 "col size: width 4");
	expect_bad_index(f, "DELETE FROM chunks WHERE " CHUNK(4, 3), "quotes sid 110");
	expect_bad_index(f, "UPDATE chunks SET nrows=nrows-1, rlen=rlen-8 WHERE " CHUNK(5, 5),
			 "disagree on rows");
	expect_bad_index(f, "UPDATE chunks SET max_ts=max_ts+86400000000000 WHERE " CHUNK(6, 0),
			 "outside its day");
	expect_bad_index(f, "UPDATE chunks SET sid=111 WHERE sid=110 AND \"table\"=3",
			 "unknown sid");
	expect_bad_index(f, "UPDATE chunks SET codec=4 WHERE " CHUNK(3, 3), "codec 4");
	expect_bad_index(f, "UPDATE chunks SET codec=5 WHERE " CHUNK(3, 2), "codec 5");
}

static void test_bundle_verify(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_verify_report rep;
	struct tshm_bundle_info info;
	struct tshm_bundle *b;
	char path[4200];

	TSHM_TEST_CHECK(tshm_ltest_put_bundle(f->dir, "vf", &small));
	TSHM_TEST_CHECK(tshm_bundle_open(&b, f->dir, 0));
	tshm_bundle_info(b, &info);
	assert_int_equal(tshm_bundle_verify(b, &rep), 0);
	assert_int_equal(rep.chunks_checked, info.nchunks);
	assert_int_equal(rep.bytes_read, info.compressed_bytes);
	assert_int_equal(rep.chunks_bad, 0);
	assert_int_equal(rep.orphan_files, 0);
	tshm_bundle_close(b);

	/* A flipped bit in the middle of chunk 30's frame. */
	TSHM_TEST_CHECK(tshm_ltest_flip_chunk(f->dir, 30, 1000003, 3));
	assert_int_equal(tshm_bundle_verify_dir(f->dir, &rep), -TSHM_ECORRUPT);
	assert_int_equal(rep.chunks_bad, 1);
	assert_int_equal(rep.chunks_checked, info.nchunks);
	if (!strstr(rep.first_error, "trades sid 120 day 2024-01-02 col ts: "))
		fail_msg("first_error: %s", rep.first_error);
	TSHM_TEST_CHECK(tshm_ltest_flip_chunk(f->dir, 30, 1000003, 3)); /* flipped back */
	TSHM_TEST_CHECK(tshm_bundle_verify_dir(f->dir, &rep));

	/* A truncated data file: the chunks past the end are named. */
	TSHM_TEST_CHECK(tshm_bundle_open(&b, f->dir, 0));
	TSHM_TEST_CHECK(tshm_bundle_file_path(b, tshm_bundle_chunks(b, &(size_t){0})[0].file_id,
					      path, sizeof(path)));
	tshm_bundle_close(b);
	assert_int_equal(truncate(path, 20000), 0);
	assert_int_equal(tshm_bundle_verify_dir(f->dir, &rep), -TSHM_ECORRUPT);
	assert_true(rep.chunks_bad > 0);
	assert_non_null(strstr(rep.first_error, "truncated"));
}

/* Readers do not block writers; they only keep data files from deletion. */
static void test_bundle_locking(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_verify_report rep;
	struct tshm_bundle_txn *t, *t2;
	struct tshm_bundle *b;

	TSHM_TEST_CHECK(tshm_ltest_put_bundle(f->dir, "lk", &small));
	TSHM_TEST_CHECK(tshm_bundle_open(&b, f->dir, 0));
	/* A writer replacing everything while the reader is open. */
	TSHM_TEST_CHECK(tshm_ltest_put_bundle(f->dir, NULL, &small));
	assert_int_equal(tshm_ltest_count_data_files(f->dir), 2); /* the reader's file is kept */
	assert_int_equal(tshm_bundle_verify(b, &rep), 0);
	tshm_bundle_close(b);
	/* The next transaction sweeps it. */
	TSHM_TEST_CHECK(tshm_bundle_begin(&t, f->dir, NULL, 0));
	assert_int_equal(tshm_ltest_count_data_files(f->dir), 2); /* swept + this txn's new file */
	/* A second writer waits, then gives up. */
	setenv("TICKSHM_TEST_LOCK_TIMEOUT_MS", "100", 1);
	assert_int_equal(tshm_bundle_begin(&t2, f->dir, NULL, 0), -TSHM_EBUSY);
	unsetenv("TICKSHM_TEST_LOCK_TIMEOUT_MS");
	TSHM_TEST_CHECK(tshm_bundle_commit(t));
	assert_int_equal(tshm_ltest_count_data_files(f->dir), 1);
	load_and_check(f, "lk", &small);
}

/* `tickshm verify`: one line, exit 0 / 1. */
static void test_bundle_cli_verify(void **state)
{
	struct tshm_ltest_fx *f = *state;
	const char *cli = tshm_test_cli();
	char cmd[4400], line[512] = "";
	FILE *p;
	int st;

	TSHM_TEST_CHECK(tshm_ltest_put_bundle(f->dir, "cli", &small));
	snprintf(cmd, sizeof(cmd), "%s verify %s 2>&1", cli, f->dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(line, sizeof(line), p));
	st = pclose(p);
	assert_true(WIFEXITED(st)); /* not killed by a signal */
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_non_null(strstr(line, "264 chunks"));
	assert_non_null(strstr(line, "OK"));
	TSHM_TEST_CHECK(tshm_ltest_flip_chunk(f->dir, 100, 7, 3));
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(line, sizeof(line), p));
	st = pclose(p);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1);
	assert_non_null(strstr(line, "tickshm verify: "));
	assert_non_null(strstr(line, "1 of 264 chunks bad, first: quotes sid "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_bundle_round_trip, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_bundle_replace_and_delete, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_bundle_put_day_rejects, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_bundle_assets, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_bundle_abort, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_bundle_open_errors, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_bundle_empty, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_bundle_layout, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_bundle_bad_index, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_bundle_verify, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_bundle_locking, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_bundle_cli_verify, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	};

	tshm_test_ns_init("bundle");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
