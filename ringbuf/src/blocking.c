/* SPDX-License-Identifier: MIT */
/*
 * Blocking enqueue and dequeue: try, then sleep (wait.c) in slices; between
 * slices, notice a closed ring, dead peers (-EPIPE), and claims left
 * unpublished by dead multi-side peers (reaped so the ring moves again).
 */
#include <errno.h>

#include "ring_internal.h"

static bool is_closed(const struct tshm_ring *r)
{
	/* Pairs with the release store in tshm_ring_close(). */
	return tshm_ring_load32(&r->sh->wait.closed, memory_order_acquire) != 0;
}

static bool has_data(struct tshm_ring *r)
{
	uint64_t head = r->flags & TSHM_RING_MC
			    ? tshm_ring_load64(&r->sh->cons.head.v, memory_order_relaxed)
			    : r->local;

	/* Pairs with producers' release store of prod.tail.v. */
	return (int64_t)(tshm_ring_load64(&r->sh->prod.tail.v, memory_order_acquire) - head) > 0 ||
	       is_closed(r);
}

static bool has_room(struct tshm_ring *r)
{
	uint64_t head = r->flags & TSHM_RING_MP
			    ? tshm_ring_load64(&r->sh->prod.head.v, memory_order_relaxed)
			    : r->local;

	/* Pairs with consumers' release store of cons.tail.v. */
	return head - tshm_ring_load64(&r->sh->cons.tail.v, memory_order_acquire) < r->cap ||
	       is_closed(r);
}

/* Every peer of @role that ever attached is gone. */
static bool side_gone(struct tshm_ring *r, unsigned role)
{
	uint32_t *seen = role == TSHM_RING_PRODUCER ? &r->sh->wait.producers_seen
						    : &r->sh->wait.consumers_seen;

	return tshm_ring_load32(seen, memory_order_relaxed) > 0 &&
	       tshm__ring_live_peers(r, role) == 0;
}

/* A multi side stalled behind an unpublished claim: reap it if its owner died. */
static void unstall(struct tshm_ring *r, unsigned role)
{
	struct ring_side *s = role == TSHM_RING_PRODUCER ? &r->sh->prod : &r->sh->cons;
	unsigned multi = role == TSHM_RING_PRODUCER ? TSHM_RING_MP : TSHM_RING_MC;
	uint64_t t = tshm_ring_load64(&s->tail.v, memory_order_acquire);

	if ((r->flags & multi) && tshm_ring_load64(&s->head.v, memory_order_acquire) != t)
		tshm__ring_reap(r, role, t);
}

/* Nothing to wait for, or no bound on the wait: refuse before touching the ring. */
static int bad_args(unsigned n, int64_t timeout_ns)
{
	return n == 0 || timeout_ns < 0 ? -EINVAL : 0;
}

int tshm_ring_dequeue_wait(struct tshm_ring *r, void *msgs, unsigned n, int64_t timeout_ns)
{
	int64_t deadline = tshm__ring_now() + timeout_ns;
	int rc = bad_args(n, timeout_ns);

	if (rc < 0)
		return rc;
	while (rc == 0) {
		rc = tshm_ring_dequeue_burst(r, msgs, n);
		if (rc != 0)
			return rc;
		if (is_closed(r)) /* drained after the close: end of stream */
			return tshm_ring_dequeue_burst(r, msgs, n);
		rc = tshm__ring_sleep(r, &r->sh->wait.data, has_data, deadline);
		if (rc == 0 && !has_data(r)) {
			unstall(r, TSHM_RING_PRODUCER);
			if (side_gone(r, TSHM_RING_PRODUCER) && !has_data(r))
				rc = -EPIPE;
		}
	}
	/* Timed out or the producers died: take whatever arrived meanwhile. */
	int last = tshm_ring_dequeue_burst(r, msgs, n);
	return last != 0 ? last : rc;
}

int tshm_ring_enqueue_wait(struct tshm_ring *r, const void *msgs, unsigned n, int64_t timeout_ns)
{
	int64_t deadline = tshm__ring_now() + timeout_ns;
	int rc = bad_args(n, timeout_ns);

	if (rc < 0)
		return rc;
	while (rc == 0) {
		rc = tshm_ring_enqueue_burst(r, msgs, n);
		if (rc != 0)
			return rc;
		rc = tshm__ring_sleep(r, &r->sh->wait.space, has_room, deadline);
		if (rc == 0 && !has_room(r)) {
			unstall(r, TSHM_RING_CONSUMER);
			if (side_gone(r, TSHM_RING_CONSUMER))
				rc = -EPIPE;
		}
	}
	return rc;
}
