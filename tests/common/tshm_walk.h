/* SPDX-License-Identifier: MIT */
/*
 * Walking a view attached over possibly hostile bytes: every accessor over
 * every table, column and asset, checking each result lies inside the
 * segment. Shared by the corrupt-segment tests and the attach fuzz harness,
 * so it depends on nothing but libtickshm-shm (no cmocka).
 */
#ifndef TSHM_WALK_H
#define TSHM_WALK_H

#include <stddef.h>
#include <stdint.h>

#include "tickshm/tickshm.h"

/*
 * tshm_walk_view - call every accessor of @v, which was attached over the
 * @size bytes at @base, and check every result: the header matches the
 * segment's; tables (ids past TSHM_TABLE_COUNT too) and columns (past ncols
 * too) have every element's first and last byte inside the segment, and
 * those bytes are read; asset_rows (for nassets + 2 assets) stays inside its
 * table; tshm_view_asset and find_sid/find_symbol (extreme sids, symbols and
 * dates included) return only real assets; tshm_history, _range and _copy
 * (extreme timestamps and counts) return windows inside their column and no
 * more rows than asked for; tshm_view_verify returns 0, -TSHM_ECORRUPT or
 * -TSHM_EORDER.
 * Returns 0 when everything is in bounds, or -1 at the first violation with
 * a one-line description of it in @why (NUL-terminated, truncated to
 * @why_len bytes; @why may be NULL if @why_len is 0). A library read out of
 * bounds is not detected here: run under AddressSanitizer for that.
 */
int tshm_walk_view(const struct tshm_view *v, const uint8_t *base, uint64_t size, char *why,
		   size_t why_len);

/*
 * tshm_walk_fix_checksum - recompute meta_checksum of the @size-byte segment
 * at @base as FORMAT.md defines it (XXH3-64 of [0, data_offset) with the
 * field read as 0), the way a hostile writer would, so damage gets past the
 * checksum to the structural checks. Does nothing when @size is smaller than
 * the header or data_offset does not cover the field or exceeds @size.
 * Returns nothing.
 */
void tshm_walk_fix_checksum(uint8_t *base, uint64_t size);

#endif /* TSHM_WALK_H */
