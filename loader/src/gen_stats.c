/* SPDX-License-Identifier: MIT */
/* What the generator's writers report (struct tshm_gen_stats). */
#include <string.h>
#include <time.h>

#include "bundle_internal.h"
#include "gen_internal.h"

void tshm__gen_stats_begin(struct tshm_gen_stats *st, const struct tshm_gen *g)
{
	if (!st)
		return;
	memset(st, 0, sizeof(*st));
	st->bad_table = -1;
	st->elapsed_ns = tshm__bundle_mono_ns(); /* the start, until stats_end */
	if (!g)
		return;
	st->rows[TSHM_TABLE_ASSETS] = g->o.nassets;
	st->rows[TSHM_TABLE_SYMBOLS] = g->nsymbols;
	st->rows[TSHM_TABLE_SESSIONS] = g->o.ndays;
}

void tshm__gen_stats_add(struct tshm_gen_stats *st, const struct tshm_gen_day *d)
{
	if (!st)
		return;
	for (unsigned t = TSHM_TABLE_TRADES; t < TSHM_TABLE_COUNT; t++) {
		const struct tshm_schema_table *s = tshm_schema_table(t);
		uint64_t row_bytes = 0;

		st->rows[t] += d->tables[t].nrows;
		if (t == TSHM_TABLE_ADJUSTMENTS)
			continue; /* rows of metadata, not column chunks */
		for (unsigned c = 0; c < s->ncols; c++)
			row_bytes += s->cols[c].width;
		st->raw_bytes += d->tables[t].nrows * row_bytes;
	}
}

void tshm__gen_stats_end(struct tshm_gen_stats *st)
{
	if (st)
		st->elapsed_ns = tshm__bundle_mono_ns() - st->elapsed_ns;
}
