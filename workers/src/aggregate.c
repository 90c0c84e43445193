/* SPDX-License-Identifier: MIT */
/*
 * The aggregator: merges the partial results of each (asset, parameter set)
 * strictly in slice order, whatever order they arrive in (out-of-order ones
 * wait in a short sorted list), builds the daily pnl series (slices of one
 * day summed), and, once every slice of an asset is merged, calls the
 * strategy's metrics() with that series and the asset's price exponent.
 * Merging in a fixed order is what makes results independent of the
 * number of workers and of the slicing.
 */
#include <errno.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipe_internal.h"

struct pend {
	uint64_t slice;
	uint64_t ticks;
	int32_t day;
	uint32_t reserved;
	alignas(8) unsigned char partial[TSHM_PARTIAL_MAX];
};

struct acc {
	uint64_t merged; /* slices merged so far */
	uint64_t ticks;
	int64_t *daily;
	uint32_t ndays, daycap;
	int32_t last_day;
	uint32_t npend, pendcap;
	uint32_t done; /* merged every slice, or failed */
	uint32_t failed;
	int32_t dday; /* on_day: the day dpart holds */
	alignas(8) unsigned char dpart[TSHM_PARTIAL_MAX];
	struct pend *pend; /* sorted by slice */
};

struct aasset {
	uint64_t slices; /* final slice count once sliced */
	uint32_t sliced;
	uint32_t open; /* accumulators not done */
	struct acc acc[];
};

struct tshm__agg {
	struct aasset **a; /* per run asset: NULL before begin and after finalise */
	uint32_t ndone;
	void *state; /* for identity partials of assets without data */
};

static struct tshm_result *out_of(struct tshm__run *r, uint32_t ai, uint32_t pj)
{
	return &r->res->results[(size_t)ai * r->npsets + pj];
}

int tshm__agg_create(struct tshm__run *r)
{
	struct tshm__agg *g = calloc(1, sizeof(*g));

	if (!g || !(g->a = calloc(r->nassets ? r->nassets : 1, sizeof(*g->a)))) {
		free(g);
		return -ENOMEM;
	}
	r->agg = g;
	return 0;
}

static void free_asset(struct tshm__run *r, struct aasset *a)
{
	if (!a)
		return;
	for (uint32_t j = 0; j < r->npsets; j++) {
		free(a->acc[j].daily);
		free(a->acc[j].pend);
	}
	free(a);
}

void tshm__agg_destroy(struct tshm__run *r)
{
	struct tshm__agg *g = r->agg;

	if (!g)
		return;
	for (uint32_t i = 0; i < r->nassets; i++)
		free_asset(r, g->a[i]);
	free(g->a);
	free(g->state);
	free(g);
	r->agg = NULL;
}

int tshm__agg_asset_begin(struct tshm__run *r, uint32_t ai)
{
	struct aasset *a = calloc(1, sizeof(*a) + (size_t)r->npsets * sizeof(struct acc));

	if (!a)
		return -ENOMEM;
	a->open = r->npsets;
	r->agg->a[ai] = a;
	return 0;
}

int tshm__agg_failed(const struct tshm__run *r, uint32_t ai, uint32_t pj)
{
	const struct aasset *a = r->agg->a[ai];

	return !a || a->acc[pj].failed;
}

int tshm__identity_partial(const struct tshm_strategy *s, const int64_t *params, void **state,
			   void *partial)
{
	size_t sz = ((size_t)s->state_size + 63u) & ~(size_t)63u;

	if (!*state && !(*state = aligned_alloc(64, sz ? sz : 64)))
		return -ENOMEM;
	s->init(*state, params);
	memset(partial, 0, TSHM_PARTIAL_MAX);
	s->finish(*state, partial);
	return 0;
}

static int finalise(struct tshm__run *r, uint32_t ai)
{
	struct aasset *a = r->agg->a[ai];
	int rc = 0;

	for (uint32_t j = 0; j < r->npsets && rc == 0; j++) {
		struct acc *c = &a->acc[j];
		struct tshm_result *o = out_of(r, ai, j);
		struct tshm_metrics_in in = {.daily_pnl = c->daily,
					     .ndays = c->ndays,
					     .price_exp = r->res->assets[ai].price_exp};

		if (c->failed) {
			o->status = TSHM_RESULT_FAILED;
			r->res->failed++;
			continue;
		}
		if (c->merged == 0)
			rc = tshm__identity_partial(r->s, &r->psets[(size_t)j * r->nparams],
						    &r->agg->state, o->partial);
		o->status = TSHM_RESULT_OK;
		o->slices = (uint32_t)c->merged;
		o->ndays = c->ndays;
		o->ticks = c->ticks;
		o->nmetrics = r->s->metrics(o->partial, &in, o->metrics, TSHM_METRICS_MAX);
		if (o->nmetrics > TSHM_METRICS_MAX)
			o->nmetrics = TSHM_METRICS_MAX;
	}
	free_asset(r, a);
	r->agg->a[ai] = NULL;
	r->agg->ndone++;
	return rc;
}

static void emit_day(struct tshm__run *r, uint32_t ai, uint32_t pj, const struct acc *c)
{
	struct tshm_day_partial d = {.asset = ai, .pset = pj, .day = c->dday, .partial = c->dpart};

	r->spec->on_day(&d, r->spec->arg);
}

/* Mark (ai, pj) done if it has merged every slice; finalise the asset when all are. */
static int check_done(struct tshm__run *r, uint32_t ai, uint32_t pj)
{
	struct aasset *a = r->agg->a[ai];
	struct acc *c = &a->acc[pj];

	if (c->done || !a->sliced || c->merged != a->slices)
		return 0;
	c->done = 1;
	if (r->spec->on_day && c->merged)
		emit_day(r, ai, pj, c);
	if (--a->open == 0)
		return finalise(r, ai);
	return 0;
}

int tshm__agg_asset_sliced(struct tshm__run *r, uint32_t ai, uint64_t slices)
{
	struct aasset *a = r->agg->a[ai];
	int rc = 0;

	if (!a) /* every set failed before the last slice was cut: already final */
		return 0;
	a->slices = slices;
	a->sliced = 1;
	for (uint32_t j = 0; j < r->npsets && rc == 0 && r->agg->a[ai]; j++)
		rc = check_done(r, ai, j);
	return rc;
}

static int push_day(struct acc *c, int32_t day, int64_t pnl)
{
	if (c->ndays && c->last_day == day) {
		c->daily[c->ndays - 1] += pnl;
		return 0;
	}
	if (c->ndays == c->daycap) {
		uint32_t cap = c->daycap ? c->daycap * 2 : 16;
		int64_t *n = realloc(c->daily, (size_t)cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		c->daily = n;
		c->daycap = cap;
	}
	c->daily[c->ndays++] = pnl;
	c->last_day = day;
	return 0;
}

/* Merge the next slice (in order) into (ai, pj). */
static int apply(struct tshm__run *r, uint32_t ai, uint32_t pj, int32_t day, uint64_t ticks,
		 const void *partial)
{
	struct acc *c = &r->agg->a[ai]->acc[pj];
	struct tshm_result *o = out_of(r, ai, pj);
	const struct tshm_partial_base *base = partial;
	int rc;

	if (c->merged == 0)
		memcpy(o->partial, partial, r->s->partial_size);
	else
		r->s->merge(o->partial, partial);
	if ((rc = push_day(c, day, base->pnl)) < 0)
		return rc;
	if (r->spec->on_day) {
		if (c->merged && c->dday == day) {
			r->s->merge(c->dpart, partial);
		} else {
			if (c->merged)
				emit_day(r, ai, pj, c);
			memcpy(c->dpart, partial, r->s->partial_size);
			c->dday = day;
		}
	}
	c->ticks += ticks;
	c->merged++;
	return 0;
}

static int hold(struct acc *c, const struct tshm__result *res)
{
	uint32_t k = 0;

	while (k < c->npend && c->pend[k].slice < res->slice)
		k++;
	if (k < c->npend && c->pend[k].slice == res->slice)
		return 0; /* already held */
	if (c->npend == c->pendcap) {
		uint32_t cap = c->pendcap ? c->pendcap * 2 : 4;
		struct pend *n = realloc(c->pend, (size_t)cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		c->pend = n;
		c->pendcap = cap;
	}
	memmove(&c->pend[k + 1], &c->pend[k], (size_t)(c->npend - k) * sizeof(*c->pend));
	c->pend[k].slice = res->slice;
	c->pend[k].ticks = res->ticks;
	c->pend[k].day = res->day;
	memcpy(c->pend[k].partial, res->partial, TSHM_PARTIAL_MAX);
	c->npend++;
	return 0;
}

int tshm__agg_result(struct tshm__run *r, const struct tshm__result *res)
{
	struct aasset *a;
	struct acc *c;
	int rc;

	if (res->asset >= r->nassets || res->pset >= r->npsets || !(a = r->agg->a[res->asset]))
		return 0; /* finalised: a duplicate */
	c = &a->acc[res->pset];
	if (c->done || res->slice < c->merged)
		return 0;
	if (res->slice > c->merged)
		return hold(c, res);
	rc = apply(r, res->asset, res->pset, res->day, res->ticks, res->partial);
	while (rc == 0 && c->npend && c->pend[0].slice == c->merged) {
		rc = apply(r, res->asset, res->pset, c->pend[0].day, c->pend[0].ticks,
			   c->pend[0].partial);
		c->npend--;
		memmove(&c->pend[0], &c->pend[1], (size_t)c->npend * sizeof(*c->pend));
	}
	return rc < 0 ? rc : check_done(r, res->asset, res->pset);
}

int tshm__agg_fail(struct tshm__run *r, uint32_t ai, uint32_t pj, const char *reason)
{
	struct aasset *a = ai < r->nassets ? r->agg->a[ai] : NULL;
	struct acc *c;

	if (!a || pj >= r->npsets || a->acc[pj].done)
		return 0;
	c = &a->acc[pj];
	c->failed = c->done = 1;
	c->npend = 0;
	snprintf(out_of(r, ai, pj)->reason, TSHM_RESULT_REASON_MAX, "%s", reason);
	if (--a->open == 0)
		return finalise(r, ai);
	return 0;
}

int tshm__agg_all_done(const struct tshm__run *r)
{
	return r->agg->ndone == r->nassets;
}
