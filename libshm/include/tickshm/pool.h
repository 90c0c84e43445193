/* SPDX-License-Identifier: MIT */
/*
 * The bundle pool: a per-process, thread-safe cache of attached views.
 * tshm_pool_get() checks the catalog's serial for the bundle on every call
 * (one atomic load) and re-attaches only when a new generation was
 * published; the old view is released when its last reference goes. Entries
 * are evicted least-recently-used by count and by mapped bytes.
 */
#ifndef TICKSHM_POOL_H
#define TICKSHM_POOL_H

#include <stdint.h>

#include "tickshm/layout.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tshm_pool;

struct tshm_pool_config {
	const char *ns;	      /* namespace; NULL: tshm_namespace() */
	uint32_t max_bundles; /* cached views at most; 0: 64 */
	uint32_t disabled;    /* 1: every get attaches afresh, nothing cached */
	uint64_t max_bytes;   /* mapped bytes cached at most; 0: unlimited */
};

struct tshm_pool_stats {
	uint64_t hits;	    /* get served from cache, generation unchanged */
	uint64_t misses;    /* get that attached a bundle not cached */
	uint64_t reloads;   /* get that re-attached after a new publish */
	uint64_t evictions; /* entries dropped for count or bytes */
	uint64_t invalidations;
	uint64_t bundles;      /* entries cached now */
	uint64_t bytes_mapped; /* segment bytes of cached entries */
};

/*
 * tshm_pool_config_env - fill @cfg with defaults overridden by the
 * environment: TICKSHM_POOL_MAX (bundles), TICKSHM_POOL_MAX_BYTES (bytes,
 * with optional K/M/G suffix), TICKSHM_POOL_DISABLE (1/true/yes).
 * Returns 0, or -EINVAL if a variable is set but malformed (the defaults
 * stay in place for it). Thread-safe unless the environment changes.
 */
TSHM_EXPORT int tshm_pool_config_env(struct tshm_pool_config *cfg);

/*
 * tshm_pool_create - a new pool. @cfg NULL means tshm_pool_config_env().
 * Opens the namespace's catalog lazily on first get. Returns 0, -ENOMEM,
 * -TSHM_ENAME. Thread-safe.
 */
TSHM_EXPORT int tshm_pool_create(struct tshm_pool **out, const struct tshm_pool_config *cfg);

/*
 * tshm_pool_destroy - drop every cached view. Views callers still hold stay
 * valid until they unref them. NULL is a no-op. Not concurrent with other
 * calls on the same pool.
 */
TSHM_EXPORT void tshm_pool_destroy(struct tshm_pool *pool);

/*
 * tshm_pool_get - a referenced view of @bundle's published generation.
 * Release it with tshm_pool_put() (or tshm_view_unref()).
 * Returns 0; -ENOENT (catalog or bundle missing); errors of tshm_view_open.
 * Thread-safe.
 */
TSHM_EXPORT int tshm_pool_get(struct tshm_pool *pool, const char *bundle, struct tshm_view **out);

/* tshm_pool_put - release a view from tshm_pool_get(). Thread-safe. */
TSHM_EXPORT void tshm_pool_put(struct tshm_pool *pool, struct tshm_view *v);

/*
 * tshm_pool_invalidate - drop @bundle (NULL: every bundle) from the cache;
 * the next get re-attaches. Returns the number of entries dropped, or
 * -TSHM_ENAME. Thread-safe.
 */
TSHM_EXPORT int tshm_pool_invalidate(struct tshm_pool *pool, const char *bundle);

/* tshm_pool_stats - snapshot of the counters. Thread-safe. */
TSHM_EXPORT void tshm_pool_stats(struct tshm_pool *pool, struct tshm_pool_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* TICKSHM_POOL_H */
