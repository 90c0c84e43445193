/* SPDX-License-Identifier: MIT */
/*
 * The rows of one (table, asset) while ingesting: one growable array per
 * column in the segment's element width, so a day of them is handed to
 * tshm_bundle_put_day() as pointers without another copy.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_internal.h"

#define P TSHM__VAL_PRICE
#define S TSHM__VAL_SIZE

/* Kind of value k (= column k + 1) of each per-asset table ingest writes. */
const signed char tshm__val_kinds[TSHM_TABLE_COUNT][TSHM__MAX_VALS] = {
    [TSHM_TABLE_TRADES] = {P, S},
    [TSHM_TABLE_QUOTES] = {P, S, P, S},
    [TSHM_TABLE_BARS_1M] = {P, P, P, P, S},
    [TSHM_TABLE_BARS_1D] = {P, P, P, P, S},
};

const unsigned char tshm__nvals[TSHM_TABLE_COUNT] = {
    [TSHM_TABLE_TRADES] = 2,
    [TSHM_TABLE_QUOTES] = 4,
    [TSHM_TABLE_BARS_1M] = 5,
    [TSHM_TABLE_BARS_1D] = 5,
};

unsigned tshm__table_ncols(enum tshm_table t)
{
	return t == TSHM_TABLE_TRADES ? TSHM_TRADES_NCOLS : tshm__table_nvals(t) + 1;
}

int tshm__series_new(struct tshm__series **out, enum tshm_table table)
{
	struct tshm__series *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->table = table;
	s->ncols = tshm__table_ncols(table);
	for (unsigned c = 0; c < s->ncols; c++)
		s->width[c] = table == TSHM_TABLE_TRADES && c == TSHM_TRADES_FLAGS ? 4 : 8;
	s->last_ts = INT64_MIN;
	*out = s;
	return 0;
}

void tshm__series_free(struct tshm__series *s)
{
	if (!s)
		return;
	for (unsigned c = 0; c < s->ncols; c++)
		free(s->col[c]);
	free(s);
}

static int grow(struct tshm__series *s)
{
	uint64_t cap = s->cap ? s->cap * 2 : 4096;

	for (unsigned c = 0; c < s->ncols; c++) {
		void *p;
		if (cap > SIZE_MAX / s->width[c])
			return -ENOMEM;
		p = realloc(s->col[c], (size_t)cap * s->width[c]);
		if (!p)
			return -ENOMEM;
		s->col[c] = p;
	}
	s->cap = cap;
	return 0;
}

int tshm__series_append(struct tshm__series *s, const int64_t *v)
{
	uint64_t n = s->n;

	if (n == s->cap && grow(s) < 0)
		return -ENOMEM;
	for (unsigned c = 0; c < s->ncols; c++) {
		if (s->width[c] == 8)
			((int64_t *)s->col[c])[n] = v[c];
		else
			((int32_t *)s->col[c])[n] = (int32_t)v[c];
	}
	if (v[0] < s->last_ts)
		s->unsorted = true;
	s->last_ts = v[0];
	s->n = n + 1;
	return 0;
}

int tshm__series_rescale(struct tshm__series *s, int kind, int k, bool apply)
{
	int64_t f = tshm__pow10[k], lim = INT64_MAX / f;

	for (unsigned j = 0; j < tshm__table_nvals(s->table); j++) {
		int64_t *col = s->col[j + 1];
		if (tshm__val_kinds[s->table][j] != kind)
			continue;
		for (uint64_t i = 0; i < s->n; i++) {
			if (apply)
				col[i] *= f;
			else if (col[i] > lim || col[i] < -lim)
				return -ERANGE;
		}
	}
	return 0;
}
