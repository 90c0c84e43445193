/* SPDX-License-Identifier: MIT */
/*
 * tickshm walkforward: rolling (or anchored) train/test windows over a
 * sweep: per asset and window the best parameter set on the training days
 * and its figures on the test days, then the stitched out-of-sample totals.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli_run.h"

enum { WF_TRAIN = CLI_RUN_NEXT, WF_TEST, WF_STEP, WF_ANCHORED, WF_METRIC };

void cli_help_walkforward(FILE *out)
{
	fputs("usage: tickshm walkforward <bundle> (--strategy NAME | --strategy-lib FILE)\n"
	      "                   [--param NAME=VALUES]... --train Nd --test Nd [--step Nd]\n"
	      "                   [--anchored] [--metric NAME] [options]\n"
	      "\n"
	      "Walk-forward analysis: the calendar is the UTC days with trades in the range;\n"
	      "window k trains on days [k*step, k*step + train) (with --anchored on\n"
	      "[0, k*step + train)) and tests on the next test days. Per asset and window,\n"
	      "every parameter set is evaluated on the training days, the best by --metric\n"
	      "is picked (ties: the first in grid order) and evaluated on the test days,\n"
	      "with its warm-up taken from the days before them. The stitched\n"
	      "out-of-sample result joins the test windows of the picked sets.\n"
	      "\n"
	      "options:\n"
	      "  --train Nd            training window in days with trades (e.g. 20d)\n"
	      "  --test Nd             test window in days (e.g. 5d)\n"
	      "  --step Nd             how far windows move (default: the test window)\n"
	      "  --anchored            training windows all start at the first day\n"
	      "  --metric NAME         pick by this metric (default: pnl; drawdowns: lowest)\n",
	      out);
	fputs(cli_run_options_help, out);
	fputs("  -h, --help            show this help\n"
	      "\n"
	      "example:\n"
	      "  tickshm walkforward sample --strategy sma_cross --param fast=5:50:5 \\\n"
	      "      --param slow=20:200:20 --train 3d --test 1d --metric sharpe\n",
	      out);
}

static int parse_days(struct cli_ctx *ctx, const char *opt, const char *arg, uint32_t *out)
{
	char buf[32];
	size_t n = strlen(arg);
	uint64_t v;

	if (n == 0 || n >= sizeof(buf))
		return cli_fail(ctx, CLI_USAGE, opt, "'%s' is not a number of days (e.g. 20d)",
				arg);
	memcpy(buf, arg, n + 1);
	if (buf[n - 1] == 'd')
		buf[n - 1] = 0;
	if (cli_parse_u64(ctx, opt, buf, &v))
		return CLI_USAGE;
	if (v == 0 || v > 1000000)
		return cli_fail(ctx, CLI_USAGE, opt, "'%s': 1 to 1000000 days", arg);
	*out = (uint32_t)v;
	return 0;
}

static int wf_opt(struct cli_ctx *ctx, struct tshm_wf_spec *wf, int opt, const char *arg)
{
	switch (opt) {
	case WF_TRAIN:
		return parse_days(ctx, "--train", arg, &wf->train_days);
	case WF_TEST:
		return parse_days(ctx, "--test", arg, &wf->test_days);
	case WF_STEP:
		return parse_days(ctx, "--step", arg, &wf->step_days);
	case WF_ANCHORED:
		wf->anchored = 1;
		return 0;
	case WF_METRIC:
		wf->metric = arg;
		return 0;
	default:
		return -1;
	}
}

static void day_range(char *buf, size_t len, int32_t a, int32_t b)
{
	char x[TSHM_TS_BUFSZ], y[TSHM_TS_BUFSZ];

	snprintf(buf, len, "%s..%s", cli_fmt_day(x, a), cli_fmt_day(y, b));
}

static void window_row(struct cli_table *t, const struct cli_run *r,
		       const struct tshm_wf_result *wf, const struct tshm_wf_window *w, uint32_t nm)
{
	int32_t exp = wf->run.assets[w->asset].price_exp;
	char a[64], b[64], p[256];

	day_range(a, sizeof(a), w->train_from, w->train_to);
	day_range(b, sizeof(b), w->test_from, w->test_to);
	cli_table_cell(t, "%" PRIu32, w->index);
	cli_table_cell(t, "%s", a);
	cli_table_cell(t, "%s", b);
	if (w->best == UINT32_MAX) {
		cli_table_cell(t, "(every set failed)");
		for (uint32_t k = 0; k <= nm; k++)
			cli_table_cell(t, "-");
		return;
	}
	cli_run_params(r, wf->run.results[(size_t)w->asset * wf->run.npsets + w->best].params, p,
		       sizeof(p));
	cli_table_cell(t, "%s", p);
	cli_run_metric_cell(t, &w->train, exp);
	for (uint32_t k = 0; k < nm; k++)
		if (k < w->nmetrics)
			cli_run_metric_cell(t, &w->test[k], exp);
		else
			cli_table_cell(t, "-");
}

static int print_asset(const struct cli_run *r, const struct tshm_wf_spec *sp,
		       const struct tshm_wf_result *wf, uint32_t ai)
{
	const struct tshm_run_asset *a = &wf->run.assets[ai];
	const struct tshm_result *o = &wf->oos[ai];
	struct cli_table t;

	printf("\n%s (sid %" PRId64 "):\n", a->symbol, a->sid);
	cli_table_init(&t, 5 + o->nmetrics);
	cli_table_cell(&t, "WIN");
	cli_table_cell(&t, "TRAIN");
	cli_table_cell(&t, "TEST");
	cli_table_cell(&t, "PICKED");
	cli_table_cell(&t, "train %s", sp->metric);
	for (uint32_t k = 0; k < o->nmetrics; k++)
		cli_table_cell(&t, "%s", o->metrics[k].name);
	for (uint32_t k = 0; k < wf->nwindows; k++)
		window_row(&t, r, wf, &wf->windows[(size_t)ai * wf->nwindows + k], o->nmetrics);
	if (cli_table_print(&t, stdout, "  ") < 0)
		return -ENOMEM;
	printf("  out-of-sample, stitched over %" PRIu32 " days:", o->ndays);
	for (uint32_t k = 0; k < o->nmetrics; k++) {
		char v[96];

		if (tshm_metric_format(&o->metrics[k], a->price_exp, v, sizeof(v)) >= 0)
			printf(" %s %s", o->metrics[k].name, v);
	}
	putchar('\n');
	return 0;
}

static void print_json(const struct cli_run *r, const struct tshm_wf_result *wf)
{
	char x[TSHM_TS_BUFSZ], y[TSHM_TS_BUFSZ], p[256];

	for (size_t i = 0; i < (size_t)wf->run.nassets * wf->nwindows; i++) {
		const struct tshm_wf_window *w = &wf->windows[i];
		int32_t exp = wf->run.assets[w->asset].price_exp;

		printf("{\"sid\":%" PRId64 ",\"window\":%" PRIu32 ",\"train\":[\"%s\",",
		       wf->run.assets[w->asset].sid, w->index, cli_fmt_day(x, w->train_from));
		printf("\"%s\"],\"test\":[\"%s\",", cli_fmt_day(y, w->train_to),
		       cli_fmt_day(x, w->test_from));
		printf("\"%s\"]", cli_fmt_day(y, w->test_to));
		if (w->best != UINT32_MAX) {
			cli_run_params(
			    r, wf->run.results[(size_t)w->asset * wf->run.npsets + w->best].params,
			    p, sizeof(p));
			printf(",\"pset\":%" PRIu32 ",\"params\":\"%s\",\"test_metrics\":", w->best,
			       p);
			cli_run_json_metrics(w->test, w->nmetrics, exp);
		}
		fputs("}\n", stdout);
	}
	for (uint32_t ai = 0; ai < wf->run.nassets; ai++) {
		printf("{\"sid\":%" PRId64 ",\"out_of_sample\":true,\"days\":%" PRIu32
		       ",\"metrics\":",
		       wf->oos[ai].sid, wf->oos[ai].ndays);
		cli_run_json_metrics(wf->oos[ai].metrics, wf->oos[ai].nmetrics,
				     wf->run.assets[ai].price_exp);
		fputs("}\n", stdout);
	}
}

static int report(struct cli_ctx *ctx, struct cli_run *r, const struct tshm_wf_spec *sp,
		  const struct tshm_wf_result *wf)
{
	double secs = (double)wf->run.elapsed_ns / 1e9;

	if (r->json) {
		print_json(r, wf);
		return 0;
	}
	printf("walk-forward: %s over %s (generation %" PRIu64 "), %" PRIu32
	       " parameter sets, train %" PRIu32 "d, test %" PRIu32 "d, step %" PRIu32
	       "d%s, picked by %s\n",
	       wf->run.strategy->name, wf->run.bundle, wf->run.generation, wf->run.npsets,
	       sp->train_days, sp->test_days, sp->step_days, sp->anchored ? " (anchored)" : "",
	       sp->metric);
	printf("  %" PRIu32 " calendar days, %" PRIu32 " windows per asset; one sweep of %" PRIu64
	       " tasks on %" PRIu32 " workers in %.3f s (%.2f M ticks x sets per second)\n",
	       wf->ncal, wf->nwindows, wf->run.tasks, tshm_pipeline_workers(r->pipe), secs,
	       secs > 0 ? (double)wf->run.ticks / secs / 1e6 : 0.0);
	for (uint32_t ai = 0; ai < wf->run.nassets; ai++)
		if (print_asset(r, sp, wf, ai) < 0)
			return cli_fail_rc(ctx, "memory", -ENOMEM);
	return 0;
}

static int wf_fail(struct cli_ctx *ctx, struct cli_run *r, const struct tshm_wf_spec *sp, int rc)
{
	if (rc == -ERANGE)
		return cli_fail(ctx, CLI_ERR, r->bundle,
				"fewer days with trades than --train %" PRIu32 "d + 1",
				sp->train_days);
	if (rc == -ENOENT && !tshm_pipeline_last_error(r->pipe)[0])
		return cli_fail(ctx, CLI_USAGE, "--metric", "%s reports no metric '%s'", r->s->name,
				sp->metric);
	return cli_run_fail(ctx, r, rc);
}

static int save(struct cli_ctx *ctx, struct cli_run *r, const struct tshm_wf_spec *sp,
		const struct tshm_wf_result *wf)
{
	struct tshm_run_info info;

	if (!r->db)
		return 0;
	cli_run_info(r, &sp->run, "walkforward", &info);
	if (tshm_results_db_add_walkforward(r->db, wf, &info, NULL) < 0)
		return cli_fail(ctx, CLI_ERR, r->results, "%s", tshm_results_db_error(r->db));
	return 0;
}

struct wf_args {
	struct tshm_wf_spec *sp;
	struct cli_run *r;
};

/* Walk-forward's own options first, then the sweep's. */
static int wf_value(struct cli_ctx *ctx, void *arg, int opt, const char *optarg_)
{
	struct wf_args *a = arg;
	int rc = wf_opt(ctx, a->sp, opt, optarg_);

	return rc < 0 ? cli_run_opt(ctx, a->r, opt, optarg_) : rc;
}

int cli_cmd_walkforward(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {CLI_NS_OPTION,
					     CLI_RUN_OPTIONS,
					     {"train", required_argument, NULL, WF_TRAIN},
					     {"test", required_argument, NULL, WF_TEST},
					     {"step", required_argument, NULL, WF_STEP},
					     {"anchored", no_argument, NULL, WF_ANCHORED},
					     {"metric", required_argument, NULL, WF_METRIC},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct tshm_wf_spec sp = {.metric = "pnl"};
	struct tshm_wf_result wf;
	struct cli_run r;
	struct wf_args a = {&sp, &r};
	int rc;

	if ((rc = cli_run_init(ctx, &r, argc, argv)))
		return rc;
	rc = cli_getopt(ctx, argc, argv, ":h", opts, cli_help_walkforward, wf_value, &a);
	if (rc >= 0) {
		cli_run_free(&r);
		return rc;
	}
	if (!sp.train_days || !sp.test_days) {
		cli_run_free(&r);
		return cli_fail(ctx, CLI_USAGE, "usage", "--train Nd and --test Nd are required");
	}
	sp.step_days = sp.step_days ? sp.step_days : sp.test_days;
	if ((rc = cli_run_setup(ctx, &r, argc, argv))) {
		cli_run_free(&r);
		return rc;
	}
	sp.run = r.spec;
	if ((rc = tshm_walkforward_run(r.pipe, &sp, &wf)) < 0) {
		rc = wf_fail(ctx, &r, &sp, rc);
		cli_run_free(&r);
		return rc;
	}
	rc = save(ctx, &r, &sp, &wf);
	if (rc == 0)
		rc = report(ctx, &r, &sp, &wf);
	tshm_wf_result_free(&wf);
	cli_run_free(&r);
	return cli_finish(ctx, rc);
}
