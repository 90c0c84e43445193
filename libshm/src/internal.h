/* SPDX-License-Identifier: MIT */
/* Private to libshm: shared between its .c files, never installed. */
#ifndef TSHM_LIBSHM_INTERNAL_H
#define TSHM_LIBSHM_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "tickshm/catalog.h"
#include "tickshm/layout.h"
#include "tickshm/segment.h"

#define TSHM_SHM_DIR "/dev/shm"

/* A schema column/table as this build defines it (schema.c). */
extern const struct tshm_schema_table tshm__schema[TSHM_TABLE_COUNT];

/* An attached, validated segment. */
struct tshm_view {
	_Atomic uint32_t refs; /* pairs: acq_rel decrement in unref vs. the final munmap */
	uint32_t owns_mapping; /* 1: unmap on last unref */
	uint64_t serial;       /* catalog serial it was opened by, 0 if none */
	const uint8_t *base;
	uint64_t size;
	const struct tshm_seg_header *hdr; /* = &meta.hdr */
	const struct tshm_table_desc *dir; /* = meta.dir: TSHM_TABLE_SLOTS entries */
	/*
	 * Private copy of the header and directory, validated as copied: the
	 * segment's owner can still write the shared bytes (mode 0640, or the
	 * writer's own mapping), so offsets are never re-read from them.
	 */
	struct {
		struct tshm_seg_header hdr;
		struct tshm_table_desc dir[TSHM_TABLE_SLOTS];
	} meta;
	/* Sid column of the assets table, cached for lookups. */
	const int64_t *sids;
	char segname[TSHM_SEGNAME_MAX];
};

/* Entries of a fence level with stride 1 << @shift over @nrows rows. */
static inline uint64_t tshm__fence_len(uint64_t nrows, unsigned shift)
{
	return (nrows >> shift) + ((nrows & ((UINT64_C(1) << shift) - 1)) != 0);
}

/* Bytes of header + directory: the metadata a view copies. */
#define TSHM_META_SIZE                                                                             \
	(sizeof(struct tshm_seg_header) + TSHM_TABLE_SLOTS * sizeof(struct tshm_table_desc))

/*
 * tshm_segment_create that allocates only the first @reserve bytes (<=
 * @size) and sizes the rest without allocating it (segment.c).
 */
int tshm__segment_create(struct tshm_segment *seg, const char *name, uint64_t size,
			 uint64_t reserve);

/*
 * Validate @meta, the first TSHM_META_SIZE bytes of a segment of @size
 * bytes (or a private copy of them), as a committed segment (validate.c).
 */
int tshm__validate(const uint8_t *meta, uint64_t size);

/* Content hash over the tables of a laid-out segment (hash.c). */
void tshm__content_hash(const uint8_t *base, const struct tshm_seg_header *hdr,
			const struct tshm_table_desc *dir, uint64_t *lo, uint64_t *hi);

/* XXH3-64 of the header + directory with meta_checksum taken as 0 (hash.c). */
uint64_t tshm__meta_checksum(const uint8_t *base, uint64_t data_offset);

/*
 * Publish a committed segment's descriptor into @cat (catalog.c). On success
 * *@old receives the segment name previously published ("" if none).
 * -ESTALE if a newer generation is already published.
 */
int tshm__catalog_publish(struct tshm_catalog *cat, const struct tshm_descriptor *d,
			  char old[TSHM_SEGNAME_MAX]);

/*
 * Check sort order and indices of every table (check.c). @build: write the
 * per-day index and the min/max ts fields (writer); otherwise compare the
 * stored index (verify). Returns 0, -TSHM_EORDER or -TSHM_ECORRUPT with the
 * table in *@bad_table.
 */
int tshm__check_tables(const uint8_t *base, const struct tshm_seg_header *hdr,
		       const struct tshm_table_desc *dir, int build, int *bad_table);

/*
 * Free @bundle's slot if it was reserved but never published (catalog.c):
 * an aborted first load must not hold one of the TSHM_CAT_SLOTS forever.
 */
int tshm__catalog_release(struct tshm_catalog *cat, const char *bundle);

/*
 * Free the slots of bundles reserved by a process that is gone, never
 * published, and for which @has_segments finds nothing left (catalog.c).
 * Returns how many were freed, or a negative error.
 */
int tshm__catalog_reap_reservations(struct tshm_catalog *cat,
				    bool (*has_segments)(const char *bundle, void *arg), void *arg);

/*
 * Is @serial still the published serial of slot @slot (catalog.c)? Serials
 * are catalog-unique, so equality proves the cached descriptor is current:
 * one acquire load, the pool's hit path.
 */
bool tshm__catalog_still(const struct tshm_catalog *cat, uint32_t slot, uint64_t serial);

/* Test hook (crash.c): raise SIGKILL if $TICKSHM_TEST_CRASH_AT names @step. */
void tshm__crash_point(const char *step);

/* Monotonic and wall clocks in ns. */
int64_t tshm__wall_ns(void);
int64_t tshm__mono_ns(void);

/* Non-blocking check whether someone holds the flock of @fd (segment.c). */
bool tshm__fd_locked(int fd);

#endif
