/* tshm-test-labels: unit;fault */
/* SPDX-License-Identifier: MIT */
/*
 * Dead peers. Processes attached to a named ring die by SIGKILL at chosen
 * points: an SPSC producer (the consumer drains, then gets -EPIPE), a
 * consumer (a producer waiting on a full ring gets -EPIPE), a multi-producer
 * holding a reserved claim (reaped: the claim is skipped, the other
 * producers go on), a multi-consumer holding a peeked claim (reaped: the
 * others go on). A peer whose recorded process start time does not match
 * (a reused pid) counts as dead, and so does a zombie.
 *
 * Every wait is bounded: a hang fails the test instead of stalling it.
 */
#include "ring_test.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tickshm/segment.h"

/* White box: the shared peer table, to fake a reused pid. */
#include "../../ringbuf/src/ring_internal.h"

#define WAIT (3 * RT_SEC) /* timeout of every blocking ring call here */
#define QUICK RT_SEC	  /* how long a dead peer may take to notice */
#define CHILD_LIFE 30	  /* seconds before a forgotten child dies of SIGALRM */
#define REAP_MS 5000	  /* for a dead (or dying) child to be reaped */

static const char *const RING = "peers";

struct flags_shm {
	_Atomic int ready;
	_Atomic int go;
	_Atomic int rc;
	_Atomic uint64_t n;
	_Atomic uint64_t reaped;
	_Atomic uint64_t seqs[256];
};

static struct flags_shm *fl;

static int setup(void **state)
{
	(void)state;
	fl = rt_shared(sizeof(*fl));
	return 0;
}

static int teardown(void **state)
{
	rt_teardown(state);
	munmap(fl, sizeof(*fl));
	return 0;
}

static void create(uint32_t cap, uint32_t flags)
{
	struct tshm_ring_params p = {
	    .capacity = cap, .slot_size = sizeof(struct rt_msg), .flags = flags};

	tshm_ring_unlink(NULL, RING);
	TSHM_TEST_CHECK(tshm_ring_create(NULL, RING, &p));
}

static struct tshm_ring *open_ring(unsigned role)
{
	struct tshm_ring *r;

	TSHM_TEST_CHECK(tshm_ring_open(&r, NULL, RING, role));
	return r;
}

/* A child attached to the ring as @role (*@r set in the child). */
static pid_t fork_peer(unsigned role, struct tshm_ring **r)
{
	return rt_fork_open(RING, role, CHILD_LIFE, r);
}

/*
 * Child: die by SIGKILL after @delay_us, by when the parent is asleep in a
 * ring call; or (@delay_us < 0) wait for the parent to send it.
 */
static _Noreturn void child_die(long delay_us)
{
	if (delay_us < 0)
		for (;;)
			pause();
	if (delay_us > 0)
		tshm_test_sleep_us(delay_us);
	raise(SIGKILL);
	_exit(5);
}

static void child_enqueue(struct tshm_ring *r, uint32_t id, uint64_t first, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct rt_msg m;

		rt_msg_make(&m, id, first + i);
		if (tshm_ring_enqueue_wait(r, &m, 1, WAIT) != 1)
			_exit(3);
	}
}

static int wait_ready(int want, int64_t timeout)
{
	return rt_wait_flag(&fl->ready, want, timeout);
}

/* Wait for @pid to be dead: reaped (@zombie 0) or a zombie left unreaped. */
static void wait_dead(pid_t pid, int zombie)
{
	if (!zombie) {
		tshm_test_expect_signal(pid, REAP_MS, SIGKILL, "peer %d", (int)pid);
		return;
	}
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	assert_int_equal(si.si_pid, pid);
}

/* Drain with dequeue_wait into @seqs; returns the final non-positive result. */
static int drain(struct tshm_ring *c, uint32_t want_id, uint64_t *seqs, unsigned *n, unsigned max)
{
	struct rt_msg m[8];
	int rc;

	while ((rc = tshm_ring_dequeue_wait(c, m, 8, WAIT)) > 0)
		for (int i = 0; i < rc; i++) {
			if (!rt_msg_ok(&m[i]) || m[i].producer != want_id)
				fail_msg("bad message (ok %d, producer %u, seq %llu)",
					 rt_msg_ok(&m[i]), m[i].producer,
					 (unsigned long long)m[i].seq);
			if (*n >= max)
				fail_msg("too many messages");
			seqs[(*n)++] = m[i].seq;
		}
	return rc;
}

/* Reap @pid, left a zombie by wait_dead(). */
static void reap(pid_t pid)
{
	int st;

	assert_int_equal(tshm_test_reap(pid, REAP_MS, &st), 0);
}

/* ---- SPSC: producer dies ------------------------------------------------------ */

static void spsc_producer_dies(int zombie, int asleep)
{
	uint64_t seqs[64];
	unsigned n = 0;
	struct tshm_ring *c, *p, *p2;
	int64_t t0;
	pid_t pid;
	int rc;

	create(64, 0);
	c = open_ring(TSHM_RING_CONSUMER);
	atomic_store(&fl->ready, 0);
	pid = fork_peer(TSHM_RING_PRODUCER, &p);
	if (pid == 0) {
		unsigned got;
		struct rt_msg *w;

		child_enqueue(p, 1, 0, 40);
		/* An uncommitted reserve: never published. */
		w = tshm_ring_reserve(p, 5, &got, NULL);
		if (!w)
			_exit(4);
		memset(w, 0x5a, got * sizeof(*w));
		atomic_store(&fl->ready, 1);
		child_die(asleep ? 50000 : -1); /* the consumer sleeps in dequeue_wait by then */
	}
	assert_true(wait_ready(1, 5 * RT_SEC));
	if (!asleep) {
		kill(pid, SIGKILL);
		wait_dead(pid, zombie);
	}
	rt_watchdog(20, "drain after the producer died");
	t0 = tshm_test_now_ns();
	rc = drain(c, 1, seqs, &n, 64);
	rt_watchdog(0, "");
	if (rc != -EPIPE)
		fail_msg("after the producer died: dequeue_wait returned %d, want -EPIPE", rc);
	assert_int_equal(n, 40);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(seqs[i], i);
	assert_true(tshm_test_now_ns() - t0 < QUICK + (asleep ? 50 * RT_MS : 0));
	/* Again: still -EPIPE, at once. */
	struct rt_msg m;
	t0 = tshm_test_now_ns();
	assert_int_equal(tshm_ring_dequeue_wait(c, &m, 1, WAIT), -EPIPE);
	assert_true(tshm_test_now_ns() - t0 < QUICK);
	if (asleep)
		wait_dead(pid, zombie);
	/* The SP role is free again: a new producer attaches and is heard. */
	assert_int_equal(tshm_ring_open(&p2, NULL, RING, TSHM_RING_PRODUCER), 0);
	rt_msg_make(&m, 2, 0);
	assert_int_equal(tshm_ring_enqueue_burst(p2, &m, 1), 1);
	memset(&m, 0, sizeof(m));
	assert_int_equal(tshm_ring_dequeue_wait(c, &m, 1, WAIT), 1);
	assert_true(rt_msg_ok(&m) && m.producer == 2);
	tshm_ring_detach(p2);
	tshm_ring_detach(c);
	if (zombie)
		reap(pid);
}

static void test_ring_peers_spsc_producer_killed(void **state)
{
	(void)state;
	spsc_producer_dies(0, 0);
}

static void test_ring_peers_spsc_producer_zombie(void **state)
{
	(void)state;
	spsc_producer_dies(1, 0);
}

static void test_ring_peers_spsc_producer_dies_while_consumer_sleeps(void **state)
{
	(void)state;
	spsc_producer_dies(1, 1);
}

/* ---- consumer dies ----------------------------------------------------------- */

static void consumer_dies(uint32_t flags, int asleep)
{
	struct rt_msg m[8];
	struct tshm_ring *p, *c;
	int64_t t0;
	pid_t pid;
	int rc;

	create(8, flags);
	p = open_ring(TSHM_RING_PRODUCER);
	atomic_store(&fl->ready, 0);
	pid = fork_peer(TSHM_RING_CONSUMER, &c);
	if (pid == 0) {
		struct rt_msg b[2];

		atomic_store(&fl->ready, 1);
		if (tshm_ring_dequeue_wait(c, b, 2, WAIT) != 2)
			_exit(3);
		atomic_store(&fl->ready, 2);
		child_die(asleep ? 50000 : -1); /* the producer sleeps on the full ring by then */
	}
	assert_true(wait_ready(1, 5 * RT_SEC));
	for (unsigned i = 0; i < 8; i++)
		rt_msg_make(&m[i], 1, i);
	assert_int_equal(tshm_ring_enqueue_burst(p, m, 2), 2);
	assert_true(wait_ready(2, 5 * RT_SEC));
	assert_int_equal(tshm_ring_enqueue_burst(p, m, 8), 8); /* full */
	if (!asleep) {
		kill(pid, SIGKILL);
		wait_dead(pid, 1);
	}
	rt_watchdog(20, "enqueue_wait after the consumer died");
	t0 = tshm_test_now_ns();
	rc = tshm_ring_enqueue_wait(p, m, 1, WAIT);
	rt_watchdog(0, "");
	if (rc != -EPIPE)
		fail_msg(
		    "flags %u: enqueue_wait on a full ring with its consumer dead returned %d, "
		    "want -EPIPE",
		    flags, rc);
	assert_true(tshm_test_now_ns() - t0 < QUICK + (asleep ? 50 * RT_MS : 0));
	wait_dead(pid, 1);
	/* A new consumer takes over and finds the 8 messages. */
	struct tshm_ring *c2 = open_ring(TSHM_RING_CONSUMER);
	assert_int_equal(tshm_ring_dequeue_wait(c2, m, 8, WAIT), 8);
	for (unsigned i = 0; i < 8; i++)
		assert_true(rt_msg_ok(&m[i]) && m[i].seq == i);
	assert_int_equal(tshm_ring_enqueue_wait(p, m, 1, WAIT), 1);
	tshm_ring_detach(c2);
	tshm_ring_detach(p);
	reap(pid);
}

static void test_ring_peers_consumer_killed(void **state)
{
	(void)state;
	consumer_dies(0, 0);
	consumer_dies(TSHM_RING_MP | TSHM_RING_MC, 0);
}

static void test_ring_peers_consumer_dies_while_producer_sleeps(void **state)
{
	(void)state;
	consumer_dies(0, 1);
}

/* ---- MP: producer dies holding a claim ------------------------------------------ */

/*
 * A child producer sends @before messages (id 1), reserves 4 slots, fills
 * them with well-formed messages that must never be delivered (id 1,
 * sequences 1000..), and dies by SIGKILL without committing.
 */
static pid_t claim_and_die(unsigned before)
{
	struct tshm_ring *p;
	pid_t pid = fork_peer(TSHM_RING_PRODUCER, &p);

	if (pid == 0) {
		unsigned got;
		struct rt_msg *w;

		child_enqueue(p, 1, 0, before);
		w = tshm_ring_reserve(p, 4, &got, NULL);
		if (!w || got != 4)
			_exit(4);
		for (unsigned i = 0; i < got; i++)
			rt_msg_make(&w[i], 1, 1000 + i);
		child_die(0);
	}
	return pid;
}

/* A child consumer peeks @n messages and dies by SIGKILL holding them. */
static pid_t peek_and_die(unsigned n)
{
	struct tshm_ring *c;
	pid_t pid = fork_peer(TSHM_RING_CONSUMER, &c);

	if (pid == 0) {
		unsigned got;

		if (!tshm_ring_peek(c, n, &got, NULL) || got != n)
			_exit(4);
		child_die(0);
	}
	return pid;
}

/* A live producer (child) publishes behind the dead claim: it must not hang. */
static void mp_dead_claim_live_producer(uint32_t flags, int zombie)
{
	unsigned from1 = 0, from2 = 0;
	struct tshm_ring *c, *p;
	struct rt_msg m[8];
	pid_t victim, live;
	int64_t t0;
	int rc;

	create(32, flags);
	c = open_ring(TSHM_RING_CONSUMER);
	victim = claim_and_die(3);
	wait_dead(victim, zombie);
	atomic_store(&fl->rc, -1);
	atomic_store(&fl->reaped, 0);
	t0 = tshm_test_now_ns();
	live = fork_peer(TSHM_RING_PRODUCER, &p);
	if (live == 0) {
		struct tshm_ring_stats st;

		child_enqueue(p, 2, 0, 10); /* 3 + 4 + 10 <= 32: never waits for room */
		tshm_ring_stats(p, &st);
		atomic_store(&fl->reaped, st.reaped);
		atomic_store(&fl->rc, tshm_ring_close(p));
		tshm_ring_detach(p);
		_exit(0);
	}
	tshm_test_expect_exit(live, 5000, 0, "live producer behind a dead claim");
	assert_true(tshm_test_now_ns() - t0 < QUICK);
	assert_int_equal(atomic_load(&fl->rc), 0);
	rt_watchdog(20, "consumer after a dead claim");
	for (;;) {
		rc = tshm_ring_dequeue_wait(c, m, 8, WAIT);
		if (rc <= 0)
			break;
		for (int i = 0; i < rc; i++) {
			if (!rt_msg_ok(&m[i]))
				fail_msg("torn message delivered");
			if (m[i].seq >= 1000)
				fail_msg("a message of the dead claim was delivered (seq %llu)",
					 (unsigned long long)m[i].seq);
			if (m[i].producer == 1)
				assert_int_equal(m[i].seq, from1++);
			else
				assert_int_equal(m[i].seq, from2++);
		}
	}
	rt_watchdog(0, "");
	assert_int_equal(rc, 0); /* closed by the live producer */
	assert_int_equal(from1, 3);
	assert_int_equal(from2, 10);
	struct tshm_ring_stats st;
	tshm_ring_stats(c, &st);
	assert_int_equal(atomic_load(&fl->reaped) + st.reaped, 4); /* exactly the claim */
	tshm_ring_detach(c);
	if (zombie)
		reap(victim);
}

static void test_ring_peers_mp_claim_reaped_by_producer(void **state)
{
	(void)state;
	mp_dead_claim_live_producer(TSHM_RING_MP, 0);
	mp_dead_claim_live_producer(TSHM_RING_MP, 1);
	mp_dead_claim_live_producer(TSHM_RING_MP | TSHM_RING_MC, 0);
}

/* No other producer: the blocked consumer reaps the claim itself, then -EPIPE. */
static void test_ring_peers_mp_claim_reaped_by_consumer(void **state)
{
	uint64_t seqs[16];
	unsigned n = 0;
	struct tshm_ring *c, *p;
	struct rt_msg m;
	pid_t victim;
	int64_t t0;
	int rc;

	(void)state;
	for (int mc = 0; mc < 2; mc++) {
		n = 0;
		create(16, TSHM_RING_MP | (mc ? TSHM_RING_MC : 0));
		c = open_ring(TSHM_RING_CONSUMER);
		victim = claim_and_die(5);
		wait_dead(victim, 1);
		rt_watchdog(20, "consumer reaping a dead claim");
		t0 = tshm_test_now_ns();
		rc = drain(c, 1, seqs, &n, 16);
		rt_watchdog(0, "");
		if (rc != -EPIPE)
			fail_msg(
			    "drain after the only producer died holding a claim: %d, want -EPIPE",
			    rc);
		assert_true(tshm_test_now_ns() - t0 < QUICK);
		assert_int_equal(n, 5);
		for (unsigned i = 0; i < n; i++)
			assert_int_equal(seqs[i], i);
		struct tshm_ring_stats st;
		tshm_ring_stats(c, &st);
		assert_int_equal(st.reaped, 4);
		/* The ring works on: a new producer's messages arrive, the claim never. */
		p = open_ring(TSHM_RING_PRODUCER);
		for (unsigned i = 0; i < 20; i++) {
			rt_msg_make(&m, 3, i);
			assert_int_equal(tshm_ring_enqueue_wait(p, &m, 1, WAIT), 1);
			memset(&m, 0, sizeof(m));
			assert_int_equal(tshm_ring_dequeue_wait(c, &m, 1, WAIT), 1);
			assert_true(rt_msg_ok(&m) && m.producer == 3 && m.seq == i);
		}
		tshm_ring_detach(p);
		tshm_ring_detach(c);
		reap(victim);
	}
}

/* ---- MC: consumer dies holding a peeked claim --------------------------------- */

static void test_ring_peers_mc_claim_reaped(void **state)
{
	struct tshm_ring *p, *c;
	struct rt_msg m[8];
	pid_t victim, other;
	int64_t t0;
	int rc;

	(void)state;
	for (int mp = 0; mp < 2; mp++) {
		create(8, TSHM_RING_MC | (mp ? TSHM_RING_MP : 0));
		p = open_ring(TSHM_RING_PRODUCER);
		for (unsigned i = 0; i < 8; i++)
			rt_msg_make(&m[i], 1, i);
		assert_int_equal(tshm_ring_enqueue_burst(p, m, 8), 8); /* full */
		atomic_store(&fl->ready, 0);
		atomic_store(&fl->go, 0);
		atomic_store(&fl->n, 0);
		atomic_store(&fl->rc, 1);
		/* The other consumer attaches first and idles until told. */
		other = fork_peer(TSHM_RING_CONSUMER, &c);
		if (other == 0) {
			struct rt_msg b[8];
			int k;

			atomic_store(&fl->ready, 1);
			while (!atomic_load(&fl->go))
				tshm_test_sleep_us(200);
			while ((k = tshm_ring_dequeue_wait(c, b, 8, WAIT)) > 0)
				for (int i = 0; i < k; i++) {
					uint64_t j = atomic_fetch_add(&fl->n, 1);
					if (!rt_msg_ok(&b[i]) || j >= 256)
						_exit(3);
					atomic_store(&fl->seqs[j], b[i].seq);
				}
			atomic_store(&fl->rc, k);
			tshm_ring_detach(c);
			_exit(0);
		}
		assert_true(wait_ready(1, 5 * RT_SEC));
		victim = peek_and_die(4); /* holding sequences 0..3 */
		wait_dead(victim, mp);
		/* The ring is full and its head claim dead: the producer reclaims it. */
		rt_watchdog(20, "producer behind a dead consumer claim");
		t0 = tshm_test_now_ns();
		rt_msg_make(&m[0], 1, 8);
		rc = tshm_ring_enqueue_wait(p, m, 1, WAIT);
		if (rc != 1)
			fail_msg("enqueue_wait behind a dead consumer's claim: %d, want 1", rc);
		assert_true(tshm_test_now_ns() - t0 < QUICK);
		struct tshm_ring_stats st;
		tshm_ring_stats(p, &st);
		assert_int_equal(st.reaped, 4);
		/* The other consumer now gets everything but the dead claim, in order. */
		atomic_store(&fl->go, 1);
		for (unsigned i = 9; i < 60; i++) {
			rt_msg_make(&m[0], 1, i);
			assert_int_equal(tshm_ring_enqueue_wait(p, m, 1, WAIT), 1);
		}
		assert_int_equal(tshm_ring_close(p), 0);
		tshm_test_expect_exit(other, 10000, 0, "surviving consumer");
		rt_watchdog(0, "");
		assert_int_equal(atomic_load(&fl->rc), 0);
		assert_int_equal(atomic_load(&fl->n), 60 - 4);
		for (unsigned i = 0; i < 56; i++)
			assert_int_equal(atomic_load(&fl->seqs[i]), 4 + i);
		tshm_ring_detach(p);
		if (mp)
			reap(victim);
	}
}

/* A consumer dies holding a claim while another consumer releases behind it. */
static void test_ring_peers_mc_claim_reaped_by_consumer(void **state)
{
	struct tshm_ring *p, *c;
	struct rt_msg m[8];
	pid_t victim;
	int64_t t0;

	(void)state;
	create(16, TSHM_RING_MC);
	p = open_ring(TSHM_RING_PRODUCER);
	c = open_ring(TSHM_RING_CONSUMER);
	for (unsigned i = 0; i < 8; i++)
		rt_msg_make(&m[i], 1, i);
	assert_int_equal(tshm_ring_enqueue_burst(p, m, 8), 8);
	victim = peek_and_die(3);
	wait_dead(victim, 0);
	/* Our dequeue takes 3..7 and must publish its release after the dead claim. */
	rt_watchdog(20, "release behind a dead consumer claim");
	t0 = tshm_test_now_ns();
	assert_int_equal(tshm_ring_dequeue_wait(c, m, 8, WAIT), 5);
	assert_true(tshm_test_now_ns() - t0 < QUICK);
	rt_watchdog(0, "");
	for (unsigned i = 0; i < 5; i++)
		assert_true(rt_msg_ok(&m[i]) && m[i].seq == 3 + i);
	assert_int_equal(tshm_ring_count(c), 0);
	/* All 16 slots are free again. */
	for (unsigned i = 0; i < 8; i++)
		rt_msg_make(&m[i], 1, 8 + i);
	assert_int_equal(tshm_ring_enqueue_burst(p, m, 8), 8);
	assert_int_equal(tshm_ring_enqueue_burst(p, m, 8), 8);
	assert_int_equal(tshm_ring_enqueue_burst(p, m, 1), 0);
	tshm_ring_detach(p);
	tshm_ring_detach(c);
}

/* ---- liveness: reused pid, zombie, entries of the dead ---------------------------- */

static struct ring_peer *find_peer(struct ring_shared *sh, pid_t pid, unsigned role)
{
	for (unsigned i = 0; i < TSHM_RING_MAX_PEERS; i++) {
		struct ring_peer *e = &sh->peers[i];

		if (tshm_ring_load32(&e->state, memory_order_acquire) == PEER_ACTIVE &&
		    e->pid == (uint32_t)pid && e->role == role)
			return e;
	}
	return NULL;
}

/* Field 22 of /proc/<pid>/stat (starttime, clock ticks after boot); 0 if unreadable. */
static uint64_t proc_starttime(pid_t pid)
{
	char path[64], buf[1024], *p;
	uint64_t v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')'))) {
		/* After "pid (comm)" come fields 3, 4, ...: skip to the 22nd. */
		for (int field = 3; field <= 22 && p; field++)
			p = strchr(p + 1, ' ');
		if (p)
			v = strtoull(p + 1, NULL, 10);
	}
	fclose(f);
	return v;
}

/* A live process whose start time does not match the entry is another process. */
static void test_ring_peers_start_time_mismatch(void **state)
{
	char name[TSHM_SEGNAME_MAX];
	struct tshm_segment seg;
	struct tshm_ring *c, *p, *p2 = (void *)1;
	struct ring_peer *e;
	struct rt_msg m;
	pid_t pid;
	int64_t t0;
	int rc;

	(void)state;
	create(16, 0);
	c = open_ring(TSHM_RING_CONSUMER);
	atomic_store(&fl->ready, 0);
	pid = fork_peer(TSHM_RING_PRODUCER, &p);
	if (pid == 0) {
		atomic_store(&fl->ready, 1);
		child_die(-1);
	}
	assert_true(wait_ready(1, 5 * RT_SEC));
	/* Alive and genuine: the SP role is taken, the consumer waits (times out). */
	assert_int_equal(tshm_ring_open(&p2, NULL, RING, TSHM_RING_PRODUCER), -EBUSY);
	assert_int_equal(tshm_ring_dequeue_wait(c, &m, 1, 30 * RT_MS), -ETIMEDOUT);

	TSHM_TEST_CHECK(tshm_name_ring(name, sizeof(name), tshm_test_ns(), RING));
	TSHM_TEST_CHECK(tshm_segment_open(&seg, name, TSHM_SEG_RDWR));
	e = find_peer(seg.base, pid, TSHM_RING_PRODUCER);
	assert_non_null(e);
	if (e->start_time != proc_starttime(pid))
		fail_msg("peer entry start_time %llu, but /proc/%d/stat starttime (field 22) is "
			 "%llu: pid reuse cannot be detected",
			 (unsigned long long)e->start_time, (int)pid,
			 (unsigned long long)proc_starttime(pid));
	e->start_time ^= UINT64_C(0x5a5a5a); /* as if the pid now belonged to another process */
	t0 = tshm_test_now_ns();
	rc = tshm_ring_dequeue_wait(c, &m, 1, WAIT);
	if (rc != -EPIPE)
		fail_msg("producer entry with a foreign start time: dequeue_wait %d, want -EPIPE",
			 rc);
	assert_true(tshm_test_now_ns() - t0 < QUICK);
	assert_int_equal(tshm_ring_open(&p2, NULL, RING, TSHM_RING_PRODUCER), 0);
	tshm_ring_detach(p2);
	tshm_segment_close(&seg);
	tshm_ring_detach(c);
	kill(pid, SIGKILL);
	wait_dead(pid, 0);
}

/* Peers that die without detaching do not use up the peer table. */
static void test_ring_peers_dead_entries_reused(void **state)
{
	struct tshm_ring *r;

	(void)state;
	create(16, TSHM_RING_MP | TSHM_RING_MC);
	for (unsigned i = 0; i < TSHM_RING_MAX_PEERS + 8; i++) {
		struct tshm_ring *x;
		pid_t pid = fork_peer(i % 2 ? TSHM_RING_CONSUMER : TSHM_RING_PRODUCER, &x);
		int st;

		if (pid == 0) {
			if (i % 3 == 0)
				child_die(0);
			_exit(0); /* no detach */
		}
		assert_int_equal(tshm_test_reap(pid, REAP_MS, &st), 0);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 2)
			fail_msg("attach %u refused: dead peers' entries not reused", i);
	}
	assert_int_equal(tshm_ring_open(&r, NULL, RING, TSHM_RING_PRODUCER), 0);
	tshm_ring_detach(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_ring_peers_spsc_producer_killed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ring_peers_spsc_producer_zombie, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_ring_peers_spsc_producer_dies_while_consumer_sleeps, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ring_peers_consumer_killed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ring_peers_consumer_dies_while_producer_sleeps,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ring_peers_mp_claim_reaped_by_producer, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_ring_peers_mp_claim_reaped_by_consumer, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_ring_peers_mc_claim_reaped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ring_peers_mc_claim_reaped_by_consumer, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_ring_peers_start_time_mismatch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ring_peers_dead_entries_reused, setup, teardown),
	};

	tshm_test_ns_init("ringpeers");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
