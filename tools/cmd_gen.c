/* SPDX-License-Identifier: MIT */
/* tickshm gen: deterministic synthetic market data as a bundle or as CSV files. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tickshm/gen.h"

struct gen_args {
	struct tshm_gen_opts o;
	const char *format; /* "bundle" or a CSV preset */
	const char *out;    /* NULL: NAME (bundle) or NAME-FORMAT (CSV) */
	const char *name;
	unsigned csv_flags;
};

void cli_help_gen(FILE *out)
{
	fputs("usage: tickshm gen [--assets N] [--days D] [--trades-per-day T] [--seed S]\n"
	      "                   [--first-day YYYY-MM-DD] [--format bundle|PRESET] [--zstd]\n"
	      "                   [--no-header] [--crlf] [--out DIR] [--name NAME]\n"
	      "\n"
	      "Write deterministic synthetic market data: per asset and trading day,\n"
	      "bursty trades on the asset's tick grid, quotes around them, 1-minute and\n"
	      "daily bars aggregated from the trades; splits and cash dividends in the\n"
	      "prices; one symbol rename. The same options and seed give the same bytes.\n"
	      "\n"
	      "options:\n"
	      "  --assets N          number of assets, 1-100000 (default: 8)\n"
	      "  --days D            trading days, weekends skipped, 1-10000 (default: 5)\n"
	      "  --trades-per-day T  trades per asset and day, about, 1-1000000 (default: 3000)\n"
	      "  --seed S            random seed (default: 1)\n"
	      "  --first-day DATE    first calendar day (default: 2024-01-02)\n"
	      "  --format F          bundle (default), or a CSV ingest preset: binance-trades,\n"
	      "                      binance-aggtrades, binance-klines, tardis-trades,\n"
	      "                      tardis-quotes, truefx, zipline-csvdir, generic\n"
	      "  --zstd              zstd-compress the CSV files (.zst)\n"
	      "  --no-header         omit CSV headers (binance-* and generic)\n"
	      "  --crlf              end CSV lines with CR LF\n"
	      "  --out DIR           output directory (default: NAME for a bundle,\n"
	      "                      NAME-FORMAT for CSV)\n"
	      "  --name NAME         bundle name (default: sample)\n"
	      "  -h, --help          show this help\n",
	      out);
}

static bool known_format(const char *f)
{
	if (strcmp(f, "bundle") == 0)
		return true;
	for (unsigned i = 0; tshm_gen_csv_preset(i); i++)
		if (strcmp(f, tshm_gen_csv_preset(i)) == 0)
			return true;
	return false;
}

static int parse_day(struct cli_ctx *ctx, const char *arg, int32_t *out)
{
	int64_t ts;
	int rc = cli_parse_ts(ctx, "--first-day", arg, &ts);

	if (rc == 0 && (ts <= 0 || ts % TSHM_DAY_NS))
		return cli_fail(ctx, CLI_USAGE, "--first-day",
				"'%s' is not a date after 1970-01-01", arg);
	*out = (int32_t)(ts / TSHM_DAY_NS);
	return rc;
}

static int parse_value(struct cli_ctx *ctx, void *arg_, int opt, const char *arg)
{
	struct gen_args *g = arg_;

	switch (opt) {
	case 'a':
		return cli_parse_count(ctx, "--assets", arg, TSHM_GEN_MAX_ASSETS, &g->o.nassets);
	case 'd':
		return cli_parse_count(ctx, "--days", arg, TSHM_GEN_MAX_DAYS, &g->o.ndays);
	case 't':
		return cli_parse_count(ctx, "--trades-per-day", arg, TSHM_GEN_MAX_TRADES_PER_DAY,
				       &g->o.trades_per_day);
	case 's':
		return cli_parse_u64(ctx, "--seed", arg, &g->o.seed);
	case 'D':
		return parse_day(ctx, arg, &g->o.first_day);
	case 'f':
		if (!known_format(arg))
			return cli_fail(ctx, CLI_USAGE, "--format",
					"unknown format '%s' (see 'tickshm gen --help')", arg);
		g->format = arg;
		return 0;
	case 'z':
	case 'H':
	case 'C':
		g->csv_flags |= opt == 'z'   ? TSHM_GEN_CSV_ZSTD
				: opt == 'H' ? TSHM_GEN_CSV_NO_HEADER
					     : TSHM_GEN_CSV_CRLF;
		return 0;
	case 'o':
		g->out = arg;
		return 0;
	case 'N':
		g->name = arg;
		return cli_check_name(ctx, "--name", arg);
	}
	return -1;
}

static int parse_opts(struct cli_ctx *ctx, struct gen_args *g, int argc, char **argv)
{
	static const struct option opts[] = {
	    CLI_NS_OPTION,
	    {"assets", required_argument, NULL, 'a'},
	    {"days", required_argument, NULL, 'd'},
	    {"trades-per-day", required_argument, NULL, 't'},
	    {"seed", required_argument, NULL, 's'},
	    {"first-day", required_argument, NULL, 'D'},
	    {"format", required_argument, NULL, 'f'},
	    {"zstd", no_argument, NULL, 'z'},
	    {"no-header", no_argument, NULL, 'H'},
	    {"crlf", no_argument, NULL, 'C'},
	    {"out", required_argument, NULL, 'o'},
	    {"name", required_argument, NULL, 'N'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int rc = cli_getopt(ctx, argc, argv, ":h", opts, cli_help_gen, parse_value, g);

	if (rc >= 0)
		return rc;
	if (optind < argc)
		return cli_fail(ctx, CLI_USAGE, argv[optind], "unexpected argument");
	if (strcmp(g->format, "bundle") == 0 && g->csv_flags)
		return cli_fail(ctx, CLI_USAGE, "--format bundle",
				"--zstd, --no-header and --crlf apply to CSV formats only");
	return -1;
}

static void print_summary(const struct gen_args *g, const char *out,
			  const struct tshm_gen_stats *st)
{
	const uint64_t *r = st->rows;
	double s = (double)st->elapsed_ns / 1e9;
	char raw[CLI_SIZE_BUFSZ], text[CLI_SIZE_BUFSZ], disk[CLI_SIZE_BUFSZ];
	char hash[CLI_HASH_BUFSZ];

	printf("wrote %s%s to %s: %" PRIu32 " assets x %" PRIu32 " days, %" PRIu64
	       " trades, %" PRIu64 " quotes, %" PRIu64 " 1-minute bars, %" PRIu64
	       " daily bars, %" PRIu64 " adjustments\n",
	       strcmp(g->format, "bundle") == 0 ? "bundle " : g->format,
	       strcmp(g->format, "bundle") == 0 ? g->name : "", out, g->o.nassets, g->o.ndays,
	       r[TSHM_TABLE_TRADES], r[TSHM_TABLE_QUOTES], r[TSHM_TABLE_BARS_1M],
	       r[TSHM_TABLE_BARS_1D], r[TSHM_TABLE_ADJUSTMENTS]);
	s = s > 1e-9 ? s : 1e-9;
	printf("%s of column data in %.2f s: %.1f MB/s, %.2f M trades/s",
	       cli_fmt_size(raw, st->raw_bytes), s, (double)st->raw_bytes / s / 1e6,
	       (double)r[TSHM_TABLE_TRADES] / s / 1e6);
	if (st->files)
		printf("; %" PRIu64 " files, %s of CSV (%.1f MB/s), %s on disk", st->files,
		       cli_fmt_size(text, st->text_bytes), (double)st->text_bytes / s / 1e6,
		       cli_fmt_size(disk, st->out_bytes));
	else
		printf("; content hash %s", cli_fmt_hash(hash, st->hash_lo, st->hash_hi));
	printf("\n");
}

int cli_cmd_gen(struct cli_ctx *ctx, int argc, char **argv)
{
	struct gen_args g = {
	    .o = {.nassets = 8, .ndays = 5, .seed = 1}, .format = "bundle", .name = "sample"};
	struct tshm_gen_stats st;
	char out[4096];
	int rc = parse_opts(ctx, &g, argc, argv);

	if (rc >= 0)
		return rc;
	if (g.out)
		snprintf(out, sizeof(out), "%s", g.out);
	else if (strcmp(g.format, "bundle") == 0)
		snprintf(out, sizeof(out), "%s", g.name);
	else
		snprintf(out, sizeof(out), "%s-%s", g.name, g.format);
	if (strcmp(g.format, "bundle") == 0)
		rc = tshm_gen_write_bundle(&g.o, out, g.name, &st);
	else
		rc = tshm_gen_write_csv(&g.o, g.format, out, g.csv_flags, &st);
	if (rc == -EINVAL && (g.csv_flags & TSHM_GEN_CSV_NO_HEADER))
		return cli_fail(ctx, CLI_USAGE, "--no-header", "%s files always have %s", g.format,
				strcmp(g.format, "truefx") == 0 ? "no header" : "a header");
	if (rc < 0)
		return cli_fail_rc(ctx, out, rc);
	print_summary(&g, out, &st);
	return cli_finish(ctx, CLI_OK);
}
