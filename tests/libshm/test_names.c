/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/* Names: validation, formatting, parsing, namespace, error strings, version. */
#include "tshm_test.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *repeat(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

static void test_names_check_valid(void **state)
{
	(void)state;
	assert_int_equal(tshm_name_check("a", TSHM_BUNDLE_MAX), 0);
	assert_int_equal(tshm_name_check("abcXYZ019_-", TSHM_BUNDLE_MAX), 0);
	assert_int_equal(tshm_name_check("-", TSHM_NAMESPACE_MAX), 0);
	assert_int_equal(tshm_name_check("_", TSHM_NAMESPACE_MAX), 0);
	assert_int_equal(tshm_name_check("default", TSHM_NAMESPACE_MAX), 0);
}

static void test_names_check_invalid_chars(void **state)
{
	static const char *bad[] = {".",    "..",   "a.b",	"a/b", "/",  "/a",   "a b",
				    "a\tb", "a\nb", "\xc3\xa9", "a:b", "a*", "a\\b", "a%b",
				    "../x", "a..b", "ab.",	"~a",  "a$", "a@b",  "\x7f"};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(tshm_name_check(bad[i], TSHM_BUNDLE_MAX), -TSHM_ENAME);
		assert_int_equal(tshm_name_check(bad[i], TSHM_NAMESPACE_MAX), -TSHM_ENAME);
	}
}

static void test_names_check_empty(void **state)
{
	(void)state;
	assert_int_equal(tshm_name_check("", TSHM_BUNDLE_MAX), -TSHM_ENAME);
	assert_int_equal(tshm_name_check("", TSHM_NAMESPACE_MAX), -TSHM_ENAME);
}

static void test_names_check_length(void **state)
{
	char buf[128];

	(void)state;
	/* maxlen counts the NUL: 47 and 31 characters fit exactly. */
	assert_int_equal(tshm_name_check(repeat(buf, 'b', TSHM_BUNDLE_MAX - 1), TSHM_BUNDLE_MAX),
			 0);
	assert_int_equal(tshm_name_check(repeat(buf, 'b', TSHM_BUNDLE_MAX), TSHM_BUNDLE_MAX),
			 -TSHM_ENAME);
	assert_int_equal(
	    tshm_name_check(repeat(buf, 'n', TSHM_NAMESPACE_MAX - 1), TSHM_NAMESPACE_MAX), 0);
	assert_int_equal(tshm_name_check(repeat(buf, 'n', TSHM_NAMESPACE_MAX), TSHM_NAMESPACE_MAX),
			 -TSHM_ENAME);
	assert_int_equal(tshm_name_check(repeat(buf, 'n', 100), TSHM_NAMESPACE_MAX), -TSHM_ENAME);
	assert_int_equal(tshm_name_check("abc", 4), 0);
	assert_int_equal(tshm_name_check("abcd", 4), -TSHM_ENAME);
}

static void test_names_segment_format(void **state)
{
	char buf[TSHM_SEGNAME_MAX];

	(void)state;
	assert_int_equal(tshm_name_segment(buf, sizeof(buf), "ns1", "bund_le-2", 7), 0);
	assert_string_equal(buf, "/tickshm.ns1.bund_le-2.g7");
	assert_int_equal(tshm_name_segment(buf, sizeof(buf), "a", "b", UINT64_MAX), 0);
	assert_string_equal(buf, "/tickshm.a.b.g18446744073709551615");
	assert_int_equal(tshm_name_segment(buf, sizeof(buf), "a", "b", 1), 0);
	assert_string_equal(buf, "/tickshm.a.b.g1");
}

static void test_names_segment_longest_fits(void **state)
{
	char ns[64], bundle[64], buf[TSHM_SEGNAME_MAX], expect[256];

	(void)state;
	repeat(ns, 'n', TSHM_NAMESPACE_MAX - 1);
	repeat(bundle, 'b', TSHM_BUNDLE_MAX - 1);
	assert_int_equal(tshm_name_segment(buf, sizeof(buf), ns, bundle, UINT64_MAX), 0);
	snprintf(expect, sizeof(expect), "/tickshm.%s.%s.g%llu", ns, bundle,
		 (unsigned long long)UINT64_MAX);
	assert_string_equal(buf, expect);
}

static void test_names_segment_errors(void **state)
{
	char buf[TSHM_SEGNAME_MAX], big[64];
	const char *want = "/tickshm.ns.b.g12";

	(void)state;
	assert_int_equal(tshm_name_segment(buf, sizeof(buf), "ns", "b", 0), -TSHM_ENAME);
	assert_int_equal(tshm_name_segment(buf, sizeof(buf), "n.s", "b", 1), -TSHM_ENAME);
	assert_int_equal(tshm_name_segment(buf, sizeof(buf), "ns", "../b", 1), -TSHM_ENAME);
	assert_int_equal(tshm_name_segment(buf, sizeof(buf), "", "b", 1), -TSHM_ENAME);
	assert_int_equal(tshm_name_segment(buf, sizeof(buf), "ns", "", 1), -TSHM_ENAME);
	assert_int_equal(
	    tshm_name_segment(buf, sizeof(buf), repeat(big, 'n', TSHM_NAMESPACE_MAX), "b", 1),
	    -TSHM_ENAME);
	assert_int_equal(
	    tshm_name_segment(buf, sizeof(buf), "ns", repeat(big, 'b', TSHM_BUNDLE_MAX), 1),
	    -TSHM_ENAME);
	/* Exactly strlen() is one short (the NUL); strlen() + 1 fits. */
	assert_int_equal(tshm_name_segment(buf, strlen(want), "ns", "b", 12), -ENAMETOOLONG);
	assert_int_equal(tshm_name_segment(buf, 1, "ns", "b", 12), -ENAMETOOLONG);
	assert_int_equal(tshm_name_segment(buf, strlen(want) + 1, "ns", "b", 12), 0);
	assert_string_equal(buf, want);
}

static void test_names_catalog_format(void **state)
{
	char buf[TSHM_SEGNAME_MAX], big[64];

	(void)state;
	assert_int_equal(tshm_name_catalog(buf, sizeof(buf), "my-ns_1"), 0);
	assert_string_equal(buf, "/tickshm.my-ns_1.catalog");
	assert_int_equal(tshm_name_catalog(buf, strlen("/tickshm.x.catalog"), "x"), -ENAMETOOLONG);
	assert_int_equal(tshm_name_catalog(buf, strlen("/tickshm.x.catalog") + 1, "x"), 0);
	assert_string_equal(buf, "/tickshm.x.catalog");
	assert_int_equal(tshm_name_catalog(buf, sizeof(buf), "x/y"), -TSHM_ENAME);
	assert_int_equal(tshm_name_catalog(buf, sizeof(buf), ".."), -TSHM_ENAME);
	assert_int_equal(tshm_name_catalog(buf, sizeof(buf), ""), -TSHM_ENAME);
	assert_int_equal(tshm_name_catalog(buf, sizeof(buf), repeat(big, 'n', TSHM_NAMESPACE_MAX)),
			 -TSHM_ENAME);
}

static void check_round_trip(const char *ns, const char *bundle, uint64_t gen)
{
	char name[TSHM_SEGNAME_MAX], pns[TSHM_NAMESPACE_MAX], pb[TSHM_BUNDLE_MAX];
	uint64_t pgen = 0;

	assert_int_equal(tshm_name_segment(name, sizeof(name), ns, bundle, gen), 0);
	assert_int_equal(tshm_name_parse(name, pns, pb, &pgen), 0);
	assert_string_equal(pns, ns);
	assert_string_equal(pb, bundle);
	assert_true(pgen == gen);
	/* Without the leading '/'. */
	memset(pns, 'x', sizeof(pns));
	pgen = 0;
	assert_int_equal(tshm_name_parse(name + 1, pns, pb, &pgen), 0);
	assert_string_equal(pns, ns);
	assert_string_equal(pb, bundle);
	assert_true(pgen == gen);
}

static void test_names_parse_round_trip(void **state)
{
	char ns[64], bundle[64];

	(void)state;
	check_round_trip("ns", "b", 1);
	check_round_trip("a-b_c", "X_y-Z9", 123456789);
	check_round_trip("n", "catalog", 3); /* a bundle may be called "catalog" */
	check_round_trip("n", "g1", 2);
	check_round_trip(repeat(ns, 'n', TSHM_NAMESPACE_MAX - 1),
			 repeat(bundle, 'b', TSHM_BUNDLE_MAX - 1), 1000000);
}

/* Every generation tshm_name_segment() formats must parse back. */
static void test_names_parse_round_trip_max_gen(void **state)
{
	char ns[64], bundle[64];

	(void)state;
	check_round_trip("ns", "b", UINT64_C(1844674407370955161));
	check_round_trip("ns", "b", UINT64_MAX - 9);
	check_round_trip("ns", "b", UINT64_MAX);
	check_round_trip(repeat(ns, 'n', TSHM_NAMESPACE_MAX - 1),
			 repeat(bundle, 'b', TSHM_BUNDLE_MAX - 1), UINT64_MAX);
}

static void test_names_parse_catalog(void **state)
{
	char name[TSHM_SEGNAME_MAX], pns[TSHM_NAMESPACE_MAX], pb[TSHM_BUNDLE_MAX];
	uint64_t gen = 99;

	(void)state;
	assert_int_equal(tshm_name_catalog(name, sizeof(name), "cat-ns"), 0);
	memset(pb, 'x', sizeof(pb));
	assert_int_equal(tshm_name_parse(name, pns, pb, &gen), 0);
	assert_string_equal(pns, "cat-ns");
	assert_string_equal(pb, "");
	assert_true(gen == 0);
	gen = 99;
	assert_int_equal(tshm_name_parse("tickshm.cat-ns.catalog", pns, pb, &gen), 0);
	assert_string_equal(pns, "cat-ns");
	assert_true(gen == 0);
}

static void test_names_parse_null_outputs(void **state)
{
	char pns[TSHM_NAMESPACE_MAX], pb[TSHM_BUNDLE_MAX];
	uint64_t gen = 0;

	(void)state;
	assert_int_equal(tshm_name_parse("/tickshm.ns.b.g5", NULL, NULL, NULL), 0);
	assert_int_equal(tshm_name_parse("/tickshm.ns.b.g5", pns, NULL, NULL), 0);
	assert_string_equal(pns, "ns");
	assert_int_equal(tshm_name_parse("/tickshm.ns.b.g5", NULL, pb, NULL), 0);
	assert_string_equal(pb, "b");
	assert_int_equal(tshm_name_parse("/tickshm.ns.b.g5", NULL, NULL, &gen), 0);
	assert_true(gen == 5);
	assert_int_equal(tshm_name_parse("/tickshm.ns.b.gx", NULL, NULL, NULL), -TSHM_ENAME);
}

static void test_names_parse_rejects(void **state)
{
	static const char *bad[] = {
	    "",
	    "/",
	    "tickshm",
	    "/tickshm",
	    "/tickshm.",
	    "/tickshm.ns",
	    "/tickshm.ns.",
	    "/tickshm.ns.b",
	    "/tickshm.ns.b.",
	    "/tickshm.ns.b.g",
	    "/tickshm.ns.b.gx",
	    "/tickshm.ns.b.g1x",
	    "/tickshm.ns.b.g-1",
	    "/tickshm.ns.b.g+1",
	    "/tickshm.ns.b.g 1",
	    "/tickshm.ns.b.1",
	    "/tickshm.ns.b.g0",
	    "/tickshm.ns.b.g99999999999999999999999",
	    "/tickshm.ns.b.g18446744073709551616",
	    "/tickshm..b.g1",
	    "/tickshm.ns..g1",
	    "/tickshm.n/s.b.g1",
	    "/tickshm.ns.b/c.g1",
	    "/tickshm.ns.b.c.g1",
	    "/tickshm.ns.b.g1.",
	    "/tickshm.ns.catalogx",
	    "/tickshm.ns.catalog.",
	    "/tickshm..catalog",
	    "//tickshm.ns.b.g1",
	    "/other.ns.b.g1",
	    "/TICKSHM.ns.b.g1",
	    "/tickshmx.ns.b.g1",
	    "/../../etc/passwd",
	    "/tickshm.ns.../g1",
	};
	char pns[TSHM_NAMESPACE_MAX], pb[TSHM_BUNDLE_MAX];
	uint64_t gen;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = tshm_name_parse(bad[i], pns, pb, &gen);

		if (rc != -TSHM_ENAME)
			fail_msg("tshm_name_parse(\"%s\") = %d, want -TSHM_ENAME", bad[i], rc);
	}
}

static void test_names_parse_too_long_parts(void **state)
{
	char ns[64], bundle[64], name[256];

	(void)state;
	repeat(ns, 'n', TSHM_NAMESPACE_MAX);
	snprintf(name, sizeof(name), "/tickshm.%s.b.g1", ns);
	assert_int_equal(tshm_name_parse(name, NULL, NULL, NULL), -TSHM_ENAME);
	repeat(bundle, 'b', TSHM_BUNDLE_MAX);
	snprintf(name, sizeof(name), "/tickshm.ns.%s.g1", bundle);
	assert_int_equal(tshm_name_parse(name, NULL, NULL, NULL), -TSHM_ENAME);
	snprintf(name, sizeof(name), "/tickshm.%s.catalog", ns);
	assert_int_equal(tshm_name_parse(name, NULL, NULL, NULL), -TSHM_ENAME);
}

/* The tests below change TICKSHM_NAMESPACE: put the test namespace back. */
static int restore_ns(void **state)
{
	(void)state;
	setenv("TICKSHM_NAMESPACE", tshm_test_ns(), 1);
	return 0;
}

static void test_names_namespace_unset(void **state)
{
	char buf[TSHM_NAMESPACE_MAX];

	(void)state;
	unsetenv("TICKSHM_NAMESPACE");
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(tshm_namespace(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "default");
}

static void test_names_namespace_valid(void **state)
{
	char buf[TSHM_NAMESPACE_MAX], longest[64];

	(void)state;
	assert_int_equal(tshm_namespace(buf, sizeof(buf)), 0);
	assert_string_equal(buf, tshm_test_ns());
	setenv("TICKSHM_NAMESPACE", "research-7_x", 1);
	assert_int_equal(tshm_namespace(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "research-7_x");
	setenv("TICKSHM_NAMESPACE", repeat(longest, 'q', TSHM_NAMESPACE_MAX - 1), 1);
	assert_int_equal(tshm_namespace(buf, sizeof(buf)), 0);
	assert_string_equal(buf, longest);
}

static void test_names_namespace_invalid(void **state)
{
	static const char *bad[] = {"a/b", "..", ".", "a.b", "x y", "/etc"};
	char buf[TSHM_NAMESPACE_MAX], big[64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("TICKSHM_NAMESPACE", bad[i], 1);
		assert_int_equal(tshm_namespace(buf, sizeof(buf)), -TSHM_ENAME);
	}
	setenv("TICKSHM_NAMESPACE", repeat(big, 'q', TSHM_NAMESPACE_MAX), 1);
	assert_int_equal(tshm_namespace(buf, sizeof(buf)), -TSHM_ENAME);
}

static void check_strerror_pair(int code)
{
	const char *neg = tshm_strerror(-code);
	const char *pos = tshm_strerror(code);

	assert_non_null(neg);
	assert_non_null(pos);
	assert_true(strlen(neg) > 0);
	assert_string_equal(neg, pos);
}

static void test_names_strerror_project_codes(void **state)
{
	const char *seen[TSHM_ERRNO_END - TSHM_ERRNO_BASE];
	size_t n = 0;

	(void)state;
	for (int c = TSHM_ERRNO_BASE + 1; c < TSHM_ERRNO_END; c++) {
		check_strerror_pair(c);
		/* Each code has its own text, and it is not an "unknown" fallback. */
		for (size_t j = 0; j < n; j++)
			assert_string_not_equal(seen[j], tshm_strerror(-c));
		seen[n++] = tshm_strerror(-c);
	}
	assert_string_not_equal(tshm_strerror(-TSHM_ECORRUPT),
				tshm_strerror(-(TSHM_ERRNO_END + 5)));
	assert_string_not_equal(tshm_strerror(-TSHM_EBUSY), tshm_strerror(-(TSHM_ERRNO_END + 5)));
}

static void test_names_strerror_errno(void **state)
{
	static const int codes[] = {ENOENT, EINVAL, ENOSPC, EEXIST, EACCES, EBADF, ENOMEM, ESTALE};

	(void)state;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		check_strerror_pair(codes[i]);
		/* Must describe the errno, not fall back to an unknown-error text. */
		assert_string_not_equal(tshm_strerror(-codes[i]),
					tshm_strerror(-(TSHM_ERRNO_END + 5)));
	}
	assert_string_not_equal(tshm_strerror(-ENOENT), tshm_strerror(-EINVAL));
	assert_string_not_equal(tshm_strerror(-ENOSPC), tshm_strerror(-TSHM_ECORRUPT));
}

static void test_names_strerror_unknown(void **state)
{
	static const int codes[] = {0,
				    5000,
				    -5000,
				    TSHM_ERRNO_BASE,
				    -TSHM_ERRNO_BASE,
				    TSHM_ERRNO_END,
				    -TSHM_ERRNO_END,
				    0x7fff,
				    INT_MAX,
				    -INT_MAX,
				    INT_MIN};

	(void)state;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		assert_non_null(tshm_strerror(codes[i]));
}

/* Last: with UBSan, a negation overflow here aborts the whole program. */
static void test_names_strerror_int_min(void **state)
{
	(void)state;
	assert_non_null(tshm_strerror(INT_MIN));
	assert_non_null(tshm_strerror(INT_MIN + 1));
}

static void test_names_version_string(void **state)
{
	char want[32];

	(void)state;
	snprintf(want, sizeof(want), "%d.%d.%d", TSHM_VERSION_MAJOR, TSHM_VERSION_MINOR,
		 TSHM_VERSION_PATCH);
	assert_non_null(tshm_version_string());
	assert_string_equal(tshm_version_string(), want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names_check_valid),
	    cmocka_unit_test(test_names_check_invalid_chars),
	    cmocka_unit_test(test_names_check_empty),
	    cmocka_unit_test(test_names_check_length),
	    cmocka_unit_test(test_names_segment_format),
	    cmocka_unit_test(test_names_segment_longest_fits),
	    cmocka_unit_test(test_names_segment_errors),
	    cmocka_unit_test(test_names_catalog_format),
	    cmocka_unit_test(test_names_parse_round_trip),
	    cmocka_unit_test(test_names_parse_round_trip_max_gen),
	    cmocka_unit_test(test_names_parse_catalog),
	    cmocka_unit_test(test_names_parse_null_outputs),
	    cmocka_unit_test(test_names_parse_rejects),
	    cmocka_unit_test(test_names_parse_too_long_parts),
	    cmocka_unit_test_teardown(test_names_namespace_unset, restore_ns),
	    cmocka_unit_test_teardown(test_names_namespace_valid, restore_ns),
	    cmocka_unit_test_teardown(test_names_namespace_invalid, restore_ns),
	    cmocka_unit_test(test_names_strerror_project_codes),
	    cmocka_unit_test(test_names_strerror_errno),
	    cmocka_unit_test(test_names_strerror_unknown),
	    cmocka_unit_test(test_names_version_string),
	    cmocka_unit_test(test_names_strerror_int_min),
	};

	tshm_test_ns_init("names");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
