/* SPDX-License-Identifier: MIT */
/*
 * ConcurrencyKit's ck_ring (Debian's libck-dev) as the reference: the
 * struct ck_ring and its slot array in one MAP_SHARED anonymous mapping
 * made before fork. SPSC configurations use ck_ring_enqueue_spsc /
 * dequeue_spsc, multi configurations ck_ring_enqueue_mpmc / dequeue_mpmc.
 * 8-byte items go through the pointer interface (a void * per slot, the
 * item's bits as the pointer); 64-byte records through the typed interface
 * CK_RING_PROTOTYPE(rb_rec, rb_rec). ck_ring has no batch call: a "batch" of
 * 32 is 32 single-item calls in a loop, so the comparison is per item.
 * Full or empty: IMPL_CK retries after one PAUSE (ck_pr_stall), IMPL_CK_YIELD
 * after sched_yield(). Consumers stop when every producer has finished and
 * the ring is empty.
 */
#include <sched.h>
#include <stdatomic.h>

#include <ck_ring.h> /* a SYSTEM include directory (CMakeLists.txt): not held to our warnings */

#include "ring_bench.h"
#include "ring_items.h"

CK_RING_PROTOTYPE(rb_rec, rb_rec)

#define SLOTS_OFFSET 256u /* the struct ck_ring (3 lines) rounded up */

_Static_assert(sizeof(struct ck_ring) <= SLOTS_OFFSET, "ck_ring header");
_Static_assert(sizeof(struct ck_ring_buffer) == 8, "pointer slots");
_Static_assert(sizeof(struct rb_rec) == 64, "record slots");

/* Which ck_ring calls a side uses. */
enum ck_kind { SPSC8, SPSC64, MPMC8, MPMC64 };

struct ck_side {
	struct ck_ring *ring;
	void *slots;
	enum ck_kind kind;
	int yield;
};

static int ck_setup(struct rb_job *j)
{
	int rc = rb_map_shared(j, SLOTS_OFFSET + (size_t)RB_CAPACITY * j->cfg->size);

	if (rc == 0)
		ck_ring_init(j->mem, RB_CAPACITY);
	return rc;
}

static struct ck_side side_of(const struct rb_side *s)
{
	const struct rb_job *j = s->job;

	return (struct ck_side){
	    .ring = j->mem,
	    .slots = (uint8_t *)j->mem + SLOTS_OFFSET,
	    .kind = (j->cfg->multi ? MPMC8 : SPSC8) + (j->cfg->size == 64),
	    .yield = j->impl == IMPL_CK_YIELD,
	};
}

static int ck_attach(struct rb_side *s)
{
	(void)s;
	return 0;
}

static inline bool ck_put(const struct ck_side *c, const void *item)
{
	switch (c->kind) {
	case SPSC8:
		return ck_ring_enqueue_spsc(c->ring, c->slots, (void *)*(const uintptr_t *)item);
	case SPSC64:
		return ck_ring_enqueue_spsc_rb_rec(c->ring, c->slots, (struct rb_rec *)item);
	case MPMC8:
		return ck_ring_enqueue_mpmc(c->ring, c->slots, (void *)*(const uintptr_t *)item);
	default:
		return ck_ring_enqueue_mpmc_rb_rec(c->ring, c->slots, (struct rb_rec *)item);
	}
}

static inline bool ck_get(const struct ck_side *c, void *item)
{
	switch (c->kind) {
	case SPSC8:
		return ck_ring_dequeue_spsc(c->ring, c->slots, item);
	case SPSC64:
		return ck_ring_dequeue_spsc_rb_rec(c->ring, c->slots, item);
	case MPMC8:
		return ck_ring_dequeue_mpmc(c->ring, c->slots, item);
	default:
		return ck_ring_dequeue_mpmc_rb_rec(c->ring, c->slots, item);
	}
}

static void ck_wait(const struct ck_side *c, struct rb_side *s)
{
	s->waits++;
	if (c->yield)
		sched_yield();
	else
		rb_relax();
}

static int ck_produce(struct rb_side *s, uint64_t n)
{
	_Alignas(64) uint64_t buf[RB_MAX_BATCH * RB_REC_WORDS];
	struct ck_side c = side_of(s);
	unsigned b = s->job->cfg->batch, size = s->job->cfg->size;

	for (uint64_t seq = 0; seq < n; seq += b) {
		unsigned m = rb_batch_len(seq, n, b);

		rb_fill(buf, size, s->id, seq, m);
		for (unsigned k = 0; k < m; k++)
			while (!ck_put(&c, (const uint8_t *)buf + (size_t)k * size))
				ck_wait(&c, s);
	}
	return 0;
}

static int ck_consume(struct rb_side *s, struct rb_sum *got)
{
	_Alignas(64) uint64_t buf[RB_MAX_BATCH * RB_REC_WORDS];
	struct ck_side c = side_of(s);
	unsigned b = s->job->cfg->batch, size = s->job->cfg->size;

	for (;;) {
		unsigned k = 0;

		while (k < b && ck_get(&c, (uint8_t *)buf + (size_t)k * size))
			k++;
		if (k > 0) {
			rb_sum_add(got, buf, size, k);
			continue;
		}
		/* Every producer is done: what is still in the ring is all there is. */
		if (rb_producers_done(s)) {
			if (!ck_get(&c, buf))
				return 0;
			rb_sum_add(got, buf, size, 1);
			continue;
		}
		ck_wait(&c, s);
	}
}

const struct rb_impl_ops rb_ck_ops = {
    .setup = ck_setup,
    .attach = ck_attach,
    .produce = ck_produce,
    .consume = ck_consume,
    .teardown = rb_unmap_shared,
};
