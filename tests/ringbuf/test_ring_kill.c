/* tshm-test-labels: fault */
/* SPDX-License-Identifier: MIT */
/*
 * The kill scenario of test_ring_stress (see ring_kill.h) for the default
 * run: about 50 iterations, at most ~12 s, in which a producer process is
 * SIGKILLed at a random moment while a live producer and a consumer keep
 * going. Nothing torn, lost (but the victim's last claim) or duplicated is
 * delivered, and nobody hangs. TSHM_RING_KILL_ITERATIONS and
 * TSHM_RING_KILL_SEED repeat or reproduce a run.
 */
#include "ring_kill.h"

#define ITERATIONS 50
#define BUDGET_NS (12 * RT_SEC)

static void test_ring_kill_random_producer_death(void **state)
{
	(void)state;
	kill_loop(ITERATIONS, ITERATIONS / 5, tshm_test_now_ns() + BUDGET_NS, "kill");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_ring_kill_random_producer_death, kill_teardown),
	};

	tshm_test_ns_init("ringkill");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
