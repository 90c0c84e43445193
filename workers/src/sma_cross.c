/* SPDX-License-Identifier: MIT */
/*
 * sma_cross: long when the fast moving average is above the slow one, short
 * below, flat when equal (STRATEGY.md has the exact rules).
 *
 * signal_i = sign(F_i * slow - S_i * fast) with F_i, S_i the sums of the last
 * fast / slow prices, rolled over a linear buffer of prices: row k is at
 * buf[w], the prices leaving the windows at buf[w - fast] and buf[w - slow].
 * The buffer starts with slow zeros, so rows before the window is full read
 * zeros and the same loop computes their partial sums; when the buffer's end
 * is reached the last slow prices move back to its start.
 *
 * Exactness for every int64 price: while every price seen since init has
 * |p| <= lim = (2^62 - 1) / (fast * slow), F * slow and S * fast fit in int64
 * (the narrow loop, the hot one: no 128-bit arithmetic, no branch but the
 * range check). The first larger price switches the task for good to 128-bit
 * sums (the wide loop). Both paths are exact, so where the switch happens
 * never changes a result.
 */
#include <errno.h>
#include <string.h>

#include "pnl.h"
#include "strategy_internal.h"

#define SLOW_MAX 65536
#define BUF_CAP ((TSHM_STRATEGY_MAX_STATE - 256) / sizeof(int64_t))
#define LIM_TOP ((INT64_C(1) << 62) - 1)

enum { P_FAST, P_SLOW, P_FEE };

struct sma_state {
	int64_t fast, slow;
	int64_t lim;	 /* narrow while every |price| <= lim */
	uint64_t w, end; /* next write position; buffer length used */
	uint64_t k;	 /* rows consumed since init */
	int64_t f, s;	 /* sums while narrow */
	__int128 fw, sw; /* sums once wide */
	int64_t wide;
	struct tshm__acct acct;
	int64_t buf[BUF_CAP];
};
_Static_assert(sizeof(struct sma_state) <= TSHM_STRATEGY_MAX_STATE, "state too large");
_Static_assert(BUF_CAP >= SLOW_MAX + TSHM__CHUNK, "buffer too small");

static const struct tshm_param_def sma_params[] = {
    {"fast", 10, 1, SLOW_MAX - 1},
    {"slow", 50, 2, SLOW_MAX},
    {"fee", 0, 0, TSHM__FEE_MAX},
};

static int sma_validate(const int64_t *p)
{
	/* bounds too: callers outside the grid get the same protection */
	if (tshm__params_in_range(sma_params, 3, p))
		return -EINVAL;
	return p[P_FAST] < p[P_SLOW] ? 0 : -EINVAL;
}

static uint64_t sma_warmup(const int64_t *p)
{
	return (uint64_t)p[P_SLOW];
}

static void sma_init(void *state, const int64_t *p)
{
	struct sma_state *st = state;
	uint64_t slow = (uint64_t)p[P_SLOW];

	st->fast = p[P_FAST];
	st->slow = p[P_SLOW];
	st->lim = LIM_TOP / (st->fast * st->slow);
	/* a short buffer stays in L1; moves of slow prices stay rare */
	st->end = 8 * slow > 4096 ? 8 * slow : 4096;
	st->end = st->end < BUF_CAP ? st->end : BUF_CAP;
	st->w = slow;
	st->k = 0;
	st->f = st->s = 0;
	st->fw = st->sw = 0;
	st->wide = 0;
	tshm__acct_init(&st->acct, p[P_FEE]);
	memset(st->buf, 0, slow * sizeof(st->buf[0]));
}

/* Signals of @n rows on 64-bit sums; stops at a price beyond lim. Returns rows done. */
static uint64_t sma_narrow(struct sma_state *st, const int64_t *price, uint64_t n, int8_t *sig)
{
	const int64_t fast = st->fast, slow = st->slow, lim = st->lim;
	int64_t *q = st->buf + st->w;
	const int64_t *qf = q - fast, *qs = q - slow;
	int64_t f = st->f, s = st->s;
	uint64_t i;

	/* Unrolled: a row is about twenty instructions, and the loop's own
	 * increment, compare and spilled bound were a good part of them. */
#pragma GCC unroll 8
	for (i = 0; i < n; i++) {
		int64_t p = price[i], d;

		if (__builtin_expect((uint64_t)p + (uint64_t)lim > 2 * (uint64_t)lim, 0))
			break;
		f += p - qf[i];
		s += p - qs[i];
		q[i] = p;
		d = f * slow - s * fast;
		sig[i] = (int8_t)((d > 0) - (d < 0));
	}
	st->f = f;
	st->s = s;
	return i;
}

/* Signals of @n rows written at @q on exact 128-bit sums, whatever the prices. */
static void sma_wide(struct sma_state *st, int64_t *q, const int64_t *price, uint64_t n,
		     int8_t *sig)
{
	for (uint64_t i = 0; i < n; i++) {
		__int128 d;

		st->fw += (__int128)price[i] - q[(int64_t)i - st->fast];
		st->sw += (__int128)price[i] - q[(int64_t)i - st->slow];
		q[i] = price[i];
		d = st->fw * st->slow - st->sw * st->fast;
		sig[i] = (int8_t)((d > 0) - (d < 0));
	}
}

/* Signals of @n <= TSHM__CHUNK rows: narrow as long as possible, then wide. */
static void sma_signals(void *state, const int64_t *price, uint64_t n, int8_t *sig)
{
	struct sma_state *st = state;
	uint64_t done = 0, slow = (uint64_t)st->slow;

	if (st->w + n > st->end) { /* keep the last slow prices, start over */
		memmove(st->buf, st->buf + st->w - slow, slow * sizeof(st->buf[0]));
		st->w = slow;
	}
	if (!st->wide)
		done = sma_narrow(st, price, n, sig);
	if (done < n) {
		if (!st->wide) {
			st->wide = 1;
			st->fw = st->f;
			st->sw = st->s;
		}
		sma_wide(st, st->buf + st->w + done, price + done, n - done, sig + done);
	}
	if (st->k + 1 < slow) /* rows before the window is full: signal 0 */
		memset(sig, 0, (slow - 1 - st->k < n ? slow - 1 - st->k : n));
	st->w += n;
	st->k += n;
}

static void sma_on_batch(void *state, const struct tshm_batch *b)
{
	struct sma_state *st = state;

	tshm__batch_run(state, &st->acct, b, sma_signals);
}

static void sma_finish(void *state, void *partial)
{
	const struct sma_state *st = state;

	tshm__pnl_finish(&st->acct, partial);
}

const struct tshm_strategy tshm__sma_cross = {
    .abi = TSHM_STRATEGY_ABI,
    .nparams = 3,
    .name = "sma_cross",
    .summary = "long when the fast moving average is above the slow one, short below",
    .params = sma_params,
    .state_size = sizeof(struct sma_state),
    .partial_size = sizeof(struct tshm__pnl_partial),
    .validate = sma_validate,
    .warmup = sma_warmup,
    .init = sma_init,
    .on_batch = sma_on_batch,
    .finish = sma_finish,
    .merge = tshm__pnl_merge,
    .metrics = tshm__pnl_metrics,
};
