/* SPDX-License-Identifier: MIT */
/*
 * Sleeping and waking. A sleeper reads the futex word, counts itself in
 * the waiter count, issues a full fence, and re-checks the ring before it
 * sleeps; a waker publishes its index, issues a full fence, and reads the
 * waiter count. With both fences one of the two always sees the other's
 * store (the io_uring NEED_WAKEUP handshake), so no wakeup is lost, and a
 * waker with nobody asleep makes no syscall. Every sleep has a timeout and
 * lasts one slice at most, so callers recheck peers between slices.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ring_internal.h"

#define SPINS 128
#define YIELDS 16
#define TURN_REAP_NS INT64_C(1000000)

int64_t tshm__ring_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void tshm__ring_wake(struct tshm_ring *r, struct ring_waitq *q)
{
	/* Orders the caller's index store before the waiter check; pairs with
	 * the sleeper's fence in tshm__ring_sleep(). */
	atomic_thread_fence(memory_order_seq_cst);
	if (tshm_ring_load32(&q->waiters, memory_order_relaxed) == 0)
		return;
	/* One wake per sleep: until a woken sleeper runs and leaves, every
	 * later batch would otherwise make another FUTEX_WAKE syscall. */
	if (!atomic_exchange_explicit((_Atomic uint32_t *)&q->armed, 0, memory_order_acq_rel))
		return;
	/* The bump makes a sleeper that read the old value return at once. */
	atomic_fetch_add_explicit((_Atomic uint32_t *)&q->futex, 1, memory_order_release);
	syscall(SYS_futex, &q->futex, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	r->st.wakes++;
}

int tshm__ring_sleep(struct tshm_ring *r, struct ring_waitq *q, bool (*ready)(struct tshm_ring *),
		     int64_t deadline)
{
	struct timespec ts;
	int64_t now, slice;
	uint32_t key;

	for (int i = 0; i < SPINS; i++) {
		if (ready(r))
			return 0;
		tshm_ring_relax();
	}
	for (int i = 0; i < YIELDS; i++) { /* the peer may need this core (2 cores, 4 processes) */
		if (ready(r))
			return 0;
		sched_yield();
	}
	now = tshm__ring_now();
	if (now >= deadline)
		return -ETIMEDOUT;
	key = tshm_ring_load32(&q->futex, memory_order_acquire);
	atomic_fetch_add_explicit((_Atomic uint32_t *)&q->waiters, 1, memory_order_relaxed);
	/* Armed after the key was read: a waker that takes it bumps the futex
	 * past the key, so this sleep cannot miss that wake. */
	tshm_ring_store32(&q->armed, 1, memory_order_relaxed);
	/* Pairs with the waker's fence in tshm__ring_wake(). */
	atomic_thread_fence(memory_order_seq_cst);
	if (!ready(r)) {
		slice = deadline - now < r->slice_ns ? deadline - now : r->slice_ns;
		ts.tv_sec = slice / 1000000000;
		ts.tv_nsec = slice % 1000000000;
		syscall(SYS_futex, &q->futex, FUTEX_WAIT, key, &ts, NULL, 0);
		r->st.waits++;
	}
	atomic_fetch_sub_explicit((_Atomic uint32_t *)&q->waiters, 1, memory_order_relaxed);
	return 0;
}

/*
 * Multi-producer (or -consumer) publish order: wait until every earlier
 * claim is published, then publish ours. A preempted peer only delays us;
 * a dead one is reaped. Spin, then yield, then short sleeps: never a busy
 * loop for longer than a few microseconds.
 */
void tshm__ring_wait_turn(struct tshm_ring *r, struct ring_side *side, uint64_t head, unsigned role)
{
	struct timespec nap = {0, 50000};
	int64_t next_reap = 0;

	for (unsigned spins = 0;; spins++) {
		/* Pairs with the release store (or reap CAS) publishing the tail. */
		uint64_t t = tshm_ring_load64(&side->tail.v, memory_order_acquire);

		if (t == head)
			return;
		if (spins < SPINS) {
			tshm_ring_relax();
		} else if (spins < SPINS + YIELDS) {
			sched_yield();
		} else {
			int64_t now = tshm__ring_now();
			if (!next_reap)
				next_reap = now + TURN_REAP_NS;
			if (now >= next_reap) {
				tshm__ring_reap(r, role, t);
				next_reap = now + TURN_REAP_NS;
			}
			nanosleep(&nap, NULL);
		}
	}
}
