/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/* Content hash derived from chunk records, and commit with a derived hash. */
#include "tshm_proc.h"
#include "tshm_test.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

struct recs {
	struct tshm_chunk_rec *r;
	size_t n, cap;
};

static void push(struct recs *rs, uint32_t t, uint32_t c, int64_t sid, int32_t day, uint64_t n,
		 const void *p, size_t width)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 64;
		rs->r = realloc(rs->r, rs->cap * sizeof(*rs->r));
		assert_non_null(rs->r);
	}
	rs->r[rs->n++] = (struct tshm_chunk_rec){.table = t,
						 .col = c,
						 .sid = sid,
						 .day = day,
						 .nrows = n,
						 .hash = XXH3_64bits(p, n * width)};
}

/* One asset's rows of per-asset table @t, split by UTC day, as records. */
static void asset_recs(struct recs *rs, const struct tshm_view *v, unsigned t, uint32_t a)
{
	struct tshm_table_info ti;
	struct tshm_column_info ci, tsc;
	struct tshm_asset as;
	uint64_t first, count, r;

	assert_int_equal(tshm_view_table(v, t, &ti), 0);
	assert_int_equal(tshm_view_asset_rows(v, t, a, &first, &count), 0);
	assert_int_equal(tshm_view_asset(v, a, &as), 0);
	assert_int_equal(tshm_view_column(v, t, 0, &tsc), 0);
	for (r = first; r < first + count;) {
		const int64_t *ts = tsc.data;
		int32_t day = tshm_day_of(ts[r]);
		uint64_t e = r;

		while (e < first + count && tshm_day_of(ts[e]) == day)
			e++;
		for (unsigned c = 0; c < ti.ncols; c++) {
			assert_int_equal(tshm_view_column(v, t, c, &ci), 0);
			push(rs, t, c, as.sid, day, e - r, (const uint8_t *)ci.data + r * ci.width,
			     ci.width);
		}
		r = e;
	}
}

static void view_recs(struct recs *rs, const struct tshm_view *v)
{
	for (unsigned t = 0; t < TSHM_TABLE_COUNT; t++) {
		struct tshm_table_info ti;
		struct tshm_column_info ci;

		assert_int_equal(tshm_view_table(v, t, &ti), 0);
		if (ti.nrows == 0)
			continue;
		if (ti.flags & TSHM_TABLE_F_PER_ASSET) {
			for (uint32_t a = 0; a < tshm_view_nassets(v); a++)
				asset_recs(rs, v, t, a);
			continue;
		}
		for (unsigned c = 0; c < ti.ncols; c++) {
			assert_int_equal(tshm_view_column(v, t, c, &ci), 0);
			push(rs, t, c, -1, 0, ti.nrows, ci.data, ci.width);
		}
	}
}

static struct tshm_catalog *cat;

static int setup(void **state)
{
	(void)state;
	return tshm_test_fixture_setup(&cat);
}

static int teardown(void **state)
{
	(void)state;
	tshm_test_fixture_teardown(&cat);
	return 0;
}

static void test_hash_records_match_commit(void **state)
{
	struct recs rs = {0};
	struct tshm_view *v;
	uint64_t lo, hi;

	(void)state;
	assert_true(tshm_test_publish(cat, "hr", &tshm_test_small) > 0);
	assert_int_equal(tshm_view_open(&v, cat, "hr"), 0);
	view_recs(&rs, v);
	assert_true(rs.n > 0);
	assert_int_equal(tshm_content_hash_records(rs.r, rs.n, &lo, &hi), 0);
	assert_true(lo == tshm_view_header(v)->hash_lo);
	assert_true(hi == tshm_view_header(v)->hash_hi);
	tshm_view_unref(v);
	free(rs.r);
}

/* Does hashing the two records @r give something other than @lo, @hi? */
static bool hash_differs(const struct tshm_chunk_rec *r, uint64_t lo, uint64_t hi)
{
	uint64_t lo2, hi2;

	assert_int_equal(tshm_content_hash_records(r, 2, &lo2, &hi2), 0);
	return lo2 != lo || hi2 != hi;
}

/* Every field counts: a chunk's hash and row count, and its placement. */
static void test_hash_records_every_field_counts(void **state)
{
	const struct tshm_chunk_rec base[2] = {
	    {.table = 3, .col = 0, .sid = 5, .day = 10, .nrows = 1},
	    {.table = 3, .col = 1, .sid = 5, .day = 10, .nrows = 1},
	};
	struct tshm_chunk_rec m[6][2];
	uint64_t lo, hi;

	(void)state;
	assert_int_equal(tshm_content_hash_records(base, 2, &lo, &hi), 0);
	for (unsigned k = 0; k < 6; k++)
		memcpy(m[k], base, sizeof(base));
	m[0][0].hash ^= 1;
	m[1][0].nrows = 2;
	/* Placement: each change keeps the records in order. */
	m[2][1].day = 11;
	m[3][1].sid = 6;
	m[4][1].col = 2;
	m[5][1].table = 4;
	for (unsigned k = 0; k < 6; k++)
		assert_true(hash_differs(m[k], lo, hi));
}

static void test_hash_records_rejects_bad_input(void **state)
{
	struct tshm_chunk_rec r[2] = {
	    {.table = 3, .col = 0, .sid = 5, .day = 10, .nrows = 1},
	    {.table = 3, .col = 1, .sid = 5, .day = 10, .nrows = 1},
	};
	uint64_t lo, hi;

	(void)state;
	assert_int_equal(tshm_content_hash_records(r, 2, &lo, &hi), 0);
	assert_int_equal(tshm_content_hash_records(NULL, 0, &lo, &hi), 0);
	assert_int_equal(tshm_content_hash_records(NULL, 1, &lo, &hi), -EINVAL);
	assert_int_equal(tshm_content_hash_records(r, 2, NULL, &hi), -EINVAL);
	r[1].col = 0; /* a repeated chunk */
	assert_int_equal(tshm_content_hash_records(r, 2, &lo, &hi), -EINVAL);
	r[1].col = 1;
	r[1].day = 9; /* days out of order */
	assert_int_equal(tshm_content_hash_records(r, 2, &lo, &hi), -EINVAL);
	r[1].day = 10;
	r[1].sid = 4; /* sids out of order */
	assert_int_equal(tshm_content_hash_records(r, 2, &lo, &hi), -EINVAL);
	r[1].sid = 5;
	r[1].table = 2;
	assert_int_equal(tshm_content_hash_records(r, 2, &lo, &hi), -EINVAL);
	r[1].table = 3;
	r[1].zero = 1;
	assert_int_equal(tshm_content_hash_records(r, 2, &lo, &hi), -EINVAL);
	r[1].zero = 0;
	r[1].nrows = 0;
	assert_int_equal(tshm_content_hash_records(r, 2, &lo, &hi), -EINVAL);
}

/* Commit with @lo/@hi instead of hashing; returns the open view. */
static struct tshm_view *commit_given(const char *name, uint64_t lo, uint64_t hi)
{
	struct tshm_layout_spec spec;
	struct tshm_writer *w;
	struct tshm_view *v;

	tshm_test_spec(&tshm_test_small, &spec);
	assert_int_equal(tshm_writer_create(&w, cat, name, &spec, NULL), 0);
	assert_int_equal(tshm_test_fill(w, &tshm_test_small), 0);
	assert_int_equal(tshm_writer_commit_hashed(w, lo, hi, NULL), 0);
	assert_int_equal(tshm_writer_commit_hashed(w, lo, hi, NULL), -EINVAL);
	assert_int_equal(tshm_writer_publish(w), 0);
	tshm_writer_destroy(w);
	assert_int_equal(tshm_view_open(&v, cat, name), 0);
	return v;
}

static void test_hash_records_commit_hashed(void **state)
{
	struct tshm_view *v, *good, *bad;
	uint64_t lo, hi;

	(void)state;
	assert_true(tshm_test_publish(cat, "ref", &tshm_test_small) > 0);
	assert_int_equal(tshm_view_open(&v, cat, "ref"), 0);
	lo = tshm_view_header(v)->hash_lo;
	hi = tshm_view_header(v)->hash_hi;
	good = commit_given("good", lo, hi);
	assert_true(tshm_view_header(good)->hash_lo == lo);
	assert_true(tshm_view_header(good)->hash_hi == hi);
	assert_int_equal(tshm_view_verify(good), 0);
	/* A wrong derived hash still attaches, and verify catches it. */
	bad = commit_given("bad", lo ^ 1, hi);
	assert_int_equal(tshm_view_verify(bad), -TSHM_ECORRUPT);
	tshm_view_unref(bad);
	tshm_view_unref(good);
	tshm_view_unref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_hash_records_match_commit, setup, teardown),
	    cmocka_unit_test(test_hash_records_every_field_counts),
	    cmocka_unit_test(test_hash_records_rejects_bad_input),
	    cmocka_unit_test_setup_teardown(test_hash_records_commit_hashed, setup, teardown),
	};

	tshm_test_ns_init("hashrec");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
