/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the ring tests (header-only: every test_*.c here is its
 * own program). Messages, clocks, shared scratch memory, child processes
 * reaped with deadlines, and a watchdog that turns a hang into a failure.
 */
#ifndef TSHM_RING_TEST_H
#define TSHM_RING_TEST_H

#include "tshm_test.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tickshm/ring.h"

#define RT_CHECK(expr)                                                                             \
	do {                                                                                       \
		int rc_ = (int)(expr);                                                             \
		if (rc_ < 0)                                                                       \
			fail_msg("%s:%d: %s -> %d (%s)", __FILE__, __LINE__, #expr, rc_,           \
				 tshm_strerror(rc_));                                              \
	} while (0)

#define RT_MS INT64_C(1000000)
#define RT_SEC INT64_C(1000000000)

/* A 32-byte test message: who sent it, its sequence, a payload, a checksum. */
struct rt_msg {
	uint32_t producer;
	uint32_t salt;
	uint64_t seq;
	uint64_t payload;
	uint64_t check;
};
_Static_assert(sizeof(struct rt_msg) == 32, "rt_msg");

static inline uint64_t rt_mix(uint64_t z)
{
	z += UINT64_C(0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static inline uint64_t rt_msg_sum(const struct rt_msg *m)
{
	return rt_mix(rt_mix(((uint64_t)m->producer << 32 | m->salt) ^ m->seq) ^ m->payload);
}

static inline void rt_msg_make(struct rt_msg *m, uint32_t producer, uint64_t seq)
{
	m->producer = producer;
	m->salt = (uint32_t)rt_mix(seq * 31 + producer);
	m->seq = seq;
	m->payload = rt_mix(seq ^ ((uint64_t)producer << 40));
	m->check = rt_msg_sum(m);
}

static inline int rt_msg_ok(const struct rt_msg *m)
{
	return m->check == rt_msg_sum(m) &&
	       m->salt == (uint32_t)rt_mix(m->seq * 31 + m->producer) &&
	       m->payload == rt_mix(m->seq ^ ((uint64_t)m->producer << 40));
}

/* Deterministic bytes of message @seq for odd slot sizes. */
static inline uint8_t rt_byte(uint64_t seq, uint32_t i)
{
	return (uint8_t)(rt_mix(seq * 65537 + i) >> 13);
}

static inline int64_t rt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * RT_SEC + ts.tv_nsec;
}

static inline void rt_sleep_us(long us)
{
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Memory shared with forked children (zeroed). */
static inline void *rt_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		fail_msg("mmap shared %zu: %s", size, strerror(errno));
	return p;
}

/* 64-byte aligned ring memory for tshm_ring_init_mem (free with free()). */
static inline void *rt_ring_mem(const struct tshm_ring_params *p, size_t *size)
{
	void *mem = NULL;

	RT_CHECK(tshm_ring_mem_size(p, size));
	if (posix_memalign(&mem, 64, *size) != 0)
		fail_msg("posix_memalign %zu", *size);
	memset(mem, 0xa5, *size); /* init must not rely on zeroed memory */
	RT_CHECK(tshm_ring_init_mem(mem, *size, p));
	return mem;
}

/* ---- child processes ------------------------------------------------------ */

/* Runs first in every child: default signals, die with the parent, bounded life. */
static inline void rt_child_init(unsigned max_seconds)
{
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	signal(SIGILL, SIG_DFL);
	signal(SIGFPE, SIG_DFL);
	signal(SIGABRT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(max_seconds);
}

/* Children alive right now, so a failed test can kill what it left running. */
static pid_t rt_kids[64];

static inline void rt_kid_forget(pid_t pid)
{
	for (size_t i = 0; i < sizeof(rt_kids) / sizeof(rt_kids[0]); i++)
		if (rt_kids[i] == pid)
			rt_kids[i] = 0;
}

/*
 * Reap @pid by @deadline (rt_now() based); past it, SIGKILL and reap.
 * Returns 0 with *@status set, -ETIMEDOUT if it had to be killed, or -errno.
 */
static inline int rt_reap(pid_t pid, int64_t deadline, int *status)
{
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid) {
			rt_kid_forget(pid);
			return 0;
		}
		if (r < 0 && errno != EINTR) {
			rt_kid_forget(pid);
			return -errno;
		}
		if (rt_now() > deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			rt_kid_forget(pid);
			return -ETIMEDOUT;
		}
		rt_sleep_us(200);
	}
}

static inline const char *rt_status(int st, char *buf, size_t len)
{
	if (WIFEXITED(st))
		snprintf(buf, len, "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(buf, len, "status 0x%x", st);
	return buf;
}

/* Reap @pid within @timeout_ns and require a clean exit 0. */
static inline void rt_expect_exit0(pid_t pid, int64_t timeout_ns, const char *what)
{
	char buf[64];
	int st = 0;
	int rc = rt_reap(pid, rt_now() + timeout_ns, &st);

	if (rc == -ETIMEDOUT)
		fail_msg("%s (pid %d) hung: killed after %lld ms", what, (int)pid,
			 (long long)(timeout_ns / RT_MS));
	if (rc < 0)
		fail_msg("%s: waitpid: %s", what, strerror(-rc));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("%s (pid %d) failed: %s", what, (int)pid, rt_status(st, buf, sizeof(buf)));
}

/* fork(); in the parent, remember the child (rt_reap forgets it). */
static inline pid_t rt_fork(void)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid > 0)
		for (size_t i = 0; i < sizeof(rt_kids) / sizeof(rt_kids[0]); i++)
			if (rt_kids[i] == 0) {
				rt_kids[i] = pid;
				break;
			}
	return pid;
}

/* SIGKILL and reap every child still registered (teardowns). */
static inline void rt_kill_kids(void)
{
	for (size_t i = 0; i < sizeof(rt_kids) / sizeof(rt_kids[0]); i++)
		if (rt_kids[i] > 0) {
			int st;

			kill(rt_kids[i], SIGKILL);
			while (waitpid(rt_kids[i], &st, 0) < 0 && errno == EINTR)
				;
			rt_kids[i] = 0;
		}
}

/* ---- watchdog ----------------------------------------------------------------- */

static const char *rt_watchdog_what = "";

static inline void rt_watchdog_fire(int sig)
{
	char msg[256];
	int n = snprintf(msg, sizeof(msg), "\nWATCHDOG: '%s' hung (a ring call did not return)\n",
			 rt_watchdog_what);

	(void)sig;
	if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
		msg[0] = 0;
	tshm_test_ns_clean();
	_exit(99);
}

/* Arm (seconds > 0) or disarm (0) a process-wide watchdog for @what. */
static inline void rt_watchdog(unsigned seconds, const char *what)
{
	rt_watchdog_what = what;
	signal(SIGALRM, rt_watchdog_fire);
	alarm(seconds);
}

/* ---- workers: mixed-API producer and verifying consumer ----------------------- */

#define RT_MAXP 8

/* Shared by the consumers of one run (threads, or processes via rt_shared()). */
struct rt_track {
	uint32_t nprod;
	uint64_t per_prod;
	_Atomic uint64_t bad;	  /* checksum failures (torn or garbage messages) */
	_Atomic uint64_t dup;	  /* delivered twice */
	_Atomic uint64_t order;	  /* a producer's sequence went backwards for one consumer */
	_Atomic uint64_t gap;	  /* strict mode: a consumer skipped a producer's sequence */
	_Atomic uint64_t foreign; /* unknown producer id or sequence out of range */
	_Atomic uint64_t got[RT_MAXP];
	_Atomic uint64_t reaped;   /* stats.reaped summed over handles */
	_Atomic uint64_t finished; /* producers done: the last one closes the ring */
	_Atomic uint64_t bits[];   /* nprod * ceil(per_prod / 64) */
};

static inline size_t rt_track_size(uint32_t nprod, uint64_t per_prod)
{
	return sizeof(struct rt_track) + (size_t)nprod * ((per_prod + 63) / 64) * 8;
}

static inline void rt_track_init(struct rt_track *t, uint32_t nprod, uint64_t per_prod)
{
	memset(t, 0, rt_track_size(nprod, per_prod));
	t->nprod = nprod;
	t->per_prod = per_prod;
}

/* Messages of producer @p missing from the bitmap. */
static inline uint64_t rt_track_missing(struct rt_track *t, uint32_t p, uint64_t upto)
{
	uint64_t words = (t->per_prod + 63) / 64, miss = 0;

	for (uint64_t s = 0; s < upto; s++)
		if (!(atomic_load(&t->bits[p * words + s / 64]) & (UINT64_C(1) << (s % 64))))
			miss++;
	return miss;
}

/* How one producer runs (rt_produce). */
struct rt_prod {
	uint32_t id;
	uint64_t count;	    /* messages to send (sequences 0 .. count-1) */
	uint64_t seed;	    /* picks the calls and sizes */
	int64_t timeout_ns; /* for every wait */
	int last_closes;    /* the producer finishing last (of t->nprod) closes */
	int slow;	    /* write reserved slots field by field with pauses */
	_Atomic int *stop;  /* stop early once set (NULL: never) */
	uint64_t sent;	    /* out: messages published */
};

static inline void rt_spin_ns(int64_t ns)
{
	int64_t end = rt_now() + ns;

	while (rt_now() < end)
		;
}

/*
 * Produce as @o says, picking enqueue_wait, burst, bulk or reserve/commit
 * (sometimes committing fewer) at random. Returns 0 or the first
 * unexpected error (-EPIPE once the ring is closed by someone else).
 */
static inline int rt_produce(struct tshm_ring *r, struct rt_track *t, struct rt_prod *o)
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

/* Per-consumer view: the last sequence seen of each producer. */
struct rt_seen {
	uint64_t next[RT_MAXP]; /* lowest sequence still acceptable */
	uint64_t n;
};

static inline void rt_check_one(struct rt_track *t, struct rt_seen *s, const struct rt_msg *m,
				int strict)
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

/*
 * Consume until end of stream, with dequeue_wait or peek/release (partial
 * releases on single-consumer rings) at random, checking every message.
 * @strict: a producer's sequence must not skip within this consumer.
 * Returns 0 at end of stream (or the dequeue_wait error: -EPIPE, -ETIMEDOUT).
 */
static inline int rt_consume(struct tshm_ring *r, struct rt_track *t, int mc, uint64_t seed,
			     int64_t timeout_ns, int strict, struct rt_seen *seen)
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
					rt_check_one(t, seen, &p[i], strict);
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
			rt_check_one(t, seen, &buf[i], strict);
	}
	tshm_ring_stats(r, &st);
	atomic_fetch_add(&t->reaped, st.reaped);
	return rc;
}

#endif
