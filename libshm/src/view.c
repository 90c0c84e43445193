/* SPDX-License-Identifier: MIT */
/* Read-only views of committed segments: attach, refcount, accessors. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

/*
 * Copy the header and directory into @v: with pread() from @fd when there
 * is one (no page faults on the new mapping, the largest part of attach
 * otherwise), else from memory.
 */
static int copy_meta(struct tshm_view *v, const uint8_t *base, int fd)
{
	ssize_t n;

	if (fd < 0) {
		memcpy(&v->meta, base, TSHM_META_SIZE);
		return 0;
	}
	do
		n = pread(fd, &v->meta, TSHM_META_SIZE, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)TSHM_META_SIZE ? 0 : -TSHM_ECORRUPT;
}

static int view_wrap(struct tshm_view **out, const uint8_t *base, uint64_t size, int owns, int fd)
{
	struct tshm_view *v;
	int rc;

	if (size < TSHM_META_SIZE)
		return tshm__validate(base, size); /* the right error for a short segment */
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	/* Validate the copy, not the shared bytes: what was checked is what is used. */
	rc = copy_meta(v, base, fd);
	if (rc == 0)
		rc = tshm__validate((const uint8_t *)&v->meta, size);
	if (rc < 0) {
		free(v);
		return rc;
	}
	atomic_init(&v->refs, 1);
	v->owns_mapping = (uint32_t)owns;
	v->base = base;
	v->size = size;
	v->hdr = &v->meta.hdr;
	v->dir = v->meta.dir;
	v->sids = (const int64_t *)(base + v->dir[TSHM_TABLE_ASSETS].cols[TSHM_ASSETS_SID].offset);
	*out = v;
	return 0;
}

int tshm_view_open_segment(struct tshm_view **out, const char *name)
{
	struct tshm_segment seg;
	int rc;

	*out = NULL;
	rc = tshm_segment_open(&seg, name, 0);
	if (rc < 0)
		return rc;
	rc = view_wrap(out, seg.base, seg.size, 1, seg.fd);
	/* The mapping outlives the descriptor; keeping fds would cap how many
	 * bundles a process can hold. */
	close(seg.fd);
	seg.fd = -1;
	if (rc < 0) {
		munmap(seg.base, seg.size);
		return rc;
	}
	strcpy((*out)->segname, seg.name);
	return 0;
}

int tshm_view_open(struct tshm_view **out, const struct tshm_catalog *cat, const char *bundle)
{
	struct tshm_descriptor d;
	int rc = -ENOENT;

	*out = NULL;
	/* A publish between lookup and open unlinks the name we read: retry
	 * with the new descriptor. */
	for (int attempt = 0; attempt < 16; attempt++) {
		rc = tshm_catalog_lookup(cat, bundle, &d);
		if (rc < 0)
			return rc;
		rc = tshm_view_open_segment(out, d.segment);
		if (rc != -ENOENT)
			break;
	}
	if (rc < 0)
		return rc;
	if ((*out)->hdr->generation != d.generation || (*out)->hdr->hash_lo != d.hash_lo ||
	    (*out)->hdr->hash_hi != d.hash_hi) {
		tshm_view_unref(*out);
		*out = NULL;
		return -TSHM_ECORRUPT;
	}
	(*out)->serial = d.serial;
	return 0;
}

int tshm_view_open_mem(struct tshm_view **out, const void *base, size_t size, unsigned flags)
{
	*out = NULL;
	/* Columns are read as int64: the base must be aligned like a mapping's. */
	if (flags || !base || (uintptr_t)base % TSHM_ALIGN)
		return -EINVAL;
	return view_wrap(out, base, size, 0, -1);
}

struct tshm_view *tshm_view_ref(struct tshm_view *v)
{
	/* Taking a reference needs no ordering: the caller already holds one. */
	atomic_fetch_add_explicit(&v->refs, 1, memory_order_relaxed);
	return v;
}

void tshm_view_unref(struct tshm_view *v)
{
	if (!v)
		return;
	/* acq_rel: every holder's reads happen before the final unmap. */
	if (atomic_fetch_sub_explicit(&v->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (v->owns_mapping)
		munmap((void *)v->base, v->size);
	free(v);
}

const struct tshm_seg_header *tshm_view_header(const struct tshm_view *v)
{
	return v->hdr;
}

const char *tshm_view_segment_name(const struct tshm_view *v)
{
	return v->segname;
}

uint64_t tshm_view_serial(const struct tshm_view *v)
{
	return v->serial;
}

uint32_t tshm_view_nassets(const struct tshm_view *v)
{
	return v->hdr->nassets;
}

int tshm_view_table(const struct tshm_view *v, unsigned table, struct tshm_table_info *out)
{
	const struct tshm_table_desc *td;

	if (table >= TSHM_TABLE_SLOTS)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	td = &v->dir[table];
	out->name = table < TSHM_TABLE_COUNT ? tshm__schema[table].name : "";
	out->flags = td->flags;
	out->ncols = td->ncols;
	out->nrows = td->nrows;
	out->min_ts = td->min_ts;
	out->max_ts = td->max_ts;
	out->day0 = td->day0;
	out->ndays = td->ndays;
	return 0;
}

int tshm_view_column(const struct tshm_view *v, unsigned table, unsigned col,
		     struct tshm_column_info *out)
{
	const struct tshm_col_desc *cd;

	if (table >= TSHM_TABLE_COUNT || col >= v->dir[table].ncols)
		return -EINVAL;
	cd = &v->dir[table].cols[col];
	out->name = tshm__schema[table].cols[col].name;
	out->type = cd->type;
	out->kind = cd->kind;
	out->width = cd->width;
	out->data = v->base + cd->offset;
	return 0;
}

int tshm_view_asset_rows(const struct tshm_view *v, unsigned table, uint32_t asset, uint64_t *first,
			 uint64_t *count)
{
	const struct tshm_table_desc *td;
	const uint64_t *rows;

	if (table >= TSHM_TABLE_COUNT || asset >= v->hdr->nassets)
		return -EINVAL;
	td = &v->dir[table];
	if (!(td->flags & TSHM_TABLE_F_PER_ASSET))
		return -EINVAL;
	rows = (const uint64_t *)(v->base + td->rows_offset);
	if (rows[asset] > rows[asset + 1] || rows[asset + 1] > td->nrows)
		return -TSHM_ECORRUPT;
	*first = rows[asset];
	*count = rows[asset + 1] - rows[asset];
	return 0;
}

int tshm_view_find_sid(const struct tshm_view *v, int64_t sid)
{
	uint32_t lo = 0, hi = v->hdr->nassets;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (v->sids[mid] < sid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < v->hdr->nassets && v->sids[lo] == sid ? (int)lo : -ENOENT;
}

int tshm_view_find_symbol(const struct tshm_view *v, const char *symbol, int64_t as_of)
{
	const struct tshm_table_desc *td = &v->dir[TSHM_TABLE_SYMBOLS];
	const char *sym = (const char *)(v->base + td->cols[TSHM_SYMBOLS_SYMBOL].offset);
	const int64_t *st = (const int64_t *)(v->base + td->cols[TSHM_SYMBOLS_START_TS].offset);
	const int64_t *en = (const int64_t *)(v->base + td->cols[TSHM_SYMBOLS_END_TS].offset);
	const int64_t *sid = (const int64_t *)(v->base + td->cols[TSHM_SYMBOLS_SID].offset);
	char key[TSHM_SYMBOL_MAX] = {0};
	uint64_t lo = 0, hi = td->nrows;
	size_t n = strlen(symbol);

	if (n == 0 || n > TSHM_SYMBOL_MAX)
		return -EINVAL;
	memcpy(key, symbol, n);
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (memcmp(sym + mid * TSHM_SYMBOL_MAX, key, TSHM_SYMBOL_MAX) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < td->nrows && memcmp(sym + lo * TSHM_SYMBOL_MAX, key, TSHM_SYMBOL_MAX) == 0;
	     lo++)
		if (st[lo] <= as_of && as_of < en[lo])
			return tshm_view_find_sid(v, sid[lo]);
	return -ENOENT;
}

static void copy_text(char *dst, const uint8_t *src, size_t width)
{
	memcpy(dst, src, width);
	dst[width] = '\0';
}

int tshm_view_asset(const struct tshm_view *v, uint32_t asset, struct tshm_asset *out)
{
	const struct tshm_table_desc *td = &v->dir[TSHM_TABLE_ASSETS];
	const uint8_t *b = v->base;

	if (asset >= v->hdr->nassets)
		return -EINVAL;
#define I64(c) (((const int64_t *)(b + td->cols[c].offset))[asset])
#define I32(c) (((const int32_t *)(b + td->cols[c].offset))[asset])
#define TXT(c, w) (b + td->cols[c].offset + (size_t)asset * (w))
	out->sid = I64(TSHM_ASSETS_SID);
	copy_text(out->symbol, TXT(TSHM_ASSETS_SYMBOL, TSHM_SYMBOL_MAX), TSHM_SYMBOL_MAX);
	copy_text(out->exchange, TXT(TSHM_ASSETS_EXCHANGE, TSHM_EXCHANGE_MAX), TSHM_EXCHANGE_MAX);
	copy_text(out->currency, TXT(TSHM_ASSETS_CURRENCY, TSHM_CURRENCY_MAX), TSHM_CURRENCY_MAX);
	out->asset_class = I32(TSHM_ASSETS_CLASS);
	out->price_exp = I32(TSHM_ASSETS_PRICE_EXP);
	out->size_exp = I32(TSHM_ASSETS_SIZE_EXP);
	out->tick_size = I64(TSHM_ASSETS_TICK_SIZE);
	out->lot_size = I64(TSHM_ASSETS_LOT_SIZE);
	out->start_ts = I64(TSHM_ASSETS_START_TS);
	out->end_ts = I64(TSHM_ASSETS_END_TS);
#undef I64
#undef I32
#undef TXT
	return 0;
}

int tshm_view_verify(const struct tshm_view *v)
{
	uint64_t lo, hi;
	int rc = tshm__check_tables(v->base, v->hdr, v->dir, 0, NULL);

	if (rc < 0)
		return rc;
	tshm__content_hash(v->base, v->hdr, v->dir, &lo, &hi);
	return lo == v->hdr->hash_lo && hi == v->hdr->hash_hi ? 0 : -TSHM_ECORRUPT;
}
