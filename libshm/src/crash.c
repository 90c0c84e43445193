/* SPDX-License-Identifier: MIT */
/* Fault injection for the kill -9 tests: the commit steps call
 * tshm__crash_point() and die here when the environment names the step.
 * The cost outside tests is a getenv per commit step, which is rare. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

void tshm__crash_point(const char *step)
{
	const char *at = getenv("TICKSHM_TEST_CRASH_AT");

	if (at && strcmp(at, step) == 0)
		raise(SIGKILL);
}

int64_t tshm__wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t tshm__mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
