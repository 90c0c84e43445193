/* SPDX-License-Identifier: MIT */
/*
 * The ring benchmark's shared types: configurations, implementations, the
 * control block the processes of one run share, and the interface every
 * implementation (ring_impl_*.c) provides to the run driver (ring_run.c).
 */
#ifndef TSHM_PERF_RING_BENCH_H
#define TSHM_PERF_RING_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "perf_util.h"

#define RB_MAX_PROCS 4u	  /* producers + consumers of one run */
#define RB_MAX_BATCH 32u  /* items per burst at most */
#define RB_REC_WORDS 8u	  /* a 64-byte record: 8 words */
#define RB_CAPACITY 4096u /* slots of every ring (ck_ring keeps one free) */
#define RB_TIMEOUT_S 120  /* a run that takes longer is killed: an error */
#define RB_MAX_REPS 1000u
#define RB_WAIT_NS INT64_C(10000000000) /* a blocking call that waits longer: an error */

/* Targets: median of the paired ratios (ring_report.c). */
#define TARGET_SPSC8 15.0   /* SPSC, 8-byte items, batch 32, vs ck_ring SPSC */
#define TARGET_SPSC64 3.5   /* SPSC, 64-byte records, batch 32, vs ck_ring SPSC */
#define TARGET_MP1_CK 30.0  /* MP/MC mode 1P1C, 8 bytes, batch 32, vs ck_ring MPMC */
#define TARGET_MP1_SPSC 0.6 /* ... vs our own SPSC ring, same items and batch */
#define TARGET_MP2_CK 2.0   /* MP/MC mode 2P2C, 8 bytes, batch 32, vs the better ck_ring */

/* The implementations measured. CK_YIELD runs only in 2P2C configurations,
 * FLOOR (ring_impl_floor.c: the least a copying ring costs) only in 1P1C. */
enum rb_impl { IMPL_TSHM, IMPL_CK, IMPL_CK_YIELD, IMPL_PIPE, IMPL_FLOOR, IMPL_COUNT };

/* One configuration: item size, batch, ring mode, processes. */
struct rb_config {
	const char *key;	    /* JSON member, e.g. "spsc_8b_b32" */
	unsigned size;		    /* bytes per item: 8 or 64 */
	unsigned batch;		    /* 1 or 32 */
	int multi;		    /* 0: SPSC rings; 1: our MP|MC ring vs ck_ring MPMC */
	unsigned np, nc;	    /* producers, consumers */
	unsigned impls;		    /* bit mask of enum rb_impl run in this configuration */
	uint64_t items[IMPL_COUNT]; /* items per run (all producers together) */
};

/* Order-independent checksum of a stream of items. */
struct rb_sum {
	uint64_t count, sum, sq;
};

/* What one child process reports back. */
struct rb_child {
	struct rb_sum sum; /* received (consumers) */
	uint64_t end_ns;   /* CLOCK_MONOTONIC when it finished */
	uint64_t waits;	   /* times it found the ring full or empty and had to wait */
	uint64_t sleeps;   /* of those, futex sleeps (our ring) */
	uint64_t wakes;	   /* futex wake calls it made (our ring) */
	int rc;		   /* 0 or -errno */
	int role;	   /* 1 producer, 2 consumer */
};

/* The control block of one run, in a MAP_SHARED anonymous mapping. */
struct rb_ctl {
	_Alignas(64) unsigned ready;	      /* children attached and waiting (atomic) */
	_Alignas(64) unsigned go;	      /* set by the parent to start them (atomic) */
	_Alignas(64) unsigned producers_done; /* producers finished (atomic) */
	_Alignas(64) struct rb_child child[RB_MAX_PROCS];
};

/* One run: the parent's view, shared with the children through fork. */
struct rb_job {
	const struct rb_config *cfg;
	enum rb_impl impl;
	uint64_t items; /* all producers together */
	struct rb_ctl *ctl;
	void *mem; /* the implementation's shared memory, if any */
	size_t mem_size;
	int fds[2];    /* pipe */
	char name[32]; /* named ring */
};

/* One child's side of a run. */
struct rb_side {
	struct rb_job *job;
	unsigned id;  /* 0.. within its role */
	int producer; /* 1 producer, 0 consumer */
	void *handle; /* the implementation's per-process handle */
	int oversub;  /* more processes in the run than CPUs */
	uint64_t waits, sleeps, wakes;
};

/* An implementation: set up in the parent, used by each child. */
struct rb_impl_ops {
	int (*setup)(struct rb_job *j);	  /* parent, before fork */
	int (*attach)(struct rb_side *s); /* child */
	/* send items 0 .. @n - 1 of producer s->id (ring_items.h), in batches */
	int (*produce)(struct rb_side *s, uint64_t n);
	/* after produce: @last is 1 for the last producer of the run to finish;
	 * optional */
	int (*finish)(struct rb_side *s, int last);
	int (*consume)(struct rb_side *s, struct rb_sum *got); /* until end of stream */
	void (*detach)(struct rb_side *s);		       /* child; optional */
	void (*forked)(struct rb_job *j);		       /* parent, after fork */
	void (*teardown)(struct rb_job *j);		       /* parent, after the run */
};

extern const struct rb_impl_ops rb_tshm_ops, rb_ck_ops, rb_pipe_ops, rb_floor_ops;

/* The ops of @impl (CK and CK_YIELD share one, the side reads the variant). */
const struct rb_impl_ops *rb_ops(enum rb_impl impl);

/* One timed sample. */
struct rb_sample {
	double ns_per_item;
	uint64_t waits, sleeps, wakes; /* summed over the children */
};

/*
 * rb_run_once - fork the producers and consumers of @cfg for @impl, move
 * @items items, verify the checksum. Returns 0 with @out filled, or -1 after
 * printing the error (a checksum mismatch is an error).
 */
int rb_run_once(const struct rb_config *cfg, enum rb_impl impl, uint64_t items,
		struct rb_sample *out);

/*
 * rb_map_shared - @size bytes of MAP_SHARED anonymous memory in j->mem, made
 * before fork and touched once so the timed runs take no page fault: the
 * shared part of the ck_ring and floor implementations. 0 or -errno.
 */
int rb_map_shared(struct rb_job *j, size_t size);

/* rb_unmap_shared - undo rb_map_shared (a teardown). */
void rb_unmap_shared(struct rb_job *j);

/*
 * rb_producers_done - have all producers of @s's run returned from produce?
 * Then what they published is all there is (for rings with no close).
 */
bool rb_producers_done(const struct rb_side *s);

/* Does @c run more processes than this process may use CPUs? */
int rb_oversubscribed(const struct rb_config *c);

/*
 * rb_run_init - block SIGCHLD in the parent (ring_run.c waits for it); with
 * @pin, runs with no more processes than CPUs pin each to its own CPU.
 * Call once at start.
 */
void rb_run_init(int pin);

/* ---- other load (ring_load.c) ------------------------------------------------ */

struct rb_cpu_mark {
	uint64_t busy_ns, total_ns; /* all CPUs, from /proc/stat */
	uint64_t ours_ns;	    /* this process and its reaped children */
};

void rb_cpu_mark(struct rb_cpu_mark *m);

/* Share (0..1) of all CPUs' time between @a and @b used by others. */
double rb_other_load(const struct rb_cpu_mark *a, const struct rb_cpu_mark *b);

/* ---- results --------------------------------------------------------------- */

struct rb_series {
	double *ns; /* ns per item, one per repetition (run order) */
	struct perf_stats st;
	double p10, p90;
	uint64_t waits, sleeps, wakes; /* summed over all repetitions */
};

struct rb_options {
	unsigned reps;
	int quick, strict;
	int no_pin;	  /* --no-pin: let the scheduler place 1P1C processes too */
	const char *only; /* --only: substring of the configuration keys to run */
	const char *impl; /* --impl: the implementations to run, comma-separated */
};

struct rb_results {
	struct rb_config *cfgs;
	unsigned ncfg, reps;
	struct rb_series (*series)[IMPL_COUNT]; /* [ncfg][IMPL_COUNT] */
	double *other;				/* rb_other_load of each repetition */
	double load_before[3], load_after[3];
	double wall_s;
	int shm_left;
};

/* ring_report.c */
void rb_print_table(const struct rb_results *r, const struct rb_options *o);
int rb_print_json(const struct rb_results *r, const struct rb_options *o);
int rb_all_pass(const struct rb_results *r);

/* The human label of an implementation. */
const char *rb_impl_label(enum rb_impl impl);
const char *rb_impl_key(enum rb_impl impl);

#endif
