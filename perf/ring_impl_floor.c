/* SPDX-License-Identifier: MIT */
/*
 * The floor: the least any copying ring between two processes can cost on
 * this host, measured in the same run as the others. It is tickshm's SPSC
 * index protocol written inline in the benchmark's loop and nothing else:
 * two free-running indices on separate cache lines (with a guard line), a
 * cached copy of the other side's index re-read only when it runs short,
 * the batch copied in or out with memcpy (two pieces at the wrap), one
 * release store per batch. No API call, no role, closed or dead-peer check,
 * no statistics, no wake fence, no way to sleep: it can only spin, so it
 * runs only in 1P1C configurations, where each process has its own CPU.
 * In MP/MC 1P1C configurations it is the same SPSC ring (no MP/MC ring can
 * cost less than it).
 *
 * ck_ring / floor is thus the highest ratio against ck_ring any ring that
 * copies its items can reach in that run, and floor / tickshm is how close
 * tickshm comes to it. End of stream: the runner's count of finished
 * producers (rb_producers_done), as for ck_ring.
 */
#include <stdatomic.h>
#include <string.h>

#include "ring_bench.h"
#include "ring_items.h"

/* The shared part: each index alone on its line, a guard line between. */
struct floor_ring {
	_Alignas(64) _Atomic uint64_t tail; /* producer: items before it are published */
	_Alignas(64) uint8_t guard1[64];
	_Alignas(64) _Atomic uint64_t head; /* consumer: slots before it are free */
	_Alignas(64) uint8_t guard2[64];
	_Alignas(64) uint8_t slots[];
};

_Static_assert(sizeof(struct floor_ring) == 4 * 64, "floor ring header");

#define MASK (RB_CAPACITY - 1u)
_Static_assert((RB_CAPACITY & MASK) == 0, "capacity: a power of two");

static int floor_setup(struct rb_job *j)
{
	return rb_map_shared(j, sizeof(struct floor_ring) + (size_t)RB_CAPACITY * j->cfg->size);
}

static int floor_attach(struct rb_side *s)
{
	s->handle = s->job->mem;
	return 0;
}

/* @n items between slot index @pos and @buf; @in: into the ring. */
static inline void copy(struct floor_ring *f, uint64_t pos, void *buf, unsigned n, unsigned size,
			int in)
{
	unsigned i = (unsigned)(pos & MASK), first = n < RB_CAPACITY - i ? n : RB_CAPACITY - i;
	uint8_t *ring = f->slots + (size_t)i * size, *b = buf;

	if (in) {
		memcpy(ring, b, (size_t)first * size);
		memcpy(f->slots, b + (size_t)first * size, (size_t)(n - first) * size);
	} else {
		memcpy(b, ring, (size_t)first * size);
		memcpy(b + (size_t)first * size, f->slots, (size_t)(n - first) * size);
	}
}

static int floor_produce(struct rb_side *s, uint64_t n)
{
	_Alignas(64) uint64_t buf[RB_MAX_BATCH * RB_REC_WORDS];
	struct floor_ring *f = s->handle;
	unsigned b = s->job->cfg->batch, size = s->job->cfg->size;
	uint64_t tail = 0, cached = 0; /* ours; the consumer's head as last read */

	for (uint64_t seq = 0; seq < n; seq += b) {
		unsigned m = rb_batch_len(seq, n, b);

		rb_fill(buf, size, s->id, seq, m);
		while (RB_CAPACITY - (tail - cached) < m) {
			/* Pairs with the consumer's release store of head. */
			cached = atomic_load_explicit(&f->head, memory_order_acquire);
			if (RB_CAPACITY - (tail - cached) < m) {
				s->waits++;
				rb_relax();
			}
		}
		copy(f, tail, buf, m, size, 1);
		tail += m;
		/* Pairs with the consumer's acquire load of tail. */
		atomic_store_explicit(&f->tail, tail, memory_order_release);
	}
	return 0;
}

/* Items ready after @head, re-reading the producer's tail when short of @want. */
static inline uint64_t ready(struct floor_ring *f, uint64_t head, uint64_t *cached, unsigned want)
{
	if (*cached - head < want)
		/* Pairs with the producer's release store of tail. */
		*cached = atomic_load_explicit(&f->tail, memory_order_acquire);
	return *cached - head;
}

static int floor_consume(struct rb_side *s, struct rb_sum *got)
{
	_Alignas(64) uint64_t buf[RB_MAX_BATCH * RB_REC_WORDS];
	struct floor_ring *f = s->handle;
	unsigned b = s->job->cfg->batch, size = s->job->cfg->size;
	uint64_t head = 0, cached = 0; /* ours; the producer's as last read */

	for (;;) {
		uint64_t have = ready(f, head, &cached, b);
		unsigned k = have < b ? (unsigned)have : b;

		if (k == 0) {
			/* Every producer is done: tail is final. */
			if (rb_producers_done(s) && ready(f, head, &cached, 1) == 0)
				return 0;
			s->waits++;
			rb_relax();
			continue;
		}
		copy(f, head, buf, k, size, 0);
		head += k;
		/* Pairs with the producer's acquire load of head. */
		atomic_store_explicit(&f->head, head, memory_order_release);
		rb_sum_add(got, buf, size, k);
	}
}

const struct rb_impl_ops rb_floor_ops = {
    .setup = floor_setup,
    .attach = floor_attach,
    .produce = floor_produce,
    .consume = floor_consume,
    .teardown = rb_unmap_shared,
};
