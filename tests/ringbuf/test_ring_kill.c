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
	kill_loop(ITERATIONS, rt_now() + BUDGET_NS, "kill");
}

static int teardown(void **state)
{
	(void)state;
	rt_kill_kids();
	tshm_test_ns_clean();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_ring_kill_random_producer_death, teardown),
	};
	int rc;

	tshm_test_ns_init("ringkill");
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	kill_free();
	return rc;
}
