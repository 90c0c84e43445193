/* SPDX-License-Identifier: MIT */
/*
 * Test support for the pipeline tests (test_pipeline, test_determinism,
 * test_faults, test_stream, test_walkforward): bundles to run on, result
 * comparisons, the reference sma_cross over a published bundle.
 */
#ifndef TSHM_TEST_PIPE_TEST_H
#define TSHM_TEST_PIPE_TEST_H

#include <stdint.h>

#include "tickshm/pipeline.h"
#include "tickshm/tickshm.h"

/* One asset's trades in a view: pointers into shared memory. */
struct pt_trades {
	const int64_t *ts, *price;
	uint64_t first, n; /* table rows [first, first + n) */
	int64_t sid;
	int32_t price_exp;
};

/* Trades of asset index @asset of @v; fails the test on error. */
void pt_trades(const struct tshm_view *v, uint32_t asset, struct pt_trades *out);

/* A pipeline with @workers workers (quiet logs unless TSHM_TEST_VERBOSE). */
struct tshm_pipeline *pt_pipeline(uint32_t workers, int64_t task_timeout_ns);

/* A grid of @n --param specs for @strategy; returns the sets (caller frees) and count. */
int64_t *pt_grid(const char *strategy, const char *const *specs, unsigned n, uint32_t *count);

/* A spec over @bundle with @strategy and the given sets; every other field default. */
void pt_spec(struct tshm_run_spec *sp, const char *bundle, const char *strategy,
	     const int64_t *psets, uint32_t npsets);

/*
 * pt_expect_equal - fail the test unless @a and @b hold the same results:
 * same assets and sets, same status, and every metric bit-identical (and
 * the merged partials byte-identical). Results of sets listed in
 * @skip_psets (may be NULL) are not compared.
 */
void pt_expect_equal(const struct tshm_run_result *a, const struct tshm_run_result *b,
		     const uint32_t *skip_psets, uint32_t nskip);

/* The metric @name of @r as an exact value; fails the test if absent. */
int64_t pt_metric(const struct tshm_result *r, const char *name);
/* The real of metric @name (sharpe). */
double pt_metric_real(const struct tshm_result *r, const char *name);

/*
 * pt_check_sma_full - fail unless @r (sma_cross over the whole data of its
 * asset in @v) equals the reference implementation, figure by figure.
 */
void pt_check_sma_full(const struct tshm_view *v, const struct tshm_result *r,
		       const struct tshm_run_asset *a);

struct tshm_gen_opts;
/*
 * pt_disk_bundle - generate @o into a bundle in directory @dir (tshm gen),
 * then load it into shared memory and publish it as @name in @cat: the same
 * data for resident and stream runs. Fails the test on error.
 */
void pt_disk_bundle(struct tshm_catalog *cat, const char *dir, const char *name,
		    const struct tshm_gen_opts *o);

#endif
