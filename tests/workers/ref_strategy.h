/* SPDX-License-Identifier: MIT */
/*
 * Test support for strategies.
 *
 * 1. Reference implementations: single-process, naive (every window summed
 *    afresh, every rule scanned back), written straight from the formulas of
 *    issue 5 / workers/STRATEGY.md and sharing no code with the library.
 *    Integer figures must match the library exactly. sharpe is computed
 *    here with a plain two-pass formula in double, so compare it with a
 *    relative tolerance (1e-9), or call tshm_sharpe(out->daily, out->ndays)
 *    for the library's bits.
 * 2. A random-walk trade generator.
 * 3. A slicing harness that drives a strategy through its ABI the way the
 *    pipeline does (slices cut at UTC midnight, warm-up, batches, in-order
 *    merge, daily series from the slices' base.pnl).
 */
#ifndef TSHM_TEST_REF_STRATEGY_H
#define TSHM_TEST_REF_STRATEGY_H

#include <stdint.h>

#include "tickshm/strategy.h"

#define REF_DAY_NS INT64_C(86400000000000)

/* Every figure a built-in reports, plus the daily series behind sharpe. */
struct ref_result {
	int64_t pnl;	      /* mantissa units */
	int64_t max_drawdown; /* mantissa units */
	uint64_t turnover;
	uint64_t trades;
	uint64_t ticks;
	double sharpe;
	uint32_t ndays;
	int64_t *daily; /* ndays values (malloc'd; ref_result_free) */
};

/* sma_cross over @n trades. Returns 0 or -ENOMEM. */
int ref_sma_cross(const int64_t *ts, const int64_t *price, uint64_t n, int64_t fast, int64_t slow,
		  int64_t fee, struct ref_result *out);

/* zscore_revert (window, entry, exit in hundredths of sigma, fee). Small prices only
 * (the naive version compares d^2 * 10^4 with entry^2 * v in 128 bits). */
int ref_zscore_revert(const int64_t *ts, const int64_t *price, uint64_t n, int64_t window,
		      int64_t entry, int64_t exit, int64_t fee, struct ref_result *out);

/* breakout (window, fee). */
int ref_breakout(const int64_t *ts, const int64_t *price, uint64_t n, int64_t window, int64_t fee,
		 struct ref_result *out);

void ref_result_free(struct ref_result *r);

/* UTC day of @ts (floor division). */
int64_t ref_day(int64_t ts);

/*
 * ref_gen_walk - @n trades over @ndays days from @t0 (a UTC midnight):
 * timestamps non-decreasing with some ties and some empty days, prices a
 * random walk from @base with steps in [-@step, @step] and flat stretches
 * (so signals hit 0). Deterministic in @seed.
 */
void ref_gen_walk(uint64_t seed, uint64_t n, int64_t t0, uint32_t ndays, int64_t base, int64_t step,
		  int64_t *ts, int64_t *price);

/* A ref_gen_walk series over days from TSHM_TEST_T0, allocated. */
struct ref_series {
	uint64_t n;
	int64_t *ts, *price;
};

/* ref_gen_walk into a new series (aborts if out of memory). */
struct ref_series ref_series_gen(uint64_t seed, uint64_t n, uint32_t ndays, int64_t base,
				 int64_t step);
void ref_series_free(struct ref_series *s);

/* Square root by Newton's method (the test support links no libm). */
double ref_sqrt(double x);

/* splitmix64: the generator's random numbers, for tests. */
uint64_t ref_rand(uint64_t *state);

/* ---- slicing harness ---------------------------------------------------- */

struct harness_opts {
	uint64_t slice_rows; /* max rows per slice (also cut at midnight); 0: a day per slice */
	uint64_t seed;	     /* != 0: random slice lengths in [1, slice_rows], random batches */
	int full_history;    /* warm-up = every row before the slice (the unsliced baseline) */
};

struct harness_out {
	unsigned char partial[TSHM_PARTIAL_MAX] __attribute__((aligned(16))); /* merged */
	struct tshm_metric m[TSHM_METRICS_MAX];
	uint32_t nm;
	uint64_t slices;
	uint32_t ndays;
	int64_t *daily;	      /* malloc'd; harness_free */
	unsigned char *parts; /* every slice's partial, slices x partial_size (malloc'd) */
	int64_t *part_day;    /* UTC day of each slice */
};

/*
 * harness_run - run @s with parameters @p over the trades as the pipeline
 * would: slices never cross midnight; slice [a, b) is preceded by
 * min(warmup(p), a) warm-up rows (or a rows with full_history); partials
 * merged in order; the daily series summed from base.pnl; metrics() with
 * @price_exp. Returns 0 or -ENOMEM.
 */
int harness_run(const struct tshm_strategy *s, const int64_t *p, const int64_t *ts,
		const int64_t *price, uint64_t n, int32_t price_exp, const struct harness_opts *o,
		struct harness_out *out);

void harness_free(struct harness_out *out);

#endif /* TSHM_TEST_REF_STRATEGY_H */
