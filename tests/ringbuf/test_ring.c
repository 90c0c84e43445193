/* tshm-test-labels: unit;tsan */
/* SPDX-License-Identifier: MIT */
/*
 * The ring API, in one process (threads only, so it also runs under
 * ThreadSanitizer): parameter and role errors, burst/bulk semantics, odd
 * slot sizes, wrap-around of the free-running indices near 2^32 and 2^64,
 * zero-copy reserve/commit and peek/release, close, timeouts, counters, and
 * producers and consumers on threads checking every message.
 */
#include "ring_test.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* White box: the waiter counts show when a thread is really asleep. */
#include "../../ringbuf/src/ring_internal.h"

static const uint32_t all_flags[] = {0, TSHM_RING_MP, TSHM_RING_MC, TSHM_RING_MP | TSHM_RING_MC};
#define NFLAGS (sizeof(all_flags) / sizeof(all_flags[0]))

/* A ring in heap memory with one producer and one consumer attached. */
struct pair {
	void *mem;
	size_t size;
	struct tshm_ring *p, *c;
};

/* Pairs live in static storage, so a failed test's teardown can close them. */
static struct pair pairs[4];
static int pair_used[4];

static void pair_forget(struct pair *x)
{
	pair_used[x - pairs] = 0;
}

static struct pair *pair_open(uint32_t cap, uint32_t slot, uint32_t flags, uint64_t start)
{
	struct tshm_ring_params prm = {
	    .capacity = cap, .slot_size = slot, .flags = flags, .start_index = start};
	struct pair *x = NULL;

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]) && !x; i++)
		if (!pair_used[i]) {
			pair_used[i] = 1;
			x = &pairs[i];
		}
	assert_non_null(x);
	x->mem = rt_ring_mem(&prm, &x->size);
	TSHM_TEST_CHECK(tshm_ring_attach_mem(&x->p, x->mem, x->size, TSHM_RING_PRODUCER));
	TSHM_TEST_CHECK(tshm_ring_attach_mem(&x->c, x->mem, x->size, TSHM_RING_CONSUMER));
	return x;
}

static void pair_close(struct pair *x)
{
	pair_forget(x);
	tshm_ring_detach(x->p);
	tshm_ring_detach(x->c);
	free(x->mem);
	memset(x, 0, sizeof(*x));
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if (pair_used[i])
			pair_close(&pairs[i]);
	return 0;
}

static void fill(struct rt_msg *m, unsigned n, uint64_t first)
{
	for (unsigned i = 0; i < n; i++)
		rt_msg_make(&m[i], 7, first + i);
}

static void expect_msgs(const struct rt_msg *m, unsigned n, uint64_t first)
{
	for (unsigned i = 0; i < n; i++) {
		if (!rt_msg_ok(&m[i]) || m[i].producer != 7 || m[i].seq != first + i)
			fail_msg("message %u: seq %llu (want %llu), ok %d", i,
				 (unsigned long long)m[i].seq, (unsigned long long)(first + i),
				 rt_msg_ok(&m[i]));
	}
}

/* Enqueue messages @first .. @first + @n - 1 (@n <= 8) on @x, dequeue them intact. */
static void round_trip(struct pair *x, unsigned n, uint64_t first)
{
	struct rt_msg in[8], out[8];

	assert_true(n <= 8);
	fill(in, n, first);
	assert_int_equal(tshm_ring_enqueue_burst(x->p, in, n), (int)n);
	assert_int_equal(tshm_ring_dequeue_burst(x->c, out, n), (int)n);
	expect_msgs(out, n, first);
}

/* A peek of up to @n on consumer @c shows @want (> 0) messages from @first on. */
static void peek_expect(struct tshm_ring *c, unsigned n, unsigned want, uint64_t first)
{
	unsigned got = 99;
	int err = 99;
	const struct rt_msg *rd = tshm_ring_peek(c, n, &got, &err);

	assert_non_null(rd);
	assert_int_equal(err, 0);
	assert_int_equal(got, want);
	expect_msgs(rd, want, first);
}

/* Wait until someone counts as a waiter in @w (really about to sleep or asleep). */
static int wait_sleeper(uint32_t *w, int64_t timeout_ns)
{
	int64_t deadline = tshm_test_now_ns() + timeout_ns;

	while (tshm_test_now_ns() < deadline) {
		if (tshm_ring_load32(w, memory_order_acquire) > 0)
			return 1;
		sched_yield();
	}
	return 0;
}

/* enqueue_wait (@enqueue) or dequeue_wait of @n messages in @m on @r. */
static int ring_wait(struct tshm_ring *r, int enqueue, struct rt_msg *m, unsigned n,
		     int64_t timeout)
{
	return enqueue ? tshm_ring_enqueue_wait(r, m, n, timeout)
		       : tshm_ring_dequeue_wait(r, m, n, timeout);
}

/* A thread making one ring_wait() call. */
struct sleeper {
	pthread_t th;
	struct tshm_ring *r;
	int enqueue;
	unsigned n;
	int64_t timeout;
	int rc;
	int64_t took; /* how long the call took */
	_Atomic int done;
	struct rt_msg buf[8];
};

static void *sleeper_main(void *arg)
{
	struct sleeper *s = arg;
	int64_t t0 = tshm_test_now_ns();

	s->rc = ring_wait(s->r, s->enqueue, s->buf, s->n, s->timeout);
	s->took = tshm_test_now_ns() - t0;
	atomic_store(&s->done, 1);
	return NULL;
}

/*
 * Start @s: a thread waiting in enqueue_wait (@enqueue: of messages @first,
 * ...) or dequeue_wait of @n messages on @r, for up to @timeout.
 */
static void sleeper_start(struct sleeper *s, struct tshm_ring *r, int enqueue, unsigned n,
			  int64_t timeout, uint64_t first)
{
	memset(s, 0, sizeof(*s));
	s->r = r;
	s->enqueue = enqueue;
	s->n = n;
	s->timeout = timeout;
	if (enqueue)
		fill(s->buf, n, first);
	assert_int_equal(pthread_create(&s->th, NULL, sleeper_main, s), 0);
}

/*
 * sleeper_start(), then wait until it sleeps: armed (set after the waiter
 * count, so a publish from now on is bound to issue a wake), and
 * @settle_us later.
 */
static void sleeper_asleep(struct sleeper *s, struct tshm_ring *r, int enqueue, unsigned n,
			   int64_t timeout, uint64_t first, long settle_us)
{
	uint32_t *armed = enqueue ? &r->sh->wait.space.armed : &r->sh->wait.data.armed;

	sleeper_start(s, r, enqueue, n, timeout, first);
	assert_true(wait_sleeper(armed, 5 * RT_SEC));
	tshm_test_sleep_us(settle_us);
}

/* Join @s (done within 5 s): its call returned @want_rc, in under a second. */
static void sleeper_join(struct sleeper *s, int want_rc)
{
	assert_true(rt_wait_flag(&s->done, 1, 5 * RT_SEC));
	assert_int_equal(pthread_join(s->th, NULL), 0);
	assert_int_equal(s->rc, want_rc);
	assert_true(s->took < RT_SEC);
}

/* ---- parameters, sizes, attach ---------------------------------------------- */

static void test_ring_params_invalid(void **state)
{
	static const struct tshm_ring_params bad[] = {
	    {.capacity = 0, .slot_size = 8},
	    {.capacity = 1, .slot_size = 8},
	    {.capacity = 3, .slot_size = 8},
	    {.capacity = 6, .slot_size = 8},
	    {.capacity = 1000, .slot_size = 8},
	    {.capacity = (1u << 30) + 1, .slot_size = 8},
	    {.capacity = 1u << 31, .slot_size = 8},
	    {.capacity = UINT32_MAX, .slot_size = 8},
	    {.capacity = 8, .slot_size = 0},
	    {.capacity = 8, .slot_size = TSHM_RING_MAX_SLOT + 1},
	    {.capacity = 8, .slot_size = UINT32_MAX},
	    {.capacity = 8, .slot_size = 8, .reserved = 1},
	    {.capacity = 8, .slot_size = 8, .reserved = 0x80000000u},
	    {.capacity = 8, .slot_size = 8, .flags = 4},
	    {.capacity = 8, .slot_size = 8, .flags = TSHM_RING_MP | 0x100},
	    {.capacity = 8, .slot_size = 8, .flags = 0x80000000u},
	};
	static const struct tshm_ring_params good[] = {
	    {.capacity = 2, .slot_size = 1},
	    {.capacity = 4, .slot_size = TSHM_RING_MAX_SLOT},
	    {.capacity = 8, .slot_size = 12, .flags = TSHM_RING_MP | TSHM_RING_MC},
	    {.capacity = 16, .slot_size = 3, .start_index = UINT64_MAX},
	};
	struct tshm_ring_params ok = {.capacity = 8, .slot_size = 8};
	size_t size = 12345, big;
	void *mem;

	(void)state;
	TSHM_TEST_CHECK(tshm_ring_mem_size(&ok, &big));
	big += 1 << 20;
	assert_int_equal(posix_memalign(&mem, 64, big), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size = 12345;
		if (tshm_ring_mem_size(&bad[i], &size) != -EINVAL)
			fail_msg("bad[%zu]: mem_size accepted", i);
		if (tshm_ring_init_mem(mem, big, &bad[i]) != -EINVAL)
			fail_msg("bad[%zu]: init_mem accepted", i);
	}
	assert_int_equal(tshm_ring_mem_size(NULL, &size), -EINVAL);
	assert_int_equal(tshm_ring_init_mem(mem, big, NULL), -EINVAL);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(tshm_ring_mem_size(&good[i], &size), 0);
		assert_true(size <= big);
		assert_int_equal(tshm_ring_init_mem(mem, size, &good[i]), 0);
	}
	/* The largest capacity sizes fine (not allocated). */
	struct tshm_ring_params huge = {
	    .capacity = 1u << 30, .slot_size = 1, .flags = TSHM_RING_MP | TSHM_RING_MC};
	assert_int_equal(tshm_ring_mem_size(&huge, &size), 0);
	assert_true(size >= (size_t)(1u << 30) * 9);
	free(mem);
}

static void test_ring_mem_size(void **state)
{
	struct tshm_ring_params p = {.capacity = 8, .slot_size = 100};
	size_t sp, mp, big;

	(void)state;
	assert_int_equal(tshm_ring_mem_size(&p, &sp), 0);
	assert_int_equal(sp % 64, 0);
	assert_true(sp >= 8 * 100);
	p.flags = TSHM_RING_MC; /* consumers need no per-slot state beyond SP */
	assert_int_equal(tshm_ring_mem_size(&p, &mp), 0);
	assert_true(mp >= sp);
	p.flags = TSHM_RING_MP;
	assert_int_equal(tshm_ring_mem_size(&p, &mp), 0);
	assert_true(mp >= sp);
	p.flags = 0;
	p.capacity = 1024;
	assert_int_equal(tshm_ring_mem_size(&p, &big), 0);
	assert_true(big >= 1024 * 100 && big > sp);
}

static void test_ring_init_mem_errors(void **state)
{
	struct tshm_ring_params p = {.capacity = 16, .slot_size = 24, .flags = TSHM_RING_MP};
	struct tshm_ring *r = (void *)1;
	uint8_t *mem;
	size_t size;

	(void)state;
	TSHM_TEST_CHECK(tshm_ring_mem_size(&p, &size));
	assert_int_equal(posix_memalign((void **)&mem, 64, size + 128), 0);
	assert_int_equal(tshm_ring_init_mem(NULL, size, &p), -EINVAL);
	for (size_t off = 1; off < 64; off *= 2)
		assert_int_equal(tshm_ring_init_mem(mem + off, size, &p), -EINVAL);
	assert_int_equal(tshm_ring_init_mem(mem, size - 1, &p), -EINVAL);
	assert_int_equal(tshm_ring_init_mem(mem, 0, &p), -EINVAL);
	assert_int_equal(tshm_ring_init_mem(mem + 64, size, &p), 0); /* any 64-aligned address */
	assert_int_equal(tshm_ring_attach_mem(&r, mem + 64, size, TSHM_RING_PRODUCER), 0);
	assert_int_equal(tshm_ring_capacity(r), 16);
	assert_int_equal(tshm_ring_slot_size(r), 24);
	tshm_ring_detach(r);
	free(mem);
}

static void test_ring_attach_errors(void **state)
{
	struct tshm_ring_params p = {.capacity = 8, .slot_size = 32};
	struct tshm_ring *r = (void *)1;
	struct ring_shared *sh;
	size_t size;
	void *mem = rt_ring_mem(&p, &size);

	(void)state;
	sh = mem;
	static const unsigned bad_roles[] = {0, 3, 4, 0x100, ~0u};
	for (size_t i = 0; i < sizeof(bad_roles) / sizeof(bad_roles[0]); i++) {
		r = (void *)1;
		assert_int_equal(tshm_ring_attach_mem(&r, mem, size, bad_roles[i]), -EINVAL);
		assert_null(r);
	}
	r = (void *)1;
	assert_int_equal(tshm_ring_attach_mem(&r, NULL, size, TSHM_RING_PRODUCER), -EINVAL);
	assert_null(r);
	/* Too small for the header, or for the slots it describes. */
	assert_int_equal(tshm_ring_attach_mem(&r, mem, 64, TSHM_RING_PRODUCER), -TSHM_ECORRUPT);
	assert_int_equal(tshm_ring_attach_mem(&r, mem, size - 64, TSHM_RING_PRODUCER),
			 -TSHM_ECORRUPT);
	/* Never initialised (magic 0), garbage magic, unknown version, bad geometry. */
	uint64_t magic = sh->hdr.magic;
	sh->hdr.magic = 0;
	assert_int_equal(tshm_ring_attach_mem(&r, mem, size, TSHM_RING_CONSUMER),
			 -TSHM_EINCOMPLETE);
	sh->hdr.magic = magic ^ 1;
	assert_int_equal(tshm_ring_attach_mem(&r, mem, size, TSHM_RING_CONSUMER), -TSHM_ECORRUPT);
	sh->hdr.magic = magic;
	sh->hdr.version++;
	assert_int_equal(tshm_ring_attach_mem(&r, mem, size, TSHM_RING_CONSUMER), -TSHM_EVERSION);
	sh->hdr.version--;
	sh->hdr.capacity = 12;
	assert_int_equal(tshm_ring_attach_mem(&r, mem, size, TSHM_RING_CONSUMER), -TSHM_ECORRUPT);
	sh->hdr.capacity = 16; /* valid by itself, but the slots do not fit */
	assert_int_equal(tshm_ring_attach_mem(&r, mem, size, TSHM_RING_CONSUMER), -TSHM_ECORRUPT);
	sh->hdr.capacity = 8;
	sh->hdr.flags |= 8;
	assert_int_equal(tshm_ring_attach_mem(&r, mem, size, TSHM_RING_CONSUMER), -TSHM_ECORRUPT);
	sh->hdr.flags &= ~8u;
	sh->hdr.msg_size = 0;
	assert_int_equal(tshm_ring_attach_mem(&r, mem, size, TSHM_RING_CONSUMER), -TSHM_ECORRUPT);
	sh->hdr.msg_size = 32;
	/* Intact again: attaches. */
	assert_int_equal(tshm_ring_attach_mem(&r, mem, size, TSHM_RING_CONSUMER), 0);
	tshm_ring_detach(r);
	tshm_ring_detach(NULL); /* no-op */
	free(mem);
}

/* ---- roles -------------------------------------------------------------------- */

static void test_ring_role_errors(void **state)
{
	struct rt_msg m[4];
	unsigned got = 99;
	int err = 0;

	(void)state;
	fill(m, 4, 0);
	for (size_t f = 0; f < NFLAGS; f++) {
		struct pair *x;

		x = pair_open(8, sizeof(struct rt_msg), all_flags[f], 0);
		assert_int_equal(tshm_ring_enqueue_burst(x->c, m, 1), -EPERM);
		assert_int_equal(tshm_ring_enqueue_bulk(x->c, m, 1), -EPERM);
		assert_int_equal(tshm_ring_enqueue_wait(x->c, m, 1, RT_MS), -EPERM);
		assert_int_equal(tshm_ring_dequeue_burst(x->p, m, 1), -EPERM);
		assert_int_equal(tshm_ring_dequeue_bulk(x->p, m, 1), -EPERM);
		assert_int_equal(tshm_ring_dequeue_wait(x->p, m, 1, RT_MS), -EPERM);
		got = 99;
		assert_null(tshm_ring_reserve(x->c, 1, &got, &err));
		assert_int_equal(got, 0);
		assert_int_equal(err, -EPERM);
		got = 99;
		assert_null(tshm_ring_peek(x->p, 1, &got, &err));
		assert_int_equal(got, 0);
		assert_int_equal(err, -EPERM);
		assert_int_equal(tshm_ring_close(x->c), -EPERM);
		assert_true(tshm_ring_commit(x->c, 0) < 0);
		assert_true(tshm_ring_release(x->p, 0) < 0);
		/* Nothing happened: the ring is still open and empty. */
		assert_int_equal(tshm_ring_count(x->p), 0);
		round_trip(x, 4, 0);
		pair_close(x);
	}
}

static void test_ring_single_role_busy(void **state)
{
	(void)state;
	for (size_t f = 0; f < NFLAGS; f++) {
		uint32_t flags = all_flags[f];
		struct tshm_ring *p2 = (void *)1, *c2 = (void *)1;
		struct pair *x;
		int rc;

		x = pair_open(8, 16, flags, 0);
		rc = tshm_ring_attach_mem(&p2, x->mem, x->size, TSHM_RING_PRODUCER);
		assert_int_equal(rc, flags & TSHM_RING_MP ? 0 : -EBUSY);
		if (rc < 0)
			assert_null(p2);
		rc = tshm_ring_attach_mem(&c2, x->mem, x->size, TSHM_RING_CONSUMER);
		assert_int_equal(rc, flags & TSHM_RING_MC ? 0 : -EBUSY);
		if (rc < 0)
			assert_null(c2);
		tshm_ring_detach(p2);
		tshm_ring_detach(c2);
		/* Once the first detaches, the role is free again. */
		tshm_ring_detach(x->p);
		tshm_ring_detach(x->c);
		assert_int_equal(tshm_ring_attach_mem(&x->p, x->mem, x->size, TSHM_RING_PRODUCER),
				 0);
		assert_int_equal(tshm_ring_attach_mem(&x->c, x->mem, x->size, TSHM_RING_CONSUMER),
				 0);
		assert_int_equal(tshm_ring_attach_mem(&p2, x->mem, x->size, TSHM_RING_PRODUCER),
				 flags & TSHM_RING_MP ? 0 : -EBUSY);
		tshm_ring_detach(p2);
		pair_close(x);
	}
}

static void test_ring_peer_table_full(void **state)
{
	struct tshm_ring_params p = {
	    .capacity = 64, .slot_size = 32, .flags = TSHM_RING_MP | TSHM_RING_MC};
	struct tshm_ring *h[TSHM_RING_MAX_PEERS], *extra = (void *)1;
	struct rt_msg m[TSHM_RING_MAX_PEERS];
	size_t size;
	void *mem = rt_ring_mem(&p, &size);

	(void)state;
	for (unsigned i = 0; i < TSHM_RING_MAX_PEERS; i++)
		TSHM_TEST_CHECK(tshm_ring_attach_mem(
		    &h[i], mem, size, i % 2 ? TSHM_RING_CONSUMER : TSHM_RING_PRODUCER));
	assert_int_equal(tshm_ring_attach_mem(&extra, mem, size, TSHM_RING_PRODUCER), -EBUSY);
	assert_null(extra);
	assert_int_equal(tshm_ring_attach_mem(&extra, mem, size, TSHM_RING_CONSUMER), -EBUSY);
	/* Every attached handle works. */
	for (unsigned i = 0; i < TSHM_RING_MAX_PEERS; i += 2) {
		fill(m, 1, i);
		assert_int_equal(tshm_ring_enqueue_burst(h[i], m, 1), 1);
	}
	for (unsigned i = 1; i < TSHM_RING_MAX_PEERS; i += 2) {
		assert_int_equal(tshm_ring_dequeue_burst(h[i], m, 1), 1);
		expect_msgs(m, 1, i - 1);
	}
	/* A detach frees an entry. */
	tshm_ring_detach(h[5]);
	assert_int_equal(tshm_ring_attach_mem(&h[5], mem, size, TSHM_RING_PRODUCER), 0);
	assert_int_equal(tshm_ring_attach_mem(&extra, mem, size, TSHM_RING_PRODUCER), -EBUSY);
	for (unsigned i = 0; i < TSHM_RING_MAX_PEERS; i++)
		tshm_ring_detach(h[i]);
	free(mem);
}

/* ---- burst and bulk ----------------------------------------------------------- */

static void test_ring_burst_bulk(void **state)
{
	struct rt_msg in[20], out[20];
	struct tshm_ring_stats st;

	(void)state;
	for (size_t f = 0; f < NFLAGS; f++) {
		struct pair *x;

		x = pair_open(8, sizeof(struct rt_msg), all_flags[f], 0);
		assert_int_equal(tshm_ring_capacity(x->p), 8);
		assert_int_equal(tshm_ring_slot_size(x->c), sizeof(struct rt_msg));
		assert_int_equal(tshm_ring_dequeue_burst(x->c, out, 4), 0); /* empty */
		assert_int_equal(tshm_ring_dequeue_bulk(x->c, out, 1), 0);
		fill(in, 20, 0);
		assert_int_equal(tshm_ring_enqueue_burst(x->p, in, 5), 5);
		assert_int_equal(tshm_ring_count(x->p), 5);
		assert_int_equal(tshm_ring_enqueue_bulk(x->p, in + 5, 4), 0); /* only 3 free */
		assert_int_equal(tshm_ring_count(x->p), 5);
		assert_int_equal(tshm_ring_enqueue_burst(x->p, in + 5, 5), 3); /* partial at full */
		assert_int_equal(tshm_ring_count(x->c), 8);
		assert_int_equal(tshm_ring_enqueue_burst(x->p, in + 8, 1), 0);
		assert_int_equal(tshm_ring_enqueue_bulk(x->p, in + 8, 1), 0);
		tshm_ring_stats(x->p, &st);
		assert_int_equal(st.messages, 8);
		assert_int_equal(st.batches, 2);
		assert_int_equal(st.full, 3);
		assert_int_equal(tshm_ring_dequeue_bulk(x->c, out, 9), 0); /* only 8 there */
		assert_int_equal(tshm_ring_dequeue_bulk(x->c, out, 3), 3);
		expect_msgs(out, 3, 0);
		assert_int_equal(tshm_ring_dequeue_burst(x->c, out, 20),
				 5); /* partial when short */
		expect_msgs(out, 5, 3);
		assert_int_equal(tshm_ring_dequeue_burst(x->c, out, 20), 0);
		tshm_ring_stats(x->c, &st);
		assert_int_equal(st.messages, 8);
		assert_int_equal(st.batches, 2);
		assert_true(st.empty >= 3);
		/* More than the capacity: burst takes a ring's worth, bulk nothing. */
		assert_int_equal(tshm_ring_enqueue_bulk(x->p, in, 9), 0);
		assert_int_equal(tshm_ring_enqueue_burst(x->p, in + 8, 12), 8);
		assert_int_equal(tshm_ring_dequeue_bulk(x->c, out, 8), 8);
		expect_msgs(out, 8, 8);
		assert_int_equal(tshm_ring_enqueue_bulk(x->p, in, 8), 8);
		assert_int_equal(tshm_ring_dequeue_burst(x->c, out, 8), 8);
		expect_msgs(out, 8, 0);
		assert_int_equal(tshm_ring_count(x->c), 0);
		pair_close(x);
	}
}

/* Slot sizes that are not multiples of 8: message bytes are exact, and a
 * dequeue writes exactly n * slot_size bytes. */
static void test_ring_odd_slot_sizes(void **state)
{
	static const uint32_t sizes[] = {1, 3, 7, 12, 100, 1001};
	static const uint32_t flags[] = {0, TSHM_RING_MP | TSHM_RING_MC};

	(void)state;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (size_t f = 0; f < 2; f++) {
			uint32_t sz = sizes[s], cap = 8;
			uint8_t *in = malloc((size_t)sz * (cap + 2));
			uint8_t *out = malloc((size_t)sz * (cap + 2) + 64);
			uint64_t sent = 0, recv = 0, rng = sz;
			struct pair *x;

			x = pair_open(cap, sz, flags[f], 3);
			while (recv < 200) {
				unsigned n = 1 + (unsigned)(rt_mix(rng++) % cap), k;

				for (unsigned i = 0; i < n; i++)
					for (uint32_t b = 0; b < sz; b++)
						in[(size_t)i * sz + b] = rt_byte(sent + i, b);
				k = (unsigned)tshm_ring_enqueue_burst(x->p, in, n);
				sent += k;
				n = 1 + (unsigned)(rt_mix(rng++) % cap);
				memset(out, 0xee, (size_t)sz * (cap + 2) + 64);
				k = (unsigned)tshm_ring_dequeue_burst(x->c, out, n);
				assert_true(k <= n);
				for (unsigned i = 0; i < k; i++)
					for (uint32_t b = 0; b < sz; b++)
						if (out[(size_t)i * sz + b] != rt_byte(recv + i, b))
							fail_msg("slot %u msg %llu byte %u wrong",
								 sz, (unsigned long long)(recv + i),
								 b);
				for (size_t b = (size_t)k * sz; b < (size_t)sz * (cap + 2) + 64;
				     b++)
					if (out[b] != 0xee)
						fail_msg("slot %u: dequeue of %u wrote byte %zu",
							 sz, k, b);
				recv += k;
			}
			pair_close(x);
			free(in);
			free(out);
		}
	}
}

/*
 * Zero copy with a slot size that is not a multiple of 8. The public API
 * exposes only slot_size, so reserve hands out got * slot_size contiguous
 * bytes and peek shows got * slot_size contiguous bytes.
 */
static void test_ring_zero_copy_odd_slot(void **state)
{
	static const uint32_t sizes[] = {12, 100};
	static const uint32_t flags[] = {0, TSHM_RING_MP | TSHM_RING_MC};

	(void)state;
	for (size_t s = 0; s < 2; s++) {
		for (size_t f = 0; f < 2; f++) {
			uint32_t sz = sizes[s];
			uint8_t in[3 * 100], out[3 * 100];
			unsigned got = 0;
			int err = 0;
			struct pair *x;
			uint8_t *w;
			const uint8_t *rd;

			x = pair_open(8, sz, flags[f], 0);
			for (unsigned i = 0; i < 3; i++)
				for (uint32_t b = 0; b < sz; b++)
					in[i * sz + b] = rt_byte(i, b);
			w = tshm_ring_reserve(x->p, 3, &got, &err);
			assert_non_null(w);
			assert_int_equal(got, 3);
			memcpy(w, in, 3 * sz);
			assert_int_equal(tshm_ring_commit(x->p, 3), 3);
			assert_int_equal(tshm_ring_dequeue_burst(x->c, out, 3), 3);
			if (memcmp(in, out, 3 * sz) != 0)
				fail_msg("slot_size %u flags %u: 3 messages written contiguously "
					 "through reserve do not dequeue intact",
					 sz, flags[f]);
			assert_int_equal(tshm_ring_enqueue_burst(x->p, in, 3), 3);
			rd = tshm_ring_peek(x->c, 3, &got, &err);
			assert_non_null(rd);
			assert_int_equal(got, 3);
			if (memcmp(in, rd, 3 * sz) != 0)
				fail_msg("slot_size %u flags %u: 3 enqueued messages are not "
					 "contiguous through peek",
					 sz, flags[f]);
			assert_int_equal(tshm_ring_release(x->c, 3), 3);
			pair_close(x);
		}
	}
}

/* ---- wrap-around ---------------------------------------------------------------- */

/*
 * What a call for @n messages must move in mode @mode (0 burst, 1 bulk,
 * 2 zero copy) when @avail messages (or free slots) are there, @contig of
 * them before the end of the slot array: burst as many as there are, bulk
 * all or nothing, zero copy as many as there are contiguously.
 */
static unsigned wrap_want(unsigned mode, unsigned n, uint64_t avail, uint64_t contig)
{
	uint64_t want = n < avail ? n : avail;

	if (mode == 1)
		return n <= avail ? n : 0;
	if (mode == 2 && contig < want)
		want = contig;
	return (unsigned)want;
}

/* Mode 0 (burst) or 1 (bulk): enqueue (@enqueue) or dequeue @n messages of @m on @r. */
static int wrap_copy(struct tshm_ring *r, int enqueue, unsigned mode, struct rt_msg *m, unsigned n)
{
	if (enqueue)
		return mode ? tshm_ring_enqueue_bulk(r, m, n) : tshm_ring_enqueue_burst(r, m, n);
	return mode ? tshm_ring_dequeue_bulk(r, m, n) : tshm_ring_dequeue_burst(r, m, n);
}

/*
 * One producer and one consumer handle driven from this thread over many
 * laps with random burst/bulk/reserve and burst/bulk/peek sizes, starting
 * at @start: every return value is predicted and every message verified.
 */
static void run_wrap(uint32_t flags, uint64_t start, uint32_t cap, uint64_t laps)
{
	struct rt_msg in[64], out[64];
	uint64_t sent = 0, recv = 0, total = cap * laps, rng = start ^ flags;
	uint32_t mask = cap - 1;
	struct pair *x;

	assert_true(cap + 2 <= 64);
	x = pair_open(cap, sizeof(struct rt_msg), flags, start);
	while (recv < total) {
		uint64_t r = rt_mix(rng++);
		unsigned n = 1 + (unsigned)(r % (cap + 2)), mode = (unsigned)((r >> 8) % 3), want;
		unsigned got = 0;
		int k = 0, err = 0;

		if (sent < total) {
			if (n > total - sent)
				n = (unsigned)(total - sent);
			fill(in, n, sent);
			want = wrap_want(mode, n, cap - (sent - recv),
					 cap - ((start + sent) & mask));
			if (mode < 2) {
				k = wrap_copy(x->p, 1, mode, in, n);
			} else {
				struct rt_msg *w = tshm_ring_reserve(x->p, n, &got, &err);

				assert_int_equal(err, 0);
				if (want)
					assert_non_null(w);
				k = (int)got;
				if (got) {
					memcpy(w, in, got * sizeof(*w));
					assert_int_equal(tshm_ring_commit(x->p, got), (int)got);
				}
			}
			if (k != (int)want)
				fail_msg(
				    "flags %u start %llu sent %llu: enqueue(%u) mode %u -> %d, "
				    "want %u",
				    flags, (unsigned long long)start, (unsigned long long)sent, n,
				    mode, k, want);
			sent += (uint64_t)k;
		}
		assert_int_equal(tshm_ring_count(x->c), sent - recv);
		n = 1 + (unsigned)((r >> 16) % (cap + 2));
		mode = (unsigned)((r >> 24) % 3);
		want = wrap_want(mode, n, sent - recv, cap - ((start + recv) & mask));
		if (mode < 2) {
			k = wrap_copy(x->c, 0, mode, out, n);
		} else {
			const struct rt_msg *rd = tshm_ring_peek(x->c, n, &got, &err);
			unsigned rel = got;

			assert_int_equal(err, 0);
			if (got) {
				assert_non_null(rd);
				memcpy(out, rd, got * sizeof(*rd));
				if (!(flags & TSHM_RING_MC) && (r >> 32) % 2)
					rel = got - (unsigned)((r >> 40) % got); /* partial */
				assert_int_equal(tshm_ring_release(x->c, rel), (int)rel);
			}
			if (got != want)
				fail_msg("flags %u start %llu recv %llu: peek(%u) got %u, want %u",
					 flags, (unsigned long long)start, (unsigned long long)recv,
					 n, got, want);
			expect_msgs(out, got, recv);
			k = (int)rel;
			want = rel;
		}
		if (k != (int)want)
			fail_msg(
			    "flags %u start %llu recv %llu: dequeue(%u) mode %u -> %d, want %u",
			    flags, (unsigned long long)start, (unsigned long long)recv, n, mode, k,
			    want);
		expect_msgs(out, (unsigned)k, recv);
		recv += (uint64_t)k;
	}
	assert_int_equal(tshm_ring_count(x->p), 0);
	pair_close(x);
}

static void test_ring_wrap_around(void **state)
{
	const uint64_t laps = 150;
	const uint32_t caps[] = {2, 8, 16};

	(void)state;
	for (size_t f = 0; f < NFLAGS; f++)
		for (size_t c = 0; c < 3; c++) {
			uint64_t half = caps[c] * laps / 2;
			const uint64_t starts[] = {
			    0,
			    5,
			    (UINT64_C(1) << 32) - 3,
			    (UINT64_C(1) << 32) - half,
			    UINT64_MAX - 2,
			    UINT64_MAX,
			    UINT64_MAX - half + 1,
			    (UINT64_C(1) << 63) - half,
			};
			for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]); s++)
				run_wrap(all_flags[f], starts[s], caps[c], laps);
		}
}

/* ---- zero copy -------------------------------------------------------------- */

static void test_ring_reserve_commit(void **state)
{
	(void)state;
	for (size_t f = 0; f < NFLAGS; f++) {
		struct rt_msg m[8], out[16];
		struct tshm_ring_stats st;
		struct rt_msg *w;
		unsigned got = 99;
		int err = 99;
		struct pair *x;

		x = pair_open(8, sizeof(struct rt_msg), all_flags[f], 5); /* head at slot 5 */
		assert_int_equal(tshm_ring_commit(x->p, 0), -EINVAL);	  /* nothing reserved */
		w = tshm_ring_reserve(x->p, 8, &got, &err);
		assert_non_null(w);
		assert_int_equal(got, 3); /* contiguous: only slots 5..7 */
		assert_int_equal(err, 0);
		/* A reserve is pending: everything else on the handle is refused. */
		got = 99;
		assert_null(tshm_ring_reserve(x->p, 1, &got, &err));
		assert_int_equal(got, 0);
		assert_int_equal(err, -EINVAL);
		fill(m, 8, 0);
		assert_int_equal(tshm_ring_enqueue_burst(x->p, m, 1), -EINVAL);
		assert_int_equal(tshm_ring_enqueue_bulk(x->p, m, 1), -EINVAL);
		assert_int_equal(tshm_ring_enqueue_wait(x->p, m, 1, RT_MS), -EINVAL);
		assert_int_equal(tshm_ring_commit(x->p, 4), -EINVAL); /* more than reserved */
		assert_int_equal(tshm_ring_count(x->c), 0);	      /* not published yet */
		assert_int_equal(tshm_ring_dequeue_burst(x->c, out, 8), 0);
		memcpy(w, m, 3 * sizeof(*w));
		assert_int_equal(tshm_ring_commit(x->p, 3), 3);
		assert_int_equal(tshm_ring_commit(x->p, 3), -EINVAL); /* already committed */
		assert_int_equal(tshm_ring_count(x->c), 3);
		/* Wrapped to slot 0: 5 free and contiguous. */
		w = tshm_ring_reserve(x->p, 8, &got, NULL);
		assert_non_null(w);
		assert_int_equal(got, 5);
		fill(m, 5, 3);
		memcpy(w, m, 5 * sizeof(*w));
		assert_int_equal(tshm_ring_commit(x->p, 2), 2); /* commit fewer */
		assert_int_equal(tshm_ring_dequeue_burst(x->c, out, 16), 5);
		expect_msgs(out, 5, 0);
		assert_int_equal(tshm_ring_dequeue_burst(x->c, out, 16), 0); /* the rest never */
		/* Commit 0: nothing published, the ring carries on. */
		w = tshm_ring_reserve(x->p, 4, &got, &err);
		assert_non_null(w);
		fill(m, 4, 900);
		memcpy(w, m, got * sizeof(*w));
		assert_int_equal(tshm_ring_commit(x->p, 0), 0);
		assert_int_equal(tshm_ring_dequeue_burst(x->c, out, 16), 0);
		fill(m, 1, 5);
		assert_int_equal(tshm_ring_enqueue_burst(x->p, m, 1), 1);
		assert_int_equal(tshm_ring_dequeue_burst(x->c, out, 16), 1);
		expect_msgs(out, 1, 5);
		tshm_ring_stats(x->p, &st);
		assert_int_equal(st.messages, 3 + 2 + 1);
		/* Full: NULL, got 0, err 0. */
		fill(m, 8, 6);
		while (tshm_ring_enqueue_burst(x->p, m, 8) > 0)
			;
		got = 99;
		err = 99;
		assert_null(tshm_ring_reserve(x->p, 1, &got, &err));
		assert_int_equal(got, 0);
		assert_int_equal(err, 0);
		assert_int_equal(tshm_ring_commit(x->p, 0), -EINVAL);
		/* Closed: -EPIPE. */
		assert_int_equal(tshm_ring_dequeue_burst(x->c, out, 2), 2);
		assert_int_equal(tshm_ring_close(x->p), 0);
		assert_null(tshm_ring_reserve(x->p, 1, &got, &err));
		assert_int_equal(err, -EPIPE);
		pair_close(x);
	}
}

/* A reserve at the end of the slot array, committed partly, on every flag. */
static void test_ring_reserve_contiguity(void **state)
{
	(void)state;
	for (size_t f = 0; f < NFLAGS; f++)
		for (uint64_t start = 0; start < 16; start++) {
			struct rt_msg out[16];
			struct rt_msg *w;
			unsigned got;
			struct pair *x;

			x = pair_open(8, sizeof(struct rt_msg), all_flags[f], start);
			w = tshm_ring_reserve(x->p, 16, &got, NULL);
			assert_non_null(w);
			assert_int_equal(got, 8 - (start & 7));
			fill(w, got, 0);
			assert_int_equal(tshm_ring_commit(x->p, got), (int)got);
			w = tshm_ring_reserve(x->p, 16, &got, NULL);
			if (start & 7) {
				assert_non_null(w);
				assert_int_equal(got, start & 7);
				fill(w, got, 8 - (start & 7));
				assert_int_equal(tshm_ring_commit(x->p, got), (int)got);
			} else {
				assert_null(w);
			}
			assert_int_equal(tshm_ring_dequeue_burst(x->c, out, 16), 8);
			expect_msgs(out, 8, 0);
			pair_close(x);
		}
}

/*
 * An MP ring (@flags) of 8 holding message 0, then the 3 slots that a
 * claim of 4 committed short skipped, then @after (at most 3) messages 1,
 * 2, ... enqueued behind them.
 */
static struct pair *pair_open_skipped(uint32_t flags, unsigned after)
{
	struct rt_msg m[3], *w;
	unsigned got;
	struct pair *x = pair_open(8, sizeof(struct rt_msg), flags, 0);

	assert_true(after <= 3);
	w = tshm_ring_reserve(x->p, 4, &got, NULL);
	assert_int_equal(got, 4);
	fill(w, 4, 0);
	w[1].seq = w[2].seq = w[3].seq = 999; /* would be visible if delivered */
	assert_int_equal(tshm_ring_commit(x->p, 1), 1);
	fill(m, after, 1);
	assert_int_equal(tshm_ring_enqueue_burst(x->p, m, after), (int)after);
	return x;
}

/* MP: a claim committed short leaves skipped slots; they are not messages. */
static void test_ring_mp_skipped_not_delivered(void **state)
{
	(void)state;
	for (uint32_t mc = 0; mc <= TSHM_RING_MC; mc += TSHM_RING_MC) {
		struct rt_msg m[8], out[16];
		struct rt_msg *w;
		unsigned got;
		struct pair *x;

		x = pair_open_skipped(TSHM_RING_MP | mc, 2);
		/* peek: the live runs, skipping the dead slots. */
		peek_expect(x->c, 8, 1, 0);
		assert_int_equal(tshm_ring_release(x->c, 1), 1);
		peek_expect(x->c, 8, 2, 1);
		assert_int_equal(tshm_ring_release(x->c, 2), 2);
		assert_null(tshm_ring_peek(x->c, 8, &got, NULL));
		/* Again with burst. */
		w = tshm_ring_reserve(x->p, 3, &got, NULL); /* index 6: 2 to the array end */
		assert_int_equal(got, 2);
		fill(w, 2, 3);
		w[1].seq = 999;
		assert_int_equal(tshm_ring_commit(x->p, 1), 1);
		fill(m, 2, 4);
		assert_int_equal(tshm_ring_enqueue_burst(x->p, m, 2), 2);
		assert_int_equal(tshm_ring_dequeue_burst(x->c, out, 16), 3);
		expect_msgs(out, 3, 3);
		assert_int_equal(tshm_ring_dequeue_burst(x->c, out, 16), 0);
		pair_close(x);
	}
}

/* count() is "messages committed and not yet consumed": skipped slots are none. */
static void test_ring_mp_count_excludes_skipped(void **state)
{
	struct pair *x;

	(void)state;
	x = pair_open_skipped(TSHM_RING_MP, 3);
	if (tshm_ring_count(x->c) != 4)
		fail_msg("MP ring, reserve 4 / commit 1 then 3 enqueued: count() = %llu, want 4 "
			 "(skipped slots counted as messages)",
			 (unsigned long long)tshm_ring_count(x->c));
	pair_close(x);
}

/* dequeue_bulk is all-or-nothing in messages, also across skipped slots. */
static void test_ring_mp_bulk_across_skipped(void **state)
{
	(void)state;
	for (uint32_t mc = 0; mc <= TSHM_RING_MC; mc += TSHM_RING_MC) {
		struct rt_msg out[8];
		struct pair *x;
		int rc;

		x = pair_open_skipped(TSHM_RING_MP | mc, 3);
		/* 4 messages are there (over 7 indices): bulk 4 takes all of them. */
		rc = tshm_ring_dequeue_bulk(x->c, out, 4);
		if (rc != 4)
			fail_msg("flags %u: dequeue_bulk(4) with 4 messages behind 3 skipped "
				 "slots returned %d (all-or-nothing: 4)",
				 TSHM_RING_MP | mc, rc);
		expect_msgs(out, 4, 0);
		pair_close(x);
	}
}

static void test_ring_peek_release(void **state)
{
	(void)state;
	for (size_t f = 0; f < NFLAGS; f++) {
		int mc = (all_flags[f] & TSHM_RING_MC) != 0;
		struct rt_msg m[8], out[8];
		unsigned got = 99;
		int err = 99;
		struct pair *x;

		x = pair_open(8, sizeof(struct rt_msg), all_flags[f], 6); /* slot 6 first */
		assert_int_equal(tshm_ring_release(x->c, 0), -EINVAL);	  /* nothing peeked */
		assert_null(tshm_ring_peek(x->c, 4, &got, &err));	  /* empty */
		assert_int_equal(got, 0);
		assert_int_equal(err, 0);
		fill(m, 5, 0);
		assert_int_equal(tshm_ring_enqueue_burst(x->p, m, 5), 5); /* slots 6,7,0,1,2 */
		peek_expect(x->c, 8, 2, 0); /* contiguous up to the array end */
		/* A peek is pending: the handle refuses the rest. */
		assert_null(tshm_ring_peek(x->c, 1, &got, &err));
		assert_int_equal(err, -EINVAL);
		assert_int_equal(tshm_ring_dequeue_burst(x->c, out, 1), -EINVAL);
		assert_int_equal(tshm_ring_dequeue_bulk(x->c, out, 1), -EINVAL);
		assert_int_equal(tshm_ring_dequeue_wait(x->c, out, 1, RT_MS), -EINVAL);
		assert_int_equal(tshm_ring_release(x->c, 3), -EINVAL); /* more than peeked */
		if (mc) {
			/* MC: must release exactly what was peeked. */
			assert_int_equal(tshm_ring_release(x->c, 1), -EINVAL);
			assert_int_equal(tshm_ring_release(x->c, 0), -EINVAL);
			assert_int_equal(tshm_ring_release(x->c, 2), 2);
			assert_int_equal(tshm_ring_count(x->c), 3);
			peek_expect(x->c, 2, 2, 2);
			assert_int_equal(tshm_ring_release(x->c, 2), 2);
		} else {
			/* SC: a partial release, then the rest is peeked again. */
			assert_int_equal(tshm_ring_release(x->c, 1), 1);
			assert_int_equal(tshm_ring_count(x->c), 4);
			peek_expect(x->c, 8, 1, 1);
			assert_int_equal(tshm_ring_release(x->c, 0), 0); /* releases nothing */
			assert_int_equal(tshm_ring_count(x->c), 4);
			peek_expect(x->c, 8, 1, 1);
			assert_int_equal(tshm_ring_release(x->c, 1), 1);
			peek_expect(x->c, 2, 2, 2);
			assert_int_equal(tshm_ring_release(x->c, 2), 2);
		}
		assert_int_equal(tshm_ring_release(x->c, 0), -EINVAL); /* nothing pending */
		assert_int_equal(tshm_ring_dequeue_burst(x->c, out, 8), 1);
		expect_msgs(out, 1, 4);
		assert_null(tshm_ring_peek(x->c, 8, &got, &err));
		assert_int_equal(got, 0);
		struct tshm_ring_stats st;
		tshm_ring_stats(x->c, &st);
		assert_int_equal(st.messages, 5);
		/* Released slots are free for the producer again. */
		round_trip(x, 8, 5);
		pair_close(x);
	}
}

/* ---- close and timeouts ------------------------------------------------------- */

static void test_ring_close(void **state)
{
	(void)state;
	for (size_t f = 0; f < NFLAGS; f++) {
		struct rt_msg m[4], out[4];
		struct pair *x;
		int64_t t0;

		x = pair_open(8, sizeof(struct rt_msg), all_flags[f], 0);
		fill(m, 3, 0);
		assert_int_equal(tshm_ring_enqueue_burst(x->p, m, 3), 3);
		assert_int_equal(tshm_ring_close(x->c), -EPERM);
		assert_int_equal(tshm_ring_close(x->p), 0);
		assert_int_equal(tshm_ring_close(x->p), 0); /* idempotent */
		assert_int_equal(tshm_ring_enqueue_burst(x->p, m, 1), -EPIPE);
		assert_int_equal(tshm_ring_enqueue_bulk(x->p, m, 1), -EPIPE);
		assert_int_equal(tshm_ring_enqueue_wait(x->p, m, 1, RT_SEC), -EPIPE);
		assert_int_equal(tshm_ring_count(x->c), 3);
		/* Consumers drain what was committed, then see the end, at once. */
		t0 = tshm_test_now_ns();
		assert_int_equal(tshm_ring_dequeue_wait(x->c, out, 2, 5 * RT_SEC), 2);
		expect_msgs(out, 2, 0);
		assert_int_equal(tshm_ring_dequeue_wait(x->c, out, 4, 5 * RT_SEC), 1);
		expect_msgs(out, 1, 2);
		assert_int_equal(tshm_ring_dequeue_wait(x->c, out, 4, 5 * RT_SEC), 0);
		assert_int_equal(tshm_ring_dequeue_wait(x->c, out, 4, 0), 0);
		assert_true(tshm_test_now_ns() - t0 < RT_SEC);
		assert_int_equal(tshm_ring_dequeue_burst(x->c, out, 4), 0);
		/* A producer attached after the close sees it too. */
		struct tshm_ring *p2;
		if (all_flags[f] & TSHM_RING_MP) {
			TSHM_TEST_CHECK(
			    tshm_ring_attach_mem(&p2, x->mem, x->size, TSHM_RING_PRODUCER));
			assert_int_equal(tshm_ring_enqueue_burst(p2, m, 1), -EPIPE);
			tshm_ring_detach(p2);
		}
		pair_close(x);
	}
}

/* close wakes consumers asleep on an empty ring and producers asleep on a full one. */
static void test_ring_close_wakes_sleepers(void **state)
{
	struct tshm_ring *p2;
	struct sleeper s;
	struct rt_msg m[8];
	struct pair *x;

	(void)state;
	x = pair_open(8, sizeof(struct rt_msg), TSHM_RING_MP | TSHM_RING_MC, 0);
	TSHM_TEST_CHECK(tshm_ring_attach_mem(&p2, x->mem, x->size, TSHM_RING_PRODUCER));
	sleeper_asleep(&s, x->c, 0, 4, 10 * RT_SEC, 0, 2000);
	assert_int_equal(tshm_ring_close(p2), 0);
	sleeper_join(&s, 0);
	tshm_ring_detach(p2);
	pair_close(x);

	/* Producer asleep on a full ring; another producer closes. */
	x = pair_open(8, sizeof(struct rt_msg), TSHM_RING_MP, 0);
	TSHM_TEST_CHECK(tshm_ring_attach_mem(&p2, x->mem, x->size, TSHM_RING_PRODUCER));
	fill(m, 8, 0);
	assert_int_equal(tshm_ring_enqueue_burst(x->p, m, 8), 8);
	sleeper_asleep(&s, x->p, 1, 1, 10 * RT_SEC, 8, 2000);
	assert_int_equal(tshm_ring_close(p2), 0);
	sleeper_join(&s, -EPIPE);
	tshm_ring_detach(p2);
	pair_close(x);
}

/* A ring_wait() of 1 on @r that cannot succeed: times out after 20 ms
 * (within a second), and at once with timeout 0. */
static void expect_timeouts(struct tshm_ring *r, int enqueue, struct rt_msg *m)
{
	int64_t t0 = tshm_test_now_ns(), dt;

	assert_int_equal(ring_wait(r, enqueue, m, 1, 20 * RT_MS), -ETIMEDOUT);
	dt = tshm_test_now_ns() - t0;
	assert_true(dt >= 20 * RT_MS);
	assert_true(dt < RT_SEC);
	assert_int_equal(ring_wait(r, enqueue, m, 1, 0), -ETIMEDOUT);
}

/*
 * A dequeue_wait on empty consumer @c times out after sleeping in the futex.
 * It spins and yields first, which on a busy host can take the whole of a
 * short timeout, so a call that timed out without sleeping is retried.
 */
static void expect_sleeping_timeout(struct tshm_ring *c)
{
	struct tshm_ring_stats a, b;
	struct rt_msg m[1];

	tshm_ring_stats(c, &a);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(tshm_ring_dequeue_wait(c, m, 1, 30 * RT_MS), -ETIMEDOUT);
		tshm_ring_stats(c, &b);
		if (b.waits > a.waits)
			return;
	}
	fail_msg("100 timed-out waits of 30 ms never slept");
}

/* Futex sleeps of one dequeue_wait on the empty ring @c timing out after @ns. */
static uint64_t sleeps_in(struct tshm_ring *c, int64_t ns)
{
	struct tshm_ring_stats a, b;
	struct rt_msg m[1];

	tshm_ring_stats(c, &a);
	assert_int_equal(tshm_ring_dequeue_wait(c, m, 1, ns), -ETIMEDOUT);
	tshm_ring_stats(c, &b);
	return b.waits - a.waits;
}

static void test_ring_timeouts(void **state)
{
	(void)state;
	for (size_t f = 0; f < NFLAGS; f++) {
		struct rt_msg m[8];
		struct pair *x;

		x = pair_open(8, sizeof(struct rt_msg), all_flags[f], 0);
		expect_timeouts(x->c, 0, m);
		assert_int_equal(tshm_ring_dequeue_wait(x->c, m, 1, -1), -EINVAL);
		assert_int_equal(tshm_ring_dequeue_wait(x->c, m, 1, INT64_MIN), -EINVAL);
		fill(m, 8, 0);
		assert_int_equal(tshm_ring_enqueue_wait(x->p, m, 8, 0), 8);
		expect_timeouts(x->p, 1, m);
		assert_int_equal(tshm_ring_enqueue_wait(x->p, m, 1, -5), -EINVAL);
		/* Data there: a zero timeout still takes it. */
		assert_int_equal(tshm_ring_dequeue_wait(x->c, m, 3, 0), 3);
		expect_msgs(m, 3, 0);
		/* Room there: a negative timeout is refused and enqueues nothing. */
		assert_int_equal(tshm_ring_enqueue_wait(x->p, m, 1, -1), -EINVAL);
		assert_int_equal(tshm_ring_count(x->c), 5);
		pair_close(x);
	}
}

static void test_ring_sleep_slice_bounds(void **state)
{
	static const int64_t bad[] = {
	    INT64_MIN, -1, 0, TSHM_RING_SLICE_MIN_NS - 1, TSHM_RING_SLICE_MAX_NS + 1, INT64_MAX};
	struct pair *x;

	(void)state;
	x = pair_open(8, sizeof(struct rt_msg), 0, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tshm_ring_set_sleep_slice(x->c, bad[i]), -EINVAL);
	assert_int_equal(tshm_ring_set_sleep_slice(x->c, TSHM_RING_SLICE_MIN_NS), 0);
	/* The shortest slice: short sleeps, still ending in a timeout. */
	expect_sleeping_timeout(x->c);
	/* It takes effect: 100 ms of 10 us slices are many sleeps... */
	assert_true(sleeps_in(x->c, 100 * RT_MS) >= 3);
	/* ...and 200 ms under the longest slice one (the deadline clips it;
	 * the default 10 ms slice would make about 20), or two after a
	 * spurious return. */
	assert_int_equal(tshm_ring_set_sleep_slice(x->c, TSHM_RING_SLICE_MAX_NS), 0);
	assert_true(sleeps_in(x->c, 200 * RT_MS) <= 2);
	assert_int_equal(tshm_ring_set_sleep_slice(x->p, TSHM_RING_SLICE_MAX_NS), 0);
	pair_close(x);
}

/* A negative timeout is an invalid argument even when messages are waiting:
 * the call must fail without consuming them. */
static void test_ring_negative_timeout_consumes_nothing(void **state)
{
	struct rt_msg m[4];
	struct pair *x;
	int rc;

	(void)state;
	x = pair_open(8, sizeof(struct rt_msg), 0, 0);
	fill(m, 3, 0);
	assert_int_equal(tshm_ring_enqueue_burst(x->p, m, 3), 3);
	rc = tshm_ring_dequeue_wait(x->c, m, 2, -1);
	if (rc != -EINVAL || tshm_ring_count(x->c) != 3)
		fail_msg("dequeue_wait(timeout -1) with 3 messages queued returned %d, count now "
			 "%llu (want -EINVAL, 3)",
			 rc, (unsigned long long)tshm_ring_count(x->c));
	pair_close(x);
}

/*
 * A wait for 0 messages on @x (enqueue_wait on the producer, else
 * dequeue_wait on the consumer), which holds 3, with a 50 ms timeout must
 * return within 3 s and move nothing. If it does not, the looping thread
 * and @x stay behind.
 */
static void zero_wait_returns(struct pair *x, int enqueue, const char *what)
{
	static struct sleeper s; /* the thread may outlive the test */

	sleeper_start(&s, enqueue ? x->p : x->c, enqueue, 0, 50 * RT_MS, 0);
	if (!rt_wait_flag(&s.done, 1, 3 * RT_SEC)) {
		pthread_detach(s.th);
		pair_forget(x); /* the thread still uses it */
		fail_msg(
		    "%s_wait(n = 0, timeout 50 ms) on %s did not return within 3 s (busy loop)",
		    enqueue ? "enqueue" : "dequeue", what);
	}
	assert_int_equal(pthread_join(s.th, NULL), 0);
	assert_true(s.rc <= 0);
	assert_int_equal(tshm_ring_count(x->c), 3);
}

/* n == 0 moves nothing, and the blocking calls still honour their timeout. */
static void test_ring_zero_count_waits_return(void **state)
{
	struct pair *x; /* kept (leaked) if a call hangs: the thread still uses it */
	struct rt_msg m[4];

	(void)state;
	x = pair_open(8, sizeof(struct rt_msg), 0, 0);
	fill(m, 3, 0);
	assert_int_equal(tshm_ring_enqueue_burst(x->p, m, 0), 0);
	assert_int_equal(tshm_ring_enqueue_bulk(x->p, m, 0), 0);
	assert_int_equal(tshm_ring_enqueue_burst(x->p, m, 3), 3);
	assert_int_equal(tshm_ring_dequeue_burst(x->c, m, 0), 0);
	assert_int_equal(tshm_ring_dequeue_bulk(x->c, m, 0), 0);
	assert_int_equal(tshm_ring_count(x->c), 3);

	zero_wait_returns(x, 0, "a non-empty ring");
	zero_wait_returns(x, 1, "a ring with room");
	pair_close(x);
}

/* ---- counters --------------------------------------------------------------- */

static void test_ring_count_and_stats(void **state)
{
	struct tshm_ring_stats ps, cs;
	struct rt_msg m[8];
	struct pair *x;

	(void)state;
	x = pair_open(8, sizeof(struct rt_msg), 0, UINT64_MAX - 3);
	tshm_ring_stats(x->p, &ps);
	assert_int_equal(
	    ps.messages + ps.batches + ps.full + ps.empty + ps.waits + ps.wakes + ps.reaped, 0);
	assert_int_equal(tshm_ring_count(x->p), 0);
	fill(m, 8, 0);
	assert_int_equal(tshm_ring_enqueue_burst(x->p, m, 5), 5);
	assert_int_equal(tshm_ring_count(x->p), 5);
	assert_int_equal(tshm_ring_count(x->c), 5);
	assert_int_equal(tshm_ring_enqueue_burst(x->p, m, 5), 3);
	assert_int_equal(tshm_ring_enqueue_burst(x->p, m, 5), 0);
	assert_int_equal(tshm_ring_dequeue_burst(x->c, m, 6), 6);
	assert_int_equal(tshm_ring_count(x->c), 2);
	assert_int_equal(tshm_ring_dequeue_burst(x->c, m, 6), 2);
	assert_int_equal(tshm_ring_dequeue_burst(x->c, m, 6), 0);
	assert_int_equal(tshm_ring_dequeue_bulk(x->c, m, 1), 0);
	tshm_ring_stats(x->p, &ps);
	tshm_ring_stats(x->c, &cs);
	assert_int_equal(ps.messages, 8);
	assert_int_equal(ps.batches, 2);
	assert_int_equal(ps.full, 1);
	assert_int_equal(ps.empty, 0);
	assert_int_equal(cs.messages, 8);
	assert_int_equal(cs.batches, 2);
	assert_int_equal(cs.empty, 2);
	assert_int_equal(cs.full, 0);
	/* Nobody slept: no futex traffic either way. */
	assert_int_equal(ps.waits + ps.wakes + cs.waits + cs.wakes, 0);
	assert_int_equal(ps.reaped + cs.reaped, 0);
	/* A timed-out wait really slept, and nobody woke it. */
	expect_sleeping_timeout(x->c);
	tshm_ring_stats(x->c, &cs);
	assert_int_equal(cs.wakes, 0);
	tshm_ring_stats(x->p, &ps);
	assert_int_equal(ps.wakes, 0);
	pair_close(x);
}

/* waits and wakes count real sleeps and the wakes that end them. */
static void test_ring_sleep_wake_stats(void **state)
{
	static const uint32_t flags[] = {0, TSHM_RING_MP | TSHM_RING_MC};

	(void)state;
	for (size_t f = 0; f < 2; f++) {
		struct tshm_ring_stats ps, cs;
		struct sleeper s;
		struct rt_msg m[8];
		struct pair *x;

		/* Consumer asleep on an empty ring, woken by one enqueue. The
		 * sleepers' slices outlast their calls: a sleep can end only by
		 * a wake, so exactly one is due each time. */
		x = pair_open(8, sizeof(struct rt_msg), flags[f], 0);
		TSHM_TEST_CHECK(tshm_ring_set_sleep_slice(x->c, TSHM_RING_SLICE_MAX_NS));
		TSHM_TEST_CHECK(tshm_ring_set_sleep_slice(x->p, TSHM_RING_SLICE_MAX_NS));
		sleeper_asleep(&s, x->c, 0, 8, 5 * RT_SEC, 0, 5000);
		fill(m, 1, 0);
		assert_int_equal(tshm_ring_enqueue_burst(x->p, m, 1), 1);
		sleeper_join(&s, 1);
		expect_msgs(s.buf, 1, 0);
		tshm_ring_stats(x->c, &cs);
		tshm_ring_stats(x->p, &ps);
		assert_true(cs.waits >= 1); /* a futex wait may return spuriously */
		assert_int_equal(ps.wakes, 1);
		assert_int_equal(cs.messages, 1);
		/* Nobody asleep now: the next enqueue issues no wake. */
		fill(m, 8, 1);
		assert_int_equal(tshm_ring_enqueue_burst(x->p, m, 1), 1);
		tshm_ring_stats(x->p, &ps);
		assert_int_equal(ps.wakes, 1);

		/* Producer asleep on a full ring, woken by one dequeue. */
		fill(m, 8, 2);
		assert_int_equal(tshm_ring_enqueue_burst(x->p, m, 8), 7);
		sleeper_asleep(&s, x->p, 1, 1, 5 * RT_SEC, 9, 5000);
		assert_int_equal(tshm_ring_dequeue_burst(x->c, m, 1), 1);
		expect_msgs(m, 1, 1);
		sleeper_join(&s, 1);
		tshm_ring_stats(x->c, &cs);
		tshm_ring_stats(x->p, &ps);
		assert_true(ps.waits >= 1);
		assert_int_equal(cs.wakes, 1);
		assert_true(ps.full >= 1);
		assert_int_equal(tshm_ring_dequeue_burst(x->c, m, 8), 8);
		expect_msgs(m, 8, 2);
		pair_close(x);
	}
}

/* ---- threads ------------------------------------------------------------------ */

struct worker {
	pthread_t th;
	void *mem;
	size_t size;
	struct rt_track *t;
	uint32_t id;
	uint32_t flags;
	uint64_t count;
	int rc;
	struct rt_seen seen;
	struct tshm_ring_stats st;
	pthread_barrier_t *attached; /* producers: all attached before any produces */
};

static void *producer_main(void *arg)
{
	struct worker *w = arg;
	struct tshm_ring *r;

	w->rc = tshm_ring_attach_mem(&r, w->mem, w->size, TSHM_RING_PRODUCER);
	/* A producer that finished and detached before a sibling attached would
	 * leave the ring with no producer and no close: consumers rightly see
	 * -EPIPE then. Start producing only once every producer is attached. */
	pthread_barrier_wait(w->attached);
	if (w->rc < 0) {
		atomic_fetch_add(&w->t->finished, 1); /* let the others close */
		return NULL;
	}
	struct rt_prod o = {.id = w->id,
			    .count = w->count,
			    .seed = 1000 + w->id,
			    .timeout_ns = 10 * RT_SEC,
			    .last_closes = 1};

	w->rc = rt_produce(r, w->t, &o);
	tshm_ring_stats(r, &w->st);
	tshm_ring_detach(r);
	return NULL;
}

static void *consumer_main(void *arg)
{
	struct worker *w = arg;
	struct tshm_ring *r;

	w->rc = tshm_ring_attach_mem(&r, w->mem, w->size, TSHM_RING_CONSUMER);
	if (w->rc < 0)
		return NULL;
	w->rc = rt_consume(r, w->t, (w->flags & TSHM_RING_MC) != 0, 2000 + w->id, 10 * RT_SEC, 0,
			   &w->seen);
	tshm_ring_stats(r, &w->st);
	tshm_ring_detach(r);
	return NULL;
}

static void run_threads(uint32_t flags, uint32_t np, uint32_t nc, uint32_t cap, uint64_t per)
{
	struct tshm_ring_params p = {.capacity = cap,
				     .slot_size = sizeof(struct rt_msg),
				     .flags = flags,
				     .start_index = UINT64_MAX - 1000};
	struct worker w[RT_MAXP * 2];
	pthread_barrier_t attached;
	struct rt_track *t = malloc(rt_track_size(np, per));
	uint64_t total, pmsgs = 0, cmsgs = 0;
	char what[64];
	size_t size;
	void *mem = rt_ring_mem(&p, &size);

	assert_non_null(t);
	rt_track_init(t, np, per);
	memset(w, 0, sizeof(w));
	rt_watchdog(120, "threads");
	assert_int_equal(pthread_barrier_init(&attached, NULL, np), 0);
	/* Consumers first: a producer that finishes before any consumer
	 * attached would close an empty ring and that is fine too. */
	for (uint32_t i = 0; i < np + nc; i++) {
		w[i] = (struct worker){.mem = mem,
				       .size = size,
				       .t = t,
				       .id = i < nc ? i : i - nc,
				       .flags = flags,
				       .count = per,
				       .attached = &attached};
		assert_int_equal(
		    pthread_create(&w[i].th, NULL, i < nc ? consumer_main : producer_main, &w[i]),
		    0);
	}
	for (uint32_t i = 0; i < np + nc; i++)
		assert_int_equal(pthread_join(w[i].th, NULL), 0);
	pthread_barrier_destroy(&attached);
	rt_watchdog(0, "");
	snprintf(what, sizeof(what), "flags %u %uP%uC", flags, np, nc);
	for (uint32_t i = 0; i < np + nc; i++) {
		if (w[i].rc != 0)
			fail_msg("%s: %s %u returned %d (%s)", what,
				 i < nc ? "consumer" : "producer", w[i].id, w[i].rc,
				 tshm_strerror(w[i].rc));
		if (i < nc)
			cmsgs += w[i].st.messages;
		else
			pmsgs += w[i].st.messages;
	}
	total = rt_track_expect_all(t, what);
	assert_int_equal(pmsgs, total);
	assert_int_equal(cmsgs, total);
	free(t);
	free(mem);
}

static void test_ring_threads_spsc(void **state)
{
	(void)state;
	run_threads(0, 1, 1, 64, 60000);
}

static void test_ring_threads_mp(void **state)
{
	(void)state;
	run_threads(TSHM_RING_MP, 2, 1, 64, 30000);
}

static void test_ring_threads_mc(void **state)
{
	(void)state;
	run_threads(TSHM_RING_MC, 1, 2, 64, 60000);
}

static void test_ring_threads_2p2c(void **state)
{
	(void)state;
	run_threads(TSHM_RING_MP | TSHM_RING_MC, 2, 2, 64, 30000);
	run_threads(TSHM_RING_MP | TSHM_RING_MC, 3, 3, 16, 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_ring_params_invalid, teardown),
	    cmocka_unit_test_teardown(test_ring_mem_size, teardown),
	    cmocka_unit_test_teardown(test_ring_init_mem_errors, teardown),
	    cmocka_unit_test_teardown(test_ring_attach_errors, teardown),
	    cmocka_unit_test_teardown(test_ring_role_errors, teardown),
	    cmocka_unit_test_teardown(test_ring_single_role_busy, teardown),
	    cmocka_unit_test_teardown(test_ring_peer_table_full, teardown),
	    cmocka_unit_test_teardown(test_ring_burst_bulk, teardown),
	    cmocka_unit_test_teardown(test_ring_odd_slot_sizes, teardown),
	    cmocka_unit_test_teardown(test_ring_zero_copy_odd_slot, teardown),
	    cmocka_unit_test_teardown(test_ring_wrap_around, teardown),
	    cmocka_unit_test_teardown(test_ring_reserve_commit, teardown),
	    cmocka_unit_test_teardown(test_ring_reserve_contiguity, teardown),
	    cmocka_unit_test_teardown(test_ring_mp_skipped_not_delivered, teardown),
	    cmocka_unit_test_teardown(test_ring_mp_count_excludes_skipped, teardown),
	    cmocka_unit_test_teardown(test_ring_mp_bulk_across_skipped, teardown),
	    cmocka_unit_test_teardown(test_ring_peek_release, teardown),
	    cmocka_unit_test_teardown(test_ring_close, teardown),
	    cmocka_unit_test_teardown(test_ring_close_wakes_sleepers, teardown),
	    cmocka_unit_test_teardown(test_ring_timeouts, teardown),
	    cmocka_unit_test_teardown(test_ring_sleep_slice_bounds, teardown),
	    cmocka_unit_test_teardown(test_ring_negative_timeout_consumes_nothing, teardown),
	    cmocka_unit_test_teardown(test_ring_count_and_stats, teardown),
	    cmocka_unit_test_teardown(test_ring_sleep_wake_stats, teardown),
	    cmocka_unit_test_teardown(test_ring_threads_spsc, teardown),
	    cmocka_unit_test_teardown(test_ring_threads_mp, teardown),
	    cmocka_unit_test_teardown(test_ring_threads_mc, teardown),
	    cmocka_unit_test_teardown(test_ring_threads_2p2c, teardown),
	    /* Last: if it finds the busy loop, the looping thread stays behind. */
	    cmocka_unit_test_teardown(test_ring_zero_count_waits_return, teardown),
	};

	tshm_test_ns_init("ring");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
