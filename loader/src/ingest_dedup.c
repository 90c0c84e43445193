/* SPDX-License-Identifier: MIT */
/*
 * Exact duplicate rows (TSHM_INGEST_DUPS_DROP): after the sort, identical
 * rows share a ts, so each group of equal timestamps is compacted in place
 * keeping the first of every set of identical rows. Small groups compare
 * pairwise; large ones (many trades in one millisecond) go through a hash
 * set of the rows kept so far.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_internal.h"

#define SMALL_GROUP 16

static int64_t cell(const struct tshm__series *s, unsigned c, uint64_t r)
{
	return s->width[c] == 8 ? ((const int64_t *)s->col[c])[r] : ((const int32_t *)s->col[c])[r];
}

static bool rows_equal(const struct tshm__series *s, uint64_t a, uint64_t b)
{
	for (unsigned c = 1; c < s->ncols; c++)
		if (cell(s, c, a) != cell(s, c, b))
			return false;
	return true;
}

static uint64_t row_hash(const struct tshm__series *s, uint64_t r)
{
	uint64_t h = UINT64_C(0x9E3779B97F4A7C15);

	for (unsigned c = 1; c < s->ncols; c++) {
		h = (h ^ (uint64_t)cell(s, c, r)) * UINT64_C(0xBF58476D1CE4E5B9);
		h ^= h >> 31;
	}
	return h;
}

static void move_row(struct tshm__series *s, uint64_t from, uint64_t to)
{
	for (unsigned c = 0; c < s->ncols; c++) {
		char *p = s->col[c];
		memcpy(p + to * s->width[c], p + from * s->width[c], s->width[c]);
	}
}

/* Hash set of kept row numbers (+1; 0 is empty), sized for a group. */
struct rowset {
	uint64_t *slot;
	size_t mask;
};

static int rowset_init(struct rowset *h, uint64_t group)
{
	size_t n = 64;

	while (n < group * 2)
		n *= 2;
	h->slot = calloc(n, sizeof(*h->slot));
	h->mask = n - 1;
	return h->slot ? 0 : -ENOMEM;
}

/* Is row @r equal to a kept row? If not, remember it as kept row @w. */
static bool rowset_seen(struct rowset *h, const struct tshm__series *s, uint64_t r, uint64_t w)
{
	size_t i = (size_t)row_hash(s, r) & h->mask;

	for (; h->slot[i]; i = (i + 1) & h->mask)
		if (rows_equal(s, h->slot[i] - 1, r))
			return true;
	h->slot[i] = w + 1;
	return false;
}

/* Compact the group [i, j) to start at @w; returns the new w. */
static int64_t dedup_group(struct tshm__series *s, uint64_t i, uint64_t j, uint64_t w)
{
	uint64_t w0 = w;
	struct rowset h = {0};

	if (j - i > SMALL_GROUP && rowset_init(&h, j - i) < 0)
		return -ENOMEM;
	for (uint64_t r = i; r < j; r++) {
		bool dup = false;
		if (h.slot) {
			dup = rowset_seen(&h, s, r, w);
		} else {
			for (uint64_t k = w0; k < w && !dup; k++)
				dup = rows_equal(s, k, r);
		}
		if (dup)
			continue;
		if (r != w)
			move_row(s, r, w);
		w++;
	}
	free(h.slot);
	return (int64_t)w;
}

int64_t tshm__series_dedup(struct tshm__series *s)
{
	const int64_t *ts = s->col[0];
	uint64_t i = 0, w = 0, n = s->n;

	while (i < n) {
		uint64_t j = i + 1;
		int64_t nw;

		while (j < n && ts[j] == ts[i])
			j++;
		if (j - i == 1) {
			if (i != w)
				move_row(s, i, w);
			w++;
		} else {
			nw = dedup_group(s, i, j, w);
			if (nw < 0)
				return nw;
			w = (uint64_t)nw;
		}
		i = j;
	}
	s->n = w;
	return (int64_t)(n - w);
}
