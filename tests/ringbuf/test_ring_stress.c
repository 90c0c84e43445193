/* tshm-test-labels: stress */
/* SPDX-License-Identifier: MIT */
/*
 * Multi-process stress over named rings: 1P1C (SPSC), 2P1C (MP), 1P2C (MC)
 * and 2P2C (MP|MC), each a separate process, mixing every enqueue and
 * dequeue call. Every 32-byte message carries (producer, sequence, payload,
 * checksum); the consumers check each one and mark it in per-producer
 * bitmaps in shared memory: none torn, none lost, none duplicated, and each
 * producer's sequence strictly increasing within each consumer.
 *
 * Then the kill test (ring_kill.h) for as many of 1,000 iterations as fit in
 * the time budget: on a quiet host the whole program stays under a minute
 * in a Debug+ASan build on 2 cores. On a host too busy for that, each configuration stops
 * its producers after CONFIG_NS and checks what they sent, and the kill
 * test still runs KILL_MIN iterations: a slow host tests less, never fails
 * for being slow.
 */
#include "ring_kill.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#define BUDGET_NS (45 * RT_SEC) /* the whole program, stress then kill */
#define CONFIG_NS (8 * RT_SEC)	/* then a configuration's producers stop early */
#define KILL_ITERATIONS 1000
#define KILL_MIN 50	/* kill iterations run even past the budget */
#define CHILD_LIFE 60	/* seconds: SIGALRM past it */
#define FINISH_MS 40000 /* for each child to finish once told to stop */

static int64_t t_start;

struct config {
	uint32_t flags;
	uint32_t np, nc, cap;
	uint64_t per; /* messages per producer, unless stopped early */
};

/* Shared between the parent and a configuration's children. */
struct stress_shm {
	_Atomic int rc[RT_MAXP * 2];
	_Atomic uint64_t count[RT_MAXP * 2]; /* sent or taken */
	_Atomic uint32_t attached;	     /* producers attached */
	_Atomic uint32_t produced;	     /* producers done */
	_Atomic int stop;		     /* the parent's time cap ran out */
};

static void stress_child(const struct config *cf, struct stress_shm *sh, struct rt_track *t,
			 struct tshm_ring *r, uint32_t i)
{
	int rc;

	if (i < cf->nc) {
		struct rt_seen seen;

		rc = rt_consume(r, t, (cf->flags & TSHM_RING_MC) != 0, 77 + i, 10 * RT_SEC, 0,
				&seen);
		atomic_store(&sh->count[i], seen.n);
	} else {
		uint32_t id = i - cf->nc;
		struct rt_prod o = {.id = id,
				    .count = cf->per,
				    .seed = 99 + id,
				    .timeout_ns = 10 * RT_SEC,
				    .last_closes = 1,
				    .stop = &sh->stop};

		/* No producer may finish and detach before its siblings
		 * attached: the ring would have no producer and no close for
		 * a moment, which consumers rightly report as -EPIPE. */
		atomic_fetch_add(&sh->attached, 1);
		for (int64_t end = tshm_test_now_ns() + 10 * RT_SEC;
		     atomic_load(&sh->attached) < cf->np && tshm_test_now_ns() < end;)
			tshm_test_sleep_us(100);
		rc = rt_produce(r, t, &o);
		atomic_store(&sh->count[i], o.sent);
		atomic_fetch_add(&sh->produced, 1);
	}
	atomic_store(&sh->rc[i], rc);
}

/* Every message each producer sent was delivered once, and nothing else. */
static uint64_t stress_expect_sent(struct rt_track *t, const struct stress_shm *sh,
				   const struct config *cf, const char *what)
{
	uint64_t total = 0;

	rt_track_expect_clean(t, what);
	for (uint32_t p = 0; p < cf->np; p++) {
		uint64_t sent = atomic_load(&sh->count[cf->nc + p]);
		uint64_t got = atomic_load(&t->got[p]), miss = rt_track_missing(t, p, sent);

		if (miss || got != sent)
			fail_msg("%s: producer %u: %llu sent, %llu delivered, %llu lost", what, p,
				 (unsigned long long)sent, (unsigned long long)got,
				 (unsigned long long)miss);
		total += sent;
	}
	if (total == 0)
		fail_msg("%s: nothing was sent", what);
	return total;
}

static void run_config(const struct config *cf)
{
	struct tshm_ring_params p = {
	    .capacity = cf->cap, .slot_size = sizeof(struct rt_msg), .flags = cf->flags};
	size_t tsize = rt_track_size(cf->np, cf->per);
	struct rt_track *t = rt_shared(tsize);
	struct stress_shm *sh = rt_shared(sizeof(*sh));
	pid_t pids[RT_MAXP * 2];
	uint32_t n = cf->np + cf->nc;
	int64_t t0 = tshm_test_now_ns();
	uint64_t total;
	char what[64];

	snprintf(what, sizeof(what), "flags %u %uP%uC", cf->flags, cf->np, cf->nc);
	rt_track_init(t, cf->np, cf->per);
	TSHM_TEST_CHECK(tshm_ring_create(NULL, "stress", &p));
	for (uint32_t i = 0; i < n; i++) {
		struct tshm_ring *r;

		atomic_store(&sh->rc[i], 1);
		pids[i] = rt_fork_open(
		    "stress", i < cf->nc ? TSHM_RING_CONSUMER : TSHM_RING_PRODUCER, CHILD_LIFE, &r);
		if (pids[i] == 0) {
			stress_child(cf, sh, t, r, i);
			tshm_ring_detach(r);
			_exit(0);
		}
	}
	/* A loaded host gets fewer messages through, not a timeout. */
	while (atomic_load(&sh->produced) < cf->np && tshm_test_now_ns() - t0 < CONFIG_NS)
		tshm_test_sleep_us(1000);
	atomic_store(&sh->stop, 1);
	for (uint32_t i = 0; i < n; i++) {
		const char *role = i < cf->nc ? "consumer" : "producer";
		int rc;

		tshm_test_expect_exit(pids[i], FINISH_MS, 0, "%s: %s %u", what, role, i);
		rc = atomic_load(&sh->rc[i]);
		if (rc != 0)
			fail_msg("%s: %s %u returned %d (%s)", what, role, i, rc,
				 tshm_strerror(rc));
	}
	total = stress_expect_sent(t, sh, cf, what);
	printf("# %uP%uC flags %u cap %u: %llu of %llu messages in %.2f s; per consumer:", cf->np,
	       cf->nc, cf->flags, cf->cap, (unsigned long long)total,
	       (unsigned long long)(cf->per * cf->np), (double)(tshm_test_now_ns() - t0) / 1e9);
	for (uint32_t i = 0; i < cf->nc; i++)
		printf(" %llu", (unsigned long long)atomic_load(&sh->count[i]));
	printf("\n");
	TSHM_TEST_CHECK(tshm_ring_unlink(NULL, "stress"));
	munmap(t, tsize);
	munmap(sh, sizeof(*sh));
}

static void test_ring_stress_spsc(void **state)
{
	const struct config cf = {.flags = 0, .np = 1, .nc = 1, .cap = 64, .per = 2000000};

	(void)state;
	run_config(&cf);
}

static void test_ring_stress_mp(void **state)
{
	const struct config cf = {
	    .flags = TSHM_RING_MP, .np = 2, .nc = 1, .cap = 64, .per = 800000};

	(void)state;
	run_config(&cf);
}

static void test_ring_stress_mc(void **state)
{
	const struct config cf = {
	    .flags = TSHM_RING_MC, .np = 1, .nc = 2, .cap = 64, .per = 1500000};

	(void)state;
	run_config(&cf);
}

static void test_ring_stress_mpmc(void **state)
{
	const struct config cf = {
	    .flags = TSHM_RING_MP | TSHM_RING_MC, .np = 2, .nc = 2, .cap = 32, .per = 800000};

	(void)state;
	run_config(&cf);
}

static void test_ring_stress_kill(void **state)
{
	(void)state;
	kill_loop(KILL_ITERATIONS, KILL_MIN, t_start + BUDGET_NS, "stress kill");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_ring_stress_spsc, rt_teardown),
	    cmocka_unit_test_teardown(test_ring_stress_mp, rt_teardown),
	    cmocka_unit_test_teardown(test_ring_stress_mc, rt_teardown),
	    cmocka_unit_test_teardown(test_ring_stress_mpmc, rt_teardown),
	    cmocka_unit_test_teardown(test_ring_stress_kill, kill_teardown),
	};
	int rc;

	t_start = tshm_test_now_ns();
	tshm_test_ns_init("ringstress");
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	printf("# total %.1f s\n", (double)(tshm_test_now_ns() - t_start) / 1e9);
	return rc;
}
