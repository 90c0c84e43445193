/* SPDX-License-Identifier: MIT */
/*
 * Exact decimal text -> integer mantissa, for the ingest hot path. Unlike
 * tshm_decimal_parse() the exponent is not known in advance (it is inferred
 * per asset from the data), so a number is kept as written: its significant
 * digits as an integer and how many of them are fraction digits. Scaling to
 * the asset's exponent later is one multiplication with an overflow check.
 */
#include <errno.h>
#include <string.h>

#include "ingest_internal.h"

const int64_t tshm__pow10[19] = {
    INT64_C(1),
    INT64_C(10),
    INT64_C(100),
    INT64_C(1000),
    INT64_C(10000),
    INT64_C(100000),
    INT64_C(1000000),
    INT64_C(10000000),
    INT64_C(100000000),
    INT64_C(1000000000),
    INT64_C(10000000000),
    INT64_C(100000000000),
    INT64_C(1000000000000),
    INT64_C(10000000000000),
    INT64_C(100000000000000),
    INT64_C(1000000000000000),
    INT64_C(10000000000000000),
    INT64_C(100000000000000000),
    INT64_C(1000000000000000000),
};

/* m * 10^k, checked. */
static int mul_pow10(uint64_t *m, int64_t k)
{
	for (; k > 0; k -= 18)
		if (__builtin_mul_overflow(*m, (uint64_t)tshm__pow10[k > 18 ? 18 : k], m))
			return -ERANGE;
	return 0;
}

static inline int add_digit(uint64_t *m, unsigned c)
{
	if (__builtin_mul_overflow(*m, 10u, m) || __builtin_add_overflow(*m, c, m))
		return -ERANGE;
	return 0;
}

/* Fraction digits: trailing zeros are counted in tfrac but only multiplied
 * into m when a non-zero digit follows them. */
static int parse_frac(const char *s, size_t n, size_t *i, uint64_t *m, int64_t *frac,
		      int64_t *tfrac)
{
	int64_t zeros = 0;

	for (; *i < n; (*i)++) {
		unsigned c = (unsigned char)s[*i] - '0';
		if (c > 9)
			break;
		(*tfrac)++;
		if (c == 0) {
			zeros++;
			continue;
		}
		if (zeros && mul_pow10(m, zeros) < 0)
			return -ERANGE;
		if (add_digit(m, c) < 0)
			return -ERANGE;
		*frac += zeros + 1;
		zeros = 0;
	}
	return 0;
}

/* "e[+-]digits": at most 4 digits, which is past any representable value. */
static int parse_exp(const char *s, size_t n, size_t *i, int64_t *e)
{
	bool neg = false;
	size_t d0;

	if (*i < n && (s[*i] == '+' || s[*i] == '-'))
		neg = s[(*i)++] == '-';
	d0 = *i;
	for (*e = 0; *i < n && s[*i] >= '0' && s[*i] <= '9'; (*i)++)
		*e = *e * 10 + (s[*i] - '0');
	if (*i == d0)
		return -EINVAL;
	if (*i - d0 > 4)
		return -ERANGE;
	if (neg)
		*e = -*e;
	return 0;
}

/* Apply a decimal exponent and the sign; fill @d. */
static int finish(uint64_t m, bool neg, int64_t frac, int64_t tfrac, int64_t e, struct tshm__dec *d)
{
	if (m == 0)
		frac = 0;
	else
		frac -= e;
	tfrac = tfrac - e > 0 ? tfrac - e : 0;
	if (frac < 0) {
		if (mul_pow10(&m, -frac) < 0)
			return -ERANGE;
		frac = 0;
	}
	if (m > (uint64_t)INT64_MAX + neg)
		return -ERANGE;
	if (frac > INT32_MAX || tfrac > INT32_MAX)
		return -ERANGE;
	d->m = neg ? (int64_t)(0 - m) : (int64_t)m;
	d->scale = d->frac = (int32_t)frac;
	d->tfrac = (int32_t)tfrac;
	return 0;
}

/* Any syntax, any length: digits beyond int64 are -ERANGE only if significant. */
static int dec_parse_slow(const char *s, size_t n, struct tshm__dec *d)
{
	uint64_t m = 0;
	int64_t frac = 0, tfrac = 0, e = 0;
	size_t i = 0, d0;
	bool neg = false;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	d0 = i;
	for (; i < n; i++) {
		unsigned c = (unsigned char)s[i] - '0';
		if (c > 9)
			break;
		if (add_digit(&m, c) < 0)
			return -ERANGE;
	}
	if (i < n && s[i] == '.') {
		i++;
		if (parse_frac(s, n, &i, &m, &frac, &tfrac) < 0)
			return -ERANGE;
		if (i == d0 + 1)
			return -EINVAL; /* "." alone */
	} else if (i == d0) {
		return -EINVAL;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		int rc;
		i++;
		rc = parse_exp(s, n, &i, &e);
		if (rc < 0)
			return rc;
	}
	if (i != n)
		return -EINVAL;
	return finish(m, neg, frac, tfrac, e, d);
}

/* If the 8 bytes at @p are all ASCII digits, their value (SWAR: three
 * multiply-adds instead of eight; the trick simdjson uses). */
static inline bool eight_digits(const char *p, uint64_t *v)
{
	uint64_t x, t;

	memcpy(&x, p, 8);
	t = (x & UINT64_C(0xF0F0F0F0F0F0F0F0)) |
	    (((x + UINT64_C(0x0606060606060606)) & UINT64_C(0xF0F0F0F0F0F0F0F0)) >> 4);
	if (t != UINT64_C(0x3333333333333333))
		return false;
	x -= UINT64_C(0x3030303030303030);
	x = x * 10 + (x >> 8);
	x = (((x & UINT64_C(0x000000FF000000FF)) * (100 + (UINT64_C(1000000) << 32))) +
	     (((x >> 16) & UINT64_C(0x000000FF000000FF)) * (1 + (UINT64_C(10000) << 32)))) >>
	    32;
	*v = x;
	return true;
}

/* Accumulate the digits at [*p, e) into *m, unchecked (the caller bounds the
 * count); stops at the first non-digit. */
static inline void digits_run(const char **p, const char *e, uint64_t *m)
{
	uint64_t v;

	while (e - *p >= 8 && eight_digits(*p, &v)) {
		*m = *m * 100000000u + v;
		*p += 8;
	}
	for (; *p < e && (unsigned char)(**p - '0') <= 9; (*p)++)
		*m = *m * 10 + (unsigned)(**p - '0');
}

/*
 * The usual case first: "[-]ddd[.ddd]" with at most 18 digits cannot
 * overflow, so digits are accumulated unchecked and the trailing zeros of
 * the fraction kept in m (scale = tfrac). Anything else takes the slow path.
 */
int tshm__dec_parse(const char *s, size_t n, struct tshm__dec *d)
{
	const char *p = s, *e = s + n, *ds, *fs;
	uint64_t m = 0;
	size_t ni, nf = 0, z = 0;
	bool neg = false;

	if (p < e && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	ds = p;
	digits_run(&p, e, &m);
	ni = (size_t)(p - ds);
	if (p < e && *p == '.') {
		fs = ++p;
		digits_run(&p, e, &m);
		nf = (size_t)(p - fs);
		while (z < nf && fs[nf - 1 - z] == '0')
			z++;
	}
	if (p != e || ni + nf > 18 || ni + nf == 0)
		return dec_parse_slow(s, n, d);
	d->m = neg ? -(int64_t)m : (int64_t)m;
	d->scale = d->tfrac = (int32_t)nf;
	d->frac = m ? (int32_t)(nf - z) : 0;
	return 0;
}

int tshm__dec_scale(const struct tshm__dec *d, int digits, int64_t *out)
{
	int k = digits - d->scale;

	if (k == 0 || d->m == 0) {
		*out = d->m;
		return 0;
	}
	if (k < 0) { /* drop trailing zeros kept in m */
		if (digits < d->frac || -k > 18)
			return -ERANGE;
		*out = d->m / tshm__pow10[-k];
		return 0;
	}
	if (k > 18 || __builtin_mul_overflow(d->m, tshm__pow10[k], out))
		return -ERANGE;
	return 0;
}

/* Up to 18 digits cannot overflow: no checks in the loop. */
int tshm__int_parse(const char *s, size_t n, int64_t *out)
{
	uint64_t m = 0;
	size_t i = 0, d0;
	bool neg = false;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	d0 = i;
	if (n - d0 <= 18) {
		const char *p = s + i;
		digits_run(&p, s + n, &m);
		if (p != s + n)
			return -EINVAL;
		i = n;
	} else {
		for (; i < n; i++) {
			unsigned c = (unsigned char)s[i] - '0';
			if (c > 9)
				return -EINVAL;
			if (add_digit(&m, c) < 0)
				return -ERANGE;
		}
	}
	if (i == d0)
		return -EINVAL;
	if (m > (uint64_t)INT64_MAX + neg)
		return -ERANGE;
	*out = neg ? (int64_t)(0 - m) : (int64_t)m;
	return 0;
}
