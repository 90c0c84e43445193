/* SPDX-License-Identifier: MIT */
/*
 * Private to the pipeline: the pipeline and run state shared by wpool.c
 * (worker processes), worker.c (their main loop), dispatch.c (tasks),
 * aggregate.c (in-order merge), producer.c (resident units), stream.c
 * (streaming units) and pipeline.c (the public calls).
 */
#ifndef TSHM_WORKERS_PIPE_INTERNAL_H
#define TSHM_WORKERS_PIPE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "task.h"
#include "tickshm/layout.h"
#include "tickshm/pipeline.h"
#include "tickshm/pool.h"

/* ---- logging (log.c) ------------------------------------------------------ */

extern int tshm__log_level; /* set by tshm_pipeline_create; inherited by workers */

/* "tickshm[<stage> <pid>]: <message>" on stderr if @level <= tshm__log_level. */
void tshm__log(int level, const char *stage, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Describe a waitpid() status: "killed by signal 11 (Segmentation fault)". */
void tshm__status_str(int status, char *buf, size_t len);

/* ---- worker processes (wpool.c, worker.c) ------------------------------- */

/* A task handed to a worker and not finished yet, or waiting for a retry. */
struct tshm__inflight {
	struct tshm__task t;
	uint32_t attempts;		     /* workers that died running it */
	char reason[TSHM_RESULT_REASON_MAX]; /* why the last attempt died */
};

struct tshm__worker {
	pid_t pid;		   /* 0 when not running */
	int pidfd;		   /* -1 when unavailable (then waitpid polling) */
	int sock;		   /* parent end of the socketpair; -1 */
	struct tshm_ring *tasks;   /* producer handle */
	struct tshm_ring *results; /* consumer handle */
	uint32_t ninflight;
	uint32_t fd_run; /* run whose stream memfd this worker was sent */
	struct tshm__inflight inflight[TSHM__RING_SLOTS];
};

struct tshm__run;

struct tshm_pipeline {
	uint32_t nworkers, depth;
	int64_t task_timeout_ns;
	char ns[TSHM_NAMESPACE_MAX];
	pid_t self;
	struct tshm__ctl *ctl;
	struct tshm__worker *w;
	int doorbell; /* eventfd workers write after a result when the dispatcher sleeps */
	uint32_t run_no;
	uint64_t next_id;
	struct tshm_pool *pool;
	char err[256];
};

/*
 * tshm__wpool_spawn - (re)start worker @i: reset its rings, attach the
 * dispatcher's handles, fork. The worker signals ready in its slot.
 * Returns 0 or -errno.
 */
int tshm__wpool_spawn(struct tshm_pipeline *p, uint32_t i);

/* tshm__wpool_wait_ready - wait up to @timeout_ns for every worker's ready flag. */
int tshm__wpool_wait_ready(struct tshm_pipeline *p, int64_t timeout_ns);

/*
 * tshm__wpool_reap - if worker @i has exited (waiting up to @wait_ms for it),
 * reap it, close its handles, describe how it ended in @why and return 1;
 * 0 while it runs; -errno.
 */
int tshm__wpool_reap(struct tshm_pipeline *p, uint32_t i, int wait_ms, char *why, size_t len);

/* tshm__wpool_stop - ask every worker to exit, SIGKILL the late ones, reap all. */
void tshm__wpool_stop(struct tshm_pipeline *p);

/* tshm__wpool_send_fd - pass memfd @fd of run @run to worker @i. Returns 0 or -errno. */
int tshm__wpool_send_fd(struct tshm_pipeline *p, uint32_t i, int fd, uint32_t run);

/* The worker process's main loop; never returns. */
__attribute__((noreturn)) void tshm__worker_main(struct tshm__ctl *ctl, uint32_t slot, int sock,
						 int doorbell, pid_t parent);

/* ---- a run ----------------------------------------------------------------- */

/* One asset's trades on one UTC day, in range: the unit the producer emits. */
struct tshm__unit {
	uint32_t ai;	 /* run asset index */
	int32_t day;	 /* UTC day */
	uint64_t first;	 /* first row in range: table row, or buffer row once filled */
	uint64_t n;	 /* rows in range */
	uint64_t before; /* rows of the asset before @first in the whole data */
	uint32_t buf;	 /* stream: buffer holding it, UINT32_MAX until filled */
	uint32_t cd;	 /* stream: chunk-day index (stream.c) */
};

struct tshm__slice {
	uint64_t off, n; /* rows [off, off + n) of the unit */
};

struct tshm__stream;
struct tshm__agg;

struct tshm__run {
	struct tshm_pipeline *p;
	const struct tshm_run_spec *spec;
	struct tshm_run_result *res;
	const struct tshm_strategy *s;
	struct tshm_view *view; /* NULL in stream mode without a published bundle */
	uint32_t run_no;
	uint32_t npsets, nparams;
	int64_t *psets;	  /* npsets x nparams (a copy) */
	uint64_t *warmup; /* per pset */
	uint64_t max_warmup;
	uint32_t nassets;
	uint32_t *view_asset; /* run asset -> view asset index (resident) */

	/* units, in asset then day order; asset i owns [ufirst[i], ufirst[i+1]) */
	struct tshm__unit *units;
	uint32_t nunits, unitcap;
	uint32_t *ufirst;      /* nassets + 1 */
	const int64_t *ts_col; /* resident: the trades ts column */

	/* generation cursor (dispatch.c) */
	uint32_t u;		/* unit being cut into tasks */
	int unit_open;		/* slices of unit u computed */
	struct tshm__slice *sl; /* slices of unit u */
	uint32_t nsl, slcap, si, pj;
	uint64_t slbase;      /* slice index (within its asset) of sl[0] */
	uint32_t ac;	      /* asset cursor: assets before it are fully cut */
	int ac_begun;	      /* the aggregator knows asset ac */
	uint64_t *slice_next; /* per asset: index of the next slice */
	uint64_t id_base;     /* first task id of this run */
	uint64_t *done_bits;  /* finalised task ids (bit id - id_base) */
	uint64_t done_cap;    /* bits */

	/* retries (FIFO) */
	struct tshm__inflight *retry;
	uint32_t nretry, retry_head, retrycap;

	struct tshm__agg *agg;
	struct tshm__stream *stream;

	/* counters */
	uint64_t generated, finalized, ticks, rows;
	uint32_t deaths_no_progress; /* deaths since the last finished task */
	int64_t t0, last_progress;
};

/* producer.c: the resident units of every run asset. Returns 0 or -errno. */
int tshm__resident_units(struct tshm__run *r);
/* producer.c: append a unit (growing the array). Returns 0 or -ENOMEM. */
int tshm__unit_push(struct tshm__run *r, const struct tshm__unit *u);

/* stream.c */
int tshm__stream_open(struct tshm__run *r);
/* Fill free buffers with the next units. Returns units filled or -errno. */
int tshm__stream_fill(struct tshm__run *r);
/* Reference counting of a unit's buffer: one per task, plus one while generating. */
void tshm__stream_ref(struct tshm__run *r, uint32_t buf);
void tshm__stream_unref(struct tshm__run *r, uint32_t buf);
uint32_t tshm__stream_in_use(const struct tshm__run *r);
/* The buffer's ts column (rows of the buffer, warm rows included). */
const int64_t *tshm__stream_ts(const struct tshm__run *r, uint32_t buf);
int tshm__stream_fd(const struct tshm__run *r);
void tshm__stream_close(struct tshm__run *r);

/* aggregate.c */
int tshm__agg_create(struct tshm__run *r);
void tshm__agg_destroy(struct tshm__run *r);
/* The asset's first unit is being cut: make its accumulators. */
int tshm__agg_asset_begin(struct tshm__run *r, uint32_t ai);
/* Every unit of the asset is cut: @slices is its final slice count. */
int tshm__agg_asset_sliced(struct tshm__run *r, uint32_t ai, uint64_t slices);
/* 1 if (asset, pset) already failed (its tasks need not run). */
int tshm__agg_failed(const struct tshm__run *r, uint32_t ai, uint32_t pj);
/* A task's result (first arrival only). Returns 0 or -ENOMEM. */
int tshm__agg_result(struct tshm__run *r, const struct tshm__result *res);
/* A task given up: its (asset, pset) fails with @reason. */
int tshm__agg_fail(struct tshm__run *r, uint32_t ai, uint32_t pj, const char *reason);
/* Assets whose accumulators are all complete are finalised; 1 if all are. */
int tshm__agg_all_done(const struct tshm__run *r);

/*
 * The partial of a slice with no rows (what merging starts from): init
 * then finish @s with @params, in *@state (allocated on first use, 64-byte
 * aligned, the caller frees it). Returns 0 or -ENOMEM. (aggregate.c)
 */
int tshm__identity_partial(const struct tshm_strategy *s, const int64_t *params, void **state,
			   void *partial);

/* dispatch.c */
int tshm__dispatch_run(struct tshm__run *r);

/* First row in [lo, hi) with ts >= t (hi if none): producer and stream cut by time. */
static inline uint64_t tshm__lower_bound(const int64_t *ts, uint64_t lo, uint64_t hi, int64_t t)
{
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (ts[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

#endif
