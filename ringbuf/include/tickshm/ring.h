/* SPDX-License-Identifier: MIT */
/*
 * Kernel-style lock-free rings in shared memory (ringbuf/RING.md).
 *
 * A ring has a power-of-two number of fixed-size slots and free-running
 * 64-bit head/tail indices masked on access. Producer and consumer state sit
 * on separate cache lines with a guard line between; each side caches the
 * other's index and re-reads it only when it runs out; one release store
 * publishes a whole batch. SPSC is the fast path; TSHM_RING_MP and
 * TSHM_RING_MC allow several producers and consumers, and a producer or
 * consumer killed in the middle of a batch is detected and reaped so it
 * cannot stall the others forever (its half-written messages are never
 * delivered).
 *
 * Each process (or thread) using a ring attaches a handle with a role. A
 * handle is used by one thread at a time. Blocking calls spin briefly, then
 * sleep on a futex word in the ring with a waiter count (no syscall on
 * either side while the ring is neither empty nor full), always with a
 * timeout, and return -EPIPE when the other side is gone.
 */
#ifndef TICKSHM_RING_H
#define TICKSHM_RING_H

#include <stddef.h>
#include <stdint.h>

#include "tickshm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tshm_ring;

/* Ring flags (struct tshm_ring_params.flags). */
#define TSHM_RING_MP 1u /* several producers */
#define TSHM_RING_MC 2u /* several consumers */

/* Handle roles. */
#define TSHM_RING_PRODUCER 1u
#define TSHM_RING_CONSUMER 2u

#define TSHM_RING_MAX_PEERS 32u /* attached handles at once, both roles */
#define TSHM_RING_MAX_SLOT 65536u

struct tshm_ring_params {
	uint32_t capacity;  /* slots: a power of two, 2 .. 2^30 */
	uint32_t slot_size; /* bytes per message, 1 .. TSHM_RING_MAX_SLOT */
	uint32_t flags;	    /* TSHM_RING_MP | TSHM_RING_MC */
	uint32_t reserved;  /* must be 0 */
	/* Test hook: first index value (0 normally); lets tests start near
	 * 2^32 or 2^64 to cover wrap-around. */
	uint64_t start_index;
};

/* Counters of one handle (messages and batches it moved, and waits). */
struct tshm_ring_stats {
	uint64_t messages; /* enqueued (producer) or delivered (consumer) */
	uint64_t batches;  /* calls that moved at least one message */
	uint64_t full;	   /* producer: calls that found the ring full */
	uint64_t empty;	   /* consumer: calls that found the ring empty */
	uint64_t waits;	   /* futex sleeps */
	uint64_t wakes;	   /* futex wakes issued */
	uint64_t reaped;   /* messages or slots reclaimed from dead peers */
};

/*
 * tshm_ring_mem_size - bytes a ring with @p needs (header, peers, slots).
 * Returns 0 and sets *@size, or -EINVAL for bad parameters. Thread-safe.
 */
TSHM_EXPORT int tshm_ring_mem_size(const struct tshm_ring_params *p, size_t *size);

/*
 * tshm_ring_init_mem - lay out a ring in @size bytes of caller memory at
 * @mem (64-byte aligned, shared by the threads or processes using it).
 * Returns 0 or -EINVAL (bad parameters, alignment, or @size too small).
 */
TSHM_EXPORT int tshm_ring_init_mem(void *mem, size_t size, const struct tshm_ring_params *p);

/*
 * tshm_ring_create - create the named ring "/tickshm.<ns>.<name>.ring"
 * (@ns NULL: tshm_namespace()) through libshm: created with O_EXCL,
 * fallocated, initialised, then sealed readable (mode 0660 so both sides
 * can write). Returns 0; -EEXIST; -ENOSPC; -EINVAL; -TSHM_ENAME; -errno.
 */
TSHM_EXPORT int tshm_ring_create(const char *ns, const char *name,
				 const struct tshm_ring_params *p);

/* tshm_ring_unlink - remove a named ring. Attached handles keep working. */
TSHM_EXPORT int tshm_ring_unlink(const char *ns, const char *name);

/*
 * tshm_ring_open - attach to a named ring with @role (TSHM_RING_PRODUCER or
 * TSHM_RING_CONSUMER), validating its header like libshm validates segments.
 * Registers the handle (pid and process start time) so peers can tell if it
 * dies. A second producer on an SP ring (or consumer on an SC ring) is
 * refused while the first is alive.
 * Returns 0; -ENOENT; -TSHM_ECORRUPT / -TSHM_EVERSION / -TSHM_EINCOMPLETE;
 * -EBUSY (role taken, or TSHM_RING_MAX_PEERS attached); -EINVAL; -errno.
 */
TSHM_EXPORT int tshm_ring_open(struct tshm_ring **out, const char *ns, const char *name,
			       unsigned role);

/*
 * tshm_ring_attach_mem - as tshm_ring_open, for a ring made with
 * tshm_ring_init_mem (e.g. threads of one process).
 */
TSHM_EXPORT int tshm_ring_attach_mem(struct tshm_ring **out, void *mem, size_t size, unsigned role);

/*
 * tshm_ring_detach - unregister and free the handle (unmapping a named
 * ring). A producer that detaches does not close the ring. A pending
 * reserve is committed with 0 messages; a pending peek is released with 0
 * on a single-consumer ring (the messages stay) and in full on an MC ring
 * (its range is already claimed, so those messages are dropped).
 * NULL is a no-op.
 */
TSHM_EXPORT void tshm_ring_detach(struct tshm_ring *r);

/* tshm_ring_capacity / tshm_ring_slot_size - the ring's geometry. */
TSHM_EXPORT uint32_t tshm_ring_capacity(const struct tshm_ring *r);
TSHM_EXPORT uint32_t tshm_ring_slot_size(const struct tshm_ring *r);

/*
 * tshm_ring_enqueue_burst - copy up to @n messages (n * slot_size bytes at
 * @msgs) into the ring. Returns how many went in (0 when full), or -EPERM
 * for a consumer handle, -EINVAL with a reserve pending, -EPIPE if closed.
 * tshm_ring_enqueue_bulk - all @n or nothing: returns @n or 0.
 */
TSHM_EXPORT int tshm_ring_enqueue_burst(struct tshm_ring *r, const void *msgs, unsigned n);
TSHM_EXPORT int tshm_ring_enqueue_bulk(struct tshm_ring *r, const void *msgs, unsigned n);

/*
 * tshm_ring_dequeue_burst - copy out up to @n messages. Returns how many
 * (0 when empty), or -EPERM for a producer handle, -EINVAL with a peek
 * pending. tshm_ring_dequeue_bulk - all @n or nothing.
 */
TSHM_EXPORT int tshm_ring_dequeue_burst(struct tshm_ring *r, void *msgs, unsigned n);
TSHM_EXPORT int tshm_ring_dequeue_bulk(struct tshm_ring *r, void *msgs, unsigned n);

/*
 * tshm_ring_enqueue_wait - enqueue up to @n, waiting up to @timeout_ns for
 * room for at least one. Returns the count (> 0); -ETIMEDOUT; -EPIPE if no
 * consumer is left (every consumer that attached has died or detached) or
 * the ring is closed; -EINVAL for @n 0 or a negative timeout; other errors
 * as tshm_ring_enqueue_burst.
 */
TSHM_EXPORT int tshm_ring_enqueue_wait(struct tshm_ring *r, const void *msgs, unsigned n,
				       int64_t timeout_ns);

/*
 * tshm_ring_dequeue_wait - dequeue up to @n, waiting up to @timeout_ns for
 * at least one. Returns the count (> 0); 0 at end of stream (closed and
 * drained); -ETIMEDOUT; -EPIPE if drained and every producer that attached
 * is gone (died or detached) without closing; -EINVAL for @n 0 or a
 * negative timeout (nothing is consumed); other errors as
 * tshm_ring_dequeue_burst.
 */
TSHM_EXPORT int tshm_ring_dequeue_wait(struct tshm_ring *r, void *msgs, unsigned n,
				       int64_t timeout_ns);

/*
 * tshm_ring_reserve - zero-copy enqueue: claim up to @n contiguous free
 * slots and return a pointer to the first; *@got receives how many (fewer
 * at the end of the slot array, 0 with NULL returned when full or on error,
 * see *@err if not NULL). Fill them, then tshm_ring_commit(r, k) with
 * k <= *got: in MP mode uncommitted slots of the claim are skipped by
 * consumers; in SP mode they are simply not published.
 */
TSHM_EXPORT void *tshm_ring_reserve(struct tshm_ring *r, unsigned n, unsigned *got, int *err);
TSHM_EXPORT int tshm_ring_commit(struct tshm_ring *r, unsigned n);

/*
 * tshm_ring_peek - zero-copy dequeue: a pointer to up to @n contiguous
 * committed messages (*@got of them). tshm_ring_release(r, k) frees them;
 * k may be less than *@got on a single-consumer ring, and must equal it on
 * an MC ring. NULL with *@got 0 when empty.
 */
TSHM_EXPORT const void *tshm_ring_peek(struct tshm_ring *r, unsigned n, unsigned *got, int *err);
TSHM_EXPORT int tshm_ring_release(struct tshm_ring *r, unsigned n);

/*
 * tshm_ring_close - a producer marks the end of the stream: consumers drain
 * what was committed, then their waits return 0. Wakes every sleeper.
 * Returns 0 or -EPERM for a consumer handle. Idempotent.
 */
TSHM_EXPORT int tshm_ring_close(struct tshm_ring *r);

/*
 * tshm_ring_count - messages committed and not yet consumed (a snapshot;
 * indices of claims reaped from dead producers are not counted).
 */
TSHM_EXPORT uint64_t tshm_ring_count(const struct tshm_ring *r);

/* tshm_ring_stats - this handle's counters. */
TSHM_EXPORT void tshm_ring_stats(const struct tshm_ring *r, struct tshm_ring_stats *out);

#define TSHM_RING_SLICE_MIN_NS INT64_C(10000)	    /* 10 us */
#define TSHM_RING_SLICE_MAX_NS INT64_C(60000000000) /* 60 s */

/*
 * tshm_ring_set_sleep_slice - the longest one futex sleep of this handle's
 * blocking calls lasts (default 10 ms). Between slices a blocked call
 * rechecks whether its peers are alive and reaps dead claimants, so the
 * slice bounds how late a death is noticed; a wake from the other side
 * ends a sleep at once, whatever the slice. A long slice also makes a lost
 * wakeup show as a long stall, which is how the tests look for one.
 * Returns 0, or -EINVAL outside [TSHM_RING_SLICE_MIN_NS, TSHM_RING_SLICE_MAX_NS].
 * Like every call on a handle, not safe against concurrent calls on it.
 */
TSHM_EXPORT int tshm_ring_set_sleep_slice(struct tshm_ring *r, int64_t slice_ns);

#ifdef __cplusplus
}
#endif
#endif /* TICKSHM_RING_H */
