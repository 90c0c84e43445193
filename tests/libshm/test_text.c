/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/* Text forms: exact decimals and ISO-8601 UTC nanosecond timestamps, both ways. */
#include "tshm_test.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define DAY TSHM_DAY_NS
#define SEC INT64_C(1000000000)

/* Format into a roomy buffer and return it (static: one call per assertion). */
static const char *dec(int64_t m, int exp)
{
	static char buf[96];
	int n = tshm_decimal_format(buf, sizeof(buf), m, exp);

	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	return buf;
}

static int parse(const char *s, int exp, int64_t *out)
{
	return tshm_decimal_parse(s, strlen(s), exp, out);
}

static int64_t parse_ok(const char *s, int exp)
{
	int64_t v = 0;

	assert_int_equal(parse(s, exp, &v), 0);
	return v;
}

static const char *ts(int64_t t)
{
	static char buf[TSHM_TS_BUFSZ];

	assert_int_equal(tshm_ts_format(buf, sizeof(buf), t), 30);
	return buf;
}

static int64_t ts_ok(const char *s)
{
	int64_t v = 0;

	assert_int_equal(tshm_ts_parse(s, &v), 0);
	return v;
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* ---- decimal format ----------------------------------------------------- */

static void test_text_decimal_format_basic(void **state)
{
	(void)state;
	assert_string_equal(dec(-123400, -4), "-12.3400");
	assert_string_equal(dec(150, -2), "1.50");
	assert_string_equal(dec(5, -3), "0.005");
	assert_string_equal(dec(-5, -3), "-0.005");
	assert_string_equal(dec(123, -3), "0.123");
	assert_string_equal(dec(1234, -3), "1.234");
	assert_string_equal(dec(42, 0), "42");
	assert_string_equal(dec(-42, 0), "-42");
}

static void test_text_decimal_format_zero(void **state)
{
	(void)state;
	assert_string_equal(dec(0, 0), "0");
	assert_string_equal(dec(0, -2), "0.00");
	assert_string_equal(dec(0, -30), "0.000000000000000000000000000000");
	/* No spurious precision at a positive exponent. */
	assert_string_equal(dec(0, 3), "0");
}

static void test_text_decimal_format_positive_exp(void **state)
{
	(void)state;
	assert_string_equal(dec(123, 2), "12300");
	assert_string_equal(dec(-7, 1), "-70");
	assert_string_equal(dec(1, 30), "1000000000000000000000000000000");
}

static void test_text_decimal_format_extremes(void **state)
{
	(void)state;
	assert_string_equal(dec(INT64_MAX, 0), "9223372036854775807");
	assert_string_equal(dec(INT64_MIN, 0), "-9223372036854775808");
	assert_string_equal(dec(INT64_MIN, -4), "-922337203685477.5808");
	assert_string_equal(dec(INT64_MAX, -19), "0.9223372036854775807");
	assert_string_equal(dec(INT64_MIN, -19), "-0.9223372036854775808");
	assert_string_equal(dec(INT64_MIN, -30), "-0.000000000009223372036854775808");
	assert_string_equal(dec(INT64_MIN, 27), "-9223372036854775808000000000000000000000000000");
}

static void test_text_decimal_format_bad_exp(void **state)
{
	char buf[96];

	(void)state;
	assert_int_equal(tshm_decimal_format(buf, sizeof(buf), 1, 31), -EINVAL);
	assert_int_equal(tshm_decimal_format(buf, sizeof(buf), 1, -31), -EINVAL);
	assert_int_equal(tshm_decimal_format(buf, sizeof(buf), 1, 1000), -EINVAL);
}

static void test_text_decimal_format_nospace(void **state)
{
	char buf[8];

	(void)state;
	/* "-12.3400" is 8 characters: needs 9 bytes with the NUL. */
	assert_int_equal(tshm_decimal_format(buf, 8, -123400, -4), -ENOSPC);
	assert_int_equal(tshm_decimal_format(buf, 0, 1, 0), -ENOSPC);
	assert_int_equal(tshm_decimal_format(buf, 2, 1, 0), 1);
	assert_string_equal(buf, "1");
	assert_int_equal(tshm_decimal_format(buf, 1, 1, 0), -ENOSPC);
}

static void test_text_decimal_format_bufsz_covers_all_exps(void **state)
{
	char buf[TSHM_DECIMAL_BUFSZ];

	(void)state;
	for (int exp = -30; exp <= 30; exp++) {
		assert_true(tshm_decimal_format(buf, sizeof(buf), INT64_MIN, exp) > 0);
		assert_true(tshm_decimal_format(buf, sizeof(buf), INT64_MAX, exp) > 0);
	}
}

/* ---- decimal parse ------------------------------------------------------ */

static void test_text_decimal_parse_basic(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("1.5", -2), 150);
	assert_int_equal(parse_ok("-12.34", -4), -123400);
	assert_int_equal(parse_ok("+7", 0), 7);
	assert_int_equal(parse_ok("0.001", -3), 1);
	assert_int_equal(parse_ok("007", 0), 7);
	assert_int_equal(parse_ok("-0", 0), 0);
	assert_int_equal(parse_ok("-0.00", -2), 0);
	assert_int_equal(parse_ok("42", -2), 4200);
}

static void test_text_decimal_parse_trailing_zeros(void **state)
{
	(void)state;
	/* More fraction digits than -exp are fine when they are zeros. */
	assert_int_equal(parse_ok("1.2300", -2), 123);
	assert_int_equal(parse_ok("5.000000000000000000000000000000000000000", 0), 5);
	assert_int_equal(parse_ok("1.0", 0), 1);
}

static void test_text_decimal_parse_positive_exp(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("12300", 2), 123);
	assert_int_equal(parse_ok("-70", 1), -7);
	assert_int_equal(parse_ok("0", 5), 0);
	assert_int_equal(parse_ok("100.00", 2), 1);
}

static void test_text_decimal_parse_rounding_refused(void **state)
{
	int64_t v = 99;

	(void)state;
	assert_int_equal(parse("1.2345", -2, &v), -ERANGE);
	assert_int_equal(parse("0.001", -2, &v), -ERANGE);
	assert_int_equal(parse("150", 2, &v), -ERANGE);
	assert_int_equal(parse("1.5", 0, &v), -ERANGE);
	assert_int_equal(parse("1", 1, &v), -ERANGE);
	assert_int_equal(parse("-0.5", 0, &v), -ERANGE);
	assert_int_equal(v, 99); /* untouched on error */
}

static void test_text_decimal_parse_extremes(void **state)
{
	int64_t v;

	(void)state;
	assert_true(parse_ok("9223372036854775807", 0) == INT64_MAX);
	assert_true(parse_ok("-9223372036854775808", 0) == INT64_MIN);
	assert_true(parse_ok("922337203685477.5807", -4) == INT64_MAX);
	assert_true(parse_ok("-0.000000000009223372036854775808", -30) == INT64_MIN);
	assert_true(parse_ok("-9223372036854775808000", 3) == INT64_MIN);
	assert_int_equal(parse("9223372036854775808", 0, &v), -ERANGE);
	assert_int_equal(parse("-9223372036854775809", 0, &v), -ERANGE);
	assert_int_equal(parse("99999999999999999999999", 0, &v), -ERANGE);
	/* Overflow from scaling, not from the digits. */
	assert_int_equal(parse("1", -19, &v), -ERANGE);
	assert_int_equal(parse("922337203685477.5808", -4, &v), -ERANGE);
	assert_int_equal(parse("0.9", -30, &v), -ERANGE);
}

static void test_text_decimal_parse_syntax(void **state)
{
	static const char *bad[] = {"",	   "+",	    "-",    ".5",  "5.",  "1e5", " 1",
				    "1 ",  "1.2.3", "0x10", "--1", "1,5", "+-1", "1.-2",
				    "abc", "1_000", "١",    "∞",   "NaN"};
	int64_t v = 99;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], -2, &v), -EINVAL);
	assert_int_equal(v, 99);
	assert_int_equal(tshm_decimal_parse("1\0"
					    "2",
					    3, 0, &v),
			 -EINVAL);
	assert_int_equal(tshm_decimal_parse(NULL, 0, 0, &v), -EINVAL);
	assert_int_equal(tshm_decimal_parse("1", 1, 0, NULL), -EINVAL);
}

static void test_text_decimal_parse_length_bounds_input(void **state)
{
	int64_t v;

	(void)state;
	/* Only @n bytes are read: the rest of the buffer is not part of the number. */
	assert_int_equal(tshm_decimal_parse("12345", 2, 0, &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(tshm_decimal_parse("1.25xyz", 3, -2, &v), 0);
	assert_int_equal(v, 120);
}

static void test_text_decimal_parse_bad_exp(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(parse("1", 31, &v), -EINVAL);
	assert_int_equal(parse("1", -31, &v), -EINVAL);
}

static void test_text_decimal_round_trip(void **state)
{
	uint64_t rng = 42;
	char buf[96];

	(void)state;
	for (int i = 0; i < 200000; i++) {
		uint64_t x = rng_next(&rng);
		/* Mix full-range mantissas with small ones, where leading zeros matter. */
		int64_t m = i % 2 ? (int64_t)x : (int64_t)(x % 100000) - 50000;
		int exp = (int)(rng_next(&rng) % 61) - 30;
		int64_t back = 0;
		int n = tshm_decimal_format(buf, sizeof(buf), m, exp);

		assert_true(n > 0);
		assert_int_equal(tshm_decimal_parse(buf, (size_t)n, exp, &back), 0);
		assert_true(back == m);
	}
	for (int exp = -30; exp <= 30; exp++) {
		int64_t edge[] = {INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX - 1, INT64_MAX};

		for (size_t k = 0; k < sizeof(edge) / sizeof(edge[0]); k++) {
			int64_t back = 0;
			int n = tshm_decimal_format(buf, sizeof(buf), edge[k], exp);

			assert_true(n > 0);
			assert_int_equal(tshm_decimal_parse(buf, (size_t)n, exp, &back), 0);
			assert_true(back == edge[k]);
		}
	}
}

/* ---- timestamp format --------------------------------------------------- */

static void test_text_ts_format_epoch(void **state)
{
	(void)state;
	assert_string_equal(ts(0), "1970-01-01T00:00:00.000000000Z");
	assert_string_equal(ts(1), "1970-01-01T00:00:00.000000001Z");
	assert_string_equal(ts(TSHM_TEST_T0), "2024-01-02T00:00:00.000000000Z");
	assert_string_equal(ts(TSHM_TEST_T0 + 34200 * SEC + 1), "2024-01-02T09:30:00.000000001Z");
}

static void test_text_ts_format_before_1970(void **state)
{
	(void)state;
	assert_string_equal(ts(-1), "1969-12-31T23:59:59.999999999Z");
	assert_string_equal(ts(-SEC), "1969-12-31T23:59:59.000000000Z");
	assert_string_equal(ts(-DAY), "1969-12-31T00:00:00.000000000Z");
	assert_string_equal(ts(-14182940 * SEC), "1969-07-20T20:17:40.000000000Z");
	assert_string_equal(ts(-2208988800 * SEC), "1900-01-01T00:00:00.000000000Z");
}

static void test_text_ts_format_extremes(void **state)
{
	(void)state;
	assert_string_equal(ts(INT64_MAX), "2262-04-11T23:47:16.854775807Z");
	assert_string_equal(ts(INT64_MIN), "1677-09-21T00:12:43.145224192Z");
}

static void test_text_ts_format_leap_years(void **state)
{
	(void)state;
	assert_string_equal(ts(ts_ok("2024-02-28") + DAY), "2024-02-29T00:00:00.000000000Z");
	assert_string_equal(ts(ts_ok("2024-02-29") + DAY), "2024-03-01T00:00:00.000000000Z");
	assert_string_equal(ts(ts_ok("2023-02-28") + DAY), "2023-03-01T00:00:00.000000000Z");
	assert_string_equal(ts(ts_ok("2000-02-28") + DAY), "2000-02-29T00:00:00.000000000Z");
	assert_string_equal(ts(ts_ok("2100-02-28") + DAY), "2100-03-01T00:00:00.000000000Z");
	assert_string_equal(ts(ts_ok("1900-02-28") + DAY), "1900-03-01T00:00:00.000000000Z");
	assert_string_equal(ts(ts_ok("2024-12-31") + DAY), "2025-01-01T00:00:00.000000000Z");
}

static void test_text_ts_format_nospace(void **state)
{
	char buf[TSHM_TS_BUFSZ];

	(void)state;
	assert_int_equal(tshm_ts_format(buf, 30, 0), -ENOSPC);
	assert_int_equal(tshm_ts_format(buf, 0, 0), -ENOSPC);
	assert_int_equal(tshm_ts_format(buf, 31, 0), 30);
}

/* ---- timestamp parse ---------------------------------------------------- */

static void test_text_ts_parse_forms(void **state)
{
	int64_t t = TSHM_TEST_T0 + 34200 * SEC; /* 2024-01-02 09:30 */

	(void)state;
	assert_true(ts_ok("2024-01-02") == TSHM_TEST_T0);
	assert_true(ts_ok("2024-01-02T09:30") == t);
	assert_true(ts_ok("2024-01-02 09:30") == t);
	assert_true(ts_ok("2024-01-02T09:30Z") == t);
	assert_true(ts_ok("2024-01-02T09:30:00") == t);
	assert_true(ts_ok("2024-01-02T09:30:00Z") == t);
	assert_true(ts_ok("2024-01-02T09:30:07Z") == t + 7 * SEC);
	assert_true(ts_ok("2024-01-02T23:59:59.999999999Z") == TSHM_TEST_T0 + DAY - 1);
}

static void test_text_ts_parse_fraction_digits(void **state)
{
	static const struct {
		const char *s;
		int64_t ns;
	} cases[] = {
	    {"2024-01-02T00:00:00.1", 100000000},
	    {"2024-01-02T00:00:00.12", 120000000},
	    {"2024-01-02T00:00:00.123", 123000000},
	    {"2024-01-02T00:00:00.1234", 123400000},
	    {"2024-01-02T00:00:00.12345", 123450000},
	    {"2024-01-02T00:00:00.123456", 123456000},
	    {"2024-01-02T00:00:00.1234567", 123456700},
	    {"2024-01-02T00:00:00.12345678", 123456780},
	    {"2024-01-02T00:00:00.123456789Z", 123456789},
	    {"2024-01-02T00:00:00.000000001", 1},
	};
	int64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_true(ts_ok(cases[i].s) == TSHM_TEST_T0 + cases[i].ns);
	assert_int_equal(tshm_ts_parse("2024-01-02T00:00:00.1234567891", &v), -EINVAL);
	assert_int_equal(tshm_ts_parse("2024-01-02T00:00:00.", &v), -EINVAL);
	assert_int_equal(tshm_ts_parse("2024-01-02T00:00:00.Z", &v), -EINVAL);
	assert_int_equal(tshm_ts_parse("2024-01-02T00:00.5", &v), -EINVAL);
}

static void test_text_ts_parse_before_1970(void **state)
{
	(void)state;
	assert_true(ts_ok("1969-12-31T23:59:59.999999999Z") == -1);
	assert_true(ts_ok("1969-07-20T20:17:40Z") == -14182940 * SEC);
	assert_true(ts_ok("1900-01-01") == -2208988800 * SEC);
	assert_true(ts_ok("1700-03-01") == ts_ok("1700-02-28") + DAY); /* 1700: not leap */
}

static void test_text_ts_parse_leap_years(void **state)
{
	int64_t v;

	(void)state;
	assert_true(ts_ok("2024-02-29") == ts_ok("2024-02-28") + DAY);
	assert_true(ts_ok("2000-02-29") == ts_ok("2000-03-01") - DAY);
	assert_int_equal(tshm_ts_parse("2023-02-29", &v), -EINVAL);
	assert_int_equal(tshm_ts_parse("1900-02-29", &v), -EINVAL);
	assert_int_equal(tshm_ts_parse("2100-02-29", &v), -EINVAL);
}

static void test_text_ts_parse_invalid_dates(void **state)
{
	static const char *bad[] = {
	    "2024-13-01",
	    "2024-00-10",
	    "2024-01-32",
	    "2024-01-00",
	    "2024-04-31",
	    "2024-06-31",
	    "2024-1-2",
	    "24-01-02",
	    "2024/01/02",
	    "2024-01-02T24:00",
	    "2024-01-02T12:60",
	    "2024-01-02T12:00:60",
	    "2024-01-02X09:30",
	    "2024-01-02T09:30:00Zjunk",
	    "2024-01-02T09:30+01:00",
	    "2024-01-02T",
	    "2024-01-02T09",
	    "2024-01-02T9:30",
	    "2024-01-02T09:3",
	    "2024-01-02Z",
	    "2024-01-02 ",
	    "",
	    "abc",
	    "2024-01-02T09:30:00ZZ",
	    "2024-01-02t09:30",
	    " 2024-01-02",
	    "1.5",
	    "-",
	    "+",
	    "2024-01-02T09:30:0",
	};
	int64_t v = 77;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tshm_ts_parse(bad[i], &v) != -EINVAL)
			fail_msg("'%s' parsed", bad[i]);
	assert_int_equal(v, 77);
	assert_int_equal(tshm_ts_parse(NULL, &v), -EINVAL);
	assert_int_equal(tshm_ts_parse("2024-01-02", NULL), -EINVAL);
}

static void test_text_ts_parse_integer_ns(void **state)
{
	int64_t v;

	(void)state;
	assert_true(ts_ok("0") == 0);
	assert_true(ts_ok("-1") == -1);
	assert_true(ts_ok("+5") == 5);
	assert_true(ts_ok("1704153600000000000") == TSHM_TEST_T0);
	assert_true(ts_ok("9223372036854775807") == INT64_MAX);
	assert_true(ts_ok("-9223372036854775808") == INT64_MIN);
	assert_int_equal(tshm_ts_parse("9223372036854775808", &v), -ERANGE);
	assert_int_equal(tshm_ts_parse("-9223372036854775809", &v), -ERANGE);
}

static void test_text_ts_parse_range(void **state)
{
	int64_t v;

	(void)state;
	assert_true(ts_ok("1677-09-21T00:12:43.145224192Z") == INT64_MIN);
	assert_true(ts_ok("2262-04-11T23:47:16.854775807Z") == INT64_MAX);
	assert_int_equal(tshm_ts_parse("1677-09-21T00:12:43.145224191Z", &v), -ERANGE);
	assert_int_equal(tshm_ts_parse("2262-04-11T23:47:16.854775808Z", &v), -ERANGE);
	assert_int_equal(tshm_ts_parse("1600-01-01", &v), -ERANGE);
	assert_int_equal(tshm_ts_parse("9999-12-31T23:59:59Z", &v), -ERANGE);
	assert_int_equal(tshm_ts_parse("0000-01-01", &v), -ERANGE);
	assert_true(ts_ok("1678-01-01") < 0);
	assert_true(ts_ok("2261-12-31T23:59:59.999999999") > 0);
}

/* Every day of the int64 range: format and parse agree, and days follow each other. */
static void test_text_ts_every_day_round_trips(void **state)
{
	int64_t first = INT64_MIN / DAY, last = INT64_MAX / DAY;
	char prev[TSHM_TS_BUFSZ] = "";

	(void)state;
	for (int64_t d = first; d < last; d++) {
		int64_t t = d * DAY + 12 * 3600 * SEC + 345, back = 0;
		char buf[TSHM_TS_BUFSZ];

		assert_int_equal(tshm_ts_format(buf, sizeof(buf), t), 30);
		assert_int_equal(tshm_ts_parse(buf, &back), 0);
		assert_true(back == t);
		assert_true(strcmp(prev, buf) < 0); /* ISO text sorts like time */
		memcpy(prev, buf, sizeof(buf));
	}
}

static void test_text_ts_round_trip_random(void **state)
{
	uint64_t rng = 7;
	char buf[TSHM_TS_BUFSZ];

	(void)state;
	for (int i = 0; i < 200000; i++) {
		int64_t t = (int64_t)rng_next(&rng), back = 0;

		assert_int_equal(tshm_ts_format(buf, sizeof(buf), t), 30);
		assert_int_equal(tshm_ts_parse(buf, &back), 0);
		assert_true(back == t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text_decimal_format_basic),
	    cmocka_unit_test(test_text_decimal_format_zero),
	    cmocka_unit_test(test_text_decimal_format_positive_exp),
	    cmocka_unit_test(test_text_decimal_format_extremes),
	    cmocka_unit_test(test_text_decimal_format_bad_exp),
	    cmocka_unit_test(test_text_decimal_format_nospace),
	    cmocka_unit_test(test_text_decimal_format_bufsz_covers_all_exps),
	    cmocka_unit_test(test_text_decimal_parse_basic),
	    cmocka_unit_test(test_text_decimal_parse_trailing_zeros),
	    cmocka_unit_test(test_text_decimal_parse_positive_exp),
	    cmocka_unit_test(test_text_decimal_parse_rounding_refused),
	    cmocka_unit_test(test_text_decimal_parse_extremes),
	    cmocka_unit_test(test_text_decimal_parse_syntax),
	    cmocka_unit_test(test_text_decimal_parse_length_bounds_input),
	    cmocka_unit_test(test_text_decimal_parse_bad_exp),
	    cmocka_unit_test(test_text_decimal_round_trip),
	    cmocka_unit_test(test_text_ts_format_epoch),
	    cmocka_unit_test(test_text_ts_format_before_1970),
	    cmocka_unit_test(test_text_ts_format_extremes),
	    cmocka_unit_test(test_text_ts_format_leap_years),
	    cmocka_unit_test(test_text_ts_format_nospace),
	    cmocka_unit_test(test_text_ts_parse_forms),
	    cmocka_unit_test(test_text_ts_parse_fraction_digits),
	    cmocka_unit_test(test_text_ts_parse_before_1970),
	    cmocka_unit_test(test_text_ts_parse_leap_years),
	    cmocka_unit_test(test_text_ts_parse_invalid_dates),
	    cmocka_unit_test(test_text_ts_parse_integer_ns),
	    cmocka_unit_test(test_text_ts_parse_range),
	    cmocka_unit_test(test_text_ts_every_day_round_trips),
	    cmocka_unit_test(test_text_ts_round_trip_random),
	};

	tshm_test_ns_init("text");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
