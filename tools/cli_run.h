/* SPDX-License-Identifier: MIT */
/*
 * Private to the CLI: what `tickshm run` (cmd_run.c) and `tickshm
 * walkforward` (cmd_walkforward.c) share: the sweep options, resolving the
 * strategy, grid and assets, the worker pool, the progress bar, the
 * results database.
 */
#ifndef TSHM_CLI_RUN_H
#define TSHM_CLI_RUN_H

#include "cli.h"
#include "tickshm/pipeline.h"
#include "tickshm/sweep.h"

enum {
	CLI_RUN_STRATEGY = 0x200,
	CLI_RUN_LIB,
	CLI_RUN_PARAM,
	CLI_RUN_WORKERS,
	CLI_RUN_SLICE,
	CLI_RUN_MODE,
	CLI_RUN_BUNDLE_DIR,
	CLI_RUN_BUFFERS,
	CLI_RUN_RESULTS,
	CLI_RUN_JSON,
	CLI_RUN_TOP,
	CLI_RUN_TIMEOUT,
	CLI_RUN_FROM,
	CLI_RUN_TO,
	CLI_RUN_ASSETS,
	CLI_RUN_QUIET,
	CLI_RUN_SORT,
	CLI_RUN_NEXT /* first id free for the command's own options */
};

/* The long options both commands take. */
#define CLI_RUN_OPTIONS                                                                            \
	{"strategy", required_argument, NULL, CLI_RUN_STRATEGY},                                   \
	    {"strategy-lib", required_argument, NULL, CLI_RUN_LIB},                                \
	    {"param", required_argument, NULL, CLI_RUN_PARAM},                                     \
	    {"workers", required_argument, NULL, CLI_RUN_WORKERS},                                 \
	    {"slice", required_argument, NULL, CLI_RUN_SLICE},                                     \
	    {"mode", required_argument, NULL, CLI_RUN_MODE},                                       \
	    {"bundle-dir", required_argument, NULL, CLI_RUN_BUNDLE_DIR},                           \
	    {"buffers", required_argument, NULL, CLI_RUN_BUFFERS},                                 \
	    {"results", required_argument, NULL, CLI_RUN_RESULTS},                                 \
	    {"json", no_argument, NULL, CLI_RUN_JSON},                                             \
	    {"top", required_argument, NULL, CLI_RUN_TOP},                                         \
	    {"task-timeout", required_argument, NULL, CLI_RUN_TIMEOUT},                            \
	    {"from", required_argument, NULL, CLI_RUN_FROM},                                       \
	    {"to", required_argument, NULL, CLI_RUN_TO},                                           \
	    {"assets", required_argument, NULL, CLI_RUN_ASSETS},                                   \
	    {"quiet", no_argument, NULL, CLI_RUN_QUIET},                                           \
	{                                                                                          \
		"sort", required_argument, NULL, CLI_RUN_SORT                                      \
	}

/* The help text of those options. */
extern const char cli_run_options_help[];

struct cli_run {
	const char *bundle, *strategy, *lib, *results, *bundle_dir, *assets, *sort;
	const char **params; /* --param values (argc slots) */
	unsigned nparams;
	uint32_t workers, top, buffers;
	int64_t timeout_ns;
	bool json, quiet, bar;
	struct tshm_run_spec spec;

	const struct tshm_strategy *s;
	struct tshm_grid *grid;
	int64_t *sids;
	struct tshm_pipeline *pipe;
	struct tshm_results_db *db; /* --results, opened before the run */
	char cmdline[4096];
	int64_t wall0; /* CLOCK_REALTIME at start */
};

/* Defaults; @argc sizes the --param array. Returns 0 or CLI_ERR. */
int cli_run_init(struct cli_ctx *ctx, struct cli_run *r, int argc, char **argv);

/* Handle one option of CLI_RUN_OPTIONS: 0 done, -1 not one of them, else an exit code. */
int cli_run_opt(struct cli_ctx *ctx, struct cli_run *r, int opt, const char *arg);

/*
 * After option parsing: the bundle operand, the namespace, the strategy,
 * the grid, the assets, the pipeline. Returns 0 or an exit code (reported).
 */
int cli_run_setup(struct cli_ctx *ctx, struct cli_run *r, int argc, char **argv);

/* Free what setup made (destroys the pipeline). */
void cli_run_free(struct cli_run *r);

/* Progress bar on a terminal (spec.progress). */
void cli_run_progress(const struct tshm_run_progress *p, void *arg);

/* Report a failed run: the pipeline's own sentence if it has one. */
int cli_run_fail(struct cli_ctx *ctx, struct cli_run *r, int rc);

/* The run's description for the results database. */
void cli_run_info(const struct cli_run *r, const struct tshm_run_spec *spec, const char *kind,
		  struct tshm_run_info *info);

/* Store @res in --results (if given). Returns 0 or CLI_ERR. */
int cli_run_save(struct cli_ctx *ctx, struct cli_run *r, const struct tshm_run_result *res,
		 int64_t *run_id);

/* A table cell with metric @m at price exponent @exp ("-" if NULL or unformattable). */
void cli_run_metric_cell(struct cli_table *t, const struct tshm_metric *m, int32_t exp);

/* @n metrics as a JSON object on stdout (NaN as null). */
void cli_run_json_metrics(const struct tshm_metric *m, uint32_t n, int32_t exp);

/* "name=value ..." of result @x's parameters into @buf. */
void cli_run_params(const struct cli_run *r, const int64_t *params, char *buf, size_t len);

#endif
