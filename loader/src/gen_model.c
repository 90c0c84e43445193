/* SPDX-License-Identifier: MIT */
/*
 * The static part of the generator's model: calendar, assets, symbol
 * mappings, the corporate-action schedule and the burst timing. Everything
 * here is a function of the options and the asset index only, so adding
 * assets or days never changes what earlier ones look like.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_internal.h"

#define LAST_DAY 106750 /* 2262-04-10: timestamps are int64 ns */
#define RENAME_DAY 2u	/* trading day asset 1 takes its new symbol */

struct template
{
	const char *sym, *old, *exch, *cur;
	int32_t cls, pexp, sexp;
	int64_t tick, lot, px0; /* mantissas; px0 on the tick grid */
	uint32_t split_day;
	int64_t split_num, split_den;
	uint32_t div_first, div_every;
};

/* Classes and exponents chosen to cover cents, ticks of 0.25, FX pips and crypto lots. */
static const struct template templates[] = {
    {"ACME", "", "XNYS", "USD", TSHM_CLASS_EQUITY, -2, 0, 1, 1, 10125, 2, 2, 1, 0, 0},
    {"BOLT", "BLT", "XNAS", "USD", TSHM_CLASS_EQUITY, -2, 0, 1, 1, 4210, TSHM__GEN_NO_DAY, 1, 1, 30,
     63},
    {"BTCUSD", "", "BINANCE", "USDT", TSHM_CLASS_CRYPTO, -2, -5, 1, 100, 4213550, TSHM__GEN_NO_DAY,
     1, 1, 0, 0},
    {"EURUSD", "", "FX", "USD", TSHM_CLASS_FX, -5, 0, 1, 1000, 109512, TSHM__GEN_NO_DAY, 1, 1, 0,
     0},
    {"ESH4", "", "CME", "USD", TSHM_CLASS_FUTURE, -2, 0, 25, 1, 475000, TSHM__GEN_NO_DAY, 1, 1, 0,
     0},
    {"SPY", "", "ARCA", "USD", TSHM_CLASS_ETF, -2, 0, 1, 1, 47512, TSHM__GEN_NO_DAY, 1, 1, 4, 63},
    {"ETHUSD", "", "BINANCE", "USDT", TSHM_CLASS_CRYPTO, -2, -4, 1, 10, 229875, TSHM__GEN_NO_DAY, 1,
     1, 0, 0},
    {"ZETA", "", "XNYS", "USD", TSHM_CLASS_EQUITY, -4, 0, 1, 100, 5123, 40, 1, 4, 0, 0},
};
#define NTEMPLATES (sizeof(templates) / sizeof(templates[0]))

/* Splits of the generated equities: 2-for-1, 3-for-2, 1-for-2, 5-for-4. */
static const int64_t split_ratios[4][2] = {{2, 1}, {3, 2}, {1, 2}, {5, 4}};

static void make_calendar(struct tshm_gen *g, uint32_t n)
{
	int32_t day = g->o.first_day;

	for (uint32_t i = 0; i < n; day++) {
		int wd = (int)((day + 4) % 7); /* 1970-01-01 was a Thursday; 0 = Sunday */

		if (wd != 0 && wd != 6)
			g->days[i++] = day;
	}
}

/* Asset @a >= NTEMPLATES: template a % 8's shape at another price, a few events. */
static void vary_asset(struct tshm__gen_asset *s, uint32_t a)
{
	uint64_t h = tshm__mix64(a);
	int64_t tick = s->a.tick_size, px = s->k0 * tick * (int64_t)(50 + a * 37u % 100u) / 100;

	snprintf(s->a.symbol, sizeof(s->a.symbol), "S%04u", a);
	s->old_symbol[0] = '\0';
	s->k0 = px / tick > 0 ? px / tick : 1;
	s->split_day = TSHM__GEN_NO_DAY;
	s->div_every = 0;
	if (s->a.asset_class != TSHM_CLASS_EQUITY && s->a.asset_class != TSHM_CLASS_ETF)
		return;
	if (h % 4 == 0) {
		s->div_first = 5 + (uint32_t)((h >> 8) % 58);
		s->div_every = 63;
	}
	if ((h >> 16) % 8 == 0) {
		s->split_day = 5 + (uint32_t)((h >> 24) % 245);
		s->split_num = split_ratios[(h >> 32) % 4][0];
		s->split_den = split_ratios[(h >> 32) % 4][1];
	}
}

static void make_asset(struct tshm_gen *g, uint32_t a)
{
	const struct template *t = &templates[a % NTEMPLATES];
	struct tshm__gen_asset *s = &g->assets[a];

	memset(s, 0, sizeof(*s));
	snprintf(s->a.symbol, sizeof(s->a.symbol), "%s", t->sym);
	snprintf(s->a.exchange, sizeof(s->a.exchange), "%s", t->exch);
	snprintf(s->a.currency, sizeof(s->a.currency), "%s", t->cur);
	snprintf(s->old_symbol, sizeof(s->old_symbol), "%s", t->old);
	s->a.sid = TSHM_GEN_SID_BASE + (int64_t)a;
	s->a.asset_class = t->cls;
	s->a.price_exp = t->pexp;
	s->a.size_exp = t->sexp;
	s->a.tick_size = t->tick;
	s->a.lot_size = t->lot;
	s->a.start_ts = tshm__gen_day_ns(g->days[0]);
	s->a.end_ts = tshm__gen_day_ns(g->days[g->o.ndays - 1] + 1);
	s->k0 = t->px0 / t->tick;
	s->split_day = t->split_day;
	s->split_num = t->split_num;
	s->split_den = t->split_den;
	s->div_first = t->div_first;
	s->div_every = t->div_every;
	if (a >= NTEMPLATES)
		vary_asset(s, a);
	s->kmax = 64 * s->k0;
}

static int sym_cmp(const void *pa, const void *pb)
{
	const struct tshm_gen_symbol *a = pa, *b = pb;
	int c = strcmp(a->symbol, b->symbol);

	return c ? c : (a->start_ts > b->start_ts) - (a->start_ts < b->start_ts);
}

/* Every current symbol, plus the renamed asset's old one. */
static int make_symbols(struct tshm_gen *g)
{
	uint32_t n = g->o.nassets, k = 0;
	int64_t rename_ts = tshm__gen_day_ns(g->days[RENAME_DAY]);

	g->symbols = calloc((size_t)n + 1, sizeof(*g->symbols));
	if (!g->symbols)
		return -ENOMEM;
	for (uint32_t a = 0; a < n; a++) {
		const struct tshm__gen_asset *s = &g->assets[a];
		struct tshm_gen_symbol *m = &g->symbols[k++];

		memcpy(m->symbol, s->a.symbol, sizeof(m->symbol));
		m->start_ts = s->old_symbol[0] ? rename_ts : 0;
		m->end_ts = INT64_MAX;
		m->sid = s->a.sid;
		if (!s->old_symbol[0])
			continue;
		m = &g->symbols[k++];
		memcpy(m->symbol, s->old_symbol, sizeof(m->symbol));
		m->start_ts = 0;
		m->end_ts = rename_ts;
		m->sid = s->a.sid;
	}
	g->nsymbols = k;
	qsort(g->symbols, k, sizeof(*g->symbols), sym_cmp);
	return 0;
}

/*
 * Bursts average 6.5 trades; a burst plus its gap lasts session * 6.5 / T
 * on average. Spacing in a burst stays at least 2 ms and gaps at least 4 ms,
 * so quotes on the millisecond grid still fall between trades.
 */
static void make_timing(struct tshm_gen *g)
{
	int64_t session_us = (TSHM__GEN_CLOSE - TSHM__GEN_OPEN) / TSHM__GEN_US;
	int64_t cycle = session_us * 13 / (2 * (int64_t)g->o.trades_per_day);
	int64_t burst = cycle / 10 < 298000 ? cycle / 10 : 298000;
	int64_t gap = cycle - 11 * (2000 + burst / 2) / 2;

	gap = gap > 6000 ? gap : 6000;
	g->timing.first_us = cycle < 5000000 ? cycle : 5000000;
	g->timing.burst_us = burst > 1 ? burst : 1;
	g->timing.gap_us = 2 * (gap - 4000);
}

static int check_opts(const struct tshm_gen_opts *o)
{
	int64_t first = o->first_day ? o->first_day : TSHM_GEN_DEFAULT_FIRST_DAY;

	if (o->nassets < 1 || o->nassets > TSHM_GEN_MAX_ASSETS || o->ndays < 1 ||
	    o->ndays > TSHM_GEN_MAX_DAYS || o->trades_per_day > TSHM_GEN_MAX_TRADES_PER_DAY ||
	    o->flags || o->reserved || first < 0)
		return -EINVAL;
	/* Seven calendar days hold five trading days; a few more for the rename day. */
	if (first + ((int64_t)o->ndays + RENAME_DAY) * 7 / 5 + 7 > LAST_DAY)
		return -EINVAL;
	return 0;
}

int tshm_gen_new(struct tshm_gen **out, const struct tshm_gen_opts *o)
{
	struct tshm_gen *g;
	uint32_t ncal;
	int rc;

	*out = NULL;
	if (!o || check_opts(o) < 0)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->o = *o;
	if (!g->o.trades_per_day)
		g->o.trades_per_day = TSHM_GEN_DEFAULT_TRADES_PER_DAY;
	if (!g->o.first_day)
		g->o.first_day = TSHM_GEN_DEFAULT_FIRST_DAY;
	g->root = tshm__rng_seed(g->o.seed);
	ncal = o->ndays > RENAME_DAY ? o->ndays : RENAME_DAY + 1;
	g->days = calloc(ncal, sizeof(*g->days));
	g->assets = calloc(o->nassets, sizeof(*g->assets));
	if (!g->days || !g->assets) {
		tshm_gen_free(g);
		return -ENOMEM;
	}
	make_calendar(g, ncal);
	for (uint32_t a = 0; a < o->nassets; a++)
		make_asset(g, a);
	make_timing(g);
	rc = make_symbols(g);
	if (rc < 0) {
		tshm_gen_free(g);
		return rc;
	}
	*out = g;
	return 0;
}

void tshm_gen_free(struct tshm_gen *g)
{
	if (!g)
		return;
	free(g->days);
	free(g->assets);
	free(g->symbols);
	free(g);
}

const struct tshm_gen_opts *tshm_gen_get_opts(const struct tshm_gen *g)
{
	return &g->o;
}

int32_t tshm_gen_day(const struct tshm_gen *g, uint32_t d)
{
	return d < g->o.ndays ? g->days[d] : 0;
}

int tshm_gen_session(const struct tshm_gen *g, uint32_t d, int64_t *open_ts, int64_t *close_ts)
{
	if (d >= g->o.ndays)
		return -EINVAL;
	*open_ts = tshm__gen_day_ns(g->days[d]) + TSHM__GEN_OPEN;
	*close_ts = tshm__gen_day_ns(g->days[d]) + TSHM__GEN_CLOSE;
	return 0;
}

int tshm_gen_asset(const struct tshm_gen *g, uint32_t a, struct tshm_asset *out)
{
	if (a >= g->o.nassets)
		return -EINVAL;
	*out = g->assets[a].a;
	return 0;
}

uint32_t tshm_gen_nsymbols(const struct tshm_gen *g)
{
	return g->nsymbols;
}

int tshm_gen_symbol(const struct tshm_gen *g, uint32_t i, struct tshm_gen_symbol *out)
{
	if (i >= g->nsymbols)
		return -EINVAL;
	*out = g->symbols[i];
	return 0;
}
