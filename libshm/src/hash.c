/* SPDX-License-Identifier: MIT */
/*
 * Content hash and metadata checksum (FORMAT.md "Content hash").
 *
 * The content hash is XXH3-128 over one 40-byte record per chunk, where a
 * chunk is one column of one asset's rows on one UTC day (or a whole column
 * of a table that is not per-asset). Each record carries the XXH3-64 of the
 * chunk's bytes. This is what the loader stores per chunk, so it can derive
 * a bundle's hash from its index without reading data.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "internal.h"

_Static_assert(sizeof(struct tshm_chunk_rec) == 40, "chunk record is 40 bytes");
_Static_assert(offsetof(struct tshm_chunk_rec, sid) == 8, "chunk record sid");
_Static_assert(offsetof(struct tshm_chunk_rec, day) == 16, "chunk record day");
_Static_assert(offsetof(struct tshm_chunk_rec, nrows) == 24, "chunk record nrows");
_Static_assert(offsetof(struct tshm_chunk_rec, hash) == 32, "chunk record hash");

static void add_chunk(XXH3_state_t *st, const struct tshm_table_desc *td, const uint8_t *base,
		      unsigned col, int64_t sid, int32_t day, uint64_t r0, uint64_t n)
{
	const struct tshm_col_desc *cd = &td->cols[col];
	struct tshm_chunk_rec rec = {
	    .table = td->id,
	    .col = col,
	    .sid = sid,
	    .day = day,
	    .nrows = n,
	    .hash = XXH3_64bits(base + cd->offset + r0 * cd->width, n * cd->width),
	};

	XXH3_128bits_update(st, &rec, sizeof(rec));
}

static void hash_per_asset(XXH3_state_t *st, const uint8_t *base, const struct tshm_table_desc *td,
			   const int64_t *sids, uint32_t nassets)
{
	const uint64_t *days = (const uint64_t *)(base + td->days_offset);
	uint64_t stride = (uint64_t)td->ndays + 1;

	for (uint32_t a = 0; a < nassets; a++) {
		const uint64_t *d = days + a * stride;

		for (uint32_t k = 0; k < td->ndays; k++) {
			if (d[k + 1] <= d[k])
				continue;
			for (unsigned c = 0; c < td->ncols; c++)
				add_chunk(st, td, base, c, sids[a], td->day0 + (int32_t)k, d[k],
					  d[k + 1] - d[k]);
		}
	}
}

void tshm__content_hash(const uint8_t *base, const struct tshm_seg_header *hdr,
			const struct tshm_table_desc *dir, uint64_t *lo, uint64_t *hi)
{
	const int64_t *sids = (const int64_t *)(base + dir[TSHM_TABLE_ASSETS].cols[0].offset);
	XXH3_state_t st;
	XXH128_hash_t h;

	XXH3_128bits_reset(&st);
	for (unsigned t = 0; t < TSHM_TABLE_SLOTS; t++) {
		const struct tshm_table_desc *td = &dir[t];

		if (!(td->flags & TSHM_TABLE_F_PRESENT) || td->nrows == 0)
			continue;
		if (td->flags & TSHM_TABLE_F_PER_ASSET) {
			hash_per_asset(&st, base, td, sids, hdr->nassets);
			continue;
		}
		for (unsigned c = 0; c < td->ncols; c++)
			add_chunk(&st, td, base, c, -1, 0, 0, td->nrows);
	}
	h = XXH3_128bits_digest(&st);
	*lo = h.low64;
	*hi = h.high64;
}

/* Strict (table, sid, day, col) order; sids are in asset order, which is
 * sid order since commit requires sids strictly increasing. */
static int rec_before(const struct tshm_chunk_rec *a, const struct tshm_chunk_rec *b)
{
	if (a->table != b->table)
		return a->table < b->table;
	if (a->sid != b->sid)
		return a->sid < b->sid;
	if (a->day != b->day)
		return a->day < b->day;
	return a->col < b->col;
}

int tshm_content_hash_records(const struct tshm_chunk_rec *recs, size_t n, uint64_t *lo,
			      uint64_t *hi)
{
	XXH3_state_t st;
	XXH128_hash_t h;

	if ((!recs && n) || !lo || !hi)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (recs[i].nrows == 0 || recs[i].zero != 0 ||
		    (i > 0 && !rec_before(&recs[i - 1], &recs[i])))
			return -EINVAL;
	}
	XXH3_128bits_reset(&st);
	if (n)
		XXH3_128bits_update(&st, recs, n * sizeof(*recs));
	h = XXH3_128bits_digest(&st);
	*lo = h.low64;
	*hi = h.high64;
	return 0;
}

uint64_t tshm__meta_checksum(const uint8_t *base, uint64_t data_offset)
{
	static const uint8_t zero[8];
	size_t at = offsetof(struct tshm_seg_header, meta_checksum);
	XXH3_state_t st;

	XXH3_64bits_reset(&st);
	XXH3_64bits_update(&st, base, at);
	XXH3_64bits_update(&st, zero, sizeof(zero));
	XXH3_64bits_update(&st, base + at + 8, data_offset - at - 8);
	return XXH3_64bits_digest(&st);
}
