/* SPDX-License-Identifier: MIT */
/* Pipeline test support (pipe_test.h). */
#include "pipe_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ref_strategy.h"
#include "tickshm/gen.h"
#include "tickshm/load.h"
#include "tickshm/sweep.h"
#include "tshm_proc.h"
#include "tshm_test.h"

void pt_trades(const struct tshm_view *v, uint32_t asset, struct pt_trades *out)
{
	struct tshm_column_info ts, px;
	struct tshm_asset a;

	TSHM_TEST_CHECK(tshm_view_asset_rows(v, TSHM_TABLE_TRADES, asset, &out->first, &out->n));
	TSHM_TEST_CHECK(tshm_view_column(v, TSHM_TABLE_TRADES, TSHM_TRADES_TS, &ts));
	TSHM_TEST_CHECK(tshm_view_column(v, TSHM_TABLE_TRADES, TSHM_TRADES_PRICE, &px));
	TSHM_TEST_CHECK(tshm_view_asset(v, asset, &a));
	out->ts = (const int64_t *)ts.data + out->first;
	out->price = (const int64_t *)px.data + out->first;
	out->sid = a.sid;
	out->price_exp = a.price_exp;
}

struct tshm_pipeline *pt_pipeline(uint32_t workers, int64_t task_timeout_ns)
{
	struct tshm_pipeline_opts o = {.workers = workers,
				       .task_timeout_ns = task_timeout_ns,
				       .log_level = getenv("TSHM_TEST_VERBOSE") ? 2 : 0};
	struct tshm_pipeline *p = NULL;

	TSHM_TEST_CHECK(tshm_pipeline_create(&p, &o));
	return p;
}

int64_t *pt_grid(const char *strategy, const char *const *specs, unsigned n, uint32_t *count)
{
	const struct tshm_strategy *s = tshm_strategy_find(strategy);
	struct tshm_grid *g = NULL;
	char err[256] = "";
	int64_t *out;
	size_t bytes;

	assert_non_null(s);
	if (tshm_grid_parse(s, specs, n, &g, err, sizeof(err)) < 0)
		fail_msg("grid: %s", err);
	*count = (uint32_t)tshm_grid_count(g);
	bytes = (size_t)*count * s->nparams * sizeof(int64_t);
	out = malloc(bytes ? bytes : 1);
	assert_non_null(out);
	if (bytes)
		memcpy(out, tshm_grid_params(g, 0), bytes);
	tshm_grid_free(g);
	return out;
}

void pt_spec(struct tshm_run_spec *sp, const char *bundle, const char *strategy,
	     const int64_t *psets, uint32_t npsets)
{
	memset(sp, 0, sizeof(*sp));
	sp->bundle = bundle;
	sp->strategy = strategy;
	sp->psets = psets;
	sp->npsets = npsets;
	sp->from_ts = TSHM_RUN_ALL_TIME;
	sp->to_ts = TSHM_RUN_ALL_TIME;
}

static int skipped(uint32_t pset, const uint32_t *skip, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++)
		if (skip[k] == pset)
			return 1;
	return 0;
}

static void expect_same(const struct tshm_result *x, const struct tshm_result *y, size_t psize)
{
	if (x->sid != y->sid || x->pset != y->pset || x->status != y->status ||
	    x->nmetrics != y->nmetrics || x->ticks != y->ticks || x->ndays != y->ndays)
		fail_msg("sid %lld set %u: status %u/%u, metrics %u/%u, ticks %llu/%llu, days "
			 "%u/%u",
			 (long long)x->sid, x->pset, x->status, y->status, x->nmetrics, y->nmetrics,
			 (unsigned long long)x->ticks, (unsigned long long)y->ticks, x->ndays,
			 y->ndays);
	for (uint32_t k = 0; k < x->nmetrics; k++) {
		const struct tshm_metric *m = &x->metrics[k], *n = &y->metrics[k];

		if (strcmp(m->name, n->name) || m->value != n->value ||
		    memcmp(&m->real, &n->real, sizeof(double)))
			fail_msg("sid %lld set %u: %s %lld/%lld %.17g/%.17g", (long long)x->sid,
				 x->pset, m->name, (long long)m->value, (long long)n->value,
				 m->real, n->real);
	}
	if (x->status == TSHM_RESULT_OK && memcmp(x->partial, y->partial, psize))
		fail_msg("sid %lld set %u: merged partials differ", (long long)x->sid, x->pset);
}

void pt_expect_equal(const struct tshm_run_result *a, const struct tshm_run_result *b,
		     const uint32_t *skip_psets, uint32_t nskip)
{
	assert_int_equal(a->nassets, b->nassets);
	assert_int_equal(a->npsets, b->npsets);
	for (size_t i = 0; i < (size_t)a->nassets * a->npsets; i++)
		if (!skipped(a->results[i].pset, skip_psets, nskip))
			expect_same(&a->results[i], &b->results[i], a->strategy->partial_size);
}

int64_t pt_metric(const struct tshm_result *r, const char *name)
{
	const struct tshm_metric *m = tshm_result_metric(r, name);

	if (!m)
		fail_msg("no metric %s", name);
	return m->value;
}

double pt_metric_real(const struct tshm_result *r, const char *name)
{
	const struct tshm_metric *m = tshm_result_metric(r, name);

	if (!m)
		fail_msg("no metric %s", name);
	return m->real;
}

void pt_check_sma_full(const struct tshm_view *v, const struct tshm_result *r,
		       const struct tshm_run_asset *a)
{
	struct pt_trades t;
	struct ref_result ref;
	double sh;
	int idx = tshm_view_find_sid(v, a->sid);

	assert_true(idx >= 0);
	pt_trades(v, (uint32_t)idx, &t);
	TSHM_TEST_CHECK(
	    ref_sma_cross(t.ts, t.price, t.n, r->params[0], r->params[1], r->params[2], &ref));
	if (r->status != TSHM_RESULT_OK || pt_metric(r, "pnl") != ref.pnl ||
	    pt_metric(r, "max_drawdown") != ref.max_drawdown ||
	    (uint64_t)pt_metric(r, "turnover") != ref.turnover ||
	    (uint64_t)pt_metric(r, "trades") != ref.trades ||
	    (uint64_t)pt_metric(r, "ticks") != ref.ticks || r->ndays != ref.ndays)
		fail_msg("sid %lld fast %lld slow %lld fee %lld: pnl %lld/%lld dd %lld/%lld "
			 "turnover %lld/%llu trades %lld/%llu ticks %lld/%llu days %u/%u (%s)",
			 (long long)a->sid, (long long)r->params[0], (long long)r->params[1],
			 (long long)r->params[2], (long long)pt_metric(r, "pnl"),
			 (long long)ref.pnl, (long long)pt_metric(r, "max_drawdown"),
			 (long long)ref.max_drawdown, (long long)pt_metric(r, "turnover"),
			 (unsigned long long)ref.turnover, (long long)pt_metric(r, "trades"),
			 (unsigned long long)ref.trades, (long long)pt_metric(r, "ticks"),
			 (unsigned long long)ref.ticks, r->ndays, ref.ndays, r->reason);
	sh = tshm_sharpe(ref.daily, ref.ndays);
	if (memcmp(&sh, &(double){pt_metric_real(r, "sharpe")}, sizeof(double)))
		fail_msg("sid %lld: sharpe %.17g, reference %.17g", (long long)a->sid,
			 pt_metric_real(r, "sharpe"), sh);
	ref_result_free(&ref);
}

void pt_disk_bundle(struct tshm_catalog *cat, const char *dir, const char *name,
		    const struct tshm_gen_opts *o)
{
	struct tshm_load_opts lo = {.name = name, .nthreads = 2};
	struct tshm_load_result lr;

	TSHM_TEST_CHECK(tshm_gen_write_bundle(o, dir, name, NULL));
	if (tshm_load_run(cat, dir, &lo, &lr) < 0)
		fail_msg("load %s: %s", dir, lr.error);
}
