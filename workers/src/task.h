/* SPDX-License-Identifier: MIT */
/*
 * The messages and shared words of the pipeline (workers/PIPELINE.md,
 * "Shared memory"): task and result messages, one ring slot each, the
 * per-worker status line, the run descriptor, the stream buffer header, and
 * the control region that holds them all. The control region is anonymous
 * MAP_SHARED memory mapped before the workers are forked; stream buffers
 * live in a memfd passed to the workers over their socket.
 */
#ifndef TSHM_WORKERS_TASK_H
#define TSHM_WORKERS_TASK_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tickshm/pipeline.h"
#include "tickshm/ring.h"
#include "tickshm/strategy.h"

#define TSHM__CTL_MAGIC UINT64_C(0x31544c4350485354) /* "TSHPCTL1" */
#define TSHM__CTL_VERSION 1u

enum tshm__task_kind {
	TSHM__TASK_RUN = 1, /* run the strategy on one slice for one parameter set */
	/* 2 was STOP: a closed task ring says it now */
	TSHM__TASK_RELEASE = 3, /* the run is over: unmap its stream buffers (no result) */
};

/* Task ring slot: everything a worker needs besides the run descriptor. */
struct tshm__task {
	uint64_t id;	/* pipeline-unique, never reused; 0 is never a task id */
	uint32_t run;	/* run number (struct tshm__rundesc.run) */
	uint32_t kind;	/* enum tshm__task_kind */
	uint32_t asset; /* asset index in the view (resident) */
	uint32_t pset;	/* echoed back */
	uint64_t slice; /* slice index within the asset, echoed back */
	int32_t day;	/* UTC day of the slice, echoed back */
	uint32_t buf;	/* stream buffer index, UINT32_MAX in resident mode */
	uint64_t first; /* first scored row: table row (resident) or buffer row (stream) */
	uint64_t nrows; /* scored rows */
	uint64_t warm;	/* warm-up rows just before first */
	int64_t params[TSHM_STRATEGY_MAX_PARAMS];
};
_Static_assert(sizeof(struct tshm__task) == 128, "task message is two cache lines");
_Static_assert(offsetof(struct tshm__task, params) == 64, "params on the second line");

/* Result ring slot. */
struct tshm__result {
	uint64_t id;
	uint32_t run;
	uint32_t worker; /* slot of the worker that ran it */
	uint32_t asset, pset;
	uint64_t slice;
	int32_t day;
	int32_t status; /* 0, or -errno / -TSHM_E* the worker met (no strategy call made) */
	uint32_t pid;
	uint32_t buf;	   /* echoed back */
	uint64_t ticks;	   /* scored rows */
	uint64_t reserved; /* zero */
	alignas(8) unsigned char partial[TSHM_PARTIAL_MAX];
};
_Static_assert(sizeof(struct tshm__result) == 64 + TSHM_PARTIAL_MAX, "result message size");
_Static_assert(offsetof(struct tshm__result, partial) == 64, "partial at 64");

/* Worker status words, one cache line per worker slot, written by the worker. */
struct tshm__wslot {
	/* id of the task running, 0 when idle. Stored with release after
	 * started_ns; the dispatcher's acquire load pairs with it, so a
	 * started_ns read afterwards is at least as recent. */
	_Atomic uint64_t current;
	_Atomic int64_t started_ns; /* CLOCK_MONOTONIC when current started */
	uint64_t reserved;	    /* zero */
	/* 1 once the worker attached its rings (release; the parent's acquire
	 * load in wpool.c pairs with it) */
	_Atomic uint32_t ready;
	uint32_t pid;
	uint8_t pad[32];
};
_Static_assert(sizeof(struct tshm__wslot) == 64, "one cache line per worker");

/*
 * The run descriptor: written by the dispatcher before the first task of a
 * run is enqueued and not changed until the run is over; the ring's
 * release/acquire on the task makes it visible to the worker.
 */
struct tshm__rundesc {
	uint32_t run;
	uint32_t mode;	     /* enum tshm_run_mode */
	uint64_t serial;     /* catalog serial the view must have (resident) */
	uint64_t buf_stride; /* stream: bytes per buffer */
	uint64_t buf_rows;   /* stream: row capacity of a buffer */
	uint64_t pool_bytes; /* stream: memfd size */
	uint32_t nbufs;	     /* stream */
	uint32_t nparams;
	char ns[TSHM_NAMESPACE_MAX];
	char bundle[TSHM_BUNDLE_MAX];
	char strategy[64];
	char lib[4096];
};

/* Header of a stream buffer; the columns follow (tshm__buf_cols). */
struct tshm__bufhdr {
	/* tasks that still need this buffer; the dispatcher alone changes it
	 * (relaxed: workers never read it, it is there to be inspected) */
	_Atomic uint32_t refs;
	uint32_t asset;
	int32_t day;
	uint32_t reserved;
	uint64_t rows; /* warm-up rows + the day's rows */
	uint64_t warm; /* rows copied from earlier days, before the day's first row */
	uint8_t pad[32];
};
_Static_assert(sizeof(struct tshm__bufhdr) == 64, "buffer header is one line");

/* Column pointers of stream buffer @i in a pool mapped at @base. */
struct tshm__bufcols {
	struct tshm__bufhdr *hdr;
	int64_t *ts, *price, *size;
	int32_t *flags;
};

/* Bytes of one buffer holding @rows rows (header + 4 aligned columns). */
uint64_t tshm__buf_stride(uint64_t rows);
void tshm__buf_cols(void *base, uint64_t stride, uint64_t rows, uint32_t i,
		    struct tshm__bufcols *out);

/* Slots of each worker's task ring and result ring (SPSC both): a worker
 * never holds more results than tasks, so its result ring cannot fill. */
#define TSHM__RING_SLOTS 16u

/* The control region header. */
struct tshm__ctl {
	uint64_t magic;
	uint32_t version;
	uint32_t nworkers;
	uint64_t size;	    /* bytes of the region */
	uint64_t ring_off;  /* worker i's rings at ring_off + i * 2 * ring_size */
	uint64_t ring_size; /* bytes of one ring (task and result rings alike) */
	/*
	 * 1 while the dispatcher may sleep in poll(): after publishing a
	 * result a worker reads it with a seq_cst RMW and rings the doorbell
	 * (eventfd) only if it reads 1; the dispatcher sets it with a seq_cst
	 * exchange and re-checks the rings before sleeping, so one of them
	 * sees the other.
	 */
	_Atomic uint32_t sleeping;
	uint32_t reserved;
	uint8_t pad[16];
	struct tshm__rundesc run;
	alignas(64) struct tshm__wslot slots[]; /* nworkers */
};

/*
 * tshm__ctl_create - map an anonymous shared control region for @nworkers
 * workers and lay out their rings. Returns 0 or -errno.
 */
int tshm__ctl_create(struct tshm__ctl **out, uint32_t nworkers);
void tshm__ctl_destroy(struct tshm__ctl *c);
void *tshm__ctl_task_mem(struct tshm__ctl *c, uint32_t i);
void *tshm__ctl_result_mem(struct tshm__ctl *c, uint32_t i);
/* Re-initialise both rings of worker @i (nobody attached). Returns 0 or -EINVAL. */
int tshm__ctl_rings_reset(struct tshm__ctl *c, uint32_t i);

/* CLOCK_MONOTONIC in ns. */
int64_t tshm__now_ns(void);

#endif
