/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/*
 * Loading strategy plugins: the example (workers/examples) loads, runs and
 * keeps the slicing contract; every kind of broken file is refused with its
 * own error and a message. The plugins are found in the build tree's
 * workers/examples/ next to the test binaries' directory ($TSHM_TEST_BIN/..),
 * or in $TSHM_EXAMPLE_DIR.
 */
#include "tshm_test.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ref_strategy.h"
#include "tickshm/strategy.h"

#define TSHM_EXAMPLE "tshm_example_strategy"

static char plugin_dir[PATH_MAX];

static const char *plugin(const char *name)
{
	static char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s.so", plugin_dir, name);
	return path;
}

static int find_plugins(void **state)
{
	const char *dir = getenv("TSHM_EXAMPLE_DIR"), *bin = getenv("TSHM_TEST_BIN");

	(void)state;
	if (dir)
		snprintf(plugin_dir, sizeof(plugin_dir), "%s", dir);
	else if (bin)
		snprintf(plugin_dir, sizeof(plugin_dir), "%s/../workers/examples", bin);
	else
		snprintf(plugin_dir, sizeof(plugin_dir), "../workers/examples");
	if (access(plugin(TSHM_EXAMPLE), R_OK)) {
		fprintf(stderr, "no %s (build the tree first)\n", plugin(TSHM_EXAMPLE));
		return -1;
	}
	return 0;
}

static void test_plugin_example_loads(void **state)
{
	const struct tshm_strategy *s = NULL, *again = NULL;
	char err[512] = "";

	(void)state;
	assert_int_equal(tshm_strategy_load(plugin(TSHM_EXAMPLE), &s, err, sizeof(err)), 0);
	assert_non_null(s);
	assert_string_equal(s->name, "momentum");
	assert_int_equal(s->nparams, 2);
	assert_string_equal(s->params[0].name, "lookback");
	assert_int_equal(tshm_strategy_check(s), 0);
	/* loading twice gives the same, still loaded, descriptor */
	assert_int_equal(tshm_strategy_load(plugin(TSHM_EXAMPLE), &again, err, sizeof(err)), 0);
	assert_ptr_equal(again, s);
}

/* The example keeps the slicing contract, and computes what STRATEGY.md says. */
static void test_plugin_example_runs(void **state)
{
	const struct tshm_strategy *s;
	const int64_t p[] = {3, 1};
	int64_t ts[4000], px[4000], want = 0, sig = 0, trades = 0;
	struct harness_opts base = {0, 0, 1}, sliced = {9, 4, 0};
	struct harness_out a, b;

	(void)state;
	assert_int_equal(tshm_strategy_load(plugin(TSHM_EXAMPLE), &s, NULL, 0), 0);
	ref_gen_walk(11, 4000, TSHM_TEST_T0, 4, 1000, 3, ts, px);
	for (int i = 0; i < 4000; i++) {
		int64_t now = i >= 3 ? (px[i] > px[i - 3]) - (px[i] < px[i - 3]) : 0;

		want += (i ? sig * (px[i] - px[i - 1]) : 0) - llabs(now - sig);
		trades += now != sig;
		sig = now;
	}
	assert_int_equal(harness_run(s, p, ts, px, 4000, -2, &base, &a), 0);
	assert_int_equal(harness_run(s, p, ts, px, 4000, -2, &sliced, &b), 0);
	assert_int_equal(a.nm, 4);
	assert_string_equal(a.m[0].name, "pnl");
	assert_int_equal(a.m[0].value, want);
	assert_int_equal(a.m[1].value, trades);
	assert_int_equal(a.m[2].value, 4000);
	assert_memory_equal(a.partial, b.partial, s->partial_size);
	assert_memory_equal(a.m, b.m, sizeof(a.m[0]) * a.nm);
	harness_free(&a);
	harness_free(&b);
}

/* "x.so" without a slash is a file in the current directory, not a library search. */
static void test_plugin_relative_path(void **state)
{
	char cwd[PATH_MAX], err[512];
	const struct tshm_strategy *s = NULL;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(plugin_dir), 0);
	assert_int_equal(tshm_strategy_load(TSHM_EXAMPLE ".so", &s, err, sizeof(err)), 0);
	assert_string_equal(s->name, "momentum");
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(tshm_strategy_load(TSHM_EXAMPLE ".so", &s, err, sizeof(err)), -ENOENT);
}

static void expect_load_error(const char *path, int want, const char *msg)
{
	const struct tshm_strategy *s = (const struct tshm_strategy *)&want;
	char err[512] = "";

	assert_int_equal(tshm_strategy_load(path, &s, err, sizeof(err)), want);
	assert_ptr_equal(s, (const struct tshm_strategy *)&want); /* untouched on failure */
	if (!strstr(err, msg))
		fail_msg("%s: message '%s' lacks '%s'", path, err, msg);
}

static void test_plugin_missing_file(void **state)
{
	(void)state;
	expect_load_error("/nonexistent/strategy.so", -ENOENT, "/nonexistent/strategy.so");
	expect_load_error("", -EINVAL, "no strategy library");
}

static void test_plugin_not_a_library(void **state)
{
	char dir[64], path[96];
	FILE *f;

	(void)state;
	assert_int_equal(tshm_test_mkdtemp(dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/fake.so", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("this is not an ELF file\n", f);
	fclose(f);
	expect_load_error(path, -ENOEXEC, "fake.so");
	expect_load_error(dir, -ENOEXEC, "not a regular file");
	assert_int_equal(tshm_test_rmtree(dir), 0);
}

static void test_plugin_broken(void **state)
{
	(void)state;
	expect_load_error(plugin("tshm_bad_noentry"), -ENOEXEC, "no tshm_strategy_entry()");
	expect_load_error(plugin("tshm_bad_abi"), -TSHM_EVERSION,
			  "strategy ABI 2, this build runs 1");
	expect_load_error(plugin("tshm_bad_desc"), -EINVAL, "callback merge is NULL");
	expect_load_error(plugin("tshm_bad_null"), -EINVAL, "returned NULL");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plugin_example_loads), cmocka_unit_test(test_plugin_example_runs),
	    cmocka_unit_test(test_plugin_relative_path), cmocka_unit_test(test_plugin_missing_file),
	    cmocka_unit_test(test_plugin_not_a_library), cmocka_unit_test(test_plugin_broken),
	};

	tshm_test_ns_init("plugin");
	return cmocka_run_group_tests(tests, find_plugins, NULL);
}
