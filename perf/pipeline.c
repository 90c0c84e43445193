/* SPDX-License-Identifier: MIT */
/*
 * tshm_perf_pipeline - end-to-end throughput of the backtest pipeline
 * (ticks x parameter sets per second of sma_cross) with 1..cores workers,
 * against the same kernel as a plain single-thread loop over the same
 * shared-memory columns (the ceiling), and against the baseline users have
 * today, where every task loads its own copy of the data from the bundle
 * files. One private namespace, nothing left behind. See perf/README.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "perf_ns.h"
#include "perf_util.h"
#include "pipeline.h"
#include "tickshm/gen.h"
#include "tickshm/load.h"

#define BUNDLE "perfpipe"

static volatile uint64_t sink;

static void usage(FILE *f)
{
	fprintf(f, "usage: tshm_perf_pipeline [--small] [--workers N] [--reps N] [--strict]\n"
		   "  --small      a small bundle (CI smoke run, a few seconds)\n"
		   "  --workers N  measure 1..N workers (default: online CPUs)\n"
		   "  --reps N     rounds, median taken (default 5, at most 16)\n"
		   "  --strict     exit 2 when a target is missed\n");
}

static int parse_args(int argc, char **argv, struct pipe_opts *o)
{
	*o = (struct pipe_opts){.reps = 5};
	for (int i = 1; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "--small")) {
			o->small = 1;
		} else if (!strcmp(argv[i], "--strict")) {
			o->strict = 1;
		} else if ((!strcmp(argv[i], "--workers") || !strcmp(argv[i], "--reps")) &&
			   i + 1 < argc) {
			unsigned long v = strtoul(argv[i + 1], &end, 10);

			if (*end || v == 0 ||
			    v > (strcmp(argv[i], "--reps") ? PIPE_MAX_WORKERS : 16))
				return -1;
			if (!strcmp(argv[i++], "--workers"))
				o->max_workers = (uint32_t)v;
			else
				o->reps = (uint32_t)v;
		} else {
			return strcmp(argv[i], "--help") && strcmp(argv[i], "-h") ? -1 : 1;
		}
	}
	return 0;
}

/* ---- the data: a generated bundle on disk, loaded into shared memory ------------ */

static int make_bundle(struct pipe_setup *su, const struct pipe_opts *o)
{
	struct tshm_gen_opts g = {.nassets = 4,
				  .ndays = o->small ? 3 : 10,
				  .trades_per_day = o->small ? 50000 : 100000,
				  .seed = 42};
	struct tshm_load_opts lo = {.name = BUNDLE};
	struct tshm_load_result lr;
	struct tshm_catalog *cat;
	uint64_t t0;
	int rc;

	/* Removed with the namespace at exit and on signals (perf_ns). */
	if ((rc = perf_ns_dir("bundle", su->dir, sizeof(su->dir))) < 0)
		return rc;
	t0 = perf_now_ns();
	if ((rc = tshm_gen_write_bundle(&g, su->dir, BUNDLE, NULL)) < 0)
		return rc;
	su->gen_s = (double)(perf_now_ns() - t0) / 1e9;
	if ((rc = tshm_catalog_open(&cat, perf_ns(), TSHM_CATALOG_CREATE)) < 0)
		return rc;
	t0 = perf_now_ns();
	rc = tshm_load_run(cat, su->dir, &lo, &lr);
	su->load_s = (double)(perf_now_ns() - t0) / 1e9;
	if (rc == 0)
		rc = tshm_view_open(&su->view, cat, BUNDLE);
	tshm_catalog_close(cat);
	return rc;
}

/* 25 sets of sma_cross: fast 5..25, slow 50..250, fee 1. */
static int make_sweep(struct pipe_setup *su)
{
	uint32_t n = 0;

	su->bundle = BUNDLE;
	su->s = tshm_strategy_find("sma_cross");
	su->nassets = tshm_view_nassets(su->view);
	su->psets = calloc(25 * 3, sizeof(int64_t));
	su->sids = calloc(su->nassets, sizeof(int64_t));
	if (!su->s || !su->psets || !su->sids)
		return -ENOMEM;
	for (int64_t f = 5; f <= 25; f += 5)
		for (int64_t s = 50; s <= 250; s += 50, n++) {
			su->psets[n * 3] = f;
			su->psets[n * 3 + 1] = s;
			su->psets[n * 3 + 2] = 1;
		}
	su->npsets = n;
	for (uint32_t a = 0; a < su->nassets; a++) {
		struct tshm_asset as;
		uint64_t first, n_a;
		int rc;

		if ((rc = tshm_view_asset(su->view, a, &as)) < 0 ||
		    (rc = tshm_view_asset_rows(su->view, TSHM_TABLE_TRADES, a, &first, &n_a)) < 0)
			return rc;
		su->sids[a] = as.sid;
		su->rows += n_a;
	}
	return 0;
}

/* ---- the ceiling: the kernel in a plain loop over the shared-memory columns ------- */

static int ceiling_once(const struct pipe_setup *su, void *state, double *tps)
{
	struct tshm_column_info c[4];
	uint64_t t0;

	for (unsigned k = 0; k < 4; k++)
		if (tshm_view_column(su->view, TSHM_TABLE_TRADES, k, &c[k]) <
		    0) /* ts price size flags */
			return -EINVAL;
	t0 = perf_now_ns();
	for (uint32_t a = 0; a < su->nassets; a++) {
		uint64_t first, n;

		tshm_view_asset_rows(su->view, TSHM_TABLE_TRADES, a, &first, &n);
		for (uint32_t j = 0; j < su->npsets; j++) {
			struct tshm_batch b = {(const int64_t *)c[0].data + first,
					       (const int64_t *)c[1].data + first,
					       (const int64_t *)c[2].data + first,
					       (const int32_t *)c[3].data + first,
					       n,
					       0};
			unsigned char part[TSHM_PARTIAL_MAX] __attribute__((aligned(16)));

			su->s->init(state, &su->psets[(size_t)j * 3]);
			su->s->on_batch(state, &b);
			su->s->finish(state, part);
			sink += ((const struct tshm_partial_base *)(const void *)part)->ticks;
		}
	}
	*tps = (double)su->rows * su->npsets / ((double)(perf_now_ns() - t0) / 1e9);
	return 0;
}

/* ---- the pipeline ------------------------------------------------------------------ */

static int run_once(const struct pipe_setup *su, struct tshm_pipeline *p, double *tps)
{
	struct tshm_run_spec sp = {.bundle = su->bundle,
				   .strategy = "sma_cross",
				   .psets = su->psets,
				   .npsets = su->npsets,
				   .from_ts = TSHM_RUN_ALL_TIME,
				   .to_ts = TSHM_RUN_ALL_TIME};
	struct tshm_run_result res;
	int rc = tshm_pipeline_run(p, &sp, &res);

	if (rc < 0) {
		fprintf(stderr, "perf: pipeline: %s\n", tshm_pipeline_last_error(p));
		return rc;
	}
	*tps = (double)res.ticks / ((double)res.elapsed_ns / 1e9);
	rc = res.failed ? -EIO : 0;
	tshm_run_result_free(&res);
	return rc;
}

static void loadavg(double *l)
{
	if (getloadavg(l, 1) != 1)
		*l = -1;
}

/* Pools of 1..n workers, each started and warmed up (attach, page tables) once. */
static int start_pools(const struct pipe_setup *su, struct tshm_pipeline **p, uint32_t n)
{
	int rc = 0;

	for (uint32_t w = 1; w <= n && rc == 0; w++) {
		struct tshm_pipeline_opts po = {.workers = w, .ns = perf_ns(), .log_level = 0};
		double unused;

		if ((rc = tshm_pipeline_create(&p[w], &po)) == 0)
			rc = run_once(su, p[w], &unused);
	}
	return rc;
}

/*
 * Every round measures the ceiling and each pool in turn, so load from
 * elsewhere on the host spreads over all figures alike; medians are kept.
 */
static int measure_all(const struct pipe_setup *su, const struct pipe_opts *o,
		       struct tshm_pipeline **p, struct pipe_results *r)
{
	static double v[PIPE_MAX_WORKERS + 1][16];
	void *state = aligned_alloc(64, (su->s->state_size + 63u) & ~63u);
	int rc = state ? ceiling_once(su, state, &v[0][0]) : -ENOMEM; /* warm-up */

	for (uint32_t i = 0; i < o->reps && rc == 0; i++) {
		rc = ceiling_once(su, state, &v[0][i]);
		for (uint32_t w = 1; w <= r->nworkers && rc == 0; w++)
			rc = run_once(su, p[w], &v[w][i]);
	}
	free(state);
	if (rc < 0)
		return rc;
	r->ceiling = perf_median(v[0], o->reps, NULL);
	for (uint32_t w = 1; w <= r->nworkers; w++)
		r->pipeline[w] = perf_median(v[w], o->reps, NULL);
	return 0;
}

/* CPU seconds (user + system) process @pid has used, from /proc; 0 if unknown. */
static double cpu_seconds(pid_t pid)
{
	unsigned long long ut = 0, st = 0;
	char path[64], buf[1024], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (!(f = fopen(path, "r")))
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* fields after the command name: state is 3rd, utime 14th, stime 15th */
	if (!(p = strrchr(buf, ')')) ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Throughput per second of worker CPU: what the pools do with the CPU they get. */
static void per_cpu(const struct pipe_setup *su, const struct pipe_opts *o,
		    struct tshm_pipeline **p, struct pipe_results *r)
{
	for (uint32_t w = 1; w <= r->nworkers; w++) {
		double cpu = 0;

		for (uint32_t i = 0; i < w; i++)
			cpu += cpu_seconds(tshm_pipeline_worker_pid(p[w], i));
		r->per_cpu[w] = cpu > 0 ? (double)(o->reps + 1) * su->rows * su->npsets / cpu : 0;
	}
}

static int measure(struct pipe_setup *su, const struct pipe_opts *o, struct pipe_results *r)
{
	static struct tshm_pipeline *p[PIPE_MAX_WORKERS + 1];
	int rc;

	fprintf(stderr, "perf: ceiling and pipelines of 1..%u workers, %u rounds...\n", r->nworkers,
		o->reps);
	rc = start_pools(su, p, r->nworkers);
	if (rc == 0)
		rc = measure_all(su, o, p, r);
	if (rc == 0)
		per_cpu(su, o, p, r);
	for (uint32_t w = 1; w <= r->nworkers; w++)
		tshm_pipeline_destroy(p[w]);
	if (rc < 0)
		return rc;
	r->baseline_procs = r->nworkers;
	fprintf(stderr, "perf: baseline (%u processes, each task loads its data)...\n",
		r->baseline_procs);
	rc = pipe_baseline(su, r->baseline_procs, &r->baseline, &r->baseline_task_s);
	r->ratio_one = r->pipeline[1] / r->ceiling;
	r->efficiency_two = r->nworkers >= 2 ? r->pipeline[2] / (2 * r->pipeline[1]) : 0;
	r->speedup = r->pipeline[r->nworkers] / r->baseline;
	return rc;
}

int main(int argc, char **argv)
{
	static struct pipe_setup su;
	struct pipe_results r = {0};
	struct pipe_opts o;
	int rc = parse_args(argc, argv, &o);

	if (rc) {
		usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 64;
	}
	if (perf_ns_init("perfpipe") < 0)
		return 1;
	r.cpus = (uint32_t)sysconf(_SC_NPROCESSORS_ONLN);
	r.nworkers = o.max_workers ? o.max_workers : r.cpus;
	r.nworkers = r.nworkers > PIPE_MAX_WORKERS ? PIPE_MAX_WORKERS : r.nworkers;
	loadavg(&r.load_start);
	fprintf(stderr, "perf: generating and loading the bundle...\n");
	rc = make_bundle(&su, &o);
	if (rc == 0)
		rc = make_sweep(&su);
	if (rc == 0)
		rc = measure(&su, &o, &r);
	loadavg(&r.load_end);
	if (rc < 0) {
		fprintf(stderr, "tshm_perf_pipeline: %s\n", tshm_strerror(rc));
		return 1;
	}
	pipe_report(&su, &r, &o);
	tshm_view_unref(su.view);
	free(su.psets);
	free(su.sids);
	return o.strict && !pipe_passed(&r) ? 2 : 0;
}
