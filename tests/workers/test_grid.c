/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/* Parameter grids: ranges, lists, defaults, order, skipped combinations, errors. */
#include "tshm_test.h"

#include <errno.h>
#include <string.h>

#include "tickshm/strategy.h"
#include "tickshm/sweep.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const struct tshm_strategy *sma(void)
{
	return tshm_strategy_find("sma_cross");
}

static struct tshm_grid *parse_ok(const struct tshm_strategy *s, const char *const *specs,
				  unsigned n)
{
	struct tshm_grid *g = NULL;
	char err[256] = "";
	int rc = tshm_grid_parse(s, specs, n, &g, err, sizeof(err));

	if (rc)
		fail_msg("unexpected error %d: %s", rc, err);
	assert_non_null(g);
	return g;
}

static void expect_set(const struct tshm_grid *g, uint64_t i, int64_t a, int64_t b, int64_t c)
{
	const int64_t *p = tshm_grid_params(g, i);

	assert_non_null(p);
	assert_int_equal(p[0], a);
	assert_int_equal(p[1], b);
	assert_int_equal(p[2], c);
}

static void test_grid_ranges_and_skipped(void **state)
{
	const char *specs[] = {"fast=5:50:5", "slow=20:200:20"};
	struct tshm_grid *g = parse_ok(sma(), specs, 2);
	uint64_t valid = 0, k = 0;

	(void)state;
	for (int64_t f = 5; f <= 50; f += 5)
		for (int64_t s = 20; s <= 200; s += 20)
			valid += f < s;
	assert_int_equal(tshm_grid_count(g), valid);
	assert_int_equal(tshm_grid_skipped(g), 100 - valid);
	assert_int_equal(tshm_grid_nparams(g), 3);
	assert_ptr_equal(tshm_grid_strategy(g), sma());
	/* first --param slowest; fee at its default */
	for (int64_t f = 5; f <= 50; f += 5)
		for (int64_t s = 20; s <= 200; s += 20)
			if (f < s)
				expect_set(g, k++, f, s, 0);
	assert_null(tshm_grid_params(g, k));
	/* contiguous rows */
	assert_ptr_equal(tshm_grid_params(g, 1), tshm_grid_params(g, 0) + 3);
	tshm_grid_free(g);
}

static void test_grid_order_follows_command_line(void **state)
{
	const char *specs[] = {"fee=0,2", "slow=30,20", "fast=1:3"};
	struct tshm_grid *g = parse_ok(sma(), specs, 3);
	uint64_t k = 0;

	(void)state;
	assert_int_equal(tshm_grid_count(g), 12);
	assert_int_equal(tshm_grid_skipped(g), 0);
	for (int64_t fee = 0; fee <= 2; fee += 2)
		for (int64_t s = 30; s >= 20; s -= 10) /* list order kept */
			for (int64_t f = 1; f <= 3; f++)
				expect_set(g, k++, f, s, fee);
	tshm_grid_free(g);
}

static void test_grid_lists_and_mixed_items(void **state)
{
	const char *specs[] = {"slow=20:60:20,100,+7", "fast=3"};
	struct tshm_grid *g = parse_ok(sma(), specs, 2);

	(void)state;
	assert_int_equal(tshm_grid_count(g), 5);
	expect_set(g, 0, 3, 20, 0);
	expect_set(g, 1, 3, 40, 0);
	expect_set(g, 2, 3, 60, 0);
	expect_set(g, 3, 3, 100, 0);
	expect_set(g, 4, 3, 7, 0);
	tshm_grid_free(g);
}

static void test_grid_step_not_dividing(void **state)
{
	const char *specs[] = {"fast=5:12:5"};
	struct tshm_grid *g = parse_ok(sma(), specs, 1);

	(void)state;
	assert_int_equal(tshm_grid_count(g), 2); /* 5, 10 (slow default 50) */
	expect_set(g, 0, 5, 50, 0);
	expect_set(g, 1, 10, 50, 0);
	tshm_grid_free(g);
}

static void test_grid_defaults(void **state)
{
	struct tshm_grid *g = parse_ok(sma(), NULL, 0);
	const struct tshm_strategy *s = sma();

	(void)state;
	assert_int_equal(tshm_grid_count(g), 1);
	expect_set(g, 0, s->params[0].def, s->params[1].def, s->params[2].def);
	tshm_grid_free(g);
}

static void test_grid_all_invalid(void **state)
{
	const char *specs[] = {"fast=50", "slow=20,50"};
	struct tshm_grid *g = parse_ok(sma(), specs, 2);

	(void)state;
	assert_int_equal(tshm_grid_count(g), 0);
	assert_int_equal(tshm_grid_skipped(g), 2);
	assert_null(tshm_grid_params(g, 0));
	tshm_grid_free(g);
}

static void test_grid_other_strategies(void **state)
{
	const char *zs[] = {"entry=100:300:100", "exit=0,100,200"};
	const char *bo[] = {"window=1,2,3"};
	struct tshm_grid *g = parse_ok(tshm_strategy_find("zscore_revert"), zs, 2);
	const int64_t *p;

	(void)state;
	/* exit < entry: (100: 0), (200: 0, 100), (300: 0, 100, 200) */
	assert_int_equal(tshm_grid_count(g), 6);
	assert_int_equal(tshm_grid_skipped(g), 3);
	p = tshm_grid_params(g, 5);
	assert_int_equal(p[1], 300);
	assert_int_equal(p[2], 200);
	tshm_grid_free(g);
	g = parse_ok(tshm_strategy_find("breakout"), bo, 1);
	assert_int_equal(tshm_grid_count(g), 3);
	tshm_grid_free(g);
}

/* Each bad spec is -EINVAL with a message naming the spec. */
static void test_grid_errors(void **state)
{
	static const char *bad[] = {
	    "speed=5",	 "fast",	 "=5",
	    "fast=",	 "fast=5,,6",	 "fast=5,",
	    "fast=a",	 "fast=5x",	 "fast=5:",
	    "fast=:5",	 "fast=5:10:0",	 "fast=5:10:-1",
	    "fast=10:5", "fast=1:2:3:4", "fast=0",
	    "fee=-1",	 "fast=65536",	 "fast=99999999999999999999",
	    "fast=5,5",	 "fast=5:10,10", "fast= 5",
	    "fast=--5",
	};
	char err[256];
	struct tshm_grid *g = (struct tshm_grid *)&err; /* must be reset to NULL */

	(void)state;
	for (size_t i = 0; i < N_OF(bad); i++) {
		const char *specs[] = {bad[i]};

		err[0] = '\0';
		assert_int_equal(tshm_grid_parse(sma(), specs, 1, &g, err, sizeof(err)), -EINVAL);
		assert_null(g);
		assert_int_equal(strncmp(err, bad[i], strlen(bad[i])), 0);
		assert_int_equal(err[strlen(bad[i])], ':');
	}
	/* messages say why */
	const char *unk[] = {"speed=5"}, *rng[] = {"fast=0"}, *twice[] = {"fast=5", "fast=6"};

	assert_int_equal(tshm_grid_parse(sma(), unk, 1, &g, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no parameter 'speed'"));
	assert_non_null(strstr(err, "fast, slow, fee"));
	assert_int_equal(tshm_grid_parse(sma(), rng, 1, &g, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "out of range [1, 65535]"));
	assert_int_equal(tshm_grid_parse(sma(), twice, 2, &g, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "given twice"));
	/* no err buffer is fine */
	assert_int_equal(tshm_grid_parse(sma(), unk, 1, &g, NULL, 0), -EINVAL);
	assert_int_equal(tshm_grid_parse(NULL, unk, 1, &g, err, sizeof(err)), -EINVAL);
}

static void test_grid_too_big(void **state)
{
	const char *specs[] = {"fast=1:4000", "slow=2:4000"};
	const char *one[] = {"fee=0:2000000"};
	struct tshm_grid *g;
	char err[256];

	(void)state;
	assert_int_equal(tshm_grid_parse(sma(), specs, 2, &g, err, sizeof(err)), -E2BIG);
	assert_null(g);
	assert_int_equal(tshm_grid_parse(sma(), one, 1, &g, err, sizeof(err)), -E2BIG);
	assert_non_null(strstr(err, "more than"));
}

static void test_grid_format(void **state)
{
	const int64_t p[] = {5, 20, -1};
	char buf[64], small[8];

	(void)state;
	assert_int_equal(tshm_grid_format(sma(), p, buf, sizeof(buf)), 21);
	assert_string_equal(buf, "fast=5 slow=20 fee=-1");
	assert_int_equal(tshm_grid_format(sma(), p, small, sizeof(small)), -ENOSPC);
	assert_int_equal(strlen(small), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_grid_ranges_and_skipped),
	    cmocka_unit_test(test_grid_order_follows_command_line),
	    cmocka_unit_test(test_grid_lists_and_mixed_items),
	    cmocka_unit_test(test_grid_step_not_dividing),
	    cmocka_unit_test(test_grid_defaults),
	    cmocka_unit_test(test_grid_all_invalid),
	    cmocka_unit_test(test_grid_other_strategies),
	    cmocka_unit_test(test_grid_errors),
	    cmocka_unit_test(test_grid_too_big),
	    cmocka_unit_test(test_grid_format),
	};

	tshm_test_ns_init("grid");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
