/* SPDX-License-Identifier: MIT */
/* tickshm ingest: CSV files (plain or .zst) in a preset format into an on-disk bundle. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "tickshm/ingest.h"
#include "tickshm/load.h"

void cli_help_ingest(FILE *out)
{
	fputs("usage: tickshm ingest --preset P [options] <bundle-dir> FILE...\n"
	      "\n"
	      "Parse CSV files (plain, or zstd-compressed) exactly into the bundle in\n"
	      "<bundle-dir> (created if missing), in one transaction: nothing is\n"
	      "committed unless the ingest succeeds. Rows are sorted by time per asset\n"
	      "where the input is not, cut into UTC days, and each (table, asset, day)\n"
	      "written replaces what the bundle held for it; other days are kept.\n"
	      "Prices and sizes are stored as integer mantissas; a new asset's\n"
	      "exponents are the most fraction digits seen (trailing zeros count, at\n"
	      "most 12) unless given. A session [00:00, 24:00) UTC is written per day\n"
	      "with data.\n"
	      "\n"
	      "options:\n"
	      "  --preset P          input format (below); required\n"
	      "  --name N            bundle name when the bundle is created\n"
	      "                      (default: the directory's name)\n"
	      "  --on-error MODE     fail (default): the first bad row stops the ingest\n"
	      "                      and nothing is committed; skip: report bad rows\n"
	      "                      (the first 100) and commit the good ones\n"
	      "  --duplicates MODE   keep (default) or drop rows identical in every\n"
	      "                      column to an earlier row of the same asset\n"
	      "  --ts-unit U         s, ms, us or ns for integer timestamps (default: the\n"
	      "                      preset's), iso for ISO-8601 text (generic)\n"
	      "  --symbol S          symbol of every row (default: the data or file name)\n"
	      "  --exchange E        exchange of new assets\n"
	      "  --currency C        currency of new assets\n"
	      "  --class C           other, equity, future, crypto, fx, etf or index\n"
	      "  --price-exp E       price exponent of new assets (e.g. -2)\n"
	      "  --size-exp E        size exponent of new assets\n"
	      "  --table T           generic: trades (default), quotes, bars_1m, bars_1d\n"
	      "  --map F=C,...       generic: field F from column C (header name or\n"
	      "                      1-based number), e.g. ts=time,price=px,size=qty\n"
	      "  --header            the first line is a header\n"
	      "  --no-header         the first line is data\n"
	      "  --delimiter C       field separator (default ','; 'tab' for tabs)\n"
	      "  --no-sessions       do not write sessions\n"
	      "  --dry-run           read and check everything, write nothing\n"
	      "  --load              load the bundle into shared memory afterwards\n"
	      "                      (as 'tickshm load <bundle-dir> --name N')\n"
	      "  --quiet             print nothing but errors\n"
	      "  --ns NS             namespace for --load\n"
	      "  -h, --help          show this help\n"
	      "\n"
	      "presets:\n",
	      out);
	for (size_t i = 0; tshm_ingest_preset_at(i); i++) {
		const struct tshm_ingest_preset *p = tshm_ingest_preset_at(i);
		fprintf(out, "  %-18s %s\n  %-18s   %s: %s\n", p->name, p->summary, "", p->table,
			p->columns);
	}
	fputs("\nBad rows are reported as FILE:LINE: reason. Exit status: 0 success (also\n"
	      "when --on-error=skip skipped rows), 1 bad input or runtime error, 2 usage.\n",
	      out);
}

struct ingest_cli {
	struct tshm_ingest_opts o;
	bool load, quiet;
};

static int pick(struct cli_ctx *ctx, const char *opt, const char *s, const char *const *names,
		int n, int *out)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	return cli_fail(ctx, CLI_USAGE, opt, "'%s' is not a valid value (see --help)", s);
}

static int parse_exp(struct cli_ctx *ctx, const char *opt, const char *s, int32_t *out)
{
	int64_t v;

	if (cli_parse_i64(ctx, opt, s, &v))
		return CLI_USAGE;
	if (v < -18 || v > 0)
		return cli_fail(ctx, CLI_USAGE, opt, "'%s' is not in -18..0", s);
	*out = (int32_t)v;
	return 0;
}

static int parse_delim(struct cli_ctx *ctx, const char *s, char *out)
{
	if (strcmp(s, "tab") == 0 || strcmp(s, "\\t") == 0)
		*out = '\t';
	else if (strlen(s) == 1 && *s != '"' && *s != '\n' && *s != '\r')
		*out = *s;
	else
		return cli_fail(ctx, CLI_USAGE, "--delimiter", "'%s' is not one character", s);
	return 0;
}

enum {
	O_PRESET = 0x200,
	O_NAME,
	O_ON_ERROR,
	O_DUPS,
	O_TS_UNIT,
	O_SYMBOL,
	O_EXCHANGE,
	O_CURRENCY,
	O_CLASS,
	O_PRICE_EXP,
	O_SIZE_EXP,
	O_TABLE,
	O_MAP,
	O_HEADER,
	O_NO_HEADER,
	O_DELIM,
	O_NO_SESSIONS,
	O_DRY_RUN,
	O_LOAD,
	O_QUIET,
};

static const struct option long_opts[] = {
    CLI_NS_OPTION,
    {"preset", required_argument, NULL, O_PRESET},
    {"name", required_argument, NULL, O_NAME},
    {"on-error", required_argument, NULL, O_ON_ERROR},
    {"duplicates", required_argument, NULL, O_DUPS},
    {"ts-unit", required_argument, NULL, O_TS_UNIT},
    {"symbol", required_argument, NULL, O_SYMBOL},
    {"exchange", required_argument, NULL, O_EXCHANGE},
    {"currency", required_argument, NULL, O_CURRENCY},
    {"class", required_argument, NULL, O_CLASS},
    {"price-exp", required_argument, NULL, O_PRICE_EXP},
    {"size-exp", required_argument, NULL, O_SIZE_EXP},
    {"table", required_argument, NULL, O_TABLE},
    {"map", required_argument, NULL, O_MAP},
    {"header", no_argument, NULL, O_HEADER},
    {"no-header", no_argument, NULL, O_NO_HEADER},
    {"delimiter", required_argument, NULL, O_DELIM},
    {"no-sessions", no_argument, NULL, O_NO_SESSIONS},
    {"dry-run", no_argument, NULL, O_DRY_RUN},
    {"load", no_argument, NULL, O_LOAD},
    {"quiet", no_argument, NULL, O_QUIET},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Options with a choice of words. Returns 0, or CLI_USAGE. */
static int parse_choice(struct cli_ctx *ctx, int opt, struct tshm_ingest_opts *o)
{
	static const char *const on_error[] = {"fail", "skip"};
	static const char *const dups[] = {"keep", "drop"};
	static const char *const units[] = {"", "s", "ms", "us", "ns", "iso"};
	static const char *const tables[] = {"", "", "", "trades", "quotes", "bars_1m", "bars_1d"};
	static const char *const classes[] = {"other", "equity", "future", "crypto",
					      "fx",    "etf",	 "index"};
	int v = 0, rc;

	switch (opt) {
	case O_ON_ERROR:
		rc = pick(ctx, "--on-error", optarg, on_error, 2, &o->on_error);
		break;
	case O_DUPS:
		rc = pick(ctx, "--duplicates", optarg, dups, 2, &o->duplicates);
		break;
	case O_TS_UNIT:
		rc = *optarg ? pick(ctx, "--ts-unit", optarg, units, 6, &o->ts_unit)
			     : cli_fail(ctx, CLI_USAGE, "--ts-unit", "empty");
		break;
	case O_TABLE:
		rc = *optarg ? pick(ctx, "--table", optarg, tables, 7, &v)
			     : cli_fail(ctx, CLI_USAGE, "--table", "empty");
		o->table = (enum tshm_table)v;
		break;
	default: /* O_CLASS */
		rc = pick(ctx, "--class", optarg, classes, 7, &v);
		o->asset_class = v;
		break;
	}
	return rc ? CLI_USAGE : 0;
}

static int parse_one(struct cli_ctx *ctx, int opt, char **argv, struct ingest_cli *c)
{
	struct tshm_ingest_opts *o = &c->o;

	switch (opt) {
	case O_PRESET:
		if (!tshm_ingest_preset_find(optarg))
			return cli_fail(ctx, CLI_USAGE, "--preset",
					"unknown preset '%s' (see 'tickshm ingest --help')",
					optarg);
		o->preset = optarg;
		return -1;
	case O_NAME:
		if (cli_check_name(ctx, "--name", optarg))
			return CLI_USAGE;
		o->name = optarg;
		return -1;
	case O_ON_ERROR:
	case O_DUPS:
	case O_TS_UNIT:
	case O_TABLE:
	case O_CLASS:
		return parse_choice(ctx, opt, o) ? CLI_USAGE : -1;
	case O_PRICE_EXP:
		return parse_exp(ctx, "--price-exp", optarg, &o->price_exp) ? CLI_USAGE : -1;
	case O_SIZE_EXP:
		return parse_exp(ctx, "--size-exp", optarg, &o->size_exp) ? CLI_USAGE : -1;
	case O_DELIM:
		return parse_delim(ctx, optarg, &o->delimiter) ? CLI_USAGE : -1;
	case O_SYMBOL:
	case O_EXCHANGE:
	case O_CURRENCY:
	case O_MAP:
		*(opt == O_SYMBOL     ? &o->symbol
		  : opt == O_EXCHANGE ? &o->exchange
		  : opt == O_CURRENCY ? &o->currency
				      : &o->map) = optarg;
		return -1;
	case O_HEADER:
	case O_NO_HEADER:
		o->header = opt == O_HEADER ? TSHM_INGEST_HEADER_PRESENT
					    : TSHM_INGEST_HEADER_ABSENT;
		return -1;
	case O_NO_SESSIONS:
		o->flags |= TSHM_INGEST_NO_SESSIONS;
		return -1;
	case O_DRY_RUN:
		o->flags |= TSHM_INGEST_DRY_RUN;
		return -1;
	case O_LOAD:
	case O_QUIET:
		*(opt == O_LOAD ? &c->load : &c->quiet) = true;
		return -1;
	default:
		return cli_common_opt(ctx, opt, argv);
	}
}

static int parse(struct cli_ctx *ctx, int argc, char **argv, struct ingest_cli *c)
{
	int opt, rc;

	while ((opt = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		if (opt == 'h') {
			cli_help_ingest(stdout);
			return cli_finish(ctx, CLI_OK);
		}
		if ((rc = parse_one(ctx, opt, argv, c)) >= 0)
			return rc;
	}
	if (!c->o.preset)
		return cli_fail(ctx, CLI_USAGE, "usage", "--preset is required (see --help)");
	if (optind + 2 > argc)
		return cli_fail(ctx, CLI_USAGE, "usage",
				"expected <bundle-dir> FILE... (tickshm ingest --preset P "
				"<bundle-dir> FILE...)");
	c->o.bundle_dir = argv[optind];
	c->o.files = (const char *const *)(argv + optind + 1);
	c->o.nfiles = (size_t)(argc - optind - 1);
	return -1;
}

static void print_result(const struct ingest_cli *c, const struct tshm_ingest_result *r)
{
	static const char *const tnames[TSHM_TABLE_COUNT] = {[TSHM_TABLE_TRADES] = "trades",
							     [TSHM_TABLE_QUOTES] = "quotes",
							     [TSHM_TABLE_BARS_1M] = "bars_1m",
							     [TSHM_TABLE_BARS_1D] = "bars_1d"};
	double s = (double)r->elapsed_ns / 1e9;
	char in[CLI_SIZE_BUFSZ];

	if (c->o.flags & TSHM_INGEST_DRY_RUN)
		printf("dry run, nothing written: ");
	printf("ingested %" PRIu64 " rows into %s (", r->rows_ingested, c->o.bundle_dir);
	for (unsigned t = 0, n = 0; t < TSHM_TABLE_COUNT; t++)
		if (r->rows[t] && tnames[t])
			printf("%s%s %" PRIu64, n++ ? ", " : "", tnames[t], r->rows[t]);
	if (r->adjustments)
		printf(", %" PRIu64 " adjustments", r->adjustments);
	printf(") from %" PRIu32 " file%s, %s of CSV in %.2f s (%.0f MB/s); %" PRIu32
	       " new assets, %" PRIu32 " updated, %" PRIu64 " days written\n",
	       r->files, r->files == 1 ? "" : "s", cli_fmt_size(in, r->bytes_in), s,
	       s > 0 ? (double)r->bytes_in / s / 1e6 : 0.0, r->assets_new, r->assets_updated,
	       r->days_written);
	if (r->rows_skipped || r->files_skipped)
		printf("skipped %" PRIu64 " bad rows and %" PRIu64 " bad files (--on-error=skip)\n",
		       r->rows_skipped, r->files_skipped);
	if (r->duplicates_dropped)
		printf("dropped %" PRIu64 " duplicate rows\n", r->duplicates_dropped);
}

static int load(struct cli_ctx *ctx, const struct ingest_cli *c)
{
	struct tshm_load_opts lo = {.name = c->o.name};
	struct tshm_catalog *cat = NULL;
	struct tshm_load_result r;
	int rc;

	if ((rc = cli_resolve_ns(ctx)) ||
	    (rc = cli_open_catalog(ctx, c->o.name, TSHM_CATALOG_CREATE, &cat)))
		return rc;
	rc = tshm_load_run(cat, c->o.bundle_dir, &lo, &r);
	tshm_catalog_close(cat);
	if (rc < 0)
		return cli_fail(ctx, CLI_ERR, c->o.bundle_dir, "load: %s", r.error);
	if (!c->quiet && r.status == TSHM_LOAD_UP_TO_DATE)
		printf("%s is up to date: generation %" PRIu64 "\n", r.bundle, r.generation);
	else if (!c->quiet)
		printf("loaded %s generation %" PRIu64 " in %.2f s (%.2f GB/s)\n", r.bundle,
		       r.generation, r.seconds, r.rate / 1e9);
	return 0;
}

int cli_cmd_ingest(struct cli_ctx *ctx, int argc, char **argv)
{
	struct ingest_cli c = {0};
	struct tshm_ingest_result r;
	int rc;

	tshm_ingest_opts_init(&c.o);
	if ((rc = parse(ctx, argc, argv, &c)) >= 0)
		return rc;
	if (!c.quiet) {
		c.o.report = stderr;
		c.o.report_prefix = "tickshm ingest: ";
	}
	rc = tshm_ingest_run(&c.o, &r);
	if (rc < 0) {
		fflush(stdout);
		fprintf(stderr, "tickshm ingest: %s%s\n", r.error,
			rc == -EBADMSG ? " (nothing committed)" : "");
		return rc == -EINVAL ? CLI_USAGE : CLI_ERR;
	}
	if (!c.quiet)
		print_result(&c, &r);
	if (c.load && !(c.o.flags & TSHM_INGEST_DRY_RUN) && (rc = load(ctx, &c)) != 0)
		return rc;
	return cli_finish(ctx, CLI_OK);
}
