/* SPDX-License-Identifier: MIT */
/* tickshm ls: what a namespace holds, what still maps old data, what is left over. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_help_ls(FILE *out)
{
	fputs("usage: tickshm ls [--json] [--ns NS]\n"
	      "\n"
	      "List the bundles published in the namespace: name, generation, size,\n"
	      "content hash, time range, publish time and publisher pid. Then the\n"
	      "processes still mapping old generations (superseded or removed bundles\n"
	      "whose memory the kernel frees only at their last unmap), and the\n"
	      "segments that are not current (being written, abandoned, old): the\n"
	      "leftovers 'tickshm gc' can remove.\n"
	      "\n"
	      "options:\n"
	      "  --json      one JSON object: {\"namespace\", \"bundles\", \"old_mappings\",\n"
	      "              \"leftovers\"}; times as ISO-8601 strings\n"
	      "  --ns NS     namespace (default: $TICKSHM_NAMESPACE, else \"default\")\n"
	      "  -h, --help  show this help\n",
	      out);
}

/* Everything ls reports, gathered before printing anything. */
struct ls_state {
	struct tshm_descriptor desc[TSHM_CAT_SLOTS];
	int ndesc;
	struct tshm_mapping *maps; /* mappings of non-current generations */
	size_t nmaps, capmaps;
	struct tshm_seg_entry *segs; /* segments that are not current */
	size_t nsegs, capsegs;
	int scan_rc; /* first error of the /dev/shm and /proc scans */
};

static const struct tshm_descriptor *current_of(const struct ls_state *st, const char *bundle)
{
	for (int i = 0; i < st->ndesc; i++)
		if (strcmp(st->desc[i].bundle, bundle) == 0)
			return &st->desc[i];
	return NULL;
}

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*arr, (*cap ? *cap * 2 : 16) * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = *cap ? *cap * 2 : 16;
	return 0;
}

static int collect_mapping(const struct tshm_mapping *m, void *arg)
{
	struct ls_state *st = arg;
	const struct tshm_descriptor *cur;
	char bundle[TSHM_BUNDLE_MAX];
	uint64_t gen;

	if (tshm_name_parse(m->name, NULL, bundle, &gen) < 0 || gen == 0)
		return 0; /* the catalog itself, or not ours */
	cur = current_of(st, bundle);
	if (!m->deleted && cur && cur->generation == gen)
		return 0;
	if (grow((void **)&st->maps, &st->capmaps, st->nmaps, sizeof(*st->maps)) < 0)
		return -ENOMEM;
	st->maps[st->nmaps++] = *m;
	return 0;
}

static int collect_segment(const struct tshm_seg_entry *e, void *arg)
{
	struct ls_state *st = arg;

	if (e->state == TSHM_SEGSTATE_CURRENT)
		return 0;
	if (grow((void **)&st->segs, &st->capsegs, st->nsegs, sizeof(*st->segs)) < 0)
		return -ENOMEM;
	st->segs[st->nsegs++] = *e;
	return 0;
}

static int gather(struct cli_ctx *ctx, struct ls_state *st)
{
	struct tshm_catalog *cat = NULL;
	int rc = tshm_catalog_open(&cat, ctx->ns, 0);

	if (rc == 0) {
		rc = tshm_catalog_list(cat, st->desc, TSHM_CAT_SLOTS);
		tshm_catalog_close(cat);
		if (rc < 0)
			return cli_fail_rc(ctx, "catalog", rc);
		st->ndesc = rc < (int)TSHM_CAT_SLOTS ? rc : (int)TSHM_CAT_SLOTS;
	} else if (rc != -ENOENT) {
		return cli_fail(ctx, CLI_ERR, "catalog", "namespace %s: %s", ctx->ns,
				tshm_strerror(rc));
	}
	rc = tshm_mappings_scan(ctx->ns, collect_mapping, st);
	if (rc < 0)
		st->scan_rc = rc;
	rc = tshm_segments_scan(ctx->ns, collect_segment, st);
	if (rc < 0 && rc != -ENOENT && !st->scan_rc)
		st->scan_rc = rc;
	return 0;
}

/* ---- human-readable ----------------------------------------------------- */

static int print_bundles(const struct ls_state *st, FILE *out)
{
	struct cli_table t;
	char a[TSHM_TS_BUFSZ], b[TSHM_TS_BUFSZ], p[TSHM_TS_BUFSZ];
	char hash[CLI_HASH_BUFSZ], size[CLI_SIZE_BUFSZ];

	cli_table_init(&t, 9);
	cli_table_cell(&t, "BUNDLE");
	cli_table_cell(&t, "GEN");
	cli_table_cell(&t, "SIZE");
	cli_table_cell(&t, "ASSETS");
	cli_table_cell(&t, "HASH");
	cli_table_cell(&t, "FROM");
	cli_table_cell(&t, "TO");
	cli_table_cell(&t, "PUBLISHED");
	cli_table_cell(&t, "PID");
	for (int i = 0; i < st->ndesc; i++) {
		const struct tshm_descriptor *d = &st->desc[i];

		cli_table_cell(&t, "%s", d->bundle);
		cli_table_cell(&t, "%" PRIu64, d->generation);
		cli_table_cell(&t, "%s", cli_fmt_size(size, d->size));
		cli_table_cell(&t, "%" PRIu32, d->nassets);
		cli_table_cell(&t, "%s", cli_fmt_hash(hash, d->hash_lo, d->hash_hi));
		cli_table_cell(&t, "%s", cli_fmt_ts_short(a, d->min_ts));
		cli_table_cell(&t, "%s", cli_fmt_ts_short(b, d->max_ts));
		cli_table_cell(&t, "%s", cli_fmt_ts_sec(p, d->publish_ns));
		cli_table_cell(&t, "%" PRIu32, d->publisher_pid);
	}
	return cli_table_print(&t, out, "");
}

/* One line per old segment still mapped: "sample  old g3 mapped by pid 12, 34". */
static void print_old_mappings(const struct ls_state *st, FILE *out)
{
	fprintf(out, "\nold generations still mapped (freed at their last unmap):\n");
	for (size_t i = 0; i < st->nmaps; i++) {
		const struct tshm_mapping *m = &st->maps[i];
		char bundle[TSHM_BUNDLE_MAX];
		uint64_t gen = 0;
		size_t j;

		for (j = 0; j < i; j++)
			if (strcmp(st->maps[j].name, m->name) == 0)
				break;
		if (j < i)
			continue; /* printed with its first mapper */
		tshm_name_parse(m->name, NULL, bundle, &gen);
		fprintf(out, "  %s  old g%" PRIu64 "%s mapped by pid %d", bundle, gen,
			m->deleted ? " (unlinked)" : "", (int)m->pid);
		for (j = i + 1; j < st->nmaps; j++)
			if (strcmp(st->maps[j].name, m->name) == 0)
				fprintf(out, ", %d", (int)st->maps[j].pid);
		fputc('\n', out);
	}
}

static int print_leftovers(const struct ls_state *st, FILE *out)
{
	struct cli_table t;
	char size[CLI_SIZE_BUFSZ];

	fprintf(out, "\nsegments not current ('tickshm gc' removes abandoned ones and old ones "
		     "nothing maps):\n");
	cli_table_init(&t, 4);
	cli_table_cell(&t, "SEGMENT");
	cli_table_cell(&t, "STATE");
	cli_table_cell(&t, "SIZE");
	cli_table_cell(&t, "MAPPED BY");
	for (size_t i = 0; i < st->nsegs; i++) {
		const struct tshm_seg_entry *e = &st->segs[i];

		cli_table_cell(&t, "%s", e->name);
		cli_table_cell(&t, "%s", cli_state_name(e->state));
		cli_table_cell(&t, "%s", cli_fmt_size(size, e->size));
		cli_table_cell(&t, "%" PRIu32 " process%s", e->nmappers,
			       e->nmappers == 1 ? "" : "es");
	}
	return cli_table_print(&t, out, "  ");
}

static int print_human(struct cli_ctx *ctx, const struct ls_state *st, FILE *out)
{
	int rc = 0;

	if (st->ndesc == 0)
		fprintf(out, "no bundles published in namespace %s\n", ctx->ns);
	else {
		fprintf(out, "namespace %s: %d bundle%s\n", ctx->ns, st->ndesc,
			st->ndesc == 1 ? "" : "s");
		rc = print_bundles(st, out);
	}
	if (st->nmaps)
		print_old_mappings(st, out);
	if (rc == 0 && st->nsegs)
		rc = print_leftovers(st, out);
	return rc;
}

/* ---- JSON --------------------------------------------------------------- */

static void json_bundle(FILE *out, const struct tshm_descriptor *d)
{
	char a[TSHM_TS_BUFSZ], b[TSHM_TS_BUFSZ], p[TSHM_TS_BUFSZ], hash[CLI_HASH_BUFSZ];

	tshm_ts_format(a, sizeof(a), d->min_ts);
	tshm_ts_format(b, sizeof(b), d->max_ts);
	tshm_ts_format(p, sizeof(p), d->publish_ns);
	fprintf(
	    out,
	    "{\"name\":\"%s\",\"generation\":%" PRIu64 ",\"segment\":\"%s\",\"size\":%" PRIu64
	    ",\"hash\":\"%s\",\"schema_version\":%" PRIu32 ",\"nassets\":%" PRIu32
	    ",\"min_ts\":\"%s\",\"max_ts\":\"%s\",\"published\":\"%s\",\"publisher_pid\":%" PRIu32
	    "}",
	    d->bundle, d->generation, d->segment, d->size,
	    cli_fmt_hash(hash, d->hash_lo, d->hash_hi), d->schema_version, d->nassets, a, b, p,
	    d->publisher_pid);
}

static void print_json(struct cli_ctx *ctx, const struct ls_state *st, FILE *out)
{
	/* Names are validated [A-Za-z0-9_-]: no escaping needed. */
	fprintf(out, "{\"namespace\":\"%s\",\"bundles\":[", ctx->ns);
	for (int i = 0; i < st->ndesc; i++) {
		fputs(i ? "," : "", out);
		json_bundle(out, &st->desc[i]);
	}
	fputs("],\"old_mappings\":[", out);
	for (size_t i = 0; i < st->nmaps; i++) {
		char bundle[TSHM_BUNDLE_MAX] = "";
		uint64_t gen = 0;

		tshm_name_parse(st->maps[i].name, NULL, bundle, &gen);
		fprintf(out,
			"%s{\"bundle\":\"%s\",\"generation\":%" PRIu64
			",\"segment\":\"%s\",\"pid\":%d,\"unlinked\":%s}",
			i ? "," : "", bundle, gen, st->maps[i].name, (int)st->maps[i].pid,
			st->maps[i].deleted ? "true" : "false");
	}
	fputs("],\"leftovers\":[", out);
	for (size_t i = 0; i < st->nsegs; i++) {
		const struct tshm_seg_entry *e = &st->segs[i];

		fprintf(out,
			"%s{\"segment\":\"%s\",\"bundle\":\"%s\",\"generation\":%" PRIu64
			",\"state\":\"%s\",\"size\":%" PRIu64 ",\"mappers\":%" PRIu32 "}",
			i ? "," : "", e->name, e->bundle, e->generation, cli_state_name(e->state),
			e->size, e->nmappers);
	}
	fputs("]}\n", out);
}

int cli_ls_print(struct cli_ctx *ctx, FILE *out, bool json)
{
	struct ls_state *st = calloc(1, sizeof(*st));
	int rc;

	if (!st)
		return cli_fail_rc(ctx, "ls", -ENOMEM);
	rc = gather(ctx, st);
	if (rc == 0 && json)
		print_json(ctx, st, out);
	else if (rc == 0 && print_human(ctx, st, out) < 0)
		rc = cli_fail_rc(ctx, "ls", -ENOMEM);
	if (rc == 0 && st->scan_rc)
		cli_fail(ctx, 0, "warning",
			 "scanning /dev/shm and /proc: %s (list may be incomplete)",
			 tshm_strerror(st->scan_rc));
	free(st->maps);
	free(st->segs);
	free(st);
	return rc;
}

int cli_cmd_ls(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    CLI_NS_OPTION,
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool json = false;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (opt == 'h') {
			cli_help_ls(stdout);
			return cli_finish(ctx, CLI_OK);
		} else if (opt == 'j') {
			json = true;
		} else if ((rc = cli_common_opt(ctx, opt, argv)) >= 0) {
			return rc;
		}
	}
	if (optind < argc)
		return cli_fail(ctx, CLI_USAGE, argv[optind], "unexpected argument");
	rc = cli_resolve_ns(ctx);
	if (rc)
		return rc;
	return cli_finish(ctx, cli_ls_print(ctx, stdout, json));
}
