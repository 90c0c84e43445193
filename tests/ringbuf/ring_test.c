/* SPDX-License-Identifier: MIT */
#include "ring_test.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- messages ----------------------------------------------------------------- */

uint64_t rt_mix(uint64_t z)
{
	z += UINT64_C(0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t msg_sum(const struct rt_msg *m)
{
	return rt_mix(rt_mix(((uint64_t)m->producer << 32 | m->salt) ^ m->seq) ^ m->payload);
}

void rt_msg_make(struct rt_msg *m, uint32_t producer, uint64_t seq)
{
	m->producer = producer;
	m->salt = (uint32_t)rt_mix(seq * 31 + producer);
	m->seq = seq;
	m->payload = rt_mix(seq ^ ((uint64_t)producer << 40));
	m->check = msg_sum(m);
}

int rt_msg_ok(const struct rt_msg *m)
{
	return m->check == msg_sum(m) && m->salt == (uint32_t)rt_mix(m->seq * 31 + m->producer) &&
	       m->payload == rt_mix(m->seq ^ ((uint64_t)m->producer << 40));
}

uint8_t rt_byte(uint64_t seq, uint32_t i)
{
	return (uint8_t)(rt_mix(seq * 65537 + i) >> 13);
}

/* ---- time, memory, waiting ------------------------------------------------------ */

void rt_spin_ns(int64_t ns)
{
	int64_t end = tshm_test_now_ns() + ns;

	while (tshm_test_now_ns() < end)
		;
}

int rt_wait_flag(_Atomic int *flag, int want, int64_t timeout_ns)
{
	int64_t deadline = tshm_test_now_ns() + timeout_ns;

	while (atomic_load(flag) < want) {
		if (tshm_test_now_ns() > deadline)
			return 0;
		tshm_test_sleep_us(50);
	}
	return 1;
}

void *rt_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		fail_msg("mmap shared %zu: %s", size, strerror(errno));
	return p;
}

void *rt_ring_mem(const struct tshm_ring_params *p, size_t *size)
{
	void *mem = NULL;

	TSHM_TEST_CHECK(tshm_ring_mem_size(p, size));
	if (posix_memalign(&mem, 64, *size) != 0)
		fail_msg("posix_memalign %zu", *size);
	memset(mem, 0xa5, *size); /* init must not rely on zeroed memory */
	TSHM_TEST_CHECK(tshm_ring_init_mem(mem, *size, p));
	return mem;
}

/* ---- children and teardown -------------------------------------------------------- */

pid_t rt_fork_open(const char *ring, unsigned role, unsigned max_seconds, struct tshm_ring **r)
{
	pid_t pid = tshm_test_fork(max_seconds);

	if (pid == 0 && tshm_ring_open(r, NULL, ring, role) < 0)
		_exit(2);
	return pid;
}

static const char *watchdog_what = "";

static void watchdog_fire(int sig)
{
	char msg[256];
	int n = snprintf(msg, sizeof(msg), "\nWATCHDOG: '%s' hung (a ring call did not return)\n",
			 watchdog_what);

	(void)sig;
	if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
		msg[0] = 0;
	tshm_test_ns_clean();
	_exit(99);
}

void rt_watchdog(unsigned seconds, const char *what)
{
	watchdog_what = what;
	signal(SIGALRM, watchdog_fire);
	alarm(seconds);
}

int rt_teardown(void **state)
{
	(void)state;
	rt_watchdog(0, "");
	tshm_test_kill_children();
	tshm_test_ns_clean();
	return 0;
}

/* ---- tracking what was delivered ---------------------------------------------------- */

size_t rt_track_size(uint32_t nprod, uint64_t per_prod)
{
	return sizeof(struct rt_track) + (size_t)nprod * ((per_prod + 63) / 64) * 8;
}

void rt_track_init(struct rt_track *t, uint32_t nprod, uint64_t per_prod)
{
	memset(t, 0, rt_track_size(nprod, per_prod));
	t->nprod = nprod;
	t->per_prod = per_prod;
}

uint64_t rt_track_missing(struct rt_track *t, uint32_t p, uint64_t upto)
{
	uint64_t words = (t->per_prod + 63) / 64, miss = 0;

	for (uint64_t s = 0; s < upto; s++)
		if (!(atomic_load(&t->bits[p * words + s / 64]) & (UINT64_C(1) << (s % 64))))
			miss++;
	return miss;
}

void rt_track_expect_clean(struct rt_track *t, const char *what)
{
	if (t->bad || t->dup || t->order || t->gap || t->foreign)
		fail_msg("%s: torn %llu, duplicated %llu, out of order %llu, skipped %llu, foreign "
			 "%llu",
			 what, (unsigned long long)t->bad, (unsigned long long)t->dup,
			 (unsigned long long)t->order, (unsigned long long)t->gap,
			 (unsigned long long)t->foreign);
}

uint64_t rt_track_expect_all(struct rt_track *t, const char *what)
{
	uint64_t total = 0;

	rt_track_expect_clean(t, what);
	for (uint32_t i = 0; i < t->nprod; i++) {
		uint64_t miss = rt_track_missing(t, i, t->per_prod);
		uint64_t got = atomic_load(&t->got[i]);

		if (miss || got != t->per_prod)
			fail_msg("%s: producer %u: %llu of %llu delivered, %llu lost", what, i,
				 (unsigned long long)got, (unsigned long long)t->per_prod,
				 (unsigned long long)miss);
		total += got;
	}
	return total;
}

/* ---- workers ------------------------------------------------------------------------- */

int rt_produce(struct tshm_ring *r, struct rt_track *t, struct rt_prod *o)
{
	struct rt_msg buf[16];
	uint64_t rng = o->seed;
	struct tshm_ring_stats st;
	int rc = 0;

	o->sent = 0;
	while (o->sent < o->count && !(o->stop && atomic_load(o->stop))) {
		uint64_t x = rt_mix(rng++), seq = o->sent;
		unsigned n = 1 + (unsigned)(x % 16), got = 0;
		int err = 0;

		if (n > o->count - seq)
			n = (unsigned)(o->count - seq);
		for (unsigned k = 0; k < n; k++)
			rt_msg_make(&buf[k], o->id, seq + k);
		/* A slow producer mostly reserves: longer claims, to be killed in. */
		switch (o->slow && (x >> 40) % 4 ? 2 : (x >> 8) % 5) {
		case 0:
			rc = tshm_ring_enqueue_burst(r, buf, n);
			break;
		case 1:
			rc = tshm_ring_enqueue_bulk(r, buf, n);
			if (rc != 0 && rc != (int)n)
				return -EPROTO;
			break;
		case 2: {
			struct rt_msg *p = tshm_ring_reserve(r, n, &got, &err);
			unsigned c = got;

			if (!p) {
				if (err)
					return err;
				rc = 0;
				break;
			}
			if (got > n)
				return -EPROTO;
			if ((x >> 20) % 3 == 0)
				c = got - (unsigned)((x >> 24) % got); /* commit fewer */
			if (o->slow) {
				/* Field by field, so a death here leaves torn slots. */
				for (unsigned k = 0; k < got; k++) {
					p[k].producer = buf[k].producer;
					rt_spin_ns((int64_t)((x >> (k % 32)) % 8) * 1000);
					p[k].seq = buf[k].seq;
					p[k].salt = buf[k].salt;
					p[k].payload = buf[k].payload;
					rt_spin_ns((int64_t)((x >> (k % 16)) % 4) * 1000);
					p[k].check = buf[k].check;
				}
			} else {
				memcpy(p, buf, (size_t)c * sizeof(*p));
			}
			rc = tshm_ring_commit(r, c);
			if (rc != (int)c)
				return rc < 0 ? rc : -EPROTO;
			break;
		}
		default:
			rc = tshm_ring_enqueue_wait(r, buf, n, o->timeout_ns);
			if (rc == 0)
				return -EPROTO; /* the wait returns a count > 0 */
			break;
		}
		if (rc < 0)
			return rc;
		if (rc > (int)n)
			return -EPROTO;
		if (rc == 0) /* full: block for room instead of spinning */
			rc = tshm_ring_enqueue_wait(r, buf, 1, o->timeout_ns);
		if (rc < 0)
			return rc;
		o->sent += (uint64_t)rc;
	}
	tshm_ring_stats(r, &st);
	atomic_fetch_add(&t->reaped, st.reaped);
	if (o->last_closes && atomic_fetch_add(&t->finished, 1) + 1 == t->nprod)
		return tshm_ring_close(r);
	return 0;
}

/* Check message @m, and mark it delivered in @t and seen by @s. */
static void check_one(struct rt_track *t, struct rt_seen *s, const struct rt_msg *m, int strict)
{
	uint64_t words = (t->per_prod + 63) / 64, bit;

	if (!rt_msg_ok(m)) {
		atomic_fetch_add(&t->bad, 1);
		return;
	}
	if (m->producer >= t->nprod || m->seq >= t->per_prod) {
		atomic_fetch_add(&t->foreign, 1);
		return;
	}
	if (m->seq < s->next[m->producer])
		atomic_fetch_add(&t->order, 1);
	else if (strict && m->seq != s->next[m->producer])
		atomic_fetch_add(&t->gap, 1);
	s->next[m->producer] = m->seq + 1;
	bit = UINT64_C(1) << (m->seq % 64);
	if (atomic_fetch_or(&t->bits[m->producer * words + m->seq / 64], bit) & bit)
		atomic_fetch_add(&t->dup, 1);
	atomic_fetch_add(&t->got[m->producer], 1);
	s->n++;
}

int rt_consume(struct tshm_ring *r, struct rt_track *t, int mc, uint64_t seed, int64_t timeout_ns,
	       int strict, struct rt_seen *seen)
{
	struct rt_msg buf[16];
	struct tshm_ring_stats st;
	uint64_t rng = seed;
	int rc;

	memset(seen, 0, sizeof(*seen));
	for (;;) {
		uint64_t x = rt_mix(rng++);
		unsigned n = 1 + (unsigned)(x % 16), got = 0;
		int err = 0;

		if ((x >> 8) % 3 == 0) {
			const struct rt_msg *p = tshm_ring_peek(r, n, &got, &err);
			unsigned k = got;

			if (p) {
				if (got > n)
					return -EPROTO;
				if (!mc && (x >> 12) % 2)
					k = got - (unsigned)((x >> 16) % got); /* partial release */
				for (unsigned i = 0; i < k; i++)
					check_one(t, seen, &p[i], strict);
				rc = tshm_ring_release(r, k);
				if (rc != (int)k)
					return rc < 0 ? rc : -EPROTO;
				continue;
			}
			if (err)
				return err;
		}
		rc = (x >> 8) % 3 == 1 ? tshm_ring_dequeue_burst(r, buf, n) : 0;
		if (rc == 0)
			rc = tshm_ring_dequeue_wait(r, buf, n, timeout_ns);
		if (rc <= 0)
			break;
		if (rc > (int)n)
			return -EPROTO;
		for (int i = 0; i < rc; i++)
			check_one(t, seen, &buf[i], strict);
	}
	tshm_ring_stats(r, &st);
	atomic_fetch_add(&t->reaped, st.reaped);
	return rc;
}
