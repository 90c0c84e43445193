/* SPDX-License-Identifier: MIT */
/*
 * tickshm shared-memory formats, version 1. The normative description is
 * libshm/FORMAT.md; these structs are its C rendering. All integers are
 * little-endian, all positions are byte offsets from the segment start, never
 * pointers, and every struct has explicit padding and size asserts.
 */
#ifndef TICKSHM_FORMAT_H
#define TICKSHM_FORMAT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TSHM_FORMAT_VERSION 1u
#define TSHM_SCHEMA_VERSION 1u

/* "TSHMSEG1" and "TSHMCAT1" as little-endian 64-bit words. */
#define TSHM_SEG_MAGIC UINT64_C(0x3147455348485354)
#define TSHM_CAT_MAGIC UINT64_C(0x3154414348485354)

#define TSHM_ALIGN 64u /* every array starts on a cache line */
#define TSHM_DAY_NS INT64_C(86400000000000)
/* Days a segment's day index may cover: [TSHM_DAY_MIN, TSHM_DAY_MAX), so
 * every day * TSHM_DAY_NS fits int64 ns. */
#define TSHM_DAY_MIN (-106751)
#define TSHM_DAY_MAX 106751
#define TSHM_TABLE_SLOTS 16u   /* directory entries; 8 in use in v1 */
#define TSHM_MAX_COLS 12u      /* column descriptors per table */
#define TSHM_BUNDLE_MAX 48u    /* bundle name buffer, NUL included */
#define TSHM_NAMESPACE_MAX 32u /* namespace buffer, NUL included */
#define TSHM_SEGNAME_MAX 120u  /* segment name buffer, NUL included */
#define TSHM_COLNAME_MAX 16u

/* Segment header flags. */
#define TSHM_SEG_F_COMPLETE UINT64_C(1) /* set last by the writer's commit */

/* Strides of the two fence levels over a per-asset table's ts column. */
#define TSHM_FENCE1_SHIFT 6u  /* every 64th row */
#define TSHM_FENCE2_SHIFT 12u /* every 4096th row */

/* Table directory flags. */
#define TSHM_TABLE_F_PRESENT 1u
#define TSHM_TABLE_F_PER_ASSET 2u /* rows grouped by asset, row + day index */

enum tshm_col_type {
	TSHM_TYPE_I64 = 1,
	TSHM_TYPE_I32 = 2,
	TSHM_TYPE_CHAR = 3, /* fixed width, NUL padded, not NUL terminated */
};

enum tshm_col_kind {
	TSHM_KIND_PLAIN = 0, /* integer as is */
	TSHM_KIND_TS = 1,    /* int64 ns since the Unix epoch, UTC */
	TSHM_KIND_PRICE = 2, /* int64 mantissa at the asset's price_exp */
	TSHM_KIND_SIZE = 3,  /* int64 mantissa at the asset's size_exp */
	TSHM_KIND_SID = 4,   /* asset id */
	TSHM_KIND_DAY = 5,   /* int32 days since the Unix epoch */
	TSHM_KIND_TEXT = 6,  /* CHAR column */
};

/* Segment header, at offset 0. 256 bytes. */
struct tshm_seg_header {
	uint64_t magic;		 /* TSHM_SEG_MAGIC */
	uint32_t format_version; /* TSHM_FORMAT_VERSION */
	uint32_t header_size;	 /* sizeof(struct tshm_seg_header) */
	uint64_t flags;		 /* TSHM_SEG_F_* */
	uint64_t total_size;	 /* segment size in bytes */
	uint64_t generation;	 /* bundle generation, >= 1 */
	uint64_t hash_lo;	 /* content hash, FORMAT.md "Content hash" */
	uint64_t hash_hi;
	uint64_t meta_checksum;	 /* XXH3-64 of [0, data_offset), this field as 0; last */
	uint32_t schema_version; /* TSHM_SCHEMA_VERSION */
	uint32_t table_slots;	 /* TSHM_TABLE_SLOTS */
	uint64_t dir_offset;	 /* table directory */
	uint64_t data_offset;	 /* first byte after header + directory */
	uint32_t nassets;
	uint32_t creator_pid;
	int64_t min_ts; /* over all per-asset tables; 0 when there are no rows */
	int64_t max_ts;
	int64_t created_ns; /* commit time, ns since epoch */
	char bundle[TSHM_BUNDLE_MAX];
	uint8_t reserved[88];
};

/* Column descriptor. 32 bytes. */
struct tshm_col_desc {
	char name[TSHM_COLNAME_MAX]; /* NUL padded */
	uint8_t type;		     /* enum tshm_col_type */
	uint8_t kind;		     /* enum tshm_col_kind */
	uint16_t width;		     /* bytes per element: 8, 4 or CHAR width */
	uint32_t reserved;
	uint64_t offset; /* array of nrows * width bytes, TSHM_ALIGN aligned */
};

/* Table directory entry. 512 bytes; entry i describes table id i. */
struct tshm_table_desc {
	char name[TSHM_COLNAME_MAX];
	uint32_t id;	 /* == slot index */
	uint32_t flags;	 /* TSHM_TABLE_F_* */
	uint32_t ncols;	 /* <= TSHM_MAX_COLS */
	uint32_t ts_col; /* index of the TS column sorting rows, or UINT32_MAX */
	uint64_t nrows;
	uint64_t rows_offset; /* per-asset: uint64_t[nassets + 1] first rows */
	uint64_t days_offset; /* per-asset: uint64_t[nassets * (ndays + 1)] */
	int32_t day0;	      /* first day (days since epoch) of the day index */
	uint32_t ndays;
	int64_t min_ts;
	int64_t max_ts;
	uint64_t fence1_offset; /* per-asset: int64_t[ceil(nrows / 64)] = ts[j * 64] */
	uint64_t fence2_offset; /* per-asset: int64_t[ceil(nrows / 4096)] = ts[j * 4096] */
	uint8_t reserved[32];
	struct tshm_col_desc cols[TSHM_MAX_COLS];
};

/*
 * Catalog: one segment per namespace. A header page, then fixed slots. Each
 * slot keeps two copies of its descriptor; the writer fills the inactive copy
 * under that copy's sequence counter and then flips `active`, so a writer
 * killed mid-write never leaves the active copy torn.
 */
#define TSHM_CAT_SLOTS 256u

struct tshm_cat_header {
	uint64_t magic; /* TSHM_CAT_MAGIC */
	uint32_t format_version;
	uint32_t nslots;
	uint32_t slot_size;
	uint32_t reserved0;
	uint64_t slots_offset;
	uint64_t next_serial; /* writer-lock only: next descriptor serial */
	uint64_t gen_floor;   /* writer-lock only: highest generation of a removed bundle */
	uint8_t reserved[4048];
};

/* The payload of one descriptor copy: 31 words read under the seqlock. */
struct tshm_cat_desc {
	uint64_t generation; /* 0: copy unused */
	uint64_t serial;     /* catalog-unique id of this publish */
	uint64_t size;
	uint64_t hash_lo;
	uint64_t hash_hi;
	uint32_t schema_version;
	uint32_t nassets;
	int64_t min_ts;
	int64_t max_ts;
	int64_t publish_ns;
	uint32_t publisher_pid;
	uint32_t reserved;
	char bundle[TSHM_BUNDLE_MAX];
	char segment[TSHM_SEGNAME_MAX];
};

struct tshm_cat_copy {
	uint64_t seq; /* seqlock counter, odd while written; accessed atomically */
	struct tshm_cat_desc d;
};

struct tshm_cat_slot {
	uint64_t serial;	     /* atomic: serial of the active copy, 0 if empty */
	uint64_t active;	     /* atomic: index (0/1) of the copy readers use */
	uint64_t next_gen;	     /* writer-lock only: last generation handed out */
	char owner[TSHM_BUNDLE_MAX]; /* writer-lock only: bundle owning the slot */
	uint32_t reserver_pid;	     /* writer-lock only: last process to reserve a generation */
	uint32_t reserved;
	struct tshm_cat_copy copy[2];
};

_Static_assert(sizeof(struct tshm_seg_header) == 256, "seg header size");
_Static_assert(__builtin_offsetof(struct tshm_seg_header, meta_checksum) == 56, "checksum offset");
_Static_assert(__builtin_offsetof(struct tshm_seg_header, bundle) == 120, "bundle offset");
_Static_assert(sizeof(struct tshm_col_desc) == 32, "col desc size");
_Static_assert(sizeof(struct tshm_table_desc) == 512, "table desc size");
_Static_assert(__builtin_offsetof(struct tshm_table_desc, cols) == 128, "cols offset");
_Static_assert(__builtin_offsetof(struct tshm_table_desc, fence1_offset) == 80, "fence offset");
_Static_assert(sizeof(struct tshm_cat_header) == 4096, "catalog header size");
_Static_assert(sizeof(struct tshm_cat_desc) == 248, "catalog desc size");
_Static_assert(sizeof(struct tshm_cat_copy) == 256, "catalog copy size");
_Static_assert(sizeof(struct tshm_cat_slot) == 592, "catalog slot size");
_Static_assert(__builtin_offsetof(struct tshm_cat_slot, copy) == 80, "copy offset");

#ifdef __cplusplus
}
#endif
#endif /* TICKSHM_FORMAT_H */
