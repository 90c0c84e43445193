/* SPDX-License-Identifier: MIT */
/*
 * Attach-time validation: every header field, directory entry, offset and
 * length is checked against the segment size, so a corrupt or hostile
 * segment is an error, never an out-of-bounds read. It costs O(directory):
 * the values inside the row and day indices are checked where they are
 * used, and the O(data) checks are tshm_view_verify()'s.
 */
#include <string.h>

#include "internal.h"

static int check_header(const struct tshm_seg_header *h, uint64_t size)
{
	uint64_t dir_end = TSHM_META_SIZE;

	if (h->magic != TSHM_SEG_MAGIC)
		return h->magic == 0 ? -TSHM_EINCOMPLETE : -TSHM_ECORRUPT;
	if (h->format_version != TSHM_FORMAT_VERSION)
		return -TSHM_EVERSION;
	if (!(h->flags & TSHM_SEG_F_COMPLETE))
		return -TSHM_EINCOMPLETE;
	if (h->flags & ~TSHM_SEG_F_COMPLETE)
		return -TSHM_ECORRUPT;
	if (h->schema_version != TSHM_SCHEMA_VERSION)
		return -TSHM_EVERSION;
	if (h->header_size != sizeof(*h) || h->total_size != size ||
	    h->table_slots != TSHM_TABLE_SLOTS || h->dir_offset != sizeof(*h) ||
	    h->data_offset != dir_end || dir_end > size || h->generation == 0 ||
	    h->nassets > INT32_MAX || !memchr(h->bundle, '\0', sizeof(h->bundle)))
		return -TSHM_ECORRUPT;
	return 0;
}

/* Is [off, off + count * width) inside the segment and aligned? */
static int array_ok(uint64_t off, uint64_t count, uint64_t width, uint64_t lo, uint64_t size)
{
	uint64_t bytes;

	if (off < lo || off > size || off % TSHM_ALIGN)
		return 0;
	if (__builtin_mul_overflow(count, width, &bytes))
		return 0;
	return bytes <= size - off;
}

static int check_cols(const struct tshm_table_desc *td, const struct tshm_schema_table *s,
		      uint64_t lo, uint64_t size)
{
	for (unsigned c = 0; c < TSHM_MAX_COLS; c++) {
		const struct tshm_col_desc *cd = &td->cols[c];

		if (c >= s->ncols) {
			static const struct tshm_col_desc zero;
			if (memcmp(cd, &zero, sizeof(zero)) != 0)
				return -TSHM_ECORRUPT;
			continue;
		}
		if (strncmp(cd->name, s->cols[c].name, sizeof(cd->name)) != 0 ||
		    cd->type != s->cols[c].type || cd->kind != s->cols[c].kind ||
		    cd->width != s->cols[c].width || cd->reserved != 0 ||
		    !array_ok(cd->offset, td->nrows, cd->width, lo, size))
			return -TSHM_ECORRUPT;
	}
	return 0;
}

static int check_table(const struct tshm_table_desc *td, unsigned t,
		       const struct tshm_seg_header *h, uint64_t size)
{
	const struct tshm_schema_table *s;
	uint64_t lo = h->data_offset, n = h->nassets;

	if (t >= TSHM_TABLE_COUNT) {
		/* Reserved slots are all zero in this format version. */
		static const struct tshm_table_desc zero;
		return memcmp(td, &zero, sizeof(zero)) == 0 ? 0 : -TSHM_ECORRUPT;
	}
	s = &tshm__schema[t];
	if (td->id != t || td->flags != (TSHM_TABLE_F_PRESENT | s->flags) ||
	    td->ncols != s->ncols || td->ts_col != s->ts_col ||
	    strncmp(td->name, s->name, sizeof(td->name)) != 0)
		return -TSHM_ECORRUPT;
	if (t == TSHM_TABLE_ASSETS && td->nrows != n)
		return -TSHM_ECORRUPT;
	if (check_cols(td, s, lo, size) < 0)
		return -TSHM_ECORRUPT;
	if (!(s->flags & TSHM_TABLE_F_PER_ASSET))
		return td->rows_offset == 0 && td->days_offset == 0 && td->ndays == 0 &&
			       td->fence1_offset == 0 && td->fence2_offset == 0
			   ? 0
			   : -TSHM_ECORRUPT;
	if ((td->nrows && (n == 0 || td->ndays == 0)) || td->day0 < TSHM_DAY_MIN ||
	    (int64_t)td->day0 + td->ndays > TSHM_DAY_MAX)
		return -TSHM_ECORRUPT;
	if (!array_ok(td->rows_offset, n + 1, 8, lo, size) ||
	    !array_ok(td->days_offset, n * ((uint64_t)td->ndays + 1), 8, lo, size) ||
	    !array_ok(td->fence1_offset, tshm__fence_len(td->nrows, TSHM_FENCE1_SHIFT), 8, lo,
		      size) ||
	    !array_ok(td->fence2_offset, tshm__fence_len(td->nrows, TSHM_FENCE2_SHIFT), 8, lo,
		      size))
		return -TSHM_ECORRUPT;
	return 0;
}

int tshm__validate(const uint8_t *meta, uint64_t size)
{
	const uint8_t *base = meta; /* only [0, TSHM_META_SIZE) is read */
	const struct tshm_seg_header *h = (const struct tshm_seg_header *)base;
	const struct tshm_table_desc *dir;
	int rc;

	if (size < sizeof(*h))
		return size == 0 ? -TSHM_EINCOMPLETE : -TSHM_ECORRUPT;
	rc = check_header(h, size);
	if (rc < 0)
		return rc;
	if (tshm__meta_checksum(base, h->data_offset) != h->meta_checksum)
		return -TSHM_ECORRUPT;
	dir = (const struct tshm_table_desc *)(base + h->dir_offset);
	for (unsigned t = 0; t < TSHM_TABLE_SLOTS; t++) {
		rc = check_table(&dir[t], t, h, size);
		if (rc < 0)
			return rc;
	}
	return 0;
}
