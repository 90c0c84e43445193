/* SPDX-License-Identifier: MIT */
/*
 * Exact text forms of decimal mantissas and UTC nanosecond timestamps.
 * Integer arithmetic only: a price printed and parsed back is the same
 * mantissa, bit for bit, on every host.
 */
#include "tickshm/text.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define EXP_MAX 30
#define SEC_NS INT64_C(1000000000)

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ---- decimals -------------------------------------------------------- */

/* Digits of @u, most significant first, into @out (>= 20 bytes); returns the count. */
static size_t utoa_digits(uint64_t u, char *out)
{
	char rev[20];
	size_t n = 0;

	do {
		rev[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	for (size_t i = 0; i < n; i++)
		out[i] = rev[n - 1 - i];
	return n;
}

/* Length of the text of @nd digits at @exp: "-", integer part, ".", fraction, zeros. */
static size_t decimal_len(size_t neg, size_t nd, bool zero, int exp)
{
	size_t frac = exp < 0 ? (size_t)-exp : 0;
	/* Zero stays "0" at a positive exponent: "000" would suggest precision. */
	size_t zeros = exp > 0 && !zero ? (size_t)exp : 0;

	return neg + (nd > frac ? nd - frac : 1) + (frac ? 1 + frac : 0) + zeros;
}

int tshm_decimal_format(char *buf, size_t len, int64_t mantissa, int exp)
{
	char dig[20], *p = buf;
	uint64_t mag = mantissa < 0 ? 0 - (uint64_t)mantissa : (uint64_t)mantissa;
	size_t nd = utoa_digits(mag, dig), neg = mantissa < 0, frac, nint, total;

	if (exp < -EXP_MAX || exp > EXP_MAX)
		return -EINVAL;
	total = decimal_len(neg, nd, mag == 0, exp);
	if (!buf || total + 1 > len)
		return -ENOSPC;
	frac = exp < 0 ? (size_t)-exp : 0;
	nint = nd > frac ? nd - frac : 0; /* digits left of the point */
	if (neg)
		*p++ = '-';
	if (nint) {
		memcpy(p, dig, nint);
		p += nint;
	} else {
		*p++ = '0';
	}
	if (frac) {
		*p++ = '.';
		memset(p, '0', frac - (nd - nint)); /* leading zeros of the fraction */
		p += frac - (nd - nint);
		memcpy(p, dig + nint, nd - nint);
		p += nd - nint;
	}
	memset(p, '0', (size_t)(buf + total - p)); /* the positive exponent's zeros */
	buf[total] = '\0';
	return (int)total;
}

/* The @k-th digit of the integer and fraction digits taken as one string. */
static int digit_at(const char *ip, size_t nint, const char *fp, size_t k)
{
	return k < nint ? ip[k] - '0' : fp[k - nint] - '0';
}

/*
 * Accumulate the first @keep digits into a magnitude no larger than @limit,
 * then scale by 10^@scale. -ERANGE on overflow.
 */
static int accumulate(const char *ip, size_t nint, const char *fp, size_t keep, long long scale,
		      uint64_t limit, uint64_t *mag)
{
	uint64_t m = 0;

	for (size_t k = 0; k < keep; k++) {
		unsigned d = (unsigned)digit_at(ip, nint, fp, k);

		if (m > (limit - d) / 10)
			return -ERANGE;
		m = m * 10 + d;
	}
	for (long long i = 0; i < scale && m; i++) {
		if (m > limit / 10)
			return -ERANGE;
		m *= 10;
	}
	*mag = m;
	return 0;
}

int tshm_decimal_parse(const char *s, size_t n, int exp, int64_t *out)
{
	size_t i = 0, nint, nfrac = 0, nd, keep;
	const char *ip, *fp = "";
	bool neg = false;
	long long shift;
	uint64_t mag;
	int rc;

	if (!s || !out || exp < -EXP_MAX || exp > EXP_MAX)
		return -EINVAL;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	ip = s + i;
	while (i < n && is_digit(s[i]))
		i++;
	nint = (size_t)(s + i - ip);
	if (nint == 0)
		return -EINVAL;
	if (i < n && s[i] == '.') {
		fp = s + ++i;
		while (i < n && is_digit(s[i]))
			i++;
		nfrac = (size_t)(s + i - fp);
		if (nfrac == 0)
			return -EINVAL;
	}
	if (i != n)
		return -EINVAL;
	nd = nint + nfrac;
	/* value = digits * 10^-nfrac; mantissa = value * 10^-exp. Lengths of text in
	 * memory fit a long long, so the signed arithmetic cannot overflow. */
	shift = -(long long)nfrac - exp;
	keep = shift >= 0 ? nd : ((long long)nd + shift > 0 ? (size_t)((long long)nd + shift) : 0);
	for (size_t k = keep; k < nd; k++)
		if (digit_at(ip, nint, fp, k) != 0)
			return -ERANGE; /* a digit finer than 10^exp would be lost */
	rc = accumulate(ip, nint, fp, keep, shift > 0 ? shift : 0,
			neg ? UINT64_C(1) << 63 : (UINT64_C(1) << 63) - 1, &mag);
	if (rc < 0)
		return rc;
	*out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return 0;
}

/* ---- timestamps ------------------------------------------------------ */

/* Howard Hinnant's days_from_civil: proleptic Gregorian date -> days since 1970-01-01. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

/* Its inverse, civil_from_days. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

int tshm_ts_format(char *buf, size_t len, int64_t ts)
{
	int64_t days = ts / (86400 * SEC_NS), rem = ts % (86400 * SEC_NS), y;
	unsigned m, d, sod;
	int n;

	if (rem < 0) { /* floor, so times before 1970 count forward from midnight */
		days--;
		rem += 86400 * SEC_NS;
	}
	civil_from_days(days, &y, &m, &d);
	sod = (unsigned)(rem / SEC_NS);
	if (!buf || len < 31)
		return -ENOSPC;
	n = snprintf(buf, len, "%04lld-%02u-%02uT%02u:%02u:%02u.%09lldZ", (long long)y, m, d,
		     sod / 3600, sod / 60 % 60, sod % 60, (long long)(rem % SEC_NS));
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

/* Exactly @n digits at @s as an unsigned value, or -1. */
static int fixed_digits(const char *s, unsigned n)
{
	int v = 0;

	for (unsigned i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static bool leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && leap_year(y) ? 29 : mdays[m - 1];
}

/* "YYYY-MM-DD" at @s: the day number, or -EINVAL. */
static int parse_date(const char *s, int64_t *days)
{
	int y = fixed_digits(s, 4), m, d;

	if (y < 0 || s[4] != '-' || s[7] != '-')
		return -EINVAL;
	m = fixed_digits(s + 5, 2);
	d = fixed_digits(s + 8, 2);
	if (m < 1 || m > 12 || d < 1 || d > month_days(y, m))
		return -EINVAL;
	*days = days_from_civil(y, (unsigned)m, (unsigned)d);
	return 0;
}

/* "HH:MM[:SS[.f{1,9}]][Z]" up to the end of @s: ns since midnight, or -EINVAL. */
static int parse_time(const char *s, int64_t *ns)
{
	int h = fixed_digits(s, 2), mi = -1, sec = 0;
	int64_t frac = 0;
	size_t i = 5;

	if (h < 0 || s[2] != ':')
		return -EINVAL;
	mi = fixed_digits(s + 3, 2);
	if (h > 23 || mi < 0 || mi > 59)
		return -EINVAL;
	if (s[i] == ':') {
		sec = fixed_digits(s + i + 1, 2);
		if (sec < 0 || sec > 59) /* UTC ns timestamps have no leap seconds */
			return -EINVAL;
		i += 3;
		if (s[i] == '.') {
			unsigned nf = 0;

			for (i++; is_digit(s[i]) && nf < 9; i++, nf++)
				frac = frac * 10 + (s[i] - '0');
			if (nf == 0 || is_digit(s[i]))
				return -EINVAL;
			for (; nf < 9; nf++)
				frac *= 10;
		}
	}
	if (s[i] == 'Z')
		i++;
	if (s[i] != '\0')
		return -EINVAL;
	*ns = ((int64_t)h * 3600 + mi * 60 + sec) * SEC_NS + frac;
	return 0;
}

static bool is_integer_text(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (!is_digit(*s))
			return false;
	return true;
}

int tshm_ts_parse(const char *s, int64_t *out)
{
	int64_t days, tod = 0, ns;
	size_t n;
	int rc;

	if (!s || !out)
		return -EINVAL;
	n = strlen(s);
	if (is_integer_text(s))
		return tshm_decimal_parse(s, n, 0, out);
	if (n < 10)
		return -EINVAL;
	rc = parse_date(s, &days);
	if (rc < 0)
		return rc;
	if (n > 10) {
		if (s[10] != 'T' && s[10] != ' ')
			return -EINVAL;
		rc = parse_time(s + 11, &tod);
		if (rc < 0)
			return rc;
	}
	/* The range's first day starts below INT64_MIN: count back from the next midnight. */
	if (days < 0) {
		days++;
		tod -= 86400 * SEC_NS;
	}
	if (__builtin_mul_overflow(days, 86400 * SEC_NS, &ns) ||
	    __builtin_add_overflow(ns, tod, &ns))
		return -ERANGE;
	*out = ns;
	return 0;
}
