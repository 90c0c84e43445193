/* tshm-test-labels: unit;tsan */
/* SPDX-License-Identifier: MIT */
/* The bundle pool: caching, reloads, LRU eviction, invalidation, config, threads. */
#include "tshm_proc.h"
#include "tshm_test.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const struct tshm_test_bundle pb = {
    .nassets = 2, .ndays = 1, .trades_per_day = 20, .quotes_per_day = 5, .seed = 1};

static struct tshm_catalog *cat_rw(void)
{
	struct tshm_catalog *cat = NULL;

	assert_int_equal(tshm_catalog_open(&cat, NULL, TSHM_CATALOG_CREATE), 0);
	return cat;
}

static struct tshm_pool *pool_new(uint32_t max_bundles, uint64_t max_bytes, uint32_t disabled)
{
	struct tshm_pool_config cfg = {
	    .ns = NULL, .max_bundles = max_bundles, .disabled = disabled, .max_bytes = max_bytes};
	struct tshm_pool *pool = NULL;

	assert_int_equal(tshm_pool_create(&pool, &cfg), 0);
	assert_non_null(pool);
	return pool;
}

static struct tshm_pool_stats stats_of(struct tshm_pool *pool)
{
	struct tshm_pool_stats st;

	memset(&st, 0x55, sizeof(st));
	tshm_pool_stats(pool, &st);
	return st;
}

static struct tshm_view *get(struct tshm_pool *pool, const char *bundle)
{
	struct tshm_view *v = NULL;
	int rc = tshm_pool_get(pool, bundle, &v);

	if (rc != 0)
		fail_msg("tshm_pool_get(%s) = %d (%s)", bundle, rc, tshm_strerror(rc));
	assert_non_null(v);
	assert_string_equal(tshm_view_header(v)->bundle, bundle);
	return v;
}

static void get_put(struct tshm_pool *pool, const char *bundle)
{
	tshm_pool_put(pool, get(pool, bundle));
}

static uint64_t size_of(struct tshm_catalog *cat, const char *bundle)
{
	struct tshm_descriptor d;

	assert_int_equal(tshm_catalog_lookup(cat, bundle, &d), 0);
	return d.size;
}

static void check_counts(struct tshm_pool *pool, uint64_t hits, uint64_t misses, uint64_t reloads,
			 uint64_t evictions, uint64_t bundles)
{
	struct tshm_pool_stats st = stats_of(pool);

	if (st.hits != hits || st.misses != misses || st.reloads != reloads ||
	    st.evictions != evictions || st.bundles != bundles)
		fail_msg("stats hits %llu misses %llu reloads %llu evictions %llu bundles %llu, "
			 "want %llu %llu %llu %llu %llu",
			 (unsigned long long)st.hits, (unsigned long long)st.misses,
			 (unsigned long long)st.reloads, (unsigned long long)st.evictions,
			 (unsigned long long)st.bundles, (unsigned long long)hits,
			 (unsigned long long)misses, (unsigned long long)reloads,
			 (unsigned long long)evictions, (unsigned long long)bundles);
}

static void test_pool_get_missing(void **state)
{
	struct tshm_pool *pool = pool_new(0, 0, 0);
	struct tshm_catalog *cat;
	struct tshm_view *v = NULL;

	(void)state;
	/* No catalog at all yet. */
	assert_int_equal(tshm_pool_get(pool, "nope", &v), -ENOENT);
	cat = cat_rw();
	assert_int_equal(tshm_pool_get(pool, "nope", &v), -ENOENT);
	assert_int_equal(tshm_pool_get(pool, "no/pe", &v), -TSHM_ENAME);
	/* Once published it is found. */
	assert_int_equal(tshm_test_publish(cat, "nope", &pb), 1);
	get_put(pool, "nope");
	tshm_pool_destroy(pool);
	tshm_pool_destroy(NULL);
	tshm_catalog_close(cat);
}

static void test_pool_hit_miss(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_pool *pool = pool_new(0, 0, 0);
	struct tshm_view *v1, *v2;
	struct tshm_descriptor d;

	(void)state;
	assert_int_equal(tshm_test_publish(cat, "a", &pb), 1);
	assert_int_equal(tshm_catalog_lookup(cat, "a", &d), 0);
	v1 = get(pool, "a");
	check_counts(pool, 0, 1, 0, 0, 1);
	v2 = get(pool, "a");
	assert_ptr_equal(v1, v2);
	check_counts(pool, 1, 1, 0, 0, 1);
	assert_true(stats_of(pool).bytes_mapped == d.size);
	assert_true(tshm_view_serial(v1) == d.serial);
	assert_int_equal(tshm_view_verify(v1), 0);
	tshm_pool_put(pool, v1);
	tshm_pool_put(pool, v2);
	/* Cached: still mapped with no caller reference. */
	assert_int_equal(tshm_test_self_mappings(d.segment), 1);
	v1 = get(pool, "a");
	assert_ptr_equal(v1, v2);
	check_counts(pool, 2, 1, 0, 0, 1);
	tshm_view_unref(v1); /* tshm_view_unref is an alternative to put */
	tshm_pool_destroy(pool);
	assert_int_equal(tshm_test_self_mappings(d.segment), 0);
	tshm_catalog_close(cat);
}

static void test_pool_reload_keeps_old_view(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_pool *pool = pool_new(0, 0, 0);
	struct tshm_test_bundle b2 = pb;
	struct tshm_column_info ci;
	struct tshm_descriptor d1, d2;
	struct tshm_view *v1, *v2;
	int64_t before[40];

	(void)state;
	assert_int_equal(tshm_test_publish(cat, "r", &pb), 1);
	assert_int_equal(tshm_catalog_lookup(cat, "r", &d1), 0);
	v1 = get(pool, "r");
	assert_int_equal(tshm_view_column(v1, TSHM_TABLE_TRADES, TSHM_TRADES_PRICE, &ci), 0);
	memcpy(before, ci.data, sizeof(before));
	b2.seed = 99;
	assert_int_equal(tshm_test_publish(cat, "r", &b2), 2);
	assert_int_equal(tshm_catalog_lookup(cat, "r", &d2), 0);
	v2 = get(pool, "r");
	assert_ptr_not_equal(v1, v2);
	assert_true(tshm_view_header(v2)->generation == 2);
	assert_true(tshm_view_serial(v2) == d2.serial);
	check_counts(pool, 0, 1, 1, 0, 1);
	assert_true(stats_of(pool).bytes_mapped == d2.size);
	/* The old generation, unlinked, is still intact for its holder. */
	assert_true(tshm_view_header(v1)->generation == 1);
	assert_memory_equal(ci.data, before, sizeof(before));
	assert_int_equal(tshm_view_verify(v1), 0);
	assert_int_equal(tshm_test_self_mappings(d1.segment), 1);
	tshm_pool_put(pool, v1);
	assert_int_equal(tshm_test_self_mappings(d1.segment), 0);
	assert_int_equal(tshm_view_verify(v2), 0);
	tshm_pool_put(pool, v2);
	get_put(pool, "r");
	check_counts(pool, 1, 1, 1, 0, 1);
	tshm_pool_destroy(pool);
	tshm_catalog_close(cat);
}

static void publish_abc(struct tshm_catalog *cat)
{
	assert_int_equal(tshm_test_publish(cat, "a", &pb), 1);
	assert_int_equal(tshm_test_publish(cat, "b", &pb), 1);
	assert_int_equal(tshm_test_publish(cat, "c", &pb), 1);
}

static void test_pool_lru_by_count(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_pool *pool = pool_new(2, 0, 0);

	(void)state;
	publish_abc(cat);
	get_put(pool, "a");
	get_put(pool, "b");
	get_put(pool, "c"); /* evicts a */
	check_counts(pool, 0, 3, 0, 1, 2);
	get_put(pool, "b"); /* hit; c is now least recently used */
	check_counts(pool, 1, 3, 0, 1, 2);
	get_put(pool, "a"); /* miss, evicts c */
	check_counts(pool, 1, 4, 0, 2, 2);
	get_put(pool, "b"); /* still cached */
	check_counts(pool, 2, 4, 0, 2, 2);
	get_put(pool, "c"); /* miss, evicts a */
	check_counts(pool, 2, 5, 0, 3, 2);
	assert_true(stats_of(pool).bytes_mapped == size_of(cat, "b") + size_of(cat, "c"));
	tshm_pool_destroy(pool);
	tshm_catalog_close(cat);
}

static void test_pool_lru_by_bytes(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_pool *pool;
	uint64_t size;

	(void)state;
	publish_abc(cat);
	size = size_of(cat, "a");
	pool = pool_new(0, size + size / 2, 0);
	get_put(pool, "a");
	check_counts(pool, 0, 1, 0, 0, 1);
	get_put(pool, "b"); /* a + b would exceed max_bytes: a goes */
	check_counts(pool, 0, 2, 0, 1, 1);
	assert_true(stats_of(pool).bytes_mapped == size);
	get_put(pool, "b");
	check_counts(pool, 1, 2, 0, 1, 1);
	get_put(pool, "a");
	check_counts(pool, 1, 3, 0, 2, 1);
	tshm_pool_destroy(pool);
	tshm_catalog_close(cat);
}

static void test_pool_evicted_view_stays_valid(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_pool *pool = pool_new(1, 0, 0);
	struct tshm_descriptor d;
	struct tshm_view *va;

	(void)state;
	publish_abc(cat);
	assert_int_equal(tshm_catalog_lookup(cat, "a", &d), 0);
	va = get(pool, "a");
	get_put(pool, "b"); /* evicts a from the cache, not from its holder */
	check_counts(pool, 0, 2, 0, 1, 1);
	assert_int_equal(tshm_test_self_mappings(d.segment), 1);
	assert_int_equal(tshm_view_verify(va), 0);
	tshm_pool_put(pool, va);
	assert_int_equal(tshm_test_self_mappings(d.segment), 0);
	tshm_pool_destroy(pool);
	tshm_catalog_close(cat);
}

static void test_pool_invalidate(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_pool *pool = pool_new(0, 0, 0);
	struct tshm_descriptor d;

	(void)state;
	publish_abc(cat);
	assert_int_equal(tshm_catalog_lookup(cat, "a", &d), 0);
	get_put(pool, "a");
	get_put(pool, "b");
	assert_int_equal(tshm_pool_invalidate(pool, "a"), 1);
	assert_int_equal(tshm_test_self_mappings(d.segment), 0);
	assert_int_equal(tshm_pool_invalidate(pool, "a"), 0);
	assert_int_equal(tshm_pool_invalidate(pool, "zzz"), 0);
	assert_int_equal(tshm_pool_invalidate(pool, "bad/name"), -TSHM_ENAME);
	assert_true(stats_of(pool).bundles == 1);
	get_put(pool, "c");
	assert_int_equal(tshm_pool_invalidate(pool, NULL), 2);
	assert_int_equal(tshm_pool_invalidate(pool, NULL), 0);
	assert_true(stats_of(pool).invalidations == 3);
	assert_true(stats_of(pool).bytes_mapped == 0);
	check_counts(pool, 0, 3, 0, 0, 0);
	get_put(pool, "a"); /* attaches afresh */
	check_counts(pool, 0, 4, 0, 0, 1);
	tshm_pool_destroy(pool);
	tshm_catalog_close(cat);
}

static void test_pool_disabled(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_pool *pool = pool_new(0, 0, 1);
	struct tshm_descriptor d;
	struct tshm_view *v;

	(void)state;
	assert_int_equal(tshm_test_publish(cat, "a", &pb), 1);
	assert_int_equal(tshm_catalog_lookup(cat, "a", &d), 0);
	for (int i = 0; i < 3; i++) {
		v = get(pool, "a");
		assert_int_equal(tshm_view_verify(v), 0);
		tshm_pool_put(pool, v);
		assert_int_equal(tshm_test_self_mappings(d.segment), 0);
	}
	check_counts(pool, 0, 3, 0, 0, 0);
	assert_true(stats_of(pool).bytes_mapped == 0);
	tshm_pool_destroy(pool);
	tshm_catalog_close(cat);
}

static void test_pool_destroy_with_held_views(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_pool *pool = pool_new(0, 0, 0);
	struct tshm_descriptor d;
	struct tshm_view *v;

	(void)state;
	assert_int_equal(tshm_test_publish(cat, "held", &pb), 1);
	assert_int_equal(tshm_catalog_lookup(cat, "held", &d), 0);
	v = get(pool, "held");
	tshm_pool_destroy(pool);
	assert_int_equal(tshm_test_self_mappings(d.segment), 1);
	assert_int_equal(tshm_view_verify(v), 0);
	tshm_view_unref(v);
	assert_int_equal(tshm_test_self_mappings(d.segment), 0);
	tshm_catalog_close(cat);
}

static void test_pool_create_ns(void **state)
{
	struct tshm_pool_config cfg = {.ns = "bad/ns"};
	struct tshm_catalog *cat = cat_rw();
	struct tshm_pool *pool = NULL;

	(void)state;
	assert_int_equal(tshm_pool_create(&pool, &cfg), -TSHM_ENAME);
	cfg.ns = tshm_test_ns();
	assert_int_equal(tshm_test_publish(cat, "a", &pb), 1);
	assert_int_equal(tshm_pool_create(&pool, &cfg), 0);
	get_put(pool, "a");
	tshm_pool_destroy(pool);
	/* An explicit other namespace does not see this one's bundles. */
	cfg.ns = "tshm-unused-ns";
	assert_int_equal(tshm_pool_create(&pool, &cfg), 0);
	{
		struct tshm_view *v = NULL;

		assert_int_equal(tshm_pool_get(pool, "a", &v), -ENOENT);
	}
	tshm_pool_destroy(pool);
	tshm_catalog_close(cat);
}

/* ---- configuration from the environment -------------------------------- */

/* tshm_test_clean, and no pool variable left over from a failed test. */
static int pool_clean(void **state)
{
	unsetenv("TICKSHM_POOL_MAX");
	unsetenv("TICKSHM_POOL_MAX_BYTES");
	unsetenv("TICKSHM_POOL_DISABLE");
	return tshm_test_clean(state);
}

static struct tshm_pool_config env_defaults(void)
{
	struct tshm_pool_config cfg;

	unsetenv("TICKSHM_POOL_MAX");
	unsetenv("TICKSHM_POOL_MAX_BYTES");
	unsetenv("TICKSHM_POOL_DISABLE");
	memset(&cfg, 0x55, sizeof(cfg));
	assert_int_equal(tshm_pool_config_env(&cfg), 0);
	return cfg;
}

static int env_cfg(const char *var, const char *val, struct tshm_pool_config *cfg)
{
	setenv(var, val, 1);
	memset(cfg, 0x55, sizeof(*cfg));
	int rc = tshm_pool_config_env(cfg);
	unsetenv(var);
	return rc;
}

static void test_pool_config_env_valid(void **state)
{
	struct tshm_pool_config d = env_defaults(), cfg;

	(void)state;
	assert_int_equal(d.disabled, 0);
	assert_int_equal(env_cfg("TICKSHM_POOL_MAX", "5", &cfg), 0);
	assert_int_equal(cfg.max_bundles, 5);
	assert_true(cfg.max_bytes == d.max_bytes && cfg.disabled == 0);
	assert_int_equal(env_cfg("TICKSHM_POOL_MAX_BYTES", "1234", &cfg), 0);
	assert_true(cfg.max_bytes == 1234);
	assert_int_equal(cfg.max_bundles, d.max_bundles);
	assert_int_equal(env_cfg("TICKSHM_POOL_MAX_BYTES", "10K", &cfg), 0);
	assert_true(cfg.max_bytes == 10240);
	assert_int_equal(env_cfg("TICKSHM_POOL_MAX_BYTES", "3M", &cfg), 0);
	assert_true(cfg.max_bytes == UINT64_C(3) << 20);
	assert_int_equal(env_cfg("TICKSHM_POOL_MAX_BYTES", "2G", &cfg), 0);
	assert_true(cfg.max_bytes == UINT64_C(2) << 30);
	assert_int_equal(env_cfg("TICKSHM_POOL_MAX_BYTES", "100G", &cfg), 0);
	assert_true(cfg.max_bytes == UINT64_C(100) << 30);
	assert_int_equal(env_cfg("TICKSHM_POOL_DISABLE", "1", &cfg), 0);
	assert_int_equal(cfg.disabled, 1);
	assert_int_equal(env_cfg("TICKSHM_POOL_DISABLE", "true", &cfg), 0);
	assert_int_equal(cfg.disabled, 1);
	assert_int_equal(env_cfg("TICKSHM_POOL_DISABLE", "yes", &cfg), 0);
	assert_int_equal(cfg.disabled, 1);
	assert_int_equal(env_cfg("TICKSHM_POOL_DISABLE", "0", &cfg), 0);
	assert_int_equal(cfg.disabled, 0);
}

static void check_env_garbage(const char *var, const char *val, const struct tshm_pool_config *d)
{
	struct tshm_pool_config cfg;
	int rc = env_cfg(var, val, &cfg);

	if (rc != -EINVAL)
		fail_msg("%s=\"%s\": rc %d, want -EINVAL", var, val, rc);
	assert_int_equal(cfg.max_bundles, d->max_bundles);
	assert_true(cfg.max_bytes == d->max_bytes);
	assert_int_equal(cfg.disabled, d->disabled);
}

static void test_pool_config_env_garbage(void **state)
{
	static const char *bad_max[] = {"abc", "5x", "-5", "1.5", "5000000000", " "};
	static const char *bad_bytes[] = {
	    "12Q", "K", "1.5G", "-1", "99999999999999999999", "99999999999G", "10KB", "x10"};
	static const char *bad_disable[] = {"maybe", "yess", "on1"};
	struct tshm_pool_config d = env_defaults(), cfg;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_max) / sizeof(bad_max[0]); i++)
		check_env_garbage("TICKSHM_POOL_MAX", bad_max[i], &d);
	for (size_t i = 0; i < sizeof(bad_bytes) / sizeof(bad_bytes[0]); i++)
		check_env_garbage("TICKSHM_POOL_MAX_BYTES", bad_bytes[i], &d);
	for (size_t i = 0; i < sizeof(bad_disable) / sizeof(bad_disable[0]); i++)
		check_env_garbage("TICKSHM_POOL_DISABLE", bad_disable[i], &d);
	/* One bad variable does not discard the good ones. */
	setenv("TICKSHM_POOL_MAX", "7", 1);
	assert_int_equal(env_cfg("TICKSHM_POOL_MAX_BYTES", "junk", &cfg), -EINVAL);
	assert_int_equal(cfg.max_bundles, 7);
	assert_true(cfg.max_bytes == d.max_bytes);
	unsetenv("TICKSHM_POOL_MAX");
}

static void test_pool_create_from_env(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct tshm_pool *pool = NULL;

	(void)state;
	publish_abc(cat);
	setenv("TICKSHM_POOL_DISABLE", "1", 1);
	assert_int_equal(tshm_pool_create(&pool, NULL), 0);
	get_put(pool, "a");
	get_put(pool, "a");
	check_counts(pool, 0, 2, 0, 0, 0);
	tshm_pool_destroy(pool);
	unsetenv("TICKSHM_POOL_DISABLE");
	setenv("TICKSHM_POOL_MAX", "1", 1);
	assert_int_equal(tshm_pool_create(&pool, NULL), 0);
	get_put(pool, "a");
	get_put(pool, "b");
	check_counts(pool, 0, 2, 0, 1, 1);
	tshm_pool_destroy(pool);
	unsetenv("TICKSHM_POOL_MAX");
	tshm_catalog_close(cat);
}

/* ---- many threads against a republishing writer ------------------------- */

#define CONC_THREADS 8
#define CONC_MIN_ITERS 400
#define CONC_REPUBLISH 20

static const char *const conc_names[3] = {"c0", "c1", "c2"};

struct conc_ctx {
	struct tshm_pool *pool;
	atomic_int stop;
	atomic_ulong gets;
	atomic_int errors;
};

struct conc_thread {
	struct conc_ctx *ctx;
	unsigned id;
	char why[200];
};

static int conc_check(struct conc_thread *t, struct tshm_view *v, unsigned k, uint64_t *last)
{
	const struct tshm_seg_header *h = tshm_view_header(v);
	struct tshm_column_info ci;

	if (h->magic != TSHM_SEG_MAGIC || !(h->flags & TSHM_SEG_F_COMPLETE))
		return snprintf(t->why, sizeof(t->why), "bad header");
	if (strcmp(h->bundle, conc_names[k]) != 0)
		return snprintf(t->why, sizeof(t->why), "got %s for %s", h->bundle, conc_names[k]);
	if (h->generation < last[k])
		return snprintf(t->why, sizeof(t->why), "%s: generation %llu after %llu",
				conc_names[k], (unsigned long long)h->generation,
				(unsigned long long)last[k]);
	last[k] = h->generation;
	if (tshm_view_column(v, TSHM_TABLE_TRADES, TSHM_TRADES_TS, &ci) != 0 ||
	    ((const int64_t *)ci.data)[0] != tshm_test_trade_ts(&pb, 0, 0, 0))
		return snprintf(t->why, sizeof(t->why), "bad trade data");
	return 0;
}

static void *conc_worker(void *arg)
{
	struct conc_thread *t = arg;
	struct conc_ctx *c = t->ctx;
	uint64_t last[3] = {0, 0, 0}, rng = t->id * 7919u + 1;

	for (unsigned i = 0; i < CONC_MIN_ITERS || !atomic_load(&c->stop); i++) {
		struct tshm_view *v = NULL;
		unsigned k;
		int rc;

		rng = rng * 6364136223846793005u + 1442695040888963407u;
		k = (unsigned)(rng >> 33) % 3;
		rc = tshm_pool_get(c->pool, conc_names[k], &v);
		atomic_fetch_add(&c->gets, 1);
		if (rc != 0) {
			snprintf(t->why, sizeof(t->why), "get %s: %s", conc_names[k],
				 tshm_strerror(rc));
			atomic_fetch_add(&c->errors, 1);
			break;
		}
		rc = conc_check(t, v, k, last);
		tshm_pool_put(c->pool, v);
		if (rc) {
			atomic_fetch_add(&c->errors, 1);
			break;
		}
	}
	return NULL;
}

static void conc_writer(struct tshm_catalog *cat, struct tshm_pool *pool)
{
	struct tshm_test_bundle b = pb;
	struct timespec pause = {0, 2000000};

	for (int g = 2; g <= CONC_REPUBLISH + 1; g++) {
		b.seed = (uint64_t)g;
		assert_int_equal(tshm_test_publish(cat, "c1", &b), g);
		if (g % 3 == 0)
			assert_true(tshm_pool_invalidate(pool, "c2") >= 0);
		if (g % 7 == 0)
			assert_true(tshm_pool_invalidate(pool, NULL) >= 0);
		nanosleep(&pause, NULL);
	}
}

static void test_pool_concurrent(void **state)
{
	struct tshm_catalog *cat = cat_rw();
	struct conc_ctx ctx = {.pool = pool_new(0, 0, 0)};
	struct conc_thread th[CONC_THREADS];
	pthread_t tid[CONC_THREADS];
	struct tshm_pool_stats st;
	struct tshm_view *v;

	(void)state;
	for (int k = 0; k < 3; k++)
		assert_int_equal(tshm_test_publish(cat, conc_names[k], &pb), 1);
	for (unsigned i = 0; i < CONC_THREADS; i++) {
		th[i] = (struct conc_thread){.ctx = &ctx, .id = i};
		assert_int_equal(pthread_create(&tid[i], NULL, conc_worker, &th[i]), 0);
	}
	conc_writer(cat, ctx.pool);
	atomic_store(&ctx.stop, 1);
	for (unsigned i = 0; i < CONC_THREADS; i++) {
		pthread_join(tid[i], NULL);
		if (th[i].why[0])
			fail_msg("thread %u: %s", i, th[i].why);
	}
	assert_int_equal(atomic_load(&ctx.errors), 0);
	tshm_pool_stats(ctx.pool, &st);
	if (getenv("TSHM_TEST_VERBOSE"))
		print_message("gets %lu hits %llu misses %llu reloads %llu invalidations %llu\n",
			      atomic_load(&ctx.gets), (unsigned long long)st.hits,
			      (unsigned long long)st.misses, (unsigned long long)st.reloads,
			      (unsigned long long)st.invalidations);
	assert_true(st.hits + st.misses + st.reloads == atomic_load(&ctx.gets));
	assert_true(st.reloads + st.misses >= 3);
	v = get(ctx.pool, "c1");
	assert_true(tshm_view_header(v)->generation == CONC_REPUBLISH + 1);
	tshm_pool_put(ctx.pool, v);
	tshm_pool_destroy(ctx.pool);
	tshm_catalog_close(cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_pool_get_missing, pool_clean, pool_clean),
	    cmocka_unit_test_setup_teardown(test_pool_hit_miss, pool_clean, pool_clean),
	    cmocka_unit_test_setup_teardown(test_pool_reload_keeps_old_view, pool_clean,
					    pool_clean),
	    cmocka_unit_test_setup_teardown(test_pool_lru_by_count, pool_clean, pool_clean),
	    cmocka_unit_test_setup_teardown(test_pool_lru_by_bytes, pool_clean, pool_clean),
	    cmocka_unit_test_setup_teardown(test_pool_evicted_view_stays_valid, pool_clean,
					    pool_clean),
	    cmocka_unit_test_setup_teardown(test_pool_invalidate, pool_clean, pool_clean),
	    cmocka_unit_test_setup_teardown(test_pool_disabled, pool_clean, pool_clean),
	    cmocka_unit_test_setup_teardown(test_pool_destroy_with_held_views, pool_clean,
					    pool_clean),
	    cmocka_unit_test_setup_teardown(test_pool_create_ns, pool_clean, pool_clean),
	    cmocka_unit_test_setup_teardown(test_pool_config_env_valid, pool_clean, pool_clean),
	    cmocka_unit_test_setup_teardown(test_pool_config_env_garbage, pool_clean, pool_clean),
	    cmocka_unit_test_setup_teardown(test_pool_create_from_env, pool_clean, pool_clean),
	    cmocka_unit_test_setup_teardown(test_pool_concurrent, pool_clean, pool_clean),
	};

	tshm_test_ns_init("pool");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
