/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/* The columnar layout: writer, commit checks, content hash, views, validation. */
#include "tshm_proc.h"
#include "tshm_test.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

/* Column types of schema v1 as the generator writes them:
 * L = I64, i = I32, c = CHAR (width in char_width()). */
static const char *const col_types[TSHM_TABLE_COUNT] = {
    "LccciiiLLLL", "cLLL", "iLL", "LLLiL", "LLLLL", "LLLLLL", "LLLLLL", "LiLLL",
};

static unsigned ncols_of(unsigned t)
{
	return (unsigned)strlen(col_types[t]);
}

static uint16_t width_of(unsigned t, unsigned c)
{
	char k = col_types[t][c];

	if (k == 'L')
		return 8;
	if (k == 'i')
		return 4;
	if (t == TSHM_TABLE_ASSETS && c == TSHM_ASSETS_EXCHANGE)
		return TSHM_EXCHANGE_MAX;
	if (t == TSHM_TABLE_ASSETS && c == TSHM_ASSETS_CURRENCY)
		return TSHM_CURRENCY_MAX;
	return TSHM_SYMBOL_MAX;
}

static uint8_t type_of(unsigned t, unsigned c)
{
	char k = col_types[t][c];

	return k == 'L' ? TSHM_TYPE_I64 : k == 'i' ? TSHM_TYPE_I32 : TSHM_TYPE_CHAR;
}

static uint64_t spec_rows(const struct tshm_layout_spec *spec, unsigned t)
{
	return t == TSHM_TABLE_ASSETS ? spec->nassets : spec->tables[t].nrows;
}

static unsigned shm_mode(const char *name)
{
	char path[300];
	struct stat st;

	snprintf(path, sizeof(path), "/dev/shm%s", name);
	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static struct tshm_catalog *cat_rw(void)
{
	struct tshm_catalog *cat = NULL;

	assert_int_equal(tshm_catalog_open(&cat, NULL, TSHM_CATALOG_CREATE), 0);
	return cat;
}

/* A writer for @b, filled by the generator but not committed. */
static struct tshm_writer *make_writer(struct tshm_catalog *cat, const char *bundle,
				       const struct tshm_test_bundle *b)
{
	struct tshm_layout_spec spec;
	struct tshm_writer *w = NULL;

	tshm_test_spec(b, &spec);
	assert_int_equal(tshm_writer_create(&w, cat, bundle, &spec, NULL), 0);
	assert_non_null(w);
	assert_int_equal(tshm_test_fill(w, b), 0);
	return w;
}

static struct tshm_view *open_view(struct tshm_catalog *cat, const char *bundle)
{
	struct tshm_view *v = NULL;

	assert_int_equal(tshm_view_open(&v, cat, bundle), 0);
	assert_non_null(v);
	return v;
}

static const struct tshm_test_bundle rt_bundle = {
    .nassets = 4, .ndays = 3, .trades_per_day = 40, .quotes_per_day = 15, .seed = 7};

/* ---- round trip ------------------------------------------------------- */

struct snapshot {
	void *col[TSHM_TABLE_COUNT][TSHM_MAX_COLS];
	uint64_t nrows[TSHM_TABLE_COUNT];
};

static void snapshot_take(struct tshm_writer *w, const struct tshm_layout_spec *spec,
			  struct snapshot *s)
{
	for (unsigned t = 0; t < TSHM_TABLE_COUNT; t++) {
		s->nrows[t] = spec_rows(spec, t);
		for (unsigned c = 0; c < ncols_of(t); c++) {
			size_t n = (size_t)s->nrows[t] * width_of(t, c);
			const void *p = tshm_writer_column(w, t, c);

			assert_non_null(p);
			s->col[t][c] = malloc(n ? n : 1);
			assert_non_null(s->col[t][c]);
			memcpy(s->col[t][c], p, n);
		}
	}
}

static void snapshot_compare(const struct tshm_view *v, struct snapshot *s)
{
	for (unsigned t = 0; t < TSHM_TABLE_COUNT; t++) {
		struct tshm_table_info ti;

		assert_int_equal(tshm_view_table(v, t, &ti), 0);
		assert_true(ti.nrows == s->nrows[t]);
		assert_int_equal(ti.ncols, ncols_of(t));
		for (unsigned c = 0; c < ncols_of(t); c++) {
			struct tshm_column_info ci;

			assert_int_equal(tshm_view_column(v, t, c, &ci), 0);
			assert_non_null(ci.name);
			assert_int_equal(ci.width, width_of(t, c));
			assert_int_equal(ci.type, type_of(t, c));
			assert_true((uintptr_t)ci.data % TSHM_ALIGN == 0);
			if (memcmp(ci.data, s->col[t][c], (size_t)s->nrows[t] * ci.width) != 0)
				fail_msg("table %u column %u (%s) differs", t, c, ci.name);
			free(s->col[t][c]);
		}
	}
}

static void test_layout_round_trip(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_layout_spec spec;
	struct snapshot *s = calloc(1, sizeof(*s));
	struct tshm_writer *w;
	struct tshm_view *v;
	int bad = -1;

	(void)state;
	assert_non_null(s);
	tshm_test_spec(&rt_bundle, &spec);
	w = make_writer(cat, "rt", &rt_bundle);
	snapshot_take(w, &spec, s);
	assert_int_equal(tshm_writer_commit(w, &bad), 0);
	/* After commit the writer hands out no more pointers. */
	assert_null(tshm_writer_column(w, TSHM_TABLE_TRADES, TSHM_TRADES_PRICE));
	assert_null(tshm_writer_row_index(w, TSHM_TABLE_TRADES));
	assert_int_equal(tshm_writer_publish(w), 0);
	tshm_writer_destroy(w);
	v = open_view(cat, "rt");
	snapshot_compare(v, s);
	tshm_view_unref(v);
	free(s);
	tshm_catalog_close(cat);
}

static void check_trades_formula(const struct tshm_view *v, const struct tshm_test_bundle *b)
{
	struct tshm_column_info ci;
	const int64_t *ts;
	uint64_t r = 0;

	assert_int_equal(tshm_view_column(v, TSHM_TABLE_TRADES, TSHM_TRADES_TS, &ci), 0);
	assert_int_equal(ci.kind, TSHM_KIND_TS);
	ts = ci.data;
	for (uint32_t a = 0; a < b->nassets; a++)
		for (uint32_t d = 0; d < b->ndays; d++)
			for (uint32_t i = 0; i < b->trades_per_day; i++, r++)
				assert_true(ts[r] == tshm_test_trade_ts(b, a, d, i));
	assert_int_equal(tshm_view_column(v, TSHM_TABLE_TRADES, TSHM_TRADES_ID, &ci), 0);
	for (uint64_t k = 0; k < r; k++)
		assert_true(((const int64_t *)ci.data)[k] == (int64_t)k + 1);
}

static void check_assets_formula(const struct tshm_view *v, const struct tshm_test_bundle *b)
{
	struct tshm_column_info sid, sym;
	char want[TSHM_SYMBOL_MAX + 1];

	assert_int_equal(tshm_view_column(v, TSHM_TABLE_ASSETS, TSHM_ASSETS_SID, &sid), 0);
	assert_int_equal(sid.kind, TSHM_KIND_SID);
	assert_int_equal(tshm_view_column(v, TSHM_TABLE_ASSETS, TSHM_ASSETS_SYMBOL, &sym), 0);
	assert_int_equal(sym.kind, TSHM_KIND_TEXT);
	for (uint32_t a = 0; a < b->nassets; a++) {
		assert_true(((const int64_t *)sid.data)[a] == 100 + 10 * (int64_t)a);
		snprintf(want, sizeof(want), "SYM%u", a);
		assert_memory_equal((const char *)sym.data + a * TSHM_SYMBOL_MAX, want,
				    strlen(want) + 1);
	}
}

static void test_layout_round_trip_formulas(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_column_info ci;
	struct tshm_view *v;

	(void)state;
	assert_int_equal(tshm_test_publish(cat, "rtf", &rt_bundle), 1);
	v = open_view(cat, "rtf");
	check_trades_formula(v, &rt_bundle);
	check_assets_formula(v, &rt_bundle);
	assert_int_equal(tshm_view_column(v, TSHM_TABLE_TRADES, TSHM_TRADES_PRICE, &ci), 0);
	assert_int_equal(ci.kind, TSHM_KIND_PRICE);
	assert_int_equal(tshm_view_column(v, TSHM_TABLE_TRADES, TSHM_TRADES_SIZE, &ci), 0);
	assert_int_equal(ci.kind, TSHM_KIND_SIZE);
	assert_int_equal(tshm_view_column(v, TSHM_TABLE_SESSIONS, TSHM_SESSIONS_DAY, &ci), 0);
	assert_int_equal(ci.kind, TSHM_KIND_DAY);
	assert_int_equal(((const int32_t *)ci.data)[1], tshm_day_of(TSHM_TEST_T0) + 1);
	tshm_view_unref(v);
	tshm_catalog_close(cat);
}

/* ---- sizes and writer creation ------------------------------------------ */

static void test_layout_size_errors(void **state)
{
	struct tshm_layout_spec spec;
	uint64_t size = 0;

	(void)state;
	tshm_test_spec(&rt_bundle, &spec);
	assert_int_equal(tshm_layout_size(&spec, &size), 0);
	assert_true(size > 0);
	spec.tables[TSHM_TABLE_TRADES].ndays = 0;
	assert_int_equal(tshm_layout_size(&spec, &size), -EINVAL);
	tshm_test_spec(&rt_bundle, &spec);
	spec.tables[TSHM_TABLE_TRADES].nrows = UINT64_C(1) << 62;
	assert_int_equal(tshm_layout_size(&spec, &size), -EOVERFLOW);
	tshm_test_spec(&rt_bundle, &spec);
	spec.tables[TSHM_TABLE_SYMBOLS].nrows = UINT64_MAX;
	assert_int_equal(tshm_layout_size(&spec, &size), -EOVERFLOW);
	tshm_test_spec(&rt_bundle, &spec);
	/* Each table fits alone; together they do not. */
	for (unsigned t = TSHM_TABLE_SYMBOLS; t < TSHM_TABLE_COUNT; t++)
		spec.tables[t].nrows = UINT64_C(1) << 57;
	assert_int_equal(tshm_layout_size(&spec, &size), -EOVERFLOW);
}

static void test_layout_size_matches_segment(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_layout_spec spec;
	struct tshm_descriptor d;
	uint64_t size = 0, bigger = 0;

	(void)state;
	tshm_test_spec(&rt_bundle, &spec);
	assert_int_equal(tshm_layout_size(&spec, &size), 0);
	spec.tables[TSHM_TABLE_TRADES].nrows += 1000;
	assert_int_equal(tshm_layout_size(&spec, &bigger), 0);
	assert_true(bigger >= size + 1000 * (8 + 8 + 8 + 4 + 8));
	assert_int_equal(tshm_test_publish(cat, "sz", &rt_bundle), 1);
	assert_int_equal(tshm_catalog_lookup(cat, "sz", &d), 0);
	assert_true(d.size >= size);
	assert_true(d.size < size + 2 * 1024 * 1024);
	tshm_catalog_close(cat);
}

static void test_layout_writer_create_errors(void **state)
{
	struct tshm_catalog *cat = cat_rw(), *ro;
	struct tshm_writer_opts opts = {0};
	struct tshm_layout_spec spec;
	struct tshm_writer *w = NULL;

	(void)state;
	tshm_test_spec(&rt_bundle, &spec);
	spec.tables[TSHM_TABLE_QUOTES].ndays = 0;
	assert_int_equal(tshm_writer_create(&w, cat, "bad", &spec, NULL), -EINVAL);
	tshm_test_spec(&rt_bundle, &spec);
	opts.flags = TSHM_WRITER_DEFER_ALLOC << 1;
	assert_int_equal(tshm_writer_create(&w, cat, "bad", &spec, &opts), -EINVAL);
	opts.flags = 0x80000000u;
	assert_int_equal(tshm_writer_create(&w, cat, "bad", &spec, &opts), -EINVAL);
	opts.flags = 0;
	opts.max_segment = 4096;
	assert_int_equal(tshm_writer_create(&w, cat, "bad", &spec, &opts), -ENOSPC);
	assert_int_equal(tshm_writer_create(&w, cat, "bad/name", &spec, NULL), -TSHM_ENAME);
	assert_int_equal(tshm_writer_create(&w, cat, "", &spec, NULL), -TSHM_ENAME);
	assert_int_equal(tshm_catalog_open(&ro, NULL, 0), 0);
	assert_int_equal(tshm_writer_create(&w, ro, "bad", &spec, NULL), -EBADF);
	tshm_catalog_close(ro);
	/* Nothing but the catalog is left in /dev/shm. */
	assert_int_equal(tshm_test_ns_count(), 1);
	opts.max_segment = UINT64_C(1) << 30;
	assert_int_equal(tshm_writer_create(&w, cat, "good", &spec, &opts), 0);
	tshm_writer_destroy(w);
	assert_int_equal(tshm_test_ns_count(), 1);
	tshm_catalog_close(cat);
}

static void test_layout_writer_names_and_modes(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_writer_opts opts = {.mode = 0600};
	char want[TSHM_SEGNAME_MAX];
	struct tshm_layout_spec spec;
	struct tshm_writer *w;

	(void)state;
	w = make_writer(cat, "nm", &rt_bundle);
	assert_true(tshm_writer_generation(w) == 1);
	assert_int_equal(tshm_name_segment(want, sizeof(want), tshm_test_ns(), "nm", 1), 0);
	assert_string_equal(tshm_writer_segment_name(w), want);
	assert_int_equal(shm_mode(want), 0200);
	assert_int_equal(tshm_writer_commit(w, NULL), 0);
	assert_int_equal(shm_mode(want), 0640);
	tshm_writer_destroy(w);

	tshm_test_spec(&rt_bundle, &spec);
	assert_int_equal(tshm_writer_create(&w, cat, "nm", &spec, &opts), 0);
	assert_true(tshm_writer_generation(w) == 2);
	assert_int_equal(tshm_test_fill(w, &rt_bundle), 0);
	assert_int_equal(tshm_writer_commit(w, NULL), 0);
	assert_int_equal(shm_mode(tshm_writer_segment_name(w)), 0600);
	tshm_writer_destroy(w);
	tshm_catalog_close(cat);
}

static void test_layout_writer_column_null(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_writer *w = make_writer(cat, "cols", &rt_bundle);

	(void)state;
	assert_null(tshm_writer_column(w, TSHM_TABLE_COUNT, 0));
	assert_null(tshm_writer_column(w, 15, 0));
	assert_null(tshm_writer_column(w, 16, 0));
	assert_null(tshm_writer_column(w, (enum tshm_table)1000, 0));
	assert_null(tshm_writer_column(w, TSHM_TABLE_TRADES, TSHM_TRADES_NCOLS));
	assert_null(tshm_writer_column(w, TSHM_TABLE_ASSETS, TSHM_ASSETS_NCOLS));
	assert_null(tshm_writer_column(w, TSHM_TABLE_TRADES, TSHM_MAX_COLS));
	assert_null(tshm_writer_column(w, TSHM_TABLE_TRADES, 999));
	assert_non_null(tshm_writer_column(w, TSHM_TABLE_ADJUSTMENTS, TSHM_ADJ_AMOUNT));
	for (unsigned t = 0; t < TSHM_TABLE_COUNT; t++) {
		uint64_t *idx = tshm_writer_row_index(w, t);

		if (t < TSHM_TABLE_TRADES)
			assert_null(idx);
		else
			assert_non_null(idx);
	}
	assert_null(tshm_writer_row_index(w, TSHM_TABLE_COUNT));
	assert_null(tshm_writer_row_index(w, 15));
	tshm_writer_destroy(w);
	tshm_catalog_close(cat);
}

/* ---- commit checks ------------------------------------------------------- */

typedef void (*corrupt_fn)(struct tshm_writer *w);

static void *col(struct tshm_writer *w, unsigned t, unsigned c)
{
	void *p = tshm_writer_column(w, t, c);

	assert_non_null(p);
	return p;
}

static uint64_t rows_of(unsigned t)
{
	struct tshm_layout_spec spec;

	tshm_test_spec(&rt_bundle, &spec);
	return spec_rows(&spec, t);
}

static void swap64(int64_t *a, int64_t *b)
{
	int64_t t = *a;

	*a = *b;
	*b = t;
}

static void trades_unsorted(struct tshm_writer *w)
{
	int64_t *ts = col(w, TSHM_TABLE_TRADES, TSHM_TRADES_TS);

	swap64(&ts[41], &ts[42]);
}

static void quotes_unsorted(struct tshm_writer *w)
{
	int64_t *ts = col(w, TSHM_TABLE_QUOTES, TSHM_QUOTES_TS);

	swap64(&ts[50], &ts[51]);
}

static void bars_1m_unsorted(struct tshm_writer *w)
{
	int64_t *ts = col(w, TSHM_TABLE_BARS_1M, TSHM_BARS_TS);

	swap64(&ts[3], &ts[4]);
}

static void trades_after_range(struct tshm_writer *w)
{
	int64_t *ts = col(w, TSHM_TABLE_TRADES, TSHM_TRADES_TS);

	ts[rows_of(TSHM_TABLE_TRADES) - 1] = TSHM_TEST_T0 + rt_bundle.ndays * TSHM_DAY_NS;
}

static void trades_before_range(struct tshm_writer *w)
{
	int64_t *ts = col(w, TSHM_TABLE_TRADES, TSHM_TRADES_TS);

	ts[0] = TSHM_TEST_T0 - 1;
}

static void bars_1d_before_range(struct tshm_writer *w)
{
	int64_t *ts = col(w, TSHM_TABLE_BARS_1D, TSHM_BARS_TS);

	ts[rt_bundle.ndays] = TSHM_TEST_T0 - TSHM_DAY_NS; /* first row of asset 1 */
}

static void adj_after_range(struct tshm_writer *w)
{
	int64_t *ts = col(w, TSHM_TABLE_ADJUSTMENTS, TSHM_ADJ_TS);

	ts[rt_bundle.nassets - 1] = INT64_MAX;
}

static void index_not_monotone(struct tshm_writer *w)
{
	uint64_t *idx = tshm_writer_row_index(w, TSHM_TABLE_TRADES);

	idx[1] = idx[2] + 1;
}

static void index_last_wrong(struct tshm_writer *w)
{
	uint64_t *idx = tshm_writer_row_index(w, TSHM_TABLE_QUOTES);

	idx[rt_bundle.nassets] = rows_of(TSHM_TABLE_QUOTES) - 1;
}

static void index_last_beyond(struct tshm_writer *w)
{
	uint64_t *idx = tshm_writer_row_index(w, TSHM_TABLE_BARS_1M);

	idx[rt_bundle.nassets] = rows_of(TSHM_TABLE_BARS_1M) + 1;
}

static void index_first_nonzero(struct tshm_writer *w)
{
	uint64_t *idx = tshm_writer_row_index(w, TSHM_TABLE_ADJUSTMENTS);

	idx[0] = 1;
}

static void sids_equal(struct tshm_writer *w)
{
	int64_t *sid = col(w, TSHM_TABLE_ASSETS, TSHM_ASSETS_SID);

	sid[2] = sid[1];
}

static void sids_decreasing(struct tshm_writer *w)
{
	int64_t *sid = col(w, TSHM_TABLE_ASSETS, TSHM_ASSETS_SID);

	swap64(&sid[0], &sid[1]);
}

static void symbols_unsorted(struct tshm_writer *w)
{
	char *sym = col(w, TSHM_TABLE_SYMBOLS, TSHM_SYMBOLS_SYMBOL);
	char tmp[TSHM_SYMBOL_MAX];

	/* Rows 1 and 2 are SYM0 and SYM1. */
	memcpy(tmp, sym + TSHM_SYMBOL_MAX, TSHM_SYMBOL_MAX);
	memcpy(sym + TSHM_SYMBOL_MAX, sym + 2 * TSHM_SYMBOL_MAX, TSHM_SYMBOL_MAX);
	memcpy(sym + 2 * TSHM_SYMBOL_MAX, tmp, TSHM_SYMBOL_MAX);
}

static void expect_eorder(struct tshm_catalog *cat, corrupt_fn fn, int table, const char *what)
{
	struct tshm_writer *w = make_writer(cat, "bad", &rt_bundle);
	char name[TSHM_SEGNAME_MAX];
	int bad = -1, rc;

	fn(w);
	snprintf(name, sizeof(name), "%s", tshm_writer_segment_name(w));
	rc = tshm_writer_commit(w, &bad);
	if (rc != -TSHM_EORDER || bad != table)
		fail_msg("%s: commit = %d (%s), bad_table = %d, want -TSHM_EORDER and %d", what, rc,
			 tshm_strerror(rc), bad, table);
	tshm_writer_destroy(w);
	assert_false(tshm_test_shm_exists(name));
}

static void test_layout_commit_eorder(void **state)
{
	static const struct {
		corrupt_fn fn;
		int table;
		const char *what;
	} cases[] = {
	    {trades_unsorted, TSHM_TABLE_TRADES, "trades unsorted"},
	    {quotes_unsorted, TSHM_TABLE_QUOTES, "quotes unsorted"},
	    {bars_1m_unsorted, TSHM_TABLE_BARS_1M, "bars_1m unsorted"},
	    {trades_after_range, TSHM_TABLE_TRADES, "trade after the day range"},
	    {trades_before_range, TSHM_TABLE_TRADES, "trade before the day range"},
	    {bars_1d_before_range, TSHM_TABLE_BARS_1D, "daily bar before the day range"},
	    {adj_after_range, TSHM_TABLE_ADJUSTMENTS, "adjustment after the day range"},
	    {index_not_monotone, TSHM_TABLE_TRADES, "row index not monotone"},
	    {index_last_wrong, TSHM_TABLE_QUOTES, "row index last != nrows"},
	    {index_last_beyond, TSHM_TABLE_BARS_1M, "row index last > nrows"},
	    {index_first_nonzero, TSHM_TABLE_ADJUSTMENTS, "row index first != 0"},
	    {sids_equal, TSHM_TABLE_ASSETS, "duplicate sid"},
	    {sids_decreasing, TSHM_TABLE_ASSETS, "sids decreasing"},
	    {symbols_unsorted, TSHM_TABLE_SYMBOLS, "symbols unsorted"},
	};
	struct tshm_catalog *cat = cat_rw();

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_eorder(cat, cases[i].fn, cases[i].table, cases[i].what);
	assert_int_equal(tshm_test_ns_count(), 1);
	tshm_catalog_close(cat);
}

static void test_layout_commit_eorder_null_bad_table(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_writer *w = make_writer(cat, "bad", &rt_bundle);

	(void)state;
	trades_unsorted(w);
	assert_int_equal(tshm_writer_commit(w, NULL), -TSHM_EORDER);
	tshm_writer_destroy(w);
	tshm_catalog_close(cat);
}

static void test_layout_commit_accepts_equal_ts(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_writer *w = make_writer(cat, "ties", &rt_bundle);
	int64_t *ts = col(w, TSHM_TABLE_TRADES, TSHM_TRADES_TS);
	int bad = -1;

	(void)state;
	ts[1] = ts[0];
	ts[2] = ts[0];
	assert_int_equal(tshm_writer_commit(w, &bad), 0);
	tshm_writer_destroy(w);
	tshm_catalog_close(cat);
}

/* ---- writer lifecycle -------------------------------------------------- */

static void test_layout_destroy_unlinks_unpublished(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	char name[TSHM_SEGNAME_MAX];
	struct tshm_writer *w;

	(void)state;
	tshm_writer_destroy(NULL);
	w = make_writer(cat, "life", &rt_bundle);
	snprintf(name, sizeof(name), "%s", tshm_writer_segment_name(w));
	assert_true(tshm_test_shm_exists(name));
	tshm_writer_destroy(w); /* never committed */
	assert_false(tshm_test_shm_exists(name));

	w = make_writer(cat, "life", &rt_bundle);
	snprintf(name, sizeof(name), "%s", tshm_writer_segment_name(w));
	assert_int_equal(tshm_writer_commit(w, NULL), 0);
	tshm_writer_destroy(w); /* committed, never published */
	assert_false(tshm_test_shm_exists(name));

	w = make_writer(cat, "life", &rt_bundle);
	snprintf(name, sizeof(name), "%s", tshm_writer_segment_name(w));
	assert_int_equal(tshm_writer_commit(w, NULL), 0);
	assert_int_equal(tshm_writer_publish(w), 0);
	tshm_writer_destroy(w); /* published: stays */
	assert_true(tshm_test_shm_exists(name));
	assert_int_equal(tshm_test_ns_count(), 2);
	tshm_catalog_close(cat);
}

static void test_layout_commit_publish_einval(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_descriptor d;
	struct tshm_writer *w;

	(void)state;
	w = make_writer(cat, "twice", &rt_bundle);
	assert_int_equal(tshm_writer_publish(w), -EINVAL);
	assert_int_equal(tshm_catalog_lookup(cat, "twice", &d), -ENOENT);
	tshm_writer_destroy(w);

	w = make_writer(cat, "twice", &rt_bundle);
	assert_int_equal(tshm_writer_commit(w, NULL), 0);
	assert_int_equal(tshm_writer_commit(w, NULL), -EINVAL);
	assert_int_equal(tshm_writer_publish(w), 0);
	tshm_writer_destroy(w);
	assert_int_equal(tshm_catalog_lookup(cat, "twice", &d), 0);
	assert_true(d.generation == 2);
	tshm_catalog_close(cat);
}

static void test_layout_publish_estale(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_writer *old = make_writer(cat, "race", &rt_bundle);
	struct tshm_writer *new = make_writer(cat, "race", &rt_bundle);
	char old_name[TSHM_SEGNAME_MAX];
	struct tshm_descriptor d;
	int rc, lrc, old_left;
	uint64_t gen;

	(void)state;
	assert_true(tshm_writer_generation(old) < tshm_writer_generation(new));
	snprintf(old_name, sizeof(old_name), "%s", tshm_writer_segment_name(old));
	assert_int_equal(tshm_writer_commit(new, NULL), 0);
	assert_int_equal(tshm_writer_publish(new), 0);
	assert_int_equal(tshm_writer_commit(old, NULL), 0);
	rc = tshm_writer_publish(old);
	/* "this one is unlinked" by publish itself, before destroy. */
	old_left = tshm_test_shm_exists(old_name);
	gen = tshm_writer_generation(new);
	tshm_writer_destroy(old);
	tshm_writer_destroy(new);
	lrc = tshm_catalog_lookup(cat, "race", &d);
	tshm_catalog_close(cat);
	assert_int_equal(rc, -ESTALE);
	assert_false(old_left);
	assert_int_equal(lrc, 0);
	assert_true(d.generation == gen);
	assert_int_equal(tshm_test_ns_count(), 2);
}

/* ---- content hash -------------------------------------------------------- */

struct hash128 {
	uint64_t lo, hi;
};

/* Build @bundle from rt_bundle (with @seed), apply @mutate, publish; return its hash. */
static struct hash128 hash_of(struct tshm_catalog *cat, const char *bundle, uint64_t seed,
			      corrupt_fn mutate)
{
	struct tshm_test_bundle b = rt_bundle;
	struct tshm_writer *w;
	struct tshm_descriptor d;
	struct tshm_view *v;
	struct hash128 h;

	b.seed = seed;
	w = make_writer(cat, bundle, &b);
	if (mutate)
		mutate(w);
	assert_int_equal(tshm_writer_commit(w, NULL), 0);
	tshm_writer_hash(w, &h.lo, &h.hi);
	assert_int_equal(tshm_writer_publish(w), 0);
	tshm_writer_destroy(w);
	assert_int_equal(tshm_catalog_lookup(cat, bundle, &d), 0);
	assert_true(d.hash_lo == h.lo && d.hash_hi == h.hi);
	v = open_view(cat, bundle);
	assert_true(tshm_view_header(v)->hash_lo == h.lo);
	assert_true(tshm_view_header(v)->hash_hi == h.hi);
	tshm_view_unref(v);
	return h;
}

static void bump_price(struct tshm_writer *w)
{
	((int64_t *)col(w, TSHM_TABLE_TRADES, TSHM_TRADES_PRICE))[5] += 1;
}

static void change_exchange(struct tshm_writer *w)
{
	((char *)col(w, TSHM_TABLE_ASSETS, TSHM_ASSETS_EXCHANGE))[1] = 'X';
}

static void flip_flag(struct tshm_writer *w)
{
	int32_t *fl = col(w, TSHM_TABLE_TRADES, TSHM_TRADES_FLAGS);

	fl[7] = fl[7] == TSHM_TRADE_BUY ? TSHM_TRADE_SELL : TSHM_TRADE_BUY;
}

static void bump_adj_amount(struct tshm_writer *w)
{
	((int64_t *)col(w, TSHM_TABLE_ADJUSTMENTS, TSHM_ADJ_AMOUNT))[0] += 1;
}

static int hash_eq(struct hash128 a, struct hash128 b)
{
	return a.lo == b.lo && a.hi == b.hi;
}

static void test_layout_content_hash(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct hash128 h1, h2, h;

	(void)state;
	h1 = hash_of(cat, "h1", 7, NULL);
	h2 = hash_of(cat, "h2", 7, NULL);
	assert_true(hash_eq(h1, h2)); /* same content, other bundle name */
	assert_false(h1.lo == 0 && h1.hi == 0);
	h = hash_of(cat, "h3", 7, bump_price);
	assert_false(hash_eq(h, h1));
	h = hash_of(cat, "h4", 7, change_exchange);
	assert_false(hash_eq(h, h1));
	h = hash_of(cat, "h5", 7, flip_flag);
	assert_false(hash_eq(h, h1));
	h = hash_of(cat, "h6", 7, bump_adj_amount);
	assert_false(hash_eq(h, h1));
	h = hash_of(cat, "h7", 8, NULL);
	assert_false(hash_eq(h, h1));
	/* Republishing the same content gives the same hash. */
	h = hash_of(cat, "h1", 7, NULL);
	assert_true(hash_eq(h, h1));
	tshm_catalog_close(cat);
}

/* ---- view accessors ------------------------------------------------------ */

static const struct tshm_test_bundle acc_bundle = {
    .nassets = 12, .ndays = 3, .trades_per_day = 20, .quotes_per_day = 5, .seed = 3};

static void check_header(const struct tshm_view *v, const struct tshm_descriptor *d)
{
	const struct tshm_seg_header *h = tshm_view_header(v);

	assert_true(h->magic == TSHM_SEG_MAGIC);
	assert_int_equal(h->format_version, TSHM_FORMAT_VERSION);
	assert_int_equal(h->header_size, sizeof(struct tshm_seg_header));
	assert_true(h->flags & TSHM_SEG_F_COMPLETE);
	assert_true(h->total_size == d->size);
	assert_true(h->generation == d->generation);
	assert_int_equal(h->schema_version, TSHM_SCHEMA_VERSION);
	assert_int_equal(h->table_slots, TSHM_TABLE_SLOTS);
	assert_int_equal(h->nassets, acc_bundle.nassets);
	assert_int_equal(h->creator_pid, (uint32_t)getpid());
	assert_string_equal(h->bundle, "acc");
	assert_true(h->data_offset <= h->total_size);
	assert_true(h->created_ns > 0);
	assert_string_equal(tshm_view_segment_name(v), d->segment);
	assert_true(tshm_view_serial(v) == d->serial);
	assert_int_equal(tshm_view_nassets(v), acc_bundle.nassets);
}

static void check_tables(const struct tshm_view *v)
{
	const struct tshm_test_bundle *b = &acc_bundle;
	struct tshm_layout_spec spec;
	const char *names[TSHM_TABLE_COUNT];

	tshm_test_spec(b, &spec);
	for (unsigned t = 0; t < TSHM_TABLE_COUNT; t++) {
		struct tshm_table_info ti;
		uint32_t pa = t >= TSHM_TABLE_TRADES ? TSHM_TABLE_F_PER_ASSET : 0;

		assert_int_equal(tshm_view_table(v, t, &ti), 0);
		assert_non_null(ti.name);
		names[t] = ti.name;
		for (unsigned k = 0; k < t; k++)
			assert_string_not_equal(names[k], ti.name);
		assert_int_equal(ti.flags, TSHM_TABLE_F_PRESENT | pa);
		assert_int_equal(ti.ncols, ncols_of(t));
		assert_true(ti.nrows == spec_rows(&spec, t));
		if (pa) {
			assert_int_equal(ti.day0, tshm_day_of(TSHM_TEST_T0));
			assert_int_equal(ti.ndays, b->ndays);
		} else {
			/* Untimed tables report no time range. */
			assert_true(ti.min_ts == 0 && ti.max_ts == 0);
		}
	}
}

static void test_layout_view_header_and_tables(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	const struct tshm_test_bundle *b = &acc_bundle;
	struct tshm_table_info ti;
	struct tshm_descriptor d;
	struct tshm_view *v;

	(void)state;
	assert_int_equal(tshm_test_publish(cat, "acc", b), 1);
	assert_int_equal(tshm_catalog_lookup(cat, "acc", &d), 0);
	v = open_view(cat, "acc");
	check_header(v, &d);
	check_tables(v);
	assert_int_equal(tshm_view_table(v, TSHM_TABLE_TRADES, &ti), 0);
	assert_true(ti.min_ts == tshm_test_trade_ts(b, 0, 0, 0));
	assert_true(ti.max_ts ==
		    tshm_test_trade_ts(b, b->nassets - 1, b->ndays - 1, b->trades_per_day - 1));
	for (unsigned t = TSHM_TABLE_COUNT; t < TSHM_TABLE_SLOTS; t++) {
		memset(&ti, 0x55, sizeof(ti));
		assert_int_equal(tshm_view_table(v, t, &ti), 0);
		assert_int_equal(ti.flags, 0);
		assert_true(ti.nrows == 0);
	}
	assert_int_equal(tshm_view_table(v, TSHM_TABLE_SLOTS, &ti), -EINVAL);
	assert_int_equal(tshm_view_table(v, 1000, &ti), -EINVAL);
	assert_int_equal(tshm_view_table(v, UINT_MAX, &ti), -EINVAL);
	tshm_view_unref(v);
	tshm_catalog_close(cat);
}

static void test_layout_view_column_errors(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_column_info ci;
	struct tshm_view *v;

	(void)state;
	assert_int_equal(tshm_test_publish(cat, "colerr", &tshm_test_small), 1);
	v = open_view(cat, "colerr");
	assert_int_equal(tshm_view_column(v, TSHM_TABLE_TRADES, TSHM_TRADES_NCOLS, &ci), -EINVAL);
	assert_int_equal(tshm_view_column(v, TSHM_TABLE_SESSIONS, TSHM_SESSIONS_NCOLS, &ci),
			 -EINVAL);
	assert_int_equal(tshm_view_column(v, TSHM_TABLE_TRADES, TSHM_MAX_COLS, &ci), -EINVAL);
	assert_int_equal(tshm_view_column(v, TSHM_TABLE_TRADES, UINT_MAX, &ci), -EINVAL);
	assert_int_equal(tshm_view_column(v, TSHM_TABLE_COUNT, 0, &ci), -EINVAL);
	assert_int_equal(tshm_view_column(v, TSHM_TABLE_SLOTS, 0, &ci), -EINVAL);
	assert_int_equal(tshm_view_column(v, UINT_MAX, 0, &ci), -EINVAL);
	assert_int_equal(tshm_view_column(v, TSHM_TABLE_ADJUSTMENTS, TSHM_ADJ_KIND, &ci), 0);
	assert_int_equal(ci.type, TSHM_TYPE_I32);
	tshm_view_unref(v);
	tshm_catalog_close(cat);
}

static void check_asset(const struct tshm_view *v, uint32_t a)
{
	struct tshm_asset as;
	char sym[16];

	memset(&as, 0x55, sizeof(as));
	assert_int_equal(tshm_view_asset(v, a, &as), 0);
	snprintf(sym, sizeof(sym), "SYM%u", a);
	assert_true(as.sid == 100 + 10 * (int64_t)a);
	assert_string_equal(as.symbol, sym);
	assert_string_equal(as.exchange, "TEST");
	assert_string_equal(as.currency, "USD");
	assert_int_equal(as.asset_class, a % 2 ? TSHM_CLASS_CRYPTO : TSHM_CLASS_EQUITY);
	assert_int_equal(as.price_exp, a % 2 ? -4 : -2);
	assert_int_equal(as.size_exp, a % 2 ? -3 : 0);
	assert_true(as.tick_size == 1 && as.lot_size == 1);
	assert_true(as.start_ts == TSHM_TEST_T0);
	assert_true(as.end_ts == TSHM_TEST_T0 + (int64_t)acc_bundle.ndays * TSHM_DAY_NS);
}

static void test_layout_view_assets(void **state)
{
	static const int64_t missing[] = {99, 105, 215, 1000, 0, -1, INT64_MIN, INT64_MAX};
	struct tshm_catalog *cat = cat_rw();
	struct tshm_asset as;
	struct tshm_view *v;

	(void)state;
	assert_int_equal(tshm_test_publish(cat, "acc", &acc_bundle), 1);
	v = open_view(cat, "acc");
	for (uint32_t a = 0; a < acc_bundle.nassets; a++) {
		check_asset(v, a);
		assert_int_equal(tshm_view_find_sid(v, 100 + 10 * (int64_t)a), (int)a);
	}
	assert_int_equal(tshm_view_asset(v, acc_bundle.nassets, &as), -EINVAL);
	assert_int_equal(tshm_view_asset(v, UINT32_MAX, &as), -EINVAL);
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++)
		assert_int_equal(tshm_view_find_sid(v, missing[i]), -ENOENT);
	tshm_view_unref(v);
	tshm_catalog_close(cat);
}

static void test_layout_view_find_symbol(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	int64_t rename = TSHM_TEST_T0 + TSHM_DAY_NS;
	char sym[16], longsym[64];
	struct tshm_view *v;

	(void)state;
	assert_int_equal(tshm_test_publish(cat, "acc", &acc_bundle), 1);
	v = open_view(cat, "acc");
	for (uint32_t a = 1; a < acc_bundle.nassets; a++) {
		snprintf(sym, sizeof(sym), "SYM%u", a);
		assert_int_equal(tshm_view_find_symbol(v, sym, TSHM_TEST_T0), (int)a);
		assert_int_equal(tshm_view_find_symbol(v, sym, INT64_MAX - 1), (int)a);
	}
	/* Asset 0 was OLD0 before the rename, SYM0 from it on. */
	assert_int_equal(tshm_view_find_symbol(v, "OLD0", TSHM_TEST_T0), 0);
	assert_int_equal(tshm_view_find_symbol(v, "OLD0", rename - 1), 0);
	assert_int_equal(tshm_view_find_symbol(v, "OLD0", rename), -ENOENT);
	assert_int_equal(tshm_view_find_symbol(v, "SYM0", rename - 1), -ENOENT);
	assert_int_equal(tshm_view_find_symbol(v, "SYM0", rename), 0);
	assert_int_equal(tshm_view_find_symbol(v, "SYM0", rename + 5 * TSHM_DAY_NS), 0);
	/* No prefix or partial matches. */
	assert_int_equal(tshm_view_find_symbol(v, "SYM", TSHM_TEST_T0), -ENOENT);
	assert_int_equal(tshm_view_find_symbol(v, "SYM1X", TSHM_TEST_T0), -ENOENT);
	assert_int_equal(tshm_view_find_symbol(v, "SYM12", TSHM_TEST_T0), -ENOENT);
	assert_int_equal(tshm_view_find_symbol(v, "NOPE", TSHM_TEST_T0), -ENOENT);
	memset(longsym, 'Z', TSHM_SYMBOL_MAX);
	longsym[TSHM_SYMBOL_MAX] = '\0';
	assert_int_equal(tshm_view_find_symbol(v, longsym, TSHM_TEST_T0), -ENOENT);
	longsym[TSHM_SYMBOL_MAX] = 'Z';
	longsym[TSHM_SYMBOL_MAX + 1] = '\0';
	assert_int_equal(tshm_view_find_symbol(v, longsym, TSHM_TEST_T0), -EINVAL);
	tshm_view_unref(v);
	tshm_catalog_close(cat);
}

static void test_layout_view_asset_rows(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	const struct tshm_test_bundle *b = &acc_bundle;
	uint64_t first = 0, count = 0;
	struct tshm_view *v;

	(void)state;
	assert_int_equal(tshm_test_publish(cat, "acc", b), 1);
	v = open_view(cat, "acc");
	for (uint32_t a = 0; a < b->nassets; a++) {
		uint64_t per = (uint64_t)b->ndays * b->trades_per_day;

		assert_int_equal(tshm_view_asset_rows(v, TSHM_TABLE_TRADES, a, &first, &count), 0);
		assert_true(first == a * per && count == per);
		assert_int_equal(tshm_view_asset_rows(v, TSHM_TABLE_ADJUSTMENTS, a, &first, &count),
				 0);
		assert_true(first == a && count == 1);
	}
	assert_int_equal(tshm_view_asset_rows(v, TSHM_TABLE_TRADES, b->nassets, &first, &count),
			 -EINVAL);
	assert_int_equal(tshm_view_asset_rows(v, TSHM_TABLE_ASSETS, 0, &first, &count), -EINVAL);
	assert_int_equal(tshm_view_asset_rows(v, TSHM_TABLE_SESSIONS, 0, &first, &count), -EINVAL);
	assert_int_equal(tshm_view_asset_rows(v, TSHM_TABLE_COUNT, 0, &first, &count), -EINVAL);
	assert_int_equal(tshm_view_asset_rows(v, TSHM_TABLE_SLOTS, 0, &first, &count), -EINVAL);
	assert_int_equal(tshm_view_verify(v), 0);
	tshm_view_unref(v);
	tshm_catalog_close(cat);
}

static void test_layout_view_open_errors(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_descriptor d;
	struct tshm_view *v = NULL;
	struct tshm_writer *w;
	char name[TSHM_SEGNAME_MAX];
	int rc;

	(void)state;
	assert_int_equal(tshm_view_open(&v, cat, "nope"), -ENOENT);
	assert_int_equal(tshm_view_open(&v, cat, "no/pe"), -TSHM_ENAME);
	assert_int_equal(tshm_name_segment(name, sizeof(name), tshm_test_ns(), "nope", 1), 0);
	assert_int_equal(tshm_view_open_segment(&v, name), -ENOENT);
	assert_int_equal(tshm_view_open_segment(&v, "/etc/passwd"), -TSHM_ENAME);
	assert_int_equal(tshm_view_open_segment(&v, "/tickshm.x/y.z.g1"), -TSHM_ENAME);
	/* By name. */
	assert_int_equal(tshm_test_publish(cat, "byname", &tshm_test_small), 1);
	assert_int_equal(tshm_catalog_lookup(cat, "byname", &d), 0);
	assert_int_equal(tshm_view_open_segment(&v, d.segment), 0);
	assert_true(tshm_view_header(v)->generation == 1);
	assert_string_equal(tshm_view_segment_name(v), d.segment);
	assert_int_equal(tshm_view_verify(v), 0);
	tshm_view_unref(v);
	/* A segment being written cannot be attached. */
	w = make_writer(cat, "byname", &tshm_test_small);
	rc = tshm_view_open_segment(&v, tshm_writer_segment_name(w));
	if (rc != -EACCES && rc != -TSHM_EINCOMPLETE)
		fail_msg("open of an uncommitted segment = %d (%s)", rc, tshm_strerror(rc));
	tshm_writer_destroy(w);
	tshm_catalog_close(cat);
}

/* ---- open_mem and validation -------------------------------------------- */

/* The view's header is a private copy: read the segment's own bytes. */
static uint8_t *copy_of(const struct tshm_view *v, size_t *size)
{
	struct tshm_segment seg;
	void *p = NULL;

	assert_int_equal(tshm_segment_open(&seg, tshm_view_segment_name(v), 0), 0);
	*size = seg.size;
	assert_int_equal(seg.size, tshm_view_header(v)->total_size);
	assert_int_equal(posix_memalign(&p, 4096, *size), 0);
	memcpy(p, seg.base, *size);
	tshm_segment_close(&seg);
	return p;
}

static void reseal(uint8_t *m)
{
	struct tshm_seg_header *h = (struct tshm_seg_header *)m;

	h->meta_checksum = 0;
	h->meta_checksum = XXH3_64bits(m, h->data_offset);
}

static struct tshm_view *published_view(struct tshm_catalog **cat)
{
	*cat = cat_rw();
	assert_int_equal(tshm_test_publish(*cat, "mem", &tshm_test_small), 1);
	return open_view(*cat, "mem");
}

static int open_mem_rc(const void *m, size_t size)
{
	struct tshm_view *v = NULL;
	int rc = tshm_view_open_mem(&v, m, size, 0);

	if (rc == 0)
		tshm_view_unref(v);
	return rc;
}

static void test_layout_open_mem_ok(void **state)
{
	struct tshm_catalog *cat;
	struct tshm_view *v = published_view(&cat), *m = NULL;
	size_t size;
	uint8_t *copy = copy_of(v, &size);

	(void)state;
	assert_int_equal(tshm_view_open_mem(&m, copy, size, 0), 0);
	/* The header is a validated private copy of the one in memory. */
	assert_ptr_not_equal(tshm_view_header(m), copy);
	assert_memory_equal(tshm_view_header(m), copy, sizeof(struct tshm_seg_header));
	assert_string_equal(tshm_view_segment_name(m), "");
	assert_true(tshm_view_serial(m) == 0);
	assert_int_equal(tshm_view_nassets(m), tshm_test_small.nassets);
	assert_int_equal(tshm_view_verify(m), 0);
	assert_int_equal(tshm_view_find_sid(m, 110), 1);
	tshm_view_unref(m);
	assert_int_equal(tshm_view_open_mem(&m, copy, size, 1), -EINVAL);
	assert_int_equal(tshm_view_open_mem(&m, copy, size, 0x80000000u), -EINVAL);
	/* The checksum is what FORMAT.md says: XXH3-64 of the metadata. */
	reseal(copy);
	uint8_t *again = copy_of(v, &size);
	assert_memory_equal(copy, again, size);
	free(again);
	free(copy);
	tshm_view_unref(v);
	tshm_catalog_close(cat);
}

static void test_layout_open_mem_data_flip(void **state)
{
	struct tshm_catalog *cat;
	struct tshm_view *v = published_view(&cat), *m = NULL;
	struct tshm_column_info ci;
	size_t size, off;
	uint8_t *copy = copy_of(v, &size);

	(void)state;
	/* Attach does not read the data; verify does. */
	assert_int_equal(tshm_view_open_mem(&m, copy, size, 0), 0);
	assert_int_equal(tshm_view_verify(m), 0);
	assert_int_equal(tshm_view_column(m, TSHM_TABLE_TRADES, TSHM_TRADES_PRICE, &ci), 0);
	off = (size_t)((const uint8_t *)ci.data - copy);
	copy[off + 8 * 17 + 2] ^= 0x10;
	assert_int_equal(tshm_view_verify(m), -TSHM_ECORRUPT);
	tshm_view_unref(m);
	free(copy);
	tshm_view_unref(v);
	tshm_catalog_close(cat);
}

static void test_layout_open_mem_header_damage(void **state)
{
	struct tshm_catalog *cat;
	struct tshm_view *v = published_view(&cat);
	size_t size;
	uint8_t *copy = copy_of(v, &size), *pristine = copy_of(v, &size);
	struct tshm_seg_header *h = (struct tshm_seg_header *)copy;

	(void)state;
	h->bundle[0] ^= 1; /* metadata checksum no longer matches */
	assert_int_equal(open_mem_rc(copy, size), -TSHM_ECORRUPT);
	memcpy(copy, pristine, size);
	h->magic ^= 0x100;
	assert_int_equal(open_mem_rc(copy, size), -TSHM_ECORRUPT);
	memcpy(copy, pristine, size);
	assert_int_equal(open_mem_rc(copy, size - 1), -TSHM_ECORRUPT);
	assert_int_equal(open_mem_rc(copy, 100), -TSHM_ECORRUPT);
	assert_int_equal(open_mem_rc(copy, sizeof(struct tshm_seg_header)), -TSHM_ECORRUPT);
	free(pristine);
	free(copy);
	tshm_view_unref(v);
	tshm_catalog_close(cat);
}

static struct tshm_table_desc *dir_of(uint8_t *m)
{
	return (struct tshm_table_desc *)(m + ((struct tshm_seg_header *)m)->dir_offset);
}

static void test_layout_open_mem_resealed_damage(void **state)
{
	struct tshm_catalog *cat;
	struct tshm_view *v = published_view(&cat);
	size_t size;
	uint8_t *copy = copy_of(v, &size), *pristine = copy_of(v, &size);
	struct tshm_seg_header *h = (struct tshm_seg_header *)copy;

	(void)state;
	/* Damage that keeps a valid checksum: the validator must still catch it. */
	h->format_version = TSHM_FORMAT_VERSION + 1;
	reseal(copy);
	assert_int_equal(open_mem_rc(copy, size), -TSHM_EVERSION);
	memcpy(copy, pristine, size);
	h->schema_version = TSHM_SCHEMA_VERSION + 1;
	reseal(copy);
	assert_int_equal(open_mem_rc(copy, size), -TSHM_EVERSION);
	memcpy(copy, pristine, size);
	h->flags &= ~TSHM_SEG_F_COMPLETE;
	reseal(copy);
	assert_int_equal(open_mem_rc(copy, size), -TSHM_EINCOMPLETE);
	memcpy(copy, pristine, size);
	dir_of(copy)[TSHM_TABLE_TRADES].cols[TSHM_TRADES_PRICE].offset = size;
	reseal(copy);
	assert_int_equal(open_mem_rc(copy, size), -TSHM_ECORRUPT);
	memcpy(copy, pristine, size);
	dir_of(copy)[TSHM_TABLE_QUOTES].nrows = UINT64_C(1) << 60;
	reseal(copy);
	assert_int_equal(open_mem_rc(copy, size), -TSHM_ECORRUPT);
	memcpy(copy, pristine, size);
	dir_of(copy)[TSHM_TABLE_TRADES].rows_offset = size - 8;
	reseal(copy);
	assert_int_equal(open_mem_rc(copy, size), -TSHM_ECORRUPT);
	memcpy(copy, pristine, size);
	dir_of(copy)[TSHM_TABLE_TRADES].ncols = TSHM_MAX_COLS + 1;
	reseal(copy);
	assert_int_equal(open_mem_rc(copy, size), -TSHM_ECORRUPT);
	free(pristine);
	free(copy);
	tshm_view_unref(v);
	tshm_catalog_close(cat);
}

/* ---- reference counting ----------------------------------------------- */

static void test_layout_view_refcount(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_descriptor d;
	struct tshm_view *v;

	(void)state;
	assert_int_equal(tshm_test_publish(cat, "ref", &tshm_test_small), 1);
	assert_int_equal(tshm_catalog_lookup(cat, "ref", &d), 0);
	v = open_view(cat, "ref");
	assert_int_equal(tshm_test_self_mappings(d.segment), 1);
	assert_ptr_equal(tshm_view_ref(v), v);
	assert_ptr_equal(tshm_view_ref(v), v);
	tshm_view_unref(v);
	tshm_view_unref(v);
	assert_int_equal(tshm_test_self_mappings(d.segment), 1);
	assert_true(tshm_view_header(v)->magic == TSHM_SEG_MAGIC);
	tshm_view_unref(v); /* the last reference unmaps */
	assert_int_equal(tshm_test_self_mappings(d.segment), 0);
	tshm_catalog_close(cat);
}

/* ---- an empty bundle ------------------------------------------------------ */

static void test_layout_empty_bundle(void **state)
{
	static const struct tshm_test_bundle empty = {.nassets = 0, .ndays = 0, .seed = 1};
	struct tshm_catalog *cat = cat_rw();
	struct tshm_descriptor d;
	struct tshm_table_info ti;
	struct tshm_view *v;

	(void)state;
	assert_int_equal(tshm_test_publish(cat, "empty", &empty), 1);
	assert_int_equal(tshm_catalog_lookup(cat, "empty", &d), 0);
	assert_int_equal(d.nassets, 0);
	assert_true(d.min_ts == 0 && d.max_ts == 0); /* no rows */
	v = open_view(cat, "empty");
	assert_true(tshm_view_header(v)->min_ts == 0 && tshm_view_header(v)->max_ts == 0);
	assert_int_equal(tshm_view_nassets(v), 0);
	for (unsigned t = 0; t < TSHM_TABLE_COUNT; t++) {
		assert_int_equal(tshm_view_table(v, t, &ti), 0);
		assert_true(ti.nrows == 0);
		assert_true(ti.min_ts == 0 && ti.max_ts == 0);
	}
	assert_int_equal(tshm_view_find_sid(v, 100), -ENOENT);
	assert_int_equal(tshm_view_find_symbol(v, "SYM0", TSHM_TEST_T0), -ENOENT);
	assert_int_equal(tshm_view_verify(v), 0);
	tshm_view_unref(v);
	tshm_catalog_close(cat);
}

/* ---- days --------------------------------------------------------------- */

static void test_layout_day_of(void **state)
{
	(void)state;
	assert_int_equal(tshm_day_of(0), 0);
	assert_int_equal(tshm_day_of(1), 0);
	assert_int_equal(tshm_day_of(TSHM_DAY_NS - 1), 0);
	assert_int_equal(tshm_day_of(TSHM_DAY_NS), 1);
	assert_int_equal(tshm_day_of(-1), -1);
	assert_int_equal(tshm_day_of(-TSHM_DAY_NS), -1);
	assert_int_equal(tshm_day_of(-TSHM_DAY_NS - 1), -2);
	assert_int_equal(tshm_day_of(TSHM_TEST_T0), 19724); /* 2024-01-02 */
	assert_int_equal(tshm_day_of(TSHM_TEST_T0 - 1), 19723);
	assert_int_equal(tshm_day_of(INT64_MAX), 106751);
	assert_int_equal(tshm_day_of(INT64_MIN), -106752);
}

/* tshm_writer_set_asset writes every column and refuses what does not fit. */
static void test_layout_writer_set_asset(void **state)
{
	struct tshm_layout_spec spec;
	struct tshm_catalog *cat;
	struct tshm_writer *w;
	struct tshm_view *v;
	struct tshm_asset in = {.sid = 100,
				.symbol = "EXACTLY-THIRTY-TWO-CHARS-SYMBOL!",
				.exchange = "XNYS",
				.currency = "USD",
				.asset_class = TSHM_CLASS_ETF,
				.price_exp = -3,
				.size_exp = -1,
				.tick_size = 5,
				.lot_size = 10,
				.start_ts = TSHM_TEST_T0,
				.end_ts = TSHM_TEST_T0 + TSHM_DAY_NS},
			  out, bad;

	(void)state;
	assert_int_equal(tshm_catalog_open(&cat, NULL, TSHM_CATALOG_CREATE), 0);
	tshm_test_spec(&tshm_test_small, &spec);
	assert_int_equal(tshm_writer_create(&w, cat, "setasset", &spec, NULL), 0);
	assert_int_equal(tshm_test_fill(w, &tshm_test_small), 0);
	assert_int_equal(strlen(in.symbol), TSHM_SYMBOL_MAX);
	assert_int_equal(tshm_writer_set_asset(w, 0, &in), 0);
	assert_int_equal(tshm_writer_set_asset(w, spec.nassets, &in), -EINVAL);
	bad = in;
	memset(bad.exchange, 'X', TSHM_EXCHANGE_MAX + 1); /* one longer than the column */
	assert_int_equal(tshm_writer_set_asset(w, 1, &bad), -EINVAL);
	assert_int_equal(tshm_writer_commit(w, NULL), 0);
	assert_int_equal(tshm_writer_set_asset(w, 0, &in), -EINVAL);
	assert_int_equal(tshm_writer_publish(w), 0);
	tshm_writer_destroy(w);
	assert_int_equal(tshm_view_open(&v, cat, "setasset"), 0);
	assert_int_equal(tshm_view_asset(v, 0, &out), 0);
	assert_true(out.sid == in.sid && out.asset_class == in.asset_class &&
		    out.price_exp == in.price_exp && out.size_exp == in.size_exp &&
		    out.tick_size == in.tick_size && out.lot_size == in.lot_size &&
		    out.start_ts == in.start_ts && out.end_ts == in.end_ts);
	assert_string_equal(out.symbol, in.symbol);
	assert_string_equal(out.exchange, in.exchange);
	assert_string_equal(out.currency, in.currency);
	assert_int_equal(tshm_view_find_sid(v, 110), 1); /* row 1 kept the fill's asset */
	tshm_view_unref(v);
	tshm_catalog_close(cat);
}

/* pwrite through tshm_writer_fd at tshm_writer_column_offset lands in the column. */
static void test_layout_writer_fd_and_offsets(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_layout_spec spec;
	struct tshm_writer *w;
	int64_t v = 123456789, off;
	int64_t *px;

	(void)state;
	tshm_test_spec(&tshm_test_small, &spec);
	assert_int_equal(tshm_writer_create(&w, cat, "fdoff", &spec, NULL), 0);
	assert_int_equal(tshm_test_fill(w, &tshm_test_small), 0);
	px = tshm_writer_column(w, TSHM_TABLE_TRADES, TSHM_TRADES_PRICE);
	off = tshm_writer_column_offset(w, TSHM_TABLE_TRADES, TSHM_TRADES_PRICE);
	assert_true(off > 0 && off % 64 == 0);
	assert_true(tshm_writer_fd(w) >= 0);
	v = px[3] + 1;
	assert_int_equal(pwrite(tshm_writer_fd(w), &v, sizeof(v), off + 3 * 8), sizeof(v));
	assert_true(px[3] == v);
	assert_int_equal(tshm_writer_column_offset(w, TSHM_TABLE_TRADES, TSHM_TRADES_NCOLS),
			 -EINVAL);
	assert_int_equal(tshm_writer_column_offset(w, TSHM_TABLE_COUNT, 0), -EINVAL);
	assert_int_equal(tshm_writer_commit(w, NULL), 0);
	assert_int_equal(tshm_writer_column_offset(w, TSHM_TABLE_TRADES, 0), -EINVAL);
	assert_int_equal(tshm_writer_fd(w), -EINVAL);
	tshm_writer_destroy(w);
	tshm_catalog_close(cat);
}

/* Bytes tmpfs has allocated to the segment of descriptor @fd. */
static uint64_t allocated_fd(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return (uint64_t)st.st_blocks * 512;
}

static uint64_t allocated_bytes(struct tshm_writer *w)
{
	return allocated_fd(tshm_writer_fd(w));
}

/* DEFER_ALLOC: create allocates the header only; tshm_writer_alloc,
 * pwrite, tshm_writer_alloc_rest and commit allocate the rest. */
static void test_layout_writer_defer_alloc(void **state)
{
	const struct tshm_writer_opts opts = {.flags = TSHM_WRITER_DEFER_ALLOC};
	struct tshm_catalog *cat = cat_rw();
	struct snapshot *s = calloc(1, sizeof(*s));
	struct tshm_layout_spec spec;
	struct tshm_writer *w;
	struct tshm_view *v;
	uint64_t start, size, mid, span;
	uint8_t zeros[3 * 4096] = {0};
	int64_t off;
	int fd;

	(void)state;
	assert_non_null(s);
	tshm_test_spec(&rt_bundle, &spec);
	assert_int_equal(tshm_writer_create(&w, cat, "defer", &spec, &opts), 0);
	start = tshm_writer_alloc_start(w);
	size = tshm_writer_size(w);
	assert_true(start > 0 && start % 4096 == 0 && start < size);
	assert_true(allocated_bytes(w) == start);
	assert_int_equal(tshm_writer_alloc(w, size + 1, 0), -EINVAL);
	assert_int_equal(tshm_writer_alloc(w, 4096, UINT64_MAX), -EINVAL);
	assert_int_equal(tshm_writer_alloc(w, size, 0), 0);
	/* Allocated in two calls that do not fall on page boundaries. */
	mid = start + (size - start) / 2 + 100;
	assert_int_equal(tshm_writer_alloc(w, start, mid - start), 0);
	assert_true(allocated_bytes(w) == ((mid + 4095) & ~(uint64_t)4095));
	assert_int_equal(tshm_writer_alloc(w, mid, size - mid), 0);
	assert_true(allocated_bytes(w) == size);
	assert_int_equal(tshm_test_fill(w, &rt_bundle), 0);
	snapshot_take(w, &spec, s);
	assert_int_equal(tshm_writer_commit(w, NULL), 0);
	assert_int_equal(tshm_writer_alloc(w, start, 1), -EINVAL);
	assert_int_equal(tshm_writer_publish(w), 0);
	tshm_writer_destroy(w);
	v = open_view(cat, "defer");
	snapshot_compare(v, s);
	tshm_view_unref(v);
	free(s);

	/* pwrite allocates what it writes; alloc_rest finds the holes. */
	assert_int_equal(tshm_writer_create(&w, cat, "defer2", &spec, &opts), 0);
	off = tshm_writer_column_offset(w, TSHM_TABLE_TRADES, TSHM_TRADES_PRICE);
	assert_true(off >= (int64_t)start);
	assert_int_equal(pwrite(tshm_writer_fd(w), zeros, sizeof(zeros), off), sizeof(zeros));
	span = (((uint64_t)off + sizeof(zeros) + 4095) & ~(uint64_t)4095) -
	       ((uint64_t)off & ~(uint64_t)4095);
	assert_true(allocated_bytes(w) == start + span);
	assert_int_equal(tshm_writer_alloc_rest(w), 0);
	assert_true(allocated_bytes(w) == tshm_writer_size(w));
	assert_int_equal(tshm_writer_alloc_rest(w), 0);
	assert_int_equal(tshm_test_fill(w, &rt_bundle), 0);
	assert_int_equal(tshm_writer_commit(w, NULL), 0);
	assert_int_equal(tshm_writer_alloc_rest(w), -EINVAL);
	tshm_writer_destroy(w);

	/* Commit allocates what nobody did (here before it finds the table
	 * empty, i.e. out of order). */
	assert_int_equal(tshm_writer_create(&w, cat, "defer3", &spec, &opts), 0);
	fd = tshm_writer_fd(w); /* the writer's until destroy, refused after commit */
	assert_true(allocated_fd(fd) == start);
	assert_int_equal(tshm_writer_commit(w, NULL), -TSHM_EORDER);
	assert_true(allocated_fd(fd) == tshm_writer_size(w));
	tshm_writer_destroy(w);
	tshm_catalog_close(cat);
}

/* The child of test_layout_writer_defer_alloc_enospc, with /dev/shm a
 * 2 MiB tmpfs of its own: 0, TSHM_TEST_EXIT_SKIP, or the number of the failed step. */
static int defer_enospc_child(void)
{
	static const struct tshm_test_bundle big = {
	    .nassets = 4, .ndays = 3, .trades_per_day = 20000, .seed = 3};
	const struct tshm_writer_opts opts = {.flags = TSHM_WRITER_DEFER_ALLOC};
	struct tshm_catalog *cat = NULL;
	struct tshm_layout_spec spec;
	struct tshm_writer *w = NULL;
	char name[TSHM_SEGNAME_MAX];
	uint64_t start;
	int rc = tshm_test_private_shm("2m");

	if (rc < 0) /* not root: skip; anything else is a failure */
		return rc == -EPERM ? TSHM_TEST_EXIT_SKIP : 9;
	tshm_test_spec(&big, &spec);
	if (tshm_catalog_open(&cat, NULL, TSHM_CATALOG_CREATE) < 0)
		return 1;
	if (tshm_writer_create(&w, cat, "big", &spec, NULL) != -ENOSPC)
		return 2; /* without the flag: fallocate says no at once */
	if (tshm_writer_create(&w, cat, "big", &spec, &opts) < 0)
		return 3;
	snprintf(name, sizeof(name), "%s", tshm_writer_segment_name(w));
	start = tshm_writer_alloc_start(w);
	if (tshm_writer_alloc(w, start, tshm_writer_size(w) - start) != -ENOSPC)
		return 4; /* the error, not a SIGBUS */
	if (tshm_writer_alloc_rest(w) != -ENOSPC)
		return 5;
	if (tshm_writer_commit(w, NULL) != -ENOSPC)
		return 7;
	tshm_writer_destroy(w);
	if (tshm_test_shm_exists(name))
		return 6;
	tshm_catalog_close(cat);
	return 0;
}

/* A full /dev/shm under DEFER_ALLOC is -ENOSPC from tshm_writer_alloc. */
static void test_layout_writer_defer_alloc_enospc(void **state)
{
	pid_t pid = tshm_test_fork(TSHM_TEST_CHILD_LIFETIME_S);

	(void)state;
	if (pid == 0)
		_exit(defer_enospc_child());
	tshm_test_expect_ok_or_skip(pid, TSHM_TEST_CHILD_TIMEOUT_MS, "writer on a full /dev/shm");
}

/* The exported schema is what a segment lays out. */
static void test_layout_schema_matches_segment(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_view *v;

	(void)state;
	assert_true(tshm_test_publish(cat, "schema", &tshm_test_small) > 0);
	assert_int_equal(tshm_view_open(&v, cat, "schema"), 0);
	for (unsigned t = 0; t < TSHM_TABLE_COUNT; t++) {
		const struct tshm_schema_table *st = tshm_schema_table(t);
		struct tshm_table_info ti;

		assert_non_null(st);
		assert_int_equal(tshm_view_table(v, t, &ti), 0);
		assert_string_equal(st->name, ti.name);
		assert_int_equal(st->ncols, ti.ncols);
		assert_int_equal(st->flags, ti.flags & TSHM_TABLE_F_PER_ASSET);
		for (unsigned c = 0; c < st->ncols; c++) {
			struct tshm_column_info ci;

			assert_int_equal(tshm_view_column(v, t, c, &ci), 0);
			assert_string_equal(st->cols[c].name, ci.name);
			assert_int_equal(st->cols[c].type, ci.type);
			assert_int_equal(st->cols[c].kind, ci.kind);
			assert_int_equal(st->cols[c].width, ci.width);
			assert_int_equal(st->cols[c].width, width_of(t, c));
		}
	}
	assert_null(tshm_schema_table(TSHM_TABLE_COUNT));
	tshm_view_unref(v);
	tshm_catalog_close(cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_layout_round_trip, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_round_trip_formulas, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_size_errors, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_size_matches_segment, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_writer_create_errors, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_writer_names_and_modes, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_writer_column_null, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_commit_eorder, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_commit_eorder_null_bad_table,
					    tshm_test_clean, tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_commit_accepts_equal_ts, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_destroy_unlinks_unpublished,
					    tshm_test_clean, tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_commit_publish_einval, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_publish_estale, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_content_hash, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_view_header_and_tables, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_view_column_errors, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_view_assets, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_view_find_symbol, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_view_asset_rows, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_view_open_errors, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_open_mem_ok, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_open_mem_data_flip, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_open_mem_header_damage, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_open_mem_resealed_damage, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_view_refcount, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_empty_bundle, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test(test_layout_day_of),
	    cmocka_unit_test_setup_teardown(test_layout_writer_set_asset, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_writer_fd_and_offsets, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_schema_matches_segment, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_layout_writer_defer_alloc, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test(test_layout_writer_defer_alloc_enospc),
	};

	tshm_test_ns_init("layout");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
