/* SPDX-License-Identifier: MIT */
/*
 * tshm_ingest_run: options checked, input files listed, one bundle
 * transaction around reading every file and writing what was collected.
 * Any error before the commit aborts the transaction, so the bundle is
 * left exactly as it was.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bundle_internal.h"
#include "ingest_internal.h"

#define DEFAULT_MAX_REPORT 100u

void tshm_ingest_opts_init(struct tshm_ingest_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->asset_class = TSHM_INGEST_DEFAULT;
	o->price_exp = TSHM_INGEST_DEFAULT;
	o->size_exp = TSHM_INGEST_DEFAULT;
}

int tshm__ingest_fail(struct tshm__ingest *g, int rc, const char *what, const char *why)
{
	if (!g->res->error[0])
		snprintf(g->res->error, sizeof(g->res->error), "%s: %s", what, why);
	return rc;
}

static int reject(struct tshm__ingest *g, const char *path, uint64_t line, const char *why,
		  bool whole_file)
{
	const struct tshm_ingest_opts *o = g->o;
	unsigned max = o->max_report ? o->max_report : DEFAULT_MAX_REPORT;
	char where[64] = "";

	if (line)
		snprintf(where, sizeof(where), ":%llu", (unsigned long long)line);
	if (o->on_error == TSHM_INGEST_FAIL) {
		snprintf(g->res->error, sizeof(g->res->error), "%s%s: %s", path, where, why);
		return -EBADMSG;
	}
	if (whole_file)
		g->res->files_skipped++;
	else
		g->res->rows_skipped++;
	if (o->report && g->reported++ < max)
		fprintf(o->report, "%s%s%s: %s\n", o->report_prefix ? o->report_prefix : "", path,
			where, why);
	return 0;
}

int tshm__ingest_reject(struct tshm__ingest *g, const char *path, uint64_t line, const char *why)
{
	return reject(g, path, line, why, line == 0);
}

int tshm__ingest_reject_file(struct tshm__ingest *g, const char *path, uint64_t line,
			     const char *why)
{
	return reject(g, path, line, why, true);
}

static int bad_opt(struct tshm_ingest_result *res, const char *what, const char *why)
{
	snprintf(res->error, sizeof(res->error), "%s: %s", what, why);
	return -EINVAL;
}

static bool exp_ok(int32_t e)
{
	return e == TSHM_INGEST_DEFAULT || (e >= -18 && e <= 0);
}

static int check_text(struct tshm_ingest_result *res, const char *what, const char *s, size_t max)
{
	if (s && (strlen(s) > max || (max == TSHM_SYMBOL_MAX && !*s)))
		return bad_opt(res, what, "empty or too long");
	return 0;
}

static int check_opts(const struct tshm_ingest_opts *o, const struct tshm__preset *p,
		      struct tshm_ingest_result *res)
{
	bool generic = p == &tshm__preset_generic;
	enum tshm_table t = o->table;

	if ((!o->bundle_dir || !*o->bundle_dir) && !(o->flags & TSHM_INGEST_DRY_RUN))
		return bad_opt(res, "bundle", "no bundle directory");
	if (!o->files || o->nfiles == 0)
		return bad_opt(res, "files", "no input files");
	if (o->flags & ~(TSHM_INGEST_NO_SESSIONS | TSHM_INGEST_DRY_RUN))
		return bad_opt(res, "flags", "unknown flag bits");
	if ((unsigned)o->on_error > TSHM_INGEST_SKIP || (unsigned)o->duplicates > 1 ||
	    (unsigned)o->header > TSHM_INGEST_HEADER_ABSENT ||
	    (unsigned)o->ts_unit > TSHM_TS_UNIT_ISO)
		return bad_opt(res, "options", "unknown policy, header or unit value");
	if (o->ts_unit == TSHM_TS_UNIT_ISO && !generic)
		return bad_opt(res, "--ts-unit", "iso is for the generic preset only");
	if ((o->map || t) && !generic)
		return bad_opt(res, o->map ? "--map" : "--table", "for the generic preset only");
	if (t && t != TSHM_TABLE_TRADES && t != TSHM_TABLE_QUOTES && t != TSHM_TABLE_BARS_1M &&
	    t != TSHM_TABLE_BARS_1D)
		return bad_opt(res, "--table", "trades, quotes, bars_1m or bars_1d");
	if (!exp_ok(o->price_exp) || !exp_ok(o->size_exp))
		return bad_opt(res, "--price-exp/--size-exp", "must be in [-18, 0]");
	if (o->asset_class != TSHM_INGEST_DEFAULT &&
	    (o->asset_class < TSHM_CLASS_OTHER || o->asset_class > TSHM_CLASS_INDEX))
		return bad_opt(res, "--class", "unknown asset class");
	if (o->delimiter == '"' || o->delimiter == '\n' || o->delimiter == '\r')
		return bad_opt(res, "--delimiter", "cannot be a quote or a line break");
	if (check_text(res, "--symbol", o->symbol, TSHM_SYMBOL_MAX) ||
	    check_text(res, "--exchange", o->exchange, TSHM_EXCHANGE_MAX) ||
	    check_text(res, "--currency", o->currency, TSHM_CURRENCY_MAX))
		return -EINVAL;
	return 0;
}

/* ---- input files: zipline-csvdir takes directories ---------------------- */

struct paths {
	char **v;
	size_t n, cap;
};

static int paths_add(struct paths *l, const char *dir, const char *name)
{
	char *s;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if (dir ? asprintf(&s, "%s/%s", dir, name) < 0 : !(s = strdup(name)))
		return -ENOMEM;
	l->v[l->n++] = s;
	return 0;
}

static void paths_free(struct paths *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int is_csv_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && ((n > 4 && !strcmp(d->d_name + n - 4, ".csv")) ||
				       (n > 8 && !strcmp(d->d_name + n - 8, ".csv.zst")));
}

/* The .csv and .csv.zst files of <dir>/daily, else of <dir>, in name order. */
static int add_dir(struct paths *l, const char *dir)
{
	struct dirent **ents = NULL;
	char *daily = NULL;
	struct stat st;
	const char *d = dir;
	int n, rc = 0;

	if (asprintf(&daily, "%s/daily", dir) < 0)
		return -ENOMEM;
	if (stat(daily, &st) == 0 && S_ISDIR(st.st_mode))
		d = daily;
	n = scandir(d, &ents, is_csv_name, alphasort);
	if (n < 0)
		rc = -errno;
	for (int i = 0; i < n; i++) {
		if (rc == 0)
			rc = paths_add(l, d, ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	free(daily);
	return rc;
}

static int list_files(struct tshm__ingest *g, struct paths *l)
{
	const struct tshm_ingest_opts *o = g->o;

	for (size_t i = 0; i < o->nfiles; i++) {
		struct stat st;
		int rc;

		if (!o->files[i])
			return bad_opt(g->res, "files", "NULL file name");
		if (g->p == &tshm__preset_zipline && stat(o->files[i], &st) == 0 &&
		    S_ISDIR(st.st_mode))
			rc = add_dir(l, o->files[i]);
		else
			rc = paths_add(l, NULL, o->files[i]);
		if (rc < 0)
			return tshm__ingest_fail(g, rc, o->files[i], tshm_strerror(rc));
	}
	if (l->n == 0)
		return bad_opt(g->res, "files", "no CSV files in the directories given");
	return 0;
}

/* ---- the run ---------------------------------------------------------------- */

static void setup(struct tshm__ingest *g, const struct tshm_ingest_opts *o,
		  struct tshm_ingest_result *res, const struct tshm__preset *p)
{
	memset(g, 0, sizeof(*g));
	g->o = o;
	g->res = res;
	g->p = p;
	g->po.ts_unit = o->ts_unit;
	g->po.table = o->table;
	g->po.map = o->map;
	g->po.symbol_given = o->symbol != NULL;
	g->split.delim = o->delimiter ? o->delimiter : ',';
}

/* Inside the transaction: read everything, then write it. */
static int ingest(struct tshm__ingest *g, const struct paths *files)
{
	int64_t t0 = tshm__bundle_mono_ns(), t1;
	int rc = 0;

	g->next_sid = 1;
	if (g->txn && (rc = tshm__next_sid(g->txn, &g->next_sid)) < 0)
		return tshm__ingest_fail(g, rc, g->o->bundle_dir, tshm_strerror(rc));
	for (size_t i = 0; i < files->n && rc == 0; i++)
		rc = tshm__ingest_file(g, files->v[i]);
	t1 = tshm__bundle_mono_ns();
	g->res->read_ns = (uint64_t)(t1 - t0);
	if (rc == 0)
		rc = tshm__ingest_write(g);
	g->res->write_ns = (uint64_t)(tshm__bundle_mono_ns() - t1);
	return rc;
}

int tshm_ingest_run(const struct tshm_ingest_opts *o, struct tshm_ingest_result *res)
{
	const struct tshm__preset *p = o ? tshm__preset_find(o->preset) : NULL;
	int64_t t0 = tshm__bundle_mono_ns();
	struct paths files = {0};
	struct tshm__ingest g;
	int rc;

	if (!res)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	if (!o)
		return bad_opt(res, "options", "none given");
	if (!p)
		return bad_opt(res, "--preset", "unknown preset");
	if ((rc = check_opts(o, p, res)) < 0)
		return rc;
	setup(&g, o, res, p);
	rc = list_files(&g, &files);
	if (rc == 0 && !(o->flags & TSHM_INGEST_DRY_RUN)) {
		rc = tshm_bundle_begin(&g.txn, o->bundle_dir, o->name, TSHM_BUNDLE_CREATE);
		if (rc < 0)
			tshm__ingest_fail(&g, rc, o->bundle_dir, tshm_strerror(rc));
	}
	if (rc == 0)
		rc = ingest(&g, &files);
	if (rc == 0 && g.txn) {
		int64_t t1 = tshm__bundle_mono_ns();
		rc = tshm_bundle_commit(g.txn); /* frees the transaction either way */
		res->commit_ns = (uint64_t)(tshm__bundle_mono_ns() - t1);
		if (rc < 0)
			tshm__ingest_fail(&g, rc, o->bundle_dir, tshm_strerror(rc));
	} else if (rc < 0) {
		tshm_bundle_abort(g.txn);
	}
	if (rc < 0) /* nothing was written: the counts would mislead */
		res->rows_ingested = res->days_written = res->adjustments = 0;
	tshm__assets_free(&g);
	tshm__csv_split_free(&g.split);
	paths_free(&files);
	res->elapsed_ns = (uint64_t)(tshm__bundle_mono_ns() - t0);
	return rc;
}
