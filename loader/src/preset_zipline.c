/* SPDX-License-Identifier: MIT */
/*
 * zipline's csvdir bundle: one file of daily bars per symbol
 * (<dir>/daily/<SYMBOL>.csv), header required, columns found by name:
 * date,open,high,low,close,volume[,dividend][,split]. A non-zero dividend
 * becomes a cash-dividend adjustment on that date, a split other than 1 a
 * split adjustment whose ratio is the split as an exact fraction.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ingest_internal.h"

#define BIT(k) (1u << (k))

enum { Z_DATE, Z_OPEN, Z_HIGH, Z_LOW, Z_CLOSE, Z_VOLUME, Z_DIVIDEND, Z_SPLIT };

static const char *const names[] = {
    "date", "open", "high", "low", "close", "volume", "dividend", "split",
};

/* Symbol = the file's base name without ".csv", ".csv.zst" or ".zst". */
static int symbol_from_name(struct tshm__pfile *pf, const struct tshm__field *hdr, unsigned nhdr,
			    char *why, size_t len)
{
	static const char *const suffixes[] = {".csv.zst", ".csv", ".zst"};
	const char *base = tshm__basename(pf->path ? pf->path : "");
	size_t n = strlen(base);

	(void)hdr, (void)nhdr;
	if (pf->po->symbol_given)
		return 0;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t sl = strlen(suffixes[i]);
		if (n > sl && strcmp(base + n - sl, suffixes[i]) == 0) {
			n -= sl;
			break;
		}
	}
	if (n == 0 || n > TSHM_SYMBOL_MAX) {
		snprintf(why, len,
			 "cannot use the file name as a symbol (1 to %u bytes): use --symbol",
			 TSHM_SYMBOL_MAX);
		return -EINVAL;
	}
	memcpy(pf->fsym, base, n);
	pf->fsym[n] = '\0';
	pf->fsymlen = n;
	return 0;
}

static int64_t gcd(int64_t a, int64_t b)
{
	while (b) {
		int64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static int dividend(struct tshm__rec *r, const struct tshm__field *f)
{
	int rc;

	if (f->n == 0)
		return 0;
	if ((rc = tshm__field_dec(r, f, "dividend", &r->div)) < 0)
		return rc;
	if (r->div.m < 0)
		return tshm__rec_fail(r, f, "dividend", "negative");
	r->has_div = r->div.m != 0;
	r->divf = f;
	return 0;
}

/* split = m / 10^frac, reduced: 0.5 -> 1/2, 1.5 -> 3/2, 2 -> 2/1. */
static int split(struct tshm__rec *r, const struct tshm__field *f)
{
	struct tshm__dec d;
	int64_t g;
	int rc;

	if (f->n == 0)
		return 0;
	if ((rc = tshm__field_dec(r, f, "split", &d)) < 0)
		return rc;
	if (d.m < 0)
		return tshm__rec_fail(r, f, "split", "negative");
	if (d.scale > 18)
		return tshm__rec_fail(r, f, "split", "more than 18 fraction digits");
	if (d.m == 0)
		return 0; /* 0: no split recorded */
	r->split_num = d.m;
	r->split_den = tshm__pow10[d.scale];
	g = gcd(r->split_num, r->split_den);
	r->split_num /= g;
	r->split_den /= g;
	r->has_split = r->split_num != r->split_den; /* 1: no change */
	return 0;
}

static int parse(const struct tshm__pfile *pf, const struct tshm__field *f, unsigned nf,
		 struct tshm__rec *r)
{
	static const char *const vnames[] = {"open", "high", "low", "close", "volume"};
	const struct tshm__field *date = tshm__fld(pf, f, nf, Z_DATE);
	int rc;

	if (tshm__ts_parse_iso(date->p, date->n, &r->ts) < 0)
		return tshm__rec_fail(r, date, "date", "not a date (YYYY-MM-DD)");
	for (unsigned k = 0; k < 5; k++)
		if ((rc = tshm__rec_val(r, k, tshm__fld(pf, f, nf, Z_OPEN + k), vnames[k])) < 0)
			return rc;
	if ((rc = dividend(r, tshm__fld(pf, f, nf, Z_DIVIDEND))) < 0)
		return rc;
	return split(r, tshm__fld(pf, f, nf, Z_SPLIT));
}

const struct tshm__preset tshm__preset_zipline = {
    .pub = {"zipline-csvdir", "bars_1d", "date,open,high,low,close,volume,dividend,split",
	    "zipline csvdir daily bars, one file per symbol (<dir>/daily/<SYMBOL>.csv); "
	    "dividends and splits become adjustments"},
    .table = TSHM_TABLE_BARS_1D,
    .asset_class = TSHM_CLASS_EQUITY,
    .exchange = "",
    .header = TSHM__HDR_REQUIRED,
    .nfields = 8,
    .min_cols = 6,
    .required = BIT(Z_DATE) | BIT(Z_OPEN) | BIT(Z_HIGH) | BIT(Z_LOW) | BIT(Z_CLOSE) | BIT(Z_VOLUME),
    .names = names,
    .open = symbol_from_name,
    .parse = parse,
};
