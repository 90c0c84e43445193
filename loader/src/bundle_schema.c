/* SPDX-License-Identifier: MIT */
/* Which codec each column of the segment schema (libshm) is stored with. */
#include "bundle_internal.h"

uint32_t tshm__codec_for(uint32_t table, uint32_t col)
{
	const struct tshm_schema_col *c = &tshm_schema_table(table)->cols[col];

	if (c->width == 8 && (c->kind == TSHM_KIND_TS || c->kind == TSHM_KIND_PRICE))
		return TSHM_CODEC_DELTA_SHUF_ZSTD;
	return TSHM_CODEC_SHUF_ZSTD;
}
