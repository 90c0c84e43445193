/* SPDX-License-Identifier: MIT */
/*
 * Who is attached to a ring, whether they are still alive, and reclaiming
 * what a dead multi-producer or -consumer left claimed.
 *
 * A peer is its pid plus the process start time from /proc/<pid>/stat, so
 * a pid reused by another process is not mistaken for the peer. A zombie
 * counts as dead: it will never touch the ring again.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ring_internal.h"

/* State letter and start time (field 22) of @pid; -1 if it is gone. */
static int proc_stat(pid_t pid, char *state, uint64_t *start)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: skip to the last ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%c", state) != 1)
		return -1;
	/* p is at the end of field 2; each step moves to the next field's
	 * leading space, so after 20 steps p + 1 is field 22. */
	for (int field = 2; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -1;
	}
	*start = strtoull(p + 1, NULL, 10);
	return 0;
}

bool tshm__ring_peer_alive(const struct ring_peer *p)
{
	pid_t pid = (pid_t)p->pid;
	uint64_t start;
	char state;

	if (pid == getpid())
		return true;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return false;
	if (proc_stat(pid, &state, &start) < 0)
		return false;
	return state != 'Z' && state != 'X' && start == p->start_time;
}

/*
 * A dead peer's claim record still matters only while its side's tail has
 * not passed the claim's start: claims complete in order, so a tail beyond
 * it means the claim was published (or reaped) and the entry can be reused.
 */
static bool claim_pending(const struct ring_shared *sh, const struct ring_peer *p)
{
	const struct ring_side *side = p->role == TSHM_RING_PRODUCER ? &sh->prod : &sh->cons;

	if (!tshm_ring_load64(&p->claim_active, memory_order_acquire))
		return false;
	return (int64_t)(tshm_ring_load64(&side->tail.v, memory_order_acquire) -
			 tshm_ring_load64(&p->claim_head, memory_order_relaxed)) <= 0;
}

/* Take a free entry, or one whose holder died without a claim pending. */
static int take_entry(struct ring_shared *sh)
{
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < TSHM_RING_MAX_PEERS; i++) {
			struct ring_peer *p = &sh->peers[i];
			uint32_t want = pass ? PEER_ACTIVE : PEER_FREE;
			_Atomic uint32_t *state = (_Atomic uint32_t *)&p->state;

			if (atomic_load_explicit(state, memory_order_acquire) != want)
				continue;
			if (pass && (tshm__ring_peer_alive(p) || claim_pending(sh, p)))
				continue;
			/* CAS: two attachers may race for one entry. */
			if (atomic_compare_exchange_strong_explicit(state, &want, PEER_CLAIMING,
								    memory_order_acq_rel,
								    memory_order_relaxed))
				return (int)i;
		}
	}
	return -EBUSY;
}

/* An SP ring takes one producer, an SC ring one consumer, while it lives. */
static bool role_taken(const struct tshm_ring *r, unsigned role, int self)
{
	unsigned multi = role == TSHM_RING_PRODUCER ? TSHM_RING_MP : TSHM_RING_MC;

	if (r->flags & multi)
		return false;
	for (unsigned i = 0; i < TSHM_RING_MAX_PEERS; i++) {
		const struct ring_peer *p = &r->sh->peers[i];

		if ((int)i != self &&
		    tshm_ring_load32(&p->state, memory_order_acquire) == PEER_ACTIVE &&
		    p->role == role && tshm__ring_peer_alive(p))
			return true;
	}
	return false;
}

int tshm__ring_register(struct tshm_ring *r, unsigned role)
{
	struct ring_peer *p;
	char state;
	int i = take_entry(r->sh);

	if (i < 0)
		return i;
	p = &r->sh->peers[i];
	p->role = role;
	p->pid = (uint32_t)getpid();
	p->claim_n = 0;
	tshm_ring_store64(&p->claim_active, 0, memory_order_relaxed);
	if (proc_stat(getpid(), &state, &p->start_time) < 0)
		p->start_time = 0;
	/* Publishes the fields above; pairs with the acquire loads of state. */
	tshm_ring_store32(&p->state, PEER_ACTIVE, memory_order_release);
	if (role_taken(r, role, i)) {
		tshm_ring_store32(&p->state, PEER_FREE, memory_order_release);
		return -EBUSY;
	}
	atomic_fetch_add_explicit(role == TSHM_RING_PRODUCER
				      ? (_Atomic uint32_t *)&r->sh->wait.producers_seen
				      : (_Atomic uint32_t *)&r->sh->wait.consumers_seen,
				  1, memory_order_relaxed);
	r->peer = i;
	return 0;
}

void tshm__ring_unregister(struct tshm_ring *r)
{
	struct ring_peer *p = &r->sh->peers[r->peer];

	tshm_ring_store32(&p->state, PEER_FREE, memory_order_release);
}

int tshm__ring_live_peers(struct tshm_ring *r, unsigned role)
{
	int n = 0;

	for (unsigned i = 0; i < TSHM_RING_MAX_PEERS; i++) {
		const struct ring_peer *p = &r->sh->peers[i];

		if (tshm_ring_load32(&p->state, memory_order_acquire) == PEER_ACTIVE &&
		    p->role == role && tshm__ring_peer_alive(p))
			n++;
	}
	return n;
}

/*
 * Among dead claimants of index @t, the claim length: the one that ends at
 * the side's head or where another claim begins. Two dead claimants of one
 * index need a producer to die right after losing the race for it to
 * another that then also died; this picks the claim that fits.
 */
static uint32_t pick_len(const struct ring_shared *sh, const struct ring_side *side,
			 const uint32_t *len, int n, unsigned role)
{
	uint64_t head = tshm_ring_load64(&side->head.v, memory_order_acquire);
	uint64_t t = tshm_ring_load64(&side->tail.v, memory_order_acquire);

	for (int k = 0; k < n; k++) {
		if (t + len[k] == head)
			return len[k];
		for (unsigned i = 0; i < TSHM_RING_MAX_PEERS; i++) {
			const struct ring_peer *p = &sh->peers[i];
			if (p->role == role &&
			    tshm_ring_load64(&p->claim_active, memory_order_acquire) &&
			    tshm_ring_load64(&p->claim_head, memory_order_relaxed) == t + len[k])
				return len[k];
		}
	}
	return len[0];
}

/*
 * A side of a multi ring is stalled at tail @t: the claim starting there is
 * unpublished. If every peer claiming it is dead, release it: producers'
 * slots are marked dead for consumers to skip, consumers' slots are freed.
 * Returns whether the tail moved.
 */
bool tshm__ring_reap(struct tshm_ring *r, unsigned role, uint64_t t)
{
	struct ring_side *side = role == TSHM_RING_PRODUCER ? &r->sh->prod : &r->sh->cons;
	uint32_t len[TSHM_RING_MAX_PEERS];
	int who[TSHM_RING_MAX_PEERS], n = 0;
	uint32_t take;

	/* Acquire the head: every claim's CAS is a release, so the claim
	 * records written before it are visible from here on. */
	(void)tshm_ring_load64(&side->head.v, memory_order_acquire);
	for (unsigned i = 0; i < TSHM_RING_MAX_PEERS; i++) {
		struct ring_peer *p = &r->sh->peers[i];

		if (p->role != role ||
		    tshm_ring_load64(&p->claim_active, memory_order_acquire) != 1 ||
		    tshm_ring_load64(&p->claim_head, memory_order_relaxed) != t)
			continue;
		if (tshm__ring_peer_alive(p))
			return false; /* its owner may be alive: wait for it */
		len[n] = tshm_ring_load32(&p->claim_n, memory_order_relaxed);
		who[n++] = (int)i;
	}
	if (n == 0 || tshm_ring_load64(&side->tail.v, memory_order_acquire) != t)
		return false;
	take = pick_len(r->sh, side, len, n, role);
	/* One reaper per claim: whoever moves the chosen claimant's record from
	 * 1 to 2 marks and advances; a late second reaper could otherwise write
	 * marks after the tail moved on. The claimant is dead: only reapers
	 * touch its record now. */
	uint64_t one = 1;
	int k0 = 0;
	while (k0 < n - 1 && len[k0] != take)
		k0++;
	if (!atomic_compare_exchange_strong_explicit(
		(_Atomic uint64_t *)&r->sh->peers[who[k0]].claim_active, &one, 2,
		memory_order_acq_rel, memory_order_relaxed))
		return false;
	if (tshm_ring_load64(&side->tail.v, memory_order_acquire) != t) {
		tshm_ring_store64(&r->sh->peers[who[k0]].claim_active, 1, memory_order_release);
		return false;
	}
	if (role == TSHM_RING_PRODUCER) /* consumers check marks only once there are any */
		atomic_fetch_add_explicit((_Atomic uint32_t *)&r->sh->wait.dead_marks, 1,
					  memory_order_release);
	if (role == TSHM_RING_PRODUCER)
		for (uint64_t k = t; k != t + take; k++)
			tshm_ring_store64(&r->dead[k & r->mask], k, memory_order_relaxed);
	/* Release: the dead marks above are visible to whoever acquires the tail. */
	uint64_t expect = t;
	if (!atomic_compare_exchange_strong_explicit((_Atomic uint64_t *)&side->tail.v, &expect,
						     t + take, memory_order_acq_rel,
						     memory_order_relaxed))
		return false;
	for (int k = 0; k < n; k++)
		tshm_ring_store64(&r->sh->peers[who[k]].claim_active, 0, memory_order_release);
	r->st.reaped += take;
	return true;
}
