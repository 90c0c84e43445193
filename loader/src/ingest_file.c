/* SPDX-License-Identifier: MIT */
/*
 * One input file: lines -> fields -> a preset record -> the asset's column
 * arrays. The first non-blank line decides the header (by the options, the
 * preset's rule, or, where it is optional, whether it looks numeric). Blank
 * lines are ignored. Rows whose timestamps go backwards are fine: the
 * series is marked unsorted and sorted before it is written.
 */
#include <errno.h>
#include <string.h>

#include "ingest_internal.h"

struct file {
	const char *path;
	struct tshm__csv_in *in;
	struct tshm__pfile pf;
	bool open; /* pf is set up */
	uint64_t rows;
};

static struct tshm__series *series_of(struct tshm__iasset *a, enum tshm_table t)
{
	if (!a->ser[t] && tshm__series_new(&a->ser[t], t) < 0)
		return NULL;
	return a->ser[t];
}

/* The row's values -> a's series. Returns 0, 1 (row error in r->why) or <0. */
static int collect(struct tshm__ingest *g, const struct tshm__pfile *pf, struct tshm__rec *r)
{
	int64_t v[TSHM__MAX_VALS + 2];
	struct tshm__iasset *a;
	struct tshm__series *s;
	int rc;

	if ((rc = tshm__asset_get(g, pf, r, &a)) != 0)
		return rc;
	if (tshm__ts_check(r->ts) < 0) {
		tshm__rec_fail(r, NULL, "timestamp", "out of range (+-106751 days)");
		return 1;
	}
	v[0] = r->ts;
	if ((rc = tshm__values_convert(g, a, r, v)) != 0)
		return rc;
	if (r->table == TSHM_TABLE_TRADES) {
		v[TSHM_TRADES_FLAGS] = r->flags;
		v[TSHM_TRADES_ID] = r->has_id ? r->id : (int64_t)++a->seq;
	}
	s = series_of(a, r->table);
	if (!s || tshm__series_append(s, v) < 0)
		return tshm__ingest_fail(g, -ENOMEM, "ingest", "out of memory");
	if (r->ts < a->min_ts)
		a->min_ts = r->ts;
	if (r->ts > a->max_ts)
		a->max_ts = r->ts;
	a->nrows++;
	if (r->has_div || r->has_split)
		return tshm__adjust_add(g, a, r);
	return 0;
}

static int row(struct tshm__ingest *g, struct file *f, int nf)
{
	uint64_t line = tshm__csv_in_lineno(f->in);
	int rc;

	g->res->rows_read++;
	f->rows++;
	if (nf < 0) {
		if (nf == -ENOMEM)
			return tshm__ingest_fail(g, nf, "ingest", "out of memory");
		return tshm__ingest_reject(g, f->path, line, g->split.why);
	}
	if (tshm__pfile_parse(&f->pf, g->fields, (unsigned)nf, &g->rec) < 0)
		return tshm__ingest_reject(g, f->path, line, g->rec.why);
	rc = collect(g, &f->pf, &g->rec);
	if (rc == 1)
		return tshm__ingest_reject(g, f->path, line, g->rec.why);
	return rc;
}

static bool has_header(const struct tshm__ingest *g, const struct tshm__field *fl, int nf)
{
	switch (g->o->header) {
	case TSHM_INGEST_HEADER_PRESENT:
		return true;
	case TSHM_INGEST_HEADER_ABSENT:
		return false;
	default:
		if (g->p->header == TSHM__HDR_OPTIONAL)
			return nf > 0 && tshm__looks_like_header(fl, (unsigned)nf);
		return g->p->header == TSHM__HDR_REQUIRED;
	}
}

/* The first non-blank line: header or first row. Returns 0, 1 (stop this
 * file: rejected) or <0. */
static int first_line(struct tshm__ingest *g, struct file *f, int nf)
{
	uint64_t line = tshm__csv_in_lineno(f->in);
	bool hdr = has_header(g, g->fields, nf);
	char why[200];
	int rc;

	if (hdr && nf < 0) {
		if (nf == -ENOMEM)
			return tshm__ingest_fail(g, nf, "ingest", "out of memory");
		rc = tshm__ingest_reject_file(g, f->path, line, g->split.why);
		return rc < 0 ? rc : 1;
	}
	rc = tshm__pfile_open(&f->pf, g->p, &g->po, f->path, hdr ? g->fields : NULL,
			      hdr ? (unsigned)nf : 0, why, sizeof(why));
	if (rc == -ENOMEM)
		return tshm__ingest_fail(g, rc, "ingest", "out of memory");
	if (rc < 0) {
		rc = tshm__ingest_reject_file(g, f->path, hdr ? line : 0, why);
		return rc < 0 ? rc : 1;
	}
	f->open = true;
	return hdr ? 0 : row(g, f, nf);
}

/* A reader error: bad input is rejected (the rest of the file is lost),
 * anything else stops the ingest. Returns <0 or 1. */
static int read_error(struct tshm__ingest *g, struct file *f, int rc)
{
	const char *why = tshm__csv_in_why(f->in);

	if (rc == -TSHM_ECORRUPT)
		rc = tshm__ingest_reject(g, f->path, 0, why);
	else if (rc == -E2BIG)
		rc = tshm__ingest_reject_file(g, f->path, tshm__csv_in_lineno(f->in) + 1, why);
	else
		return tshm__ingest_fail(g, rc, f->path, why);
	return rc < 0 ? rc : 1;
}

static int lines(struct tshm__ingest *g, struct file *f)
{
	const char *l;
	size_t len;
	int rc;

	while ((rc = tshm__csv_in_next(f->in, &l, &len)) > 0) {
		int nf;
		if (len == 0)
			continue;
		nf = tshm__csv_split(&g->split, l, len, g->fields, TSHM__MAX_FIELDS);
		rc = f->open ? row(g, f, nf) : first_line(g, f, nf);
		if (rc != 0)
			return rc;
	}
	return rc < 0 ? read_error(g, f, rc) : 0;
}

/* After the last line: an empty file, or one without data rows, is an error. */
static int check_end(struct tshm__ingest *g, struct file *f)
{
	uint64_t text, source;

	tshm__csv_in_stats(f->in, &text, &source);
	if (text == 0)
		return tshm__ingest_reject(g, f->path, 0, "empty file");
	if (f->rows == 0)
		return tshm__ingest_reject(g, f->path, 0,
					   f->open ? "no rows (only a header)" : "no rows");
	return 0;
}

int tshm__ingest_file(struct tshm__ingest *g, const char *path)
{
	struct file f = {.path = path};
	int rc = tshm__csv_in_open(&f.in, path);
	uint64_t text, source;

	if (!f.in)
		return tshm__ingest_fail(g, rc, path,
					 rc == -ENOMEM ? "out of memory" : strerror(-rc));
	g->res->files++;
	g->last = NULL;
	if (rc < 0)
		rc = read_error(g, &f, rc);
	else
		rc = lines(g, &f);
	if (rc == 0)
		rc = check_end(g, &f);
	else if (rc == 1)
		rc = 0;
	tshm__csv_in_stats(f.in, &text, &source);
	g->res->bytes_in += text;
	g->res->file_bytes += source;
	tshm__csv_in_close(f.in);
	return rc;
}
