/* SPDX-License-Identifier: MIT */
/*
 * TrueFX tick files: "EUR/USD,20240102 00:00:00.123,1.10412,1.10415", no
 * header: symbol (kept as written), UTC time to the millisecond, bid, ask.
 * There are no sizes: both are stored as 0.
 */
#include "ingest_internal.h"

enum { F_SYM, F_TS, F_BID, F_ASK };

static const char *const names[] = {"symbol", "timestamp", "bid", "ask"};

static int parse(const struct tshm__pfile *pf, const struct tshm__field *f, unsigned nf,
		 struct tshm__rec *r)
{
	const struct tshm__field *ts = tshm__fld(pf, f, nf, F_TS),
				 *sym = tshm__fld(pf, f, nf, F_SYM);
	int rc;

	r->sym = sym->p;
	r->symlen = sym->n;
	if (pf->po->ts_unit != TSHM_TS_UNIT_AUTO)
		rc = tshm__field_ts(r, ts, "timestamp", pf->po->ts_unit, &r->ts);
	else if (tshm__ts_parse_compact(ts->p, ts->n, &r->ts) < 0)
		return tshm__rec_fail(r, ts, "timestamp", "not YYYYMMDD HH:MM:SS.mmm");
	else
		rc = 0;
	if (rc < 0 || (rc = tshm__rec_val(r, 0, tshm__fld(pf, f, nf, F_BID), "bid")) < 0 ||
	    (rc = tshm__rec_val(r, 2, tshm__fld(pf, f, nf, F_ASK), "ask")) < 0)
		return rc;
	r->v[1] = r->v[3] = (struct tshm__dec){0};
	r->vf[1] = r->vf[3] = NULL;
	return 0;
}

const struct tshm__preset tshm__preset_truefx = {
    .pub = {"truefx", "quotes", "symbol,timestamp,bid,ask",
	    "TrueFX ticks: \"EUR/USD,20240102 00:00:00.123,1.10412,1.10415\"; no header"},
    .table = TSHM_TABLE_QUOTES,
    .asset_class = TSHM_CLASS_FX,
    .exchange = "truefx",
    .header = TSHM__HDR_NONE,
    .nfields = 4,
    .min_cols = 4,
    .required = 0xF,
    .names = names,
    .parse = parse,
};
