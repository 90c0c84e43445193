/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the ring tests (tshm_ringtestutil): checksummed test
 * messages, shared scratch memory, ring memory, children attached to a
 * named ring, a watchdog that turns a hang into a failure, and the
 * mixed-API producer and verifying consumer the load tests run.
 *
 * Child processes, clocks and error checks come from tshm_proc.h
 * (tshm_test_fork, tshm_test_reap, tshm_test_now_ns, TSHM_TEST_CHECK, ...).
 * As there, a function that can fail the test (fail_msg) may only be called
 * in the test process, never in a forked child.
 */
#ifndef TSHM_RING_TEST_H
#define TSHM_RING_TEST_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tickshm/ring.h"
#include "tshm_proc.h"

/* Ring timeouts are in nanoseconds. */
#define RT_MS INT64_C(1000000)
#define RT_SEC INT64_C(1000000000)

/* ---- messages ----------------------------------------------------------------- */

/* A 32-byte test message: who sent it, its sequence, a payload, a checksum. */
struct rt_msg {
	uint32_t producer;
	uint32_t salt;
	uint64_t seq;
	uint64_t payload;
	uint64_t check;
};
_Static_assert(sizeof(struct rt_msg) == 32, "rt_msg");

/* rt_mix - a 64-bit mixing function (splitmix64): returns the hash of @z. */
uint64_t rt_mix(uint64_t z);

/* rt_msg_make - fill @m as message @seq of @producer, checksum included. */
void rt_msg_make(struct rt_msg *m, uint32_t producer, uint64_t seq);

/*
 * rt_msg_ok - 1 if @m is intact, as rt_msg_make() wrote it (checksum, salt
 * and payload all agree with its producer and sequence), else 0.
 */
int rt_msg_ok(const struct rt_msg *m);

/* rt_byte - byte @i of message @seq, for slot sizes other than 32. */
uint8_t rt_byte(uint64_t seq, uint32_t i);

/* ---- time, memory, waiting ------------------------------------------------------ */

/* rt_spin_ns - busy-wait @ns nanoseconds (no sleep, no yield). */
void rt_spin_ns(int64_t ns);

/*
 * rt_wait_flag - poll @flag (every 50 us) until it is at least @want or
 * @timeout_ns has passed. Returns 1 if it got there, else 0. Safe in
 * children and on threads.
 */
int rt_wait_flag(_Atomic int *flag, int want, int64_t timeout_ns);

/*
 * rt_shared - @size bytes of zeroed memory shared with forked children
 * (munmap() it). Fails the test if mmap() fails.
 */
void *rt_shared(size_t size);

/*
 * rt_ring_mem - 64-byte aligned memory for a ring of @p, filled with
 * garbage and then initialised with tshm_ring_init_mem(); its size in
 * *@size. Returns the memory (free() it). Fails the test on error.
 */
void *rt_ring_mem(const struct tshm_ring_params *p, size_t *size);

/* ---- children and teardown -------------------------------------------------------- */

/*
 * rt_fork_open - tshm_test_fork(@max_seconds); the child then opens the
 * named ring @ring of the test namespace as @role into *@r, or _exit(2)s if
 * it cannot. Returns 0 in the child, the child's pid in the parent (*@r
 * untouched there).
 */
pid_t rt_fork_open(const char *ring, unsigned role, unsigned max_seconds, struct tshm_ring **r);

/*
 * rt_watchdog - arm (@seconds > 0) or disarm (0) a process-wide SIGALRM
 * watchdog: if it fires, it reports @what as hung, empties the test
 * namespace and exits with status 99. Children drop it (tshm_test_fork).
 */
void rt_watchdog(unsigned seconds, const char *what);

/*
 * rt_teardown - cmocka teardown: disarm the watchdog, kill and reap every
 * registered child, empty the test namespace. Returns 0.
 */
int rt_teardown(void **state);

/* ---- workers: mixed-API producer and verifying consumer ----------------------------- */

/* Producers per run at most (struct rt_track, struct rt_seen). */
#define RT_MAXP 8

/* Shared by the consumers of one run (threads, or processes via rt_shared()). */
struct rt_track {
	uint32_t nprod;
	uint64_t per_prod;
	_Atomic uint64_t bad;	  /* checksum failures (torn or garbage messages) */
	_Atomic uint64_t dup;	  /* delivered twice */
	_Atomic uint64_t order;	  /* a producer's sequence went backwards for one consumer */
	_Atomic uint64_t gap;	  /* strict mode: a consumer skipped a producer's sequence */
	_Atomic uint64_t foreign; /* unknown producer id or sequence out of range */
	_Atomic uint64_t got[RT_MAXP];
	_Atomic uint64_t reaped;   /* stats.reaped summed over handles */
	_Atomic uint64_t finished; /* producers done: the last one closes the ring */
	_Atomic uint64_t bits[];   /* nprod * ceil(per_prod / 64) */
};

/* rt_track_size - bytes of a struct rt_track for @nprod producers of @per_prod. */
size_t rt_track_size(uint32_t nprod, uint64_t per_prod);

/* rt_track_init - zero @t (rt_track_size() bytes) and set its geometry. */
void rt_track_init(struct rt_track *t, uint32_t nprod, uint64_t per_prod);

/*
 * rt_track_missing - how many of producer @p's sequences 0 .. @upto - 1
 * no consumer marked as delivered.
 */
uint64_t rt_track_missing(struct rt_track *t, uint32_t p, uint64_t upto);

/*
 * rt_track_expect_clean - fail the test, naming @what, if any consumer
 * counted a torn, duplicated, out-of-order, skipped (strict mode) or
 * foreign message.
 */
void rt_track_expect_clean(struct rt_track *t, const char *what);

/*
 * rt_track_expect_all - rt_track_expect_clean(), then fail the test unless
 * every message of every producer (nprod * per_prod) was delivered.
 * Returns the number delivered.
 */
uint64_t rt_track_expect_all(struct rt_track *t, const char *what);

/* How one producer runs (rt_produce). */
struct rt_prod {
	uint32_t id;
	uint64_t count;	    /* messages to send (sequences 0 .. count-1) */
	uint64_t seed;	    /* picks the calls and sizes */
	int64_t timeout_ns; /* for every wait */
	int last_closes;    /* the producer finishing last (of t->nprod) closes */
	int slow;	    /* write reserved slots field by field with pauses */
	_Atomic int *stop;  /* stop early once set (NULL: never) */
	uint64_t sent;	    /* out: messages published */
};

/*
 * rt_produce - produce on producer handle @r as @o says, picking
 * enqueue_wait, burst, bulk or reserve/commit (sometimes committing fewer)
 * at random, then add the handle's stats.reaped to @t; with
 * @o->last_closes, the last of @t->nprod producers to finish closes the
 * ring. Returns 0 (or, for the one that closes, tshm_ring_close()'s
 * result), or the first unexpected error: -EPIPE once someone else closed
 * the ring, -EPROTO if a call returned an impossible count, another
 * call's error. Safe in children and on threads.
 */
int rt_produce(struct tshm_ring *r, struct rt_track *t, struct rt_prod *o);

/* Per-consumer view: the next sequence expected of each producer. */
struct rt_seen {
	uint64_t next[RT_MAXP]; /* lowest sequence still acceptable */
	uint64_t n;		/* messages this consumer took */
};

/*
 * rt_consume - consume on consumer handle @r until end of stream, with
 * dequeue_wait (each waiting @timeout_ns), burst or peek/release (partial
 * releases unless @mc) picked at random from @seed, checking and marking
 * every message in @t; @seen is reset first. @strict: a producer's
 * sequence must not skip within this consumer. Returns 0 at end of stream,
 * the dequeue_wait error (-EPIPE, -ETIMEDOUT, ...), the peek or release
 * error, or -EPROTO if a call returned an impossible count. Safe in
 * children and on threads.
 */
int rt_consume(struct tshm_ring *r, struct rt_track *t, int mc, uint64_t seed, int64_t timeout_ns,
	       int strict, struct rt_seen *seen);

#endif
