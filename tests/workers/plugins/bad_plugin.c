/* SPDX-License-Identifier: MIT */
/*
 * Broken strategy plugins for test_plugin.c, one per BAD_* definition
 * (built by workers/examples/CMakeLists.txt).
 */
#include <stdint.h>

#include "tickshm/strategy.h"

static int validate(const int64_t *p)
{
	(void)p;
	return 0;
}

static uint64_t warmup(const int64_t *p)
{
	(void)p;
	return 0;
}

static void init(void *st, const int64_t *p)
{
	(void)st;
	(void)p;
}

static void on_batch(void *st, const struct tshm_batch *b)
{
	(void)st;
	(void)b;
}

static void finish(void *st, void *partial)
{
	(void)st;
	(void)partial;
}

__attribute__((unused)) static void merge(void *acc, const void *next)
{
	(void)acc;
	(void)next;
}

static uint32_t metrics(const void *partial, const struct tshm_metrics_in *in,
			struct tshm_metric *out, uint32_t max)
{
	(void)partial;
	(void)in;
	(void)out;
	(void)max;
	return 0;
}

static const struct tshm_strategy bad = {
#ifdef BAD_ABI
    .abi = TSHM_STRATEGY_ABI + 1,
#else
    .abi = TSHM_STRATEGY_ABI,
#endif
    .name = "bad",
    .summary = "broken on purpose",
    .state_size = 64,
    .partial_size = sizeof(struct tshm_partial_base),
    .validate = validate,
    .warmup = warmup,
    .init = init,
    .on_batch = on_batch,
    .finish = finish,
#ifndef BAD_DESC
    .merge = merge,
#endif
    .metrics = metrics,
};

#ifdef BAD_NOENTRY
#define ENTRY not_the_entry
#else
#define ENTRY tshm_strategy_entry
#endif

__attribute__((visibility("default"))) const struct tshm_strategy *ENTRY(void);

const struct tshm_strategy *ENTRY(void)
{
#ifdef BAD_NULL
	return (void)bad, NULL;
#else
	return &bad;
#endif
}
