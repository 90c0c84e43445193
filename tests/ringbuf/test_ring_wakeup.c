/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/*
 * Lost wakeups. A consumer asleep in dequeue_wait on an empty ring (or a
 * producer asleep in enqueue_wait on a full one) must be woken by the one
 * enqueue (dequeue) that ends its wait, not find the message only when its
 * sleep slice runs out. Hundreds of rounds, each publishing exactly one
 * message while the other side is in a chosen phase of going to sleep:
 * spinning, just counted as a waiter, or surely asleep in the futex.
 *
 * Two checks, neither upset by a busy host. Exact: the waker's wake counter
 * tells whether its publish issued a futex wake; if it did not, the
 * handshake guarantees the sleeper saw the message before sleeping, so a
 * sleeper that still went into the futex (its wait counter rose) lost a
 * wakeup. Stall: the sleeper sets a 3 s sleep slice (normally 10 ms, which
 * would hide a lost wakeup behind a short delay), so a wake that was issued
 * but missed leaves it asleep for seconds, not the milliseconds a busy host
 * may add; any round that slept for STALL_NS fails the test.
 */
#include "ring_test.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* White box: the waiter counts show when the other side is going to sleep. */
#include "../../ringbuf/src/ring_internal.h"

#define ROUNDS 500
#define WAIT_NS (5 * RT_SEC)
#define SLICE_NS (3 * RT_SEC)
#define STALL_NS (1 * RT_SEC)
#define NPHASES 8 /* 0 at once, 1-3 sweep, 4-7 after the waiter shows */

/* One round's result, written by the side that slept. */
struct round {
	_Atomic int64_t t_call; /* when the sleeper started its blocking call */
	_Atomic int64_t t_pub;	/* when the waker published (before the call) */
	_Atomic int64_t t_pubd; /* when the waker's publish call had returned */
	_Atomic int woke;	/* the waker's publish issued a futex wake */
	_Atomic int64_t t_done; /* when the sleeper's call returned */
	_Atomic int rc;
	_Atomic int slept; /* the sleeper's futex wait count went up in this call */
	int phase;	   /* how the waker published (waker_rounds) */
};

struct shared {
	_Atomic uint64_t done;	    /* rounds the sleeper has finished */
	_Atomic uint64_t published; /* rounds whose publish call has returned */
	_Atomic int failed;	    /* the sleeper saw something wrong: round + 1 */
	_Atomic int why;	    /* 1 bad message, 2 call failed, 3 stalled asleep */
	struct round r[ROUNDS];
};

/*
 * Did the sleeper of round @i stay asleep STALL_NS after the publish call
 * had returned? Judged from its return, so a waker preempted around its
 * call is not taken for a lost wakeup.
 */
static int stalled(struct shared *sh, uint64_t i, int64_t deadline)
{
	while (atomic_load(&sh->published) <= i && tshm_test_now_ns() < deadline)
		sched_yield();
	return atomic_load(&sh->r[i].t_done) - atomic_load(&sh->r[i].t_pubd) >= STALL_NS;
}

/* Sleeper side: one blocking call per round, on an empty (data) or full (space) ring. */
static void sleeper_rounds(struct tshm_ring *r, struct shared *sh, int space)
{
	struct rt_msg m;

	/* Off the test's main thread (or in a child): report, do not assert. */
	if (tshm_ring_set_sleep_slice(r, SLICE_NS) < 0) {
		atomic_store(&sh->why, 2);
		atomic_store(&sh->failed, 1);
		return;
	}
	for (uint64_t i = 0; i < ROUNDS; i++) {
		struct tshm_ring_stats a, b;
		int64_t deadline = tshm_test_now_ns() + WAIT_NS;
		int rc;

		/* Not before the last round's publish call is over: its futex
		 * bump, landing in this round, would end a sleep early. */
		while (atomic_load(&sh->published) < i && tshm_test_now_ns() < deadline)
			sched_yield();
		tshm_ring_stats(r, &a);
		atomic_store(&sh->r[i].t_call, tshm_test_now_ns());
		if (space) {
			rt_msg_make(&m, 2, i + 4); /* after the 4 that filled the ring */
			rc = tshm_ring_enqueue_wait(r, &m, 1, WAIT_NS);
		} else {
			rc = tshm_ring_dequeue_wait(r, &m, 1, WAIT_NS);
			if (rc == 1 && (!rt_msg_ok(&m) || m.seq != i)) {
				atomic_store(&sh->why, 1);
				atomic_store(&sh->failed, (int)i + 1);
				return;
			}
		}
		atomic_store(&sh->r[i].t_done, tshm_test_now_ns());
		tshm_ring_stats(r, &b);
		atomic_store(&sh->r[i].rc, rc);
		atomic_store(&sh->r[i].slept, b.waits > a.waits);
		if (rc != 1 || (b.waits > a.waits && stalled(sh, i, deadline))) {
			atomic_store(&sh->why, rc != 1 ? 2 : 3);
			atomic_store(&sh->failed, (int)i + 1);
			return;
		}
		atomic_store(&sh->done, i + 1);
	}
}

/*
 * Waker side: for each round wait until the sleeper is in the round's
 * blocking call, pick a phase, then publish exactly one message (enqueue) or
 * free exactly one slot (dequeue).
 */
static void waker_rounds(struct tshm_ring *r, struct shared *sh, int space, uint64_t seed)
{
	uint32_t *waiters = space ? &r->sh->wait.space.waiters : &r->sh->wait.data.waiters;
	int64_t path = 30000; /* running estimate: sleeper's call to waiter count, ns */
	struct rt_msg m;

	for (uint64_t i = 0; i < ROUNDS; i++) {
		uint64_t x = rt_mix(seed + i);
		int64_t deadline = tshm_test_now_ns() + WAIT_NS;
		int phase = (int)(x % NPHASES);
		struct tshm_ring_stats a, b;
		int rc;

		/* Yield while waiting: the sleeper may need this core. */
		while (atomic_load(&sh->done) < i && !atomic_load(&sh->failed)) {
			if (tshm_test_now_ns() > deadline)
				fail_msg("round %llu: the sleeper did not finish round %llu",
					 (unsigned long long)i, (unsigned long long)i - 1);
			sched_yield();
		}
		if (atomic_load(&sh->failed))
			break;
		/* Phase 0: publish at once. 1-3: around when the sleeper, having
		 * spun and yielded, goes to sleep (0.8 to 1.2 times the time it
		 * took in earlier rounds to count as a waiter): where a broken
		 * handshake loses the wakeup. 4-7: once it counts as a waiter,
		 * then 0, ~20 us, 300 us or 3 ms later (surely in the futex). */
		if (phase >= 1 && phase <= 3) {
			int64_t tc;

			while (!(tc = atomic_load(&sh->r[i].t_call)) &&
			       tshm_test_now_ns() < deadline)
				;
			while (tshm_test_now_ns() <
			       tc + path * 4 / 5 +
				   (int64_t)((x >> 8) % (uint64_t)(path * 2 / 5 + 1)))
				;
		}
		if (phase > 3) {
			while (tshm_ring_load32(waiters, memory_order_acquire) == 0) {
				if (tshm_test_now_ns() > deadline)
					fail_msg("round %llu: the sleeper never went to sleep",
						 (unsigned long long)i);
				if (atomic_load(&sh->failed))
					break;
				sched_yield();
			}
			int64_t tc = atomic_load(&sh->r[i].t_call);

			if (tc && phase == 4) /* just seen: a fair sample of the path */
				path = (path * 7 + (tshm_test_now_ns() - tc)) / 8;
			if (phase == 5)
				rt_spin_ns(20000);
			else if (phase == 6)
				tshm_test_sleep_us(300);
			else if (phase == 7)
				tshm_test_sleep_us(3000);
		}
		sh->r[i].phase = phase;
		tshm_ring_stats(r, &a);
		atomic_store(&sh->r[i].t_pub, tshm_test_now_ns());
		if (space) {
			rc = tshm_ring_dequeue_burst(r, &m, 1);
			if (rc != 1 || !rt_msg_ok(&m) || m.seq != i)
				fail_msg("round %llu: dequeue %d seq %llu", (unsigned long long)i,
					 rc, (unsigned long long)m.seq);
		} else {
			rt_msg_make(&m, 1, i);
			rc = tshm_ring_enqueue_burst(r, &m, 1);
			if (rc != 1)
				fail_msg("round %llu: enqueue %d", (unsigned long long)i, rc);
		}
		atomic_store(&sh->r[i].t_pubd, tshm_test_now_ns());
		tshm_ring_stats(r, &b);
		atomic_store(&sh->r[i].woke, b.wakes > a.wakes);
		atomic_store(&sh->published, i + 1);
	}
}

static void check_rounds(struct shared *sh, const char *what)
{
	int64_t worst = 0, lat[ROUNDS];
	int slept = 0, unwoken = 0, failed = atomic_load(&sh->failed);

	if (failed && atomic_load(&sh->why) == 3)
		fail_msg("%s: round %d slept %lld ms after a publish %lld us into its call: a lost "
			 "wakeup, ended only by the %lld s sleep slice",
			 what, failed - 1,
			 (long long)((atomic_load(&sh->r[failed - 1].t_done) -
				      atomic_load(&sh->r[failed - 1].t_pubd)) /
				     RT_MS),
			 (long long)((atomic_load(&sh->r[failed - 1].t_pub) -
				      atomic_load(&sh->r[failed - 1].t_call)) /
				     1000),
			 (long long)(SLICE_NS / RT_SEC));
	if (failed)
		fail_msg("%s: sleeper failed in round %d (reason %d, rc %d)", what, failed - 1,
			 atomic_load(&sh->why), atomic_load(&sh->r[failed - 1].rc));
	assert_int_equal(atomic_load(&sh->done), ROUNDS);
	for (int i = 0; i < ROUNDS; i++) {
		lat[i] = atomic_load(&sh->r[i].t_done) - atomic_load(&sh->r[i].t_pub);
		if (lat[i] > worst)
			worst = lat[i];
		slept += atomic_load(&sh->r[i].slept);
		/* Exact: no wake issued, yet the sleeper slept, and its one
		 * slice cannot have run out before the publish. */
		if (!atomic_load(&sh->r[i].woke) && atomic_load(&sh->r[i].slept) &&
		    atomic_load(&sh->r[i].t_pub) - atomic_load(&sh->r[i].t_call) < STALL_NS) {
			if (!unwoken++)
				printf("# %s: round %d (phase %d): slept in the futex, but the "
				       "publish %lld us into its call issued no wake\n",
				       what, i, sh->r[i].phase,
				       (long long)((atomic_load(&sh->r[i].t_pub) -
						    atomic_load(&sh->r[i].t_call)) /
						   1000));
		}
	}
	printf("# %s, by phase (rounds/slept/over 1 ms/max us):", what);
	for (int ph = 0; ph < NPHASES; ph++) {
		int64_t mx = 0;
		int n = 0, over = 0, sl = 0;

		for (int i = 0; i < ROUNDS; i++)
			if (sh->r[i].phase == ph) {
				n++;
				over += lat[i] > RT_MS;
				sl += atomic_load(&sh->r[i].slept);
				mx = lat[i] > mx ? lat[i] : mx;
			}
		printf(" %d/%d/%d/%lld", n, sl, over, (long long)(mx / 1000));
	}
	printf("\n");
	/* Median, for the log. */
	for (int i = 1; i < ROUNDS; i++)
		for (int j = i; j > 0 && lat[j - 1] > lat[j]; j--) {
			int64_t t = lat[j];
			lat[j] = lat[j - 1];
			lat[j - 1] = t;
		}
	printf("# %s: %d rounds, %d slept in the futex, wake latency median %lld us, p99 %lld "
	       "us, max %lld us\n",
	       what, ROUNDS, slept, (long long)(lat[ROUNDS / 2] / 1000),
	       (long long)(lat[ROUNDS * 99 / 100] / 1000), (long long)(worst / 1000));
	if (slept < ROUNDS / 3)
		fail_msg("%s: only %d of %d rounds really slept: the test did not test", what,
			 slept, ROUNDS);
	if (unwoken)
		fail_msg("%s: %d rounds lost their wakeup (the sleeper slept though the publish "
			 "issued no wake)",
			 what, unwoken);
}

static const struct tshm_ring_params params = {.capacity = 4, .slot_size = sizeof(struct rt_msg)};

/* ---- across processes --------------------------------------------------------- */

static void run_processes(uint32_t flags, int space)
{
	struct tshm_ring_params p = params;
	struct shared *sh = rt_shared(sizeof(*sh));
	struct tshm_ring *me, *r;
	pid_t pid;

	p.flags = flags;
	TSHM_TEST_CHECK(tshm_ring_create(NULL, "wake", &p));
	TSHM_TEST_CHECK(
	    tshm_ring_open(&me, NULL, "wake", space ? TSHM_RING_CONSUMER : TSHM_RING_PRODUCER));
	if (space) { /* full, so the producer's first wait sleeps */
		struct rt_msg m[4];
		struct tshm_ring *fill;

		TSHM_TEST_CHECK(tshm_ring_open(&fill, NULL, "wake", TSHM_RING_PRODUCER));
		for (unsigned i = 0; i < 4; i++)
			rt_msg_make(&m[i], 2, i); /* sequences 0..3; the sleeper sends 4.. */
		assert_int_equal(tshm_ring_enqueue_burst(fill, m, 4), 4);
		tshm_ring_detach(fill);
	}
	pid = rt_fork_open("wake", space ? TSHM_RING_PRODUCER : TSHM_RING_CONSUMER, 60, &r);
	if (pid == 0) {
		sleeper_rounds(r, sh, space);
		tshm_ring_detach(r);
		_exit(0);
	}
	rt_watchdog(90, "wakeup rounds");
	waker_rounds(me, sh, space, flags * 7 + (uint64_t)space);
	rt_watchdog(0, "");
	tshm_test_expect_exit(pid, 10000, 0, "sleeper");
	tshm_ring_detach(me);
	TSHM_TEST_CHECK(tshm_ring_unlink(NULL, "wake"));
	check_rounds(sh, space ? "producer wakes (processes)" : "consumer wakes (processes)");
	munmap(sh, sizeof(*sh));
}

static void test_ring_wakeup_consumer_process(void **state)
{
	(void)state;
	run_processes(0, 0);
}

static void test_ring_wakeup_consumer_process_mpmc(void **state)
{
	(void)state;
	run_processes(TSHM_RING_MP | TSHM_RING_MC, 0);
}

static void test_ring_wakeup_producer_process(void **state)
{
	(void)state;
	run_processes(0, 1);
}

/* ---- threads ------------------------------------------------------------------ */

struct sleeper_arg {
	struct tshm_ring *r;
	struct shared *sh;
	int space;
};

static void *sleeper_main(void *arg)
{
	struct sleeper_arg *a = arg;

	sleeper_rounds(a->r, a->sh, a->space);
	return NULL;
}

/*
 * Freed by thread_teardown(), so a failed assertion does not leak them; a
 * sleeper still running then is joined first (its calls time out).
 */
static struct shared *thread_sh;
static void *thread_mem;
static struct tshm_ring *thread_prod, *thread_cons;
static pthread_t thread_th;
static int thread_running;

static int thread_teardown(void **state)
{
	if (thread_running)
		pthread_join(thread_th, NULL);
	thread_running = 0;
	tshm_ring_detach(thread_prod);
	tshm_ring_detach(thread_cons);
	thread_prod = thread_cons = NULL;
	free(thread_sh);
	free(thread_mem);
	thread_sh = NULL;
	thread_mem = NULL;
	return rt_teardown(state);
}

static void run_threads(uint32_t flags, int space)
{
	struct tshm_ring_params p = params;
	struct shared *sh = thread_sh = calloc(1, sizeof(*sh));
	static struct sleeper_arg a; /* outlives a failed test until the join */
	struct tshm_ring *prod, *cons;
	size_t size;
	void *mem;

	p.flags = flags;
	mem = thread_mem = rt_ring_mem(&p, &size);
	TSHM_TEST_CHECK(tshm_ring_attach_mem(&thread_prod, mem, size, TSHM_RING_PRODUCER));
	TSHM_TEST_CHECK(tshm_ring_attach_mem(&thread_cons, mem, size, TSHM_RING_CONSUMER));
	prod = thread_prod;
	cons = thread_cons;
	if (space) {
		struct rt_msg m[4];

		for (unsigned i = 0; i < 4; i++)
			rt_msg_make(&m[i], 2, i);
		assert_int_equal(tshm_ring_enqueue_burst(prod, m, 4), 4);
	}
	a = (struct sleeper_arg){.r = space ? prod : cons, .sh = sh, .space = space};
	assert_int_equal(pthread_create(&thread_th, NULL, sleeper_main, &a), 0);
	thread_running = 1;
	rt_watchdog(90, "wakeup rounds (threads)");
	waker_rounds(space ? cons : prod, sh, space, flags * 11 + (uint64_t)space);
	thread_running = 0;
	assert_int_equal(pthread_join(thread_th, NULL), 0);
	rt_watchdog(0, "");
	check_rounds(sh, space ? "producer wakes (threads)" : "consumer wakes (threads)");
}

static void test_ring_wakeup_consumer_thread(void **state)
{
	(void)state;
	run_threads(0, 0);
}

static void test_ring_wakeup_consumer_thread_mpmc(void **state)
{
	(void)state;
	run_threads(TSHM_RING_MP | TSHM_RING_MC, 0);
}

static void test_ring_wakeup_producer_thread(void **state)
{
	(void)state;
	run_threads(TSHM_RING_MP | TSHM_RING_MC, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_ring_wakeup_consumer_process, rt_teardown),
	    cmocka_unit_test_teardown(test_ring_wakeup_consumer_process_mpmc, rt_teardown),
	    cmocka_unit_test_teardown(test_ring_wakeup_producer_process, rt_teardown),
	    cmocka_unit_test_teardown(test_ring_wakeup_consumer_thread, thread_teardown),
	    cmocka_unit_test_teardown(test_ring_wakeup_consumer_thread_mpmc, thread_teardown),
	    cmocka_unit_test_teardown(test_ring_wakeup_producer_thread, thread_teardown),
	};

	tshm_test_ns_init("ringwake");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
