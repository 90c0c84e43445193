/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/*
 * The strategy ABI and the built-ins: registry and descriptor checks, the
 * slicing contract (any slicing with the declared warm-up gives the bits of
 * the unsliced run), zscore_revert and breakout against their naive
 * references, merge associativity, the drawdown merge against brute force,
 * and tshm_sharpe.
 */
#include "tshm_test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../workers/src/pnl.h" /* struct tshm__pnl_partial: the built-ins' partial */
#include "ref_strategy.h"
#include "tickshm/strategy.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Parameter sets exercised for each built-in (in its parameter order). */
struct pset {
	const char *strategy;
	int64_t p[4];
};

static const struct pset psets[] = {
    {"sma_cross", {5, 20, 1}},
    {"sma_cross", {1, 2, 0}},
    {"sma_cross", {30, 90, 2}},
    {"zscore_revert", {20, 150, 50, 1}},
    {"zscore_revert", {5, 100, 0, 0}},
    {"zscore_revert", {40, 250, 120, 2}},
    {"zscore_revert", {2, 1, 0, 0}},
    {"breakout", {10, 1}},
    {"breakout", {1, 0}},
    {"breakout", {64, 2}},
};

/* Slicings compared with the baseline (a day per slice, full history as warm-up). */
static const struct harness_opts slicings[] = {
    {0, 0, 0}, {1, 0, 0}, {7, 5, 0}, {100, 0, 0}, {500, 9, 0}, {3, 21, 0},
};

static int same_result(const struct harness_out *a, const struct harness_out *b, uint32_t psize)
{
	if (memcmp(a->partial, b->partial, psize) || a->nm != b->nm || a->ndays != b->ndays ||
	    memcmp(a->daily, b->daily, a->ndays * sizeof(int64_t)))
		return 0;
	for (uint32_t i = 0; i < a->nm; i++)
		if (strcmp(a->m[i].name, b->m[i].name) || a->m[i].value != b->m[i].value ||
		    memcmp(&a->m[i].real, &b->m[i].real, sizeof(double)) ||
		    a->m[i].is_money != b->m[i].is_money || a->m[i].is_real != b->m[i].is_real)
			return 0;
	return 1;
}

static void test_strategy_registry(void **state)
{
	const char *names[] = {"sma_cross", "zscore_revert", "breakout"};
	int64_t p[TSHM_STRATEGY_MAX_PARAMS];
	unsigned i;

	(void)state;
	for (i = 0; tshm_strategy_builtin(i); i++) {
		const struct tshm_strategy *s = tshm_strategy_builtin(i);

		assert_int_equal(tshm_strategy_check(s), 0);
		assert_ptr_equal(tshm_strategy_find(s->name), s);
		assert_true(s->state_size <= TSHM_STRATEGY_MAX_STATE);
		assert_int_equal(s->partial_size, sizeof(struct tshm__pnl_partial));
		assert_string_equal(s->name, names[i]);
		assert_string_equal(s->params[s->nparams - 1].name, "fee");
		for (uint32_t k = 0; k < s->nparams; k++)
			p[k] = s->params[k].def;
		assert_int_equal(tshm_strategy_has_metric(s, p, "pnl"), 1);
		assert_int_equal(tshm_strategy_has_metric(s, p, "sharpe"), 1);
		assert_int_equal(tshm_strategy_has_metric(s, p, "nope"), 0);
		assert_int_equal(tshm_strategy_has_metric(s, NULL, "pnl"), -EINVAL);
		assert_int_equal(tshm_strategy_has_metric(s, p, NULL), -EINVAL);
	}
	assert_int_equal(i, 3);
	assert_null(tshm_strategy_find("nope"));
	assert_null(tshm_strategy_find(""));
	assert_null(tshm_strategy_find(NULL));
	assert_null(tshm_strategy_builtin(3));
}

static void test_strategy_params_check(void **state)
{
	const struct tshm_strategy *sma = tshm_strategy_find("sma_cross");
	const struct tshm_strategy *zs = tshm_strategy_find("zscore_revert");
	const struct tshm_strategy *bo = tshm_strategy_find("breakout");
	char err[256];

	(void)state;
	assert_int_equal(tshm_strategy_params_check(sma, (int64_t[]){5, 20, 0}, err, sizeof(err)),
			 0);
	assert_int_equal(tshm_strategy_params_check(sma, (int64_t[]){20, 5, 0}, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "sma_cross: fast=20 slow=5 fee=0: invalid combination");
	assert_int_equal(
	    tshm_strategy_params_check(sma, (int64_t[]){5, 70000, 0}, err, sizeof(err)), -ERANGE);
	assert_string_equal(err, "sma_cross: slow=70000 out of range [2, 65536]");
	assert_int_equal(tshm_strategy_params_check(sma, (int64_t[]){5, 20, -1}, NULL, 0), -ERANGE);
	assert_int_equal(tshm_strategy_params_check(NULL, NULL, NULL, 0), -EINVAL);
	/* validate() itself refuses out-of-range values, for callers that skip the check */
	assert_int_equal(sma->validate((int64_t[]){0, 20, 0}), -EINVAL);
	assert_int_equal(sma->validate((int64_t[]){5, 70000, 0}), -EINVAL);
	assert_int_equal(zs->validate((int64_t[]){1, 200, 50, 0}), -EINVAL);
	assert_int_equal(bo->validate((int64_t[]){0, 0}), -EINVAL);
	assert_int_equal(bo->validate((int64_t[]){32768, 0}), -EINVAL);
	assert_int_equal(bo->validate((int64_t[]){32767, 0}), 0);
	for (unsigned i = 0; tshm_strategy_builtin(i); i++) {
		const struct tshm_strategy *s = tshm_strategy_builtin(i);
		int64_t lo[TSHM_STRATEGY_MAX_PARAMS], hi[TSHM_STRATEGY_MAX_PARAMS];

		for (uint32_t j = 0; j < s->nparams; j++) {
			lo[j] = s->params[j].min;
			hi[j] = s->params[j].max;
		}
		/* the extremes of each bound are accepted by the bounds check */
		assert_int_not_equal(tshm_strategy_params_check(s, lo, NULL, 0), -ERANGE);
		assert_int_not_equal(tshm_strategy_params_check(s, hi, NULL, 0), -ERANGE);
	}
}

static int check_with(void (*edit)(struct tshm_strategy *, struct tshm_param_def *))
{
	struct tshm_strategy s = *tshm_strategy_find("sma_cross");
	struct tshm_param_def defs[TSHM_STRATEGY_MAX_PARAMS + 1];

	memcpy(defs, s.params, s.nparams * sizeof(defs[0]));
	s.params = defs;
	edit(&s, defs);
	return tshm_strategy_check(&s);
}

static void e_abi(struct tshm_strategy *s, struct tshm_param_def *d)
{
	(void)d;
	s->abi = TSHM_STRATEGY_ABI + 1;
}
static void e_name(struct tshm_strategy *s, struct tshm_param_def *d)
{
	(void)d;
	s->name = "Bad-Name";
}
static void e_noname(struct tshm_strategy *s, struct tshm_param_def *d)
{
	(void)d;
	s->name = NULL;
}
static void e_longname(struct tshm_strategy *s, struct tshm_param_def *d)
{
	(void)d;
	s->name = "a_name_that_is_much_longer_than_31";
}
static void e_summary(struct tshm_strategy *s, struct tshm_param_def *d)
{
	(void)d;
	s->summary = NULL;
}
static void e_merge(struct tshm_strategy *s, struct tshm_param_def *d)
{
	(void)d;
	s->merge = NULL;
}
static void e_metrics(struct tshm_strategy *s, struct tshm_param_def *d)
{
	(void)d;
	s->metrics = NULL;
}
static void e_nparams(struct tshm_strategy *s, struct tshm_param_def *d)
{
	(void)d;
	s->nparams = TSHM_STRATEGY_MAX_PARAMS + 1;
}
static void e_noparams(struct tshm_strategy *s, struct tshm_param_def *d)
{
	(void)d;
	s->params = NULL;
}
static void e_default(struct tshm_strategy *s, struct tshm_param_def *d)
{
	(void)s;
	d[0].def = d[0].max + 1;
}
static void e_minmax(struct tshm_strategy *s, struct tshm_param_def *d)
{
	(void)s;
	d[1].min = d[1].max + 1;
}
static void e_dup(struct tshm_strategy *s, struct tshm_param_def *d)
{
	(void)s;
	d[1].name = d[0].name;
}
static void e_pname(struct tshm_strategy *s, struct tshm_param_def *d)
{
	(void)s;
	d[2].name = "fee rate";
}
static void e_state0(struct tshm_strategy *s, struct tshm_param_def *d)
{
	(void)d;
	s->state_size = 0;
}
static void e_statebig(struct tshm_strategy *s, struct tshm_param_def *d)
{
	(void)d;
	s->state_size = TSHM_STRATEGY_MAX_STATE + 1;
}
static void e_partsmall(struct tshm_strategy *s, struct tshm_param_def *d)
{
	(void)d;
	s->partial_size = sizeof(struct tshm_partial_base) - 1;
}
static void e_partbig(struct tshm_strategy *s, struct tshm_param_def *d)
{
	(void)d;
	s->partial_size = TSHM_PARTIAL_MAX + 1;
}
static void e_none(struct tshm_strategy *s, struct tshm_param_def *d)
{
	(void)s;
	(void)d;
}

static void test_strategy_check_rejects(void **state)
{
	void (*bad[])(struct tshm_strategy *, struct tshm_param_def *) = {
	    e_name,    e_noname,   e_longname,	e_summary, e_merge, e_metrics,
	    e_nparams, e_noparams, e_default,	e_minmax,  e_dup,   e_pname,
	    e_state0,  e_statebig, e_partsmall, e_partbig,
	};

	(void)state;
	assert_int_equal(check_with(e_none), 0);
	assert_int_equal(check_with(e_abi), -TSHM_EVERSION);
	for (size_t i = 0; i < N_OF(bad); i++)
		assert_int_equal(check_with(bad[i]), -EINVAL);
	assert_int_equal(tshm_strategy_check(NULL), -EINVAL);
}

static void test_strategy_warmups(void **state)
{
	const int64_t sma[] = {5, 20, 0}, zs[] = {20, 150, 50, 0}, bo[] = {10, 0};

	(void)state;
	assert_int_equal(tshm_strategy_find("sma_cross")->warmup(sma), 20);
	assert_int_equal(tshm_strategy_find("zscore_revert")->warmup(zs), 39);
	assert_int_equal(tshm_strategy_find("breakout")->warmup(bo), 20);
	assert_int_equal(tshm_strategy_find("zscore_revert")->validate(zs), 0);
	assert_int_equal(tshm_strategy_find("zscore_revert")->validate((int64_t[]){20, 50, 50, 0}),
			 -EINVAL);
}

/* Every slicing of every parameter set gives the baseline's bits. */
static void test_strategy_slicing_invariance(void **state)
{
	(void)state;
	for (uint64_t asset = 0; asset < 3; asset++) {
		struct ref_series s = ref_series_gen(
		    500 + asset, 3000 + 1000 * asset, 5 + (uint32_t)asset,
		    2000 * (int64_t)(asset + 1), 2 + (int64_t)asset);

		for (size_t i = 0; i < N_OF(psets); i++) {
			const struct tshm_strategy *st = tshm_strategy_find(psets[i].strategy);
			struct harness_opts base = {0, 0, 1};
			struct harness_out want, got;

			assert_int_equal(
			    harness_run(st, psets[i].p, s.ts, s.price, s.n, -4, &base, &want), 0);
			assert_true(want.ndays >= 3);
			for (size_t j = 0; j < N_OF(slicings); j++) {
				assert_int_equal(harness_run(st, psets[i].p, s.ts, s.price, s.n, -4,
							     &slicings[j], &got),
						 0);
				if (!same_result(&want, &got, st->partial_size))
					fail_msg("%s set %zu slicing %zu asset %llu differs",
						 st->name, i, j, (unsigned long long)asset);
				harness_free(&got);
			}
			harness_free(&want);
		}
		ref_series_free(&s);
	}
}

static const struct tshm_strategy *short_of;

static uint64_t short_warmup(const int64_t *p)
{
	return short_of->warmup(p) - 1;
}

/* The invariance test can fail: one row less of warm-up than declared is caught. */
static void test_strategy_warmup_is_needed(void **state)
{
	static const struct pset tight[] = {
	    {"sma_cross", {2, 3, 0}}, {"zscore_revert", {3, 100, 50, 0}}, {"breakout", {3, 0}}};
	struct ref_series s = ref_series_gen(42, 4000, 4, 1000, 3);

	(void)state;
	for (size_t i = 0; i < N_OF(tight); i++) {
		struct tshm_strategy cut = *tshm_strategy_find(tight[i].strategy);
		struct harness_opts base = {0, 0, 1}, o = {0, 0, 0};
		struct harness_out want, got;
		int differs = 0;

		short_of = tshm_strategy_find(tight[i].strategy);
		cut.warmup = short_warmup;
		assert_int_equal(
		    harness_run(short_of, tight[i].p, s.ts, s.price, s.n, 0, &base, &want), 0);
		for (uint64_t seed = 1; seed < 40 && !differs; seed++) {
			o = (struct harness_opts){4, seed, 0};
			assert_int_equal(
			    harness_run(&cut, tight[i].p, s.ts, s.price, s.n, 0, &o, &got), 0);
			differs = !same_result(&want, &got, cut.partial_size);
			harness_free(&got);
		}
		assert_true(differs);
		harness_free(&want);
	}
	ref_series_free(&s);
}

static void expect_ref_ints(const struct harness_out *h, const struct ref_result *r)
{
	struct tshm__pnl_partial p;

	memcpy(&p, h->partial, sizeof(p));
	assert_int_equal(p.base.pnl, r->pnl);
	assert_int_equal(p.dd, r->max_drawdown);
	assert_int_equal(p.turnover, r->turnover);
	assert_int_equal(p.trades, r->trades);
	assert_int_equal(p.base.ticks, r->ticks);
	assert_int_equal(h->ndays, r->ndays);
	assert_memory_equal(h->daily, r->daily, r->ndays * sizeof(int64_t));
}

static void test_strategy_zscore_matches_reference(void **state)
{
	static const int64_t ps[][4] = {
	    {20, 150, 50, 1}, {5, 100, 0, 0}, {40, 250, 120, 2}, {2, 1, 0, 0}, {7, 120, 119, 3}};
	const struct tshm_strategy *st = tshm_strategy_find("zscore_revert");

	(void)state;
	for (uint64_t asset = 0; asset < 3; asset++) {
		struct ref_series s = ref_series_gen(900 + asset, 4000, 4, 5000,
						     3 + (int64_t)asset);

		for (size_t i = 0; i < N_OF(ps); i++) {
			struct ref_result r;
			struct harness_out h;
			struct harness_opts o = {300, 3 + asset, 0};

			assert_int_equal(ref_zscore_revert(s.ts, s.price, s.n, ps[i][0], ps[i][1],
							   ps[i][2], ps[i][3], &r),
					 0);
			assert_int_equal(harness_run(st, ps[i], s.ts, s.price, s.n, -2, &o, &h), 0);
			expect_ref_ints(&h, &r);
			assert_true(r.trades > 0);
			harness_free(&h);
			ref_result_free(&r);
		}
		ref_series_free(&s);
	}
}

static void test_strategy_breakout_matches_reference(void **state)
{
	static const int64_t ps[][2] = {{10, 1}, {1, 0}, {64, 2}, {3, 5}};
	const struct tshm_strategy *st = tshm_strategy_find("breakout");

	(void)state;
	for (uint64_t asset = 0; asset < 3; asset++) {
		struct ref_series s = ref_series_gen(1900 + asset, 4000, 4, 5000,
						     3 + (int64_t)asset);

		for (size_t i = 0; i < N_OF(ps); i++) {
			struct ref_result r;
			struct harness_out h;
			struct harness_opts o = {250, 7 + asset, 0};

			assert_int_equal(ref_breakout(s.ts, s.price, s.n, ps[i][0], ps[i][1], &r),
					 0);
			assert_int_equal(harness_run(st, ps[i], s.ts, s.price, s.n, -2, &o, &h), 0);
			expect_ref_ints(&h, &r);
			assert_true(r.trades > 0);
			harness_free(&h);
			ref_result_free(&r);
		}
		ref_series_free(&s);
	}
}

/* Merge [l, r) of @parts with random bracketing into @acc. */
static void merge_tree(const struct tshm_strategy *st, const unsigned char *parts, uint64_t l,
		       uint64_t r, uint64_t *rng, unsigned char *acc)
{
	unsigned char right[TSHM_PARTIAL_MAX] __attribute__((aligned(16)));
	uint64_t m;

	if (r - l == 1) {
		memcpy(acc, parts + l * st->partial_size, st->partial_size);
		return;
	}
	m = l + 1 + ref_rand(rng) % (r - l - 1);
	merge_tree(st, parts, l, m, rng, acc);
	merge_tree(st, parts, m, r, rng, right);
	st->merge(acc, right);
}

static void test_strategy_merge_associative(void **state)
{
	struct ref_series s = ref_series_gen(77, 3000, 5, 3000, 3);

	(void)state;
	for (size_t i = 0; i < N_OF(psets); i++) {
		const struct tshm_strategy *st = tshm_strategy_find(psets[i].strategy);
		struct harness_opts o = {40, 99, 0};
		struct harness_out h;
		unsigned char acc[TSHM_PARTIAL_MAX] __attribute__((aligned(16)));
		unsigned char zero[TSHM_PARTIAL_MAX] __attribute__((aligned(16))) = {0};

		assert_int_equal(harness_run(st, psets[i].p, s.ts, s.price, s.n, 0, &o, &h), 0);
		assert_true(h.slices > 50);
		for (uint64_t seed = 1; seed <= 20; seed++) {
			uint64_t rng = seed;

			merge_tree(st, h.parts, 0, h.slices, &rng, acc);
			assert_memory_equal(acc, h.partial, st->partial_size);
		}
		/* the empty partial is neutral on both sides */
		memcpy(acc, h.partial, st->partial_size);
		st->merge(acc, zero);
		assert_memory_equal(acc, h.partial, st->partial_size);
		memset(acc, 0, sizeof(acc));
		st->merge(acc, h.partial);
		assert_memory_equal(acc, h.partial, st->partial_size);
		harness_free(&h);
	}
	ref_series_free(&s);
}

/* Summary of pnl values x[0..n) by brute force, straight from the definitions. */
static struct tshm__pnl_partial brute(const int64_t *x, uint64_t n)
{
	struct tshm__pnl_partial r = {{0, n}, 0, 0, 0, 0, 0};
	int64_t e = 0;

	for (uint64_t k = 0; k < n; k++) {
		int64_t peak = 0, ek = 0;

		for (uint64_t j = 0; j <= k; j++) {
			ek += x[j];
			peak = ek > peak ? ek : peak;
		}
		e = ek;
		r.peak = e > r.peak ? e : r.peak;
		r.low = e < r.low ? e : r.low;
		r.dd = peak - e > r.dd ? peak - e : r.dd;
	}
	r.base.pnl = e;
	return r;
}

static void test_strategy_drawdown_merge_brute_force(void **state)
{
	const struct tshm_strategy *st = tshm_strategy_find("sma_cross");
	uint64_t rng = 2024;
	int64_t x[120];

	(void)state;
	for (int trial = 0; trial < 2000; trial++) {
		uint64_t n = 1 + ref_rand(&rng) % N_OF(x), a = 0;
		struct tshm__pnl_partial acc = {0}, part, want;
		int64_t bias = (int64_t)(ref_rand(&rng) % 5) - 2;

		for (uint64_t i = 0; i < n; i++)
			x[i] = (int64_t)(ref_rand(&rng) % 21) - 10 + bias;
		while (a < n) { /* random chunks, some empty */
			uint64_t len = ref_rand(&rng) % 9;

			len = len < n - a ? len : n - a;
			part = brute(x + a, len);
			st->merge(&acc, &part);
			a += len;
		}
		want = brute(x, n);
		assert_int_equal(acc.base.pnl, want.base.pnl);
		assert_int_equal(acc.peak, want.peak);
		assert_int_equal(acc.dd, want.dd);
		assert_int_equal(acc.low, want.low);
		assert_int_equal(acc.base.ticks, n);
	}
}

static void test_strategy_sharpe(void **state)
{
	const int64_t one[] = {5}, flat[] = {3, 3, 3, 3}, abc[] = {1, 2, 3}, neg[] = {-1, -2, -3};
	int64_t big[200], zero2[] = {0, 0};
	uint64_t rng = 5;
	double mean = 0, ss = 0, want;

	(void)state;
	assert_true(tshm_sharpe(NULL, 0) == 0);
	assert_true(tshm_sharpe(one, 1) == 0);
	assert_true(tshm_sharpe(flat, 4) == 0);
	assert_true(tshm_sharpe(zero2, 2) == 0);
	/* mean 2, sample stdev 1 */
	assert_true(__builtin_fabs(tshm_sharpe(abc, 3) - 2 * ref_sqrt(252.0)) < 1e-12);
	assert_true(tshm_sharpe(neg, 3) == -tshm_sharpe(abc, 3));
	/* beyond the exact path (|x| > 2^40): the double fallback, still close */
	for (size_t i = 0; i < N_OF(big); i++) {
		big[i] = (int64_t)(ref_rand(&rng) >> 2) - (INT64_C(1) << 60) + (INT64_C(1) << 58);
		mean += (double)big[i];
	}
	mean /= N_OF(big);
	for (size_t i = 0; i < N_OF(big); i++)
		ss += ((double)big[i] - mean) * ((double)big[i] - mean);
	want = mean / ref_sqrt(ss / (N_OF(big) - 1)) * ref_sqrt(252.0);
	assert_true(__builtin_fabs(tshm_sharpe(big, N_OF(big)) - want) <
		    1e-9 * __builtin_fabs(want));
	/* extremes do not overflow */
	big[0] = INT64_MIN;
	big[1] = INT64_MAX;
	assert_true(__builtin_isfinite(tshm_sharpe(big, 2)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_strategy_registry),
	    cmocka_unit_test(test_strategy_check_rejects),
	    cmocka_unit_test(test_strategy_params_check),
	    cmocka_unit_test(test_strategy_warmups),
	    cmocka_unit_test(test_strategy_slicing_invariance),
	    cmocka_unit_test(test_strategy_warmup_is_needed),
	    cmocka_unit_test(test_strategy_zscore_matches_reference),
	    cmocka_unit_test(test_strategy_breakout_matches_reference),
	    cmocka_unit_test(test_strategy_merge_associative),
	    cmocka_unit_test(test_strategy_drawdown_merge_brute_force),
	    cmocka_unit_test(test_strategy_sharpe),
	};

	tshm_test_ns_init("strategy");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
