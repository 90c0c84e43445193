/* SPDX-License-Identifier: MIT */
/* Private to ringbuf: the shared layout (RING.md) and the handle. */
#ifndef TSHM_RING_INTERNAL_H
#define TSHM_RING_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "tickshm/ring.h"
#include "tickshm/segment.h"

#define RING_MAGIC UINT64_C(0x31474e524d485354) /* "TSHMRNG1" */
#define RING_VERSION 1u
#define RING_LINE 64u

/* Lines 0-1: constants, written once by init. */
struct ring_hdr {
	uint64_t magic; /* stored last by init */
	uint32_t version;
	uint32_t flags;	    /* TSHM_RING_MP | TSHM_RING_MC */
	uint32_t capacity;  /* power of two */
	uint32_t msg_size;  /* bytes of one message */
	uint32_t stride;    /* bytes between slots: msg_size (slots are packed) */
	uint32_t max_peers; /* TSHM_RING_MAX_PEERS */
	uint64_t total_size;
	uint64_t peers_offset;
	uint64_t dead_offset; /* MP: uint64_t[capacity]; 0 otherwise */
	uint64_t slots_offset;
	uint64_t start_index;
	uint8_t reserved[56];
};

/* A 64-bit index alone on its cache line. */
struct ring_line64 {
	uint64_t v;
	uint8_t pad[56];
};

/*
 * One side's indices; only that side writes them. head and tail sit on
 * separate lines: a multi side's claim CAS on head must not steal the line
 * the other side polls for tail.
 */
struct ring_side {
	struct ring_line64 head; /* MP/MC: next index to claim (CAS); unused by SP/SC */
	struct ring_line64 tail; /* all before it is published (producer) or freed (consumer) */
};

/*
 * One direction's sleep/wake state: consumers sleep on `data` (woken by
 * producers), producers on `space` (woken by consumers).
 */
struct ring_waitq {
	uint32_t futex;	  /* bumped by the waker */
	uint32_t waiters; /* sleepers asleep or about to be */
	uint32_t armed;	  /* set by each sleeper, taken by the one waker that wakes */
	uint32_t reserved;
};

/* Sleep/wake state: written only on the sleeping and closing paths, so the
 * fast path's check of the waiter counts reads a line that stays cached. */
struct ring_wait {
	struct ring_waitq data;
	struct ring_waitq space;
	uint32_t closed;
	uint32_t producers_seen; /* attached at least once: EPIPE needs a peer that was there */
	uint32_t consumers_seen;
	uint32_t dead_marks; /* reaps of producer claims so far: 0 lets consumers skip dead[] */
	uint8_t pad[16];
};

enum { PEER_FREE = 0, PEER_CLAIMING = 1, PEER_ACTIVE = 2 };

/* One attached handle, a line each. claim_* describe the range a multi-
 * producer (or -consumer) handle has claimed and not yet published, so a
 * peer stalled behind it can tell whether its owner died. */
struct ring_peer {
	uint32_t state; /* PEER_* (atomic) */
	uint32_t role;	/* TSHM_RING_PRODUCER / TSHM_RING_CONSUMER */
	uint32_t pid;
	uint32_t claim_n;
	uint64_t start_time; /* /proc/<pid>/stat starttime: survives pid reuse */
	uint64_t claim_head;
	uint64_t claim_active; /* atomic: 1 while [claim_head, +claim_n) is held */
	uint8_t pad[24];
};

struct ring_shared {
	struct ring_hdr hdr;   /* lines 0-1 */
	struct ring_side prod; /* lines 2-3 */
	uint8_t guard1[RING_LINE];
	struct ring_side cons; /* lines 5-6 */
	uint8_t guard2[RING_LINE];
	struct ring_wait wait; /* line 8 */
	uint8_t guard3[RING_LINE];
	struct ring_peer peers[TSHM_RING_MAX_PEERS]; /* lines 10-41 */
};

_Static_assert(sizeof(struct ring_hdr) == 2 * RING_LINE, "ring header");
_Static_assert(sizeof(struct ring_side) == 2 * RING_LINE, "ring side");
_Static_assert(sizeof(struct ring_wait) == RING_LINE, "ring wait");
_Static_assert(sizeof(struct ring_peer) == RING_LINE, "ring peer");
_Static_assert(__builtin_offsetof(struct ring_shared, prod) == 2 * RING_LINE, "prod line");
_Static_assert(__builtin_offsetof(struct ring_shared, cons) == 5 * RING_LINE, "cons lines");
_Static_assert(__builtin_offsetof(struct ring_shared, wait) == 8 * RING_LINE, "wait line");
_Static_assert(__builtin_offsetof(struct ring_shared, peers) == 10 * RING_LINE, "peers");

/* The per-process handle. */
struct tshm_ring {
	struct ring_shared *sh;
	uint8_t *slots;
	uint64_t *dead; /* MP: dead[i & mask] == i marks index i as reaped */
	uint32_t cap, mask, stride, msg_size, flags;
	unsigned role;
	int peer; /* our entry in sh->peers */
	/* SP producer: next index to write; SC consumer: next index to read. */
	uint64_t local;
	/* The other side's index as last read: producers cache cons.tail,
	 * consumers prod.tail; re-read only when they run out. */
	uint64_t cached;
	/* Pending zero-copy claim (reserve or peek). */
	int zc_active;
	uint64_t zc_head;  /* first index claimed */
	uint32_t zc_skip;  /* dead slots before the messages handed out */
	uint32_t zc_n;	   /* messages handed out */
	uint32_t zc_total; /* indices claimed: skip + n (+ unused, MP reserve) */
	struct tshm_ring_stats st;
	int64_t slice_ns;	 /* longest single futex sleep (tshm_ring_set_sleep_slice) */
	struct tshm_segment seg; /* named rings: the mapping */
};

/* Default sleep slice: how often a blocked call rechecks peers and close. */
#define TSHM__RING_SLICE_NS INT64_C(10000000)

#define tshm_ring_load64(p, mo) atomic_load_explicit((_Atomic uint64_t *)(uintptr_t)(p), (mo))
#define tshm_ring_store64(p, v, mo)                                                                \
	atomic_store_explicit((_Atomic uint64_t *)(uintptr_t)(p), (v), (mo))
#define tshm_ring_load32(p, mo) atomic_load_explicit((_Atomic uint32_t *)(uintptr_t)(p), (mo))
#define tshm_ring_store32(p, v, mo)                                                                \
	atomic_store_explicit((_Atomic uint32_t *)(uintptr_t)(p), (v), (mo))

static inline void tshm_ring_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* peers.c */
int tshm__ring_register(struct tshm_ring *r, unsigned role);
void tshm__ring_unregister(struct tshm_ring *r);
bool tshm__ring_peer_alive(const struct ring_peer *p);
int tshm__ring_live_peers(struct tshm_ring *r, unsigned role);
bool tshm__ring_reap(struct tshm_ring *r, unsigned role, uint64_t t);

/* wait.c */
void tshm__ring_wake(struct tshm_ring *r, struct ring_waitq *q);
int64_t tshm__ring_now(void);
int tshm__ring_sleep(struct tshm_ring *r, struct ring_waitq *q, bool (*ready)(struct tshm_ring *),
		     int64_t deadline);
void tshm__ring_wait_turn(struct tshm_ring *r, struct ring_side *side, uint64_t head,
			  unsigned role);

#endif
