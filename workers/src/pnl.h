/* SPDX-License-Identifier: MIT */
/*
 * Integer pnl accounting shared by the built-in strategies (STRATEGY.md,
 * "Accounting"): a stream of position signals in {-1, 0, +1} and prices in,
 * pnl, turnover, trades and an exactly mergeable drawdown summary out.
 *
 * Money arithmetic is done in uint64_t and converted back (two's complement
 * wrap-around, never undefined behaviour). Results are exact as long as every
 * prefix sum of pnl fits in int64_t, which the partial's int64_t pnl needs
 * anyway.
 */
#ifndef TSHM_WORKERS_PNL_H
#define TSHM_WORKERS_PNL_H

#include <stdint.h>

#include "tickshm/strategy.h"

/* Running accounting of one slice (lives in the strategy's state). */
struct tshm__acct {
	int64_t sig;  /* signal of the previous row; 0 before the first row */
	int64_t p;    /* price of the previous row */
	int64_t fee;  /* mantissa units per unit of position traded */
	int64_t e;    /* E: prefix sum of the scored rows' pnl */
	int64_t peak; /* M = max(0, max E) */
	int64_t dd;   /* D = max over k of (running peak - E_k) */
	int64_t low;  /* L = min(0, min E) */
	uint64_t turnover, trades, ticks;
};

/*
 * The partial result of every built-in. (S, M, D, L) summarise the prefix
 * sums of a slice so that two consecutive slices merge exactly
 * (tshm__pnl_merge); an all-zero partial is the empty slice, a neutral
 * element of the merge.
 */
struct tshm__pnl_partial {
	struct tshm_partial_base base; /* pnl = S, ticks */
	int64_t peak;		       /* M */
	int64_t dd;		       /* D */
	int64_t low;		       /* L */
	uint64_t turnover;
	uint64_t trades;
};
_Static_assert(sizeof(struct tshm__pnl_partial) == 56, "partial layout");
_Static_assert(sizeof(struct tshm__pnl_partial) <= TSHM_PARTIAL_MAX, "partial too large");

static inline int64_t tshm__wadd(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

static inline int64_t tshm__wsub(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a - (uint64_t)b);
}

static inline int64_t tshm__max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static inline int64_t tshm__min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* Fresh accounting: signal_{-1} = 0, nothing scored. */
static inline void tshm__acct_init(struct tshm__acct *a, int64_t fee)
{
	*a = (struct tshm__acct){.fee = fee};
}

/* Rows a strategy computes signals for at once (a stack buffer of int8_t). */
#define TSHM__CHUNK 512

/*
 * tshm__acct_run - score @n rows: signal @sig[i] held after row i of price
 * @price[i]; pnl_i = signal_{i-1} * (p_i - p_{i-1}) - fee * |signal_i - signal_{i-1}|.
 * Branch-free, and few enough live values to stay in registers.
 * @n <= TSHM__CHUNK (turnover and trades are summed in 32 bits first);
 * every @sig[i] in {-1, 0, +1} (the fee is read from a 5-entry table).
 */
void tshm__acct_run(struct tshm__acct *a, const int64_t *price, const int8_t *sig, uint64_t n);

/* Warm-up rows: only the last row's signal and price are remembered. */
static inline void tshm__acct_warm(struct tshm__acct *a, const int64_t *price, const int8_t *sig,
				   uint64_t n)
{
	if (n) {
		a->sig = sig[n - 1];
		a->p = price[n - 1];
	}
}

/*
 * tshm__batch_run - the built-ins' on_batch: @signals writes the signals of
 * up to TSHM__CHUNK rows (updating the strategy's state), then warm-up rows
 * only remember their last signal and scored rows are accounted.
 */
static inline void tshm__batch_run(void *state, struct tshm__acct *a, const struct tshm_batch *b,
				   void (*signals)(void *, const int64_t *, uint64_t, int8_t *))
{
	int8_t sig[TSHM__CHUNK];
	uint64_t warm = b->warm < b->n ? b->warm : b->n;

	for (uint64_t i = 0; i < b->n;) {
		uint64_t stop = i < warm ? warm : b->n;
		uint64_t len = stop - i < TSHM__CHUNK ? stop - i : TSHM__CHUNK;

		signals(state, b->price + i, len, sig);
		if (i < warm)
			tshm__acct_warm(a, b->price + i, sig, len);
		else
			tshm__acct_run(a, b->price + i, sig, len);
		i += len;
	}
}

/* The slice's partial (struct tshm__pnl_partial) from its accounting. */
void tshm__pnl_finish(const struct tshm__acct *a, void *partial);

/* @acc := @acc followed by @next (both struct tshm__pnl_partial). */
void tshm__pnl_merge(void *acc, const void *next);

/*
 * The built-ins' figures: pnl, max_drawdown (money), turnover, trades,
 * ticks, sharpe (real). Returns how many written (<= @max).
 */
uint32_t tshm__pnl_metrics(const void *partial, const struct tshm_metrics_in *in,
			   struct tshm_metric *out, uint32_t max);

/* @v * 10^@exp as a double, deterministic (exact powers of ten, one rounding). */
double tshm__pnl_real(int64_t v, int32_t exp);

/* Smallest power of two >= @v (@v <= 2^32). */
static inline uint64_t tshm__pow2_ceil(uint64_t v)
{
	uint64_t c = 1;

	while (c < v)
		c <<= 1;
	return c;
}

#endif /* TSHM_WORKERS_PNL_H */
