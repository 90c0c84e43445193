/* SPDX-License-Identifier: MIT */
/*
 * Tardis.dev CSV datasets: trades and quotes (top of book). A header is
 * required and columns are found by name; exchange and symbol are columns;
 * `timestamp` is the exchange's time in epoch us (`local_timestamp`, the
 * capture time, is ignored).
 */
#include <errno.h>
#include <string.h>

#include "ingest_internal.h"

#define BIT(k) (1u << (k))

static int ident(const struct tshm__pfile *pf, const struct tshm__field *f, unsigned nf,
		 struct tshm__rec *r, unsigned kexch, unsigned ksym, unsigned kts)
{
	const struct tshm__field *e = tshm__fld(pf, f, nf, kexch), *s = tshm__fld(pf, f, nf, ksym);
	int unit = pf->po->ts_unit == TSHM_TS_UNIT_AUTO ? TSHM_TS_UNIT_US : pf->po->ts_unit;

	r->exch = e->p;
	r->exchlen = e->n;
	r->sym = s->p;
	r->symlen = s->n;
	return tshm__field_ts(r, tshm__fld(pf, f, nf, kts), "timestamp", unit, &r->ts);
}

enum { T_EXCH, T_SYM, T_TS, T_LOCAL_TS, T_ID, T_SIDE, T_PRICE, T_AMOUNT };

static const char *const trades_names[] = {
    "exchange", "symbol", "timestamp", "local_timestamp", "id", "side", "price", "amount",
};

static int side(struct tshm__rec *r, const struct tshm__field *f)
{
	if (f->n == 3 && memcmp(f->p, "buy", 3) == 0)
		r->flags = TSHM_TRADE_BUY;
	else if (f->n == 4 && memcmp(f->p, "sell", 4) == 0)
		r->flags = TSHM_TRADE_SELL;
	else if (f->n == 0 || (f->n == 7 && memcmp(f->p, "unknown", 7) == 0))
		r->flags = 0;
	else
		return tshm__rec_fail(r, f, "side", "not buy/sell/unknown");
	return 0;
}

static int parse_trades(const struct tshm__pfile *pf, const struct tshm__field *f, unsigned nf,
			struct tshm__rec *r)
{
	const struct tshm__field *id = tshm__fld(pf, f, nf, T_ID);
	int rc;

	if ((rc = ident(pf, f, nf, r, T_EXCH, T_SYM, T_TS)) < 0 ||
	    (rc = side(r, tshm__fld(pf, f, nf, T_SIDE))) < 0 ||
	    (rc = tshm__rec_val(r, 0, tshm__fld(pf, f, nf, T_PRICE), "price")) < 0 ||
	    (rc = tshm__rec_val(r, 1, tshm__fld(pf, f, nf, T_AMOUNT), "amount")) < 0)
		return rc;
	/* Ids are exchange strings: a number is kept, anything else numbered. */
	r->has_id = tshm__int_parse(id->p, id->n, &r->id) == 0;
	return 0;
}

const struct tshm__preset tshm__preset_tardis_trades = {
    .pub = {"tardis-trades", "trades",
	    "exchange,symbol,timestamp,local_timestamp,id,side,price,amount",
	    "Tardis.dev trades; header required; timestamp in us"},
    .table = TSHM_TABLE_TRADES,
    .asset_class = TSHM_CLASS_CRYPTO,
    .exchange = "",
    .header = TSHM__HDR_REQUIRED,
    .nfields = 8,
    .min_cols = 8,
    .required = BIT(T_EXCH) | BIT(T_SYM) | BIT(T_TS) | BIT(T_SIDE) | BIT(T_PRICE) | BIT(T_AMOUNT),
    .names = trades_names,
    .parse = parse_trades,
};

enum { Q_EXCH, Q_SYM, Q_TS, Q_LOCAL_TS, Q_ASK_AMT, Q_ASK_PX, Q_BID_PX, Q_BID_AMT };

static const char *const quotes_names[] = {
    "exchange",	  "symbol",    "timestamp", "local_timestamp",
    "ask_amount", "ask_price", "bid_price", "bid_amount",
};

/* One side of the book: both empty (no quote on that side) reads as 0, 0. */
static int book_side(struct tshm__rec *r, unsigned kpx, const struct tshm__field *px,
		     const char *npx, const struct tshm__field *amt, const char *namt)
{
	int rc;

	if (px->n == 0 && amt->n == 0) {
		r->v[kpx] = r->v[kpx + 1] = (struct tshm__dec){0};
		r->vf[kpx] = px;
		r->vf[kpx + 1] = amt;
		return 0;
	}
	if ((rc = tshm__rec_val(r, kpx, px, npx)) < 0)
		return rc;
	return tshm__rec_val(r, kpx + 1, amt, namt);
}

static int parse_quotes(const struct tshm__pfile *pf, const struct tshm__field *f, unsigned nf,
			struct tshm__rec *r)
{
	int rc;

	if ((rc = ident(pf, f, nf, r, Q_EXCH, Q_SYM, Q_TS)) < 0 ||
	    (rc = book_side(r, 0, tshm__fld(pf, f, nf, Q_BID_PX), "bid_price",
			    tshm__fld(pf, f, nf, Q_BID_AMT), "bid_amount")) < 0)
		return rc;
	return book_side(r, 2, tshm__fld(pf, f, nf, Q_ASK_PX), "ask_price",
			 tshm__fld(pf, f, nf, Q_ASK_AMT), "ask_amount");
}

const struct tshm__preset tshm__preset_tardis_quotes = {
    .pub = {"tardis-quotes", "quotes",
	    "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount",
	    "Tardis.dev top-of-book quotes; header required; timestamp in us"},
    .table = TSHM_TABLE_QUOTES,
    .asset_class = TSHM_CLASS_CRYPTO,
    .exchange = "",
    .header = TSHM__HDR_REQUIRED,
    .nfields = 8,
    .min_cols = 8,
    .required = BIT(Q_EXCH) | BIT(Q_SYM) | BIT(Q_TS) | BIT(Q_ASK_AMT) | BIT(Q_ASK_PX) |
		BIT(Q_BID_PX) | BIT(Q_BID_AMT),
    .names = quotes_names,
    .parse = parse_quotes,
};
