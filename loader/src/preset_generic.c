/* SPDX-License-Identifier: MIT */
/*
 * Generic CSV: any table, columns given by --map ("ts=time,price=px", by
 * header name or 1-based number), else found by their own names in the
 * header, else taken in the fixed order ts,symbol,<values>[,side,id] (no
 * symbol column when --symbol is given). Timestamps are integers or
 * decimals in --ts-unit (default ns), or ISO-8601 text with --ts-unit iso.
 * Prices may be negative (spreads, some futures).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ingest_internal.h"

enum { G_TS, G_SYM, G_V0 }; /* then the values, then (trades) side, id; exchange last */

static const char *const trades_names[] = {"ts",   "symbol", "price",	"size",
					   "side", "id",     "exchange"};
static const char *const quotes_names[] = {"ts",     "symbol", "bid_px",  "bid_sz",
					   "ask_px", "ask_sz", "exchange"};
static const char *const bars_names[] = {"ts",	"symbol", "open",   "high",
					 "low", "close",  "volume", "exchange"};

static const char *const *field_names(enum tshm_table t, unsigned *n)
{
	if (t == TSHM_TABLE_TRADES)
		return *n = 7, trades_names;
	if (t == TSHM_TABLE_QUOTES)
		return *n = 7, quotes_names;
	return *n = 8, bars_names;
}

static bool required(const struct tshm__pfile *pf, unsigned k)
{
	unsigned nv = tshm__table_nvals(pf->table);

	return k == G_TS || (k == G_SYM && !pf->po->symbol_given) || (k >= G_V0 && k < G_V0 + nv);
}

/* One "field=column" of --map into pf->col. */
static int map_one(struct tshm__pfile *pf, const char *key, size_t klen, const char *val,
		   const struct tshm__field *hdr, unsigned nhdr, char *why, size_t len)
{
	unsigned nf, k;
	const char *const *names = field_names(pf->table, &nf);
	char *end;
	long c;

	for (k = 0; k < nf && !(strlen(names[k]) == klen && !strncmp(names[k], key, klen)); k++)
		;
	if (k == nf) {
		snprintf(why, len, "--map: no field \"%.*s\" in %s rows", (int)klen, key,
			 pf->table == TSHM_TABLE_TRADES	  ? "trades"
			 : pf->table == TSHM_TABLE_QUOTES ? "quotes"
							  : "bars");
		return -EINVAL;
	}
	c = strtol(val, &end, 10);
	if (end != val && *end == '\0') {
		if (c < 1 || c > (long)TSHM__MAX_FIELDS) {
			snprintf(why, len, "--map: column %ld is not in 1..%u", c,
				 TSHM__MAX_FIELDS);
			return -EINVAL;
		}
		pf->col[k] = (int)c - 1;
		return 0;
	}
	pf->col[k] = hdr ? tshm__header_find(hdr, nhdr, val) : -1;
	if (pf->col[k] < 0) {
		snprintf(why, len,
			 hdr ? "--map: no column \"%s\" in the header"
			     : "--map: column \"%s\" needs a header (or use its number)",
			 val);
		return -EINVAL;
	}
	return 0;
}

static int apply_map(struct tshm__pfile *pf, const struct tshm__field *hdr, unsigned nhdr,
		     char *why, size_t len)
{
	char *copy = strdup(pf->po->map), *save = NULL;
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	for (char *tok = strtok_r(copy, ",", &save); tok && rc == 0;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq || eq == tok || !eq[1]) {
			snprintf(why, len, "--map: \"%s\" is not field=column", tok);
			rc = -EINVAL;
		} else {
			rc = map_one(pf, tok, (size_t)(eq - tok), eq + 1, hdr, nhdr, why, len);
		}
	}
	free(copy);
	return rc;
}

/* No header, no map: ts,[symbol],values[,side,id]. */
static void positional(struct tshm__pfile *pf)
{
	unsigned nv = tshm__table_nvals(pf->table), c = 0;

	pf->col[G_TS] = (int)c++;
	if (!pf->po->symbol_given)
		pf->col[G_SYM] = (int)c++;
	for (unsigned k = 0; k < nv; k++)
		pf->col[G_V0 + k] = (int)c++;
	pf->min_cols = c;
	if (pf->table == TSHM_TABLE_TRADES) {
		pf->col[G_V0 + nv] = (int)c++;
		pf->col[G_V0 + nv + 1] = (int)c++;
	}
	pf->max_cols = c;
}

static int open_generic(struct tshm__pfile *pf, const struct tshm__field *hdr, unsigned nhdr,
			char *why, size_t len)
{
	unsigned nf, maxc = 0;
	const char *const *names;
	int rc;

	pf->table = pf->po->table ? pf->po->table : TSHM_TABLE_TRADES;
	names = field_names(pf->table, &nf);
	for (unsigned k = 0; k < TSHM__MAX_FIELDS; k++)
		pf->col[k] = -1;
	if (!hdr && !pf->po->map) {
		positional(pf);
		return 0;
	}
	if (nhdr > TSHM__MAX_FIELDS) {
		snprintf(why, len, "header: more than %u columns", TSHM__MAX_FIELDS);
		return -EINVAL;
	}
	if (pf->po->map && (rc = apply_map(pf, hdr, nhdr, why, len)) < 0)
		return rc;
	for (unsigned k = 0; k < nf; k++) {
		if (pf->col[k] < 0 && hdr)
			pf->col[k] = tshm__header_find(hdr, nhdr, names[k]);
		if (pf->col[k] < 0 && required(pf, k)) {
			snprintf(why, len, "no column for \"%s\" (--map %s=<column>)", names[k],
				 names[k]);
			return -EINVAL;
		}
		if (pf->col[k] >= 0 && (unsigned)pf->col[k] + 1 > maxc)
			maxc = (unsigned)pf->col[k] + 1;
	}
	pf->min_cols = hdr ? nhdr : maxc;
	pf->max_cols = hdr ? nhdr : TSHM__MAX_FIELDS;
	return 0;
}

static int side(struct tshm__rec *r, const struct tshm__field *f)
{
	if ((f->n == 3 && !strncasecmp(f->p, "buy", 3)) || (f->n == 1 && (*f->p | 0x20) == 'b'))
		r->flags = TSHM_TRADE_BUY;
	else if ((f->n == 4 && !strncasecmp(f->p, "sell", 4)) ||
		 (f->n == 1 && (*f->p | 0x20) == 's'))
		r->flags = TSHM_TRADE_SELL;
	else if (f->n == 0 || (f->n == 7 && !strncasecmp(f->p, "unknown", 7)))
		r->flags = 0;
	else
		return tshm__rec_fail(r, f, "side", "not buy/sell/b/s/unknown");
	return 0;
}

static int timestamp(const struct tshm__pfile *pf, const struct tshm__field *f, struct tshm__rec *r)
{
	int unit = pf->po->ts_unit == TSHM_TS_UNIT_AUTO ? TSHM_TS_UNIT_NS : pf->po->ts_unit;

	if (unit != TSHM_TS_UNIT_ISO)
		return tshm__field_ts(r, f, "ts", unit, &r->ts);
	if (tshm__ts_parse_iso(f->p, f->n, &r->ts) < 0)
		return tshm__rec_fail(r, f, "ts", "not an ISO-8601 time");
	return 0;
}

static int parse(const struct tshm__pfile *pf, const struct tshm__field *f, unsigned nf,
		 struct tshm__rec *r)
{
	unsigned nv = tshm__table_nvals(pf->table), nn;
	const char *const *names = field_names(pf->table, &nn);
	const struct tshm__field *x;
	int rc;

	if ((rc = timestamp(pf, tshm__fld(pf, f, nf, G_TS), r)) < 0)
		return rc;
	if (pf->col[G_SYM] >= 0) {
		x = tshm__fld(pf, f, nf, G_SYM);
		r->sym = x->p;
		r->symlen = x->n;
	}
	if (pf->col[nn - 1] >= 0 && (x = tshm__fld(pf, f, nf, nn - 1))->n) {
		r->exch = x->p;
		r->exchlen = x->n;
	}
	for (unsigned k = 0; k < nv; k++)
		if ((rc = tshm__rec_val(r, k, tshm__fld(pf, f, nf, G_V0 + k), names[G_V0 + k])) < 0)
			return rc;
	if (pf->table != TSHM_TABLE_TRADES)
		return 0;
	if ((rc = side(r, tshm__fld(pf, f, nf, G_V0 + nv))) < 0)
		return rc;
	x = tshm__fld(pf, f, nf, G_V0 + nv + 1);
	if (x->n == 0)
		return 0;
	r->has_id = true;
	return tshm__field_int(r, x, "id", &r->id);
}

const struct tshm__preset tshm__preset_generic = {
    .pub = {"generic", "any",
	    "trades: ts,symbol,price,size,side,id; quotes: ts,symbol,bid_px,bid_sz,ask_px,ask_sz; "
	    "bars: ts,symbol,open,high,low,close,volume (+ exchange)",
	    "any CSV: --table, --map field=column, --ts-unit s|ms|us|ns|iso"},
    .table = TSHM_TABLE_TRADES,
    .asset_class = TSHM_CLASS_OTHER,
    .exchange = "",
    .header = TSHM__HDR_REQUIRED, /* present unless --no-header */
    .negative_prices = true,
    .open = open_generic,
    .parse = parse,
};
