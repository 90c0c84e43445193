/* SPDX-License-Identifier: MIT */
/*
 * The strategy ABI (workers/STRATEGY.md): what a built-in or a plugin
 * (--strategy-lib FILE.so, exporting tshm_strategy_entry) provides so the
 * pipeline can run it over time slices in any number of worker processes
 * and still produce bit-identical results.
 *
 * The contract that makes slicing exact:
 *  - A strategy sees one asset's trades in time order, one slice at a time.
 *    A slice never crosses a UTC midnight, and is preceded by up to
 *    warmup(params) rows of history (fewer only at the start of the data).
 *  - After init() and the warm-up rows, the state must be exactly what it
 *    would be had the strategy run from the first row of the data: signals
 *    may depend on at most warmup rows of the past.
 *  - Every result is an integer (mantissa arithmetic) except what
 *    metrics() derives at the very end from merged integers.
 *  - merge(acc, next) combines the partials of consecutive slices, acc
 *    first; it is associative, so the aggregator may merge as slices arrive
 *    in order. The all-zero partial (an empty slice) is neutral:
 *    merge(zero, x) and merge(x, zero) leave x, so an accumulator may start
 *    zeroed.
 *  - The state is not zeroed by the caller: init() sets everything the
 *    strategy reads (it may skip what it never reads before writing).
 *  - Within a slice, warm-up rows come before scored rows: batches of a
 *    slice have warm == n until the warm-up is consumed, then one batch may
 *    mix (its first warm rows), then warm == 0.
 * workers/STRATEGY.md has the full contract, a worked example and the exact
 * rules of the built-ins.
 */
#ifndef TICKSHM_STRATEGY_H
#define TICKSHM_STRATEGY_H

#include <stddef.h>
#include <stdint.h>

#include "tickshm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TSHM_STRATEGY_ABI 1
#define TSHM_STRATEGY_MAX_PARAMS 8
#define TSHM_STRATEGY_MAX_STATE (1u << 20) /* bytes of per-task state */
#define TSHM_PARTIAL_MAX 192		   /* bytes of a partial result */
#define TSHM_METRICS_MAX 12
#define TSHM_STRATEGY_NAME_MAX 31 /* characters of a strategy or parameter name */

/* A parameter: integer, in the asset's units where it is a price. */
struct tshm_param_def {
	const char *name;
	int64_t def;	  /* default when a sweep does not give it */
	int64_t min, max; /* inclusive bounds; out of range is a usage error */
};

/* One batch of one asset's trades (columns point into shared memory). */
struct tshm_batch {
	const int64_t *ts;    /* ns UTC, non-decreasing */
	const int64_t *price; /* mantissas at the asset's price exponent */
	const int64_t *size;  /* mantissas at the asset's size exponent */
	const int32_t *flags; /* TSHM_TRADE_BUY / SELL */
	uint64_t n;	      /* rows */
	uint64_t warm;	      /* the first warm rows are warm-up: update state, score nothing */
};

/*
 * Every partial result starts with this: the framework reads it to build
 * the daily pnl series (a slice is within one UTC day) and to count ticks.
 */
struct tshm_partial_base {
	int64_t pnl;	/* sum of the scored rows' pnl, mantissa units */
	uint64_t ticks; /* scored rows */
};

/* One reported figure. Integers are exact; real is derived for display. */
struct tshm_metric {
	const char *name;  /* static string, e.g. "pnl" */
	int64_t value;	   /* exact value (mantissa units for money), 0 if real-only */
	double real;	   /* value in price units (or the real metric, e.g. sharpe) */
	uint32_t is_money; /* value is a price mantissa: real = value * 10^price_exp */
	uint32_t is_real;  /* only real is meaningful (e.g. sharpe) */
};

/* What metrics() gets besides the merged partial. */
struct tshm_metrics_in {
	const int64_t *daily_pnl; /* pnl per UTC day that has trades, in day order */
	uint32_t ndays;
	int32_t price_exp; /* of the asset */
};

struct tshm_strategy {
	uint32_t abi; /* TSHM_STRATEGY_ABI */
	uint32_t nparams;
	const char *name;    /* [a-z0-9_]+ */
	const char *summary; /* one line */
	const struct tshm_param_def *params;
	uint32_t state_size;   /* <= TSHM_STRATEGY_MAX_STATE, 64-byte aligned by the caller */
	uint32_t partial_size; /* <= TSHM_PARTIAL_MAX, starts with struct tshm_partial_base */

	/* 0 if @p is a valid combination, else -EINVAL (skipped and counted in sweeps). */
	int (*validate)(const int64_t *p);
	/* Rows of history a slice needs before its first row. */
	uint64_t (*warmup)(const int64_t *p);
	/* Fresh state for one slice. */
	void (*init)(void *state, const int64_t *p);
	/* Consume a batch; may be called several times per slice. */
	void (*on_batch)(void *state, const struct tshm_batch *b);
	/* Write the slice's partial result (partial_size bytes, zeroed by the caller). */
	void (*finish)(void *state, void *partial);
	/* @acc := @acc followed by @next (consecutive slices of one asset, acc first). */
	void (*merge)(void *acc, const void *next);
	/* Final figures of one (asset, parameter set). Returns how many written (<= max). */
	uint32_t (*metrics)(const void *partial, const struct tshm_metrics_in *in,
			    struct tshm_metric *out, uint32_t max);
};

/* What a plugin exports: `const struct tshm_strategy *tshm_strategy_entry(void);` */
#define TSHM_STRATEGY_ENTRY "tshm_strategy_entry"

/*
 * tshm_strategy_find - the built-in strategy called @name (sma_cross,
 * zscore_revert, breakout), or NULL. Thread-safe.
 */
TSHM_EXPORT const struct tshm_strategy *tshm_strategy_find(const char *name);

/*
 * tshm_strategy_builtin - the @i-th built-in (NULL past the end), for listings.
 */
TSHM_EXPORT const struct tshm_strategy *tshm_strategy_builtin(unsigned i);

/*
 * tshm_strategy_load - dlopen @path and fetch its strategy through
 * TSHM_STRATEGY_ENTRY, then check it (ABI, sizes, names, every callback
 * set). Returns 0 with *@out (valid while the library stays loaded; it is
 * never unloaded); -ENOENT (no such file; other stat() errors as -errno);
 * -ENOEXEC (not a regular file, not loadable, or no entry point);
 * -TSHM_EVERSION (other ABI); -EINVAL (bad descriptor, or the entry point
 * returned NULL).
 * Writes a one-line reason into @err (may be NULL): dlerror()'s text, or
 * "PATH: why" - it names the file already. Thread-safe.
 */
TSHM_EXPORT int tshm_strategy_load(const char *path, const struct tshm_strategy **out, char *err,
				   size_t errlen);

/*
 * tshm_strategy_check - validate a descriptor as tshm_strategy_load does.
 * Returns 0, -TSHM_EVERSION or -EINVAL.
 */
TSHM_EXPORT int tshm_strategy_check(const struct tshm_strategy *s);

/*
 * tshm_strategy_has_metric - 1 if @s reports a metric called @name for
 * parameter set @p (asked of the partial of an empty slice, so before
 * any run), 0 if not; -EINVAL for a NULL argument, -ENOMEM. For checking
 * a --sort or --metric option before a sweep instead of after it.
 * Thread-safe.
 */
TSHM_EXPORT int tshm_strategy_has_metric(const struct tshm_strategy *s, const int64_t *p,
					 const char *name);

/*
 * tshm_strategy_params_check - 0 if the nparams values @p each lie within
 * their parameter's [min, max] and @s's validate() accepts the combination.
 * Returns -ERANGE (a value out of bounds) or -EINVAL (invalid combination),
 * with a one-line reason in @err (may be NULL). Thread-safe.
 */
TSHM_EXPORT int tshm_strategy_params_check(const struct tshm_strategy *s, const int64_t *p,
					   char *err, size_t errlen);

/*
 * tshm_sharpe - mean / sample standard deviation of @n daily pnl values
 * times sqrt(252), or 0 with fewer than two days or zero deviation.
 * Deterministic: fixed summation order, exact integer sums where they fit.
 */
TSHM_EXPORT double tshm_sharpe(const int64_t *daily, uint32_t n);

#ifdef __cplusplus
}
#endif
#endif /* TICKSHM_STRATEGY_H */
