/* SPDX-License-Identifier: MIT */
/*
 * The generator's market data, one asset-day at a time: corporate actions
 * at the open, then bursts of trades on the tick grid with a quote just
 * before each trade and one in every quiet gap, then the bars (gen_bars.c).
 *
 * Timing invariants the tests rely on: trades are on whole microseconds at
 * least 2 ms apart; a trade's quote is on the millisecond grid at most 2 ms
 * before it and after the previous trade; a gap of at least 4 ms holds its
 * own quote strictly between the two. So quotes are strictly increasing on
 * whole milliseconds and the quote in force at every trade brackets it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen_internal.h"

static const uint8_t widths[TSHM_TABLE_COUNT][TSHM_GEN_MAX_COLS + 4] = {
    [TSHM_TABLE_TRADES] = {8, 8, 8, 4, 8},
    [TSHM_TABLE_QUOTES] = {8, 8, 8, 8, 8},
    [TSHM_TABLE_BARS_1M] = {8, 8, 8, 8, 8, 8, 8, 8, 8, 8},
    [TSHM_TABLE_BARS_1D] = {8, 8, 8, 8, 8, 8, 8, 8, 8, 8},
    [TSHM_TABLE_ADJUSTMENTS] = {8, 4, 8, 8, 8},
};

int tshm__gen_cols_reserve(struct tshm__gen_cols *cols, size_t need)
{
	size_t cap = cols->cap ? cols->cap : 1024;

	if (need <= cols->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	for (unsigned i = 0; i < cols->ncols; i++) {
		void *p = realloc(cols->c[i], cap * cols->width[i]);

		if (!p)
			return -ENOMEM;
		cols->c[i] = p;
	}
	cols->cap = cap;
	return 0;
}

int tshm_gen_cursor_new(struct tshm_gen_cursor **out, const struct tshm_gen *g)
{
	struct tshm_gen_cursor *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->g = g;
	for (unsigned t = 0; t < TSHM_TABLE_COUNT; t++) {
		struct tshm__gen_cols *cols = &c->t[t];

		while (cols->ncols < TSHM_GEN_MAX_COLS + 4 && widths[t][cols->ncols])
			cols->ncols++;
		memcpy(cols->width, widths[t], sizeof(cols->width));
	}
	*out = c;
	return 0;
}

void tshm_gen_cursor_free(struct tshm_gen_cursor *c)
{
	if (!c)
		return;
	for (unsigned t = 0; t < TSHM_TABLE_COUNT; t++)
		for (unsigned i = 0; i < c->t[t].ncols; i++)
			free(c->t[t].c[i]);
	free(c);
}

int tshm_gen_cursor_start(struct tshm_gen_cursor *c, uint32_t a)
{
	if (a >= c->g->o.nassets)
		return -EINVAL;
	c->asset = a;
	c->next_day = 0;
	c->started = true;
	c->stream = tshm__rng_split(c->g->root, a);
	c->k = c->g->assets[a].k0;
	c->id = 0;
	return 0;
}

/* ---- corporate actions ---------------------------------------------- */

static int push_adj(struct tshm_gen_cursor *c, int64_t ts, int32_t kind, int64_t num, int64_t den,
		    int64_t amount)
{
	struct tshm__gen_cols *a = &c->t[TSHM_TABLE_ADJUSTMENTS];
	size_t i = a->n;
	int rc = tshm__gen_cols_reserve(a, i + 1);

	if (rc < 0)
		return rc;
	((int64_t *)a->c[TSHM_ADJ_TS])[i] = ts;
	((int32_t *)a->c[TSHM_ADJ_KIND])[i] = kind;
	((int64_t *)a->c[TSHM_ADJ_RATIO_NUM])[i] = num;
	((int64_t *)a->c[TSHM_ADJ_RATIO_DEN])[i] = den;
	((int64_t *)a->c[TSHM_ADJ_AMOUNT])[i] = amount;
	a->n++;
	return 0;
}

/* Events take effect at midnight UTC and move the price as real ones do. */
static int apply_events(struct tshm_gen_cursor *c, uint32_t d)
{
	const struct tshm__gen_asset *s = &c->g->assets[c->asset];
	int64_t ts = tshm__gen_day_ns(c->g->days[d]);
	int rc = 0;

	c->t[TSHM_TABLE_ADJUSTMENTS].n = 0;
	if (s->div_every && d >= s->div_first && (d - s->div_first) % s->div_every == 0) {
		int64_t ticks = c->k / 100 ? c->k / 100 : 1; /* about 1% of the price */

		rc = push_adj(c, ts, TSHM_ADJ_CASH_DIVIDEND, 1, 1, ticks * s->a.tick_size);
		c->k = c->k - ticks < 1 ? 1 : c->k - ticks;
	}
	if (rc == 0 && d == s->split_day) {
		rc = push_adj(c, ts, TSHM_ADJ_SPLIT, s->split_num, s->split_den, 0);
		c->k = (c->k * s->split_den + s->split_num / 2) / s->split_num;
		c->k = c->k < 1 ? 1 : c->k > s->kmax ? s->kmax : c->k;
	}
	return rc;
}

/* ---- trades and quotes ---------------------------------------------- */

static void put_quote(struct tshm__gen_cols *q, int64_t ts, int64_t bid, int64_t ask, uint64_t x,
		      int64_t lot)
{
	size_t i = q->n++;

	((int64_t *)q->c[TSHM_QUOTES_TS])[i] = ts;
	((int64_t *)q->c[TSHM_QUOTES_BID_PX])[i] = bid;
	((int64_t *)q->c[TSHM_QUOTES_BID_SZ])[i] = lot * (int64_t)(1 + (x & 0xffff) % 50);
	((int64_t *)q->c[TSHM_QUOTES_ASK_PX])[i] = ask;
	((int64_t *)q->c[TSHM_QUOTES_ASK_SZ])[i] = lot * (int64_t)(1 + (x >> 16 & 0xffff) % 50);
}

/* One trade at @t on the tick grid, after the quote it hit on the ms grid. */
static void put_trade(struct tshm_gen_cursor *c, struct tshm__rng *r, int64_t t)
{
	const struct tshm__gen_asset *s = &c->g->assets[c->asset];
	struct tshm__gen_cols *tr = &c->t[TSHM_TABLE_TRADES], *q = &c->t[TSHM_TABLE_QUOTES];
	uint64_t x = tshm__rng_next(r);
	int64_t step = x % 16 < 5 ? -1 : x % 16 < 11 ? 0 : 1, tick = s->a.tick_size;
	int64_t spread = tick * (int64_t)(1 + (x >> 21 & 1)), px, qt;
	size_t i = tr->n++;
	int32_t side;

	if ((x >> 4) % 64 == 0)
		step *= 3; /* an occasional jump */
	c->k += step;
	c->k = c->k < 1 ? 1 : c->k > s->kmax ? s->kmax : c->k;
	px = c->k * tick;
	side = step > 0 ? TSHM_TRADE_BUY : step < 0 ? TSHM_TRADE_SELL : (int32_t)(x >> 20 & 1) + 1;
	qt = (t - TSHM__GEN_MS) / TSHM__GEN_MS * TSHM__GEN_MS;
	/* A buy lifts the ask, a sell hits the bid; near zero the bid stays positive. */
	if (side == TSHM_TRADE_BUY && px - spread >= tick)
		put_quote(q, qt, px - spread, px, x >> 24, s->a.lot_size);
	else
		put_quote(q, qt, px, px + spread, x >> 24, s->a.lot_size);
	((int64_t *)tr->c[TSHM_TRADES_TS])[i] = t;
	((int64_t *)tr->c[TSHM_TRADES_PRICE])[i] = px;
	((int64_t *)tr->c[TSHM_TRADES_SIZE])[i] =
	    s->a.lot_size * (int64_t)(1 + (x >> 40) % 10 * (1 + (x >> 44) % 10));
	((int32_t *)tr->c[TSHM_TRADES_FLAGS])[i] = side;
	((int64_t *)tr->c[TSHM_TRADES_ID])[i] = ++c->id;
}

/* The quote in the middle of a quiet gap (last, next): around the last price. */
static void put_gap_quote(struct tshm_gen_cursor *c, int64_t last, int64_t next, uint64_t x)
{
	const struct tshm__gen_asset *s = &c->g->assets[c->asset];
	int64_t tick = s->a.tick_size, bid = (c->k - (int64_t)(x >> 40 & 1)) * tick;
	int64_t mid = (last + (next - last) / 2) / TSHM__GEN_MS * TSHM__GEN_MS;

	bid = bid < tick ? tick : bid;
	put_quote(&c->t[TSHM_TABLE_QUOTES], mid, bid, bid + tick * (int64_t)(1 + (x >> 41 & 1)), x,
		  s->a.lot_size);
}

/* Room for a burst of up to 12 trades, 12 quotes and a gap quote. */
static int reserve_burst(struct tshm_gen_cursor *c)
{
	int rc = tshm__gen_cols_reserve(&c->t[TSHM_TABLE_TRADES], c->t[TSHM_TABLE_TRADES].n + 12);

	return rc ? rc
		  : tshm__gen_cols_reserve(&c->t[TSHM_TABLE_QUOTES],
					   c->t[TSHM_TABLE_QUOTES].n + 13);
}

/* Bursts of 1-12 trades, quiet gaps between them, until the close. */
static int gen_session(struct tshm_gen_cursor *c, struct tshm__rng *r, int32_t day)
{
	const struct tshm__gen_timing *tm = &c->g->timing;
	int64_t open = tshm__gen_day_ns(day) + TSHM__GEN_OPEN;
	int64_t close = tshm__gen_day_ns(day) + TSHM__GEN_CLOSE;
	int64_t t = open + TSHM__GEN_MS +
		    TSHM__GEN_US *
			(int64_t)tshm__rng_below(tshm__rng_next(r), (uint64_t)tm->first_us);
	int rc = 0;

	c->t[TSHM_TABLE_TRADES].n = c->t[TSHM_TABLE_QUOTES].n = 0;
	while (t < close && (rc = reserve_burst(c)) == 0) {
		uint64_t x = tshm__rng_next(r), burst = 1 + tshm__rng_below(x, 12);
		int64_t last = t;

		for (uint64_t j = 0; j < burst && t < close; j++) {
			put_trade(c, r, t);
			last = t;
			x = tshm__rng_next(r);
			t += 2 * TSHM__GEN_MS +
			     TSHM__GEN_US * (int64_t)tshm__rng_below(x, (uint64_t)tm->burst_us);
		}
		x = tshm__rng_next(r);
		t = last + 4 * TSHM__GEN_MS +
		    TSHM__GEN_US * (int64_t)tshm__rng_below(x, (uint64_t)tm->gap_us);
		if (t < close)
			put_gap_quote(c, last, t, x);
	}
	return rc;
}

static void export_table(struct tshm_gen_day *out, const struct tshm_gen_cursor *c, unsigned t)
{
	out->tables[t].nrows = c->t[t].n;
	for (unsigned i = 0; i < c->t[t].ncols && i < TSHM_GEN_MAX_COLS; i++)
		out->tables[t].cols[i] = c->t[t].c[i];
}

static void export_day(struct tshm_gen_day *out, const struct tshm_gen_cursor *c, uint32_t d)
{
	static const unsigned tables[] = {TSHM_TABLE_TRADES, TSHM_TABLE_QUOTES, TSHM_TABLE_BARS_1M,
					  TSHM_TABLE_BARS_1D, TSHM_TABLE_ADJUSTMENTS};
	const struct tshm__gen_cols *m = &c->t[TSHM_TABLE_BARS_1M], *dd = &c->t[TSHM_TABLE_BARS_1D];

	memset(out, 0, sizeof(*out));
	out->asset = c->asset;
	out->day_index = d;
	out->day = c->g->days[d];
	out->sid = c->g->assets[c->asset].a.sid;
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		export_table(out, c, tables[i]);
	out->extra_1m = (struct tshm_gen_bar_extra){m->c[6], m->c[7], m->c[8], m->c[9]};
	out->extra_1d = (struct tshm_gen_bar_extra){dd->c[6], dd->c[7], dd->c[8], dd->c[9]};
}

int tshm_gen_cursor_next(struct tshm_gen_cursor *c, struct tshm_gen_day *out)
{
	uint32_t d = c->next_day;
	struct tshm__rng r;
	int rc;

	if (!c->started)
		return -EINVAL;
	if (d >= c->g->o.ndays)
		return 0;
	r = tshm__rng_split(c->stream, d);
	rc = apply_events(c, d);
	if (rc == 0)
		rc = gen_session(c, &r, c->g->days[d]);
	if (rc == 0)
		rc = tshm__gen_bars(c, TSHM_TABLE_BARS_1M, TSHM__GEN_MINUTE);
	if (rc == 0)
		rc = tshm__gen_bars(c, TSHM_TABLE_BARS_1D, TSHM_DAY_NS);
	if (rc < 0)
		return rc;
	c->next_day = d + 1;
	export_day(out, c, d);
	return 1;
}
