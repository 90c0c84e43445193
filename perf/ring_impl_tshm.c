/* SPDX-License-Identifier: MIT */
/*
 * Our ring: a named ring in the benchmark's private namespace
 * (tshm_ring_create in the parent, tshm_ring_open in each child), SPSC or
 * TSHM_RING_MP | TSHM_RING_MC. Each batch is one tshm_ring_enqueue_burst /
 * tshm_ring_dequeue_burst of up to cfg->batch items. When the ring is full
 * or empty a side retries the non-blocking call RB_TSHM_SPINS times with a
 * PAUSE in between (RB_TSHM_YIELDS times with sched_yield() in between when
 * the run has more processes than CPUs: spinning would only delay the peer
 * that shares the CPU), then falls back to the blocking tshm_ring_*_wait
 * call (which spins, yields and finally sleeps on the ring's futex, always
 * with a timeout). The fast path thus makes no system call and no clock
 * read. Consumers stop at the end of stream: the last producer to finish
 * closes the ring.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

#include "perf_ns.h"
#include "ring_bench.h"
#include "ring_items.h"
#include "tickshm/ring.h"

#ifndef RB_TSHM_SPINS
#define RB_TSHM_SPINS 64 /* tries of the burst call before the blocking one */
#endif
#ifndef RB_TSHM_YIELDS
#define RB_TSHM_YIELDS 16 /* the same with more processes than CPUs, yielding */
#endif

static int tshm_setup(struct rb_job *j)
{
	struct tshm_ring_params p = {
	    .capacity = RB_CAPACITY,
	    .slot_size = j->cfg->size,
	    .flags = j->cfg->multi ? TSHM_RING_MP | TSHM_RING_MC : 0,
	};

	snprintf(j->name, sizeof(j->name), "bench");
	return tshm_ring_create(perf_ns(), j->name, &p);
}

static int tshm_attach(struct rb_side *s)
{
	struct tshm_ring *r;
	int rc = tshm_ring_open(&r, perf_ns(), s->job->name,
				s->producer ? TSHM_RING_PRODUCER : TSHM_RING_CONSUMER);

	s->handle = r;
	s->oversub = rb_oversubscribed(s->job->cfg);
	return rc;
}

/* Retry the burst call: spin with PAUSE, or yield the CPU when the run has
 * more processes than CPUs (the peer may be waiting for this one). */
static int retry(struct rb_side *s, int (*burst)(struct tshm_ring *, void *, unsigned), void *msgs,
		 unsigned n)
{
	for (int i = 0; i < (s->oversub ? RB_TSHM_YIELDS : RB_TSHM_SPINS); i++) {
		int k;

		if (s->oversub)
			sched_yield();
		else
			rb_relax();
		k = burst(s->handle, msgs, n);
		if (k != 0)
			return k;
	}
	return 0;
}

static int enqueue_burst(struct tshm_ring *r, void *msgs, unsigned n)
{
	return tshm_ring_enqueue_burst(r, msgs, n);
}

/* The ring is full: retry, then block. */
static int wait_room(struct rb_side *s, const void *msgs, unsigned n)
{
	int k = retry(s, enqueue_burst, (void *)(uintptr_t)msgs, n);

	if (k != 0)
		return k;
	s->waits++;
	return tshm_ring_enqueue_wait(s->handle, msgs, n, RB_WAIT_NS);
}

static int send_all(struct rb_side *s, const uint8_t *msgs, unsigned n, unsigned size)
{
	while (n > 0) {
		int k = tshm_ring_enqueue_burst(s->handle, msgs, n);

		if (k == 0)
			k = wait_room(s, msgs, n);
		if (k < 0)
			return k;
		msgs += (size_t)k * size;
		n -= (unsigned)k;
	}
	return 0;
}

static int tshm_produce(struct rb_side *s, uint64_t n)
{
	_Alignas(64) uint64_t buf[RB_MAX_BATCH * RB_REC_WORDS];
	unsigned b = s->job->cfg->batch, size = s->job->cfg->size;
	int rc = 0;

	for (uint64_t seq = 0; seq < n && rc == 0; seq += b) {
		unsigned m = rb_batch_len(seq, n, b);

		rb_fill(buf, size, s->id, seq, m);
		rc = send_all(s, (const uint8_t *)buf, m, size);
	}
	return rc;
}

static int tshm_finish(struct rb_side *s, int last)
{
	return last ? tshm_ring_close(s->handle) : 0;
}

/* The ring is empty: retry, then block (0: end of stream). */
static int wait_data(struct rb_side *s, void *msgs, unsigned n)
{
	int k = retry(s, tshm_ring_dequeue_burst, msgs, n);

	if (k != 0)
		return k;
	s->waits++;
	return tshm_ring_dequeue_wait(s->handle, msgs, n, RB_WAIT_NS);
}

static int tshm_consume(struct rb_side *s, struct rb_sum *got)
{
	_Alignas(64) uint64_t buf[RB_MAX_BATCH * RB_REC_WORDS];
	unsigned b = s->job->cfg->batch, size = s->job->cfg->size;

	for (;;) {
		int k = tshm_ring_dequeue_burst(s->handle, buf, b);

		if (k == 0)
			k = wait_data(s, buf, b);
		if (k <= 0)
			return k;
		rb_sum_add(got, buf, size, (unsigned)k);
	}
}

static void tshm_detach(struct rb_side *s)
{
	struct tshm_ring_stats st;

	tshm_ring_stats(s->handle, &st);
	s->sleeps = st.waits;
	s->wakes = st.wakes;
	tshm_ring_detach(s->handle);
}

static void tshm_teardown(struct rb_job *j)
{
	tshm_ring_unlink(perf_ns(), j->name);
}

const struct rb_impl_ops rb_tshm_ops = {
    .setup = tshm_setup,
    .attach = tshm_attach,
    .produce = tshm_produce,
    .finish = tshm_finish,
    .consume = tshm_consume,
    .detach = tshm_detach,
    .teardown = tshm_teardown,
};
