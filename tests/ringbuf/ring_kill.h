/* SPDX-License-Identifier: MIT */
/*
 * The kill scenario shared by test_ring_stress (many iterations) and
 * test_ring_kill (the default run's few): over a fresh named multi-producer
 * ring, a consumer process and a live producer process keep going while a
 * victim producer process is SIGKILLed at a random moment (during attach,
 * mid-burst, holding a reserved claim it writes field by field, or asleep
 * on a full ring). Then:
 *   - nothing torn is delivered (checksums), nothing twice, nothing foreign;
 *   - the live producer's messages all arrive, in order; the victim's arrive
 *     as an unbroken prefix of what it sent (only its last, unpublished
 *     claim may be lost);
 *   - nobody hangs: every wait has a timeout, every child a deadline.
 * One iteration in three kills a second consumer of a multi-consumer ring
 * instead: the live consumer goes on, and only the batch the victim held
 * (at most 16 messages) is lost.
 */
#ifndef TSHM_RING_KILL_H
#define TSHM_RING_KILL_H

#include <stdint.h>

#include "ring_test.h"

/*
 * kill_loop - run the kill scenario up to @max times, stopping early once
 * tshm_test_now_ns() passes @end but not before @min iterations, and print
 * a summary headed by @what.
 * TSHM_RING_KILL_ITERATIONS overrides @max, TSHM_RING_KILL_SEED the seed
 * (default: the pid; printed first). Fails the test on the first iteration
 * that goes wrong, or if none ran.
 */
void kill_loop(unsigned max, unsigned min, int64_t end, const char *what);

/*
 * kill_teardown - cmocka teardown for tests that run kill_loop():
 * rt_teardown(), then free the shared memory kill_loop() allocated.
 * Returns 0.
 */
int kill_teardown(void **state);

#endif
