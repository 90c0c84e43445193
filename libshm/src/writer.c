/* SPDX-License-Identifier: MIT */
/*
 * The segment writer: plan the layout, create the segment (unreadable,
 * fully allocated, or allocated later by the caller's threads), let the
 * caller fill columns in place, then commit (check, index, hash, header
 * last, seal) and publish.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older glibc headers lack it */
#endif

#include "internal.h"

#define MAX_DAYS ((uint32_t)(TSHM_DAY_MAX - TSHM_DAY_MIN))

enum writer_state { W_FILLING, W_COMMITTED, W_PUBLISHED, W_FAILED };

struct tshm_writer {
	struct tshm_catalog *cat;
	struct tshm_segment seg;
	struct tshm_seg_header *hdr;
	struct tshm_table_desc *dir;
	uint64_t gen;
	mode_t mode;
	enum writer_state state;
	uint64_t alloc_start; /* create allocated [0, alloc_start) */
	bool whole;	      /* alloc_rest found no page missing since */
	char bundle[TSHM_BUNDLE_MAX];
};

int32_t tshm_day_of(int64_t ts)
{
	int64_t d = ts / TSHM_DAY_NS;

	return (int32_t)(ts % TSHM_DAY_NS < 0 ? d - 1 : d);
}

static int add_array(uint64_t *off, uint64_t count, uint64_t width, uint64_t *at)
{
	uint64_t bytes;

	if (__builtin_mul_overflow(count, width, &bytes) ||
	    __builtin_add_overflow(*off, bytes, off) || *off > UINT64_MAX - TSHM_ALIGN)
		return -EOVERFLOW;
	*at = *off - bytes;
	*off = (*off + TSHM_ALIGN - 1) & ~(uint64_t)(TSHM_ALIGN - 1);
	return 0;
}

static int plan_table(unsigned t, const struct tshm_layout_spec *spec, struct tshm_table_desc *td,
		      uint64_t *off)
{
	const struct tshm_schema_table *s = &tshm__schema[t];
	uint64_t nrows = t == TSHM_TABLE_ASSETS ? spec->nassets : spec->tables[t].nrows;
	int per_asset = (s->flags & TSHM_TABLE_F_PER_ASSET) != 0;
	uint32_t ndays = spec->tables[t].ndays;
	int rc = 0;

	if (per_asset && ((nrows && (!spec->nassets || !ndays)) || ndays > MAX_DAYS ||
			  spec->tables[t].day0 < TSHM_DAY_MIN ||
			  (int64_t)spec->tables[t].day0 + ndays > TSHM_DAY_MAX))
		return -EINVAL;
	memset(td, 0, sizeof(*td));
	strncpy(td->name, s->name, sizeof(td->name));
	td->id = t;
	td->flags = TSHM_TABLE_F_PRESENT | s->flags;
	td->ncols = s->ncols;
	td->ts_col = s->ts_col;
	td->nrows = nrows;
	for (unsigned c = 0; c < s->ncols && rc == 0; c++) {
		struct tshm_col_desc *cd = &td->cols[c];
		strncpy(cd->name, s->cols[c].name, sizeof(cd->name));
		cd->type = s->cols[c].type;
		cd->kind = s->cols[c].kind;
		cd->width = s->cols[c].width;
		rc = add_array(off, nrows, cd->width, &cd->offset);
	}
	if (per_asset && rc == 0) {
		td->day0 = spec->tables[t].day0;
		td->ndays = ndays;
		rc = add_array(off, (uint64_t)spec->nassets + 1, 8, &td->rows_offset);
		if (rc == 0)
			rc = add_array(off, (uint64_t)spec->nassets * (ndays + 1u), 8,
				       &td->days_offset);
		if (rc == 0)
			rc = add_array(off, tshm__fence_len(nrows, TSHM_FENCE1_SHIFT), 8,
				       &td->fence1_offset);
		if (rc == 0)
			rc = add_array(off, tshm__fence_len(nrows, TSHM_FENCE2_SHIFT), 8,
				       &td->fence2_offset);
	}
	return rc;
}

/* Lay out every table after the header and directory. */
static int plan(const struct tshm_layout_spec *spec, struct tshm_table_desc *dir, uint64_t *size)
{
	uint64_t off = TSHM_META_SIZE;
	long page = sysconf(_SC_PAGESIZE);

	if (!spec || spec->reserved)
		return -EINVAL;
	memset(dir, 0, TSHM_TABLE_SLOTS * sizeof(*dir));
	for (unsigned t = 0; t < TSHM_TABLE_COUNT; t++) {
		int rc = plan_table(t, spec, &dir[t], &off);
		if (rc < 0)
			return rc;
	}
	if (off > UINT64_MAX - (uint64_t)page)
		return -EOVERFLOW;
	*size = (off + (uint64_t)page - 1) & ~((uint64_t)page - 1);
	return 0;
}

int tshm_layout_size(const struct tshm_layout_spec *spec, uint64_t *size)
{
	struct tshm_table_desc dir[TSHM_TABLE_SLOTS];

	return plan(spec, dir, size);
}

/* Reserve a generation and create its segment; retry past stale names. */
static int create_segment(struct tshm_writer *w, uint64_t size, uint64_t reserve)
{
	char name[TSHM_SEGNAME_MAX];
	int rc = -EEXIST;

	for (int attempt = 0; attempt < 8 && rc == -EEXIST; attempt++) {
		rc = tshm_catalog_reserve(w->cat, w->bundle, &w->gen);
		if (rc == 0)
			rc = tshm_name_segment(name, sizeof(name), tshm_catalog_namespace(w->cat),
					       w->bundle, w->gen);
		if (rc == 0)
			rc = tshm__segment_create(&w->seg, name, size, reserve);
	}
	return rc;
}

int tshm_writer_create(struct tshm_writer **out, struct tshm_catalog *cat, const char *bundle,
		       const struct tshm_layout_spec *spec, const struct tshm_writer_opts *opts)
{
	struct tshm_table_desc dir[TSHM_TABLE_SLOTS];
	struct tshm_writer *w;
	uint64_t size, reserve;
	long page = sysconf(_SC_PAGESIZE);
	int rc;

	*out = NULL;
	if (opts && (opts->flags & ~TSHM_WRITER_DEFER_ALLOC))
		return -EINVAL;
	rc = tshm_name_check(bundle, TSHM_BUNDLE_MAX);
	if (rc == 0)
		rc = plan(spec, dir, &size);
	if (rc < 0)
		return rc == -EOVERFLOW ? -ENOSPC : rc;
	if (opts && opts->max_segment && size > opts->max_segment)
		return -ENOSPC;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->cat = cat;
	w->mode = opts && opts->mode ? opts->mode : 0640;
	strcpy(w->bundle, bundle);
	reserve = (TSHM_META_SIZE + (uint64_t)page - 1) & ~((uint64_t)page - 1);
	if (!(opts && (opts->flags & TSHM_WRITER_DEFER_ALLOC)) || reserve > size)
		reserve = size;
	w->alloc_start = reserve;
	w->whole = reserve == size;
	rc = create_segment(w, size, reserve);
	if (rc < 0) {
		tshm__catalog_release(cat, bundle);
		free(w);
		return rc;
	}
	w->hdr = w->seg.base;
	w->dir = (struct tshm_table_desc *)((uint8_t *)w->seg.base + sizeof(*w->hdr));
	memcpy(w->dir, dir, sizeof(dir));
	*out = w;
	return 0;
}

uint64_t tshm_writer_generation(const struct tshm_writer *w)
{
	return w->gen;
}

const char *tshm_writer_segment_name(const struct tshm_writer *w)
{
	return w->seg.name;
}

void *tshm_writer_column(struct tshm_writer *w, enum tshm_table table, unsigned col)
{
	int64_t off = tshm_writer_column_offset(w, table, col);

	return off < 0 ? NULL : (uint8_t *)w->seg.base + off;
}

int64_t tshm_writer_column_offset(const struct tshm_writer *w, enum tshm_table table, unsigned col)
{
	if (w->state != W_FILLING || (unsigned)table >= TSHM_TABLE_COUNT ||
	    col >= w->dir[table].ncols)
		return -EINVAL;
	return (int64_t)w->dir[table].cols[col].offset;
}

int tshm_writer_fd(const struct tshm_writer *w)
{
	return w->state == W_FILLING ? w->seg.fd : -EINVAL;
}

uint64_t tshm_writer_size(const struct tshm_writer *w)
{
	return w->seg.size;
}

uint64_t tshm_writer_alloc_start(const struct tshm_writer *w)
{
	return w->alloc_start;
}

/* Populating reports what would have been a SIGBUS (tmpfs full) as EFAULT. */
static int populate(struct tshm_writer *w, uint64_t a, uint64_t n)
{
	int rc;

	while ((rc = madvise((uint8_t *)w->seg.base + a, n, MADV_POPULATE_WRITE)) < 0 &&
	       errno == EINTR)
		;
	if (rc == 0)
		return 0;
	if (errno == EFAULT)
		return -ENOSPC;
	if (errno != EINVAL)
		return -errno;
	rc = posix_fallocate(w->seg.fd, (off_t)a, (off_t)n); /* before Linux 5.14 */
	return rc == 0 ? 0 : rc == EFBIG ? -ENOSPC : -rc;
}

int tshm_writer_alloc(struct tshm_writer *w, uint64_t off, uint64_t len)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), a, e;

	if (w->state != W_FILLING || off > w->seg.size || len > w->seg.size - off)
		return -EINVAL;
	a = off & ~(page - 1);
	e = off + len > w->seg.size - (page - 1) ? w->seg.size
						 : (off + len + page - 1) & ~(page - 1);
	if (a >= e)
		return 0;
	return populate(w, a, e - a);
}

/*
 * Holes are pages tmpfs has not allocated: SEEK_HOLE walks the page cache
 * (~10 ms for 2 GiB), far cheaper than populating pages already there.
 */
int tshm_writer_alloc_rest(struct tshm_writer *w)
{
	uint64_t pos = w->alloc_start, end;
	int rc;

	if (w->state != W_FILLING)
		return -EINVAL;
	while (!w->whole && pos < w->seg.size) {
		off_t h = lseek(w->seg.fd, (off_t)pos, SEEK_HOLE), d;

		if (h < 0)
			return -errno;
		if ((uint64_t)h >= w->seg.size)
			break;
		d = lseek(w->seg.fd, h, SEEK_DATA);
		if (d < 0 && errno != ENXIO)
			return -errno;
		end = d < 0 || (uint64_t)d > w->seg.size ? w->seg.size : (uint64_t)d;
		rc = tshm_writer_alloc(w, (uint64_t)h, end - (uint64_t)h);
		if (rc < 0)
			return rc;
		pos = end;
	}
	w->whole = true;
	return 0;
}

/* Copy NUL-terminated @src into a fixed-width, NUL-padded column cell. */
static int put_text(uint8_t *cell, const char *src, size_t width)
{
	size_t n = strnlen(src, width + 1);

	if (n > width)
		return -EINVAL;
	memset(cell, 0, width);
	memcpy(cell, src, n);
	return 0;
}

int tshm_writer_set_asset(struct tshm_writer *w, uint32_t asset, const struct tshm_asset *a)
{
	uint8_t *b = w->seg.base;
	const struct tshm_table_desc *td = &w->dir[TSHM_TABLE_ASSETS];
	int rc;

	if (w->state != W_FILLING || asset >= td->nrows)
		return -EINVAL;
#define I64(c) (((int64_t *)(b + td->cols[c].offset))[asset])
#define I32(c) (((int32_t *)(b + td->cols[c].offset))[asset])
#define TXT(c, w) (b + td->cols[c].offset + (size_t)asset * (w))
	rc = put_text(TXT(TSHM_ASSETS_SYMBOL, TSHM_SYMBOL_MAX), a->symbol, TSHM_SYMBOL_MAX);
	if (rc == 0)
		rc = put_text(TXT(TSHM_ASSETS_EXCHANGE, TSHM_EXCHANGE_MAX), a->exchange,
			      TSHM_EXCHANGE_MAX);
	if (rc == 0)
		rc = put_text(TXT(TSHM_ASSETS_CURRENCY, TSHM_CURRENCY_MAX), a->currency,
			      TSHM_CURRENCY_MAX);
	if (rc < 0)
		return rc;
	I64(TSHM_ASSETS_SID) = a->sid;
	I32(TSHM_ASSETS_CLASS) = a->asset_class;
	I32(TSHM_ASSETS_PRICE_EXP) = a->price_exp;
	I32(TSHM_ASSETS_SIZE_EXP) = a->size_exp;
	I64(TSHM_ASSETS_TICK_SIZE) = a->tick_size;
	I64(TSHM_ASSETS_LOT_SIZE) = a->lot_size;
	I64(TSHM_ASSETS_START_TS) = a->start_ts;
	I64(TSHM_ASSETS_END_TS) = a->end_ts;
#undef I64
#undef I32
#undef TXT
	return 0;
}

uint64_t *tshm_writer_row_index(struct tshm_writer *w, enum tshm_table table)
{
	if (w->state != W_FILLING || (unsigned)table >= TSHM_TABLE_COUNT ||
	    !(w->dir[table].flags & TSHM_TABLE_F_PER_ASSET))
		return NULL;
	return (uint64_t *)((uint8_t *)w->seg.base + w->dir[table].rows_offset);
}

/* Header fields, then the checksum, then COMPLETE, then the magic. */
static void write_header(struct tshm_writer *w)
{
	struct tshm_seg_header *h = w->hdr;
	uint64_t data_offset = TSHM_META_SIZE;

	h->format_version = TSHM_FORMAT_VERSION;
	h->header_size = sizeof(*h);
	h->total_size = w->seg.size;
	h->generation = w->gen;
	h->schema_version = TSHM_SCHEMA_VERSION;
	h->table_slots = TSHM_TABLE_SLOTS;
	h->dir_offset = sizeof(*h);
	h->data_offset = data_offset;
	h->creator_pid = (uint32_t)getpid();
	h->created_ns = tshm__wall_ns();
	strncpy(h->bundle, w->bundle, sizeof(h->bundle));
	h->flags = TSHM_SEG_F_COMPLETE;
	h->magic = TSHM_SEG_MAGIC;
	/* Last: it covers every field above, so a header torn by a crash never
	 * validates (and nobody can open the segment before the seal anyway). */
	h->meta_checksum = tshm__meta_checksum(w->seg.base, data_offset);
}

/* @hash: the caller's derived hash {lo, hi} (commit_hashed), NULL to compute it. */
static int commit(struct tshm_writer *w, const uint64_t *hash, int *bad_table)
{
	int rc;

	if (w->state != W_FILLING)
		return -EINVAL;
	/* Commit reads every column and writes the indices: on a full
	 * /dev/shm a page still missing would SIGBUS. */
	rc = tshm_writer_alloc_rest(w);
	if (rc < 0) {
		w->state = W_FAILED;
		return rc;
	}
	w->hdr->nassets = (uint32_t)w->dir[TSHM_TABLE_ASSETS].nrows;
	rc = tshm__check_tables(w->seg.base, w->hdr, w->dir, 1, bad_table);
	if (rc < 0) {
		w->state = W_FAILED;
		return rc;
	}
	if (hash) {
		w->hdr->hash_lo = hash[0];
		w->hdr->hash_hi = hash[1];
	} else {
		tshm__content_hash(w->seg.base, w->hdr, w->dir, &w->hdr->hash_lo, &w->hdr->hash_hi);
	}
	tshm__crash_point("before_header");
	write_header(w);
	/* Never seal what readers would reject (e.g. a directory the caller
	 * scribbled over): a published generation must always attach. */
	rc = tshm__validate(w->seg.base, w->seg.size);
	if (rc < 0) {
		w->state = W_FAILED;
		return rc;
	}
	tshm__crash_point("before_chmod");
	rc = tshm_segment_seal(&w->seg, w->mode);
	w->state = rc == 0 ? W_COMMITTED : W_FAILED;
	return rc;
}

int tshm_writer_commit(struct tshm_writer *w, int *bad_table)
{
	return commit(w, NULL, bad_table);
}

int tshm_writer_commit_hashed(struct tshm_writer *w, uint64_t lo, uint64_t hi, int *bad_table)
{
	const uint64_t hash[2] = {lo, hi};

	return commit(w, hash, bad_table);
}

void tshm_writer_hash(const struct tshm_writer *w, uint64_t *lo, uint64_t *hi)
{
	*lo = w->hdr->hash_lo;
	*hi = w->hdr->hash_hi;
}

int tshm_writer_publish(struct tshm_writer *w)
{
	const struct tshm_seg_header *h = w->hdr;
	struct tshm_descriptor d = {0};
	char old[TSHM_SEGNAME_MAX];
	int rc;

	if (w->state != W_COMMITTED)
		return -EINVAL;
	strcpy(d.bundle, w->bundle);
	strcpy(d.segment, w->seg.name);
	d.generation = w->gen;
	d.size = w->seg.size;
	d.hash_lo = h->hash_lo;
	d.hash_hi = h->hash_hi;
	d.schema_version = h->schema_version;
	d.nassets = h->nassets;
	d.min_ts = h->min_ts;
	d.max_ts = h->max_ts;
	d.publish_ns = tshm__wall_ns();
	d.publisher_pid = (uint32_t)getpid();
	tshm__crash_point("before_publish");
	rc = tshm__catalog_publish(w->cat, &d, old);
	if (rc == -ESTALE) {
		/* Superseded: nobody may ever attach this generation. */
		tshm_segment_unlink(w->seg.name);
		w->state = W_FAILED;
	}
	if (rc < 0)
		return rc; /* other errors: still committed, publish may be retried */
	w->state = W_PUBLISHED;
	tshm__crash_point("before_unlink");
	if (old[0] && strcmp(old, w->seg.name) != 0)
		tshm_segment_unlink(old);
	return 0;
}

void tshm_writer_destroy(struct tshm_writer *w)
{
	if (!w)
		return;
	if (w->state != W_PUBLISHED && w->seg.name[0]) {
		tshm_segment_unlink(w->seg.name);
		tshm__catalog_release(w->cat, w->bundle);
	}
	tshm_segment_close(&w->seg);
	free(w);
}
