/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/* Zero-copy history windows, ranges and the copying multi-asset form. */
#include "tshm_test.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 9,000 trades per asset-day: more than two 4,096-row fence strides, so
 * random windows exercise both fence levels as well as the day index. */
static const struct tshm_test_bundle hb = {
    .nassets = 5, .ndays = 7, .trades_per_day = 9000, .quotes_per_day = 40, .seed = 11};

static struct tshm_catalog *g_cat;
static struct tshm_view *g_view;

static int group_setup(void **state)
{
	(void)state;
	if (tshm_catalog_open(&g_cat, NULL, TSHM_CATALOG_CREATE) != 0)
		return -1;
	if (tshm_test_publish(g_cat, "hist", &hb) != 1)
		return -1;
	return tshm_view_open(&g_view, g_cat, "hist");
}

static int group_teardown(void **state)
{
	(void)state;
	tshm_view_unref(g_view);
	tshm_catalog_close(g_cat);
	tshm_test_ns_clean();
	return 0;
}

static int64_t sid_of(uint32_t a)
{
	return 100 + 10 * (int64_t)a;
}

/* Rows per asset, as the generator writes them. */
static uint64_t per_asset(unsigned t)
{
	switch (t) {
	case TSHM_TABLE_TRADES:
		return (uint64_t)hb.ndays * hb.trades_per_day;
	case TSHM_TABLE_QUOTES:
		return (uint64_t)hb.ndays * hb.quotes_per_day;
	case TSHM_TABLE_BARS_1M:
		return (uint64_t)hb.ndays * 10;
	case TSHM_TABLE_BARS_1D:
		return hb.ndays;
	default:
		return 1;
	}
}

static const int64_t *ts_col(unsigned t)
{
	struct tshm_column_info ci;

	/* Column 0 is the timestamp of every per-asset table. */
	assert_int_equal(tshm_view_column(g_view, t, 0, &ci), 0);
	assert_int_equal(ci.kind, TSHM_KIND_TS);
	return ci.data;
}

static int64_t ts_at(const struct tshm_view *v, uint64_t row)
{
	struct tshm_column_info ci;

	assert_int_equal(tshm_view_column(v, TSHM_TABLE_TRADES, TSHM_TRADES_TS, &ci), 0);
	return ((const int64_t *)ci.data)[row];
}

/* Brute force: rows of asset @a in @t with ts <= @end, the last @count of them. */
static void brute_history(unsigned t, uint32_t a, int64_t end, uint64_t count, uint64_t *first,
			  uint64_t *n)
{
	const int64_t *ts = ts_col(t);
	uint64_t lo = a * per_asset(t), hi = lo + per_asset(t), k = lo;

	while (k < hi && ts[k] <= end)
		k++;
	*n = k - lo < count ? k - lo : count;
	*first = k - *n;
}

static void brute_range(unsigned t, uint32_t a, int64_t t0, int64_t t1, uint64_t *first,
			uint64_t *n)
{
	const int64_t *ts = ts_col(t);
	uint64_t lo = a * per_asset(t), hi = lo + per_asset(t), b = lo, e;

	while (b < hi && ts[b] < t0)
		b++;
	e = b;
	while (e < hi && ts[e] < t1)
		e++;
	*first = b;
	*n = t1 < t0 ? 0 : e - b;
}

/* The window must point into the column itself: zero-copy. */
static void check_window(const struct tshm_window *w, unsigned t, unsigned c, uint64_t first,
			 uint64_t n, const char *what)
{
	struct tshm_column_info ci;

	assert_int_equal(tshm_view_column(g_view, t, c, &ci), 0);
	if (w->count != n)
		fail_msg("%s: count %llu, want %llu", what, (unsigned long long)w->count,
			 (unsigned long long)n);
	if (n == 0)
		return;
	if (w->first_row != first)
		fail_msg("%s: first_row %llu, want %llu", what, (unsigned long long)w->first_row,
			 (unsigned long long)first);
	assert_ptr_equal(w->data, (const uint8_t *)ci.data + first * ci.width);
	assert_int_equal(w->width, ci.width);
	assert_int_equal(w->type, ci.type);
	assert_int_equal(w->kind, ci.kind);
}

static void test_history_end_inclusive(void **state)
{
	struct tshm_window w;
	int64_t end = tshm_test_trade_ts(&hb, 1, 3, 100);
	uint64_t base = 1 * per_asset(TSHM_TABLE_TRADES) + 3 * hb.trades_per_day;

	(void)state;
	assert_int_equal(tshm_history(g_view, TSHM_TABLE_TRADES, 110, TSHM_TRADES_TS, end, 10, &w),
			 0);
	check_window(&w, TSHM_TABLE_TRADES, TSHM_TRADES_TS, base + 91, 10, "inclusive");
	assert_true(((const int64_t *)w.data)[9] == end);
	/* One ns earlier excludes it; one ns later changes nothing. */
	assert_int_equal(
	    tshm_history(g_view, TSHM_TABLE_TRADES, 110, TSHM_TRADES_TS, end - 1, 10, &w), 0);
	check_window(&w, TSHM_TABLE_TRADES, TSHM_TRADES_TS, base + 90, 10, "exclusive");
	assert_int_equal(
	    tshm_history(g_view, TSHM_TABLE_TRADES, 110, TSHM_TRADES_PRICE, end + 1, 10, &w), 0);
	check_window(&w, TSHM_TABLE_TRADES, TSHM_TRADES_PRICE, base + 91, 10, "price");
	assert_int_equal(w.kind, TSHM_KIND_PRICE);
}

static void test_history_before_first(void **state)
{
	struct tshm_window w;
	int64_t first = tshm_test_trade_ts(&hb, 2, 0, 0);

	(void)state;
	memset(&w, 0x55, sizeof(w));
	assert_int_equal(
	    tshm_history(g_view, TSHM_TABLE_TRADES, 120, TSHM_TRADES_TS, first - 1, 50, &w), 0);
	assert_true(w.count == 0);
	assert_int_equal(
	    tshm_history(g_view, TSHM_TABLE_TRADES, 120, TSHM_TRADES_TS, INT64_MIN, 50, &w), 0);
	assert_true(w.count == 0);
	assert_int_equal(
	    tshm_history(g_view, TSHM_TABLE_TRADES, 120, TSHM_TRADES_TS, first, 50, &w), 0);
	check_window(&w, TSHM_TABLE_TRADES, TSHM_TRADES_TS, 2 * per_asset(TSHM_TABLE_TRADES), 1,
		     "first only");
	assert_int_equal(tshm_history(g_view, TSHM_TABLE_TRADES, 120, TSHM_TRADES_TS, first, 0, &w),
			 0);
	assert_true(w.count == 0);
}

static void test_history_count_exceeds(void **state)
{
	uint64_t pa = per_asset(TSHM_TABLE_TRADES);
	struct tshm_window w;

	(void)state;
	assert_int_equal(tshm_history(g_view, TSHM_TABLE_TRADES, 140, TSHM_TRADES_TS,
				      tshm_test_trade_ts(&hb, 4, 0, 5), 100, &w),
			 0);
	check_window(&w, TSHM_TABLE_TRADES, TSHM_TRADES_TS, 4 * pa, 6, "short history");
	assert_int_equal(
	    tshm_history(g_view, TSHM_TABLE_TRADES, 140, TSHM_TRADES_TS, INT64_MAX, UINT64_MAX, &w),
	    0);
	check_window(&w, TSHM_TABLE_TRADES, TSHM_TRADES_TS, 4 * pa, pa, "everything");
	/* The last asset ends where the table ends. */
	assert_int_equal(
	    tshm_history(g_view, TSHM_TABLE_TRADES, 140, TSHM_TRADES_TS, INT64_MAX, 3, &w), 0);
	check_window(&w, TSHM_TABLE_TRADES, TSHM_TRADES_TS, 5 * pa - 3, 3, "tail");
}

static void test_history_across_days(void **state)
{
	uint64_t pa = per_asset(TSHM_TABLE_TRADES), first, n;
	int64_t end = tshm_test_trade_ts(&hb, 0, 3, 2);
	struct tshm_window w;

	(void)state;
	assert_int_equal(tshm_history(g_view, TSHM_TABLE_TRADES, 100, TSHM_TRADES_TS, end, 10, &w),
			 0);
	check_window(&w, TSHM_TABLE_TRADES, TSHM_TRADES_TS, 3 * hb.trades_per_day + 2 - 9, 10,
		     "two days");
	assert_true(((const int64_t *)w.data)[0] ==
		    tshm_test_trade_ts(&hb, 0, 2, hb.trades_per_day - 7));
	/* Between sessions: the end of the previous day. */
	end = TSHM_TEST_T0 + 5 * TSHM_DAY_NS + 1;
	assert_int_equal(tshm_history(g_view, TSHM_TABLE_TRADES, 110, TSHM_TRADES_TS, end, 700, &w),
			 0);
	brute_history(TSHM_TABLE_TRADES, 1, end, 700, &first, &n);
	assert_true(first == pa + 5 * hb.trades_per_day - 700);
	check_window(&w, TSHM_TABLE_TRADES, TSHM_TRADES_TS, first, n, "three days");
	/* Daily bars: one row per day. */
	assert_int_equal(tshm_history(g_view, TSHM_TABLE_BARS_1D, 130, TSHM_BARS_CLOSE,
				      TSHM_TEST_T0 + 4 * TSHM_DAY_NS, 3, &w),
			 0);
	check_window(&w, TSHM_TABLE_BARS_1D, TSHM_BARS_CLOSE, 3 * hb.ndays + 2, 3, "daily");
}

static void test_history_range(void **state)
{
	uint64_t pa = per_asset(TSHM_TABLE_TRADES), base = 3 * pa + hb.trades_per_day;
	int64_t t10 = tshm_test_trade_ts(&hb, 3, 1, 10), t20 = tshm_test_trade_ts(&hb, 3, 1, 20);
	struct tshm_window w;

	(void)state;
	assert_int_equal(
	    tshm_history_range(g_view, TSHM_TABLE_TRADES, 130, TSHM_TRADES_SIZE, t10, t20, &w), 0);
	check_window(&w, TSHM_TABLE_TRADES, TSHM_TRADES_SIZE, base + 10, 10, "[t10,t20)");
	assert_int_equal(tshm_history_range(g_view, TSHM_TABLE_TRADES, 130, TSHM_TRADES_SIZE,
					    t10 + 1, t20 + 1, &w),
			 0);
	check_window(&w, TSHM_TABLE_TRADES, TSHM_TRADES_SIZE, base + 11, 10, "(t10,t20]");
	assert_int_equal(
	    tshm_history_range(g_view, TSHM_TABLE_TRADES, 130, TSHM_TRADES_TS, t10, t10, &w), 0);
	assert_true(w.count == 0);
	assert_int_equal(
	    tshm_history_range(g_view, TSHM_TABLE_TRADES, 130, TSHM_TRADES_TS, t20, t10, &w), 0);
	assert_true(w.count == 0);
	assert_int_equal(tshm_history_range(g_view, TSHM_TABLE_TRADES, 130, TSHM_TRADES_TS,
					    INT64_MAX, INT64_MIN, &w),
			 0);
	assert_true(w.count == 0);
	assert_int_equal(tshm_history_range(g_view, TSHM_TABLE_TRADES, 130, TSHM_TRADES_TS,
					    INT64_MIN, INT64_MAX, &w),
			 0);
	check_window(&w, TSHM_TABLE_TRADES, TSHM_TRADES_TS, 3 * pa, pa, "whole");
	assert_int_equal(tshm_history_range(g_view, TSHM_TABLE_QUOTES, 130, TSHM_QUOTES_ASK_PX,
					    TSHM_TEST_T0 + TSHM_DAY_NS,
					    TSHM_TEST_T0 + 3 * TSHM_DAY_NS, &w),
			 0);
	check_window(&w, TSHM_TABLE_QUOTES, TSHM_QUOTES_ASK_PX,
		     3 * per_asset(TSHM_TABLE_QUOTES) + hb.quotes_per_day, 2 * hb.quotes_per_day,
		     "quotes days 1-2");
}

static void test_history_errors(void **state)
{
	static const int64_t unknown[] = {0, 99, 105, 150, -100, INT64_MIN, INT64_MAX};
	static const unsigned bad_tables[] = {
	    TSHM_TABLE_ASSETS, TSHM_TABLE_SYMBOLS,   TSHM_TABLE_SESSIONS,
	    TSHM_TABLE_COUNT,  TSHM_TABLE_SLOTS - 1, TSHM_TABLE_SLOTS,
	    UINT_MAX};
	struct tshm_window w;

	(void)state;
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		assert_int_equal(
		    tshm_history(g_view, TSHM_TABLE_TRADES, unknown[i], 0, INT64_MAX, 5, &w),
		    -ENOENT);
		assert_int_equal(tshm_history_range(g_view, TSHM_TABLE_QUOTES, unknown[i], 0,
						    INT64_MIN, INT64_MAX, &w),
				 -ENOENT);
	}
	for (size_t i = 0; i < sizeof(bad_tables) / sizeof(bad_tables[0]); i++) {
		assert_int_equal(tshm_history(g_view, bad_tables[i], 100, 0, INT64_MAX, 5, &w),
				 -EINVAL);
		assert_int_equal(
		    tshm_history_range(g_view, bad_tables[i], 100, 0, INT64_MIN, INT64_MAX, &w),
		    -EINVAL);
	}
	assert_int_equal(
	    tshm_history(g_view, TSHM_TABLE_TRADES, 100, TSHM_TRADES_NCOLS, INT64_MAX, 5, &w),
	    -EINVAL);
	assert_int_equal(tshm_history(g_view, TSHM_TABLE_BARS_1M, 100, 99, INT64_MAX, 5, &w),
			 -EINVAL);
	assert_int_equal(tshm_history_range(g_view, TSHM_TABLE_ADJUSTMENTS, 100, TSHM_ADJ_NCOLS,
					    INT64_MIN, INT64_MAX, &w),
			 -EINVAL);
}

/* ---- random comparison against a brute-force scan --------------------- */

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* A timestamp near the data: often exactly a row's ts (or one ns off it). */
static int64_t rnd_ts(uint64_t *s, unsigned t, uint32_t a)
{
	uint64_t r = rnd(s);

	if (r % 2) {
		const int64_t *ts = ts_col(t);
		uint64_t row = a * per_asset(t) + (r >> 8) % per_asset(t);

		return ts[row] + (int64_t)((r >> 4) % 3) - 1;
	}
	return TSHM_TEST_T0 - TSHM_DAY_NS + (int64_t)((r >> 8) % (uint64_t)(9 * TSHM_DAY_NS));
}

struct trial {
	unsigned t, c;
	uint32_t a;
	int64_t sid;
};

static struct trial rnd_trial(uint64_t *s)
{
	static const unsigned ncols[] = {TSHM_TRADES_NCOLS, TSHM_QUOTES_NCOLS, TSHM_BARS_NCOLS,
					 TSHM_BARS_NCOLS, TSHM_ADJ_NCOLS};
	struct trial tr;
	uint64_t r = rnd(s);

	tr.t = TSHM_TABLE_TRADES + (unsigned)(r % 5);
	tr.c = (unsigned)((r >> 8) % ncols[tr.t - TSHM_TABLE_TRADES]);
	tr.a = (uint32_t)((r >> 16) % (hb.nassets + 1));
	tr.sid = tr.a < hb.nassets ? sid_of(tr.a) : 105; /* 105: unknown */
	return tr;
}

static void test_history_random_vs_brute(void **state)
{
	uint64_t seed = 42, first, n;
	char what[128];

	(void)state;
	for (int i = 0; i < 2000; i++) {
		struct trial tr = rnd_trial(&seed);
		uint32_t a = tr.a < hb.nassets ? tr.a : 0;
		int64_t end = rnd_ts(&seed, tr.t, a);
		uint64_t r = rnd(&seed), count = r % 4 == 0 ? r % 2500 : r % 40;
		struct tshm_window w;
		int rc = tshm_history(g_view, tr.t, tr.sid, tr.c, end, count, &w);

		snprintf(what, sizeof(what),
			 "trial %d: table %u col %u sid %lld end %lld count %llu", i, tr.t, tr.c,
			 (long long)tr.sid, (long long)end, (unsigned long long)count);
		if (tr.a == hb.nassets) {
			if (rc != -ENOENT)
				fail_msg("%s: rc %d, want -ENOENT", what, rc);
			continue;
		}
		if (rc != 0)
			fail_msg("%s: rc %d (%s)", what, rc, tshm_strerror(rc));
		brute_history(tr.t, tr.a, end, count, &first, &n);
		check_window(&w, tr.t, tr.c, first, n, what);
	}
}

static void test_history_range_random_vs_brute(void **state)
{
	uint64_t seed = 4242, first, n;
	char what[128];

	(void)state;
	for (int i = 0; i < 2000; i++) {
		struct trial tr = rnd_trial(&seed);
		uint32_t a = tr.a < hb.nassets ? tr.a : 0;
		int64_t t0 = rnd_ts(&seed, tr.t, a), t1 = rnd_ts(&seed, tr.t, a);
		struct tshm_window w;
		int rc;

		if (rnd(&seed) % 4 == 0)
			t1 = t0 + (int64_t)(rnd(&seed) % 1000000000000);
		rc = tshm_history_range(g_view, tr.t, tr.sid, tr.c, t0, t1, &w);
		snprintf(what, sizeof(what), "range trial %d: table %u col %u sid %lld [%lld,%lld)",
			 i, tr.t, tr.c, (long long)tr.sid, (long long)t0, (long long)t1);
		if (tr.a == hb.nassets) {
			if (rc != -ENOENT)
				fail_msg("%s: rc %d, want -ENOENT", what, rc);
			continue;
		}
		if (rc != 0)
			fail_msg("%s: rc %d (%s)", what, rc, tshm_strerror(rc));
		brute_range(tr.t, tr.a, t0, t1, &first, &n);
		check_window(&w, tr.t, tr.c, first, n, what);
	}
}

/* ---- the copying form -------------------------------------------------- */

/* Expected values of history_copy for one sid, by brute force. */
static uint64_t expect_copy(unsigned t, unsigned c, int64_t sid, int64_t end, uint64_t count,
			    int64_t fill, int64_t *out)
{
	struct tshm_column_info ci;
	uint64_t first = 0, n = 0;

	for (uint64_t k = 0; k < count; k++)
		out[k] = fill;
	if (sid < 100 || sid >= sid_of(hb.nassets) || (sid - 100) % 10)
		return 0;
	brute_history(t, (uint32_t)((sid - 100) / 10), end, count, &first, &n);
	assert_int_equal(tshm_view_column(g_view, t, c, &ci), 0);
	for (uint64_t k = 0; k < n; k++)
		out[count - n + k] = ci.width == 4 ? ((const int32_t *)ci.data)[first + k]
						   : ((const int64_t *)ci.data)[first + k];
	return n;
}

static void check_copy(unsigned t, unsigned c, const int64_t *sids, size_t nsids, int64_t end,
		       uint64_t count, int64_t fill)
{
	int64_t *out = malloc(nsids * count * sizeof(int64_t) + 8);
	int64_t *want = malloc(count * sizeof(int64_t) + 8);
	uint64_t *got = malloc(nsids * sizeof(uint64_t));

	assert_true(out && want && got);
	memset(got, 0x55, nsids * sizeof(uint64_t));
	assert_int_equal(tshm_history_copy(g_view, t, sids, nsids, c, end, count, fill, out, got),
			 0);
	for (size_t i = 0; i < nsids; i++) {
		uint64_t n = expect_copy(t, c, sids[i], end, count, fill, want);

		if (got[i] != n)
			fail_msg("sid %lld: got %llu, want %llu", (long long)sids[i],
				 (unsigned long long)got[i], (unsigned long long)n);
		assert_memory_equal(out + i * count, want, count * sizeof(int64_t));
	}
	/* got may be NULL. */
	assert_int_equal(tshm_history_copy(g_view, t, sids, nsids, c, end, count, fill, out, NULL),
			 0);
	free(got);
	free(want);
	free(out);
}

static void test_history_copy_multi(void **state)
{
	static const int64_t sids[] = {110, 999, 100, 140, 105, 120};
	int64_t early = tshm_test_trade_ts(&hb, 0, 0, 5);

	(void)state;
	/* Early: sid 100 has 6 values, 110 has 5, ... unknown sids only fill. */
	check_copy(TSHM_TABLE_TRADES, TSHM_TRADES_PRICE, sids, 6, early, 20, -7);
	check_copy(TSHM_TABLE_TRADES, TSHM_TRADES_PRICE, sids, 6, early + 2000, 3, -7);
	check_copy(TSHM_TABLE_TRADES, TSHM_TRADES_SIZE, sids, 6, tshm_test_trade_ts(&hb, 2, 4, 150),
		   500, INT64_MIN);
	check_copy(TSHM_TABLE_QUOTES, TSHM_QUOTES_BID_PX, sids, 6, INT64_MAX, 400, 0);
	check_copy(TSHM_TABLE_BARS_1M, TSHM_BARS_VOLUME, sids, 6, TSHM_TEST_T0 + 3 * TSHM_DAY_NS,
		   25, -1);
	check_copy(TSHM_TABLE_TRADES, TSHM_TRADES_TS, sids, 6, TSHM_TEST_T0, 10, 77);
}

static void test_history_copy_i32_widened(void **state)
{
	static const int64_t sids[] = {100, 130, 140};

	(void)state;
	check_copy(TSHM_TABLE_TRADES, TSHM_TRADES_FLAGS, sids, 3,
		   tshm_test_trade_ts(&hb, 3, 6, 200), 64, -9);
	check_copy(TSHM_TABLE_ADJUSTMENTS, TSHM_ADJ_KIND, sids, 3, INT64_MAX, 4, -9);
}

/* A bundle whose trade flags are negative: widening must sign-extend. */
static void test_history_copy_i32_sign_extends(void **state)
{
	static const struct tshm_test_bundle nb = {
	    .nassets = 2, .ndays = 1, .trades_per_day = 10, .quotes_per_day = 2, .seed = 5};
	struct tshm_layout_spec spec;
	struct tshm_writer *w;
	struct tshm_view *v;
	int64_t sid = 110, out[4];
	uint64_t got = 0;
	int32_t *fl;

	(void)state;
	tshm_test_spec(&nb, &spec);
	assert_int_equal(tshm_writer_create(&w, g_cat, "neg", &spec, NULL), 0);
	assert_int_equal(tshm_test_fill(w, &nb), 0);
	fl = tshm_writer_column(w, TSHM_TABLE_TRADES, TSHM_TRADES_FLAGS);
	for (int r = 0; r < 20; r++)
		fl[r] = -1 - r;
	assert_int_equal(tshm_writer_commit(w, NULL), 0);
	assert_int_equal(tshm_writer_publish(w), 0);
	tshm_writer_destroy(w);
	assert_int_equal(tshm_view_open(&v, g_cat, "neg"), 0);
	assert_int_equal(tshm_history_copy(v, TSHM_TABLE_TRADES, &sid, 1, TSHM_TRADES_FLAGS,
					   INT64_MAX, 4, 0, out, &got),
			 0);
	assert_true(got == 4);
	for (int k = 0; k < 4; k++)
		assert_true(out[k] == -17 - k); /* rows 16..19 of the table */
	tshm_view_unref(v);
	assert_int_equal(tshm_catalog_remove(g_cat, "neg"), 0);
}

/* Asset 0 owns every trade row, asset 1 (sid 110) none: empty, not an error. */
static void test_history_asset_without_rows(void **state)
{
	static const struct tshm_test_bundle eb = {
	    .nassets = 2, .ndays = 1, .trades_per_day = 10, .quotes_per_day = 2, .seed = 5};
	struct tshm_layout_spec spec;
	struct tshm_writer *w;
	struct tshm_window win;
	struct tshm_view *v;
	int64_t *ts, sids[2] = {110, 100}, out[2 * 3];
	uint64_t *idx, got[2];

	(void)state;
	tshm_test_spec(&eb, &spec);
	assert_int_equal(tshm_writer_create(&w, g_cat, "lopsided", &spec, NULL), 0);
	assert_int_equal(tshm_test_fill(w, &eb), 0);
	ts = tshm_writer_column(w, TSHM_TABLE_TRADES, TSHM_TRADES_TS);
	idx = tshm_writer_row_index(w, TSHM_TABLE_TRADES);
	for (int r = 10; r < 20; r++)
		ts[r] = ts[9] + (r - 9);
	idx[1] = 20;
	idx[2] = 20;
	assert_int_equal(tshm_writer_commit(w, NULL), 0);
	assert_int_equal(tshm_writer_publish(w), 0);
	tshm_writer_destroy(w);
	assert_int_equal(tshm_view_open(&v, g_cat, "lopsided"), 0);
	assert_int_equal(tshm_history(v, TSHM_TABLE_TRADES, 110, 0, INT64_MAX, 5, &win), 0);
	assert_true(win.count == 0);
	assert_int_equal(
	    tshm_history_range(v, TSHM_TABLE_TRADES, 110, 0, INT64_MIN, INT64_MAX, &win), 0);
	assert_true(win.count == 0);
	assert_int_equal(tshm_history(v, TSHM_TABLE_TRADES, 100, 0, INT64_MAX, 50, &win), 0);
	assert_true(win.count == 20 && win.first_row == 0);
	assert_int_equal(tshm_history_copy(v, TSHM_TABLE_TRADES, sids, 2, TSHM_TRADES_TS, INT64_MAX,
					   3, -1, out, got),
			 0);
	assert_true(got[0] == 0 && got[1] == 3);
	assert_true(out[0] == -1 && out[1] == -1 && out[2] == -1);
	assert_true(out[3] == ts_at(v, 17) && out[5] == ts_at(v, 19));
	tshm_view_unref(v);
	assert_int_equal(tshm_catalog_remove(g_cat, "lopsided"), 0);
}

static void test_history_copy_errors(void **state)
{
	static const int64_t sids[] = {100, 110};
	int64_t out[2 * 8];
	uint64_t got[2];

	(void)state;
	assert_int_equal(tshm_history_copy(g_view, TSHM_TABLE_ASSETS, sids, 2, TSHM_ASSETS_SYMBOL,
					   INT64_MAX, 8, 0, out, got),
			 -EINVAL);
	assert_int_equal(tshm_history_copy(g_view, TSHM_TABLE_SYMBOLS, sids, 2, TSHM_SYMBOLS_SYMBOL,
					   INT64_MAX, 8, 0, out, got),
			 -EINVAL);
	assert_int_equal(tshm_history_copy(g_view, TSHM_TABLE_TRADES, sids, 2, TSHM_TRADES_NCOLS,
					   INT64_MAX, 8, 0, out, got),
			 -EINVAL);
	assert_int_equal(
	    tshm_history_copy(g_view, TSHM_TABLE_SLOTS, sids, 2, 0, INT64_MAX, 8, 0, out, got),
	    -EINVAL);
	assert_int_equal(
	    tshm_history_copy(g_view, TSHM_TABLE_COUNT, sids, 2, 0, INT64_MAX, 8, 0, out, got),
	    -EINVAL);
	/* No sids: nothing to do, nothing written. */
	out[0] = 12345;
	assert_int_equal(tshm_history_copy(g_view, TSHM_TABLE_TRADES, sids, 0, TSHM_TRADES_PRICE,
					   INT64_MAX, 8, 0, out, got),
			 0);
	assert_true(out[0] == 12345);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_history_end_inclusive),
	    cmocka_unit_test(test_history_before_first),
	    cmocka_unit_test(test_history_count_exceeds),
	    cmocka_unit_test(test_history_across_days),
	    cmocka_unit_test(test_history_range),
	    cmocka_unit_test(test_history_errors),
	    cmocka_unit_test(test_history_random_vs_brute),
	    cmocka_unit_test(test_history_range_random_vs_brute),
	    cmocka_unit_test(test_history_copy_multi),
	    cmocka_unit_test(test_history_copy_i32_widened),
	    cmocka_unit_test(test_history_copy_i32_sign_extends),
	    cmocka_unit_test(test_history_asset_without_rows),
	    cmocka_unit_test(test_history_copy_errors),
	};

	tshm_test_ns_init("history");
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
