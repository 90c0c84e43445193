/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/*
 * sma_cross against the naive single-process reference (ref_strategy.c),
 * exact, on generated data: several assets and parameter sets, any slicing,
 * large and negative prices (the 128-bit path), short series.
 */
#include "tshm_test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ref_strategy.h"
#include "tickshm/strategy.h"

#define T0 TSHM_TEST_T0

static const struct tshm_metric *metric(const struct harness_out *h, const char *name)
{
	for (uint32_t i = 0; i < h->nm; i++)
		if (!strcmp(h->m[i].name, name))
			return &h->m[i];
	fail_msg("no metric %s", name);
	return NULL;
}

/* Every figure of @h equals the reference's; sharpe within 1e-9 and bitwise via tshm_sharpe. */
static void expect_ref(const struct harness_out *h, const struct ref_result *r)
{
	double sharpe = metric(h, "sharpe")->real, want = tshm_sharpe(r->daily, r->ndays);

	assert_int_equal(metric(h, "pnl")->value, r->pnl);
	assert_int_equal(metric(h, "max_drawdown")->value, r->max_drawdown);
	assert_int_equal(metric(h, "turnover")->value, r->turnover);
	assert_int_equal(metric(h, "trades")->value, r->trades);
	assert_int_equal(metric(h, "ticks")->value, r->ticks);
	assert_int_equal(h->ndays, r->ndays);
	assert_memory_equal(h->daily, r->daily, r->ndays * sizeof(int64_t));
	assert_memory_equal(&sharpe, &want, sizeof(double));
	assert_true(__builtin_fabs(sharpe - r->sharpe) <= 1e-9 * (1 + __builtin_fabs(r->sharpe)));
}

static void run_ref(const struct ref_series *s, const int64_t *p, const struct harness_opts *o)
{
	struct ref_result r;
	struct harness_out h;
	const struct tshm_strategy *sma = tshm_strategy_find("sma_cross");

	assert_int_equal(ref_sma_cross(s->ts, s->price, s->n, p[0], p[1], p[2], &r), 0);
	assert_int_equal(harness_run(sma, p, s->ts, s->price, s->n, -2, o, &h), 0);
	expect_ref(&h, &r);
	harness_free(&h);
	ref_result_free(&r);
}

static void test_sma_cross_matches_reference(void **state)
{
	static const int64_t params[][3] = {{1, 2, 0}, {5, 20, 0},   {10, 50, 3},
					    {3, 7, 1}, {20, 200, 0}, {49, 50, 2}};
	static const struct harness_opts opts[] = {
	    {0, 0, 0},	   /* a slice per day */
	    {1000, 0, 0},  /* 1000 rows, cut at midnight */
	    {37, 11, 0},   /* random slices up to 37 rows: shorter than the warm-up */
	    {5000, 12, 0}, /* random slices and batches */
	};
	(void)state;
	for (uint64_t asset = 0; asset < 4; asset++) {
		struct ref_series s = ref_series_gen(
		    100 + asset, 6000 + 1500 * asset, 6 + (uint32_t)asset,
		    10000 * (int64_t)(asset + 1), 1 + (int64_t)asset * 3);

		for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++)
			for (size_t j = 0; j < sizeof(opts) / sizeof(opts[0]); j++)
				run_ref(&s, params[i], &opts[j]);
		ref_series_free(&s);
	}
}

/* The reference itself against hand-computed figures. */
static void test_sma_cross_reference_by_hand(void **state)
{
	/* fast 1, slow 2: signal_i = sign(p_i - p_{i-1}) from i = 1 */
	const int64_t ts[] = {T0, T0 + 1, T0 + 2, T0 + 3, T0 + REF_DAY_NS, T0 + REF_DAY_NS + 1};
	const int64_t px[] = {100, 103, 101, 101, 104, 100};
	struct ref_result r;

	(void)state;
	/* signals 0 +1 -1 0 +1 -1; with fee 1, pnl_i = sig_{i-1} (p_i - p_{i-1}) - |dsig|:
	 * [0, 0 - 1, -2 - 2, 0 - 1, 0 - 1, -4 - 2]; E = 0 -1 -5 -6 -7 -13 */
	assert_int_equal(ref_sma_cross(ts, px, 6, 1, 2, 1, &r), 0);
	assert_int_equal(r.pnl, 0 - 1 - 4 - 1 - 1 - 6);
	assert_int_equal(r.turnover, 1 + 2 + 1 + 1 + 2);
	assert_int_equal(r.trades, 5);
	assert_int_equal(r.max_drawdown, 13);
	assert_int_equal(r.ndays, 2);
	assert_int_equal(r.daily[0], -6);
	assert_int_equal(r.daily[1], -7);
	ref_result_free(&r);
}

/* Prices beyond 2^46 switch to 128-bit sums, at a point that depends on the slicing. */
static void test_sma_cross_large_prices(void **state)
{
	static const int64_t params[][3] = {{3, 9, 0}, {10, 60, 5}, {1, 2, 0}};
	static const struct harness_opts opts[] = {{0, 0, 0}, {50, 3, 0}, {400, 4, 0}};
	const int64_t bases[] = {(INT64_C(1) << 46) - 1000, INT64_C(1) << 60, INT64_MAX / 2,
				 -(INT64_C(1) << 46) + 2500};
	(void)state;
	for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		struct ref_series s = ref_series_gen(7 + b, 4000, 4, 1000, 40);

		int64_t lo = INT64_MAX, hi = INT64_MIN;

		for (uint64_t i = 0; i < s.n; i++) {
			s.price[i] = bases[b] + (bases[b] < 0 ? -s.price[i] : s.price[i]);
			lo = s.price[i] < lo ? s.price[i] : lo;
			hi = s.price[i] > hi ? s.price[i] : hi;
		}
		if (b == 0) /* crosses the 64-bit sums' limit mid-series */
			assert_true(lo <= (INT64_C(1) << 46) && hi > (INT64_C(1) << 46));
		for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++)
			for (size_t j = 0; j < sizeof(opts) / sizeof(opts[0]); j++)
				run_ref(&s, params[i], &opts[j]);
		ref_series_free(&s);
	}
}

/* Negative prices (spreads) and a series around zero. */
static void test_sma_cross_negative_prices(void **state)
{
	const int64_t p[] = {4, 16, 2};
	struct ref_series s = ref_series_gen(31, 5000, 5, 500, 7);
	struct harness_opts o = {100, 5, 0};

	(void)state;
	for (uint64_t i = 0; i < s.n; i++)
		s.price[i] -= 520;
	run_ref(&s, p, &o);
	ref_series_free(&s);
}

/* Fewer rows than slow: no signal, nothing traded; zero rows: all zero. */
static void test_sma_cross_short_series(void **state)
{
	const int64_t p[] = {5, 50, 3};
	struct ref_series s = ref_series_gen(5, 49, 2, 1000, 5);
	struct harness_opts o = {0, 0, 0};
	struct harness_out h;
	struct ref_result r;

	(void)state;
	run_ref(&s, p, &o);
	assert_int_equal(ref_sma_cross(s.ts, s.price, s.n, p[0], p[1], p[2], &r), 0);
	assert_int_equal(r.trades, 0);
	assert_int_equal(r.pnl, 0);
	ref_result_free(&r);
	assert_int_equal(
	    harness_run(tshm_strategy_find("sma_cross"), p, s.ts, s.price, 0, -2, &o, &h), 0);
	assert_int_equal(metric(&h, "pnl")->value, 0);
	assert_int_equal(metric(&h, "ticks")->value, 0);
	assert_true(metric(&h, "sharpe")->real == 0);
	harness_free(&h);
	ref_series_free(&s);
}

/* Flat prices: F*slow == S*fast, signal 0, nothing traded even with a fee. */
static void test_sma_cross_flat_prices(void **state)
{
	const int64_t p[] = {2, 5, 7};
	struct ref_series s = ref_series_gen(9, 300, 2, 1000, 5);
	struct harness_opts o = {0, 0, 0};
	struct harness_out h;

	(void)state;
	for (uint64_t i = 0; i < s.n; i++)
		s.price[i] = 777;
	assert_int_equal(
	    harness_run(tshm_strategy_find("sma_cross"), p, s.ts, s.price, s.n, -2, &o, &h), 0);
	assert_int_equal(metric(&h, "trades")->value, 0);
	assert_int_equal(metric(&h, "pnl")->value, 0);
	assert_int_equal(metric(&h, "ticks")->value, 300);
	run_ref(&s, p, &o);
	harness_free(&h);
	ref_series_free(&s);
}

/* Money figures carry the price exponent; sharpe is real-only. */
static void test_sma_cross_metric_units(void **state)
{
	const int64_t p[] = {5, 20, 1};
	struct ref_series s = ref_series_gen(77, 3000, 5, 10000, 4);
	struct harness_opts o = {0, 0, 0};
	struct harness_out h;
	const struct tshm_metric *pnl, *dd, *sh, *tr;

	(void)state;
	assert_int_equal(
	    harness_run(tshm_strategy_find("sma_cross"), p, s.ts, s.price, s.n, -2, &o, &h), 0);
	pnl = metric(&h, "pnl");
	dd = metric(&h, "max_drawdown");
	sh = metric(&h, "sharpe");
	tr = metric(&h, "trades");
	assert_true(pnl->is_money && dd->is_money && !tr->is_money && sh->is_real);
	assert_true(pnl->real == (double)pnl->value / 100);
	assert_true(dd->real == (double)dd->value / 100);
	assert_true(dd->value >= 0);
	assert_true(tr->real == (double)tr->value);
	harness_free(&h);
	ref_series_free(&s);
}

static void test_sma_cross_params(void **state)
{
	const struct tshm_strategy *s = tshm_strategy_find("sma_cross");
	const int64_t ok[] = {5, 20, 0}, eq[] = {20, 20, 0}, gt[] = {30, 20, 0};
	int64_t def[3];

	(void)state;
	assert_non_null(s);
	assert_int_equal(s->nparams, 3);
	assert_string_equal(s->params[0].name, "fast");
	assert_string_equal(s->params[1].name, "slow");
	assert_string_equal(s->params[2].name, "fee");
	for (int i = 0; i < 3; i++)
		def[i] = s->params[i].def;
	assert_int_equal(s->validate(def), 0);
	assert_int_equal(s->validate(ok), 0);
	assert_int_equal(s->validate(eq), -EINVAL);
	assert_int_equal(s->validate(gt), -EINVAL);
	assert_int_equal(s->warmup(ok), 20);
	assert_int_equal(s->params[0].min, 1);
	assert_int_equal(s->params[2].min, 0);
}

/* The largest slow the state holds, against the reference. */
static void test_sma_cross_largest_window(void **state)
{
	const struct tshm_strategy *s = tshm_strategy_find("sma_cross");
	int64_t p[] = {1000, 0, 0};
	struct ref_series ser = ref_series_gen(3, 65536 + 600, 2, 100000, 50);
	struct harness_opts o = {0, 0, 0};
	struct ref_result r;
	struct harness_out h;

	(void)state;
	p[1] = s->params[1].max;
	p[0] = 1000;
	/* 600 rows past the full window: signals at the largest slow, reference still cheap */
	assert_int_equal(ref_sma_cross(ser.ts, ser.price, ser.n, p[0], p[1], 0, &r), 0);
	assert_int_equal(harness_run(s, p, ser.ts, ser.price, ser.n, 0, &o, &h), 0);
	expect_ref(&h, &r);
	assert_true(r.trades > 0);
	harness_free(&h);
	ref_result_free(&r);
	ref_series_free(&ser);
}

/* Long slices with a wide slow window: the price buffer wraps many times. */
static void test_sma_cross_long_slices(void **state)
{
	static const int64_t params[][3] = {{300, 1000, 1}, {7, 4000, 0}};
	static const struct harness_opts opts[] = {{0, 0, 0}, {20000, 0, 0}, {9000, 5, 0}};
	struct ref_series s = ref_series_gen(1234, 40000, 2, 100000, 9);

	(void)state;
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		for (size_t j = 0; j < sizeof(opts) / sizeof(opts[0]); j++)
			run_ref(&s, params[i], &opts[j]);
	ref_series_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sma_cross_reference_by_hand),
	    cmocka_unit_test(test_sma_cross_matches_reference),
	    cmocka_unit_test(test_sma_cross_large_prices),
	    cmocka_unit_test(test_sma_cross_negative_prices),
	    cmocka_unit_test(test_sma_cross_short_series),
	    cmocka_unit_test(test_sma_cross_flat_prices),
	    cmocka_unit_test(test_sma_cross_metric_units),
	    cmocka_unit_test(test_sma_cross_params),
	    cmocka_unit_test(test_sma_cross_largest_window),
	    cmocka_unit_test(test_sma_cross_long_slices),
	};

	tshm_test_ns_init("smacross");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
