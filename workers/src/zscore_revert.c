/* SPDX-License-Identifier: MIT */
/*
 * zscore_revert: fade moves of more than `entry` hundredths of a standard
 * deviation from the rolling mean, go flat within `exit` hundredths, hold in
 * between for at most `window` rows (STRATEGY.md has the exact rules).
 *
 * Over the last w prices (current included), with S = sum p, Q = sum p^2:
 * d = w*p - S and v = w*Q - S^2 = w^2 * variance, so z = d / sqrt(v) and
 * |z| >= entry/100 <=> (100 |d|)^2 >= entry^2 * v, compared in 256 bits.
 * S is exact in 128 bits; Q and v are computed modulo 2^128, which is exact
 * for v itself (0 <= v < 2^128) whenever w * (max - min of the window) < 2^64.
 * Modular sums do not depend on where a run started, so slicing never changes
 * a result, even outside that range.
 */
#include <errno.h>
#include <string.h>

#include "pnl.h"
#include "strategy_internal.h"

#define RING_CAP (UINT64_C(1) << 16)

typedef unsigned __int128 u128;

enum { P_WINDOW, P_ENTRY, P_EXIT, P_FEE };

struct zs_state {
	int64_t w;
	uint64_t entry2, exit2; /* entry^2, exit^2 */
	uint64_t mask;		/* ring capacity - 1, a power of two >= w */
	uint64_t k;		/* rows consumed since init */
	__int128 s;		/* sum of the window, exact */
	u128 q;			/* sum of squares, modulo 2^128 */
	int64_t ev_sig;		/* signal of the last decisive row */
	uint64_t age;		/* rows since it, saturating at w */
	struct tshm__acct acct;
	int64_t ring[RING_CAP];
};

static const struct tshm_param_def zs_params[] = {
    {"window", 100, 2, (int64_t)RING_CAP},
    {"entry", 200, 1, 100000},
    {"exit", 50, 0, 99999},
    {"fee", 0, 0, TSHM__FEE_MAX},
};

static int zs_validate(const int64_t *p)
{
	/* bounds too: callers outside the grid get the same protection */
	if (tshm__params_in_range(zs_params, 4, p))
		return -EINVAL;
	return p[P_EXIT] < p[P_ENTRY] ? 0 : -EINVAL;
}

static uint64_t zs_warmup(const int64_t *p)
{
	return 2 * (uint64_t)p[P_WINDOW] - 1;
}

static void zs_init(void *state, const int64_t *p)
{
	struct zs_state *st = state;

	st->w = p[P_WINDOW];
	st->entry2 = (uint64_t)(p[P_ENTRY] * p[P_ENTRY]);
	st->exit2 = (uint64_t)(p[P_EXIT] * p[P_EXIT]);
	st->mask = tshm__pow2_ceil((uint64_t)st->w) - 1;
	st->k = 0;
	st->s = 0;
	st->q = 0;
	st->ev_sig = 0;
	st->age = (uint64_t)st->w;
	tshm__acct_init(&st->acct, p[P_FEE]);
	memset(st->ring, 0, (st->mask + 1) * sizeof(st->ring[0]));
}

/* 256-bit product of @a and @b as (hi, lo). */
static void mul256(u128 a, u128 b, u128 *hi, u128 *lo)
{
	uint64_t a0 = (uint64_t)a, a1 = (uint64_t)(a >> 64);
	uint64_t b0 = (uint64_t)b, b1 = (uint64_t)(b >> 64);
	u128 p00 = (u128)a0 * b0, p01 = (u128)a0 * b1, p10 = (u128)a1 * b0;
	u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10;

	*lo = (mid << 64) | (uint64_t)p00;
	*hi = (u128)a1 * b1 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
}

/* sign of (a_hi:a_lo) - (b_hi:b_lo) */
static int cmp256(u128 ah, u128 al, u128 bh, u128 bl)
{
	if (ah != bh)
		return ah < bh ? -1 : 1;
	return (al > bl) - (al < bl);
}

/* +1: |z| >= entry (decisive), -1: |z| <= exit or v = 0 (flat), 0: between. */
static int zs_classify(const struct zs_state *st, __int128 d, u128 v)
{
	u128 x = (u128)(d < 0 ? -d : d) * 100, ah, al, bh, bl;

	if (v == 0)
		return -1;
	mul256(x, x, &ah, &al);
	mul256(st->entry2, v, &bh, &bl);
	if (cmp256(ah, al, bh, bl) >= 0)
		return 1;
	mul256(st->exit2, v, &bh, &bl);
	return cmp256(ah, al, bh, bl) <= 0 ? -1 : 0;
}

/* The signal of the row just added to the window (of price @p). */
static int64_t zs_decide(struct zs_state *st, int64_t p)
{
	__int128 d = (__int128)st->w * p - st->s;
	u128 v = (u128)st->w * st->q - (u128)st->s * (u128)st->s;
	int c = zs_classify(st, d, v);

	if (c != 0) {
		st->ev_sig = c > 0 ? (d > 0 ? -1 : 1) : 0;
		st->age = 0;
		return st->ev_sig;
	}
	return st->age < (uint64_t)st->w ? st->ev_sig : 0;
}

static int64_t zs_row(struct zs_state *st, int64_t p)
{
	uint64_t k = st->k++;
	int64_t out = st->ring[(k - (uint64_t)st->w) & st->mask];

	st->ring[k & st->mask] = p;
	st->s += (__int128)p - out;
	st->q += (u128)((__int128)p * p) - (u128)((__int128)out * out);
	st->age += st->age < (uint64_t)st->w;
	if (k + 1 < (uint64_t)st->w)
		return 0;
	return zs_decide(st, p);
}

static void zs_signals(void *state, const int64_t *price, uint64_t n, int8_t *sig)
{
	for (uint64_t i = 0; i < n; i++)
		sig[i] = (int8_t)zs_row(state, price[i]);
}

static void zs_on_batch(void *state, const struct tshm_batch *b)
{
	struct zs_state *st = state;

	tshm__batch_run(state, &st->acct, b, zs_signals);
}

static void zs_finish(void *state, void *partial)
{
	const struct zs_state *st = state;

	tshm__pnl_finish(&st->acct, partial);
}

const struct tshm_strategy tshm__zscore_revert = {
    .abi = TSHM_STRATEGY_ABI,
    .nparams = 4,
    .name = "zscore_revert",
    .summary = "fade moves beyond entry/100 sigma from the rolling mean, flat within exit/100",
    .params = zs_params,
    .state_size = sizeof(struct zs_state),
    .partial_size = sizeof(struct tshm__pnl_partial),
    .validate = zs_validate,
    .warmup = zs_warmup,
    .init = zs_init,
    .on_batch = zs_on_batch,
    .finish = zs_finish,
    .merge = tshm__pnl_merge,
    .metrics = tshm__pnl_metrics,
};
