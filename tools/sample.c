/* SPDX-License-Identifier: MIT */
/*
 * A deterministic synthetic bundle that exercises every table: realistic
 * enough to show what the layout does (bursty trades, quotes around them,
 * bars derived from the trades, corporate actions visible in the prices,
 * a symbol rename), small enough to build in a blink. Each asset draws from
 * its own random stream, so adding assets or days leaves the others alone.
 */
#include "sample.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define SEC INT64_C(1000000000)
#define MS (SEC / 1000)
#define US (SEC / 1000000)
#define MINUTE (60 * SEC)
#define SESSION_OPEN (INT64_C(52200) * SEC)  /* 14:30 UTC */
#define SESSION_CLOSE (INT64_C(75600) * SEC) /* 21:00 UTC */
#define FIRST_DAY 19724			     /* 2024-01-02, a Tuesday */
#define SID_BASE 1000

struct asset_spec {
	char sym[TSHM_SYMBOL_MAX];
	char exch[TSHM_EXCHANGE_MAX];
	char cur[TSHM_CURRENCY_MAX];
	int32_t cls, pexp, sexp;
	int64_t tick, lot, px0; /* mantissas; px0 is on the tick grid */
};

/* Classes and exponents chosen to cover cents, ticks of 0.25, FX pips and crypto lots. */
static const struct asset_spec templates[] = {
    {"ACME", "XNYS", "USD", TSHM_CLASS_EQUITY, -2, 0, 1, 1, 10125},
    {"BOLT", "XNAS", "USD", TSHM_CLASS_EQUITY, -2, 0, 1, 1, 4210},
    {"BTCUSD", "BINANCE", "USDT", TSHM_CLASS_CRYPTO, -2, -5, 1, 100, 4213550},
    {"EURUSD", "FX", "USD", TSHM_CLASS_FX, -5, 0, 1, 1000, 109512},
    {"ESH4", "CME", "USD", TSHM_CLASS_FUTURE, -2, 0, 25, 1, 475000},
    {"SPY", "ARCA", "USD", TSHM_CLASS_ETF, -2, 0, 1, 1, 47512},
    {"ETHUSD", "BINANCE", "USDT", TSHM_CLASS_CRYPTO, -2, -4, 1, 10, 229875},
    {"ZETA", "XNYS", "USD", TSHM_CLASS_EQUITY, -4, 0, 1, 100, 5123},
};
#define NTEMPLATES (sizeof(templates) / sizeof(templates[0]))

/* What the renamed asset (index 0 or 1) was called before the rename. */
static const char *const old_names[2] = {"ACM", "BLT"};

/* Rows of one table, all columns held as int64 until copied into the segment. */
struct rows {
	int64_t *c[TSHM_BARS_NCOLS];
	unsigned ncols;
	size_t n, cap;
	uint64_t *idx; /* per-asset tables: first row of each asset, nassets + 1 */
};

struct gen {
	const struct cli_sample_opts *o;
	int32_t *days; /* trading days, days since the epoch */
	struct asset_spec *assets;
	struct rows t[TSHM_TABLE_COUNT]; /* sessions and the per-asset tables */
	uint32_t rename_asset, split_asset, div_asset;
	uint32_t split_day, div_day; /* indices into days */
	int64_t rename_ts;
};

/* One asset's random walk. */
struct walk {
	uint64_t rng;
	const struct asset_spec *s;
	int64_t k;  /* price in ticks */
	int64_t id; /* last trade id */
};

static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static int64_t day_ns(int32_t day)
{
	return (int64_t)day * TSHM_DAY_NS;
}

/* ---- row buffers -------------------------------------------------------- */

static int rows_push(struct rows *r, const int64_t *vals)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 4096;

		for (unsigned c = 0; c < r->ncols; c++) {
			int64_t *p = realloc(r->c[c], cap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			r->c[c] = p;
		}
		r->cap = cap;
	}
	for (unsigned c = 0; c < r->ncols; c++)
		r->c[c][r->n] = vals[c];
	r->n++;
	return 0;
}

static void rows_free(struct rows *r)
{
	for (unsigned c = 0; c < r->ncols; c++)
		free(r->c[c]);
	free(r->idx);
}

/* ---- calendar and assets ------------------------------------------------ */

static void make_calendar(struct gen *g)
{
	int32_t day = FIRST_DAY;

	for (uint32_t i = 0; i < g->o->ndays; day++) {
		int wd = (int)((day + 4) % 7); /* 1970-01-01 was a Thursday; 0 = Sunday */

		if (wd != 0 && wd != 6)
			g->days[i++] = day;
	}
}

static void make_assets(struct gen *g)
{
	uint32_t n = g->o->nassets;

	for (uint32_t a = 0; a < n; a++) {
		struct asset_spec *s = &g->assets[a];

		if (a < NTEMPLATES) {
			*s = templates[a];
			continue;
		}
		memset(s, 0, sizeof(*s));
		snprintf(s->sym, sizeof(s->sym), "S%04u", a);
		memcpy(s->exch, "XTST", 4);
		memcpy(s->cur, "USD", 3);
		s->cls = TSHM_CLASS_EQUITY;
		s->pexp = -2;
		s->tick = s->lot = 1;
		s->px0 = 1000 + (int64_t)(a * 37u % 9000u);
	}
	g->rename_asset = n > 1 ? 1 : 0;
	g->split_asset = 0;
	g->div_asset = n > 5 ? 5 : n - 1;
	g->split_day = g->o->ndays / 2;
	g->div_day = g->o->ndays - 1;
	g->rename_ts = day_ns(g->days[g->o->ndays / 2]);
}

/* ---- trades and quotes -------------------------------------------------- */

static int push_quote(struct gen *g, int64_t t, int64_t bid, int64_t ask, uint64_t x,
		      const struct asset_spec *s)
{
	int64_t q[TSHM_QUOTES_NCOLS];

	q[TSHM_QUOTES_TS] = t;
	q[TSHM_QUOTES_BID_PX] = bid;
	q[TSHM_QUOTES_BID_SZ] = s->lot * (int64_t)(1 + x % 50);
	q[TSHM_QUOTES_ASK_PX] = ask;
	q[TSHM_QUOTES_ASK_SZ] = s->lot * (int64_t)(1 + (x >> 8) % 50);
	return rows_push(&g->t[TSHM_TABLE_QUOTES], q);
}

/* One trade at @t on the tick grid, with the quote it hit just before it. */
static int push_trade(struct gen *g, struct walk *w, int64_t t)
{
	uint64_t x = next(&w->rng);
	int64_t step = x % 16 < 5 ? -1 : x % 16 < 11 ? 0 : 1, tick = w->s->tick, spread, px;
	int64_t tr[TSHM_TRADES_NCOLS];
	int side;
	int rc;

	if ((x >> 4) % 64 == 0)
		step *= 3; /* an occasional jump */
	w->k = w->k + step < 1 ? 1 : w->k + step;
	px = w->k * tick;
	side = step > 0 ? TSHM_TRADE_BUY : step < 0 ? TSHM_TRADE_SELL : (int)((x >> 20) & 1) + 1;
	spread = tick * (int64_t)(1 + (x >> 21) % 2);
	/* A buy lifts the ask, a sell hits the bid; near zero the bid stays positive. */
	if (side == TSHM_TRADE_BUY && px - spread >= tick)
		rc = push_quote(g, t - 200 * US, px - spread, px, x >> 24, w->s);
	else
		rc = push_quote(g, t - 200 * US, px, px + spread, x >> 24, w->s);
	tr[TSHM_TRADES_TS] = t;
	tr[TSHM_TRADES_PRICE] = px;
	tr[TSHM_TRADES_SIZE] = w->s->lot * (int64_t)(1 + (x >> 40) % 10 * (1 + (x >> 44) % 10));
	tr[TSHM_TRADES_FLAGS] = side;
	tr[TSHM_TRADES_ID] = ++w->id;
	return rc ? rc : rows_push(&g->t[TSHM_TABLE_TRADES], tr);
}

/*
 * Bursts of 1-12 trades 1-300 ms apart, separated by quiet gaps of 1-90 s
 * with one quote refresh in the middle: a few thousand trades a session.
 */
static int gen_session(struct gen *g, struct walk *w, int32_t day)
{
	int64_t t = day_ns(day) + SESSION_OPEN + (int64_t)(next(&w->rng) % (5 * SEC));
	int64_t close = day_ns(day) + SESSION_CLOSE, last = t;
	int rc = 0;

	while (t < close && rc == 0) {
		uint64_t burst = 1 + next(&w->rng) % 12, x;
		int64_t mid, bid;

		for (uint64_t j = 0; j < burst && t < close && rc == 0; j++) {
			rc = push_trade(g, w, t);
			last = t;
			t += MS + (int64_t)(next(&w->rng) % (300 * MS));
		}
		x = next(&w->rng);
		t = last + SEC + (int64_t)(x % (90 * SEC));
		mid = last + (t - last) / 2;
		bid = (w->k - (int64_t)((x >> 40) & 1)) * w->s->tick;
		bid = bid < w->s->tick ? w->s->tick : bid;
		if (mid < close && rc == 0)
			rc = push_quote(g, mid, bid,
					bid + w->s->tick * (int64_t)(1 + (x >> 41) % 2), x >> 8,
					w->s);
	}
	return rc;
}

/* ---- corporate actions -------------------------------------------------- */

static int push_adj(struct gen *g, int64_t ts, int kind, int64_t num, int64_t den, int64_t amt)
{
	int64_t r[TSHM_ADJ_NCOLS] = {[TSHM_ADJ_TS] = ts,
				     [TSHM_ADJ_KIND] = kind,
				     [TSHM_ADJ_RATIO_NUM] = num,
				     [TSHM_ADJ_RATIO_DEN] = den,
				     [TSHM_ADJ_AMOUNT] = amt};

	return rows_push(&g->t[TSHM_TABLE_ADJUSTMENTS], r);
}

/* Events at day @d's open move the price as the real ones would: unadjusted data. */
static int apply_events(struct gen *g, struct walk *w, uint32_t a, uint32_t d)
{
	int64_t open = day_ns(g->days[d]) + SESSION_OPEN;
	int rc = 0;

	if (a == g->div_asset && d == g->div_day) {
		int64_t ticks = w->k / 100 ? w->k / 100 : 1; /* about 1% of the price */

		rc = push_adj(g, open - MINUTE, TSHM_ADJ_CASH_DIVIDEND, 1, 1, ticks * w->s->tick);
		w->k = w->k - ticks < 1 ? 1 : w->k - ticks;
	}
	if (rc == 0 && a == g->split_asset && d == g->split_day) {
		rc = push_adj(g, open, TSHM_ADJ_SPLIT, 2, 1, 0); /* 2-for-1 */
		w->k = (w->k + 1) / 2;
	}
	return rc;
}

/* ---- bars --------------------------------------------------------------- */

/* Aggregate trades [@first, @end) into bars of @period ns in table @t. */
static int gen_bars(struct gen *g, unsigned t, int64_t period, size_t first, size_t end)
{
	const struct rows *tr = &g->t[TSHM_TABLE_TRADES];
	const int64_t *ts = tr->c[TSHM_TRADES_TS], *px = tr->c[TSHM_TRADES_PRICE];
	const int64_t *sz = tr->c[TSHM_TRADES_SIZE];
	int rc = 0;

	for (size_t i = first; i < end && rc == 0;) {
		int64_t start = ts[i] - ts[i] % period, b[TSHM_BARS_NCOLS];

		b[TSHM_BARS_TS] = start;
		b[TSHM_BARS_OPEN] = b[TSHM_BARS_HIGH] = b[TSHM_BARS_LOW] = px[i];
		b[TSHM_BARS_VOLUME] = 0;
		for (; i < end && ts[i] < start + period; i++) {
			b[TSHM_BARS_HIGH] = px[i] > b[TSHM_BARS_HIGH] ? px[i] : b[TSHM_BARS_HIGH];
			b[TSHM_BARS_LOW] = px[i] < b[TSHM_BARS_LOW] ? px[i] : b[TSHM_BARS_LOW];
			b[TSHM_BARS_CLOSE] = px[i];
			b[TSHM_BARS_VOLUME] += sz[i];
		}
		rc = rows_push(&g->t[t], b);
	}
	return rc;
}

static void mark_asset_start(struct gen *g, uint32_t a)
{
	for (unsigned t = TSHM_TABLE_TRADES; t <= TSHM_TABLE_ADJUSTMENTS; t++)
		g->t[t].idx[a] = g->t[t].n;
}

static int gen_asset(struct gen *g, uint32_t a)
{
	struct walk w = {.rng = g->o->seed * UINT64_C(1000003) + a, .s = &g->assets[a]};
	size_t first = g->t[TSHM_TABLE_TRADES].n;
	int rc = 0;

	w.k = w.s->px0 / w.s->tick;
	mark_asset_start(g, a);
	for (uint32_t d = 0; d < g->o->ndays && rc == 0; d++) {
		rc = apply_events(g, &w, a, d);
		if (rc == 0)
			rc = gen_session(g, &w, g->days[d]);
	}
	if (rc == 0)
		rc = gen_bars(g, TSHM_TABLE_BARS_1M, MINUTE, first, g->t[TSHM_TABLE_TRADES].n);
	if (rc == 0)
		rc = gen_bars(g, TSHM_TABLE_BARS_1D, TSHM_DAY_NS, first, g->t[TSHM_TABLE_TRADES].n);
	return rc;
}

static int gen_sessions(struct gen *g)
{
	int rc = 0;

	for (uint32_t d = 0; d < g->o->ndays && rc == 0; d++) {
		int64_t r[TSHM_SESSIONS_NCOLS] = {
		    [TSHM_SESSIONS_DAY] = g->days[d],
		    [TSHM_SESSIONS_OPEN_TS] = day_ns(g->days[d]) + SESSION_OPEN,
		    [TSHM_SESSIONS_CLOSE_TS] = day_ns(g->days[d]) + SESSION_CLOSE,
		};

		rc = rows_push(&g->t[TSHM_TABLE_SESSIONS], r);
	}
	return rc;
}

static int generate(struct gen *g)
{
	static const unsigned ncols[TSHM_TABLE_COUNT] = {
	    [TSHM_TABLE_SESSIONS] = TSHM_SESSIONS_NCOLS, [TSHM_TABLE_TRADES] = TSHM_TRADES_NCOLS,
	    [TSHM_TABLE_QUOTES] = TSHM_QUOTES_NCOLS,	 [TSHM_TABLE_BARS_1M] = TSHM_BARS_NCOLS,
	    [TSHM_TABLE_BARS_1D] = TSHM_BARS_NCOLS,	 [TSHM_TABLE_ADJUSTMENTS] = TSHM_ADJ_NCOLS,
	};
	uint32_t n = g->o->nassets;
	int rc;

	g->days = calloc(g->o->ndays, sizeof(*g->days));
	g->assets = calloc(n, sizeof(*g->assets));
	for (unsigned t = 0; t < TSHM_TABLE_COUNT; t++) {
		g->t[t].ncols = ncols[t];
		if (t >= TSHM_TABLE_TRADES && !(g->t[t].idx = calloc(n + 1, sizeof(uint64_t))))
			return -ENOMEM;
	}
	if (!g->days || !g->assets)
		return -ENOMEM;
	make_calendar(g);
	make_assets(g);
	rc = gen_sessions(g);
	for (uint32_t a = 0; a < n && rc == 0; a++)
		rc = gen_asset(g, a);
	if (rc == 0)
		mark_asset_start(g, n); /* closes the last asset's row range */
	return rc;
}

/* ---- into the segment --------------------------------------------------- */

static int fill_assets(struct tshm_writer *w, const struct gen *g)
{
	uint32_t nd = g->o->ndays;
	int rc = 0;

	for (uint32_t a = 0; a < g->o->nassets && rc == 0; a++) {
		const struct asset_spec *s = &g->assets[a];
		struct tshm_asset as = {
		    .sid = SID_BASE + a,
		    .asset_class = s->cls,
		    .price_exp = s->pexp,
		    .size_exp = s->sexp,
		    .tick_size = s->tick,
		    .lot_size = s->lot,
		    .start_ts = day_ns(g->days[0]),
		    .end_ts = day_ns(g->days[nd - 1] + 1),
		};
		memcpy(as.symbol, s->sym, TSHM_SYMBOL_MAX);
		memcpy(as.exchange, s->exch, TSHM_EXCHANGE_MAX);
		memcpy(as.currency, s->cur, TSHM_CURRENCY_MAX);
		rc = tshm_writer_set_asset(w, a, &as);
	}
	return rc;
}

struct symrow {
	char sym[TSHM_SYMBOL_MAX];
	int64_t start, end, sid;
};

static int symrow_cmp(const void *pa, const void *pb)
{
	const struct symrow *a = pa, *b = pb;
	int c = strncmp(a->sym, b->sym, TSHM_SYMBOL_MAX);

	return c ? c : (a->start > b->start) - (a->start < b->start);
}

/* Every current symbol, plus the renamed asset's old one; sorted as the format wants. */
static int fill_symbols(struct tshm_writer *w, const struct gen *g)
{
	uint32_t n = g->o->nassets;
	struct symrow *r = calloc(n + 1, sizeof(*r));
	char *sym = tshm_writer_column(w, TSHM_TABLE_SYMBOLS, TSHM_SYMBOLS_SYMBOL);
	int64_t *st = tshm_writer_column(w, TSHM_TABLE_SYMBOLS, TSHM_SYMBOLS_START_TS);
	int64_t *en = tshm_writer_column(w, TSHM_TABLE_SYMBOLS, TSHM_SYMBOLS_END_TS);
	int64_t *sid = tshm_writer_column(w, TSHM_TABLE_SYMBOLS, TSHM_SYMBOLS_SID);

	if (!r)
		return -ENOMEM;
	for (uint32_t a = 0; a < n; a++) {
		memcpy(r[a].sym, g->assets[a].sym, TSHM_SYMBOL_MAX);
		r[a].start = a == g->rename_asset ? g->rename_ts : 0;
		r[a].end = INT64_MAX;
		r[a].sid = SID_BASE + a;
	}
	snprintf(r[n].sym, TSHM_SYMBOL_MAX, "%s", old_names[g->rename_asset]);
	r[n].end = g->rename_ts;
	r[n].sid = SID_BASE + g->rename_asset;
	qsort(r, n + 1, sizeof(*r), symrow_cmp);
	for (uint32_t i = 0; i <= n; i++) {
		memcpy(sym + (size_t)i * TSHM_SYMBOL_MAX, r[i].sym, TSHM_SYMBOL_MAX);
		st[i] = r[i].start;
		en[i] = r[i].end;
		sid[i] = r[i].sid;
	}
	free(r);
	return 0;
}

/* Copy a row buffer in; @i32 marks the columns stored as int32. */
static int fill_table(struct tshm_writer *w, unsigned t, const struct rows *r, unsigned i32,
		      uint32_t nassets)
{
	uint64_t *idx = tshm_writer_row_index(w, t);

	for (unsigned c = 0; c < r->ncols; c++) {
		void *dst = tshm_writer_column(w, t, c);

		if (!dst)
			return -EINVAL;
		if (!(i32 & (1u << c))) {
			memcpy(dst, r->c[c], r->n * sizeof(int64_t));
			continue;
		}
		for (size_t i = 0; i < r->n; i++)
			((int32_t *)dst)[i] = (int32_t)r->c[c][i];
	}
	if (r->idx && !idx)
		return -EINVAL;
	if (r->idx)
		memcpy(idx, r->idx, (nassets + 1) * sizeof(*idx));
	return 0;
}

static void make_spec(const struct gen *g, struct tshm_layout_spec *spec)
{
	uint32_t nd = g->o->ndays;

	memset(spec, 0, sizeof(*spec));
	spec->nassets = g->o->nassets;
	spec->tables[TSHM_TABLE_SYMBOLS].nrows = g->o->nassets + 1;
	spec->tables[TSHM_TABLE_SESSIONS].nrows = nd;
	for (unsigned t = TSHM_TABLE_TRADES; t <= TSHM_TABLE_ADJUSTMENTS; t++) {
		spec->tables[t].nrows = g->t[t].n;
		spec->tables[t].day0 = g->days[0];
		spec->tables[t].ndays = (uint32_t)(g->days[nd - 1] - g->days[0] + 1);
	}
}

static int fill_all(struct tshm_writer *w, const struct gen *g)
{
	static const unsigned i32[TSHM_TABLE_COUNT] = {
	    [TSHM_TABLE_SESSIONS] = 1u << TSHM_SESSIONS_DAY,
	    [TSHM_TABLE_TRADES] = 1u << TSHM_TRADES_FLAGS,
	    [TSHM_TABLE_ADJUSTMENTS] = 1u << TSHM_ADJ_KIND,
	};
	int rc;

	rc = fill_assets(w, g);
	if (rc == 0)
		rc = fill_symbols(w, g);
	for (unsigned t = TSHM_TABLE_SESSIONS; t < TSHM_TABLE_COUNT && rc == 0; t++)
		rc = fill_table(w, t, &g->t[t], i32[t], g->o->nassets);
	return rc;
}

static int write_bundle(struct tshm_catalog *cat, const struct gen *g,
			struct cli_sample_result *res)
{
	struct tshm_layout_spec spec;
	struct tshm_writer *w;
	int rc;

	make_spec(g, &spec);
	rc = tshm_writer_create(&w, cat, g->o->name, &spec, NULL);
	if (rc < 0)
		return rc;
	res->generation = tshm_writer_generation(w);
	rc = fill_all(w, g);
	if (rc == 0)
		rc = tshm_writer_commit(w, &res->bad_table);
	if (rc == 0) {
		tshm_writer_hash(w, &res->hash_lo, &res->hash_hi);
		rc = tshm_writer_publish(w);
	}
	tshm_writer_destroy(w);
	return rc;
}

int cli_sample_publish(struct tshm_catalog *cat, const struct cli_sample_opts *o,
		       struct cli_sample_result *res)
{
	struct gen g = {.o = o};
	int64_t t0 = cli_mono_ns(), t1;
	int rc;

	memset(res, 0, sizeof(*res));
	res->bad_table = -1;
	if (!o->nassets || o->nassets > CLI_SAMPLE_MAX_ASSETS || !o->ndays ||
	    o->ndays > CLI_SAMPLE_MAX_DAYS)
		return -EINVAL;
	rc = generate(&g);
	t1 = cli_mono_ns();
	res->generate_ns = t1 - t0;
	if (rc == 0)
		rc = write_bundle(cat, &g, res);
	res->write_ns = cli_mono_ns() - t1;
	res->rows[TSHM_TABLE_ASSETS] = o->nassets;
	res->rows[TSHM_TABLE_SYMBOLS] = o->nassets + 1;
	for (unsigned t = TSHM_TABLE_SESSIONS; t < TSHM_TABLE_COUNT; t++) {
		res->rows[t] = g.t[t].n;
		rows_free(&g.t[t]);
	}
	free(g.days);
	free(g.assets);
	return rc;
}
