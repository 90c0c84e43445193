/* SPDX-License-Identifier: MIT */
/*
 * The built-ins' partial results: finish, exact merge, final metrics.
 *
 * Drawdown of a concatenation. For a slice with prefix sums E_1..E_n keep
 * S = E_n, M = max(0, max E), L = min(0, min E) and D = max_k (max(0,
 * max_{j<=k} E_j) - E_k). For A followed by B, B's prefix sums are shifted by
 * S_A, the running peak inside B is max(M_A, S_A + peak_B) (S_A <= M_A, so the
 * 0 in peak_B is harmless), hence
 *   S = S_A + S_B, M = max(M_A, S_A + M_B), L = min(L_A, S_A + L_B),
 *   D = max(D_A, D_B, (M_A - S_A) - L_B).
 * The last candidate with L_B = 0 is M_A - S_A, the drawdown at A's end, which
 * D_A already covers, so clamping L and M at 0 is exact, and the all-zero
 * summary (the empty slice) is neutral. The merge computes the summary of the
 * concatenation, so it is associative.
 */
#include "pnl.h"

#include <math.h>
#include <string.h>

/* turnover and trades of @n signals after @prev (vectorises: int8 in, 32-bit sums). */
static void count_changes(struct tshm__acct *a, const int8_t *sig, uint64_t n)
{
	int32_t d0 = sig[0] - (int8_t)a->sig;
	uint32_t turn = (uint32_t)(d0 < 0 ? -d0 : d0), trades = d0 != 0;

	for (uint64_t i = 1; i < n; i++) {
		int8_t d = (int8_t)(sig[i] - sig[i - 1]);

		turn += (uint8_t)(d < 0 ? -d : d);
		trades += d != 0;
	}
	a->turnover += turn;
	a->trades += trades;
}

/*
 * The prefix sum and its drawdown summary, row by row. @with_fee is a
 * constant at each call: without a fee a row's pnl is one multiply. With
 * one, |s - psig| is 0, 1 or 2, so fee * |s - psig| is read from a table
 * indexed by s - psig + 2 (a load instead of compare, move and multiply).
 * Unrolled: the loop's own bookkeeping costs as much as a row's max/min.
 */
static inline __attribute__((always_inline)) void acct_loop(struct tshm__acct *a,
							    const int64_t *price, const int8_t *sig,
							    uint64_t n, const int with_fee)
{
	uint64_t prev = (uint64_t)a->p, fee = (uint64_t)a->fee;
	const uint64_t cost[5] = {2 * fee, fee, 0, fee, 2 * fee};
	int64_t psig = a->sig, e = a->e, peak = a->peak, dd = a->dd, low = a->low;

#pragma GCC unroll 8
	for (uint64_t i = 0; i < n; i++) {
		uint64_t p = (uint64_t)price[i], x = (uint64_t)psig * (p - prev);
		int64_t s = sig[i];

		if (with_fee)
			x -= cost[s - psig + 2];
		e = (int64_t)((uint64_t)e + x);
		peak = tshm__max64(peak, e);
		dd = tshm__max64(dd, tshm__wsub(peak, e));
		low = tshm__min64(low, e);
		psig = s;
		prev = p;
	}
	a->p = (int64_t)prev;
	a->sig = psig;
	a->e = e;
	a->peak = peak;
	a->dd = dd;
	a->low = low;
}

void tshm__acct_run(struct tshm__acct *a, const int64_t *price, const int8_t *sig, uint64_t n)
{
	if (!n)
		return;
	count_changes(a, sig, n);
	if (a->fee)
		acct_loop(a, price, sig, n, 1);
	else
		acct_loop(a, price, sig, n, 0);
	a->ticks += n;
}

void tshm__pnl_finish(const struct tshm__acct *a, void *partial)
{
	struct tshm__pnl_partial out = {
	    .base = {.pnl = a->e, .ticks = a->ticks},
	    .peak = a->peak,
	    .dd = a->dd,
	    .low = a->low,
	    .turnover = a->turnover,
	    .trades = a->trades,
	};

	memcpy(partial, &out, sizeof(out));
}

void tshm__pnl_merge(void *acc, const void *next)
{
	struct tshm__pnl_partial a, b;

	memcpy(&a, acc, sizeof(a));
	memcpy(&b, next, sizeof(b));
	a.dd = tshm__max64(tshm__max64(a.dd, b.dd),
			   tshm__wsub(tshm__wsub(a.peak, a.base.pnl), b.low));
	a.peak = tshm__max64(a.peak, tshm__wadd(a.base.pnl, b.peak));
	a.low = tshm__min64(a.low, tshm__wadd(a.base.pnl, b.low));
	a.base.pnl = tshm__wadd(a.base.pnl, b.base.pnl);
	a.base.ticks += b.base.ticks;
	a.turnover += b.turnover;
	a.trades += b.trades;
	memcpy(acc, &a, sizeof(a));
}

/* Powers of ten a double holds exactly. */
static const double pow10_exact[] = {1e0,  1e1,	 1e2,  1e3,  1e4,  1e5,	 1e6,  1e7,
				     1e8,  1e9,	 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

double tshm__pnl_real(int64_t v, int32_t exp)
{
	const int32_t top = (int32_t)(sizeof(pow10_exact) / sizeof(pow10_exact[0])) - 1;

	/* Dividing by an exact 10^k rounds once: 1234 at -2 gives 12.34 exactly rounded. */
	if (exp < 0 && exp >= -top)
		return (double)v / pow10_exact[-exp];
	if (exp >= 0 && exp <= top)
		return (double)v * pow10_exact[exp];
	return (double)v * pow(10.0, (double)exp);
}

static struct tshm_metric money(const char *name, int64_t v, int32_t exp)
{
	return (struct tshm_metric){
	    .name = name, .value = v, .real = tshm__pnl_real(v, exp), .is_money = 1};
}

static struct tshm_metric count(const char *name, uint64_t v)
{
	return (struct tshm_metric){.name = name, .value = (int64_t)v, .real = (double)v};
}

uint32_t tshm__pnl_metrics(const void *partial, const struct tshm_metrics_in *in,
			   struct tshm_metric *out, uint32_t max)
{
	struct tshm__pnl_partial p;
	struct tshm_metric m[6];
	uint32_t n = 0;

	memcpy(&p, partial, sizeof(p));
	m[n++] = money("pnl", p.base.pnl, in->price_exp);
	m[n++] = money("max_drawdown", p.dd, in->price_exp);
	m[n++] = (struct tshm_metric){
	    .name = "sharpe", .real = tshm_sharpe(in->daily_pnl, in->ndays), .is_real = 1};
	m[n++] = count("turnover", p.turnover);
	m[n++] = count("trades", p.trades);
	m[n++] = count("ticks", p.base.ticks);
	if (n > max)
		n = max;
	if (n)
		memcpy(out, m, n * sizeof(*out));
	return n;
}
