/* SPDX-License-Identifier: MIT */
/* The built-in strategies' descriptors and shared limits (strategy.c lists them). */
#ifndef TSHM_WORKERS_STRATEGY_INTERNAL_H
#define TSHM_WORKERS_STRATEGY_INTERNAL_H

#include "tickshm/strategy.h"

/* Largest fee parameter: 10^12 mantissa units per unit traded. */
#define TSHM__FEE_MAX INT64_C(1000000000000)

/* 0 if each of the @n values of @p lies within its definition's bounds. */
static inline int tshm__params_in_range(const struct tshm_param_def *defs, uint32_t n,
					const int64_t *p)
{
	for (uint32_t i = 0; i < n; i++)
		if (p[i] < defs[i].min || p[i] > defs[i].max)
			return -1;
	return 0;
}

extern const struct tshm_strategy tshm__sma_cross;
extern const struct tshm_strategy tshm__zscore_revert;
extern const struct tshm_strategy tshm__breakout;

/*
 * tshm__strategy_check_msg - tshm_strategy_check with the reason written
 * into @err (may be NULL).
 */
int tshm__strategy_check_msg(const struct tshm_strategy *s, char *err, size_t errlen);

#endif /* TSHM_WORKERS_STRATEGY_INTERNAL_H */
