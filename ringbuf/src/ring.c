/* SPDX-License-Identifier: MIT */
/* Ring layout: sizing, initialisation, named segments, attach/detach. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ring_internal.h"

#define MAX_CAPACITY (1u << 30)

static uint64_t align_line(uint64_t x)
{
	return (x + RING_LINE - 1) & ~(uint64_t)(RING_LINE - 1);
}

static int check_params(const struct tshm_ring_params *p)
{
	if (!p || p->reserved || (p->flags & ~(TSHM_RING_MP | TSHM_RING_MC)))
		return -EINVAL;
	if (p->capacity < 2 || p->capacity > MAX_CAPACITY || (p->capacity & (p->capacity - 1)))
		return -EINVAL;
	if (p->slot_size == 0 || p->slot_size > TSHM_RING_MAX_SLOT)
		return -EINVAL;
	return 0;
}

/* Offsets of the parts of a ring with @p; returns the total size. */
static uint64_t plan(const struct tshm_ring_params *p, uint64_t *dead, uint64_t *slots)
{
	uint64_t stride = p->slot_size;
	uint64_t off = sizeof(struct ring_shared);

	*dead = 0;
	if (p->flags & TSHM_RING_MP) {
		*dead = off;
		off = align_line(off + (uint64_t)p->capacity * 8);
	}
	*slots = off;
	return align_line(off + (uint64_t)p->capacity * stride);
}

int tshm_ring_mem_size(const struct tshm_ring_params *p, size_t *size)
{
	uint64_t dead, slots;
	int rc = check_params(p);

	if (rc < 0)
		return rc;
	*size = (size_t)plan(p, &dead, &slots);
	return 0;
}

/* The first index >= start landing on slot @i, minus one lap: a value no
 * index will have while the slot is in use, so dead[] needs no clearing. */
static uint64_t never_dead(uint64_t start, uint32_t i, uint32_t mask)
{
	return start + ((i - start) & mask) - (uint64_t)mask - 1;
}

int tshm_ring_init_mem(void *mem, size_t size, const struct tshm_ring_params *p)
{
	struct ring_shared *sh = mem;
	uint64_t dead, slots, total;
	int rc = check_params(p);

	if (rc < 0)
		return rc;
	total = plan(p, &dead, &slots);
	if (!mem || (uintptr_t)mem % RING_LINE || size < total)
		return -EINVAL;
	memset(sh, 0, sizeof(*sh));
	sh->hdr.version = RING_VERSION;
	sh->hdr.flags = p->flags;
	sh->hdr.capacity = p->capacity;
	sh->hdr.msg_size = p->slot_size;
	sh->hdr.stride = p->slot_size; /* packed: zero-copy users index by slot_size */
	sh->hdr.max_peers = TSHM_RING_MAX_PEERS;
	sh->hdr.total_size = total;
	sh->hdr.peers_offset = __builtin_offsetof(struct ring_shared, peers);
	sh->hdr.dead_offset = dead;
	sh->hdr.slots_offset = slots;
	sh->hdr.start_index = p->start_index;
	sh->prod.head.v = sh->prod.tail.v = p->start_index;
	sh->cons.head.v = sh->cons.tail.v = p->start_index;
	for (uint32_t i = 0; dead && i < p->capacity; i++)
		((uint64_t *)((uint8_t *)mem + dead))[i] = never_dead(p->start_index, i,
								      p->capacity - 1);
	/* Openers check the magic first: store it last. Pairs with the
	 * acquire load in validate(). */
	tshm_ring_store64(&sh->hdr.magic, RING_MAGIC, memory_order_release);
	return 0;
}

/* Like libshm's attach validation: every field against the mapping size. */
static int validate(const struct ring_shared *sh, size_t size)
{
	struct tshm_ring_params p;
	uint64_t dead, slots;

	if (size < sizeof(*sh))
		return -TSHM_ECORRUPT;
	if (tshm_ring_load64(&sh->hdr.magic, memory_order_acquire) != RING_MAGIC)
		return sh->hdr.magic == 0 ? -TSHM_EINCOMPLETE : -TSHM_ECORRUPT;
	if (sh->hdr.version != RING_VERSION)
		return -TSHM_EVERSION;
	p = (struct tshm_ring_params){
	    .capacity = sh->hdr.capacity, .slot_size = sh->hdr.msg_size, .flags = sh->hdr.flags};
	if (check_params(&p) < 0 || sh->hdr.stride != p.slot_size ||
	    sh->hdr.max_peers != TSHM_RING_MAX_PEERS)
		return -TSHM_ECORRUPT;
	if (sh->hdr.total_size != plan(&p, &dead, &slots) || sh->hdr.total_size > size ||
	    sh->hdr.dead_offset != dead || sh->hdr.slots_offset != slots ||
	    sh->hdr.peers_offset != __builtin_offsetof(struct ring_shared, peers))
		return -TSHM_ECORRUPT;
	return 0;
}

static int attach(struct tshm_ring *r, void *mem, size_t size, unsigned role)
{
	struct ring_shared *sh = mem;
	int rc;

	if (role != TSHM_RING_PRODUCER && role != TSHM_RING_CONSUMER)
		return -EINVAL;
	rc = validate(sh, size);
	if (rc < 0)
		return rc;
	r->sh = sh;
	r->cap = sh->hdr.capacity;
	r->mask = r->cap - 1;
	r->stride = sh->hdr.stride;
	r->msg_size = sh->hdr.msg_size;
	r->flags = sh->hdr.flags;
	r->role = role;
	r->slice_ns = TSHM__RING_SLICE_NS;
	r->slots = (uint8_t *)mem + sh->hdr.slots_offset;
	r->dead = sh->hdr.dead_offset ? (uint64_t *)((uint8_t *)mem + sh->hdr.dead_offset) : NULL;
	rc = tshm__ring_register(r, role);
	if (rc < 0)
		return rc;
	/* Pairs with the release stores publishing each side's tail. */
	if (role == TSHM_RING_PRODUCER) {
		r->local = tshm_ring_load64(&sh->prod.tail.v, memory_order_acquire);
		r->cached = tshm_ring_load64(&sh->cons.tail.v, memory_order_acquire);
	} else {
		r->local = tshm_ring_load64(&sh->cons.tail.v, memory_order_acquire);
		r->cached = tshm_ring_load64(&sh->prod.tail.v, memory_order_acquire);
	}
	return 0;
}

int tshm_ring_attach_mem(struct tshm_ring **out, void *mem, size_t size, unsigned role)
{
	struct tshm_ring *r = calloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->seg.fd = -1;
	rc = mem ? attach(r, mem, size, role) : -EINVAL;
	if (rc < 0) {
		free(r);
		return rc;
	}
	*out = r;
	return 0;
}

static int ring_name(char *buf, const char *ns, const char *name)
{
	char nsbuf[TSHM_NAMESPACE_MAX];
	int rc = 0;

	if (!ns) {
		rc = tshm_namespace(nsbuf, sizeof(nsbuf));
		ns = nsbuf;
	}
	return rc < 0 ? rc : tshm_name_ring(buf, TSHM_SEGNAME_MAX, ns, name);
}

int tshm_ring_create(const char *ns, const char *name, const struct tshm_ring_params *p)
{
	char seg_name[TSHM_SEGNAME_MAX];
	struct tshm_segment seg;
	size_t size;
	int rc = tshm_ring_mem_size(p, &size);

	if (rc == 0)
		rc = ring_name(seg_name, ns, name);
	if (rc == 0)
		rc = tshm_segment_create(&seg, seg_name, size);
	if (rc < 0)
		return rc;
	rc = tshm_ring_init_mem(seg.base, seg.size, p);
	if (rc == 0)
		rc = tshm_segment_seal(&seg, 0660); /* both sides write it */
	if (rc < 0)
		tshm_segment_unlink(seg_name);
	tshm_segment_close(&seg);
	return rc;
}

int tshm_ring_unlink(const char *ns, const char *name)
{
	char seg_name[TSHM_SEGNAME_MAX];
	int rc = ring_name(seg_name, ns, name);

	return rc < 0 ? rc : tshm_segment_unlink(seg_name);
}

int tshm_ring_open(struct tshm_ring **out, const char *ns, const char *name, unsigned role)
{
	char seg_name[TSHM_SEGNAME_MAX];
	struct tshm_ring *r;
	int rc;

	*out = NULL;
	rc = ring_name(seg_name, ns, name);
	if (rc < 0)
		return rc;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	rc = tshm_segment_open(&r->seg, seg_name, TSHM_SEG_RDWR);
	if (rc == 0)
		rc = attach(r, r->seg.base, r->seg.size, role);
	if (rc < 0) {
		tshm_segment_close(&r->seg);
		free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void tshm_ring_detach(struct tshm_ring *r)
{
	if (!r)
		return;
	/* A pending claim would stall multi-side peers forever (we are alive,
	 * so nobody reaps it): publish nothing of a reserve, and give back a
	 * peek (an MC peek is taken as read: its range is already claimed). */
	if (r->zc_active && r->role == TSHM_RING_PRODUCER)
		tshm_ring_commit(r, 0);
	else if (r->zc_active)
		tshm_ring_release(r, r->flags & TSHM_RING_MC ? r->zc_n : 0);
	tshm__ring_unregister(r);
	tshm_segment_close(&r->seg);
	free(r);
}

uint32_t tshm_ring_capacity(const struct tshm_ring *r)
{
	return r->cap;
}

uint32_t tshm_ring_slot_size(const struct tshm_ring *r)
{
	return r->msg_size;
}

uint64_t tshm_ring_count(const struct tshm_ring *r)
{
	/* Pairs with the release stores of both tails; a snapshot. */
	uint64_t c = tshm_ring_load64(&r->sh->cons.tail.v, memory_order_acquire);
	uint64_t p = tshm_ring_load64(&r->sh->prod.tail.v, memory_order_acquire);
	uint64_t n = p - c <= r->cap ? p - c : 0, live = n;

	/* Indices of reaped claims hold no message. */
	if (r->dead && tshm_ring_load32(&r->sh->wait.dead_marks, memory_order_acquire))
		for (uint64_t i = c; i != c + n; i++)
			live -= tshm_ring_load64(&r->dead[i & r->mask], memory_order_relaxed) == i;
	return live;
}

void tshm_ring_stats(const struct tshm_ring *r, struct tshm_ring_stats *out)
{
	*out = r->st;
}

int tshm_ring_set_sleep_slice(struct tshm_ring *r, int64_t slice_ns)
{
	if (slice_ns < TSHM_RING_SLICE_MIN_NS || slice_ns > TSHM_RING_SLICE_MAX_NS)
		return -EINVAL;
	r->slice_ns = slice_ns;
	return 0;
}
