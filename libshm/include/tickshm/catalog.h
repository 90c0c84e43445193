/* SPDX-License-Identifier: MIT */
/*
 * The catalog of versioned descriptors: one small segment per namespace,
 * "/tickshm.<ns>.catalog", with one slot per bundle naming its published
 * generation. Writers serialise on flock() of the catalog (the kernel drops
 * the lock if a writer dies); readers never lock: they read a slot's
 * descriptor under a sequence counter and retry torn reads.
 */
#ifndef TICKSHM_CATALOG_H
#define TICKSHM_CATALOG_H

#include <stdint.h>

#include "tickshm/common.h"
#include "tickshm/format.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tshm_catalog;

/* What a reader learns about a published bundle. */
struct tshm_descriptor {
	char bundle[TSHM_BUNDLE_MAX];
	char segment[TSHM_SEGNAME_MAX]; /* "/tickshm.<ns>.<bundle>.g<gen>" */
	uint64_t generation;
	uint64_t serial;	   /* catalog-unique id of this publish; changes on every publish */
	uint64_t size;		   /* segment bytes */
	uint64_t hash_lo, hash_hi; /* content hash */
	uint32_t schema_version;
	uint32_t nassets;
	int64_t min_ts, max_ts; /* ns UTC */
	int64_t publish_ns;	/* wall clock at publish */
	uint32_t publisher_pid;
};

/* Flags for tshm_catalog_open(). */
#define TSHM_CATALOG_RDWR 1u   /* may publish, reserve, remove */
#define TSHM_CATALOG_CREATE 2u /* create the catalog if missing (implies RDWR) */

/*
 * tshm_catalog_open - open the catalog of namespace @ns (NULL: tshm_namespace()).
 * Returns 0; -ENOENT if it does not exist and TSHM_CATALOG_CREATE is not
 * set; -TSHM_ENAME; -TSHM_ECORRUPT / -TSHM_EVERSION for a catalog this build
 * cannot read; -EINVAL for unknown flag bits; -ENOMEM; -errno.
 * The handle may be shared by threads for lookups; writes (reserve, remove,
 * publish) serialise internally, across processes too (a child forked with
 * the handle takes the lock through a descriptor of its own).
 */
TSHM_EXPORT int tshm_catalog_open(struct tshm_catalog **out, const char *ns, unsigned flags);

/* tshm_catalog_close - release the handle. NULL is a no-op. */
TSHM_EXPORT void tshm_catalog_close(struct tshm_catalog *cat);

/* tshm_catalog_namespace - the namespace this handle refers to. */
TSHM_EXPORT const char *tshm_catalog_namespace(const struct tshm_catalog *cat);

/*
 * tshm_catalog_lookup - read the published descriptor of @bundle.
 * Returns 0; -ENOENT if not published; -TSHM_ENAME; -TSHM_EBUSY if the slot
 * stayed torn past the retry budget (a writer is rewriting it in a loop).
 * Lock-free, thread-safe.
 */
TSHM_EXPORT int tshm_catalog_lookup(const struct tshm_catalog *cat, const char *bundle,
				    struct tshm_descriptor *out);

/*
 * tshm_catalog_list - copy up to @max published descriptors into @out, in
 * slot order. Returns how many bundles are published (may exceed @max), or
 * -TSHM_EBUSY. Lock-free, thread-safe.
 */
TSHM_EXPORT int tshm_catalog_list(const struct tshm_catalog *cat, struct tshm_descriptor *out,
				  size_t max);

/*
 * tshm_catalog_serial - the serial of @bundle's published descriptor. With
 * a valid slot index cached in *@slot_hint (start with UINT32_MAX) it costs
 * one seqlocked read of that slot; otherwise a scan, which updates the hint.
 * 0 if not published. Lock-free, thread-safe.
 */
TSHM_EXPORT uint64_t tshm_catalog_serial(const struct tshm_catalog *cat, const char *bundle,
					 uint32_t *slot_hint);

/*
 * tshm_catalog_reserve - hand out the next generation number of @bundle
 * (never reused, even if the segment is abandoned or the bundle removed and
 * created again). Allocates the bundle's slot if needed. Returns 0; -EBADF for a read-only handle; -ENOSPC if all
 * TSHM_CAT_SLOTS slots are taken; -TSHM_ENAME; -errno. Thread-safe.
 */
TSHM_EXPORT int tshm_catalog_reserve(struct tshm_catalog *cat, const char *bundle, uint64_t *gen);

/*
 * tshm_catalog_remove - unpublish @bundle, free its slot and unlink its
 * current segment. Readers that map it keep their mapping.
 * Returns 0, -ENOENT, -EBADF for a read-only handle, -TSHM_ENAME, -errno.
 * Thread-safe.
 */
TSHM_EXPORT int tshm_catalog_remove(struct tshm_catalog *cat, const char *bundle);

#ifdef __cplusplus
}
#endif
#endif /* TICKSHM_CATALOG_H */
