/* SPDX-License-Identifier: MIT */
/*
 * Zero-copy history windows: the equivalent of
 * DataPortal.history(return_type='array') as a typed pointer and length into
 * shared memory. A lookup is a sid binary search, one day-index read and a
 * binary search inside one day: no syscall, no allocation, no copy.
 */
#ifndef TICKSHM_HISTORY_H
#define TICKSHM_HISTORY_H

#include <stdint.h>

#include "tickshm/layout.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A window of one column: @count elements of @width bytes at @data. */
struct tshm_window {
	const void *data; /* into shared memory; valid while the view is referenced */
	uint64_t count;
	uint64_t first_row; /* row number of data[0] within the table */
	uint16_t width;
	uint8_t type; /* enum tshm_col_type */
	uint8_t kind; /* enum tshm_col_kind */
	uint32_t reserved;
};

/*
 * tshm_history - the last @count rows of asset @sid in per-asset @table with
 * ts <= @end_ts (fewer if the asset has fewer), as a window of column @col.
 * Returns 0 (an empty window is not an error); -ENOENT for an unknown sid;
 * -EINVAL for a bad table/column; -TSHM_ECORRUPT if the stored index is
 * inconsistent. Thread-safe, lock-free.
 */
TSHM_EXPORT int tshm_history(const struct tshm_view *v, unsigned table, int64_t sid, unsigned col,
			     int64_t end_ts, uint64_t count, struct tshm_window *out);

/*
 * tshm_history_range - rows of asset @sid with @t0 <= ts < @t1. Errors as
 * tshm_history; @t1 < @t0 gives an empty window. Thread-safe, lock-free.
 */
TSHM_EXPORT int tshm_history_range(const struct tshm_view *v, unsigned table, int64_t sid,
				   unsigned col, int64_t t0, int64_t t1, struct tshm_window *out);

/*
 * tshm_history_copy - the copying multi-asset form. For each of @nsids sids,
 * the last @count values of integer column @col with ts <= @end_ts go to
 * out[i * count ...], right-aligned; missing leading values (short history,
 * unknown sid) are @fill. I32 columns are widened. If @got is not NULL,
 * got[i] receives how many real values sid i has.
 * Returns 0; -EINVAL for a CHAR column or bad table/column; -TSHM_ECORRUPT.
 * Thread-safe.
 */
TSHM_EXPORT int tshm_history_copy(const struct tshm_view *v, unsigned table, const int64_t *sids,
				  size_t nsids, unsigned col, int64_t end_ts, uint64_t count,
				  int64_t fill, int64_t *out, uint64_t *got);

#ifdef __cplusplus
}
#endif
#endif /* TICKSHM_HISTORY_H */
