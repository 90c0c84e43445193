/* SPDX-License-Identifier: MIT */
/*
 * Decimal values -> mantissas at the asset's exponents. A new asset's
 * exponent is inferred as it goes: it starts at 0 and grows to the largest
 * number of fraction digits seen (trailing zeros count, at most 12), the
 * rows collected so far multiplied up to match. An existing asset's, or one
 * given by option, is fixed: a value needing more digits is a row error.
 * A row is checked completely before anything changes, so a rejected row
 * never moves an exponent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "ingest_internal.h"

/* Digits a row needs, per kind; [0] unused. */
struct need {
	int digits[3];
};

static int show(const struct tshm__field *f, const char **p)
{
	*p = f ? f->p : "0";
	return f ? (int)(f->n > 40 ? 40 : f->n) : 1;
}

/* Check one value against @a and raise @nd to what it needs. */
static int need_value(const struct tshm__ingest *g, const struct tshm__iasset *a, int kind,
		      const struct tshm__dec *d, const struct tshm__field *f, struct tshm__rec *r,
		      struct need *nd)
{
	bool fixed = kind == TSHM__VAL_PRICE ? a->pfixed : a->sfixed;
	int have = kind == TSHM__VAL_PRICE ? a->pd : a->sd;
	const char *txt;
	int len = show(f, &txt);

	if (d->m < 0 && (kind == TSHM__VAL_SIZE || !g->p->negative_prices)) {
		snprintf(r->why, sizeof(r->why), "negative %s: %.*s",
			 kind == TSHM__VAL_SIZE ? "size" : "price", len, txt);
		return 1;
	}
	if (d->frac > have && fixed) {
		snprintf(r->why, sizeof(r->why), "precision: %.*s needs exponent -%d, asset has %d",
			 len, txt, (int)d->frac, -have);
		return 1;
	}
	if (d->frac > TSHM__MAX_DIGITS) {
		snprintf(r->why, sizeof(r->why), "precision: %.*s needs exponent -%d, beyond -%d",
			 len, txt, (int)d->frac, TSHM__MAX_DIGITS);
		return 1;
	}
	if (!fixed && d->tfrac > nd->digits[kind])
		nd->digits[kind] = d->tfrac > TSHM__MAX_DIGITS ? TSHM__MAX_DIGITS : d->tfrac;
	return 0;
}

/* Raise @a's digits of @kind to @want, rescaling its rows; 1 if they would overflow. */
static int grow(struct tshm__iasset *a, int kind, int want, struct tshm__rec *r)
{
	int *have = kind == TSHM__VAL_PRICE ? &a->pd : &a->sd;
	int k = want - *have;

	if (k <= 0)
		return 0;
	for (int apply = 0; apply < 2; apply++)
		for (unsigned t = 0; t < TSHM_TABLE_COUNT; t++)
			if (a->ser[t] && tshm__series_rescale(a->ser[t], kind, k, apply) < 0) {
				snprintf(r->why, sizeof(r->why),
					 "precision: exponent -%d (this row's) makes earlier %s "
					 "overflow int64",
					 want, kind == TSHM__VAL_PRICE ? "prices" : "sizes");
				return 1;
			}
	*have = want;
	return 0;
}

static int convert_slow(struct tshm__ingest *g, struct tshm__iasset *a, struct tshm__rec *r,
			int64_t *v)
{
	unsigned nv = tshm__table_nvals(r->table);
	struct need nd = {{0, a->pd, a->sd}};
	int rc;

	for (unsigned k = 0; k < nv; k++)
		if ((rc = need_value(g, a, tshm__table_val_kind(r->table, k), &r->v[k], r->vf[k], r,
				     &nd)) != 0)
			return rc;
	if (r->has_div && (rc = need_value(g, a, TSHM__VAL_PRICE, &r->div, r->divf, r, &nd)) != 0)
		return rc;
	for (unsigned k = 0; k < nv; k++) {
		int kind = tshm__table_val_kind(r->table, k);
		if (tshm__dec_scale(&r->v[k], nd.digits[kind], &v[k + 1]) < 0) {
			const char *txt;
			int len = show(r->vf[k], &txt);
			snprintf(r->why, sizeof(r->why), "out of range: %.*s at exponent -%d", len,
				 txt, nd.digits[kind]);
			return 1;
		}
	}
	if ((rc = grow(a, TSHM__VAL_PRICE, nd.digits[TSHM__VAL_PRICE], r)) != 0)
		return rc;
	return grow(a, TSHM__VAL_SIZE, nd.digits[TSHM__VAL_SIZE], r);
}

/* Every value already fits the asset's exponents as written: no checks left. */
static bool convert_fast(const struct tshm__iasset *a, const struct tshm__rec *r, int64_t *v)
{
	unsigned nv = tshm__table_nvals(r->table);

	if (r->has_div)
		return false;
	for (unsigned k = 0; k < nv; k++) {
		const struct tshm__dec *d = &r->v[k];
		int have = tshm__table_val_kind(r->table, k) == TSHM__VAL_PRICE ? a->pd : a->sd;

		if (d->m < 0 || d->tfrac > have || tshm__dec_scale(d, have, &v[k + 1]) < 0)
			return false;
	}
	return true;
}

int tshm__values_convert(struct tshm__ingest *g, struct tshm__iasset *a, struct tshm__rec *r,
			 int64_t *v)
{
	if (convert_fast(a, r, v))
		return 0;
	return convert_slow(g, a, r, v);
}
static int adj_push(struct tshm__iasset *a, const struct tshm__adj *x)
{
	if (a->nadj == a->adjcap) {
		size_t cap = a->adjcap ? a->adjcap * 2 : 8;
		struct tshm__adj *p = realloc(a->adj, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		a->adj = p;
		a->adjcap = cap;
	}
	a->adj[a->nadj++] = *x;
	return 0;
}

int tshm__adjust_add(struct tshm__ingest *g, struct tshm__iasset *a, struct tshm__rec *r)
{
	int rc = 0;

	struct tshm__adj div = {r->ts, TSHM_ADJ_CASH_DIVIDEND, 1, 1, r->div, a->nadj};
	struct tshm__adj split = {r->ts, TSHM_ADJ_SPLIT, r->split_num, r->split_den,
				  {0},	 a->nadj + 1};

	if (r->has_div)
		rc = adj_push(a, &div);
	if (rc == 0 && r->has_split)
		rc = adj_push(a, &split);
	if (rc < 0)
		return tshm__ingest_fail(g, rc, "ingest", "out of memory");
	return 0;
}
