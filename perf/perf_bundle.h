/* SPDX-License-Identifier: MIT */
/*
 * Synthetic bundles of a chosen size for the benchmarks: a trades table
 * (ts, price, size, flags, id: 36 bytes a row) over a few assets and
 * consecutive days, plus the assets, symbols and sessions tables. Filled
 * with plain loops (an xorshift random walk for prices) through the writer
 * API, so a 4 GiB bundle builds in seconds.
 */
#ifndef TSHM_PERF_BUNDLE_H
#define TSHM_PERF_BUNDLE_H

#include <stdint.h>

#include "tickshm/tickshm.h"

#define PERF_TRADE_ROW_BYTES 36u /* 4 int64 columns and one int32 */

/* Each day's trades are evenly spaced over one session, 14:30 to 21:00 UTC. */
#define PERF_SESSION_OPEN_NS (INT64_C(52200) * INT64_C(1000000000))
#define PERF_SESSION_LEN_NS (INT64_C(23400) * INT64_C(1000000000))

struct perf_bundle_spec {
	uint32_t nassets; /* sids 100, 110, 120, ... */
	uint32_t ndays;	  /* consecutive days from 2024-01-02 */
	uint64_t trades_per_day;
};

struct perf_bundle_info {
	uint64_t segment_bytes;			      /* whole segment */
	uint64_t column_bytes;			      /* column arrays only (every table) */
	uint64_t trades;			      /* rows of the trades table */
	double create_s, fill_s, commit_s, publish_s; /* writer create (fallocate), fill, ... */
};

/*
 * perf_bundle_sized - a spec whose trades columns hold about @column_bytes
 * over @nassets assets and @ndays days.
 */
void perf_bundle_sized(uint64_t column_bytes, uint32_t nassets, uint32_t ndays,
		       struct perf_bundle_spec *out);

/*
 * perf_bundle_build - create, fill, commit and publish @bundle in @cat
 * (opened read-write). @info may be NULL. Returns 0 or a tickshm error.
 */
int perf_bundle_build(struct tshm_catalog *cat, const char *bundle,
		      const struct perf_bundle_spec *s, struct perf_bundle_info *info);

/* Bytes of every column array of every table of @v (nrows * width). */
uint64_t perf_view_column_bytes(const struct tshm_view *v);

/* Sid of asset index @a. */
int64_t perf_bundle_sid(uint32_t a);

/* [first, end) of the days the bundle covers, in ns. */
int64_t perf_bundle_first_ns(const struct perf_bundle_spec *s);
int64_t perf_bundle_end_ns(const struct perf_bundle_spec *s);

#endif
