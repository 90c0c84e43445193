/* tshm-test-labels: unit;tsan */
/* SPDX-License-Identifier: MIT */
/* The catalog: open, reserve, publish, lookup, list, serial, remove, limits. */
#include "tshm_proc.h"
#include "tshm_test.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct tshm_catalog *cat_rw(void)
{
	struct tshm_catalog *cat = NULL;

	assert_int_equal(tshm_catalog_open(&cat, NULL, TSHM_CATALOG_CREATE), 0);
	assert_non_null(cat);
	return cat;
}

/* Field-wise: padding and bytes after the strings' NULs do not count. */
static int desc_eq(const struct tshm_descriptor *a, const struct tshm_descriptor *b)
{
	return strcmp(a->bundle, b->bundle) == 0 && strcmp(a->segment, b->segment) == 0 &&
	       a->generation == b->generation && a->serial == b->serial && a->size == b->size &&
	       a->hash_lo == b->hash_lo && a->hash_hi == b->hash_hi &&
	       a->schema_version == b->schema_version && a->nassets == b->nassets &&
	       a->min_ts == b->min_ts && a->max_ts == b->max_ts && a->publish_ns == b->publish_ns &&
	       a->publisher_pid == b->publisher_pid;
}

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void test_catalog_open_missing(void **state)
{
	struct tshm_catalog *cat = NULL;

	(void)state;
	assert_int_equal(tshm_catalog_open(&cat, NULL, 0), -ENOENT);
	assert_int_equal(tshm_catalog_open(&cat, NULL, TSHM_CATALOG_RDWR), -ENOENT);
	assert_int_equal(tshm_catalog_open(&cat, tshm_test_ns(), 0), -ENOENT);
	assert_int_equal(tshm_test_ns_count(), 0);
}

static void test_catalog_open_create(void **state)
{
	struct tshm_catalog *cat = NULL, *ro = NULL, *again = NULL;
	char name[TSHM_SEGNAME_MAX];

	(void)state;
	assert_int_equal(tshm_catalog_open(&cat, NULL, TSHM_CATALOG_CREATE), 0);
	assert_string_equal(tshm_catalog_namespace(cat), tshm_test_ns());
	assert_int_equal(tshm_name_catalog(name, sizeof(name), tshm_test_ns()), 0);
	assert_true(tshm_test_shm_exists(name));
	assert_int_equal(tshm_catalog_open(&ro, tshm_test_ns(), 0), 0);
	assert_string_equal(tshm_catalog_namespace(ro), tshm_test_ns());
	/* CREATE of an existing catalog opens it. */
	assert_int_equal(tshm_catalog_open(&again, NULL, TSHM_CATALOG_CREATE | TSHM_CATALOG_RDWR),
			 0);
	tshm_catalog_close(again);
	tshm_catalog_close(ro);
	tshm_catalog_close(cat);
	tshm_catalog_close(NULL);
	assert_int_equal(tshm_test_ns_count(), 1);
}

static void test_catalog_open_errors(void **state)
{
	static const unsigned flags[] = {4u, 8u, 0x100u, 0x80000000u, TSHM_CATALOG_CREATE | 16u};
	struct tshm_catalog *cat = NULL;
	char big[64];

	(void)state;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		assert_int_equal(tshm_catalog_open(&cat, NULL, flags[i]), -EINVAL);
	assert_int_equal(tshm_catalog_open(&cat, "bad/ns", TSHM_CATALOG_CREATE), -TSHM_ENAME);
	assert_int_equal(tshm_catalog_open(&cat, "..", 0), -TSHM_ENAME);
	memset(big, 'n', TSHM_NAMESPACE_MAX);
	big[TSHM_NAMESPACE_MAX] = '\0';
	assert_int_equal(tshm_catalog_open(&cat, big, TSHM_CATALOG_CREATE), -TSHM_ENAME);
	setenv("TICKSHM_NAMESPACE", "in.valid", 1);
	assert_int_equal(tshm_catalog_open(&cat, NULL, TSHM_CATALOG_CREATE), -TSHM_ENAME);
	setenv("TICKSHM_NAMESPACE", tshm_test_ns(), 1);
	assert_int_equal(tshm_test_ns_count(), 0);
}

static void test_catalog_lookup_unpublished(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_descriptor d;
	uint64_t gen;

	(void)state;
	assert_int_equal(tshm_catalog_lookup(cat, "nothing", &d), -ENOENT);
	/* Reserved but not published is still not found. */
	assert_int_equal(tshm_catalog_reserve(cat, "nothing", &gen), 0);
	assert_int_equal(tshm_catalog_lookup(cat, "nothing", &d), -ENOENT);
	assert_int_equal(tshm_catalog_lookup(cat, "bad.name", &d), -TSHM_ENAME);
	assert_int_equal(tshm_catalog_lookup(cat, "", &d), -TSHM_ENAME);
	assert_int_equal(tshm_catalog_list(cat, &d, 1), 0);
	tshm_catalog_close(cat);
}

static void test_catalog_reserve_sequence(void **state)
{
	struct tshm_catalog *cat = cat_rw(), *cat2;
	uint64_t gen = 0;

	(void)state;
	for (uint64_t want = 1; want <= 5; want++) {
		assert_int_equal(tshm_catalog_reserve(cat, "seq", &gen), 0);
		assert_true(gen == want);
	}
	assert_int_equal(tshm_catalog_reserve(cat, "other", &gen), 0);
	assert_true(gen == 1);
	/* Another handle continues where this one stopped. */
	assert_int_equal(tshm_catalog_open(&cat2, NULL, TSHM_CATALOG_RDWR), 0);
	assert_int_equal(tshm_catalog_reserve(cat2, "seq", &gen), 0);
	assert_true(gen == 6);
	tshm_catalog_close(cat2);
	/* Publishing reserves too: the published generation follows. */
	assert_int_equal(tshm_test_publish(cat, "seq", &tshm_test_small), 7);
	assert_int_equal(tshm_catalog_reserve(cat, "seq", &gen), 0);
	assert_true(gen == 8);
	assert_int_equal(tshm_catalog_reserve(cat, "bad/name", &gen), -TSHM_ENAME);
	tshm_catalog_close(cat);
}

static void test_catalog_readonly_ebadf(void **state)
{
	struct tshm_catalog *cat = cat_rw(), *ro;
	uint64_t gen = 0;

	(void)state;
	assert_true(tshm_test_publish(cat, "pub", &tshm_test_small) > 0);
	assert_int_equal(tshm_catalog_open(&ro, NULL, 0), 0);
	assert_int_equal(tshm_catalog_reserve(ro, "pub", &gen), -EBADF);
	assert_int_equal(tshm_catalog_reserve(ro, "fresh", &gen), -EBADF);
	assert_int_equal(tshm_catalog_remove(ro, "pub"), -EBADF);
	assert_int_equal(tshm_test_publish(ro, "fresh", &tshm_test_small), -EBADF);
	tshm_catalog_close(ro);
	/* Nothing changed. */
	assert_int_equal(tshm_catalog_reserve(cat, "pub", &gen), 0);
	assert_true(gen == 2);
	tshm_catalog_close(cat);
}

static void check_desc_fields(const struct tshm_descriptor *d, const char *bundle, uint64_t gen)
{
	char seg[TSHM_SEGNAME_MAX], path[300];
	struct stat st;

	assert_string_equal(d->bundle, bundle);
	assert_true(d->generation == gen);
	assert_int_equal(tshm_name_segment(seg, sizeof(seg), tshm_test_ns(), bundle, gen), 0);
	assert_string_equal(d->segment, seg);
	snprintf(path, sizeof(path), "/dev/shm%s", seg);
	assert_int_equal(stat(path, &st), 0);
	assert_true(d->size == (uint64_t)st.st_size);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_true(d->serial > 0);
	assert_int_equal(d->schema_version, TSHM_SCHEMA_VERSION);
	assert_int_equal(d->publisher_pid, (uint32_t)getpid());
}

static void test_catalog_publish_lookup(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	const struct tshm_test_bundle *b = &tshm_test_small;
	struct tshm_descriptor d;
	struct tshm_view *v;
	int64_t before = wall_ns(), gen;

	(void)state;
	gen = tshm_test_publish(cat, "look", b);
	assert_true(gen == 1);
	assert_int_equal(tshm_catalog_lookup(cat, "look", &d), 0);
	check_desc_fields(&d, "look", 1);
	assert_int_equal(d.nassets, b->nassets);
	/* Earliest row: the daily bar of day 0; latest: the last trade of the last asset. */
	assert_true(d.min_ts == TSHM_TEST_T0);
	assert_true(d.max_ts ==
		    tshm_test_trade_ts(b, b->nassets - 1, b->ndays - 1, b->trades_per_day - 1));
	assert_true(d.publish_ns >= before && d.publish_ns <= wall_ns());
	/* The descriptor agrees with the segment's header. */
	assert_int_equal(tshm_view_open(&v, cat, "look"), 0);
	assert_true(tshm_view_header(v)->hash_lo == d.hash_lo);
	assert_true(tshm_view_header(v)->hash_hi == d.hash_hi);
	assert_true(tshm_view_header(v)->total_size == d.size);
	assert_true(tshm_view_header(v)->min_ts == d.min_ts);
	assert_true(tshm_view_header(v)->max_ts == d.max_ts);
	assert_true(tshm_view_serial(v) == d.serial);
	tshm_view_unref(v);
	tshm_catalog_close(cat);
}

static void test_catalog_republish(void **state)
{
	struct tshm_catalog *cat = cat_rw(), *ro;
	struct tshm_test_bundle b = tshm_test_small;
	struct tshm_descriptor d1, d2, d3;

	(void)state;
	assert_int_equal(tshm_catalog_open(&ro, NULL, 0), 0);
	assert_int_equal(tshm_test_publish(cat, "rep", &b), 1);
	assert_int_equal(tshm_catalog_lookup(ro, "rep", &d1), 0);
	b.seed = 2;
	b.nassets = 4;
	assert_int_equal(tshm_test_publish(cat, "rep", &b), 2);
	assert_int_equal(tshm_catalog_lookup(ro, "rep", &d2), 0);
	check_desc_fields(&d2, "rep", 2);
	assert_int_equal(d2.nassets, 4);
	assert_true(d2.serial != d1.serial);
	assert_true(d2.hash_lo != d1.hash_lo || d2.hash_hi != d1.hash_hi);
	/* The previous generation's name is gone. */
	assert_false(tshm_test_shm_exists(d1.segment));
	/* Same content again: still a new publish with a new serial. */
	assert_int_equal(tshm_test_publish(cat, "rep", &b), 3);
	assert_int_equal(tshm_catalog_lookup(ro, "rep", &d3), 0);
	assert_true(d3.serial != d2.serial && d3.serial != d1.serial);
	assert_true(d3.hash_lo == d2.hash_lo && d3.hash_hi == d2.hash_hi);
	assert_false(tshm_test_shm_exists(d2.segment));
	assert_int_equal(tshm_test_ns_count(), 2); /* catalog + g3 */
	tshm_catalog_close(ro);
	tshm_catalog_close(cat);
}

static int find_bundle(const struct tshm_descriptor *d, int n, const char *bundle)
{
	for (int i = 0; i < n; i++)
		if (strcmp(d[i].bundle, bundle) == 0)
			return i;
	return -1;
}

static void test_catalog_list(void **state)
{
	static const char *names[] = {"la", "lb", "lc"};
	struct tshm_catalog *cat = cat_rw();
	struct tshm_descriptor d[8], one;
	uint64_t gen;

	(void)state;
	assert_int_equal(tshm_catalog_list(cat, d, 8), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(tshm_test_publish(cat, names[i], &tshm_test_small), 1);
	assert_int_equal(tshm_catalog_reserve(cat, "reserved-only", &gen), 0);
	memset(d, 0x7e, sizeof(d));
	assert_int_equal(tshm_catalog_list(cat, d, 8), 3);
	for (int i = 0; i < 3; i++) {
		int k = find_bundle(d, 3, names[i]);

		assert_true(k >= 0);
		assert_int_equal(tshm_catalog_lookup(cat, names[i], &one), 0);
		assert_true(desc_eq(&d[k], &one));
	}
	/* A short buffer: count of all, only @max copied. */
	memset(d, 0x7e, sizeof(d));
	assert_int_equal(tshm_catalog_list(cat, d, 2), 3);
	assert_true(d[0].generation == 1 && d[1].generation == 1);
	assert_int_not_equal(strcmp(d[0].bundle, d[1].bundle), 0);
	assert_true(d[2].generation == UINT64_C(0x7e7e7e7e7e7e7e7e));
	memset(d, 0x7e, sizeof(d));
	assert_int_equal(tshm_catalog_list(cat, d, 0), 3);
	assert_true(d[0].generation == UINT64_C(0x7e7e7e7e7e7e7e7e));
	tshm_catalog_close(cat);
}

static void test_catalog_serial(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_descriptor da, db;
	uint32_t hint = UINT32_MAX, hint_b = UINT32_MAX, bogus = 9999;
	uint64_t sa;

	(void)state;
	assert_true(tshm_catalog_serial(cat, "sa", &hint) == 0);
	assert_int_equal(tshm_test_publish(cat, "sa", &tshm_test_small), 1);
	assert_int_equal(tshm_test_publish(cat, "sb", &tshm_test_small), 1);
	assert_int_equal(tshm_catalog_lookup(cat, "sa", &da), 0);
	assert_int_equal(tshm_catalog_lookup(cat, "sb", &db), 0);
	hint = UINT32_MAX;
	sa = tshm_catalog_serial(cat, "sa", &hint);
	assert_true(sa == da.serial);
	assert_true(hint < TSHM_CAT_SLOTS);
	assert_true(tshm_catalog_serial(cat, "sa", &hint) == da.serial);
	assert_true(tshm_catalog_serial(cat, "sb", &hint_b) == db.serial);
	assert_true(hint_b != hint);
	/* A hint naming another bundle's slot, or out of range, still answers right. */
	hint_b = hint;
	assert_true(tshm_catalog_serial(cat, "sb", &hint_b) == db.serial);
	assert_true(tshm_catalog_serial(cat, "sa", &bogus) == da.serial);
	assert_true(tshm_catalog_serial(cat, "unknown", &hint) == 0);
	hint = UINT32_MAX;
	(void)tshm_catalog_serial(cat, "sa", &hint);
	/* A new publish changes it, read through the cached hint. */
	assert_int_equal(tshm_test_publish(cat, "sa", &tshm_test_small), 2);
	assert_int_equal(tshm_catalog_lookup(cat, "sa", &da), 0);
	assert_true(tshm_catalog_serial(cat, "sa", &hint) == da.serial);
	assert_true(da.serial != sa);
	assert_int_equal(tshm_catalog_remove(cat, "sa"), 0);
	assert_true(tshm_catalog_serial(cat, "sa", &hint) == 0);
	tshm_catalog_close(cat);
}

static void test_catalog_remove(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_descriptor d;
	const struct tshm_seg_header *h;
	struct tshm_view *v;

	(void)state;
	assert_int_equal(tshm_test_publish(cat, "rm", &tshm_test_small), 1);
	assert_int_equal(tshm_test_publish(cat, "keep", &tshm_test_small), 1);
	assert_int_equal(tshm_catalog_lookup(cat, "rm", &d), 0);
	assert_int_equal(tshm_view_open(&v, cat, "rm"), 0);
	assert_int_equal(tshm_catalog_remove(cat, "rm"), 0);
	assert_int_equal(tshm_catalog_lookup(cat, "rm", &d), -ENOENT);
	assert_false(tshm_test_shm_exists(d.segment));
	/* A reader that maps it keeps a valid mapping. */
	h = tshm_view_header(v);
	assert_true(h->magic == TSHM_SEG_MAGIC);
	assert_int_equal(tshm_view_verify(v), 0);
	tshm_view_unref(v);
	assert_int_equal(tshm_catalog_remove(cat, "rm"), -ENOENT);
	assert_int_equal(tshm_catalog_remove(cat, "never"), -ENOENT);
	assert_int_equal(tshm_catalog_remove(cat, "bad/name"), -TSHM_ENAME);
	assert_int_equal(tshm_catalog_list(cat, &d, 1), 1);
	assert_string_equal(d.bundle, "keep");
	assert_int_equal(tshm_view_open(&v, cat, "rm"), -ENOENT);
	tshm_catalog_close(cat);
}

static void test_catalog_full(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	char name[32];
	uint64_t gen;

	(void)state;
	assert_int_equal(tshm_test_publish(cat, "pub", &tshm_test_small), 1);
	for (unsigned i = 1; i < TSHM_CAT_SLOTS; i++) {
		snprintf(name, sizeof(name), "r%u", i);
		assert_int_equal(tshm_catalog_reserve(cat, name, &gen), 0);
		assert_true(gen == 1);
	}
	assert_int_equal(tshm_catalog_reserve(cat, "one-too-many", &gen), -ENOSPC);
	assert_int_equal(tshm_test_publish(cat, "one-too-many", &tshm_test_small), -ENOSPC);
	/* Bundles that have a slot keep working. */
	assert_int_equal(tshm_catalog_reserve(cat, "r7", &gen), 0);
	assert_true(gen == 2);
	assert_int_equal(tshm_test_publish(cat, "pub", &tshm_test_small), 2);
	/* Removing a bundle frees its slot. */
	assert_int_equal(tshm_catalog_remove(cat, "pub"), 0);
	assert_int_equal(tshm_catalog_reserve(cat, "one-too-many", &gen), 0);
	assert_int_equal(tshm_catalog_reserve(cat, "and-another", &gen), -ENOSPC);
	tshm_catalog_close(cat);
}

/* ---- concurrent lookups against a publishing writer ------------------ */

#define TORN_GENS 50
#define TORN_MAXGEN (TORN_GENS + 2)

struct torn_ctx {
	struct tshm_catalog *cat;
	atomic_int stop;
	atomic_int done; /* reader finished (stopped or failed) */
	int errors;
	char why[256];
	atomic_ulong reads;
	int seen[TORN_MAXGEN];
	struct tshm_descriptor first[TORN_MAXGEN]; /* first descriptor seen per generation */
};

static uint32_t torn_nassets(uint64_t gen)
{
	return 1 + (uint32_t)(gen % 4);
}

static int torn_check(struct torn_ctx *c, const struct tshm_descriptor *d, uint64_t *last)
{
	char suffix[32];
	size_t ls, n = strlen(d->segment);

	if (strcmp(d->bundle, "torn") != 0)
		return snprintf(c->why, sizeof(c->why), "bundle '%s'", d->bundle);
	if (d->generation < *last || d->generation >= TORN_MAXGEN)
		return snprintf(c->why, sizeof(c->why), "generation %llu after %llu",
				(unsigned long long)d->generation, (unsigned long long)*last);
	snprintf(suffix, sizeof(suffix), ".g%llu", (unsigned long long)d->generation);
	ls = strlen(suffix);
	if (n < ls || strcmp(d->segment + n - ls, suffix) != 0)
		return snprintf(c->why, sizeof(c->why), "segment %s for gen %llu", d->segment,
				(unsigned long long)d->generation);
	if (d->nassets != torn_nassets(d->generation))
		return snprintf(c->why, sizeof(c->why), "nassets %u for gen %llu", d->nassets,
				(unsigned long long)d->generation);
	if (!c->seen[d->generation]) {
		c->seen[d->generation] = 1;
		c->first[d->generation] = *d;
	} else if (!desc_eq(&c->first[d->generation], d)) {
		return snprintf(c->why, sizeof(c->why), "descriptor of gen %llu changed",
				(unsigned long long)d->generation);
	}
	*last = d->generation;
	return 0;
}

static void *torn_reader(void *arg)
{
	struct torn_ctx *c = arg;
	uint64_t last = 0;
	uint32_t hint = UINT32_MAX;

	while (!atomic_load(&c->stop) && !c->errors) {
		struct tshm_descriptor d;
		int rc;

		memset(&d, 0, sizeof(d));
		rc = tshm_catalog_lookup(c->cat, "torn", &d);
		if (rc != 0) {
			snprintf(c->why, sizeof(c->why), "lookup: %s", tshm_strerror(rc));
			c->errors++;
		} else if (torn_check(c, &d, &last)) {
			c->errors++;
		} else if (tshm_catalog_serial(c->cat, "torn", &hint) == 0) {
			snprintf(c->why, sizeof(c->why), "serial 0 while published");
			c->errors++;
		}
		atomic_fetch_add(&c->reads, 1);
	}
	atomic_store(&c->done, 1);
	return NULL;
}

static void torn_publish(struct tshm_catalog *cat, uint64_t gen)
{
	struct tshm_test_bundle b = {.nassets = torn_nassets(gen),
				     .ndays = 1,
				     .trades_per_day = 5,
				     .quotes_per_day = 2,
				     .seed = gen};

	assert_int_equal(tshm_test_publish(cat, "torn", &b), (int64_t)gen);
}

/* Let the reader get some lookups in before the next publish (bounded wait). */
static void wait_reads(struct torn_ctx *c, unsigned long n)
{
	struct timespec pause = {0, 100000};
	unsigned long target = atomic_load(&c->reads) + n;

	for (int i = 0; i < 20000 && !atomic_load(&c->done); i++) {
		if (atomic_load(&c->reads) >= target)
			return;
		nanosleep(&pause, NULL);
	}
}

static void test_catalog_no_torn_reads(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_descriptor final[TORN_MAXGEN];
	struct torn_ctx *c = calloc(1, sizeof(*c));
	pthread_t th;
	int seen = 0;

	(void)state;
	assert_non_null(c);
	assert_int_equal(tshm_catalog_open(&c->cat, NULL, 0), 0);
	torn_publish(cat, 1);
	assert_int_equal(tshm_catalog_lookup(cat, "torn", &final[1]), 0);
	assert_int_equal(pthread_create(&th, NULL, torn_reader, c), 0);
	for (uint64_t g = 2; g <= TORN_GENS + 1; g++) {
		wait_reads(c, 20);
		torn_publish(cat, g);
		assert_int_equal(tshm_catalog_lookup(cat, "torn", &final[g]), 0);
	}
	atomic_store(&c->stop, 1);
	pthread_join(th, NULL);
	if (c->errors)
		fail_msg("reader saw a bad descriptor after %llu reads: %s",
			 (unsigned long long)atomic_load(&c->reads), c->why);
	for (int g = 0; g < TORN_MAXGEN; g++)
		seen += c->seen[g];
	if (getenv("TSHM_TEST_VERBOSE"))
		print_message("reader: %llu reads, %d generations seen\n",
			      (unsigned long long)atomic_load(&c->reads), seen);
	/* The reader really ran alongside the publishes. */
	assert_true(seen >= TORN_GENS / 2);
	/* Every descriptor the reader saw is exactly what was published. */
	for (uint64_t g = 1; g <= TORN_GENS + 1; g++)
		if (c->seen[g])
			assert_true(desc_eq(&c->first[g], &final[g]));
	tshm_catalog_close(c->cat);
	free(c);
	tshm_catalog_close(cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_catalog_open_missing, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_catalog_open_create, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_catalog_open_errors, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_catalog_lookup_unpublished, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_catalog_reserve_sequence, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_catalog_readonly_ebadf, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_catalog_publish_lookup, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_catalog_republish, tshm_test_clean,
					    tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_catalog_list, tshm_test_clean, tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_catalog_serial, tshm_test_clean, tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_catalog_remove, tshm_test_clean, tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_catalog_full, tshm_test_clean, tshm_test_clean),
	    cmocka_unit_test_setup_teardown(test_catalog_no_torn_reads, tshm_test_clean,
					    tshm_test_clean),
	};

	tshm_test_ns_init("catalog");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
