/* tshm-test-labels: unit;fault */
/* SPDX-License-Identifier: MIT */
/*
 * Regression tests for failure modes found in review: segments modified
 * after attach, day ranges the validator rejects, gc without a readable
 * catalog, a catalog whose creator died, leaked slots, reused generations.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tshm_proc.h"
#include "tshm_test.h"

static struct tshm_catalog *open_cat(void)
{
	struct tshm_catalog *cat = NULL;

	assert_int_equal(tshm_catalog_open(&cat, NULL, TSHM_CATALOG_CREATE), 0);
	return cat;
}

static int teardown(void **state)
{
	(void)state;
	tshm_test_ns_clean();
	return 0;
}

/* Copy a published segment into aligned private memory. */
static uint8_t *segment_copy(const char *name, size_t *size)
{
	struct tshm_segment seg;
	void *p = NULL;

	assert_int_equal(tshm_segment_open(&seg, name, 0), 0);
	*size = seg.size;
	assert_int_equal(posix_memalign(&p, 4096, seg.size), 0);
	memcpy(p, seg.base, seg.size);
	tshm_segment_close(&seg);
	return p;
}

/* Directory bytes scribbled over after attach must not reach accessors. */
static void test_hardening_directory_changed_after_attach(void **state)
{
	struct tshm_catalog *cat = open_cat();
	struct tshm_descriptor d;
	struct tshm_table_desc *dir;
	struct tshm_view *v;
	struct tshm_window w;
	struct tshm_column_info ci;
	uint64_t first, count;
	size_t size;
	uint8_t *m;

	(void)state;
	assert_true(tshm_test_publish(cat, "b", &tshm_test_small) > 0);
	assert_int_equal(tshm_catalog_lookup(cat, "b", &d), 0);
	m = segment_copy(d.segment, &size);
	assert_int_equal(tshm_view_open_mem(&v, m, size, 0), 0);
	dir = (struct tshm_table_desc *)(m + sizeof(struct tshm_seg_header));
	for (unsigned t = 0; t < TSHM_TABLE_COUNT; t++) {
		dir[t].ts_col = 100000;
		dir[t].ncols = 1000;
		dir[t].nrows = UINT64_MAX;
		dir[t].rows_offset = dir[t].days_offset = UINT64_MAX - 7;
		dir[t].ndays = UINT32_MAX;
		for (unsigned c = 0; c < TSHM_MAX_COLS; c++)
			dir[t].cols[c].offset = UINT64_MAX - 7;
	}
	assert_int_equal(
	    tshm_history(v, TSHM_TABLE_TRADES, 110, TSHM_TRADES_PRICE, INT64_MAX, 10, &w), 0);
	assert_int_equal(w.count, 10);
	assert_int_equal(tshm_view_asset_rows(v, TSHM_TABLE_QUOTES, 2, &first, &count), 0);
	assert_int_equal(count, tshm_test_small.ndays * tshm_test_small.quotes_per_day);
	assert_int_equal(tshm_view_column(v, TSHM_TABLE_BARS_1M, TSHM_BARS_CLOSE, &ci), 0);
	assert_true((const uint8_t *)ci.data > m && (const uint8_t *)ci.data < m + size);
	assert_int_equal(tshm_view_verify(v), 0);
	tshm_view_unref(v);
	free(m);
	tshm_catalog_close(cat);
}

/* A day range whose ns bounds overflow int64 is refused up front. */
static void test_hardening_day_range_bounds(void **state)
{
	struct tshm_catalog *cat = open_cat();
	struct tshm_layout_spec spec;
	struct tshm_writer *w;
	uint64_t size;

	(void)state;
	tshm_test_spec(&tshm_test_small, &spec);
	spec.tables[TSHM_TABLE_TRADES].day0 = INT32_MAX;
	assert_int_equal(tshm_layout_size(&spec, &size), -EINVAL);
	assert_int_equal(tshm_writer_create(&w, cat, "b", &spec, NULL), -EINVAL);
	spec.tables[TSHM_TABLE_TRADES].day0 = -106752;
	assert_int_equal(tshm_writer_create(&w, cat, "b", &spec, NULL), -EINVAL);
	spec.tables[TSHM_TABLE_TRADES].day0 = 106751;
	spec.tables[TSHM_TABLE_TRADES].ndays = 1;
	assert_int_equal(tshm_writer_create(&w, cat, "b", &spec, NULL), -EINVAL);
	spec.tables[TSHM_TABLE_TRADES].day0 = -106751;
	assert_int_equal(tshm_layout_size(&spec, &size), 0);
	assert_int_equal(tshm_test_ns_count(), 1); /* just the catalog */
	tshm_catalog_close(cat);
}

/* gc must not judge segments against a catalog it cannot read. */
static void test_hardening_gc_refuses_unreadable_catalog(void **state)
{
	struct tshm_catalog *cat = open_cat();
	char name[TSHM_SEGNAME_MAX];
	struct tshm_segment seg;
	uint64_t magic;

	(void)state;
	assert_true(tshm_test_publish(cat, "b", &tshm_test_small) > 0);
	tshm_catalog_close(cat);
	assert_int_equal(tshm_name_catalog(name, sizeof(name), tshm_test_ns()), 0);
	assert_int_equal(tshm_segment_open(&seg, name, TSHM_SEG_RDWR), 0);
	memcpy(&magic, seg.base, 8);
	memset(seg.base, 0xA5, 8);
	assert_int_equal(tshm_gc(NULL, 0, NULL, NULL), -TSHM_ECORRUPT);
	assert_int_equal(tshm_test_ns_count(), 2); /* catalog + the published segment */
	memcpy(seg.base, &magic, 8);
	tshm_segment_close(&seg);
	assert_int_equal(tshm_gc(NULL, 0, NULL, NULL), 0);
	assert_int_equal(tshm_test_ns_count(), 2);
}

/* A creator killed after sizing the catalog but before its header. */
static void test_hardening_catalog_creator_died(void **state)
{
	struct tshm_catalog *cat;
	char name[TSHM_SEGNAME_MAX];
	int fd;

	(void)state;
	assert_int_equal(tshm_name_catalog(name, sizeof(name), tshm_test_ns()), 0);
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0640);
	assert_true(fd >= 0);
	assert_int_equal(posix_fallocate(fd, 0, 155648), 0);
	close(fd);
	assert_int_equal(tshm_catalog_open(&cat, NULL, 0), -TSHM_ECORRUPT);
	cat = open_cat();
	assert_true(tshm_test_publish(cat, "b", &tshm_test_small) > 0);
	tshm_catalog_close(cat);
}

/* Aborted first loads give their slot back. */
static void test_hardening_aborted_loads_free_slots(void **state)
{
	struct tshm_catalog *cat = open_cat();
	struct tshm_layout_spec spec;
	struct tshm_writer *w;
	char bundle[32];

	(void)state;
	tshm_test_spec(&tshm_test_small, &spec);
	for (unsigned i = 0; i < TSHM_CAT_SLOTS + 10; i++) {
		snprintf(bundle, sizeof(bundle), "abort%u", i);
		assert_int_equal(tshm_writer_create(&w, cat, bundle, &spec, NULL), 0);
		tshm_writer_destroy(w);
	}
	assert_true(tshm_test_publish(cat, "survivor", &tshm_test_small) > 0);
	assert_int_equal(tshm_test_ns_count(), 2);
	tshm_catalog_close(cat);
}

/* A bundle removed and created again never reuses a generation. */
static void test_hardening_generations_survive_remove(void **state)
{
	struct tshm_catalog *cat = open_cat();
	int64_t g1, g2, g3;

	(void)state;
	g1 = tshm_test_publish(cat, "b", &tshm_test_small);
	g2 = tshm_test_publish(cat, "b", &tshm_test_small);
	assert_true(g1 > 0 && g2 > g1);
	assert_int_equal(tshm_catalog_remove(cat, "b"), 0);
	g3 = tshm_test_publish(cat, "b", &tshm_test_small);
	assert_true(g3 > g2);
	tshm_catalog_close(cat);
}

/* A child forked from a writer gets its own catalog lock. */
static void test_hardening_fork_child_publishes(void **state)
{
	struct tshm_catalog *cat = open_cat();
	struct tshm_descriptor d;
	pid_t pid;

	(void)state;
	assert_true(tshm_test_publish(cat, "b", &tshm_test_small) > 0);
	pid = tshm_test_fork(TSHM_TEST_CHILD_LIFETIME_S);
	if (pid == 0)
		_exit(tshm_test_publish(cat, "b", &tshm_test_small) == 2 ? 0 : 1);
	tshm_test_expect_exit(pid, TSHM_TEST_CHILD_TIMEOUT_MS, 0, "forked publisher");
	assert_true(tshm_test_publish(cat, "b", &tshm_test_small) == 3);
	assert_int_equal(tshm_catalog_lookup(cat, "b", &d), 0);
	assert_int_equal(d.generation, 3);
	tshm_catalog_close(cat);
}

/* A first load killed after reserving its slot must not hold it forever. */
static void test_hardening_gc_frees_killed_first_load_slots(void **state)
{
	struct tshm_catalog *cat = open_cat();
	char bundle[32];
	uint64_t gen;
	pid_t pid;

	(void)state;
	pid = tshm_test_fork(TSHM_TEST_CHILD_LIFETIME_S);
	if (pid == 0) { /* reserve, then die without releasing (no destroy) */
		struct tshm_catalog *c;
		_exit(tshm_catalog_open(&c, NULL, TSHM_CATALOG_RDWR) == 0 &&
			      tshm_catalog_reserve(c, "ghost", &gen) == 0
			  ? 0
			  : 1);
	}
	tshm_test_expect_exit(pid, TSHM_TEST_CHILD_TIMEOUT_MS, 0, "reserver");
	for (unsigned i = 0; i < TSHM_CAT_SLOTS - 1; i++) {
		snprintf(bundle, sizeof(bundle), "live%u", i);
		assert_int_equal(tshm_catalog_reserve(cat, bundle, &gen), 0);
	}
	assert_int_equal(tshm_catalog_reserve(cat, "newcomer", &gen), -ENOSPC);
	assert_int_equal(tshm_gc(NULL, TSHM_GC_DRY_RUN, NULL, NULL), 0);
	assert_int_equal(tshm_catalog_reserve(cat, "newcomer", &gen), -ENOSPC);
	assert_int_equal(tshm_gc(NULL, 0, NULL, NULL), 0);
	assert_int_equal(tshm_catalog_reserve(cat, "newcomer", &gen), 0);
	/* Only the dead reserver's slot was freed: live reservations stay. */
	assert_int_equal(tshm_catalog_reserve(cat, "another", &gen), -ENOSPC);
	tshm_catalog_close(cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_hardening_directory_changed_after_attach, teardown),
	    cmocka_unit_test_teardown(test_hardening_day_range_bounds, teardown),
	    cmocka_unit_test_teardown(test_hardening_gc_refuses_unreadable_catalog, teardown),
	    cmocka_unit_test_teardown(test_hardening_catalog_creator_died, teardown),
	    cmocka_unit_test_teardown(test_hardening_aborted_loads_free_slots, teardown),
	    cmocka_unit_test_teardown(test_hardening_generations_survive_remove, teardown),
	    cmocka_unit_test_teardown(test_hardening_fork_child_publishes, teardown),
	    cmocka_unit_test_teardown(test_hardening_gc_frees_killed_first_load_slots, teardown),
	};

	tshm_test_ns_init("hardening");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
