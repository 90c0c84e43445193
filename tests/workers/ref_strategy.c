/* SPDX-License-Identifier: MIT */
/* Reference strategies, trade generator and slicing harness (ref_strategy.h). */
#include "ref_strategy.h"
#include "tshm_test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

uint64_t ref_rand(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

int64_t ref_day(int64_t ts)
{
	int64_t d = ts / REF_DAY_NS;

	return ts % REF_DAY_NS < 0 ? d - 1 : d;
}

static int cmp_ts(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

void ref_gen_walk(uint64_t seed, uint64_t n, int64_t t0, uint32_t ndays, int64_t base, int64_t step,
		  int64_t *ts, int64_t *price)
{
	uint64_t r = seed, flat = 0;
	int64_t p = base, span = (int64_t)ndays * REF_DAY_NS;

	for (uint64_t i = 0; i < n; i++) {
		int64_t t = t0 + (int64_t)(ref_rand(&r) % (uint64_t)span);

		if (ndays > 2 && ref_day(t - t0) % 5 == 3)
			t -= REF_DAY_NS; /* leave some days empty */
		ts[i] = t < t0 ? t0 : t;
	}
	qsort(ts, n, sizeof(*ts), cmp_ts);
	for (uint64_t i = 1; i < n; i++)
		if (ref_rand(&r) % 8 == 0)
			ts[i] = ts[i - 1]; /* ties */
	for (uint64_t i = 0; i < n; i++) {
		uint64_t x = ref_rand(&r);

		if (flat)
			flat--;
		else if (x % 256 == 0)
			flat = 1 + (x >> 8) % 200; /* long enough to flatten the averages */
		else
			p += (int64_t)((x >> 8) % (uint64_t)(2 * step + 1)) - step;
		if (p < step + 1)
			p = step + 1;
		price[i] = p;
	}
}

void ref_result_free(struct ref_result *r)
{
	free(r->daily);
	r->daily = NULL;
}

double ref_sqrt(double x)
{
	double y = x, next;

	if (!(x > 0))
		return 0;
	if (y < 1)
		y = 1;
	/* Newton from above: decreases monotonically to sqrt(x), then stops */
	for (;;) {
		next = 0.5 * (y + x / y);
		if (!(next < y))
			return y;
		y = next;
	}
}

/* sharpe = mean / sample stdev of the daily series * sqrt(252); 0 with < 2 days or stdev 0. */
static double ref_sharpe(const int64_t *x, uint32_t n)
{
	double sum = 0, mean, ss = 0, sd;

	if (n < 2)
		return 0;
	for (uint32_t i = 0; i < n; i++)
		sum += (double)x[i];
	mean = sum / n;
	for (uint32_t i = 0; i < n; i++)
		ss += ((double)x[i] - mean) * ((double)x[i] - mean);
	sd = ref_sqrt(ss / (n - 1));
	return sd == 0 ? 0 : mean / sd * ref_sqrt(252.0);
}

/* Every figure from the signal series, straight from the formulas. */
static int ref_account(const int64_t *ts, const int64_t *p, const int64_t *sig, uint64_t n,
		       int64_t fee, struct ref_result *out)
{
	int64_t e = 0, peak = 0, prev = 0;

	memset(out, 0, sizeof(*out));
	out->daily = calloc(n ? n : 1, sizeof(int64_t));
	if (!out->daily)
		return -ENOMEM;
	for (uint64_t i = 0; i < n; i++) {
		int64_t move = i ? p[i] - p[i - 1] : 0;
		int64_t change = llabs(sig[i] - prev);
		int64_t pnl = prev * move - fee * change;

		e += pnl;
		peak = e > peak ? e : peak;
		if (peak - e > out->max_drawdown)
			out->max_drawdown = peak - e;
		out->turnover += (uint64_t)change;
		out->trades += sig[i] != prev;
		if (i == 0 || ref_day(ts[i]) != ref_day(ts[i - 1]))
			out->ndays++;
		out->daily[out->ndays - 1] += pnl;
		prev = sig[i];
	}
	out->pnl = e;
	out->ticks = n;
	out->sharpe = ref_sharpe(out->daily, out->ndays);
	return 0;
}

static int64_t sign128(__int128 v)
{
	return v > 0 ? 1 : v < 0 ? -1 : 0;
}

int ref_sma_cross(const int64_t *ts, const int64_t *price, uint64_t n, int64_t fast, int64_t slow,
		  int64_t fee, struct ref_result *out)
{
	int64_t *sig = calloc(n ? n : 1, sizeof(*sig));
	int rc;

	if (!sig)
		return -ENOMEM;
	for (uint64_t i = (uint64_t)slow - 1; i < n; i++) {
		__int128 f = 0, s = 0;

		for (uint64_t j = i + 1 - (uint64_t)fast; j <= i; j++)
			f += price[j];
		for (uint64_t j = i + 1 - (uint64_t)slow; j <= i; j++)
			s += price[j];
		sig[i] = sign128(f * slow - s * fast);
	}
	rc = ref_account(ts, price, sig, n, fee, out);
	free(sig);
	return rc;
}

/* zscore class of row i (i >= w-1): +1 |z| >= entry, -1 |z| <= exit or v = 0, 0 between. */
static int zs_class(const int64_t *price, uint64_t i, int64_t w, int64_t entry, int64_t exit,
		    int64_t *dsign)
{
	__int128 s = 0, q = 0, d, v;

	for (uint64_t j = i + 1 - (uint64_t)w; j <= i; j++) {
		s += price[j];
		q += (__int128)price[j] * price[j];
	}
	d = (__int128)w * price[i] - s;
	v = w * q - s * s;
	*dsign = sign128(d);
	if (v == 0 || d * d * 10000 <= (__int128)exit * exit * v)
		return -1;
	return d * d * 10000 >= (__int128)entry * entry * v ? 1 : 0;
}

int ref_zscore_revert(const int64_t *ts, const int64_t *price, uint64_t n, int64_t window,
		      int64_t entry, int64_t exit, int64_t fee, struct ref_result *out)
{
	int64_t *sig = calloc(n ? n : 1, sizeof(*sig)), *cls = calloc(n ? n : 1, sizeof(*cls));
	int64_t *dec = calloc(n ? n : 1, sizeof(*dec));
	int rc = -ENOMEM;

	if (!sig || !cls || !dec)
		goto out;
	for (uint64_t i = (uint64_t)window - 1; i < n; i++) {
		int64_t ds;

		cls[i] = zs_class(price, i, window, entry, exit, &ds);
		dec[i] = cls[i] > 0 ? -ds : 0; /* fade the move; flat on exit */
		if (cls[i] != 0) {
			sig[i] = dec[i];
			continue;
		}
		/* between: the last decisive row j with i - j < window, if any */
		for (uint64_t j = i; j-- > (uint64_t)window - 1 && i - j < (uint64_t)window;) {
			if (cls[j] != 0) {
				sig[i] = dec[j];
				break;
			}
		}
	}
	rc = ref_account(ts, price, sig, n, fee, out);
out:
	free(sig);
	free(cls);
	free(dec);
	return rc;
}

int ref_breakout(const int64_t *ts, const int64_t *price, uint64_t n, int64_t window, int64_t fee,
		 struct ref_result *out)
{
	int64_t *sig = calloc(n ? n : 1, sizeof(*sig)), *ev = calloc(n ? n : 1, sizeof(*ev));
	uint64_t w = (uint64_t)window;
	int rc = -ENOMEM;

	if (!sig || !ev)
		goto out;
	for (uint64_t i = w; i < n; i++) {
		int64_t hi = price[i - w], lo = price[i - w];

		for (uint64_t j = i - w; j < i; j++) {
			hi = price[j] > hi ? price[j] : hi;
			lo = price[j] < lo ? price[j] : lo;
		}
		ev[i] = price[i] > hi ? 1 : price[i] < lo ? -1 : 0;
		sig[i] = ev[i];
		for (uint64_t j = i; !ev[i] && j-- > w && i - j < w;) {
			if (ev[j]) {
				sig[i] = ev[j];
				break;
			}
		}
	}
	rc = ref_account(ts, price, sig, n, fee, out);
out:
	free(sig);
	free(ev);
	return rc;
}

/* ---- slicing harness ---------------------------------------------------- */

/* One slice [a, b): warm-up, random batches, finish into @partial. */
static void run_slice(const struct tshm_strategy *s, const int64_t *p, void *state,
		      const int64_t *ts, const int64_t *price, uint64_t a, uint64_t b,
		      const struct harness_opts *o, uint64_t *rng, void *partial)
{
	uint64_t w = o->full_history ? a : s->warmup(p), from;

	w = w < a ? w : a;
	from = a - w;
	s->init(state, p);
	while (from < b) {
		uint64_t len = b - from;

		if (o->seed && len > 1 && ref_rand(rng) % 3 == 0)
			len = 1 + ref_rand(rng) % len;
		struct tshm_batch bt = {.ts = ts + from, .price = price + from, .n = len};

		bt.warm = from < a ? (a - from < len ? a - from : len) : 0;
		s->on_batch(state, &bt);
		from += len;
	}
	memset(partial, 0, s->partial_size);
	s->finish(state, partial);
}

/* End of the slice starting at @a. */
static uint64_t slice_end(const int64_t *ts, uint64_t n, uint64_t a, const struct harness_opts *o,
			  uint64_t *rng)
{
	uint64_t b = a + 1, max = n;

	if (o->slice_rows) {
		uint64_t len = o->seed ? 1 + ref_rand(rng) % o->slice_rows : o->slice_rows;

		max = a + len < n ? a + len : n;
	}
	while (b < max && ref_day(ts[b]) == ref_day(ts[a]))
		b++;
	return b;
}

static int harness_alloc(const struct tshm_strategy *s, uint64_t n, struct harness_out *out,
			 void **state)
{
	size_t ss = ((size_t)s->state_size + 63) & ~(size_t)63;

	memset(out, 0, sizeof(*out));
	*state = aligned_alloc(64, ss);
	out->daily = calloc(n ? n : 1, sizeof(int64_t));
	out->parts = calloc(n ? n : 1, s->partial_size);
	out->part_day = calloc(n ? n : 1, sizeof(int64_t));
	if (!*state || !out->daily || !out->parts || !out->part_day) {
		free(*state);
		harness_free(out);
		return -ENOMEM;
	}
	memset(*state, 0xa5, ss); /* a strategy must not rely on zeroed state */
	return 0;
}

int harness_run(const struct tshm_strategy *s, const int64_t *p, const int64_t *ts,
		const int64_t *price, uint64_t n, int32_t price_exp, const struct harness_opts *o,
		struct harness_out *out)
{
	uint64_t rng = o->seed, a = 0;
	void *state;
	int rc = harness_alloc(s, n, out, &state);

	if (rc)
		return rc;
	while (a < n) {
		uint64_t b = slice_end(ts, n, a, o, &rng);
		unsigned char *part = out->parts + out->slices * s->partial_size;
		struct tshm_partial_base base;

		run_slice(s, p, state, ts, price, a, b, o, &rng, part);
		memcpy(&base, part, sizeof(base));
		out->part_day[out->slices] = ref_day(ts[a]);
		if (out->slices == 0 || out->part_day[out->slices - 1] != ref_day(ts[a]))
			out->ndays++;
		out->daily[out->ndays - 1] += base.pnl;
		if (out->slices == 0)
			memcpy(out->partial, part, s->partial_size);
		else
			s->merge(out->partial, part);
		out->slices++;
		a = b;
	}
	free(state);
	struct tshm_metrics_in in = {
	    .daily_pnl = out->daily, .ndays = out->ndays, .price_exp = price_exp};

	out->nm = s->metrics(out->partial, &in, out->m, TSHM_METRICS_MAX);
	return 0;
}

void harness_free(struct harness_out *out)
{
	free(out->daily);
	free(out->parts);
	free(out->part_day);
	out->daily = NULL;
	out->parts = NULL;
	out->part_day = NULL;
}

struct ref_series ref_series_gen(uint64_t seed, uint64_t n, uint32_t ndays, int64_t base,
				 int64_t step)
{
	struct ref_series s = {n, malloc((n ? n : 1) * 8), malloc((n ? n : 1) * 8)};

	if (!s.ts || !s.price)
		abort();
	ref_gen_walk(seed, n, TSHM_TEST_T0, ndays, base, step, s.ts, s.price);
	return s;
}

void ref_series_free(struct ref_series *s)
{
	free(s->ts);
	free(s->price);
}
