/* SPDX-License-Identifier: MIT */
/*
 * Parameter grids for sweeps: `--param NAME=VALUES` specifications expanded
 * into the cross product of parameter sets, in a fixed order.
 *
 * VALUES is a comma-separated list of items; an item is an integer `v`, or
 * an inclusive range `start:stop` (step 1) or `start:stop:step` (step > 0,
 * start <= stop; stop is included when it is start + k*step). Examples:
 *   fast=5:50:5     5, 10, ..., 50
 *   fee=0,1,2       0, 1, 2
 *   slow=20:60:20,100   20, 40, 60, 100
 * Every value must lie within the parameter's [min, max]; a value may not
 * appear twice in one specification, nor a name in two.
 *
 * Order: the first --param varies slowest, the last fastest (like nested
 * loops written in command-line order). Parameters not given take their
 * default. Combinations the strategy's validate() rejects (e.g. fast >= slow)
 * are skipped and counted; the remaining sets keep their relative order, and
 * set i is row i of the grid.
 */
#ifndef TICKSHM_SWEEP_H
#define TICKSHM_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "tickshm/common.h"
#include "tickshm/strategy.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most combinations (valid or not) a grid may expand to. */
#define TSHM_GRID_MAX (UINT64_C(1) << 20)

struct tshm_grid;

/*
 * tshm_grid_parse - expand @n specifications `NAME=VALUES` (@specs[i], as
 * given to --param) for strategy @s into *@out. @n == 0 gives one set of
 * defaults (if valid).
 * Returns 0; -EINVAL (bad syntax, unknown or repeated name, value out of
 * range, duplicate value; @err says which, as "SPEC: why");
 * -E2BIG (more than TSHM_GRID_MAX combinations); -ENOMEM.
 * A grid where every combination is invalid is not an error: count is 0.
 * @err (may be NULL) receives a one-line message on failure.
 * Thread-safe (no shared state).
 */
TSHM_EXPORT int tshm_grid_parse(const struct tshm_strategy *s, const char *const *specs, unsigned n,
				struct tshm_grid **out, char *err, size_t errlen);

/* Valid parameter sets in the grid. */
TSHM_EXPORT uint64_t tshm_grid_count(const struct tshm_grid *g);

/* Combinations skipped because the strategy's validate() rejected them. */
TSHM_EXPORT uint64_t tshm_grid_skipped(const struct tshm_grid *g);

/* Parameters per set: the strategy's nparams. */
TSHM_EXPORT uint32_t tshm_grid_nparams(const struct tshm_grid *g);

/*
 * tshm_grid_params - set @i (< count): nparams values in the strategy's
 * parameter order, or NULL past the end. Sets are stored contiguously, so
 * tshm_grid_params(g, 0) is a count x nparams row-major array (NULL when
 * count is 0). Valid until tshm_grid_free.
 */
TSHM_EXPORT const int64_t *tshm_grid_params(const struct tshm_grid *g, uint64_t i);

/* The strategy the grid was parsed for. */
TSHM_EXPORT const struct tshm_strategy *tshm_grid_strategy(const struct tshm_grid *g);

/* Free a grid (NULL is fine). */
TSHM_EXPORT void tshm_grid_free(struct tshm_grid *g);

/*
 * tshm_grid_format - write @p (the strategy's nparams values) as
 * "name=value name=value ..." into @buf. Returns the length written
 * (excluding the NUL) or -ENOSPC if @len is too small (@buf then holds a
 * truncated, terminated string when @len > 0).
 */
TSHM_EXPORT int tshm_grid_format(const struct tshm_strategy *s, const int64_t *p, char *buf,
				 size_t len);

#ifdef __cplusplus
}
#endif
#endif /* TICKSHM_SWEEP_H */
