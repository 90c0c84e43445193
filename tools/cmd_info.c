/* SPDX-License-Identifier: MIT */
/* tickshm info: one bundle's header, tables, columns and assets. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli.h"

#define INFO_ASSETS_DEFAULT 20u

void cli_help_info(FILE *out)
{
	fputs("usage: tickshm info <bundle> [--all] [--verify] [--ns NS]\n"
	      "\n"
	      "Describe the published generation of a bundle: segment, generation,\n"
	      "size, content hash, format and schema version, and per table its rows,\n"
	      "columns (name:type:kind) and time range; then the assets (sid, symbol,\n"
	      "exchange, class, currency, price and size exponents, tick and lot size).\n"
	      "\n"
	      "options:\n"
	      "  --all       list every asset (default: the first 20)\n"
	      "  --verify    also recompute the content hash and check every index and\n"
	      "              sort order (reads all the data); exit 1 if that fails\n"
	      "  --ns NS     namespace (default: $TICKSHM_NAMESPACE, else \"default\")\n"
	      "  -h, --help  show this help\n",
	      out);
}

static void print_header(FILE *out, const struct tshm_catalog *cat, const struct tshm_view *v)
{
	const struct tshm_seg_header *h = tshm_view_header(v);
	struct tshm_descriptor d;
	char a[TSHM_TS_BUFSZ], b[TSHM_TS_BUFSZ], hash[CLI_HASH_BUFSZ], size[CLI_SIZE_BUFSZ];

	fprintf(out, "bundle      %.*s\n", (int)TSHM_BUNDLE_MAX, h->bundle);
	fprintf(out, "segment     %s\n", tshm_view_segment_name(v));
	fprintf(out, "generation  %" PRIu64 "\n", h->generation);
	fprintf(out, "size        %s (%" PRIu64 " bytes)\n", cli_fmt_size(size, h->total_size),
		h->total_size);
	fprintf(out, "hash        %s\n", cli_fmt_hash(hash, h->hash_lo, h->hash_hi));
	fprintf(out, "format      v%" PRIu32 ", schema v%" PRIu32 "\n", h->format_version,
		h->schema_version);
	fprintf(out, "assets      %" PRIu32 "\n", h->nassets);
	fprintf(out, "time range  %s .. %s\n", cli_fmt_ts_short(a, h->min_ts),
		cli_fmt_ts_short(b, h->max_ts));
	fprintf(out, "created     %s by pid %" PRIu32 "\n", cli_fmt_ts_sec(a, h->created_ns),
		h->creator_pid);
	/* The descriptor may already name a newer generation than the one attached. */
	if (cat && tshm_catalog_lookup(cat, h->bundle, &d) == 0 && d.generation == h->generation)
		fprintf(out, "published   %s by pid %" PRIu32 "\n", cli_fmt_ts_sec(a, d.publish_ns),
			d.publisher_pid);
}

static void print_columns(FILE *out, const struct tshm_view *v, unsigned table, uint32_t ncols)
{
	fputs("      ", out);
	for (unsigned c = 0; c < ncols; c++) {
		struct tshm_column_info ci;

		if (tshm_view_column(v, table, c, &ci) < 0)
			continue;
		fprintf(out, "%s%s:%s", c ? " " : "", ci.name, cli_type_name(ci.type));
		if (ci.type == TSHM_TYPE_CHAR)
			fprintf(out, "%u", (unsigned)ci.width);
		fprintf(out, ":%s", cli_kind_name(ci.kind));
	}
	fputc('\n', out);
}

static void print_tables(FILE *out, const struct tshm_view *v)
{
	char a[TSHM_TS_BUFSZ], b[TSHM_TS_BUFSZ], day[TSHM_TS_BUFSZ];

	fputs("\ntables:\n", out);
	for (unsigned t = 0; t < TSHM_TABLE_COUNT; t++) {
		struct tshm_table_info ti;

		if (tshm_view_table(v, t, &ti) < 0 || !(ti.flags & TSHM_TABLE_F_PRESENT))
			continue;
		fprintf(out, "  %-12s %-9s %10" PRIu64 " rows", ti.name,
			ti.flags & TSHM_TABLE_F_PER_ASSET ? "per-asset" : "flat", ti.nrows);
		if (ti.min_ts || ti.max_ts)
			fprintf(out, "  %s .. %s", cli_fmt_ts_short(a, ti.min_ts),
				cli_fmt_ts_short(b, ti.max_ts));
		if (ti.flags & TSHM_TABLE_F_PER_ASSET)
			fprintf(out, "  (day index: %" PRIu32 " days from %s)", ti.ndays,
				cli_fmt_day(day, ti.day0));
		fputc('\n', out);
		print_columns(out, v, t, ti.ncols);
	}
}

static int print_assets(FILE *out, const struct tshm_view *v, bool all)
{
	uint32_t n = tshm_view_nassets(v),
		 shown = all || n <= INFO_ASSETS_DEFAULT ? n : INFO_ASSETS_DEFAULT;
	char tick[CLI_DECIMAL_BUFSZ], lot[CLI_DECIMAL_BUFSZ];
	struct cli_table t;

	if (shown < n)
		fprintf(out,
			"\nassets (first %" PRIu32 " of %" PRIu32 "; --all lists every one):\n",
			shown, n);
	else
		fprintf(out, "\nassets (%" PRIu32 "):\n", n);
	cli_table_init(&t, 9);
	for (const char *h =
		 "SID\0SYMBOL\0EXCHANGE\0CLASS\0CURRENCY\0PRICE_EXP\0SIZE_EXP\0TICK\0LOT\0";
	     *h; h += strlen(h) + 1)
		cli_table_cell(&t, "%s", h);
	for (uint32_t i = 0; i < shown; i++) {
		struct tshm_asset as;

		if (tshm_view_asset(v, i, &as) < 0)
			continue;
		cli_fmt_decimal(tick, sizeof(tick), as.tick_size, as.price_exp);
		cli_fmt_decimal(lot, sizeof(lot), as.lot_size, as.size_exp);
		cli_table_cell(&t, "%" PRId64, as.sid);
		cli_table_cell(&t, "%s", as.symbol);
		cli_table_cell(&t, "%s", as.exchange);
		cli_table_cell(&t, "%s", cli_class_name(as.asset_class));
		cli_table_cell(&t, "%s", as.currency);
		cli_table_cell(&t, "%" PRId32, as.price_exp);
		cli_table_cell(&t, "%" PRId32, as.size_exp);
		cli_table_cell(&t, "%s", tick);
		cli_table_cell(&t, "%s", lot);
	}
	return cli_table_print(&t, out, "  ");
}

int cli_info_print(struct cli_ctx *ctx, FILE *out, struct tshm_catalog *cat, struct tshm_view *v,
		   bool all)
{
	print_header(out, cat, v);
	print_tables(out, v);
	if (print_assets(out, v, all) < 0)
		return cli_fail_rc(ctx, "info", -ENOMEM);
	return 0;
}

static int verify(struct cli_ctx *ctx, const char *bundle, struct tshm_view *v)
{
	int64_t t0 = cli_mono_ns();
	int rc = tshm_view_verify(v);
	int64_t ms = (cli_mono_ns() - t0) / 1000000;

	if (rc < 0)
		return cli_fail(ctx, CLI_ERR, bundle, "verify failed: %s", tshm_strerror(rc));
	printf("\nverify: OK (content hash, row and day indexes, sort order; %" PRId64 " ms)\n",
	       ms);
	return 0;
}

int cli_cmd_info(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    CLI_NS_OPTION,
	    {"all", no_argument, NULL, 'a'},
	    {"verify", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool all = false, do_verify = false;
	struct tshm_catalog *cat = NULL;
	struct tshm_view *v = NULL;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (opt == 'h') {
			cli_help_info(stdout);
			return cli_finish(ctx, CLI_OK);
		} else if (opt == 'a') {
			all = true;
		} else if (opt == 'v') {
			do_verify = true;
		} else if ((rc = cli_common_opt(ctx, opt, argv)) >= 0) {
			return rc;
		}
	}
	if (optind + 1 != argc)
		return cli_fail(ctx, CLI_USAGE, "usage",
				optind < argc ? "exactly one bundle name expected"
					      : "missing bundle name (tickshm info <bundle>)");
	if ((rc = cli_resolve_ns(ctx)) || (rc = cli_open_catalog(ctx, argv[optind], 0, &cat)))
		return rc;
	rc = cli_open_view(ctx, cat, argv[optind], &v);
	if (rc == 0)
		rc = cli_info_print(ctx, stdout, cat, v, all);
	if (rc == 0 && do_verify)
		rc = verify(ctx, argv[optind], v);
	tshm_view_unref(v);
	tshm_catalog_close(cat);
	return cli_finish(ctx, rc);
}
