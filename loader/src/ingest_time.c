/* SPDX-License-Identifier: MIT */
/* Timestamps of the ingest formats -> int64 ns since the epoch, exactly. */
#include <errno.h>
#include <string.h>

#include "ingest_internal.h"
#include "tickshm/text.h"

/* Howard Hinnant's days_from_civil: proleptic Gregorian date -> days since 1970-01-01. */
int64_t tshm__days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

int64_t tshm__unit_ns(int unit)
{
	switch (unit) {
	case TSHM_TS_UNIT_S:
		return INT64_C(1000000000);
	case TSHM_TS_UNIT_MS:
		return INT64_C(1000000);
	case TSHM_TS_UNIT_US:
		return INT64_C(1000);
	default:
		return 1;
	}
}

static int unit_digits(int unit)
{
	switch (unit) {
	case TSHM_TS_UNIT_S:
		return 9;
	case TSHM_TS_UNIT_MS:
		return 6;
	case TSHM_TS_UNIT_US:
		return 3;
	default:
		return 0;
	}
}

int tshm__ts_from_dec(const struct tshm__dec *d, int unit, int64_t *ns)
{
	int digits = unit_digits(unit);
	int64_t v;

	if (d->frac > digits)
		return -EDOM; /* finer than a nanosecond */
	if (tshm__dec_scale(d, digits, &v) < 0 || tshm__ts_check(v) < 0)
		return -ERANGE;
	*ns = v;
	return 0;
}

/* @n ASCII digits at @s as a number, or -1. */
static int64_t digits(const char *s, size_t n)
{
	int64_t v = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned c = (unsigned char)s[i] - '0';
		if (c > 9)
			return -1;
		v = v * 10 + c;
	}
	return v;
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int date_days(int64_t y, int64_t m, int64_t d, int64_t *days)
{
	static const unsigned char mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (y < 0 || m < 1 || m > 12 || d < 1)
		return -EINVAL;
	if (d > mdays[m - 1] + (m == 2 && leap(y)))
		return -EINVAL;
	*days = tshm__days_from_civil(y, (unsigned)m, (unsigned)d);
	/* Years 0..9999 reach beyond int64 ns: range-check the day first. */
	return *days >= TSHM__TS_LO / TSHM_DAY_NS && *days < TSHM__TS_HI / TSHM_DAY_NS ? 0
										       : -ERANGE;
}

/* "HH:MM:SS[.f{1,9}]" -> ns into the day. */
static int time_of_day(const char *s, size_t n, int64_t *tod)
{
	int64_t hh, mm, ss, frac = 0;
	size_t nf;

	if (n < 8 || s[2] != ':' || s[5] != ':')
		return -EINVAL;
	hh = digits(s, 2);
	mm = digits(s + 3, 2);
	ss = digits(s + 6, 2);
	if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59)
		return -EINVAL;
	if (n > 8) {
		nf = n - 9;
		if (s[8] != '.' || nf < 1 || nf > 9 || (frac = digits(s + 9, nf)) < 0)
			return -EINVAL;
		frac *= tshm__pow10[9 - nf];
	}
	*tod = ((hh * 60 + mm) * 60 + ss) * INT64_C(1000000000) + frac;
	return 0;
}

int tshm__ts_parse_compact(const char *s, size_t n, int64_t *ns)
{
	int64_t days, tod;

	if (n < 17 || s[8] != ' ')
		return -EINVAL;
	int rc = date_days(digits(s, 4), digits(s + 4, 2), digits(s + 6, 2), &days);

	if (rc < 0)
		return rc;
	if (time_of_day(s + 9, n - 9, &tod) < 0)
		return -EINVAL;
	*ns = days * TSHM_DAY_NS + tod;
	return tshm__ts_check(*ns);
}

int tshm__ts_parse_iso(const char *s, size_t n, int64_t *ns)
{
	char buf[TSHM_TS_BUFSZ + 8];
	int64_t days;
	int rc;

	/* The common "YYYY-MM-DD" without the general parser. */
	if (n == 10 && s[4] == '-' && s[7] == '-') {
		if ((rc = date_days(digits(s, 4), digits(s + 5, 2), digits(s + 8, 2), &days)) < 0)
			return rc;
		*ns = days * TSHM_DAY_NS;
		return tshm__ts_check(*ns);
	}
	if (n == 0 || n >= sizeof(buf) || memchr(s, '\0', n))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	rc = tshm_ts_parse(buf, ns);
	if (rc < 0)
		return rc;
	return tshm__ts_check(*ns);
}
