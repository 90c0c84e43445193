/* SPDX-License-Identifier: MIT */
/*
 * Stable sort of a series by ts, only when the rows arrived out of order.
 * Market data is nearly sorted (sorted files in the wrong order, a few late
 * rows), so this is a natural merge sort: it merges the ascending runs the
 * input already has, in O(n log runs). Sorting (ts, row) keys and then
 * gathering each column once keeps the column arrays out of the inner loop.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_internal.h"

struct key {
	int64_t ts;
	uint64_t row;
};

/* End of the non-decreasing run of @a starting at @i. */
static size_t run_end(const struct key *a, size_t i, size_t n)
{
	for (i++; i < n && a[i - 1].ts <= a[i].ts; i++)
		;
	return i;
}

/* Merge [l, l + nl) and [r, r + nr) into @out; ties take the left (earlier rows). */
static void merge(const struct key *l, size_t nl, const struct key *r, size_t nr, struct key *out)
{
	size_t i = 0, j = 0, o = 0;

	while (i < nl && j < nr)
		out[o++] = r[j].ts < l[i].ts ? r[j++] : l[i++];
	memcpy(out + o, l + i, (nl - i) * sizeof(*l));
	o += nl - i;
	memcpy(out + o, r + j, (nr - j) * sizeof(*r));
}

/* Merge runs pairwise until one is left; returns the sorted array (@a or @b). */
static struct key *merge_runs(struct key *a, struct key *b, size_t n)
{
	for (;;) {
		size_t i = 0;

		while (i < n) {
			size_t m = run_end(a, i, n), e = m < n ? run_end(a, m, n) : n;
			if (m == n && i == 0)
				return a; /* one run: sorted */
			merge(a + i, m - i, a + m, e - m, b + i);
			i = e;
		}
		struct key *t = a;
		a = b;
		b = t;
	}
}

static int gather(struct tshm__series *s, const struct key *k)
{
	for (unsigned c = 0; c < s->ncols; c++) {
		size_t w = s->width[c];
		char *dst = malloc((size_t)s->cap * w);
		const char *src = s->col[c];

		if (!dst)
			return -ENOMEM;
		if (w == 8)
			for (uint64_t i = 0; i < s->n; i++)
				memcpy(dst + i * 8, src + k[i].row * 8, 8);
		else
			for (uint64_t i = 0; i < s->n; i++)
				memcpy(dst + i * 4, src + k[i].row * 4, 4);
		free(s->col[c]);
		s->col[c] = dst;
	}
	return 0;
}

int tshm__series_sort(struct tshm__series *s)
{
	struct key *a, *b, *sorted;
	const int64_t *ts = s->col[0];
	int rc;

	if (!s->unsorted || s->n < 2)
		return 0;
	a = malloc((size_t)s->n * sizeof(*a));
	b = malloc((size_t)s->n * sizeof(*b));
	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	for (uint64_t i = 0; i < s->n; i++)
		a[i] = (struct key){ts[i], i};
	sorted = merge_runs(a, b, (size_t)s->n);
	rc = gather(s, sorted);
	free(a);
	free(b);
	if (rc < 0)
		return rc;
	s->unsorted = false;
	return 1;
}
