/* SPDX-License-Identifier: MIT */
#include "perf_bundle.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "perf_util.h"

#define T0_NS INT64_C(1704153600000000000) /* 2024-01-02 00:00 UTC */
#define SESSION_OPEN_NS PERF_SESSION_OPEN_NS
#define SESSION_LEN_NS PERF_SESSION_LEN_NS

struct trade_cols {
	int64_t *ts, *px, *sz, *id;
	int32_t *fl;
};

int64_t perf_bundle_sid(uint32_t a)
{
	return 100 + 10 * (int64_t)a;
}

int64_t perf_bundle_first_ns(const struct perf_bundle_spec *s)
{
	(void)s;
	return T0_NS;
}

int64_t perf_bundle_end_ns(const struct perf_bundle_spec *s)
{
	return T0_NS + (int64_t)s->ndays * TSHM_DAY_NS;
}

void perf_bundle_sized(uint64_t column_bytes, uint32_t nassets, uint32_t ndays,
		       struct perf_bundle_spec *out)
{
	uint64_t per_day = (uint64_t)nassets * ndays * PERF_TRADE_ROW_BYTES;

	out->nassets = nassets;
	out->ndays = ndays;
	out->trades_per_day = (column_bytes + per_day / 2) / per_day;
	if (out->trades_per_day == 0)
		out->trades_per_day = 1;
}

static void spec_of(const struct perf_bundle_spec *s, struct tshm_layout_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->nassets = s->nassets;
	spec->tables[TSHM_TABLE_SYMBOLS].nrows = s->nassets;
	spec->tables[TSHM_TABLE_SESSIONS].nrows = s->ndays;
	spec->tables[TSHM_TABLE_TRADES].nrows = (uint64_t)s->nassets * s->ndays * s->trades_per_day;
	spec->tables[TSHM_TABLE_TRADES].day0 = tshm_day_of(T0_NS);
	spec->tables[TSHM_TABLE_TRADES].ndays = s->ndays;
}

/* Symbols "S00000", "S00001", ...: numeric order is strcmp order. */
static int fill_assets(struct tshm_writer *w, const struct perf_bundle_spec *s)
{
	int rc = 0;

	for (uint32_t a = 0; a < s->nassets && rc == 0; a++) {
		struct tshm_asset as = {
		    .sid = perf_bundle_sid(a),
		    .exchange = "PERF",
		    .currency = "USD",
		    .asset_class = TSHM_CLASS_EQUITY,
		    .price_exp = -4,
		    .tick_size = 1,
		    .lot_size = 1,
		    .start_ts = T0_NS,
		    .end_ts = perf_bundle_end_ns(s),
		};
		snprintf(as.symbol, sizeof(as.symbol), "S%05u", a);
		rc = tshm_writer_set_asset(w, a, &as);
	}
	return rc;
}

static void fill_symbols(struct tshm_writer *w, const struct perf_bundle_spec *s)
{
	char *sym = tshm_writer_column(w, TSHM_TABLE_SYMBOLS, TSHM_SYMBOLS_SYMBOL);
	int64_t *st = tshm_writer_column(w, TSHM_TABLE_SYMBOLS, TSHM_SYMBOLS_START_TS);
	int64_t *en = tshm_writer_column(w, TSHM_TABLE_SYMBOLS, TSHM_SYMBOLS_END_TS);
	int64_t *sid = tshm_writer_column(w, TSHM_TABLE_SYMBOLS, TSHM_SYMBOLS_SID);

	for (uint32_t a = 0; a < s->nassets; a++) {
		snprintf(sym + (size_t)a * TSHM_SYMBOL_MAX, TSHM_SYMBOL_MAX, "S%05u", a);
		st[a] = 0;
		en[a] = INT64_MAX;
		sid[a] = perf_bundle_sid(a);
	}
}

static void fill_sessions(struct tshm_writer *w, const struct perf_bundle_spec *s)
{
	int32_t *day = tshm_writer_column(w, TSHM_TABLE_SESSIONS, TSHM_SESSIONS_DAY);
	int64_t *op = tshm_writer_column(w, TSHM_TABLE_SESSIONS, TSHM_SESSIONS_OPEN_TS);
	int64_t *cl = tshm_writer_column(w, TSHM_TABLE_SESSIONS, TSHM_SESSIONS_CLOSE_TS);

	for (uint32_t d = 0; d < s->ndays; d++) {
		int64_t start = T0_NS + (int64_t)d * TSHM_DAY_NS;

		day[d] = tshm_day_of(start);
		op[d] = start + SESSION_OPEN_NS;
		cl[d] = start + SESSION_OPEN_NS + SESSION_LEN_NS;
	}
}

/* One asset's rows from @r: evenly spaced trades in each day's session. */
static uint64_t fill_asset_trades(const struct trade_cols *c, const struct perf_bundle_spec *s,
				  uint32_t a, uint64_t r)
{
	int64_t step = SESSION_LEN_NS / (int64_t)s->trades_per_day;
	uint64_t x = UINT64_C(0x9e3779b97f4a7c15) ^ ((uint64_t)a + 1);
	int64_t px = 1000000 + 10000 * (int64_t)a;

	for (uint32_t d = 0; d < s->ndays; d++) {
		int64_t t = T0_NS + (int64_t)d * TSHM_DAY_NS + SESSION_OPEN_NS + (int64_t)a;

		for (uint64_t i = 0; i < s->trades_per_day; i++, r++, t += step) {
			x ^= x << 13; /* xorshift64: three shifts a row */
			x ^= x >> 7;
			x ^= x << 17;
			px += (int64_t)((x >> 62) & 2) - 1;
			px = px < 1 ? 1 : px;
			c->ts[r] = t;
			c->px[r] = px;
			c->sz[r] = 1 + (int64_t)((x >> 20) & 511);
			c->fl[r] = (x & 1) ? TSHM_TRADE_BUY : TSHM_TRADE_SELL;
			c->id[r] = (int64_t)r + 1;
		}
	}
	return r;
}

/*
 * Map every page of the trades columns in one call before filling them.
 * Best effort: without it each page faults on first write, which on the
 * development VM costs ~7 s for 4 GiB instead of ~1 s.
 */
static void populate(const struct trade_cols *c, uint64_t nrows)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	const void *start[] = {c->ts, c->px, c->sz, c->id, c->fl};
	const size_t width[] = {8, 8, 8, 8, 4};

	for (size_t k = 0; k < sizeof(width) / sizeof(width[0]); k++) {
		uintptr_t a = (uintptr_t)start[k], b = a + (uintptr_t)(nrows * width[k]);

		lo = a < lo ? a : lo;
		hi = b > hi ? b : hi;
	}
	lo &= ~(page - 1);
	hi = (hi + page - 1) & ~(page - 1);
	madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
#else
	(void)c;
	(void)nrows;
#endif
}

static void fill_trades(struct tshm_writer *w, const struct perf_bundle_spec *s)
{
	struct trade_cols c = {
	    .ts = tshm_writer_column(w, TSHM_TABLE_TRADES, TSHM_TRADES_TS),
	    .px = tshm_writer_column(w, TSHM_TABLE_TRADES, TSHM_TRADES_PRICE),
	    .sz = tshm_writer_column(w, TSHM_TABLE_TRADES, TSHM_TRADES_SIZE),
	    .id = tshm_writer_column(w, TSHM_TABLE_TRADES, TSHM_TRADES_ID),
	    .fl = tshm_writer_column(w, TSHM_TABLE_TRADES, TSHM_TRADES_FLAGS),
	};
	uint64_t *idx = tshm_writer_row_index(w, TSHM_TABLE_TRADES);
	uint64_t r = 0;

	populate(&c, (uint64_t)s->nassets * s->ndays * s->trades_per_day);
	for (uint32_t a = 0; a < s->nassets; a++) {
		idx[a] = r;
		r = fill_asset_trades(&c, s, a, r);
	}
	idx[s->nassets] = r;
}

uint64_t perf_view_column_bytes(const struct tshm_view *v)
{
	uint64_t total = 0;

	for (unsigned t = 0; t < TSHM_TABLE_COUNT; t++) {
		struct tshm_table_info ti;
		struct tshm_column_info ci;

		if (tshm_view_table(v, t, &ti) < 0)
			continue;
		for (unsigned c = 0; c < ti.ncols; c++)
			if (tshm_view_column(v, t, c, &ci) == 0)
				total += ti.nrows * ci.width;
	}
	return total;
}

/* Attach what was just published to count its column bytes. */
static int measure(struct tshm_catalog *cat, const char *bundle, struct perf_bundle_info *info)
{
	struct tshm_view *v;
	int rc = tshm_view_open(&v, cat, bundle);

	if (rc < 0)
		return rc;
	info->column_bytes = perf_view_column_bytes(v);
	tshm_view_unref(v);
	return 0;
}

static int commit_publish(struct tshm_writer *w, struct perf_bundle_info *info)
{
	uint64_t t0 = perf_now_ns(), t1;
	int bad = -1, rc = tshm_writer_commit(w, &bad);

	if (rc < 0) {
		fprintf(stderr, "perf: commit failed (table %d): %s\n", bad, tshm_strerror(rc));
		return rc;
	}
	t1 = perf_now_ns();
	rc = tshm_writer_publish(w);
	info->commit_s = (double)(t1 - t0) / 1e9;
	info->publish_s = (double)(perf_now_ns() - t1) / 1e9;
	return rc;
}

int perf_bundle_build(struct tshm_catalog *cat, const char *bundle,
		      const struct perf_bundle_spec *s, struct perf_bundle_info *info)
{
	struct perf_bundle_info scratch;
	struct tshm_layout_spec spec;
	struct tshm_writer *w;
	uint64_t t0;
	int rc;

	info = info ? info : &scratch;
	memset(info, 0, sizeof(*info));
	spec_of(s, &spec);
	rc = tshm_layout_size(&spec, &info->segment_bytes);
	if (rc < 0)
		return rc;
	info->trades = spec.tables[TSHM_TABLE_TRADES].nrows;
	t0 = perf_now_ns();
	rc = tshm_writer_create(&w, cat, bundle, &spec, NULL);
	if (rc < 0)
		return rc;
	info->create_s = (double)(perf_now_ns() - t0) / 1e9;
	t0 = perf_now_ns();
	rc = fill_assets(w, s);
	fill_symbols(w, s);
	fill_sessions(w, s);
	fill_trades(w, s);
	info->fill_s = (double)(perf_now_ns() - t0) / 1e9;
	if (rc == 0)
		rc = commit_publish(w, info);
	tshm_writer_destroy(w);
	return rc < 0 ? rc : measure(cat, bundle, info);
}
