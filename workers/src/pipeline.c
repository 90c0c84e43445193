/* SPDX-License-Identifier: MIT */
/*
 * The public pipeline calls: create the worker pool, run a sweep on it
 * (resolve the strategy, check the parameter sets, pick the assets, let
 * the producer emit units, then dispatch), destroy.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "pipe_internal.h"
#include "tickshm/segment.h"

#define READY_TIMEOUT_NS INT64_C(5000000000)
#define DEFAULT_DEPTH 4u

static int check_opts(const struct tshm_pipeline_opts *o)
{
	if (o->flags || o->workers > TSHM_PIPELINE_MAX_WORKERS ||
	    o->queue_depth > TSHM__RING_SLOTS / 2 || o->task_timeout_ns < 0)
		return -EINVAL;
	return o->ns ? tshm_name_check(o->ns, TSHM_NAMESPACE_MAX) : 0;
}

static uint32_t online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > (long)TSHM_PIPELINE_MAX_WORKERS ? TSHM_PIPELINE_MAX_WORKERS : (uint32_t)n;
}

static int setup(struct tshm_pipeline *p, const struct tshm_pipeline_opts *o)
{
	struct tshm_pool_config cfg = {0};
	int rc;

	p->nworkers = o->workers ? o->workers : online_cpus();
	p->depth = o->queue_depth ? o->queue_depth : DEFAULT_DEPTH;
	p->task_timeout_ns = o->task_timeout_ns;
	p->self = getpid();
	if (o->ns)
		snprintf(p->ns, sizeof(p->ns), "%s", o->ns);
	else if ((rc = tshm_namespace(p->ns, sizeof(p->ns))) < 0)
		return rc;
	if ((p->doorbell = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
		return -errno;
	if (!(p->w = calloc(p->nworkers, sizeof(*p->w))))
		return -ENOMEM;
	for (uint32_t i = 0; i < p->nworkers; i++)
		p->w[i].sock = p->w[i].pidfd = -1;
	if ((rc = tshm__ctl_create(&p->ctl, p->nworkers)) < 0)
		return rc;
	cfg.ns = p->ns;
	return tshm_pool_create(&p->pool, &cfg);
}

int tshm_pipeline_create(struct tshm_pipeline **out, const struct tshm_pipeline_opts *o)
{
	static const struct tshm_pipeline_opts defaults;
	struct tshm_pipeline *p;
	int rc;

	o = o ? o : &defaults;
	if ((rc = check_opts(o)) < 0)
		return rc;
	if (!(p = calloc(1, sizeof(*p))))
		return -ENOMEM;
	p->doorbell = -1;
	tshm__log_level = o->log_level;
	rc = setup(p, o);
	for (uint32_t i = 0; rc == 0 && i < p->nworkers; i++)
		rc = tshm__wpool_spawn(p, i);
	if (rc == 0)
		rc = tshm__wpool_wait_ready(p, READY_TIMEOUT_NS);
	if (rc < 0) {
		tshm_pipeline_destroy(p);
		return rc;
	}
	tshm__log(1, "pool", "%u workers ready", p->nworkers);
	*out = p;
	return 0;
}

void tshm_pipeline_destroy(struct tshm_pipeline *p)
{
	if (!p)
		return;
	if (p->w && p->ctl)
		tshm__wpool_stop(p);
	tshm__ctl_destroy(p->ctl);
	if (p->doorbell >= 0)
		close(p->doorbell);
	tshm_pool_destroy(p->pool);
	free(p->w);
	free(p);
}

uint32_t tshm_pipeline_workers(const struct tshm_pipeline *p)
{
	return p->nworkers;
}

pid_t tshm_pipeline_worker_pid(const struct tshm_pipeline *p, uint32_t i)
{
	return i < p->nworkers ? p->w[i].pid : -1;
}

const char *tshm_pipeline_last_error(const struct tshm_pipeline *p)
{
	return p->err;
}

/* ---- a run ----------------------------------------------------------------------- */

static int check_spec(const struct tshm_run_spec *sp)
{
	if (!sp->bundle || sp->flags || (!sp->strategy == !sp->strategy_lib) ||
	    sp->slice > TSHM_SLICE_ROWS || sp->mode > TSHM_MODE_STREAM ||
	    (sp->slice == TSHM_SLICE_ROWS && sp->slice_rows == 0) ||
	    (sp->mode == TSHM_MODE_STREAM && !sp->bundle_dir) || (sp->nsids && !sp->sids) ||
	    (sp->npsets && !sp->psets))
		return -EINVAL;
	if (sp->from_ts != TSHM_RUN_ALL_TIME && sp->to_ts != TSHM_RUN_ALL_TIME &&
	    sp->to_ts < sp->from_ts)
		return -EINVAL;
	return tshm_name_check(sp->bundle, TSHM_BUNDLE_MAX);
}

static int resolve_strategy(struct tshm__run *r)
{
	const struct tshm_run_spec *sp = r->spec;
	struct tshm__rundesc *rd = &r->p->ctl->run;
	char err[256] = "";
	int rc;

	memset(rd, 0, sizeof(*rd));
	if (sp->strategy) {
		if (!(r->s = tshm_strategy_find(sp->strategy))) {
			snprintf(r->p->err, sizeof(r->p->err), "unknown strategy %s", sp->strategy);
			return -ENOENT;
		}
		snprintf(rd->strategy, sizeof(rd->strategy), "%s", sp->strategy);
		return 0;
	}
	if (!realpath(sp->strategy_lib, rd->lib)) /* workers may not share our cwd later */
		snprintf(rd->lib, sizeof(rd->lib), "%s", sp->strategy_lib);
	if ((rc = tshm_strategy_load(rd->lib, &r->s, err, sizeof(err))) < 0)
		snprintf(r->p->err, sizeof(r->p->err), "%.120s: %.120s", sp->strategy_lib,
			 err[0] ? err : tshm_strerror(rc));
	return rc;
}

static int check_pset(struct tshm__run *r, const int64_t *v)
{
	return tshm_strategy_params_check(r->s, v, NULL, 0) < 0 ? -EINVAL : 0;
}

static int setup_psets(struct tshm__run *r)
{
	const struct tshm_run_spec *sp = r->spec;
	size_t n;

	r->nparams = r->s->nparams;
	r->npsets = sp->npsets ? sp->npsets : 1;
	n = (size_t)r->npsets * (r->nparams ? r->nparams : 1);
	if (!(r->psets = calloc(n, sizeof(int64_t))) ||
	    !(r->warmup = calloc(r->npsets, sizeof(uint64_t))))
		return -ENOMEM;
	if (sp->npsets)
		memcpy(r->psets, sp->psets, (size_t)r->npsets * r->nparams * sizeof(int64_t));
	else
		for (uint32_t k = 0; k < r->nparams; k++)
			r->psets[k] = r->s->params[k].def;
	for (uint32_t j = 0; j < r->npsets; j++) {
		const int64_t *v = &r->psets[(size_t)j * r->nparams];

		if (check_pset(r, v) < 0) {
			snprintf(r->p->err, sizeof(r->p->err), "parameter set %u is invalid", j);
			return -EINVAL;
		}
		r->warmup[j] = r->s->warmup(v);
		if (r->warmup[j] > r->max_warmup)
			r->max_warmup = r->warmup[j];
	}
	return 0;
}

static int add_asset(struct tshm__run *r, uint32_t ai, int va)
{
	struct tshm_run_asset *a = &r->res->assets[ai];
	struct tshm_asset as;
	int rc;

	if ((rc = tshm_view_asset(r->view, (uint32_t)va, &as)) < 0)
		return rc;
	a->sid = as.sid;
	a->price_exp = as.price_exp;
	snprintf(a->symbol, sizeof(a->symbol), "%s", as.symbol);
	r->view_asset[ai] = (uint32_t)va;
	return 0;
}

static int setup_assets(struct tshm__run *r)
{
	const struct tshm_run_spec *sp = r->spec;
	uint32_t n = sp->nsids ? sp->nsids : tshm_view_nassets(r->view);
	int rc = 0;

	r->nassets = n;
	r->res->nassets = n;
	if (!(r->res->assets = calloc(n ? n : 1, sizeof(*r->res->assets))) ||
	    !(r->view_asset = calloc(n ? n : 1, sizeof(uint32_t))))
		return -ENOMEM;
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		int va = sp->nsids ? tshm_view_find_sid(r->view, sp->sids[i]) : (int)i;

		if (va < 0) {
			snprintf(r->p->err, sizeof(r->p->err), "no asset with sid %lld",
				 (long long)sp->sids[i]);
			return -ENOENT;
		}
		rc = add_asset(r, i, va);
	}
	return rc;
}

static int setup_results(struct tshm__run *r)
{
	struct tshm_run_result *res = r->res;

	res->npsets = r->npsets;
	res->nparams = r->nparams;
	res->strategy = r->s;
	res->results = calloc((size_t)r->nassets * r->npsets + 1, sizeof(*res->results));
	r->ufirst = calloc((size_t)r->nassets + 1, sizeof(uint32_t));
	r->slice_next = calloc((size_t)r->nassets + 1, sizeof(uint64_t));
	if (!res->results || !r->ufirst || !r->slice_next)
		return -ENOMEM;
	for (uint32_t i = 0; i < r->nassets; i++)
		for (uint32_t j = 0; j < r->npsets; j++) {
			struct tshm_result *o = &res->results[(size_t)i * r->npsets + j];

			o->sid = res->assets[i].sid;
			o->asset = i;
			o->pset = j;
			memcpy(o->params, &r->psets[(size_t)j * r->nparams],
			       r->nparams * sizeof(int64_t));
		}
	return 0;
}

static int open_view(struct tshm__run *r)
{
	const struct tshm_seg_header *h;
	int rc = tshm_pool_get(r->p->pool, r->spec->bundle, &r->view);

	if (rc < 0) {
		snprintf(r->p->err, sizeof(r->p->err), "bundle %s: %s", r->spec->bundle,
			 tshm_strerror(rc));
		return rc;
	}
	h = tshm_view_header(r->view);
	snprintf(r->res->bundle, sizeof(r->res->bundle), "%s", r->spec->bundle);
	r->res->generation = h->generation;
	r->res->hash_lo = h->hash_lo;
	r->res->hash_hi = h->hash_hi;
	return 0;
}

static void fill_rundesc(struct tshm__run *r)
{
	struct tshm__rundesc *rd = &r->p->ctl->run;

	r->run_no = ++r->p->run_no;
	rd->run = r->run_no;
	rd->mode = r->spec->mode;
	rd->serial = tshm_view_serial(r->view);
	rd->nparams = r->nparams;
	snprintf(rd->ns, sizeof(rd->ns), "%s", r->p->ns);
	snprintf(rd->bundle, sizeof(rd->bundle), "%s", r->spec->bundle);
}

static int prepare(struct tshm__run *r)
{
	int rc;

	if ((rc = resolve_strategy(r)) < 0 || (rc = setup_psets(r)) < 0 ||
	    (rc = open_view(r)) < 0 || (rc = setup_assets(r)) < 0 || (rc = setup_results(r)) < 0)
		return rc;
	fill_rundesc(r);
	if (r->spec->mode == TSHM_MODE_STREAM)
		rc = tshm__stream_open(r);
	else
		rc = tshm__resident_units(r);
	return rc < 0 ? rc : tshm__agg_create(r);
}

static void cleanup(struct tshm__run *r)
{
	tshm__agg_destroy(r);
	tshm__stream_close(r);
	if (r->view)
		tshm_pool_put(r->p->pool, r->view);
	free(r->psets);
	free(r->warmup);
	free(r->view_asset);
	free(r->units);
	free(r->ufirst);
	free(r->sl);
	free(r->slice_next);
	free(r->done_bits);
	free(r->retry);
}

/* After a failed run workers may still hold its tasks: replace those workers. */
static void reset_workers(struct tshm_pipeline *p)
{
	char why[96];

	for (uint32_t i = 0; i < p->nworkers; i++) {
		if (!p->w[i].ninflight)
			continue;
		if (p->w[i].pid > 0) {
			kill(p->w[i].pid, SIGKILL);
			tshm__wpool_reap(p, i, 5000, why, sizeof(why));
		}
		p->w[i].ninflight = 0;
		if (tshm__wpool_spawn(p, i) < 0)
			tshm__log(0, "pool", "cannot replace worker %u", i);
	}
}

int tshm_pipeline_run(struct tshm_pipeline *p, const struct tshm_run_spec *spec,
		      struct tshm_run_result *res)
{
	struct tshm__run r = {.p = p, .spec = spec, .res = res};
	int rc;

	memset(res, 0, sizeof(*res));
	p->err[0] = 0;
	if ((rc = check_spec(spec)) < 0)
		return rc;
	rc = prepare(&r);
	if (rc == 0)
		rc = tshm__dispatch_run(&r);
	res->tasks = r.finalized;
	res->ticks = r.ticks;
	res->rows = r.rows;
	res->elapsed_ns = tshm__now_ns() - r.t0;
	cleanup(&r);
	if (rc < 0) {
		reset_workers(p);
		tshm__log(1, "dispatch", "run failed: %s%s%s", tshm_strerror(rc),
			  p->err[0] ? ": " : "", p->err);
		tshm_run_result_free(res);
	}
	return rc;
}

void tshm_run_result_free(struct tshm_run_result *res)
{
	if (!res)
		return;
	free(res->results);
	free(res->assets);
	res->results = NULL;
	res->assets = NULL;
}

const struct tshm_metric *tshm_result_metric(const struct tshm_result *r, const char *name)
{
	for (uint32_t k = 0; k < r->nmetrics && k < TSHM_METRICS_MAX; k++)
		if (r->metrics[k].name && strcmp(r->metrics[k].name, name) == 0)
			return &r->metrics[k];
	return NULL;
}
