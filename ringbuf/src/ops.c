/* SPDX-License-Identifier: MIT */
/*
 * The data path. Single-producer and single-consumer sides keep their index
 * in the handle and publish it with one release store per batch; multi
 * sides claim a range with a CAS on the shared head, fill or drain it, wait
 * for earlier claims to publish, then publish theirs (DPDK's MP/MC rings),
 * recording the claim first so a dead claimant can be reaped (peers.c).
 */
#include <errno.h>
#include <string.h>

#include "ring_internal.h"

static inline uint32_t min_u32(uint64_t a, uint64_t b)
{
	return (uint32_t)(a < b ? a : b);
}

static inline uint8_t *slot(const struct tshm_ring *r, uint64_t i)
{
	return r->slots + (size_t)(i & r->mask) * r->stride;
}

static bool closed(const struct tshm_ring *r)
{
	/* Pairs with the release store in tshm_ring_close(). */
	return tshm_ring_load32(&r->sh->wait.closed, memory_order_acquire) != 0;
}

/* ---- copying ---------------------------------------------------------------- */

static void copy_in(struct tshm_ring *r, uint64_t pos, const void *src, uint32_t n)
{
	const uint8_t *s = src;
	uint32_t i = (uint32_t)(pos & r->mask), first = min_u32(n, r->cap - i);

	if (r->stride == r->msg_size) {
		memcpy(slot(r, pos), s, (size_t)first * r->stride);
		memcpy(r->slots, s + (size_t)first * r->stride, (size_t)(n - first) * r->stride);
		return;
	}
	for (uint32_t k = 0; k < n; k++)
		memcpy(slot(r, pos + k), s + (size_t)k * r->msg_size, r->msg_size);
}

static bool is_dead(const struct tshm_ring *r, uint64_t i)
{
	return r->dead && tshm_ring_load64(&r->dead[i & r->mask], memory_order_relaxed) == i;
}

/* Has any claim of this MP ring been reaped (so dead[] must be read)? */
static bool marked(const struct tshm_ring *r)
{
	/* Pairs with the release increments in tshm__ring_reap() and mark_dead(). */
	return r->dead && tshm_ring_load32(&r->sh->wait.dead_marks, memory_order_acquire) != 0;
}

/* Copy out [pos, pos + n), skipping reaped slots; returns how many were live. */
static uint32_t copy_out(struct tshm_ring *r, uint64_t pos, void *dst, uint32_t n)
{
	uint8_t *d = dst;
	uint32_t got = 0;

	/* Reaps are rare: until the first, no slot needs checking. */
	if (!marked(r)) {
		uint32_t i = (uint32_t)(pos & r->mask), first = min_u32(n, r->cap - i);
		if (r->stride == r->msg_size) {
			memcpy(d, slot(r, pos), (size_t)first * r->stride);
			memcpy(d + (size_t)first * r->stride, r->slots,
			       (size_t)(n - first) * r->stride);
			return n;
		}
	}
	for (uint32_t k = 0; k < n; k++) {
		if (is_dead(r, pos + k))
			continue;
		memcpy(d + (size_t)got * r->msg_size, slot(r, pos + k), r->msg_size);
		got++;
	}
	return got;
}

/* ---- claims (multi sides) ---------------------------------------------------- */

static struct ring_peer *me(const struct tshm_ring *r)
{
	return &r->sh->peers[r->peer];
}

/* Record [head, head + n) as ours before the CAS that takes it. */
static void claim_note(struct tshm_ring *r, uint64_t head, uint32_t n)
{
	struct ring_peer *p = me(r);

	tshm_ring_store32(&p->claim_n, n, memory_order_relaxed);
	tshm_ring_store64(&p->claim_head, head, memory_order_relaxed);
	/* Pairs with the acquire load in tshm__ring_reap(); the claim's CAS
	 * (a release) orders these before the head moves. */
	tshm_ring_store64(&p->claim_active, 1, memory_order_release);
}

static void claim_done(struct tshm_ring *r)
{
	tshm_ring_store64(&me(r)->claim_active, 0, memory_order_release);
}

static bool claim(struct ring_side *side, uint64_t *head, uint32_t n)
{
	/* acq_rel: releases the claim note, acquires earlier claims. */
	return atomic_compare_exchange_weak_explicit((_Atomic uint64_t *)&side->head.v, head,
						     *head + n, memory_order_acq_rel,
						     memory_order_relaxed);
}

/* Publish a multi side's claim [head, head + n) in claim order. */
static void publish_turn(struct tshm_ring *r, struct ring_side *side, uint64_t head, uint32_t n,
			 unsigned role)
{
	tshm__ring_wait_turn(r, side, head, role);
	/* Pairs with the other side's acquire load of this tail. */
	tshm_ring_store64(&side->tail.v, head + n, memory_order_release);
	claim_done(r);
}

/* ---- room and data --------------------------------------------------------- */

/*
 * Free slots after @head, re-reading the consumers' tail only if short.
 * With several producers the shared head can be more than a lap ahead of
 * the tail this handle last saw: that is "no room known", not a wrap.
 */
static uint64_t room(struct tshm_ring *r, uint64_t head, uint32_t want)
{
	uint64_t used = head - r->cached;

	if (used > r->cap || r->cap - used < want) {
		/* Pairs with the consumers' release store of cons.tail.v. */
		r->cached = tshm_ring_load64(&r->sh->cons.tail.v, memory_order_acquire);
		used = head - r->cached;
	}
	return used > r->cap ? 0 : r->cap - used;
}

/* Committed messages after @head, re-reading the producers' tail only if short. */
static uint64_t avail(struct tshm_ring *r, uint64_t head, uint32_t want)
{
	if ((int64_t)(r->cached - head) < (int64_t)want)
		/* Pairs with the producers' release store (or reap CAS) of prod.tail.v. */
		r->cached = tshm_ring_load64(&r->sh->prod.tail.v, memory_order_acquire);
	return (int64_t)(r->cached - head) > 0 ? r->cached - head : 0;
}

static int check_role(const struct tshm_ring *r, unsigned role)
{
	if (r->role != role)
		return -EPERM;
	return r->zc_active ? -EINVAL : 0;
}

/* ---- enqueue ---------------------------------------------------------------- */

static int enqueue(struct tshm_ring *r, const void *msgs, unsigned n, bool bulk)
{
	uint64_t head;
	uint32_t k;
	int rc = check_role(r, TSHM_RING_PRODUCER);

	if (rc < 0)
		return rc;
	if (closed(r))
		return -EPIPE;
	if (!(r->flags & TSHM_RING_MP)) {
		head = r->local;
		k = min_u32(n, room(r, head, n));
	} else {
		head = tshm_ring_load64(&r->sh->prod.head.v, memory_order_relaxed);
		do {
			k = min_u32(n, room(r, head, n));
			if (k == 0 || (bulk && k < n))
				break;
			claim_note(r, head, k);
		} while (!claim(&r->sh->prod, &head, k));
	}
	if (k == 0 || (bulk && k < n)) {
		if (r->flags & TSHM_RING_MP)
			claim_done(r);
		r->st.full++;
		return 0;
	}
	copy_in(r, head, msgs, k);
	if (r->flags & TSHM_RING_MP) {
		publish_turn(r, &r->sh->prod, head, k, TSHM_RING_PRODUCER);
	} else {
		/* One release store publishes the batch; pairs with consumers' acquire. */
		tshm_ring_store64(&r->sh->prod.tail.v, head + k, memory_order_release);
		r->local = head + k;
	}
	r->st.messages += k;
	r->st.batches++;
	tshm__ring_wake(r, &r->sh->wait.data);
	return (int)k;
}

int tshm_ring_enqueue_burst(struct tshm_ring *r, const void *msgs, unsigned n)
{
	return enqueue(r, msgs, n, false);
}

int tshm_ring_enqueue_bulk(struct tshm_ring *r, const void *msgs, unsigned n)
{
	return enqueue(r, msgs, n, true);
}

/* ---- dequeue ---------------------------------------------------------------- */

/* Free consumed slots [head, head + n) and wake producers waiting for room. */
static void consumed(struct tshm_ring *r, uint64_t head, uint32_t n)
{
	if (r->flags & TSHM_RING_MC) {
		publish_turn(r, &r->sh->cons, head, n, TSHM_RING_CONSUMER);
	} else {
		/* Pairs with producers' acquire load of cons.tail.v in room(). */
		tshm_ring_store64(&r->sh->cons.tail.v, head + n, memory_order_release);
		r->local = head + n;
	}
	tshm__ring_wake(r, &r->sh->wait.space);
}

/*
 * Indices to claim from @head: up to @n for a burst; for a bulk, exactly
 * enough to cover @n live messages (dead indices between them included),
 * or 0 if fewer than @n are committed.
 */
static uint32_t take_count(struct tshm_ring *r, uint64_t head, unsigned n, bool bulk)
{
	uint64_t have = avail(r, head, n), k;
	uint32_t live = 0;

	if (!bulk)
		return min_u32(n, have);
	if (!marked(r))
		return have >= n ? n : 0;
	have = avail(r, head, UINT32_MAX); /* dead indices: look at all there is */
	for (k = 0; k < have && live < n; k++)
		live += !is_dead(r, head + k);
	return live == n ? (uint32_t)k : 0;
}

/* One attempt: claim committed indices, copy the live messages out. */
static int dequeue_once(struct tshm_ring *r, void *msgs, unsigned n, bool bulk, uint32_t *took)
{
	uint64_t head;
	uint32_t k, got;

	if (!(r->flags & TSHM_RING_MC)) {
		head = r->local;
		k = take_count(r, head, n, bulk);
	} else {
		head = tshm_ring_load64(&r->sh->cons.head.v, memory_order_relaxed);
		do {
			k = take_count(r, head, n, bulk);
			if (k == 0)
				break;
			claim_note(r, head, k);
		} while (!claim(&r->sh->cons, &head, k));
	}
	*took = k;
	if (k == 0) {
		if (r->flags & TSHM_RING_MC)
			claim_done(r);
		*took = 0;
		return 0;
	}
	got = copy_out(r, head, msgs, k);
	consumed(r, head, k);
	return (int)got;
}

static int dequeue(struct tshm_ring *r, void *msgs, unsigned n, bool bulk)
{
	int rc = check_role(r, TSHM_RING_CONSUMER);
	uint32_t took;

	if (rc < 0)
		return rc;
	/* Indices a dead producer left are consumed silently; try again after. */
	do
		rc = dequeue_once(r, msgs, n, bulk, &took);
	while (rc == 0 && took > 0);
	if (rc == 0) {
		r->st.empty++;
		return 0;
	}
	r->st.messages += (uint64_t)rc;
	r->st.batches++;
	return rc;
}

int tshm_ring_dequeue_burst(struct tshm_ring *r, void *msgs, unsigned n)
{
	return dequeue(r, msgs, n, false);
}

int tshm_ring_dequeue_bulk(struct tshm_ring *r, void *msgs, unsigned n)
{
	return dequeue(r, msgs, n, true);
}

/* ---- zero copy -------------------------------------------------------------- */

static void *zc_fail(unsigned *got, int *err, int rc)
{
	*got = 0;
	if (err)
		*err = rc;
	return NULL;
}

void *tshm_ring_reserve(struct tshm_ring *r, unsigned n, unsigned *got, int *err)
{
	uint64_t head;
	uint32_t k;
	int rc = check_role(r, TSHM_RING_PRODUCER);

	if (rc == 0 && closed(r))
		rc = -EPIPE;
	if (rc < 0)
		return zc_fail(got, err, rc);
	head = r->flags & TSHM_RING_MP ? tshm_ring_load64(&r->sh->prod.head.v, memory_order_relaxed)
				       : r->local;
	do {
		/* Contiguous: no further than the end of the slot array. */
		k = min_u32(min_u32(n, room(r, head, n)), r->cap - (head & r->mask));
		if (k == 0 || !(r->flags & TSHM_RING_MP))
			break;
		claim_note(r, head, k);
	} while (!claim(&r->sh->prod, &head, k));
	if (k == 0) {
		if (r->flags & TSHM_RING_MP)
			claim_done(r);
		r->st.full++;
		return zc_fail(got, err, 0);
	}
	r->zc_active = 1;
	r->zc_head = head;
	r->zc_skip = 0;
	r->zc_n = r->zc_total = k;
	*got = k;
	if (err)
		*err = 0;
	return slot(r, head);
}

/* Mark [from, to) dead so consumers skip the unused part of an MP claim. */
static void mark_dead(struct tshm_ring *r, uint64_t from, uint64_t to)
{
	if (from == to)
		return;
	for (uint64_t i = from; i != to; i++)
		tshm_ring_store64(&r->dead[i & r->mask], i, memory_order_relaxed);
	atomic_fetch_add_explicit((_Atomic uint32_t *)&r->sh->wait.dead_marks, 1,
				  memory_order_release);
}

int tshm_ring_commit(struct tshm_ring *r, unsigned n)
{
	if (r->role != TSHM_RING_PRODUCER || !r->zc_active || n > r->zc_n)
		return -EINVAL;
	r->zc_active = 0;
	if (r->flags & TSHM_RING_MP) {
		mark_dead(r, r->zc_head + n, r->zc_head + r->zc_total);
		publish_turn(r, &r->sh->prod, r->zc_head, r->zc_total, TSHM_RING_PRODUCER);
	} else if (n) {
		tshm_ring_store64(&r->sh->prod.tail.v, r->zc_head + n, memory_order_release);
		r->local = r->zc_head + n;
	}
	if (n) {
		r->st.messages += n;
		r->st.batches++;
	}
	tshm__ring_wake(r, &r->sh->wait.data);
	return (int)n;
}

/* Leading dead indices, then the live contiguous run, from @head. */
static void live_run(const struct tshm_ring *r, uint64_t head, uint64_t have, unsigned n,
		     uint32_t *skip, uint32_t *run)
{
	uint32_t d = 0, m = 0;

	while (d < have && is_dead(r, head + d))
		d++;
	while (d + m < have && m < n && ((head + d + m) & r->mask) >= ((head + d) & r->mask) &&
	       !is_dead(r, head + d + m))
		m++;
	*skip = d;
	*run = m;
}

const void *tshm_ring_peek(struct tshm_ring *r, unsigned n, unsigned *got, int *err)
{
	uint32_t skip, run;
	uint64_t head;
	int rc = check_role(r, TSHM_RING_CONSUMER);

	if (rc < 0)
		return zc_fail(got, err, rc);
	head = r->flags & TSHM_RING_MC ? tshm_ring_load64(&r->sh->cons.head.v, memory_order_relaxed)
				       : r->local;
	for (;;) {
		uint64_t have = avail(r, head, n ? n : 1);

		live_run(r, head, have, n, &skip, &run);
		if (skip + run == 0) {
			if (r->flags & TSHM_RING_MC)
				claim_done(r); /* a failed CAS may have left a note */
			r->st.empty++;
			return zc_fail(got, err, 0);
		}
		if (r->flags & TSHM_RING_MC) {
			claim_note(r, head, skip + run);
			if (!claim(&r->sh->cons, &head, skip + run))
				continue;
		}
		if (run > 0)
			break;
		consumed(r, head, skip); /* only dead indices: free them, look again */
		head += skip;
		if (r->flags & TSHM_RING_MC)
			head = tshm_ring_load64(&r->sh->cons.head.v, memory_order_relaxed);
	}
	r->zc_active = 1;
	r->zc_head = head;
	r->zc_skip = skip;
	r->zc_n = run;
	r->zc_total = skip + run;
	*got = run;
	if (err)
		*err = 0;
	return slot(r, head + skip);
}

int tshm_ring_release(struct tshm_ring *r, unsigned n)
{
	if (r->role != TSHM_RING_CONSUMER || !r->zc_active || n > r->zc_n ||
	    ((r->flags & TSHM_RING_MC) && n != r->zc_n))
		return -EINVAL;
	r->zc_active = 0;
	consumed(r, r->zc_head, r->zc_skip + n);
	if (n) {
		r->st.messages += n;
		r->st.batches++;
	}
	return (int)n;
}

/* ---- close ------------------------------------------------------------------ */

int tshm_ring_close(struct tshm_ring *r)
{
	struct ring_wait *w = &r->sh->wait;

	if (r->role != TSHM_RING_PRODUCER)
		return -EPERM;
	/* Pairs with the acquire load in closed(). */
	tshm_ring_store32(&w->closed, 1, memory_order_release);
	tshm__ring_wake(r, &w->data);
	tshm__ring_wake(r, &w->space);
	return 0;
}
