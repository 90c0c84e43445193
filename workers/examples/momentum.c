/* SPDX-License-Identifier: MIT */
/*
 * An example plugin strategy (workers/STRATEGY.md walks through it).
 *
 *   cc -shared -fPIC -I<tickshm>/workers/include -I<tickshm>/libshm/include \
 *      -o momentum.so momentum.c
 *   tickshm run --strategy-lib ./momentum.so --param lookback=10:100:10 ...
 *
 * momentum(lookback, fee): hold sign(p_i - p_{i-lookback}) after row i
 * (0 for i < lookback); pnl_i = signal_{i-1} * (p_i - p_{i-1})
 * - fee * |signal_i - signal_{i-1}|. The signal at row a-1 needs
 * p_{a-1-lookback}..p_{a-1}, so a slice starting at row a needs lookback + 1
 * rows of warm-up.
 *
 * It needs nothing but <tickshm/strategy.h>: no tickshm library is linked.
 */
#include <stdint.h>
#include <string.h>

#include "tickshm/strategy.h"

#define RING 8192 /* power of two > the largest lookback */

enum { P_LOOKBACK, P_FEE };

struct state {
	int64_t lookback, fee;
	uint64_t k;	   /* rows seen since init */
	int64_t sig, last; /* previous row's signal and price */
	int64_t pnl;	   /* scored rows only */
	uint64_t ticks, trades;
	int64_t ring[RING]; /* prices by row index mod RING */
};

/* Must start with struct tshm_partial_base: the pipeline reads pnl and ticks. */
struct partial {
	struct tshm_partial_base base;
	uint64_t trades;
};

static const struct tshm_param_def params[] = {
    /* name, default, min, max */
    {"lookback", 20, 1, RING / 2},
    {"fee", 0, 0, 1000000},
};

static int validate(const int64_t *p)
{
	(void)p; /* every in-range combination is valid */
	return 0;
}

static uint64_t warmup(const int64_t *p)
{
	return (uint64_t)p[P_LOOKBACK] + 1;
}

static void init(void *st_, const int64_t *p)
{
	struct state *st = st_;

	/* Only what the rules read: the ring is read only where written. */
	st->lookback = p[P_LOOKBACK];
	st->fee = p[P_FEE];
	st->k = 0;
	st->sig = st->last = st->pnl = 0;
	st->ticks = st->trades = 0;
}

static int64_t row_signal(struct state *st, int64_t p)
{
	uint64_t k = st->k++;
	int64_t sig = 0;

	if (k >= (uint64_t)st->lookback) {
		int64_t old = st->ring[(k - (uint64_t)st->lookback) % RING];

		sig = (p > old) - (p < old);
	}
	st->ring[k % RING] = p;
	return sig;
}

static void on_batch(void *st_, const struct tshm_batch *b)
{
	struct state *st = st_;

	for (uint64_t i = 0; i < b->n; i++) {
		int64_t p = b->price[i], sig = row_signal(st, p);

		if (i >= b->warm) { /* scored row */
			int64_t change = sig > st->sig ? sig - st->sig : st->sig - sig;

			st->pnl += st->sig * (p - st->last) - st->fee * change;
			st->trades += change != 0;
			st->ticks++;
		}
		st->sig = sig;
		st->last = p;
	}
}

static void finish(void *st_, void *out)
{
	const struct state *st = st_;
	struct partial r = {{st->pnl, st->ticks}, st->trades};

	memcpy(out, &r, sizeof(r));
}

/* Sums merge exactly and associatively. */
static void merge(void *acc_, const void *next_)
{
	struct partial acc, next;

	memcpy(&acc, acc_, sizeof(acc));
	memcpy(&next, next_, sizeof(next));
	acc.base.pnl += next.base.pnl;
	acc.base.ticks += next.base.ticks;
	acc.trades += next.trades;
	memcpy(acc_, &acc, sizeof(acc));
}

static double price_units(int64_t v, int32_t exp)
{
	double r = (double)v;

	for (; exp < 0; exp++)
		r /= 10;
	for (; exp > 0; exp--)
		r *= 10;
	return r;
}

static uint32_t metrics(const void *partial, const struct tshm_metrics_in *in,
			struct tshm_metric *out, uint32_t max)
{
	struct partial r;
	struct tshm_metric m[4] = {{0}};
	uint32_t n = 4;

	memcpy(&r, partial, sizeof(r));
	m[0] = (struct tshm_metric){.name = "pnl",
				    .value = r.base.pnl,
				    .is_money = 1,
				    .real = price_units(r.base.pnl, in->price_exp)};
	m[1] = (struct tshm_metric){
	    .name = "trades", .value = (int64_t)r.trades, .real = (double)r.trades};
	m[2] = (struct tshm_metric){
	    .name = "ticks", .value = (int64_t)r.base.ticks, .real = (double)r.base.ticks};
	m[3] = (struct tshm_metric){.name = "days", .value = in->ndays, .real = in->ndays};
	n = n < max ? n : max;
	if (n)
		memcpy(out, m, n * sizeof(*out));
	return n;
}

static const struct tshm_strategy momentum = {
    .abi = TSHM_STRATEGY_ABI,
    .nparams = 2,
    .name = "momentum",
    .summary = "hold the sign of the move over the last lookback trades",
    .params = params,
    .state_size = sizeof(struct state),
    .partial_size = sizeof(struct partial),
    .validate = validate,
    .warmup = warmup,
    .init = init,
    .on_batch = on_batch,
    .finish = finish,
    .merge = merge,
    .metrics = metrics,
};

/* The one symbol the pipeline looks up. */
__attribute__((visibility("default"))) const struct tshm_strategy *tshm_strategy_entry(void);

const struct tshm_strategy *tshm_strategy_entry(void)
{
	return &momentum;
}
