/* SPDX-License-Identifier: MIT */
/* tshm_perf_pipeline: what the pieces of the benchmark share. */
#ifndef TSHM_PERF_PIPELINE_H
#define TSHM_PERF_PIPELINE_H

#include <stdint.h>

#include "tickshm/pipeline.h"
#include "tickshm/tickshm.h"

#define PIPE_MAX_WORKERS 64u
#define PIPE_TARGET_ONE_WORKER 0.80 /* of the single-thread ceiling */
#define PIPE_TARGET_EFFICIENCY 0.85 /* at 2 workers on 2 cores */
#define PIPE_TARGET_SPEEDUP 10.0    /* over loading the data per task */

struct pipe_opts {
	int small, strict;
	uint32_t max_workers; /* 0: online CPUs */
	uint32_t reps;	      /* timed repetitions per figure (median) */
};

/* The sweep every measurement runs: nassets x npsets tasks of sma_cross. */
struct pipe_setup {
	char dir[256]; /* bundle on disk */
	const char *bundle;
	const struct tshm_strategy *s;
	int64_t *psets; /* npsets x 3 */
	uint32_t npsets, nassets;
	uint64_t rows; /* trades of every asset */
	int64_t *sids;
	struct tshm_view *view;
	double gen_s, load_s;
};

/* Throughputs in ticks x parameter sets per second. */
struct pipe_results {
	uint32_t cpus, nworkers; /* workers measured: 1..nworkers */
	double ceiling;
	double pipeline[PIPE_MAX_WORKERS + 1]; /* by worker count */
	double per_cpu[PIPE_MAX_WORKERS + 1];  /* per second of worker CPU time */
	uint32_t baseline_procs;
	double baseline;
	double baseline_task_s; /* mean seconds of one task in the baseline */
	double ratio_one, efficiency_two, speedup;
	double load_start, load_end;
};

/* pipeline_baseline.c: @procs processes run the tasks, each loading its data. */
int pipe_baseline(const struct pipe_setup *su, uint32_t procs, double *tps, double *task_s);

/* pipeline_report.c */
void pipe_report(const struct pipe_setup *su, const struct pipe_results *r,
		 const struct pipe_opts *o);
int pipe_passed(const struct pipe_results *r);

#endif
