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
 * the time budget: the whole program stays under a minute in a Debug+ASan
 * build on 2 cores.
 */
#include "ring_kill.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#define BUDGET_NS (45 * RT_SEC) /* the whole program, stress then kill */
#define KILL_ITERATIONS 1000
#define CHILD_LIFE 60	/* seconds: SIGALRM past it */
#define FINISH_MS 40000 /* for each child to finish */

static int64_t t_start;

struct config {
	uint32_t flags;
	uint32_t np, nc, cap;
	uint64_t per; /* messages per producer */
};

static void run_config(const struct config *cf)
{
	struct tshm_ring_params p = {
	    .capacity = cf->cap, .slot_size = sizeof(struct rt_msg), .flags = cf->flags};
	size_t tsize = rt_track_size(cf->np, cf->per);
	struct rt_track *t = rt_shared(tsize);
	_Atomic int *rcs = rt_shared(sizeof(_Atomic int) * RT_MAXP * 2);
	_Atomic uint64_t *counts = rt_shared(sizeof(_Atomic uint64_t) * RT_MAXP * 2);
	_Atomic uint32_t *attached = rt_shared(sizeof(_Atomic uint32_t));
	pid_t pids[RT_MAXP * 2];
	uint32_t n = cf->np + cf->nc;
	int64_t t0 = tshm_test_now_ns();
	char what[64];

	snprintf(what, sizeof(what), "flags %u %uP%uC", cf->flags, cf->np, cf->nc);
	rt_track_init(t, cf->np, cf->per);
	TSHM_TEST_CHECK(tshm_ring_create(NULL, "stress", &p));
	for (uint32_t i = 0; i < n; i++) {
		int consumer = i < cf->nc;
		uint32_t id = consumer ? i : i - cf->nc;
		struct tshm_ring *r;
		int rc;

		atomic_store(&rcs[i], 1);
		pids[i] = rt_fork_open("stress", consumer ? TSHM_RING_CONSUMER : TSHM_RING_PRODUCER,
				       CHILD_LIFE, &r);
		if (pids[i] != 0)
			continue;
		if (consumer) {
			struct rt_seen seen;

			rc = rt_consume(r, t, (cf->flags & TSHM_RING_MC) != 0, 77 + i, 10 * RT_SEC,
					0, &seen);
			atomic_store(&counts[i], seen.n);
		} else {
			struct rt_prod o = {.id = id,
					    .count = cf->per,
					    .seed = 99 + id,
					    .timeout_ns = 10 * RT_SEC,
					    .last_closes = 1};

			/* No producer may finish and detach before its siblings
			 * attached: the ring would have no producer and no close
			 * for a moment, which consumers rightly report as -EPIPE. */
			atomic_fetch_add(attached, 1);
			for (int64_t end = tshm_test_now_ns() + 10 * RT_SEC;
			     atomic_load(attached) < cf->np && tshm_test_now_ns() < end;)
				tshm_test_sleep_us(100);
			rc = rt_produce(r, t, &o);
			atomic_store(&counts[i], o.sent);
		}
		atomic_store(&rcs[i], rc);
		tshm_ring_detach(r);
		_exit(0);
	}
	for (uint32_t i = 0; i < n; i++) {
		const char *role = i < cf->nc ? "consumer" : "producer";
		int rc;

		tshm_test_expect_exit(pids[i], FINISH_MS, 0, "%s: %s %u", what, role, i);
		rc = atomic_load(&rcs[i]);
		if (rc != 0)
			fail_msg("%s: %s %u returned %d (%s)", what, role, i, rc,
				 tshm_strerror(rc));
	}
	rt_track_expect_all(t, what);
	printf("# %uP%uC flags %u cap %u: %llu messages in %.2f s; per consumer:", cf->np, cf->nc,
	       cf->flags, cf->cap, (unsigned long long)(cf->per * cf->np),
	       (double)(tshm_test_now_ns() - t0) / 1e9);
	for (uint32_t i = 0; i < cf->nc; i++)
		printf(" %llu", (unsigned long long)atomic_load(&counts[i]));
	printf("\n");
	TSHM_TEST_CHECK(tshm_ring_unlink(NULL, "stress"));
	munmap(t, tsize);
	munmap(rcs, sizeof(_Atomic int) * RT_MAXP * 2);
	munmap(attached, sizeof(_Atomic uint32_t));
	munmap(counts, sizeof(_Atomic uint64_t) * RT_MAXP * 2);
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
	kill_loop(KILL_ITERATIONS, t_start + BUDGET_NS, "stress kill");
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
