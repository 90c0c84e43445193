/* SPDX-License-Identifier: MIT */
/*
 * breakout: long when the price breaks above the highest of the previous
 * `window` prices, short below the lowest, and keep the last breakout's
 * direction for at most `window` rows (STRATEGY.md has the exact rules).
 *
 * The window's maximum and minimum come from monotonic deques of row
 * indices (amortised O(1) a row). A deque's content is a function of the
 * window's prices alone, so a fresh state after warm-up holds exactly what a
 * run from the first row holds.
 */
#include <errno.h>

#include "pnl.h"
#include "strategy_internal.h"

#define CAP (UINT64_C(1) << 15) /* >= window + 1 */

enum { P_WINDOW, P_FEE };

/* A deque of row indices in q[head..tail) (positions masked). */
struct bo_deque {
	uint64_t head, tail;
};

struct bo_state {
	int64_t w;
	uint64_t mask; /* capacity - 1, a power of two >= w + 1 */
	uint64_t k;    /* rows consumed since init */
	struct bo_deque hi, lo;
	int64_t ev_sig; /* direction of the last breakout */
	uint64_t age;	/* rows since it, saturating at w */
	struct tshm__acct acct;
	int64_t ring[CAP]; /* prices by row index */
	uint64_t hiq[CAP]; /* indices, prices non-increasing */
	uint64_t loq[CAP]; /* indices, prices non-decreasing */
};

static const struct tshm_param_def bo_params[] = {
    {"window", 100, 1, (int64_t)CAP - 1},
    {"fee", 0, 0, TSHM__FEE_MAX},
};

static int bo_validate(const int64_t *p)
{
	/* any window in range; checked here too for callers outside the grid */
	return tshm__params_in_range(bo_params, 2, p) ? -EINVAL : 0;
}

static uint64_t bo_warmup(const int64_t *p)
{
	return 2 * (uint64_t)p[P_WINDOW];
}

static void bo_init(void *state, const int64_t *p)
{
	struct bo_state *st = state;

	st->w = p[P_WINDOW];
	st->mask = tshm__pow2_ceil((uint64_t)st->w + 1) - 1;
	st->k = 0;
	st->hi = st->lo = (struct bo_deque){0, 0};
	st->ev_sig = 0;
	st->age = (uint64_t)st->w;
	tshm__acct_init(&st->acct, p[P_FEE]);
}

/* Price at the front of @d once indices before @old are dropped. */
static int64_t bo_front(const struct bo_state *st, struct bo_deque *d, const uint64_t *q,
			uint64_t old)
{
	while (q[d->head & st->mask] < old)
		d->head++;
	return st->ring[q[d->head & st->mask] & st->mask];
}

/* Push row @k of price @p; @dir +1 keeps maxima (drops <= p), -1 minima. */
static void bo_push(struct bo_state *st, struct bo_deque *d, uint64_t *q, uint64_t k, int64_t p,
		    int dir)
{
	while (d->tail != d->head) {
		int64_t back = st->ring[q[(d->tail - 1) & st->mask] & st->mask];

		if (dir > 0 ? back > p : back < p)
			break;
		d->tail--;
	}
	q[d->tail++ & st->mask] = k;
}

static int64_t bo_row(struct bo_state *st, int64_t p)
{
	uint64_t k = st->k++, w = (uint64_t)st->w;
	int64_t sig = 0;

	st->age += st->age < w;
	if (k >= w) {
		int64_t hi = bo_front(st, &st->hi, st->hiq, k - w);
		int64_t lo = bo_front(st, &st->lo, st->loq, k - w);

		if (p > hi || p < lo) {
			st->ev_sig = p > hi ? 1 : -1;
			st->age = 0;
		}
		sig = st->age < w ? st->ev_sig : 0;
	}
	st->ring[k & st->mask] = p;
	bo_push(st, &st->hi, st->hiq, k, p, 1);
	bo_push(st, &st->lo, st->loq, k, p, -1);
	return sig;
}

static void bo_signals(void *state, const int64_t *price, uint64_t n, int8_t *sig)
{
	for (uint64_t i = 0; i < n; i++)
		sig[i] = (int8_t)bo_row(state, price[i]);
}

static void bo_on_batch(void *state, const struct tshm_batch *b)
{
	struct bo_state *st = state;

	tshm__batch_run(state, &st->acct, b, bo_signals);
}

static void bo_finish(void *state, void *partial)
{
	const struct bo_state *st = state;

	tshm__pnl_finish(&st->acct, partial);
}

const struct tshm_strategy tshm__breakout = {
    .abi = TSHM_STRATEGY_ABI,
    .nparams = 2,
    .name = "breakout",
    .summary = "long above the previous window's high, short below its low, for window rows",
    .params = bo_params,
    .state_size = sizeof(struct bo_state),
    .partial_size = sizeof(struct tshm__pnl_partial),
    .validate = bo_validate,
    .warmup = bo_warmup,
    .init = bo_init,
    .on_batch = bo_on_batch,
    .finish = bo_finish,
    .merge = tshm__pnl_merge,
    .metrics = tshm__pnl_metrics,
};
