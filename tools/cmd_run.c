/* SPDX-License-Identifier: MIT */
/*
 * tickshm run: a parameter sweep of a strategy over a published bundle on a
 * pool of worker processes; a progress bar, the best rows, the throughput,
 * and optionally a SQLite results database and JSON lines.
 * Also the sweep plumbing tickshm walkforward shares (cli_run.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_run.h"

#define RUN_TOP_DEFAULT 10u

const char cli_run_options_help[] =
    "  --strategy NAME       built-in strategy: sma_cross, zscore_revert, breakout\n"
    "  --strategy-lib FILE   or a plugin strategy (shared object, workers/STRATEGY.md)\n"
    "  --param NAME=VALUES   sweep a parameter: v, a:b (step 1), a:b:step, lists a,b:c;\n"
    "                        repeat for each parameter; invalid sets are skipped\n"
    "  --workers N           worker processes (default: online CPUs)\n"
    "  --slice 1d|1h|N       task slices: a UTC day, an hour, or N rows (also cut at\n"
    "                        midnight); results are identical for any slicing\n"
    "  --mode resident|stream  read the published segment (default), or stream the\n"
    "                        chunks from --bundle-dir through a fixed buffer pool\n"
    "  --bundle-dir DIR      the bundle directory (stream mode)\n"
    "  --buffers N           stream buffers (default: 2 x workers + 2)\n"
    "  --from TS, --to TS    trades in [from, to) (YYYY-MM-DD[THH:MM[:SS]], UTC)\n"
    "  --assets A,B,...      symbols or sids (default: every asset)\n"
    "  --task-timeout SEC    kill a worker whose task runs longer (default: none)\n"
    "  --results FILE        append the run to a SQLite results database\n"
    "  --json                print every result as a JSON line instead of the table\n"
    "  --quiet               no progress bar\n"
    "  --ns NS               namespace (default: $TICKSHM_NAMESPACE, else \"default\")\n";

void cli_help_run(FILE *out)
{
	fputs("usage: tickshm run <bundle> (--strategy NAME | --strategy-lib FILE)\n"
	      "                   [--param NAME=VALUES]... [options]\n"
	      "\n"
	      "Run a strategy over every parameter set of the grid and every asset of a\n"
	      "published bundle on a pool of worker processes that attach the bundle\n"
	      "once and read its columns in place. Prints the best rows and the\n"
	      "throughput (ticks x parameter sets per second). A worker that dies is\n"
	      "replaced and its tasks re-run; a parameter set that kills workers three\n"
	      "times is reported failed, the rest completes.\n"
	      "\n"
	      "options:\n",
	      out);
	fputs(cli_run_options_help, out);
	fputs(
	    "  --top K               rows of the best table (default 10; 0: all)\n"
	    "  --sort METRIC         rank by this metric (default: pnl; drawdowns: lowest first)\n"
	    "  -h, --help            show this help\n"
	    "\n"
	    "example:\n"
	    "  tickshm run sample --strategy sma_cross --param fast=5:50:5 --param "
	    "slow=20:200:20\n",
	    out);
}

/* ---- shared plumbing (cli_run.h) --------------------------------------------------- */

int cli_run_init(struct cli_ctx *ctx, struct cli_run *r, int argc, char **argv)
{
	struct timespec now;
	size_t n = 0;

	memset(r, 0, sizeof(*r));
	r->top = RUN_TOP_DEFAULT;
	r->sort = "pnl";
	r->spec.from_ts = r->spec.to_ts = TSHM_RUN_ALL_TIME;
	if (!(r->params = calloc((size_t)argc + 1, sizeof(char *))))
		return cli_fail_rc(ctx, "memory", -ENOMEM);
	for (int i = 0; i < argc && n + 2 < sizeof(r->cmdline); i++)
		n += (size_t)snprintf(r->cmdline + n, sizeof(r->cmdline) - n, "%s%s",
				      i ? " " : "tickshm ", argv[i]);
	clock_gettime(CLOCK_REALTIME, &now);
	r->wall0 = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	return 0;
}

static int parse_slice(struct cli_ctx *ctx, struct cli_run *r, const char *arg)
{
	if (!strcmp(arg, "1d") || !strcmp(arg, "day")) {
		r->spec.slice = TSHM_SLICE_DAY;
	} else if (!strcmp(arg, "1h") || !strcmp(arg, "hour")) {
		r->spec.slice = TSHM_SLICE_HOUR;
	} else {
		if (cli_parse_u64(ctx, "--slice", arg, &r->spec.slice_rows))
			return CLI_USAGE;
		if (r->spec.slice_rows == 0)
			return cli_fail(ctx, CLI_USAGE, "--slice", "'%s': 1d, 1h or rows > 0", arg);
		r->spec.slice = TSHM_SLICE_ROWS;
	}
	return 0;
}

static int parse_count(struct cli_ctx *ctx, const char *opt, const char *arg, uint32_t max,
		       uint32_t *out)
{
	uint64_t v;

	if (cli_parse_u64(ctx, opt, arg, &v))
		return CLI_USAGE;
	if (v > max)
		return cli_fail(ctx, CLI_USAGE, opt, "'%s' is more than %" PRIu32, arg, max);
	*out = (uint32_t)v;
	return 0;
}

static int parse_timeout(struct cli_ctx *ctx, struct cli_run *r, const char *arg)
{
	int rc = tshm_decimal_parse(arg, strlen(arg), -9, &r->timeout_ns);

	if (rc < 0 || r->timeout_ns <= 0)
		return cli_fail(ctx, CLI_USAGE, "--task-timeout",
				"'%s' is not a positive number of seconds", arg);
	return 0;
}

static int parse_mode(struct cli_ctx *ctx, struct cli_run *r, const char *arg)
{
	if (!strcmp(arg, "resident"))
		r->spec.mode = TSHM_MODE_RESIDENT;
	else if (!strcmp(arg, "stream"))
		r->spec.mode = TSHM_MODE_STREAM;
	else
		return cli_fail(ctx, CLI_USAGE, "--mode", "'%s': resident or stream", arg);
	return 0;
}

int cli_run_opt(struct cli_ctx *ctx, struct cli_run *r, int opt, const char *arg)
{
	switch (opt) {
	case CLI_RUN_STRATEGY:
		r->strategy = arg;
		return 0;
	case CLI_RUN_LIB:
		r->lib = arg;
		return 0;
	case CLI_RUN_PARAM:
		r->params[r->nparams++] = arg;
		return 0;
	case CLI_RUN_WORKERS:
		return cli_parse_count(ctx, "--workers", arg, TSHM_PIPELINE_MAX_WORKERS,
				       &r->workers);
	case CLI_RUN_SLICE:
		return parse_slice(ctx, r, arg);
	case CLI_RUN_MODE:
		return parse_mode(ctx, r, arg);
	case CLI_RUN_BUNDLE_DIR:
		r->bundle_dir = arg;
		return 0;
	case CLI_RUN_BUFFERS:
		return parse_count(ctx, "--buffers", arg, 1u << 20, &r->buffers);
	case CLI_RUN_RESULTS:
		r->results = arg;
		return 0;
	case CLI_RUN_JSON:
		r->json = true;
		return 0;
	case CLI_RUN_TOP:
		return parse_count(ctx, "--top", arg, UINT32_MAX, &r->top);
	case CLI_RUN_TIMEOUT:
		return parse_timeout(ctx, r, arg);
	case CLI_RUN_FROM:
		return cli_parse_ts(ctx, "--from", arg, &r->spec.from_ts);
	case CLI_RUN_TO:
		return cli_parse_ts(ctx, "--to", arg, &r->spec.to_ts);
	case CLI_RUN_ASSETS:
		r->assets = arg;
		return 0;
	case CLI_RUN_QUIET:
		r->quiet = true;
		return 0;
	case CLI_RUN_SORT:
		r->sort = arg;
		return 0;
	default:
		return -1;
	}
}

static int setup_strategy(struct cli_ctx *ctx, struct cli_run *r)
{
	char err[512] = "";
	int rc;

	if (!r->strategy == !r->lib)
		return cli_fail(ctx, CLI_USAGE, "usage",
				"give exactly one of --strategy NAME and --strategy-lib FILE");
	if (r->strategy && !(r->s = tshm_strategy_find(r->strategy)))
		return cli_fail(ctx, CLI_USAGE, "--strategy",
				"unknown strategy '%s' (built-ins: sma_cross, zscore_revert, "
				"breakout)",
				r->strategy);
	if (r->lib && (rc = tshm_strategy_load(r->lib, &r->s, err, sizeof(err))) < 0)
		return cli_fail(ctx, rc == -ENOENT ? CLI_USAGE : CLI_ERR, "--strategy-lib", "%s",
				err[0] ? err : tshm_strerror(rc));
	rc = tshm_grid_parse(r->s, r->params, r->nparams, &r->grid, err, sizeof(err));
	if (rc < 0)
		return cli_fail(ctx, rc == -ENOMEM ? CLI_ERR : CLI_USAGE, "--param", "%s",
				err[0] ? err : tshm_strerror(rc));
	if (tshm_grid_count(r->grid) == 0)
		return cli_fail(ctx, CLI_USAGE, "--param",
				"every combination is invalid for %s (%" PRIu64 " skipped)",
				r->s->name, tshm_grid_skipped(r->grid));
	if (tshm_grid_count(r->grid) > UINT32_MAX)
		return cli_fail(ctx, CLI_USAGE, "--param", "too many parameter sets");
	rc = tshm_strategy_has_metric(r->s, tshm_grid_params(r->grid, 0), r->sort);
	if (rc < 0)
		return cli_fail_rc(ctx, "--sort", rc);
	if (rc == 0)
		return cli_fail(ctx, CLI_USAGE, "--sort", "%s reports no metric '%s'", r->s->name,
				r->sort);
	r->spec.strategy = r->strategy;
	r->spec.strategy_lib = r->lib;
	r->spec.psets = tshm_grid_params(r->grid, 0);
	r->spec.npsets = (uint32_t)tshm_grid_count(r->grid);
	return 0;
}

/* One --assets item: a symbol (as of the end of the range), else a sid. */
static int find_asset(struct cli_ctx *ctx, struct cli_run *r, const struct tshm_view *v,
		      const char *tok, int64_t *sid)
{
	const struct tshm_seg_header *h = tshm_view_header(v);
	int64_t as_of = r->spec.to_ts != TSHM_RUN_ALL_TIME ? r->spec.to_ts - 1 : h->max_ts;
	struct tshm_asset a;
	int idx = tshm_view_find_symbol(v, tok, as_of);

	if (idx < 0) {
		int64_t n;

		if (tshm_decimal_parse(tok, strlen(tok), 0, &n) == 0 && !strchr(tok, '.'))
			idx = tshm_view_find_sid(v, n);
	}
	if (idx < 0 || tshm_view_asset(v, (uint32_t)idx, &a) < 0)
		return cli_fail(ctx, CLI_USAGE, "--assets", "no asset '%s' in %s", tok, r->bundle);
	*sid = a.sid;
	return 0;
}

static int setup_assets(struct cli_ctx *ctx, struct cli_run *r)
{
	struct tshm_catalog *cat = NULL;
	struct tshm_view *v = NULL;
	char *list, *save = NULL;
	int rc;

	if (!r->assets)
		return 0;
	if ((rc = cli_open_catalog(ctx, r->bundle, 0, &cat)) ||
	    (rc = cli_open_view(ctx, cat, r->bundle, &v))) {
		tshm_catalog_close(cat);
		return rc;
	}
	list = strdup(r->assets);
	r->sids = calloc(strlen(r->assets) / 2 + 1, sizeof(int64_t));
	if (!list || !r->sids)
		rc = cli_fail_rc(ctx, "memory", -ENOMEM);
	for (char *t = list ? strtok_r(list, ",", &save) : NULL; t && rc == 0;
	     t = strtok_r(NULL, ",", &save))
		rc = find_asset(ctx, r, v, t, &r->sids[r->spec.nsids++]);
	if (rc == 0 && r->spec.nsids == 0)
		rc = cli_fail(ctx, CLI_USAGE, "--assets", "empty list");
	r->spec.sids = r->sids;
	free(list);
	tshm_view_unref(v);
	tshm_catalog_close(cat);
	return rc;
}

/* Open --results before running: a sweep is not wasted on a bad path. */
static int setup_db(struct cli_ctx *ctx, struct cli_run *r)
{
	char err[256] = "";
	int rc;

	if (!r->results)
		return 0;
	if ((rc = tshm_results_db_open(&r->db, r->results, err, sizeof(err))) < 0)
		return cli_fail(ctx, CLI_ERR, r->results, "%s", err[0] ? err : tshm_strerror(rc));
	return 0;
}

static int setup_pipeline(struct cli_ctx *ctx, struct cli_run *r)
{
	struct tshm_pipeline_opts o = {
	    .workers = r->workers, .ns = ctx->ns, .task_timeout_ns = r->timeout_ns, .log_level = 0};
	int rc = tshm_pipeline_create(&r->pipe, &o);

	if (rc < 0)
		return cli_fail(ctx, CLI_ERR, "workers", "cannot start the worker pool: %s",
				tshm_strerror(rc));
	r->bar = !r->quiet && !r->json && isatty(STDERR_FILENO);
	r->spec.progress = r->bar ? cli_run_progress : NULL;
	r->spec.arg = r;
	return 0;
}

int cli_run_setup(struct cli_ctx *ctx, struct cli_run *r, int argc, char **argv)
{
	int rc;

	if (optind >= argc)
		return cli_fail(ctx, CLI_USAGE, "usage", "missing bundle name (see --help)");
	if (optind + 1 != argc)
		return cli_fail(ctx, CLI_USAGE, "usage", "unexpected argument '%s'",
				argv[optind + 1]);
	r->bundle = r->spec.bundle = argv[optind];
	if (r->spec.mode == TSHM_MODE_STREAM && !r->bundle_dir)
		return cli_fail(ctx, CLI_USAGE, "--mode", "stream needs --bundle-dir DIR");
	if (r->spec.from_ts != TSHM_RUN_ALL_TIME && r->spec.to_ts != TSHM_RUN_ALL_TIME &&
	    r->spec.to_ts <= r->spec.from_ts)
		return cli_fail(ctx, CLI_USAGE, "--to", "must be after --from");
	r->spec.bundle_dir = r->bundle_dir;
	r->spec.stream_buffers = r->buffers;
	if ((rc = cli_resolve_ns(ctx)) || (rc = setup_strategy(ctx, r)))
		return rc;
	if ((rc = cli_check_name(ctx, r->bundle, r->bundle)))
		return rc;
	if ((rc = setup_assets(ctx, r)) || (rc = setup_db(ctx, r)))
		return rc;
	return setup_pipeline(ctx, r);
}

void cli_run_free(struct cli_run *r)
{
	tshm_pipeline_destroy(r->pipe);
	tshm_results_db_close(r->db);
	tshm_grid_free(r->grid);
	free(r->sids);
	free(r->params);
	r->pipe = NULL;
	r->db = NULL;
	r->grid = NULL;
}

static void fmt_duration(char *buf, size_t len, double s)
{
	if (s < 0 || s > 360000)
		snprintf(buf, len, "--:--");
	else if (s >= 3600)
		snprintf(buf, len, "%d:%02d:%02d", (int)s / 3600, (int)s / 60 % 60, (int)s % 60);
	else
		snprintf(buf, len, "%d:%02d", (int)s / 60, (int)s % 60);
}

void cli_run_progress(const struct tshm_run_progress *p, void *arg)
{
	enum { WIDTH = 30 };
	double secs = (double)p->elapsed_ns / 1e9, frac, eta;
	char bar[WIDTH + 1], etas[32];
	int fill;

	(void)arg;
	frac = p->tasks_total ? (double)p->tasks_done / (double)p->tasks_total : 0;
	frac = frac > 1 ? 1 : frac;
	fill = (int)(frac * WIDTH);
	for (int i = 0; i < WIDTH; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[WIDTH] = 0;
	eta = frac > 0 ? secs / frac - secs : -1;
	fmt_duration(etas, sizeof(etas), eta);
	fprintf(stderr, "\r  [%s] %" PRIu64 "/%" PRIu64 " tasks  %.1f M ticks/s  ETA %s\033[K", bar,
		p->tasks_done, p->tasks_total, secs > 0 ? (double)p->ticks / secs / 1e6 : 0.0,
		etas);
	if (p->final)
		fputs("\r\033[K", stderr);
}

int cli_run_fail(struct cli_ctx *ctx, struct cli_run *r, int rc)
{
	const char *why = r->pipe ? tshm_pipeline_last_error(r->pipe) : "";

	if (rc == -ENOENT && !strncmp(why, "bundle ", 7))
		return cli_fail(ctx, CLI_ERR, r->bundle, "not published in namespace %s", ctx->ns);
	if (why[0])
		return cli_fail(ctx, CLI_ERR, r->bundle, "%s", why);
	return cli_fail_rc(ctx, r->bundle, rc);
}

void cli_run_info(const struct cli_run *r, const struct tshm_run_spec *spec, const char *kind,
		  struct tshm_run_info *info)
{
	*info = (struct tshm_run_info){.kind = kind,
				       .command_line = r->cmdline,
				       .spec = spec,
				       .workers = tshm_pipeline_workers(r->pipe),
				       .skipped = tshm_grid_skipped(r->grid),
				       .started_wall_ns = r->wall0};
}

int cli_run_save(struct cli_ctx *ctx, struct cli_run *r, const struct tshm_run_result *res,
		 int64_t *run_id)
{
	struct tshm_run_info info;

	if (!r->db)
		return 0;
	cli_run_info(r, &r->spec, "run", &info);
	if (tshm_results_db_add_run(r->db, res, &info, run_id) < 0)
		return cli_fail(ctx, CLI_ERR, r->results, "%s", tshm_results_db_error(r->db));
	return 0;
}

void cli_run_params(const struct cli_run *r, const int64_t *params, char *buf, size_t len)
{
	if (tshm_grid_format(r->s, params, buf, len) < 0 && len)
		buf[len - 1] = 0;
}

/* ---- tickshm run: output ---------------------------------------------------------- */

struct rank_ctx {
	const struct tshm_run_result *res;
	const char *metric;
};

/* Rank by the metric in price units (assets may have other exponents), failed last,
 * then asset and grid order: a total, deterministic order. */
static int rank_cmp(const void *a, const void *b, void *arg)
{
	const struct rank_ctx *c = arg;
	const struct tshm_result *x = &c->res->results[*(const size_t *)a],
				 *y = &c->res->results[*(const size_t *)b];
	const struct tshm_metric *mx = tshm_result_metric(x, c->metric),
				 *my = tshm_result_metric(y, c->metric);

	if (!mx != !my)
		return mx ? -1 : 1;
	if (mx && my) {
		struct tshm_metric rx = *mx, ry = *my;

		rx.is_real = ry.is_real = 1; /* compare in price units */
		if (tshm_metric_better(c->metric, &rx, &ry))
			return -1;
		if (tshm_metric_better(c->metric, &ry, &rx))
			return 1;
	}
	if (x->asset != y->asset)
		return x->asset < y->asset ? -1 : 1;
	return x->pset < y->pset ? -1 : x->pset > y->pset;
}

static void print_summary(const struct cli_run *r, const struct tshm_run_result *res)
{
	double secs = (double)res->elapsed_ns / 1e9;
	char hash[CLI_HASH_BUFSZ];

	printf("run: %s over %s (generation %" PRIu64 ", hash %s), %s mode\n", res->strategy->name,
	       res->bundle, res->generation, cli_fmt_hash(hash, res->hash_lo, res->hash_hi),
	       r->spec.mode == TSHM_MODE_STREAM ? "stream" : "resident");
	printf("     %" PRIu32 " assets x %" PRIu32 " parameter sets (%" PRIu64
	       " invalid combinations skipped) = %" PRIu64 " results\n",
	       res->nassets, res->npsets, tshm_grid_skipped(r->grid),
	       (uint64_t)res->nassets * res->npsets);
	printf("     %" PRIu64 " tasks on %" PRIu32 " workers in %.3f s; %" PRIu32
	       " results failed, %" PRIu64 " tasks re-run, %" PRIu64 " worker deaths\n",
	       res->tasks, tshm_pipeline_workers(r->pipe), secs, res->failed, res->retries,
	       res->worker_deaths);
	printf("throughput: %.2f M ticks x parameter sets per second (%" PRIu64 " rows, %" PRIu64
	       " ticks x sets)\n",
	       secs > 0 ? (double)res->ticks / secs / 1e6 : 0.0, res->rows, res->ticks);
	if (r->spec.mode == TSHM_MODE_STREAM) {
		char a[CLI_SIZE_BUFSZ], b[CLI_SIZE_BUFSZ];

		printf("stream: %s read, pool of %" PRIu32 " buffers (%s), at most %" PRIu32
		       " in use\n",
		       cli_fmt_size(a, res->stream_read_bytes), res->stream_buffers,
		       cli_fmt_size(b, res->stream_buffer_bytes), res->stream_buffers_max);
	}
}

static void table_header(struct cli_table *t, const struct tshm_run_result *res,
			 const struct tshm_result *any)
{
	cli_table_cell(t, "RANK");
	cli_table_cell(t, "SYMBOL");
	for (uint32_t k = 0; k < res->nparams; k++)
		cli_table_cell(t, "%s", res->strategy->params[k].name);
	for (uint32_t k = 0; k < any->nmetrics; k++)
		cli_table_cell(t, "%s", any->metrics[k].name);
}

void cli_run_metric_cell(struct cli_table *t, const struct tshm_metric *m, int32_t exp)
{
	char v[96];

	if (!m || tshm_metric_format(m, exp, v, sizeof(v)) < 0)
		snprintf(v, sizeof(v), "-");
	cli_table_cell(t, "%s", v);
}

void cli_run_json_metrics(const struct tshm_metric *m, uint32_t n, int32_t exp)
{
	putchar('{');
	for (uint32_t k = 0; k < n; k++) {
		char v[96];

		if (tshm_metric_format(&m[k], exp, v, sizeof(v)) < 0 ||
		    (m[k].is_real && m[k].real != m[k].real))
			snprintf(v, sizeof(v), "null"); /* NaN is not JSON */
		printf("%s\"%s\":%s", k ? "," : "", m[k].name, v);
	}
	putchar('}');
}

static void table_row(struct cli_table *t, const struct tshm_run_result *res,
		      const struct tshm_result *x, size_t rank, uint32_t nmetrics)
{
	cli_table_cell(t, "%zu", rank);
	cli_table_cell(t, "%s", res->assets[x->asset].symbol);
	for (uint32_t k = 0; k < res->nparams; k++)
		cli_table_cell(t, "%" PRId64, x->params[k]);
	for (uint32_t k = 0; k < nmetrics; k++)
		cli_run_metric_cell(t, k < x->nmetrics ? &x->metrics[k] : NULL,
				    res->assets[x->asset].price_exp);
}

static int print_best(struct cli_ctx *ctx, const struct cli_run *r,
		      const struct tshm_run_result *res)
{
	size_t n = (size_t)res->nassets * res->npsets, shown;
	struct rank_ctx rc = {.res = res, .metric = r->sort};
	size_t *idx = calloc(n ? n : 1, sizeof(size_t));
	const struct tshm_result *any = NULL;
	struct cli_table t;

	if (!idx)
		return cli_fail_rc(ctx, "memory", -ENOMEM);
	for (size_t i = 0; i < n; i++) {
		idx[i] = i;
		if (!any && res->results[i].status == TSHM_RESULT_OK)
			any = &res->results[i];
	}
	if (!any) {
		free(idx);
		return 0;
	}
	qsort_r(idx, n, sizeof(size_t), rank_cmp, &rc);
	shown = r->top && r->top < n ? r->top : n;
	printf("\nbest %zu of %zu by %s:\n", shown, n, r->sort);
	cli_table_init(&t, 2 + res->nparams + any->nmetrics);
	table_header(&t, res, any);
	for (size_t i = 0; i < shown; i++)
		if (res->results[idx[i]].status == TSHM_RESULT_OK)
			table_row(&t, res, &res->results[idx[i]], i + 1, any->nmetrics);
	free(idx);
	return cli_table_print(&t, stdout, "  ") < 0 ? cli_fail_rc(ctx, "memory", -ENOMEM) : 0;
}

static void print_failed(const struct cli_run *r, const struct tshm_run_result *res)
{
	uint32_t shown = 0;

	if (!res->failed)
		return;
	printf("\nfailed (%" PRIu32 "):\n", res->failed);
	for (size_t i = 0; i < (size_t)res->nassets * res->npsets && shown < 20; i++) {
		const struct tshm_result *x = &res->results[i];
		char p[256];

		if (x->status == TSHM_RESULT_OK)
			continue;
		cli_run_params(r, x->params, p, sizeof(p));
		printf("  %s %s: %s\n", res->assets[x->asset].symbol, p, x->reason);
		shown++;
	}
}

static void json_result(const struct tshm_run_result *res, const struct tshm_result *x,
			int64_t run_id)
{
	const struct tshm_run_asset *a = &res->assets[x->asset];

	if (run_id)
		printf("{\"run\":%" PRId64 ",", run_id);
	else
		putchar('{');
	printf("\"sid\":%" PRId64 ",\"symbol\":\"", x->sid);
	cli_json_str(stdout, a->symbol, sizeof(a->symbol));
	printf("\",\"pset\":%" PRIu32 ",\"params\":{", x->pset);
	for (uint32_t k = 0; k < res->nparams; k++)
		printf("%s\"%s\":%" PRId64, k ? "," : "", res->strategy->params[k].name,
		       x->params[k]);
	printf("},\"status\":\"%s\"", x->status == TSHM_RESULT_OK ? "ok" : "failed");
	if (x->reason[0]) {
		fputs(",\"reason\":\"", stdout);
		cli_json_str(stdout, x->reason, sizeof(x->reason));
		fputc('"', stdout);
	}
	printf(",\"ticks\":%" PRIu64 ",\"days\":%" PRIu32 ",\"metrics\":", x->ticks, x->ndays);
	cli_run_json_metrics(x->metrics, x->nmetrics, a->price_exp);
	fputs("}\n", stdout);
}

static int run_value(struct cli_ctx *ctx, void *r, int opt, const char *arg)
{
	return cli_run_opt(ctx, r, opt, arg);
}

int cli_cmd_run(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    CLI_NS_OPTION, CLI_RUN_OPTIONS, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	struct tshm_run_result res;
	struct cli_run r;
	int64_t run_id = 0;
	int rc;

	if ((rc = cli_run_init(ctx, &r, argc, argv)))
		return rc;
	if ((rc = cli_getopt(ctx, argc, argv, ":h", opts, cli_help_run, run_value, &r)) >= 0 ||
	    (rc = cli_run_setup(ctx, &r, argc, argv))) {
		cli_run_free(&r);
		return rc;
	}
	rc = tshm_pipeline_run(r.pipe, &r.spec, &res);
	if (rc < 0) {
		rc = cli_run_fail(ctx, &r, rc);
		cli_run_free(&r);
		return rc;
	}
	rc = cli_run_save(ctx, &r, &res, &run_id);
	if (rc == 0 && r.json) {
		for (size_t i = 0; i < (size_t)res.nassets * res.npsets; i++)
			json_result(&res, &res.results[i], run_id);
	} else if (rc == 0) {
		print_summary(&r, &res);
		rc = print_best(ctx, &r, &res);
		print_failed(&r, &res);
		if (rc == 0 && r.results)
			printf("\nresults: run %" PRId64 " in %s\n", run_id, r.results);
	}
	tshm_run_result_free(&res);
	cli_run_free(&r);
	return cli_finish(ctx, rc);
}
