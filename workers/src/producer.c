/* SPDX-License-Identifier: MIT */
/*
 * The resident producer: walks the requested assets and time range of the
 * published segment and emits one unit per (asset, UTC day) with trades,
 * as row ranges of the trades table (no copy). The dispatcher cuts units
 * into slices; a slice therefore never crosses a UTC midnight.
 */
#include <errno.h>
#include <stdlib.h>

#include "pipe_internal.h"

int tshm__unit_push(struct tshm__run *r, const struct tshm__unit *u)
{
	if (r->nunits == r->unitcap) {
		uint32_t cap = r->unitcap ? r->unitcap * 2 : 256;
		struct tshm__unit *n = realloc(r->units, (size_t)cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->units = n;
		r->unitcap = cap;
	}
	r->units[r->nunits++] = *u;
	return 0;
}

/* First ns of the day after @day, or INT64_MAX past the representable range. */
static int64_t next_midnight(int32_t day)
{
	if ((int64_t)day + 1 > INT64_MAX / TSHM_DAY_NS)
		return INT64_MAX;
	return ((int64_t)day + 1) * TSHM_DAY_NS;
}

static int asset_units(struct tshm__run *r, uint32_t ai)
{
	const struct tshm_run_spec *sp = r->spec;
	const int64_t *ts = r->ts_col;
	uint64_t first, count, lo, hi;
	int rc;

	rc = tshm_view_asset_rows(r->view, TSHM_TABLE_TRADES, r->view_asset[ai], &first, &count);
	if (rc < 0)
		return rc;
	lo = sp->from_ts == TSHM_RUN_ALL_TIME
		 ? first
		 : tshm__lower_bound(ts, first, first + count, sp->from_ts);
	hi = sp->to_ts == TSHM_RUN_ALL_TIME
		 ? first + count
		 : tshm__lower_bound(ts, first, first + count, sp->to_ts);
	while (lo < hi) {
		struct tshm__unit u = {.ai = ai,
				       .day = tshm_day_of(ts[lo]),
				       .first = lo,
				       .before = lo - first,
				       .buf = UINT32_MAX};
		uint64_t end = tshm__lower_bound(ts, lo, hi, next_midnight(u.day));

		u.n = end - lo;
		if ((rc = tshm__unit_push(r, &u)) < 0)
			return rc;
		r->rows += u.n;
		lo = end;
	}
	return 0;
}

int tshm__resident_units(struct tshm__run *r)
{
	struct tshm_column_info c;
	int rc;

	if ((rc = tshm_view_column(r->view, TSHM_TABLE_TRADES, TSHM_TRADES_TS, &c)) < 0)
		return rc;
	r->ts_col = c.data;
	for (uint32_t ai = 0; ai < r->nassets; ai++) {
		r->ufirst[ai] = r->nunits;
		if ((rc = asset_units(r, ai)) < 0)
			return rc;
	}
	r->ufirst[r->nassets] = r->nunits;
	return 0;
}
