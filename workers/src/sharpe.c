/* SPDX-License-Identifier: MIT */
/*
 * Sharpe ratio of a daily pnl series: mean / sample stdev * sqrt(252).
 *
 * Determinism, not just accuracy, is the point: the same series gives the
 * same bits whatever slicing produced it. With T = sum x, Q = sum x^2 and
 * V = n*Q - T^2 (= n (n-1) * sample variance), sharpe = T / sqrt(V) *
 * sqrt(252 (n-1) / n). T is always exact in 128 bits; V is exact when
 * |x| <= 2^40 and n <= 2^20 (n*Q <= 2^120). Otherwise a fixed-order two-pass
 * sum in double is used.
 */
#include <math.h>

#include "tickshm/strategy.h"

#define EXACT_MAG (INT64_C(1) << 40)
#define EXACT_DAYS (UINT32_C(1) << 20)

static double scale(__int128 t, double v, uint32_t n)
{
	return (double)t / sqrt(v) * sqrt(252.0 * (double)(n - 1) / (double)n);
}

/* Two-pass variance in double for series too large for the exact path. */
static double sharpe_double(const int64_t *x, uint32_t n, __int128 t)
{
	double mean = (double)t / (double)n, ss = 0;
	int same = 1;

	for (uint32_t i = 0; i < n; i++) {
		double d = (double)x[i] - mean;

		ss += d * d;
		same &= x[i] == x[0];
	}
	if (same || ss == 0)
		return 0;
	/* V = n * sum (x - mean)^2 */
	return scale(t, (double)n * ss, n);
}

double tshm_sharpe(const int64_t *daily, uint32_t n)
{
	__int128 t = 0;
	unsigned __int128 q = 0;
	int exact = n <= EXACT_DAYS;

	if (n < 2 || !daily)
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		int64_t x = daily[i];

		t += x;
		exact &= x >= -EXACT_MAG && x <= EXACT_MAG;
		q += (unsigned __int128)((__int128)x * x);
	}
	if (!exact)
		return sharpe_double(daily, n, t);
	__int128 v = (__int128)n * (__int128)q - t * t;

	if (v <= 0)
		return 0;
	return scale(t, (double)v, n);
}
