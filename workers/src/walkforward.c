/* SPDX-License-Identifier: MIT */
/*
 * Walk-forward analysis (pipeline.h): one sweep over the whole range keeps
 * every (asset, parameter set, day) partial; each window's training and
 * test figures are merges of those day partials in day order, and the
 * stitched out-of-sample curve merges the picked sets' test days.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pipe_internal.h"
#include "tickshm/pipeline.h"

/* The day partials of one (asset, parameter set), in day order. */
struct series {
	unsigned char *buf; /* n entries of stride bytes: int32_t day, pad, partial */
	uint32_t n, cap;
};

struct wf {
	const struct tshm_wf_spec *spec;
	const struct tshm_strategy *s;
	size_t stride;
	uint32_t npsets, nassets_cap;
	struct series *ser; /* nassets_cap x npsets */
	int err;

	struct tshm_wf_result *res;
	int32_t *cal; /* calendar days */
	uint32_t ncal;
	void *state; /* for identity partials */
	int64_t *daily;
	uint32_t daily_cap;
};

#define DAY_OFF 0
#define PART_OFF 8

static struct series *series_of(struct wf *w, uint32_t ai, uint32_t pj)
{
	if (ai >= w->nassets_cap) {
		uint32_t cap = w->nassets_cap ? w->nassets_cap : 8;
		struct series *n;

		while (cap <= ai)
			cap *= 2;
		if (!(n = realloc(w->ser, (size_t)cap * w->npsets * sizeof(*n))))
			return NULL;
		memset(n + (size_t)w->nassets_cap * w->npsets, 0,
		       (size_t)(cap - w->nassets_cap) * w->npsets * sizeof(*n));
		w->ser = n;
		w->nassets_cap = cap;
	}
	return &w->ser[(size_t)ai * w->npsets + pj];
}

static void on_day(const struct tshm_day_partial *d, void *arg)
{
	struct wf *w = arg;
	struct series *s = d->pset < w->npsets ? series_of(w, d->asset, d->pset) : NULL;

	if (!s) {
		w->err = -ENOMEM;
		return;
	}
	if (s->n == s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 32;
		unsigned char *b = realloc(s->buf, cap * w->stride);

		if (!b) {
			w->err = -ENOMEM;
			return;
		}
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->n * w->stride + DAY_OFF, &d->day, sizeof(int32_t));
	memcpy(s->buf + s->n * w->stride + PART_OFF, d->partial, w->s->partial_size);
	s->n++;
}

/* The caller's progress callback, with the caller's argument. */
static void progress(const struct tshm_run_progress *pr, void *arg)
{
	const struct wf *w = arg;

	w->spec->run.progress(pr, w->spec->run.arg);
}

static int32_t entry_day(const struct wf *w, const struct series *s, uint32_t i)
{
	int32_t day;

	memcpy(&day, s->buf + i * w->stride + DAY_OFF, sizeof(day));
	return day;
}

/* ---- the calendar and the windows ---------------------------------------------- */

static int cmp_day(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

static int build_calendar(struct wf *w)
{
	size_t total = 0, n = 0;

	for (size_t k = 0; k < (size_t)w->nassets_cap * w->npsets; k++)
		total += w->ser[k].n;
	if (!(w->cal = malloc((total ? total : 1) * sizeof(int32_t))))
		return -ENOMEM;
	for (size_t k = 0; k < (size_t)w->nassets_cap * w->npsets; k++)
		for (uint32_t i = 0; i < w->ser[k].n; i++)
			w->cal[n++] = entry_day(w, &w->ser[k], i);
	qsort(w->cal, n, sizeof(int32_t), cmp_day);
	w->ncal = 0;
	for (size_t i = 0; i < n; i++)
		if (w->ncal == 0 || w->cal[w->ncal - 1] != w->cal[i])
			w->cal[w->ncal++] = w->cal[i];
	return 0;
}

/* Calendar index ranges of window @k: train [*ta, *tb), test [*tb, *te). 0 past the last. */
static int window(const struct wf *w, uint32_t k, uint32_t *ta, uint32_t *tb, uint32_t *te)
{
	const struct tshm_wf_spec *sp = w->spec;
	uint64_t start = (uint64_t)k * sp->step_days, end = start + sp->train_days;

	if (end >= w->ncal)
		return 0;
	*ta = sp->anchored ? 0 : (uint32_t)start;
	*tb = (uint32_t)end;
	*te = end + sp->test_days < w->ncal ? (uint32_t)(end + sp->test_days) : w->ncal;
	return 1;
}

/* ---- evaluating a day range ------------------------------------------------------ */

static int push_daily(struct wf *w, uint32_t n, int64_t v)
{
	if (n == w->daily_cap) {
		uint32_t cap = w->daily_cap ? w->daily_cap * 2 : 64;
		int64_t *d = realloc(w->daily, cap * sizeof(int64_t));

		if (!d)
			return -ENOMEM;
		w->daily = d;
		w->daily_cap = cap;
	}
	w->daily[n] = v;
	return 0;
}

/* Merge the day partials of @s with day in [d0, d1] after *@have entries in @acc. */
static int merge_days(struct wf *w, const struct series *s, int32_t d0, int32_t d1, void *acc,
		      uint32_t *have)
{
	uint32_t lo = 0, hi = s->n;
	int rc;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (entry_day(w, s, mid) < d0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint32_t i = lo; i < s->n && entry_day(w, s, i) <= d1; i++) {
		const unsigned char *part = s->buf + i * w->stride + PART_OFF;
		struct tshm_partial_base base;

		memcpy(&base, part, sizeof(base));
		if (*have == 0)
			memcpy(acc, part, w->s->partial_size);
		else
			w->s->merge(acc, part);
		if ((rc = push_daily(w, *have, base.pnl)) < 0)
			return rc;
		(*have)++;
	}
	return 0;
}

/* Figures of a merged range: metrics() over @acc and the first @have daily values. */
static uint32_t figures(struct wf *w, uint32_t ai, const void *acc, uint32_t have,
			struct tshm_metric *out)
{
	struct tshm_metrics_in in = {
	    .daily_pnl = w->daily, .ndays = have, .price_exp = w->res->run.assets[ai].price_exp};
	uint32_t n = w->s->metrics(acc, &in, out, TSHM_METRICS_MAX);

	return n > TSHM_METRICS_MAX ? TSHM_METRICS_MAX : n;
}

/* Figures of set @pj of asset @ai over calendar days [a, b). */
static int evaluate(struct wf *w, uint32_t ai, uint32_t pj, uint32_t a, uint32_t b,
		    struct tshm_metric *out, uint32_t *nout, uint32_t *ndays)
{
	unsigned char acc[TSHM_PARTIAL_MAX] __attribute__((aligned(16)));
	const struct tshm_result *r = &w->res->run.results[(size_t)ai * w->npsets + pj];
	uint32_t have = 0;
	int rc;

	rc = merge_days(w, series_of(w, ai, pj), w->cal[a], w->cal[b - 1], acc, &have);
	if (rc == 0 && have == 0)
		rc = tshm__identity_partial(w->s, r->params, &w->state, acc);
	if (rc < 0)
		return rc;
	*nout = figures(w, ai, acc, have, out);
	*ndays = have;
	return 0;
}

static const struct tshm_metric *pick(const struct tshm_metric *m, uint32_t n, const char *name)
{
	for (uint32_t k = 0; k < n; k++)
		if (m[k].name && strcmp(m[k].name, name) == 0)
			return &m[k];
	return NULL;
}

/* Window @k of asset @ai: the best set on the training days, then its test days. */
static int eval_window(struct wf *w, uint32_t ai, uint32_t k, struct tshm_wf_window *out)
{
	struct tshm_metric m[TSHM_METRICS_MAX];
	uint32_t ta = 0, tb = 0, te = 0, nm, nd;
	int rc;

	window(w, k, &ta, &tb, &te);
	*out = (struct tshm_wf_window){.asset = ai,
				       .index = k,
				       .train_from = w->cal[ta],
				       .train_to = w->cal[tb - 1],
				       .test_from = w->cal[tb],
				       .test_to = w->cal[te - 1],
				       .best = UINT32_MAX};
	for (uint32_t j = 0; j < w->npsets; j++) {
		const struct tshm_metric *x;

		if (w->res->run.results[(size_t)ai * w->npsets + j].status != TSHM_RESULT_OK)
			continue;
		if ((rc = evaluate(w, ai, j, ta, tb, m, &nm, &nd)) < 0)
			return rc;
		if (!(x = pick(m, nm, w->spec->metric)))
			return -ENOENT;
		if (out->best == UINT32_MAX ||
		    tshm_metric_better(w->spec->metric, x, &out->train)) {
			out->best = j;
			out->train = *x;
		}
	}
	if (out->best == UINT32_MAX)
		return 0;
	return evaluate(w, ai, out->best, tb, te, out->test, &out->nmetrics, &out->test_ndays);
}

/* The stitched out-of-sample curve of asset @ai. */
static int stitch(struct wf *w, uint32_t ai, const struct tshm_wf_window *win,
		  struct tshm_result *o)
{
	uint32_t have = 0, ta = 0, tb = 0, te = 0;
	int rc = 0;

	memset(o, 0, sizeof(*o));
	o->sid = w->res->run.assets[ai].sid;
	o->asset = ai;
	o->pset = UINT32_MAX;
	for (uint32_t k = 0; k < w->res->nwindows && rc == 0; k++) {
		uint32_t next_tb = UINT32_MAX, last = 0;

		window(w, k, &ta, &tb, &te);
		if (k + 1 < w->res->nwindows)
			window(w, k + 1, &ta, &next_tb, &last);
		last = (next_tb < te ? next_tb : te) - 1;
		if (win[k].best != UINT32_MAX)
			rc = merge_days(w, series_of(w, ai, win[k].best), w->cal[tb], w->cal[last],
					o->partial, &have);
	}
	if (rc == 0 && have == 0 && w->npsets)
		rc = tshm__identity_partial(w->s,
					    w->res->run.results[(size_t)ai * w->npsets].params,
					    &w->state, o->partial);
	if (rc < 0)
		return rc;
	o->ndays = have;
	o->nmetrics = figures(w, ai, o->partial, have, o->metrics);
	o->ticks = ((const struct tshm_partial_base *)(const void *)o->partial)->ticks;
	return 0;
}

/* ---- the run ---------------------------------------------------------------------- */

static int check_spec(const struct tshm_wf_spec *sp)
{
	if (!sp->train_days || !sp->test_days || !sp->step_days || !sp->metric || !sp->metric[0] ||
	    sp->run.on_day || sp->anchored > 1)
		return -EINVAL;
	return 0;
}

/* 0 if @s reports @metric (for the first set, or the defaults), else -ENOENT. */
static int metric_known(const struct tshm_strategy *s, const int64_t *psets, const char *metric)
{
	int64_t def[TSHM_STRATEGY_MAX_PARAMS];
	int rc;

	for (uint32_t i = 0; !psets && i < s->nparams && i < TSHM_STRATEGY_MAX_PARAMS; i++)
		def[i] = s->params[i].def;
	rc = tshm_strategy_has_metric(s, psets ? psets : def, metric);
	return rc < 0 ? rc : rc ? 0 : -ENOENT;
}

static int resolve(struct wf *w)
{
	const struct tshm_run_spec *sp = &w->spec->run;
	char err[8];

	if (sp->strategy_lib)
		return tshm_strategy_load(sp->strategy_lib, &w->s, err, sizeof(err));
	if (!sp->strategy || !(w->s = tshm_strategy_find(sp->strategy)))
		return sp->strategy ? -ENOENT : -EINVAL;
	return 0;
}

static int evaluate_all(struct wf *w)
{
	struct tshm_wf_result *res = w->res;
	uint32_t ta = 0, tb = 0, te = 0, n = 0;
	int rc = 0;

	while (window(w, n, &ta, &tb, &te))
		n++;
	if (n == 0)
		return -ERANGE;
	res->nwindows = n;
	res->ncal = w->ncal;
	res->windows = calloc((size_t)res->run.nassets * n, sizeof(*res->windows));
	res->oos = calloc(res->run.nassets ? res->run.nassets : 1, sizeof(*res->oos));
	if (!res->windows || !res->oos)
		return -ENOMEM;
	/* A slot for every asset now, so later lookups never reallocate (or fail). */
	if (series_of(w, res->run.nassets, 0) == NULL)
		return -ENOMEM;
	for (uint32_t ai = 0; ai < res->run.nassets && rc == 0; ai++) {
		struct tshm_wf_window *win = &res->windows[(size_t)ai * n];

		for (uint32_t k = 0; k < n && rc == 0; k++)
			rc = eval_window(w, ai, k, &win[k]);
		if (rc == 0)
			rc = stitch(w, ai, win, &res->oos[ai]);
	}
	return rc;
}

int tshm_walkforward_run(struct tshm_pipeline *p, const struct tshm_wf_spec *spec,
			 struct tshm_wf_result *res)
{
	struct tshm_run_spec run = spec->run;
	struct wf w = {.spec = spec, .res = res};
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = check_spec(spec)) < 0 || (rc = resolve(&w)) < 0)
		return rc;
	/* A metric the strategy does not report: say so before the sweep. */
	rc = metric_known(w.s, run.psets, spec->metric);
	if (rc < 0)
		return rc;
	w.npsets = run.npsets ? run.npsets : 1;
	w.stride = PART_OFF + (((size_t)w.s->partial_size + 7u) & ~(size_t)7u);
	run.on_day = on_day;
	run.arg = &w;
	run.progress = spec->run.progress ? progress : NULL;
	rc = tshm_pipeline_run(p, &run, &res->run);
	if (rc == 0 && w.err)
		rc = w.err;
	if (rc == 0)
		rc = build_calendar(&w);
	if (rc == 0)
		rc = evaluate_all(&w);
	for (size_t k = 0; k < (size_t)w.nassets_cap * w.npsets; k++)
		free(w.ser[k].buf);
	free(w.ser);
	free(w.cal);
	free(w.state);
	free(w.daily);
	if (rc < 0)
		tshm_wf_result_free(res);
	return rc;
}

void tshm_wf_result_free(struct tshm_wf_result *res)
{
	if (!res)
		return;
	tshm_run_result_free(&res->run);
	free(res->windows);
	free(res->oos);
	res->windows = NULL;
	res->oos = NULL;
}
