/* SPDX-License-Identifier: MIT */
/*
 * Bars derived from the generator's trades: one bar per period that has
 * trades (open, high, low, close, volume), plus the extras Binance klines
 * carry (trade count, taker-buy volume, quote volumes). Sums are taken mod
 * 2^64 (unsigned: no undefined behaviour); the model's price cap and lot
 * sizes keep them far below 2^63 for up to TSHM_GEN_MAX_TRADES_PER_DAY.
 */
#include "gen_internal.h"

/* The bar starting at @start over trades [@i, end of its period); returns the next trade. */
static size_t one_bar(struct tshm__gen_cols *b, const struct tshm__gen_cols *tr, size_t i,
		      int64_t start, int64_t period)
{
	const int64_t *ts = tr->c[TSHM_TRADES_TS], *px = tr->c[TSHM_TRADES_PRICE];
	const int64_t *sz = tr->c[TSHM_TRADES_SIZE];
	const int32_t *fl = tr->c[TSHM_TRADES_FLAGS];
	int64_t hi = px[i], lo = px[i];
	size_t first = i;
	uint64_t vol = 0, buy = 0, qv = 0, bqv = 0;
	size_t j = b->n++;

	for (; i < tr->n && ts[i] < start + period; i++) {
		uint64_t q = (uint64_t)px[i] * (uint64_t)sz[i];

		hi = px[i] > hi ? px[i] : hi;
		lo = px[i] < lo ? px[i] : lo;
		vol += (uint64_t)sz[i];
		qv += q;
		if (fl[i] == TSHM_TRADE_BUY) {
			buy += (uint64_t)sz[i];
			bqv += q;
		}
	}
	((int64_t *)b->c[TSHM_BARS_TS])[j] = start;
	((int64_t *)b->c[TSHM_BARS_OPEN])[j] = px[first];
	((int64_t *)b->c[TSHM_BARS_HIGH])[j] = hi;
	((int64_t *)b->c[TSHM_BARS_LOW])[j] = lo;
	((int64_t *)b->c[TSHM_BARS_CLOSE])[j] = px[i - 1];
	((int64_t *)b->c[TSHM_BARS_VOLUME])[j] = (int64_t)vol;
	((int64_t *)b->c[6])[j] = (int64_t)(i - first);
	((int64_t *)b->c[7])[j] = (int64_t)buy;
	((int64_t *)b->c[8])[j] = (int64_t)qv;
	((int64_t *)b->c[9])[j] = (int64_t)bqv;
	return i;
}

int tshm__gen_bars(struct tshm_gen_cursor *c, unsigned table, int64_t period)
{
	const struct tshm__gen_cols *tr = &c->t[TSHM_TABLE_TRADES];
	const int64_t *ts = tr->c[TSHM_TRADES_TS];
	struct tshm__gen_cols *b = &c->t[table];
	int rc;

	b->n = 0;
	/* At most one bar per trade. */
	rc = tshm__gen_cols_reserve(b, tr->n);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < tr->n;)
		i = one_bar(b, tr, i, ts[i] - ts[i] % period, period);
	return 0;
}
