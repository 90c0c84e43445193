/* SPDX-License-Identifier: MIT */
/* tickshm cat: rows of one table as CSV or JSON lines, read in place from shared memory. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli.h"

void cli_help_cat(FILE *out)
{
	fputs("usage: tickshm cat <bundle> --table T [--symbol S | --sid N] [--from TS]\n"
	      "                   [--to TS] [--limit N] [--format csv|json] [--ns NS]\n"
	      "\n"
	      "Print the rows of one table. T is one of: assets, symbols, sessions,\n"
	      "trades, quotes, bars_1m, bars_1d, adjustments.\n"
	      "\n"
	      "Per-asset tables (trades, quotes, bars_1m, bars_1d, adjustments) are\n"
	      "printed asset by asset in sid order, each row led by the asset's sid and\n"
	      "symbol, and filtered by time as FROM <= ts < TO. For assets, symbols and\n"
	      "sessions, --from/--to keep the rows whose [start, end) interval (life\n"
	      "span, mapping validity, session hours) overlaps [FROM, TO); --symbol/--sid\n"
	      "keep the rows of that asset.\n"
	      "\n"
	      "Values are exact: timestamps as ISO-8601 UTC with nanoseconds, prices and\n"
	      "sizes as decimals at the asset's exponents (e.g. 101.25), days as\n"
	      "YYYY-MM-DD. In JSON every decimal, timestamp and day is a string, so no\n"
	      "parser rounds it through a double; other integers are JSON numbers.\n"
	      "\n"
	      "options:\n"
	      "  -t, --table T      table to print (required)\n"
	      "  -s, --symbol S     only the asset that S names: as of --from if given,\n"
	      "                     else today (symbols can be renamed)\n"
	      "  --sid N            only the asset with sid N\n"
	      "  --from TS          first time included; TS is YYYY-MM-DD,\n"
	      "                     YYYY-MM-DDTHH:MM[:SS[.fffffffff]][Z] (UTC; a space may\n"
	      "                     replace the T) or an integer of ns since the epoch\n"
	      "  --to TS            first time excluded\n"
	      "  -n, --limit N      print at most N rows\n"
	      "  -f, --format F     csv (default; with a header line) or json (one object\n"
	      "                     per line)\n"
	      "  --ns NS            namespace (default: $TICKSHM_NAMESPACE, else \"default\")\n"
	      "  -h, --help         show this help\n",
	      out);
}

static const char *const table_names[TSHM_TABLE_COUNT] = {
    "assets", "symbols", "sessions", "trades", "quotes", "bars_1m", "bars_1d", "adjustments",
};

struct cat_opts {
	const char *bundle, *table, *symbol;
	int64_t sid, from, to;
	uint64_t limit;
	bool has_sid, has_time, json;
};

/* One cat invocation over an attached view. */
struct cat_run {
	struct cli_ctx *ctx;
	const struct cat_opts *o;
	struct tshm_view *v;
	unsigned table;
	struct tshm_table_info ti;
	struct tshm_column_info cols[TSHM_MAX_COLS];
	int sid_col, ts_col[2]; /* flat-table filters; -1: none */
	uint64_t left;		/* rows still allowed by --limit */
	FILE *out;
};

/* ---- cells -------------------------------------------------------------- */

static int64_t cell_int(const struct tshm_column_info *c, uint64_t row)
{
	if (c->type == TSHM_TYPE_I32)
		return ((const int32_t *)c->data)[row];
	return ((const int64_t *)c->data)[row];
}

static void emit_text(const struct cat_run *r, const char *s, size_t n)
{
	size_t len = strnlen(s, n);

	if (r->o->json) {
		fputc('"', r->out);
		cli_json_str(r->out, s, len);
		fputc('"', r->out);
	} else if (strcspn(s, ",\"\r\n") < len) {
		fputc('"', r->out);
		for (size_t i = 0; i < len; i++) {
			if (s[i] == '"')
				fputc('"', r->out);
			fputc(s[i], r->out);
		}
		fputc('"', r->out);
	} else {
		fwrite(s, 1, len, r->out);
	}
}

/* A value that must stay text in JSON (decimal, timestamp, day). */
static void emit_exact(const struct cat_run *r, const char *s)
{
	fprintf(r->out, r->o->json ? "\"%s\"" : "%s", s);
}

static void emit_decimal(const struct cat_run *r, int64_t v, int exp)
{
	char buf[CLI_DECIMAL_BUFSZ];

	emit_exact(r, cli_fmt_decimal(buf, sizeof(buf), v, exp));
}

static void emit_cell(const struct cat_run *r, const struct tshm_column_info *c, uint64_t row,
		      const struct tshm_asset *a)
{
	char buf[TSHM_TS_BUFSZ];
	int64_t v;

	if (c->type == TSHM_TYPE_CHAR) {
		emit_text(r, (const char *)c->data + row * c->width, c->width);
		return;
	}
	v = cell_int(c, row);
	if (c->kind == TSHM_KIND_TS && tshm_ts_format(buf, sizeof(buf), v) > 0)
		emit_exact(r, buf);
	else if (c->kind == TSHM_KIND_PRICE && a)
		emit_decimal(r, v, a->price_exp);
	else if (c->kind == TSHM_KIND_SIZE && a)
		emit_decimal(r, v, a->size_exp);
	else if (c->kind == TSHM_KIND_DAY)
		emit_exact(r, cli_fmt_day(buf, (int32_t)v));
	else
		fprintf(r->out, "%" PRId64, v);
}

/* ---- rows --------------------------------------------------------------- */

static void emit_key(const struct cat_run *r, unsigned i, const char *name)
{
	if (r->o->json)
		fprintf(r->out, "%s\"%s\":", i ? "," : "{", name);
	else if (i)
		fputc(',', r->out);
}

static void emit_header(const struct cat_run *r)
{
	bool lead = r->ti.flags & TSHM_TABLE_F_PER_ASSET;

	if (r->o->json)
		return;
	if (lead)
		fputs("sid,symbol,", r->out);
	for (unsigned c = 0; c < r->ti.ncols; c++)
		fprintf(r->out, "%s%s", c ? "," : "", r->cols[c].name);
	fputc('\n', r->out);
}

/* @lead: the per-asset tables' leading sid and symbol, or NULL. */
static void emit_row(struct cat_run *r, uint64_t row, const struct tshm_asset *a,
		     const struct tshm_asset *lead)
{
	unsigned i = 0;

	if (lead) {
		emit_key(r, i++, "sid");
		fprintf(r->out, "%" PRId64, lead->sid);
		emit_key(r, i++, "symbol");
		emit_text(r, lead->symbol, sizeof(lead->symbol));
	}
	for (unsigned c = 0; c < r->ti.ncols; c++) {
		emit_key(r, i++, r->cols[c].name);
		emit_cell(r, &r->cols[c], row, a);
	}
	fputs(r->o->json ? "}\n" : "\n", r->out);
	r->left--;
}

static int cat_asset(struct cat_run *r, uint32_t asset)
{
	struct tshm_asset a;
	struct tshm_window w;
	uint64_t first, count;
	int rc = tshm_view_asset(r->v, asset, &a);

	if (rc == 0 && r->o->has_time) {
		rc = tshm_history_range(r->v, r->table, a.sid, 0, r->o->from, r->o->to, &w);
		first = w.first_row;
		count = w.count;
	} else if (rc == 0) {
		rc = tshm_view_asset_rows(r->v, r->table, asset, &first, &count);
	}
	if (rc < 0)
		return cli_fail(r->ctx, CLI_ERR, r->o->bundle, "table %s, sid %" PRId64 ": %s",
				r->ti.name, a.sid, tshm_strerror(rc));
	for (uint64_t i = 0; i < count && r->left; i++)
		emit_row(r, first + i, &a, &a);
	return 0;
}

static bool flat_row_wanted(const struct cat_run *r, uint64_t row)
{
	const struct cat_opts *o = r->o;

	if (o->has_sid && cell_int(&r->cols[r->sid_col], row) != o->sid)
		return false;
	if (!o->has_time)
		return true;
	if (r->ts_col[1] < 0) {
		int64_t t = cell_int(&r->cols[r->ts_col[0]], row);
		return t >= o->from && t < o->to;
	}
	return cell_int(&r->cols[r->ts_col[0]], row) < o->to &&
	       cell_int(&r->cols[r->ts_col[1]], row) > o->from;
}

static int cat_flat(struct cat_run *r)
{
	for (uint64_t row = 0; row < r->ti.nrows && r->left; row++) {
		struct tshm_asset a;
		/* Row i of the assets table is asset i: its prices use its own exponents. */
		bool own = r->table == TSHM_TABLE_ASSETS &&
			   tshm_view_asset(r->v, (uint32_t)row, &a) == 0;

		if (flat_row_wanted(r, row))
			emit_row(r, row, own ? &a : NULL, NULL);
	}
	return 0;
}

/* ---- setup -------------------------------------------------------------- */

static int load_columns(struct cat_run *r)
{
	int rc = tshm_view_table(r->v, r->table, &r->ti);

	if (rc == 0 && !(r->ti.flags & TSHM_TABLE_F_PRESENT))
		return cli_fail(r->ctx, CLI_ERR, r->o->bundle, "has no table %s",
				table_names[r->table]);
	r->sid_col = r->ts_col[0] = r->ts_col[1] = -1;
	for (unsigned c = 0; rc == 0 && c < r->ti.ncols && c < TSHM_MAX_COLS; c++) {
		rc = tshm_view_column(r->v, r->table, c, &r->cols[c]);
		if (rc == 0 && r->cols[c].kind == TSHM_KIND_SID && r->sid_col < 0)
			r->sid_col = (int)c;
		if (rc == 0 && r->cols[c].kind == TSHM_KIND_TS && r->ts_col[1] < 0)
			r->ts_col[r->ts_col[0] < 0 ? 0 : 1] = (int)c;
	}
	if (rc < 0)
		return cli_fail(r->ctx, CLI_ERR, r->o->bundle, "table %s: %s",
				table_names[r->table], tshm_strerror(rc));
	return 0;
}

/* Resolve --symbol to the asset index it names, or -1 with the error reported. */
static int find_symbol(struct cat_run *r, int *exit_code)
{
	int64_t as_of = r->o->has_time && r->o->from != INT64_MIN ? r->o->from : INT64_MAX - 1;
	char when[TSHM_TS_BUFSZ];
	int idx = tshm_view_find_symbol(r->v, r->o->symbol, as_of);

	if (idx == -EINVAL)
		*exit_code = cli_fail(r->ctx, CLI_USAGE, "--symbol", "'%s' is longer than %u bytes",
				      r->o->symbol, TSHM_SYMBOL_MAX);
	else if (idx == -ENOENT && as_of == INT64_MAX - 1)
		*exit_code = cli_fail(r->ctx, CLI_ERR, r->o->symbol,
				      "no such symbol in %s now (a former symbol? add --from)",
				      r->o->bundle);
	else if (idx == -ENOENT)
		*exit_code = cli_fail(r->ctx, CLI_ERR, r->o->symbol,
				      "no such symbol in %s as of %s", r->o->bundle,
				      cli_fmt_ts_short(when, as_of));
	else if (idx < 0)
		*exit_code = cli_fail_rc(r->ctx, r->o->symbol, idx);
	return idx;
}

/* The one asset --symbol/--sid selects (-1: all), or -2 with the error reported. */
static int select_asset(struct cat_run *r, struct cat_opts *o, int *exit_code)
{
	struct tshm_asset a;
	int idx;

	if (!o->symbol && !o->has_sid)
		return -1;
	if (r->sid_col < 0 && !(r->ti.flags & TSHM_TABLE_F_PER_ASSET)) {
		*exit_code = cli_fail(r->ctx, CLI_USAGE, o->symbol ? "--symbol" : "--sid",
				      "table %s has no asset column", r->ti.name);
		return -2;
	}
	idx = o->symbol ? find_symbol(r, exit_code) : tshm_view_find_sid(r->v, o->sid);
	if (idx < 0 && !o->symbol)
		*exit_code = cli_fail(r->ctx, CLI_ERR, "--sid",
				      "no asset with sid %" PRId64 " in %s", o->sid, o->bundle);
	if (idx < 0)
		return -2;
	if (tshm_view_asset(r->v, (uint32_t)idx, &a) == 0) {
		o->sid = a.sid; /* flat tables filter on the sid */
		o->has_sid = true;
	}
	return idx;
}

static int cat_view(struct cli_ctx *ctx, struct cat_opts *o, struct tshm_view *v, unsigned table)
{
	struct cat_run r = {.ctx = ctx, .o = o, .v = v, .table = table, .out = stdout};
	int rc = load_columns(&r), asset;

	if (rc)
		return rc;
	if (o->has_time && !(r.ti.flags & TSHM_TABLE_F_PER_ASSET) && r.ts_col[0] < 0)
		return cli_fail(ctx, CLI_USAGE, "--from/--to", "table %s has no time column",
				r.ti.name);
	asset = select_asset(&r, o, &rc);
	if (asset == -2)
		return rc;
	r.left = o->limit;
	emit_header(&r);
	if (!(r.ti.flags & TSHM_TABLE_F_PER_ASSET))
		return cat_flat(&r);
	if (asset >= 0)
		return cat_asset(&r, (uint32_t)asset);
	for (uint32_t i = 0; i < tshm_view_nassets(v) && r.left && rc == 0; i++)
		rc = cat_asset(&r, i);
	return rc;
}

/* ---- options ------------------------------------------------------------ */

static int parse_value(struct cli_ctx *ctx, void *arg_, int opt, const char *arg)
{
	struct cat_opts *o = arg_;

	switch (opt) {
	case 't':
		o->table = arg;
		return 0;
	case 's':
		o->symbol = arg;
		return 0;
	case 'S':
		o->has_sid = true;
		return cli_parse_i64(ctx, "--sid", arg, &o->sid);
	case 'F':
		o->has_time = true;
		return cli_parse_ts(ctx, "--from", arg, &o->from);
	case 'T':
		o->has_time = true;
		return cli_parse_ts(ctx, "--to", arg, &o->to);
	case 'n':
		return cli_parse_u64(ctx, "--limit", arg, &o->limit);
	case 'f':
		if (strcmp(arg, "csv") != 0 && strcmp(arg, "json") != 0)
			return cli_fail(ctx, CLI_USAGE, "--format", "'%s' is not csv or json", arg);
		o->json = arg[0] == 'j';
		return 0;
	}
	return -1;
}

static int parse_opts(struct cli_ctx *ctx, struct cat_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
	    CLI_NS_OPTION,
	    {"table", required_argument, NULL, 't'},
	    {"symbol", required_argument, NULL, 's'},
	    {"sid", required_argument, NULL, 'S'},
	    {"from", required_argument, NULL, 'F'},
	    {"to", required_argument, NULL, 'T'},
	    {"limit", required_argument, NULL, 'n'},
	    {"format", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	return cli_getopt(ctx, argc, argv, ":ht:s:n:f:", opts, cli_help_cat, parse_value, o);
}

static int check_opts(struct cli_ctx *ctx, struct cat_opts *o, int argc, char **argv)
{
	if (optind >= argc)
		return cli_fail(ctx, CLI_USAGE, "usage",
				"missing bundle name (tickshm cat <bundle> --table T)");
	if (optind + 1 < argc)
		return cli_fail(ctx, CLI_USAGE, argv[optind + 1], "unexpected argument");
	o->bundle = argv[optind];
	if (!o->table)
		return cli_fail(
		    ctx, CLI_USAGE, "usage",
		    "--table is required (one of assets, "
		    "symbols, sessions, trades, quotes, bars_1m, bars_1d, adjustments)");
	if (o->symbol && o->has_sid)
		return cli_fail(ctx, CLI_USAGE, "usage", "--symbol and --sid are exclusive");
	return 0;
}

static int table_id(struct cli_ctx *ctx, const char *name, unsigned *id)
{
	for (unsigned t = 0; t < TSHM_TABLE_COUNT; t++)
		if (strcmp(name, table_names[t]) == 0) {
			*id = t;
			return 0;
		}
	return cli_fail(ctx, CLI_USAGE, "--table",
			"unknown table '%s' (one of assets, symbols, sessions, trades, quotes, "
			"bars_1m, bars_1d, adjustments)",
			name);
}

int cli_cmd_cat(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cat_opts o = {.from = INT64_MIN, .to = INT64_MAX, .limit = UINT64_MAX};
	struct tshm_catalog *cat = NULL;
	struct tshm_view *v = NULL;
	static char buf[1 << 16];
	unsigned table = 0;
	int rc = parse_opts(ctx, &o, argc, argv);

	if (rc >= 0)
		return rc;
	if ((rc = check_opts(ctx, &o, argc, argv)) || (rc = table_id(ctx, o.table, &table)) ||
	    (rc = cli_resolve_ns(ctx)) || (rc = cli_open_catalog(ctx, o.bundle, 0, &cat)))
		return rc;
	setvbuf(stdout, buf, _IOFBF, sizeof(buf)); /* rows are many small writes */
	rc = cli_open_view(ctx, cat, o.bundle, &v);
	if (rc == 0)
		rc = cat_view(ctx, &o, v, table);
	tshm_view_unref(v);
	tshm_catalog_close(cat);
	return cli_finish(ctx, rc);
}
