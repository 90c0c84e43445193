/* SPDX-License-Identifier: MIT */
/*
 * The preset registry and what every preset shares: mapping a file's
 * columns (by header name, or by position), the field-count check, and the
 * header guess for formats whose header is optional.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ingest_internal.h"

static const struct tshm__preset *const presets[] = {
    &tshm__preset_binance_trades, &tshm__preset_binance_aggtrades, &tshm__preset_binance_klines,
    &tshm__preset_tardis_trades,  &tshm__preset_tardis_quotes,	   &tshm__preset_truefx,
    &tshm__preset_zipline,	  &tshm__preset_generic,
};

#define NPRESETS (sizeof(presets) / sizeof(presets[0]))

const struct tshm_ingest_preset *tshm_ingest_preset_at(size_t i)
{
	return i < NPRESETS ? &presets[i]->pub : NULL;
}

const struct tshm__preset *tshm__preset_find(const char *name)
{
	for (size_t i = 0; name && i < NPRESETS; i++)
		if (strcmp(presets[i]->pub.name, name) == 0)
			return presets[i];
	return NULL;
}

const struct tshm_ingest_preset *tshm_ingest_preset_find(const char *name)
{
	const struct tshm__preset *p = tshm__preset_find(name);

	return p ? &p->pub : NULL;
}

bool tshm__looks_like_header(const struct tshm__field *f, unsigned nf)
{
	unsigned char c;

	if (nf == 0 || f[0].n == 0)
		return true;
	c = (unsigned char)f[0].p[0];
	return !((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.');
}

/* Header cell @h names @name (case-insensitive, surrounding blanks ignored). */
static bool header_is(const struct tshm__field *h, const char *name)
{
	const char *p = h->p;
	size_t n = h->n, len = strlen(name);

	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return n == len && strncasecmp(p, name, n) == 0;
}

int tshm__header_find(const struct tshm__field *hdr, unsigned nhdr, const char *name)
{
	for (unsigned j = 0; j < nhdr && j < TSHM__MAX_FIELDS; j++)
		if (header_is(&hdr[j], name))
			return (int)j;
	return -1;
}

static int map_by_name(struct tshm__pfile *pf, const struct tshm__field *hdr, unsigned nhdr,
		       char *why, size_t len)
{
	const struct tshm__preset *p = pf->p;

	if (nhdr > TSHM__MAX_FIELDS) {
		snprintf(why, len, "header: more than %u columns", TSHM__MAX_FIELDS);
		return -EINVAL;
	}
	for (unsigned k = 0; k < p->nfields; k++) {
		pf->col[k] = tshm__header_find(hdr, nhdr, p->names[k]);
		if (pf->col[k] < 0 && (p->required >> k & 1)) {
			snprintf(why, len, "header: no column \"%s\"", p->names[k]);
			return -EINVAL;
		}
	}
	pf->min_cols = pf->max_cols = nhdr;
	return 0;
}

int tshm__pfile_open(struct tshm__pfile *pf, const struct tshm__preset *p,
		     const struct tshm__popts *po, const char *path, const struct tshm__field *hdr,
		     unsigned nhdr, char *why, size_t len)
{
	int rc = 0;

	memset(pf, 0, sizeof(*pf));
	pf->p = p;
	pf->po = po;
	pf->path = path;
	pf->table = p->table;
	for (unsigned k = 0; k < TSHM__MAX_FIELDS; k++)
		pf->col[k] = k < p->nfields ? (int)k : -1;
	pf->min_cols = p->min_cols;
	pf->max_cols = p->nfields;
	if (hdr && p->names && p->header != TSHM__HDR_NONE)
		rc = map_by_name(pf, hdr, nhdr, why, len);
	if (rc == 0 && p->open)
		rc = p->open(pf, hdr, nhdr, why, len);
	return rc;
}

int tshm__pfile_parse(const struct tshm__pfile *pf, const struct tshm__field *f, unsigned nf,
		      struct tshm__rec *r)
{
	r->table = pf->table;
	r->sym = NULL;
	r->exch = NULL;
	r->flags = 0;
	r->has_id = r->has_div = r->has_split = false;
	if (nf < pf->min_cols || nf > pf->max_cols) {
		if (pf->min_cols == pf->max_cols)
			snprintf(r->why, sizeof(r->why), "expected %u fields, got %u", pf->min_cols,
				 nf);
		else
			snprintf(r->why, sizeof(r->why), "expected %u to %u fields, got %u",
				 pf->min_cols, pf->max_cols, nf);
		return -EINVAL;
	}
	return pf->p->parse(pf, f, nf, r);
}
