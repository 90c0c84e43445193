/* SPDX-License-Identifier: MIT */
/* tickshm demo: publish the synthetic sample bundle, then show what a reader gets. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sample.h"

#define DEMO_ATTACHES 101
#define DEMO_MAX_ASSET_DAYS 20000u /* about 66M trades: keeps a typo from filling /dev/shm */

void cli_help_demo(FILE *out)
{
	fputs("usage: tickshm demo [--name N] [--assets N] [--days D] [--seed S] [--ns NS]\n"
	      "\n"
	      "Generate a deterministic synthetic bundle and publish it as a new\n"
	      "generation: per asset a few thousand trades a day (bursty arrivals, a\n"
	      "random walk on the asset's tick grid), quotes around them, 1-minute and\n"
	      "daily bars aggregated from the trades, sessions, a 2-for-1 split and a\n"
	      "cash dividend, and one symbol rename. Then print what 'tickshm ls' and\n"
	      "'tickshm info' show for it, the attach time, and a zero-copy history read.\n"
	      "The same options and seed always give the same content hash.\n"
	      "\n"
	      "options:\n"
	      "  --name N    bundle name (default: sample)\n"
	      "  --assets N  number of assets, 1-10000 (default: 8)\n"
	      "  --days D    trading days from 2024-01-02, weekends skipped, 1-2000\n"
	      "              (default: 5); assets x days may be at most 20000\n"
	      "  --seed S    random seed (default: 1)\n"
	      "  --ns NS     namespace (default: $TICKSHM_NAMESPACE, else \"default\")\n"
	      "  -h, --help  show this help\n",
	      out);
}

static void print_us(const char *label, int64_t ns)
{
	printf("%s%" PRId64 ".%03" PRId64 " us", label, ns / 1000, ns % 1000);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The first attach, then the median of many: what every worker pays to get the data. */
static int measure_attach(struct cli_ctx *ctx, struct tshm_catalog *cat, const char *name,
			  struct tshm_view **out)
{
	int64_t t[DEMO_ATTACHES];
	int rc = 0;

	for (int i = 0; i < DEMO_ATTACHES && rc == 0; i++) {
		struct tshm_view *v = NULL;
		int64_t t0 = cli_mono_ns();

		rc = tshm_view_open(&v, cat, name);
		t[i] = cli_mono_ns() - t0;
		if (rc == 0 && i == 0)
			*out = v;
		else if (rc == 0)
			tshm_view_unref(v);
	}
	if (rc < 0) {
		tshm_view_unref(*out);
		*out = NULL;
		return cli_fail_rc(ctx, name, rc);
	}
	printf("\nattach (tshm_view_open: catalog read, mmap, header and directory checks):\n");
	print_us("  first ", t[0]);
	qsort(t + 1, DEMO_ATTACHES - 1, sizeof(t[0]), cmp_i64);
	print_us(", then median ", t[DEMO_ATTACHES / 2]);
	printf(" over %d attaches; no data is copied or parsed\n", DEMO_ATTACHES - 1);
	return 0;
}

static void print_history(const struct tshm_view *v)
{
	struct tshm_window px, ts;
	struct tshm_asset a;
	int64_t t0, dt[2] = {0, 0};
	int rc = 0;

	if (tshm_view_asset(v, 0, &a) < 0)
		return;
	/* Twice: the first call pays the page faults of a fresh mapping. */
	for (int i = 0; i < 2; i++) {
		t0 = cli_mono_ns();
		rc = tshm_history(v, TSHM_TABLE_TRADES, a.sid, TSHM_TRADES_PRICE, INT64_MAX, 5,
				  &px);
		dt[i] = cli_mono_ns() - t0;
	}
	if (rc == 0)
		rc = tshm_history(v, TSHM_TABLE_TRADES, a.sid, TSHM_TRADES_TS, INT64_MAX, 5, &ts);
	printf("\nzero-copy history: the last 5 trades of %s (sid %" PRId64 "):\n", a.symbol,
	       a.sid);
	if (rc < 0 || px.count == 0) {
		printf("  none: %s\n", rc < 0 ? tshm_strerror(rc) : "the asset has no trades");
		return;
	}
	printf("  tshm_history(v, TSHM_TABLE_TRADES, %" PRId64
	       ", TSHM_TRADES_PRICE, INT64_MAX, 5)\n"
	       "  -> %" PRIu64 " int64 prices at %p (rows %" PRIu64 "..%" PRIu64
	       " of the shared segment)\n"
	       "     in %" PRId64 " ns on first touch, %" PRId64 " ns again: no syscall, no copy\n",
	       a.sid, px.count, px.data, px.first_row, px.first_row + px.count - 1, dt[0], dt[1]);
	for (uint64_t i = 0; i < px.count && i < ts.count; i++) {
		char tbuf[TSHM_TS_BUFSZ], pbuf[TSHM_DECIMAL_BUFSZ];

		tshm_ts_format(tbuf, sizeof(tbuf), ((const int64_t *)ts.data)[i]);
		tshm_decimal_format(pbuf, sizeof(pbuf), ((const int64_t *)px.data)[i], a.price_exp);
		printf("    %s  %s\n", tbuf, pbuf);
	}
}

static void print_summary(const struct cli_ctx *ctx, const struct cli_sample_opts *o,
			  const struct cli_sample_result *r)
{
	printf("published %s generation %" PRIu64 " in namespace %s: %" PRIu64 " trades, %" PRIu64
	       " quotes, %" PRIu64 " 1-minute bars, %" PRIu64 " daily bars\n",
	       o->name, r->generation, ctx->ns, r->rows[TSHM_TABLE_TRADES],
	       r->rows[TSHM_TABLE_QUOTES], r->rows[TSHM_TABLE_BARS_1M],
	       r->rows[TSHM_TABLE_BARS_1D]);
	printf("(generated in %" PRId64 " ms, written, hashed and published in %" PRId64 " ms)\n",
	       r->generate_ns / 1000000, r->write_ns / 1000000);
}

static int show(struct cli_ctx *ctx, struct tshm_catalog *cat, const char *name)
{
	struct tshm_view *v = NULL;
	struct tshm_asset a = {0};
	int rc;

	printf("\n$ tickshm ls\n");
	rc = cli_ls_print(ctx, stdout, false);
	if (rc == 0)
		rc = measure_attach(ctx, cat, name, &v);
	if (rc == 0) {
		printf("\n$ tickshm info %s\n", name);
		rc = cli_info_print(ctx, stdout, cat, v, false);
	}
	if (rc == 0) {
		print_history(v);
		tshm_view_asset(v, 0, &a);
		printf("\nnext: tickshm cat %s --table trades --symbol %s --limit 10\n"
		       "      tickshm info %s --verify;  tickshm rm %s;  tickshm gc\n",
		       name, a.symbol, name, name);
	}
	tshm_view_unref(v);
	return rc;
}

static int parse_value(struct cli_ctx *ctx, struct cli_sample_opts *o, int opt, const char *arg)
{
	uint64_t u = 0;
	int rc;

	switch (opt) {
	case 'N':
		if (tshm_name_check(arg, TSHM_BUNDLE_MAX) < 0)
			return cli_fail(
			    ctx, CLI_USAGE, "--name",
			    "invalid bundle name '%s' (1-%u characters of A-Z a-z 0-9 _ -)", arg,
			    TSHM_BUNDLE_MAX - 1);
		o->name = arg;
		return 0;
	case 'a':
	case 'd':
		rc = cli_parse_u64(ctx, opt == 'a' ? "--assets" : "--days", arg, &u);
		if (rc == 0 &&
		    (u < 1 || u > (opt == 'a' ? CLI_SAMPLE_MAX_ASSETS : CLI_SAMPLE_MAX_DAYS)))
			return cli_fail(ctx, CLI_USAGE, opt == 'a' ? "--assets" : "--days",
					"%s is out of range (see 'tickshm demo --help')", arg);
		*(opt == 'a' ? &o->nassets : &o->ndays) = (uint32_t)u;
		return rc;
	case 's':
		return cli_parse_u64(ctx, "--seed", arg, &o->seed);
	}
	return -1;
}

static int parse_opts(struct cli_ctx *ctx, struct cli_sample_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
	    CLI_NS_OPTION,
	    {"name", required_argument, NULL, 'N'},
	    {"assets", required_argument, NULL, 'a'},
	    {"days", required_argument, NULL, 'd'},
	    {"seed", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int opt, rc;

	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (opt == 'h') {
			cli_help_demo(stdout);
			return cli_finish(ctx, CLI_OK);
		}
		rc = parse_value(ctx, o, opt, optarg);
		if (rc == -1)
			rc = cli_common_opt(ctx, opt, argv);
		if (rc > 0)
			return rc;
	}
	if (optind < argc)
		return cli_fail(ctx, CLI_USAGE, argv[optind], "unexpected argument");
	if ((uint64_t)o->nassets * o->ndays > DEMO_MAX_ASSET_DAYS)
		return cli_fail(ctx, CLI_USAGE, "--assets/--days",
				"%" PRIu32 " assets x %" PRIu32 " days is more than %u", o->nassets,
				o->ndays, DEMO_MAX_ASSET_DAYS);
	return -1;
}

int cli_cmd_demo(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_sample_opts o = {.name = "sample", .nassets = 8, .ndays = 5, .seed = 1};
	struct cli_sample_result res;
	struct tshm_catalog *cat = NULL;
	int rc = parse_opts(ctx, &o, argc, argv);

	if (rc >= 0)
		return rc;
	if ((rc = cli_resolve_ns(ctx)) ||
	    (rc = cli_open_catalog(ctx, o.name, TSHM_CATALOG_CREATE, &cat)))
		return rc;
	rc = cli_sample_publish(cat, &o, &res);
	if (rc == -TSHM_EORDER)
		rc = cli_fail(ctx, CLI_ERR, o.name, "generator bug: table %d rejected: %s",
			      res.bad_table, tshm_strerror(rc));
	else if (rc < 0)
		rc = cli_fail_rc(ctx, o.name, rc);
	if (rc == 0) {
		print_summary(ctx, &o, &res);
		rc = show(ctx, cat, o.name);
	}
	tshm_catalog_close(cat);
	return cli_finish(ctx, rc);
}
