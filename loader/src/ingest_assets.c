/* SPDX-License-Identifier: MIT */
/*
 * The assets of one ingest, keyed by symbol: found in the bundle (their
 * exponents are then fixed) or created with the options' and the preset's
 * attributes. Consecutive rows almost always share an asset, so the
 * previous row's asset is tried before the hash index.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_internal.h"

static uint64_t sym_hash(const char *s, size_t n)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * UINT64_C(0x100000001b3);
	return h;
}

static struct tshm__iasset *lookup(const struct tshm__ingest *g, const char *s, size_t n,
				   uint64_t h)
{
	size_t mask = g->nslots - 1;

	if (!g->nslots)
		return NULL;
	for (size_t i = (size_t)h & mask; g->slots[i]; i = (i + 1) & mask) {
		struct tshm__iasset *a = g->assets[g->slots[i] - 1];
		if (a->hash == h && a->symlen == n && memcmp(a->symbol, s, n) == 0)
			return a;
	}
	return NULL;
}

static void slot_put(uint32_t *slots, size_t mask, uint64_t h, uint32_t v)
{
	size_t i = (size_t)h & mask;

	while (slots[i])
		i = (i + 1) & mask;
	slots[i] = v;
}

/* Append @a to the list and the index (kept at most half full). */
static int index_add(struct tshm__ingest *g, struct tshm__iasset *a)
{
	if (g->nassets == g->acap) {
		size_t cap = g->acap ? g->acap * 2 : 16;
		struct tshm__iasset **v = realloc(g->assets, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		g->assets = v;
		g->acap = cap;
	}
	if ((g->nassets + 1) * 2 > g->nslots) {
		size_t n = g->nslots ? g->nslots * 2 : 64;
		uint32_t *s = calloc(n, sizeof(*s));
		if (!s)
			return -ENOMEM;
		for (size_t i = 0; i < g->nassets; i++)
			slot_put(s, n - 1, g->assets[i]->hash, (uint32_t)i + 1);
		free(g->slots);
		g->slots = s;
		g->nslots = n;
	}
	g->assets[g->nassets++] = a;
	slot_put(g->slots, g->nslots - 1, a->hash, (uint32_t)g->nassets);
	return 0;
}

/* An asset already in the bundle: its exponents are fixed. */
static int existing(struct tshm__ingest *g, struct tshm__iasset *a)
{
	const struct tshm_ingest_opts *o = g->o;
	char why[160];

	if (a->a.price_exp > 0 || a->a.price_exp < -18 || a->a.size_exp > 0 ||
	    a->a.size_exp < -18) {
		snprintf(why, sizeof(why), "exponents %d/%d are outside [-18, 0]",
			 (int)a->a.price_exp, (int)a->a.size_exp);
		return tshm__ingest_fail(g, -EINVAL, a->symbol, why);
	}
	if ((o->price_exp != TSHM_INGEST_DEFAULT && o->price_exp != a->a.price_exp) ||
	    (o->size_exp != TSHM_INGEST_DEFAULT && o->size_exp != a->a.size_exp)) {
		snprintf(why, sizeof(why),
			 "the asset's exponents are price %d, size %d: --price-exp/--size-exp "
			 "cannot change them",
			 (int)a->a.price_exp, (int)a->a.size_exp);
		return tshm__ingest_fail(g, -EINVAL, a->symbol, why);
	}
	a->exists = a->pfixed = a->sfixed = true;
	a->pd = -a->a.price_exp;
	a->sd = -a->a.size_exp;
	return 0;
}

/* A new asset: attributes from the options, the row and the preset. */
static int fresh(struct tshm__ingest *g, struct tshm__iasset *a, struct tshm__rec *r)
{
	const struct tshm_ingest_opts *o = g->o;
	const char *exch = g->p->exchange;
	size_t elen = strlen(exch);

	if (o->exchange)
		exch = o->exchange, elen = strlen(exch);
	else if (r->exch && r->exchlen)
		exch = r->exch, elen = r->exchlen;
	if (elen > TSHM_EXCHANGE_MAX) {
		snprintf(r->why, sizeof(r->why), "exchange: longer than %u bytes",
			 TSHM_EXCHANGE_MAX);
		return 1;
	}
	memcpy(a->a.symbol, a->symbol, a->symlen + 1);
	memcpy(a->a.exchange, exch, elen);
	snprintf(a->a.currency, sizeof(a->a.currency), "%s", o->currency ? o->currency : "");
	a->a.asset_class = o->asset_class == TSHM_INGEST_DEFAULT ? g->p->asset_class
								 : o->asset_class;
	a->a.tick_size = a->a.lot_size = 1;
	a->pfixed = o->price_exp != TSHM_INGEST_DEFAULT;
	a->sfixed = o->size_exp != TSHM_INGEST_DEFAULT;
	a->pd = a->pfixed ? -o->price_exp : 0;
	a->sd = a->sfixed ? -o->size_exp : 0;
	return 0;
}

static int create(struct tshm__ingest *g, struct tshm__rec *r, const char *sym, size_t n,
		  uint64_t h, struct tshm__iasset **out)
{
	struct tshm__iasset *a = calloc(1, sizeof(*a));
	int rc;

	if (!a)
		return tshm__ingest_fail(g, -ENOMEM, "ingest", "out of memory");
	memcpy(a->symbol, sym, n);
	a->symlen = n;
	a->hash = h;
	a->min_ts = INT64_MAX;
	a->max_ts = INT64_MIN;
	rc = g->txn ? tshm_bundle_get_asset(g->txn, 0, a->symbol, &a->a) : -ENOENT;
	if (rc == 0)
		rc = existing(g, a);
	else if (rc == -ENOENT)
		rc = fresh(g, a, r);
	else
		rc = tshm__ingest_fail(g, rc, a->symbol, tshm_strerror(rc));
	if (rc == 0 && (rc = index_add(g, a)) < 0)
		tshm__ingest_fail(g, rc, "ingest", "out of memory");
	if (rc != 0) {
		free(a);
		return rc;
	}
	*out = a;
	return 0;
}

int tshm__asset_get(struct tshm__ingest *g, const struct tshm__pfile *pf, struct tshm__rec *r,
		    struct tshm__iasset **out)
{
	const char *sym = pf->fsym;
	size_t n = pf->fsymlen;
	struct tshm__iasset *a = g->last;
	uint64_t h;
	int rc;

	if (g->o->symbol)
		sym = g->o->symbol, n = strlen(sym);
	else if (r->sym)
		sym = r->sym, n = r->symlen;
	if (a && a->symlen == n && memcmp(a->symbol, sym, n) == 0) {
		*out = a;
		return 0;
	}
	if (n == 0 || n > TSHM_SYMBOL_MAX || memchr(sym, '\0', n)) {
		snprintf(r->why, sizeof(r->why),
			 n ? "symbol: longer than %u bytes" : "no symbol (use --symbol)",
			 TSHM_SYMBOL_MAX);
		return 1;
	}
	h = sym_hash(sym, n);
	a = lookup(g, sym, n, h);
	if (!a && (rc = create(g, r, sym, n, h, &a)) != 0)
		return rc;
	g->last = a;
	*out = a;
	return 0;
}

void tshm__assets_free(struct tshm__ingest *g)
{
	for (size_t i = 0; i < g->nassets; i++) {
		struct tshm__iasset *a = g->assets[i];
		for (unsigned t = 0; t < TSHM_TABLE_COUNT; t++)
			tshm__series_free(a->ser[t]);
		free(a->adj);
		free(a);
	}
	free(g->assets);
	free(g->slots);
	g->assets = NULL;
	g->slots = NULL;
	g->nassets = g->acap = g->nslots = 0;
	g->last = NULL;
}
