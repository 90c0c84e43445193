/* SPDX-License-Identifier: MIT */
/*
 * The chunk index of an open bundle: its validation (BUNDLE.md 6,
 * "Validation"), and the segment layout it implies.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_internal.h"
#include "tickshm/text.h"

void tshm__chunk_name(char *buf, size_t len, const struct tshm_chunk *c)
{
	char day[TSHM_TS_BUFSZ], tname[16], cname[16];
	const char *tn = tname, *cn = cname;

	snprintf(tname, sizeof(tname), "table%" PRIu32, c->table);
	snprintf(cname, sizeof(cname), "%" PRIu32, c->col);
	if (c->table < TSHM_TABLE_COUNT) {
		tn = tshm_schema_table(c->table)->name;
		if (c->col < tshm_schema_table(c->table)->ncols)
			cn = tshm_schema_table(c->table)->cols[c->col].name;
	}
	if (c->day >= TSHM_DAY_MIN && c->day < TSHM_DAY_MAX) {
		tshm_ts_format(day, sizeof(day), (int64_t)c->day * TSHM_DAY_NS);
		day[10] = '\0'; /* YYYY-MM-DD */
	} else {		/* a corrupt index: the number, not a made-up date */
		snprintf(day, sizeof(day), "%" PRId32, c->day);
	}
	snprintf(buf, len, "%s sid %" PRId64 " day %s col %s", tn, c->sid, day, cn);
}

static int bad(char *why, size_t len, const struct tshm_chunk *c, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int bad(char *why, size_t len, const struct tshm_chunk *c, const char *fmt, ...)
{
	char name[128], msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tshm__chunk_name(name, sizeof(name), c);
	snprintf(why, len, "%s: %s", name, msg);
	return -TSHM_ECORRUPT;
}

size_t tshm__file_index(const struct tshm_bundle *b, uint32_t id)
{
	size_t lo = 0, hi = b->nfiles;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->files[mid].file_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->nfiles && b->files[lo].file_id == id ? lo : SIZE_MAX;
}

static const struct tshm__file_row *find_file(const struct tshm_bundle *b, uint32_t id)
{
	size_t i = tshm__file_index(b, id);

	return i == SIZE_MAX ? NULL : &b->files[i];
}

/* One chunk on its own: table, column, sizes, place in its file, time range. */
static int check_chunk(const struct tshm_bundle *b, const struct tshm_chunk *c, char *why,
		       size_t len)
{
	const struct tshm__file_row *f;
	int64_t lo = (int64_t)c->day * TSHM_DAY_NS;
	uint64_t rlen, end;

	if (!tshm__chunked_table(c->table) || c->col >= tshm_schema_table(c->table)->ncols)
		return bad(why, len, c, "no such chunked table or column");
	if (c->width != tshm_schema_table(c->table)->cols[c->col].width)
		return bad(why, len, c, "width %" PRIu32 " is not the schema's", c->width);
	if (c->codec < TSHM_CODEC_ZSTD || c->codec > TSHM_CODEC_DELTA_SHUF_ZSTD ||
	    ((c->codec == TSHM_CODEC_DELTA_ZSTD || c->codec == TSHM_CODEC_DELTA_SHUF_ZSTD) &&
	     c->width != 8))
		return bad(why, len, c, "codec %" PRIu32 " invalid for this column", c->codec);
	if (c->nrows == 0 || __builtin_mul_overflow(c->nrows, c->width, &rlen) || rlen != c->rlen ||
	    c->clen == 0)
		return bad(why, len, c, "row count and lengths disagree");
	f = find_file(b, c->file_id);
	if (!f || c->offset < sizeof(struct tshm__tzd_header) ||
	    __builtin_add_overflow(c->offset, c->clen, &end) || end > f->size)
		return bad(why, len, c, "frame outside its data file");
	if (c->day < TSHM_DAY_MIN || c->day >= TSHM_DAY_MAX || c->min_ts > c->max_ts ||
	    c->min_ts < lo || c->max_ts >= lo + TSHM_DAY_NS)
		return bad(why, len, c, "time range outside its day");
	if (tshm__asset_index(b, c->sid) < 0)
		return bad(why, len, c, "unknown sid");
	return 0;
}

/* Chunks of one (table, sid, day): every column once, same rows and range. */
static int check_group(const struct tshm_chunk *c, size_t n, char *why, size_t len)
{
	uint32_t ncols = tshm_schema_table(c->table)->ncols;

	if (n != ncols)
		return bad(why, len, c, "%zu columns instead of %" PRIu32, n, ncols);
	for (size_t k = 0; k < n; k++) {
		if (c[k].col != k)
			return bad(why, len, &c[k], "column missing");
		if (c[k].nrows != c[0].nrows || c[k].min_ts != c[0].min_ts ||
		    c[k].max_ts != c[0].max_ts)
			return bad(why, len, &c[k], "columns of one day disagree on rows");
	}
	return 0;
}

static const struct tshm_chunk *sort_base;

static int cmp_place(const void *x, const void *y)
{
	const struct tshm_chunk *a = &sort_base[*(const size_t *)x];
	const struct tshm_chunk *b = &sort_base[*(const size_t *)y];

	if (a->file_id != b->file_id)
		return a->file_id < b->file_id ? -1 : 1;
	return a->offset < b->offset ? -1 : a->offset > b->offset;
}

/* No two frames share a byte. (The index is private to this open; qsort has
 * no context argument in C11, hence the file-scope base.) */
static int check_overlap(const struct tshm_bundle *b, char *why, size_t len)
{
	size_t *ord = malloc((b->nchunks ? b->nchunks : 1) * sizeof(*ord));
	int rc = 0;

	if (!ord)
		return -ENOMEM;
	for (size_t i = 0; i < b->nchunks; i++)
		ord[i] = i;
	sort_base = b->chunks;
	qsort(ord, b->nchunks, sizeof(*ord), cmp_place);
	for (size_t i = 1; i < b->nchunks && rc == 0; i++) {
		const struct tshm_chunk *p = &b->chunks[ord[i - 1]], *c = &b->chunks[ord[i]];
		if (p->file_id == c->file_id && p->offset + p->clen > c->offset)
			rc = bad(why, len, c, "frame overlaps another");
	}
	free(ord);
	return rc;
}

int tshm__check_index(const struct tshm_bundle *b, char *why, size_t len)
{
	size_t g = 0;
	int rc = 0;

	for (size_t i = 1; i < b->nassets; i++)
		if (b->assets[i].sid <= b->assets[i - 1].sid)
			return snprintf(why, len, "assets: sids not unique"), -TSHM_ECORRUPT;
	for (size_t i = 0; i < b->nadjs; i++)
		if (tshm__asset_index(b, b->adjs[i].sid) < 0 ||
		    tshm_day_of(b->adjs[i].ts) < TSHM_DAY_MIN ||
		    tshm_day_of(b->adjs[i].ts) >= TSHM_DAY_MAX)
			return snprintf(why, len, "adjustments: unknown sid or ts out of range"),
			       -TSHM_ECORRUPT;
	for (size_t i = 0; i < b->nchunks && rc == 0; i++)
		rc = check_chunk(b, &b->chunks[i], why, len);
	for (size_t i = 1; i <= b->nchunks && rc == 0; i++) {
		const struct tshm_chunk *p = &b->chunks[i - 1], *c = &b->chunks[i];
		if (i < b->nchunks && c->table == p->table && c->sid == p->sid && c->day == p->day)
			continue;
		rc = check_group(&b->chunks[g], i - g, why, len);
		g = i;
	}
	return rc == 0 ? check_overlap(b, why, len) : rc;
}

/* Day span of a per-asset table: from the chunks, or the adjustments. */
static void table_span(const struct tshm_bundle *b, uint32_t t, struct tshm_table_spec *ts)
{
	int32_t lo = INT32_MAX, hi = INT32_MIN;

	memset(ts, 0, sizeof(*ts));
	if (t == TSHM_TABLE_ADJUSTMENTS) {
		for (size_t i = 0; i < b->nadjs; i++) {
			int32_t d = tshm_day_of(b->adjs[i].ts);
			lo = d < lo ? d : lo;
			hi = d > hi ? d : hi;
		}
		ts->nrows = b->nadjs;
	} else {
		for (size_t i = 0; i < b->nchunks; i++) {
			const struct tshm_chunk *c = &b->chunks[i];
			if (c->table != t || c->col != 0)
				continue;
			lo = c->day < lo ? c->day : lo;
			hi = c->day > hi ? c->day : hi;
			ts->nrows += c->nrows;
		}
	}
	if (lo <= hi) {
		ts->day0 = lo;
		ts->ndays = (uint32_t)((int64_t)hi - lo + 1);
	}
}

int tshm_bundle_layout(const struct tshm_bundle *b, struct tshm_layout_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	if (b->nassets > UINT32_MAX)
		return -EOVERFLOW;
	spec->nassets = (uint32_t)b->nassets;
	spec->tables[TSHM_TABLE_ASSETS].nrows = b->nassets;
	spec->tables[TSHM_TABLE_SYMBOLS].nrows = b->nsyms;
	spec->tables[TSHM_TABLE_SESSIONS].nrows = b->nsessions;
	for (uint32_t t = TSHM_TABLE_TRADES; t < TSHM_TABLE_COUNT; t++)
		table_span(b, t, &spec->tables[t]);
	return 0;
}
