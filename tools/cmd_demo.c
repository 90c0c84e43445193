/* SPDX-License-Identifier: MIT */
/*
 * tickshm demo: the main job on the built-in sample. Generate the sample
 * as CSV files in the formats users have (tickshm gen), ingest them into a
 * bundle on disk (tickshm ingest), load it into a new generation in shared
 * memory (tickshm load), show what a reader gets, then sweep sma_cross
 * over it on every core (tickshm run).
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tickshm/bundle.h"
#include "tickshm/gen.h"
#include "tickshm/ingest.h"
#include "tickshm/load.h"

#define DEMO_ATTACHES 101
#define DEMO_MAX_TRADES UINT64_C(60000000) /* keeps a typo from filling /tmp and /dev/shm */
#define DEMO_MAX_ASSETS 10000u
#define DEMO_MAX_DAYS 2000u

struct demo_opts {
	const char *name; /* bundle name */
	const char *dir;  /* where the bundle is written and kept; NULL: a temporary one */
	struct tshm_gen_opts gen;
};

void cli_help_demo(FILE *out)
{
	fputs("usage: tickshm demo [--name N] [--assets N] [--days D] [--trades-per-day T]\n"
	      "                    [--seed S] [--dir DIR] [--ns NS]\n"
	      "\n"
	      "The main job on a built-in sample, end to end:\n"
	      "  1. tickshm gen: deterministic synthetic market data as CSV files in the\n"
	      "     formats users have (Tardis trades and quotes, Binance 1-minute klines,\n"
	      "     zipline csvdir daily bars with a split and a dividend): per asset\n"
	      "     trades with bursty arrivals and a random walk on the asset's tick\n"
	      "     grid, quotes around them, bars derived from them;\n"
	      "  2. tickshm ingest: each preset into one bundle on disk, exactly;\n"
	      "  3. tickshm load: the bundle into shared memory as a new generation;\n"
	      "  4. what a reader sees: tickshm ls, the attach time, tickshm info, a\n"
	      "     zero-copy history read;\n"
	      "  5. tickshm run: a grid sweep of sma_cross (fast=5:50:5, slow=20:200:20)\n"
	      "     on every core, with the best parameter sets and the throughput.\n"
	      "The same options and seed always give the same content hash and results.\n"
	      "\n"
	      "options:\n"
	      "  --name N    bundle name (default: sample)\n"
	      "  --assets N  number of assets, 1-10000 (default: 8)\n"
	      "  --days D    trading days from 2024-01-02, weekends skipped, 1-2000\n"
	      "              (default: 20)\n"
	      "  --trades-per-day T  per asset, about (default: 20000); assets x days x\n"
	      "              trades may be at most 60 million\n"
	      "  --seed S    random seed (default: 1)\n"
	      "  --dir DIR   ingest into the bundle in DIR and keep it (default: a\n"
	      "              temporary directory, removed afterwards); a bundle already\n"
	      "              there keeps what this run does not replace\n"
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

static void print_summary(const struct cli_ctx *ctx, const struct demo_opts *o,
			  const struct tshm_load_result *r)
{
	char raw[CLI_SIZE_BUFSZ];

	printf("load:   %s of columns into shared memory, hashed and published as %s"
	       " generation %" PRIu64 " in namespace %s in %.0f ms (%.2f GB/s)%s%s\n",
	       cli_fmt_size(raw, r->raw_bytes), r->bundle, r->generation, ctx->ns, r->seconds * 1e3,
	       r->rate / 1e9, o->dir ? "; bundle kept in " : "", o->dir ? o->dir : "");
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

static int parse_value(struct cli_ctx *ctx, void *arg_, int opt, const char *arg)
{
	struct demo_opts *o = arg_;

	switch (opt) {
	case 'N':
		o->name = arg;
		return cli_check_name(ctx, "--name", arg);
	case 'a':
		return cli_parse_count(ctx, "--assets", arg, DEMO_MAX_ASSETS, &o->gen.nassets);
	case 'd':
		return cli_parse_count(ctx, "--days", arg, DEMO_MAX_DAYS, &o->gen.ndays);
	case 't':
		return cli_parse_count(ctx, "--trades-per-day", arg, TSHM_GEN_MAX_TRADES_PER_DAY,
				       &o->gen.trades_per_day);
	case 's':
		return cli_parse_u64(ctx, "--seed", arg, &o->gen.seed);
	case 'D':
		o->dir = arg;
		return 0;
	}
	return -1;
}

static int parse_opts(struct cli_ctx *ctx, struct demo_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
	    CLI_NS_OPTION,
	    {"name", required_argument, NULL, 'N'},
	    {"assets", required_argument, NULL, 'a'},
	    {"days", required_argument, NULL, 'd'},
	    {"seed", required_argument, NULL, 's'},
	    {"trades-per-day", required_argument, NULL, 't'},
	    {"dir", required_argument, NULL, 'D'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int rc = cli_getopt(ctx, argc, argv, ":h", opts, cli_help_demo, parse_value, o);

	if (rc >= 0)
		return rc;
	if (optind < argc)
		return cli_fail(ctx, CLI_USAGE, argv[optind], "unexpected argument");
	if ((uint64_t)o->gen.nassets * o->gen.ndays * o->gen.trades_per_day > DEMO_MAX_TRADES)
		return cli_fail(
		    ctx, CLI_USAGE, "--assets/--days/--trades-per-day",
		    "%" PRIu32 " x %" PRIu32 " x %" PRIu32 " trades is more than %" PRIu64,
		    o->gen.nassets, o->gen.ndays, o->gen.trades_per_day, DEMO_MAX_TRADES);
	return -1;
}

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb, (void)type, (void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* The CSV inputs of the demo: one directory per preset, ingested in this order. */
static const struct demo_input {
	const char *preset;
	const char *match; /* only files whose name contains this; NULL: the directory */
	const char *what;
} demo_inputs[] = {
    {"tardis-trades", "_trades_", "trades"},
    {"tardis-quotes", "_quotes_", "quotes"},
    {"binance-klines", "-1m-", "1-minute bars"},
    {"zipline-csvdir", NULL, "daily bars, splits and dividends"},
};
#define DEMO_NINPUTS (sizeof(demo_inputs) / sizeof(demo_inputs[0]))

/* A fresh temporary work directory in @tmp: csv/ and, unless --dir, bundle/. */
static int make_workdir(struct cli_ctx *ctx, char *tmp, size_t len)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmp, len, "%s/tickshm-demo-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmp))
		return cli_fail(ctx, CLI_ERR, tmp, "cannot create: %s", strerror(errno));
	return 0;
}

/* tickshm gen --format <preset> for every input, into <tmp>/<preset>/. */
static int write_csv(struct cli_ctx *ctx, const struct demo_opts *o, const char *tmp,
		     struct tshm_gen_stats *total)
{
	char dir[4096];
	int rc;

	memset(total, 0, sizeof(*total));
	for (size_t i = 0; i < DEMO_NINPUTS; i++) {
		struct tshm_gen_stats st;

		snprintf(dir, sizeof(dir), "%s/%s", tmp, demo_inputs[i].preset);
		rc = tshm_gen_write_csv(&o->gen, demo_inputs[i].preset, dir, 0, &st);
		if (rc < 0)
			return cli_fail_rc(ctx, dir, rc);
		if (i == 0)
			*total = st; /* its rows are the sample's */
		else
			total->files += st.files, total->text_bytes += st.text_bytes;
		total->elapsed_ns += i ? st.elapsed_ns : 0;
	}
	printf("gen:    %" PRIu64 " CSV files, %.1f MB in the formats of %zu ingest presets"
	       " (%.0f ms)\n",
	       total->files, (double)total->text_bytes / 1e6, DEMO_NINPUTS,
	       (double)total->elapsed_ns / 1e6);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_files(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The files of @dir whose name contains @match, sorted, as "dir/name" strings. */
static int list_files(const char *dir, const char *match, char ***out, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL, **nv;
	size_t cap = 0;
	int rc = 0;

	*n = 0;
	if (!d)
		return -errno;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.' || !strstr(e->d_name, match))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				rc = -ENOMEM;
				break;
			}
			v = nv;
		}
		if (asprintf(&v[*n], "%s/%s", dir, e->d_name) < 0)
			rc = -ENOMEM;
		else
			(*n)++;
	}
	closedir(d);
	if (rc < 0) {
		free_files(v, *n);
		return rc;
	}
	qsort(v, *n, sizeof(*v), cmp_str);
	*out = v;
	return 0;
}

/*
 * The reference data CSV market data does not carry (sids, tick and lot
 * sizes, classes, currencies, renames, the exchange calendar) goes into
 * the bundle first, as a user's security master would; ingest then finds
 * each asset by its symbol and keeps its exponents.
 */
static int write_reference(struct cli_ctx *ctx, const struct demo_opts *o, const char *bundle)
{
	struct tshm_bundle_txn *t = NULL;
	struct tshm_gen *g = NULL;
	int rc = tshm_gen_new(&g, &o->gen);

	if (rc == 0)
		rc = tshm_bundle_begin(&t, bundle, o->name, TSHM_BUNDLE_CREATE);
	if (rc == 0)
		rc = tshm_gen_put_reference(t, g);
	if (rc == 0) {
		rc = tshm_bundle_commit(t);
		t = NULL;
	}
	tshm_bundle_abort(t);
	tshm_gen_free(g);
	if (rc < 0)
		return cli_fail_rc(ctx, bundle, rc);
	printf("ref:    %" PRIu32 " assets, their symbol history and %" PRIu32
	       " exchange sessions into the bundle\n",
	       o->gen.nassets, o->gen.ndays);
	return 0;
}

/* tickshm ingest --preset <preset> <bundle> FILES... for one input. */
static int ingest_one(struct cli_ctx *ctx, const struct demo_opts *o, const char *tmp,
		      const char *bundle, const struct demo_input *in)
{
	struct tshm_ingest_opts io;
	struct tshm_ingest_result r;
	char dir[4096], **files = NULL, *one[1] = {dir};
	size_t n = 1;
	int rc = 0;

	snprintf(dir, sizeof(dir), "%s/%s", tmp, in->preset);
	if (in->match && (rc = list_files(dir, in->match, &files, &n)) < 0)
		return cli_fail_rc(ctx, dir, rc);
	tshm_ingest_opts_init(&io);
	io.preset = in->preset;
	io.bundle_dir = bundle;
	io.name = o->name;
	io.files = (const char *const *)(files ? files : one);
	io.nfiles = n;
	io.report = stderr;
	io.report_prefix = "tickshm demo: ";
	io.flags = TSHM_INGEST_NO_SESSIONS; /* the calendar came with the reference data */
	rc = tshm_ingest_run(&io, &r);
	if (files)
		free_files(files, n);
	if (rc < 0)
		return cli_fail(ctx, CLI_ERR, in->preset, "%s",
				r.error[0] ? r.error : tshm_strerror(rc));
	printf("ingest: %-15s %4" PRIu32 " files, %9" PRIu64 " rows of %s, %6.1f MB of CSV"
	       " at %.0f MB/s\n",
	       in->preset, r.files, r.rows_ingested, in->what, (double)r.bytes_in / 1e6,
	       r.elapsed_ns ? (double)r.bytes_in * 1e3 / (double)r.elapsed_ns : 0.0);
	return 0;
}

/* Load it with every CPU; always a new generation, as each run of the demo shows one. */
static int load_bundle(struct cli_ctx *ctx, struct tshm_catalog *cat, const struct demo_opts *o,
		       const char *dir, struct tshm_load_result *res)
{
	struct tshm_load_opts lo = {.name = o->name, .flags = TSHM_LOAD_FORCE};
	int rc = tshm_load_run(cat, dir, &lo, res);

	if (rc < 0)
		return cli_fail(ctx, CLI_ERR, o->name, "%s",
				res->error[0] ? res->error : tshm_strerror(rc));
	return 0;
}

/* tickshm run <bundle> --strategy sma_cross with a grid, on every core. */
static int sweep(struct cli_ctx *ctx, const struct demo_opts *o)
{
	char *argv[] = {"run",	       (char *)o->name, "--strategy",	  "sma_cross", "--param",
			"fast=5:50:5", "--param",	"slow=20:200:20", "--top",     "10",
			NULL};
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;

	printf("\n$ tickshm run %s --strategy sma_cross --param fast=5:50:5"
	       " --param slow=20:200:20 --top 10\n",
	       o->name);
	fflush(stdout);
	optind = 0; /* GNU getopt: start over for the run command's options */
	return cli_cmd_run(ctx, argc, argv);
}

/* gen -> ingest -> load -> show -> sweep; @tmp is the work directory. */
static int demo(struct cli_ctx *ctx, struct tshm_catalog *cat, const struct demo_opts *o,
		const char *tmp)
{
	struct tshm_load_result res;
	struct tshm_gen_stats st;
	char bundle[4096];
	int rc;

	snprintf(bundle, sizeof(bundle), "%s/bundle", tmp);
	printf("$ tickshm gen, tickshm ingest, tickshm load: the sample of %" PRIu32
	       " assets x %" PRIu32 " days (seed %" PRIu64 ")\n",
	       o->gen.nassets, o->gen.ndays, o->gen.seed);
	rc = write_csv(ctx, o, tmp, &st);
	if (rc == 0)
		rc = write_reference(ctx, o, o->dir ? o->dir : bundle);
	for (size_t i = 0; rc == 0 && i < DEMO_NINPUTS; i++)
		rc = ingest_one(ctx, o, tmp, o->dir ? o->dir : bundle, &demo_inputs[i]);
	if (rc == 0)
		rc = load_bundle(ctx, cat, o, o->dir ? o->dir : bundle, &res);
	if (rc == 0) {
		print_summary(ctx, o, &res);
		rc = show(ctx, cat, o->name);
	}
	return rc ? rc : sweep(ctx, o);
}

int cli_cmd_demo(struct cli_ctx *ctx, int argc, char **argv)
{
	struct demo_opts o = {
	    .name = "sample",
	    .gen = {.nassets = 8, .ndays = 20, .trades_per_day = 20000, .seed = 1}};
	struct tshm_catalog *cat = NULL;
	char tmp[4096] = "";
	int rc = parse_opts(ctx, &o, argc, argv);

	if (rc >= 0)
		return rc;
	if ((rc = cli_resolve_ns(ctx)) ||
	    (rc = cli_open_catalog(ctx, o.name, TSHM_CATALOG_CREATE, &cat)))
		return rc;
	rc = make_workdir(ctx, tmp, sizeof(tmp));
	if (rc == 0)
		rc = demo(ctx, cat, &o, tmp);
	if (tmp[0])
		nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	tshm_catalog_close(cat);
	return cli_finish(ctx, rc);
}
