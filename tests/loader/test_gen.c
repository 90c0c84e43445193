/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/*
 * The synthetic data generator (tickshm/gen.h): determinism, per-asset
 * independence, the properties of the data (sorted, on the tick grid, bars
 * equal to the trades' aggregates, quotes around trades, corporate actions
 * in the prices), the exact layout of every CSV preset (read back and
 * parsed exactly), and the bundle and segment it writes.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader_test.h"
#include "tickshm/gen.h"
#include "tickshm/load.h"
#include "tshm_proc.h"

#define MAXF 16 /* fields per CSV line */

/* The built-in sample at a lower rate: every template asset, both corporate actions. */
static const struct tshm_gen_opts sample = {
    .nassets = 8, .ndays = 5, .trades_per_day = 300, .seed = 2};

static char *path_of(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static char *path_of(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	assert_true((size_t)vsnprintf(buf, len, fmt, ap) < len);
	va_end(ap);
	return buf;
}

/* The whole file, NUL-terminated; NULL if it does not exist. */
static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	if (!fp)
		return NULL;
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	buf[n] = '\0';
	if (len)
		*len = (size_t)n;
	return buf;
}

/* ---- reading CSV back --------------------------------------------------- */

struct rd {
	char path[512];
	char *buf, *pos;
	const char *eol; /* "\n" or "\r\n" */
	int line;
};

static void rd_open(struct rd *r, const char *eol, const char *path)
{
	free(r->buf);
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->buf = r->pos = slurp(path, NULL);
	if (!r->buf)
		fail_msg("missing file %s", path);
	r->eol = eol;
	r->line = 0;
}

/* Split the next line into @f; returns the field count, or -1 at the end. */
static int rd_next(struct rd *r, char **f)
{
	char *end;
	int n = 0;

	if (!r->pos || !*r->pos)
		return -1;
	end = strstr(r->pos, r->eol);
	if (!end)
		fail_msg("%s:%d: line without '%s' end", r->path, r->line + 1,
			 r->eol[0] == '\r' ? "CRLF" : "LF");
	*end = '\0';
	r->line++;
	for (char *s = r->pos; n < MAXF; n++) {
		f[n] = s;
		s = strchr(s, ',');
		if (!s) {
			n++;
			break;
		}
		*s++ = '\0';
	}
	assert_null(strchr(r->pos, '\r')); /* no stray CR inside an LF file */
	r->pos = end + strlen(r->eol);
	return n;
}

/* The next line has @want fields. */
static char **rd_row(struct rd *r, char **f, int want)
{
	int n = rd_next(r, f);

	if (n != want)
		fail_msg("%s:%d: %d fields, want %d", r->path, r->line, n, want);
	return f;
}

static void rd_header(struct rd *r, const char *want)
{
	char *end = strstr(r->pos, r->eol);

	assert_non_null(end);
	if ((size_t)(end - r->pos) != strlen(want) || strncmp(r->pos, want, strlen(want)) != 0)
		fail_msg("%s: header '%.*s', want '%s'", r->path, (int)(end - r->pos), r->pos,
			 want);
	r->pos = end + strlen(r->eol);
	r->line++;
}

static void rd_close(struct rd *r)
{
	if (r->buf && *r->pos)
		fail_msg("%s:%d: more lines than rows", r->path, r->line + 1);
	free(r->buf);
	r->buf = r->pos = NULL;
}

static int64_t dec(const struct rd *r, const char *s, int exp)
{
	int64_t v = 0;

	if (tshm_decimal_parse(s, strlen(s), exp, &v) != 0)
		fail_msg("%s:%d: '%s' is not exact at exponent %d", r->path, r->line, s, exp);
	return v;
}

static int64_t num(const struct rd *r, const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (!*s || *end)
		fail_msg("%s:%d: '%s' is not an integer", r->path, r->line, s);
	return v;
}

/* ---- generating --------------------------------------------------------- */

/* Run @fn over every day of every asset of @o. */
static void each_day(const struct tshm_gen_opts *o,
		     void (*fn)(const struct tshm_gen *, const struct tshm_asset *,
				const struct tshm_gen_day *, void *),
		     void *arg)
{
	struct tshm_gen *g;
	struct tshm_gen_cursor *c;
	struct tshm_gen_day d;
	struct tshm_asset a;

	TSHM_TEST_CHECK(tshm_gen_new(&g, o));
	TSHM_TEST_CHECK(tshm_gen_cursor_new(&c, g));
	for (uint32_t i = 0; i < o->nassets; i++) {
		TSHM_TEST_CHECK(tshm_gen_asset(g, i, &a));
		TSHM_TEST_CHECK(tshm_gen_cursor_start(c, i));
		while (tshm_gen_cursor_next(c, &d) > 0)
			fn(g, &a, &d, arg);
		assert_int_equal(tshm_gen_cursor_next(c, &d), 0);
	}
	tshm_gen_cursor_free(c);
	tshm_gen_free(g);
}

static const int64_t *col64(const struct tshm_gen_day *d, unsigned t, unsigned c)
{
	return d->tables[t].cols[c];
}

static const int32_t *col32(const struct tshm_gen_day *d, unsigned t, unsigned c)
{
	return d->tables[t].cols[c];
}

static void date_of(int32_t day, char *buf)
{
	char iso[TSHM_TS_BUFSZ];

	tshm_ts_format(iso, sizeof(iso), (int64_t)day * TSHM_DAY_NS);
	memcpy(buf, iso, 10);
	buf[10] = '\0';
}

/* ---- options ------------------------------------------------------------ */

static void test_gen_rejects_bad_options(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_gen_opts o = sample;
	struct tshm_gen *g = (struct tshm_gen *)1;

	o.nassets = 0;
	assert_int_equal(tshm_gen_new(&g, &o), -EINVAL);
	assert_null(g);
	o = sample, o.ndays = TSHM_GEN_MAX_DAYS + 1;
	assert_int_equal(tshm_gen_new(&g, &o), -EINVAL);
	o = sample, o.trades_per_day = TSHM_GEN_MAX_TRADES_PER_DAY + 1;
	assert_int_equal(tshm_gen_new(&g, &o), -EINVAL);
	o = sample, o.flags = 1;
	assert_int_equal(tshm_gen_new(&g, &o), -EINVAL);
	o = sample, o.reserved = 1;
	assert_int_equal(tshm_gen_new(&g, &o), -EINVAL);
	o = sample, o.first_day = 106745; /* runs past 2262-04-11: int64 ns end */
	assert_int_equal(tshm_gen_new(&g, &o), -EINVAL);
	assert_int_equal(tshm_gen_write_csv(&sample, "nope", f->dir, 0, NULL), -EINVAL);
	assert_int_equal(tshm_gen_write_csv(&sample, "generic", f->dir, 64, NULL), -EINVAL);
	assert_int_equal(
	    tshm_gen_write_csv(&sample, "tardis-trades", f->dir, TSHM_GEN_CSV_NO_HEADER, NULL),
	    -EINVAL);
	assert_int_equal(
	    tshm_gen_write_csv(&sample, "truefx", f->dir, TSHM_GEN_CSV_NO_HEADER, NULL), -EINVAL);
	assert_null(tshm_gen_csv_preset(8));
	assert_string_equal(tshm_gen_csv_preset(0), "binance-trades");
}

/* ---- the model ---------------------------------------------------------- */

static void test_gen_model_metadata(void **state)
{
	struct tshm_gen *g;
	struct tshm_asset a;
	struct tshm_gen_symbol s, prev;
	int64_t open, close;
	int renamed = 0;

	(void)state;
	memset(&prev, 0, sizeof(prev));
	TSHM_TEST_CHECK(tshm_gen_new(&g, &sample));
	assert_int_equal(tshm_gen_day(g, 0), TSHM_GEN_DEFAULT_FIRST_DAY);
	assert_int_equal(tshm_gen_day(g, 4),
			 TSHM_GEN_DEFAULT_FIRST_DAY + 6); /* a weekend skipped */
	TSHM_TEST_CHECK(tshm_gen_session(g, 0, &open, &close));
	assert_true(open == TSHM_TEST_T0 + INT64_C(52200) * 1000000000 && close > open);
	assert_int_equal(tshm_gen_session(g, 5, &open, &close), -EINVAL);
	TSHM_TEST_CHECK(tshm_gen_asset(g, 4, &a));
	assert_string_equal(a.symbol, "ESH4");
	assert_true(a.sid == TSHM_GEN_SID_BASE + 4 && a.tick_size == 25 && a.price_exp == -2);
	assert_int_equal(tshm_gen_asset(g, 8, &a), -EINVAL);
	assert_int_equal(tshm_gen_nsymbols(g), 9);
	for (uint32_t i = 0; i < tshm_gen_nsymbols(g); i++) {
		TSHM_TEST_CHECK(tshm_gen_symbol(g, i, &s));
		assert_true(i == 0 || strcmp(prev.symbol, s.symbol) < 0); /* sorted, unique */
		if (s.sid == TSHM_GEN_SID_BASE + 1)
			renamed += strcmp(s.symbol, "BLT") == 0 ? 1 : strcmp(s.symbol, "BOLT") == 0;
		prev = s;
	}
	assert_int_equal(renamed, 2);
	tshm_gen_free(g);
}

/* Trades: sorted, in the session, on the grids, ids consecutive over days. */
static void check_trades(const struct tshm_asset *a, const struct tshm_gen_day *d, int64_t *id)
{
	const struct tshm_gen_table *t = &d->tables[TSHM_TABLE_TRADES];
	const int64_t *ts = col64(d, TSHM_TABLE_TRADES, TSHM_TRADES_TS);
	const int64_t *px = col64(d, TSHM_TABLE_TRADES, TSHM_TRADES_PRICE);
	const int64_t *sz = col64(d, TSHM_TABLE_TRADES, TSHM_TRADES_SIZE);
	const int64_t *ids = col64(d, TSHM_TABLE_TRADES, TSHM_TRADES_ID);
	const int32_t *fl = col32(d, TSHM_TABLE_TRADES, TSHM_TRADES_FLAGS);
	int64_t midnight = (int64_t)d->day * TSHM_DAY_NS;

	assert_true(t->nrows > 0);
	for (uint64_t i = 0; i < t->nrows; i++) {
		assert_true(ts[i] >= midnight + INT64_C(52200) * 1000000000);
		assert_true(ts[i] < midnight + INT64_C(75600) * 1000000000);
		assert_true(i == 0 || ts[i] >= ts[i - 1] + 2000000);
		assert_int_equal(ts[i] % 1000, 0);
		assert_true(px[i] > 0 && px[i] % a->tick_size == 0);
		assert_true(sz[i] > 0 && sz[i] % a->lot_size == 0);
		assert_true(fl[i] == TSHM_TRADE_BUY || fl[i] == TSHM_TRADE_SELL);
		assert_int_equal(ids[i], ++*id);
	}
}

/* Quotes: strictly increasing whole ms, bid < ask, and the one in force brackets each trade. */
static void check_quotes(const struct tshm_gen_day *d)
{
	const struct tshm_gen_table *q = &d->tables[TSHM_TABLE_QUOTES];
	const int64_t *qt = col64(d, TSHM_TABLE_QUOTES, TSHM_QUOTES_TS);
	const int64_t *bid = col64(d, TSHM_TABLE_QUOTES, TSHM_QUOTES_BID_PX);
	const int64_t *ask = col64(d, TSHM_TABLE_QUOTES, TSHM_QUOTES_ASK_PX);
	const int64_t *ts = col64(d, TSHM_TABLE_TRADES, TSHM_TRADES_TS);
	const int64_t *px = col64(d, TSHM_TABLE_TRADES, TSHM_TRADES_PRICE);
	uint64_t j = 0;

	for (uint64_t i = 0; i < q->nrows; i++) {
		assert_int_equal(qt[i] % 1000000, 0);
		assert_true(i == 0 || qt[i] > qt[i - 1]);
		assert_true(bid[i] > 0 && bid[i] < ask[i]);
		assert_true(col64(d, TSHM_TABLE_QUOTES, TSHM_QUOTES_BID_SZ)[i] > 0);
		assert_true(col64(d, TSHM_TABLE_QUOTES, TSHM_QUOTES_ASK_SZ)[i] > 0);
	}
	for (uint64_t i = 0; i < d->tables[TSHM_TABLE_TRADES].nrows; i++) {
		while (j < q->nrows && qt[j] < ts[i])
			j++;
		assert_true(j > 0 && j <= q->nrows);
		assert_true(qt[j - 1] >
			    (i ? ts[i - 1] : 0)); /* a fresh quote since the last trade */
		assert_true(bid[j - 1] <= px[i] && px[i] <= ask[j - 1]);
	}
}

/* Bars: recomputed from the trades, extras included. */
static void check_bars(const struct tshm_gen_day *d, unsigned table, int64_t period,
		       const struct tshm_gen_bar_extra *x)
{
	const struct tshm_gen_table *b = &d->tables[table];
	const int64_t *ts = col64(d, TSHM_TABLE_TRADES, TSHM_TRADES_TS);
	const int64_t *px = col64(d, TSHM_TABLE_TRADES, TSHM_TRADES_PRICE);
	const int64_t *sz = col64(d, TSHM_TABLE_TRADES, TSHM_TRADES_SIZE);
	const int32_t *fl = col32(d, TSHM_TABLE_TRADES, TSHM_TRADES_FLAGS);
	uint64_t i = 0, n = d->tables[TSHM_TABLE_TRADES].nrows;

	for (uint64_t k = 0; k < b->nrows; k++) {
		int64_t start = col64(d, table, TSHM_BARS_TS)[k], o, h, l, c = 0, v = 0;
		int64_t cnt = 0, buy = 0, qv = 0, bqv = 0;

		assert_true(i < n && start == ts[i] - ts[i] % period);
		o = h = l = px[i];
		for (; i < n && ts[i] < start + period; i++, cnt++) {
			h = px[i] > h ? px[i] : h;
			l = px[i] < l ? px[i] : l;
			c = px[i];
			v += sz[i];
			qv += px[i] * sz[i];
			buy += fl[i] == TSHM_TRADE_BUY ? sz[i] : 0;
			bqv += fl[i] == TSHM_TRADE_BUY ? px[i] * sz[i] : 0;
		}
		assert_int_equal(col64(d, table, TSHM_BARS_OPEN)[k], o);
		assert_int_equal(col64(d, table, TSHM_BARS_HIGH)[k], h);
		assert_int_equal(col64(d, table, TSHM_BARS_LOW)[k], l);
		assert_int_equal(col64(d, table, TSHM_BARS_CLOSE)[k], c);
		assert_int_equal(col64(d, table, TSHM_BARS_VOLUME)[k], v);
		assert_true(x->count[k] == cnt && x->buy_volume[k] == buy);
		assert_true(x->quote_volume[k] == qv && x->buy_quote_volume[k] == bqv);
	}
	assert_int_equal(i, n); /* every trade is in a bar */
}

struct props {
	int64_t id, last_close;
	uint32_t asset;
	int splits, dividends;
	uint64_t trades;
};

static void check_actions(const struct tshm_asset *a, const struct tshm_gen_day *d, struct props *p)
{
	const struct tshm_gen_table *adj = &d->tables[TSHM_TABLE_ADJUSTMENTS];
	int64_t first = col64(d, TSHM_TABLE_TRADES, TSHM_TRADES_PRICE)[0];

	for (uint64_t i = 0; i < adj->nrows; i++) {
		int32_t kind = col32(d, TSHM_TABLE_ADJUSTMENTS, TSHM_ADJ_KIND)[i];

		assert_int_equal(col64(d, TSHM_TABLE_ADJUSTMENTS, TSHM_ADJ_TS)[i],
				 (int64_t)d->day * TSHM_DAY_NS);
		if (kind == TSHM_ADJ_SPLIT) {
			/* ACME's 2-for-1 on day 2: the price halves overnight. */
			assert_true(d->asset == 0 && d->day_index == 2);
			assert_true(col64(d, TSHM_TABLE_ADJUSTMENTS, TSHM_ADJ_RATIO_NUM)[i] == 2);
			assert_true(first * 2 < p->last_close * 11 / 10 &&
				    first * 2 > p->last_close * 9 / 10);
			p->splits++;
		} else {
			assert_int_equal(kind, TSHM_ADJ_CASH_DIVIDEND);
			assert_true(d->asset == 5 && d->day_index == 4);
			assert_true(col64(d, TSHM_TABLE_ADJUSTMENTS, TSHM_ADJ_AMOUNT)[i] > 0);
			assert_true(col64(d, TSHM_TABLE_ADJUSTMENTS, TSHM_ADJ_AMOUNT)[i] %
					a->tick_size ==
				    0);
			p->dividends++;
		}
	}
}

static void props_day(const struct tshm_gen *g, const struct tshm_asset *a,
		      const struct tshm_gen_day *d, void *arg)
{
	struct props *p = arg;
	const struct tshm_gen_table *t = &d->tables[TSHM_TABLE_TRADES];

	(void)g;
	if (d->day_index == 0 || d->asset != p->asset) {
		p->asset = d->asset;
		p->id = 0;
	}
	assert_true(d->sid == a->sid && d->day == tshm_gen_day(g, d->day_index));
	check_trades(a, d, &p->id);
	check_quotes(d);
	check_bars(d, TSHM_TABLE_BARS_1M, 60 * INT64_C(1000000000), &d->extra_1m);
	check_bars(d, TSHM_TABLE_BARS_1D, TSHM_DAY_NS, &d->extra_1d);
	assert_int_equal(d->tables[TSHM_TABLE_BARS_1D].nrows, 1);
	check_actions(a, d, p);
	p->trades += t->nrows;
	p->last_close = col64(d, TSHM_TABLE_TRADES, TSHM_TRADES_PRICE)[t->nrows - 1];
}

static void test_gen_data_properties(void **state)
{
	struct props p = {0};
	struct tshm_gen_opts o = sample;

	(void)state;
	each_day(&sample, props_day, &p);
	assert_int_equal(p.splits, 1);
	assert_int_equal(p.dividends, 1);
	/* About the rate asked for, at a few very different rates. */
	assert_true(p.trades > 8 * 5 * 300 * 3 / 4 && p.trades < 8 * 5 * 300 * 5 / 4);
	o.nassets = 2, o.ndays = 3, o.trades_per_day = 40000;
	memset(&p, 0, sizeof(p));
	each_day(&o, props_day, &p);
	assert_true(p.trades > 6 * 40000 * 3 / 4 && p.trades < 6 * 40000 * 5 / 4);
	o.trades_per_day = 1;
	memset(&p, 0, sizeof(p));
	each_day(&o, props_day, &p);
	assert_true(p.trades >= 6 && p.trades < 100);
}

/* ---- determinism and independence -------------------------------------- */

struct digest {
	uint64_t h[16][16]; /* per asset, per day: a hash of every column byte */
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ ((const unsigned char *)p)[i]) * UINT64_C(0x100000001b3);
	return h;
}

static void digest_day(const struct tshm_gen *g, const struct tshm_asset *a,
		       const struct tshm_gen_day *d, void *arg)
{
	static const unsigned char w[TSHM_TABLE_COUNT][TSHM_GEN_MAX_COLS] = {
	    [TSHM_TABLE_TRADES] = {8, 8, 8, 4, 8},	[TSHM_TABLE_QUOTES] = {8, 8, 8, 8, 8},
	    [TSHM_TABLE_BARS_1M] = {8, 8, 8, 8, 8, 8},	[TSHM_TABLE_BARS_1D] = {8, 8, 8, 8, 8, 8},
	    [TSHM_TABLE_ADJUSTMENTS] = {8, 4, 8, 8, 8},
	};
	struct digest *dg = arg;
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	(void)g;
	h = fnv(h, a->symbol, strlen(a->symbol));
	h = fnv(h, &a->sid, sizeof(a->sid));
	for (unsigned t = TSHM_TABLE_TRADES; t < TSHM_TABLE_COUNT; t++)
		for (unsigned c = 0; c < TSHM_GEN_MAX_COLS && w[t][c]; c++)
			h = fnv(h, d->tables[t].cols[c], d->tables[t].nrows * w[t][c]);
	dg->h[d->asset][d->day_index] = h;
}

static void test_gen_assets_and_days_independent(void **state)
{
	struct tshm_gen_opts o = sample;
	struct digest da = {{{0}}}, db = {{{0}}}, *a = &da, *b = &db;

	(void)state;
	o.nassets = 3, o.ndays = 4;
	each_day(&o, digest_day, a);
	o.nassets = 11, o.ndays = 9; /* more assets and more days */
	each_day(&o, digest_day, b);
	for (unsigned i = 0; i < 3; i++)
		for (unsigned d = 0; d < 4; d++)
			if (a->h[i][d] != b->h[i][d])
				fail_msg("asset %u day %u changed when assets/days were added", i,
					 d);
	assert_true(b->h[3][0] != b->h[0][0] && b->h[10][8] != 0);
	o.seed++;
	each_day(&o, digest_day, a);
	for (unsigned i = 0; i < 11; i++)
		assert_true(a->h[i][0] != b->h[i][0]);
}

/* Every regular file under @dir, recursively, as "relative-path\n" lines, sorted. */
static void list_files(const char *dir, const char *rel, char ***names, size_t *n)
{
	char path[1024];
	DIR *d = opendir(path_of(path, sizeof(path), "%s/%s", dir, rel));
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d))) {
		char sub[1024];
		struct stat s;

		if (e->d_name[0] == '.')
			continue;
		path_of(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		assert_int_equal(stat(path_of(path, sizeof(path), "%s/%s", dir, sub), &s), 0);
		if (S_ISDIR(s.st_mode)) {
			list_files(dir, sub, names, n);
			continue;
		}
		*names = realloc(*names, (*n + 1) * sizeof(**names));
		assert_non_null(*names);
		(*names)[(*n)++] = strdup(sub);
	}
	closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 1 if the two trees hold the same files with the same bytes, 0 if not. */
static int same_tree(const char *x, const char *y)
{
	char **a = NULL, **b = NULL, pa[1024], pb[1024];
	size_t na = 0, nb = 0, la, lb;
	int same;

	list_files(x, "", &a, &na);
	list_files(y, "", &b, &nb);
	qsort(a, na, sizeof(*a), cmp_str);
	qsort(b, nb, sizeof(*b), cmp_str);
	same = na == nb && na > 0;
	for (size_t i = 0; i < na; i++) {
		if (same && strcmp(a[i], b[i]) == 0) {
			char *ca = slurp(path_of(pa, sizeof(pa), "%s/%s", x, a[i]), &la);
			char *cb = slurp(path_of(pb, sizeof(pb), "%s/%s", y, b[i]), &lb);

			same = la == lb && memcmp(ca, cb, la) == 0;
			free(ca);
			free(cb);
		} else {
			same = 0;
		}
		free(a[i]);
		if (i < nb)
			free(b[i]);
	}
	for (size_t i = na; i < nb; i++)
		free(b[i]);
	free(a);
	free(b);
	return same;
}

static void test_gen_csv_deterministic(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_gen_opts o = {.nassets = 3, .ndays = 3, .trades_per_day = 200, .seed = 3};
	char a[128], b[128], c[128];
	const char *p;

	for (unsigned i = 0; (p = tshm_gen_csv_preset(i)); i++) {
		unsigned fl = i == 0 ? TSHM_GEN_CSV_ZSTD : 0;

		o.seed = 3;
		TSHM_TEST_CHECK(tshm_gen_write_csv(
		    &o, p, path_of(a, sizeof(a), "%s/a%u", f->dir, i), fl, NULL));
		TSHM_TEST_CHECK(tshm_gen_write_csv(
		    &o, p, path_of(b, sizeof(b), "%s/b%u", f->dir, i), fl, NULL));
		o.seed = 4;
		TSHM_TEST_CHECK(tshm_gen_write_csv(
		    &o, p, path_of(c, sizeof(c), "%s/c%u", f->dir, i), fl, NULL));
		if (!same_tree(a, b))
			fail_msg("%s: the same seed wrote different files", p);
		if (same_tree(a, c))
			fail_msg("%s: another seed wrote the same files", p);
	}
}

/* ---- every preset's layout, read back ----------------------------------- */

struct csvchk {
	const char *dir, *eol;
	int preset;
	bool header;
	struct rd day, month, asset, generic[4];
	char month_name[8];
};

static void open_checked(struct csvchk *k, struct rd *r, const char *header, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void open_checked(struct csvchk *k, struct rd *r, const char *header, const char *fmt, ...)
{
	char name[512], path[1024];
	va_list ap;

	va_start(ap, fmt);
	assert_true((size_t)vsnprintf(name, sizeof(name), fmt, ap) < sizeof(name));
	va_end(ap);
	rd_open(r, k->eol, path_of(path, sizeof(path), "%s/%s", k->dir, name));
	if (header && k->header)
		rd_header(r, header);
}

#define BT_HDR "id,price,qty,quote_qty,time,is_buyer_maker,is_best_match"
#define BA_HDR                                                                                     \
	"agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker,"   \
	"is_best_match"
#define BK_HDR                                                                                     \
	"open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"     \
	"taker_buy_quote_volume,ignore"
#define TT_HDR "exchange,symbol,timestamp,local_timestamp,id,side,price,amount"
#define TQ_HDR "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount"
#define ZL_HDR "date,open,high,low,close,volume,dividend,split"

static void chk_binance_trades(struct csvchk *k, const struct tshm_asset *a,
			       const struct tshm_gen_day *d, bool agg)
{
	const int64_t *ts = col64(d, TSHM_TABLE_TRADES, TSHM_TRADES_TS);
	const int64_t *px = col64(d, TSHM_TABLE_TRADES, TSHM_TRADES_PRICE);
	const int64_t *sz = col64(d, TSHM_TABLE_TRADES, TSHM_TRADES_SIZE);
	const int64_t *id = col64(d, TSHM_TABLE_TRADES, TSHM_TRADES_ID);
	const int32_t *fl = col32(d, TSHM_TABLE_TRADES, TSHM_TRADES_FLAGS);
	int pe = a->price_exp, se = a->size_exp;
	char date[16], *f[MAXF];

	date_of(d->day, date);
	open_checked(k, &k->day, agg ? BA_HDR : BT_HDR, "%s-%s-%s.csv", a->symbol,
		     agg ? "aggTrades" : "trades", date);
	for (uint64_t i = 0; i < d->tables[TSHM_TABLE_TRADES].nrows; i++) {
		rd_row(&k->day, f, agg ? 8 : 7);
		assert_int_equal(num(&k->day, f[0]), id[i]);
		assert_int_equal(dec(&k->day, f[1], pe), px[i]);
		assert_int_equal(dec(&k->day, f[2], se), sz[i]);
		if (agg) {
			assert_true(num(&k->day, f[3]) == id[i] && num(&k->day, f[4]) == id[i]);
		} else {
			assert_int_equal(dec(&k->day, f[3], pe + se), px[i] * sz[i]);
		}
		assert_int_equal(num(&k->day, f[agg ? 5 : 4]) * 1000, ts[i]);
		assert_true(num(&k->day, f[agg ? 5 : 4]) >= INT64_C(100000000000000)); /* µs */
		assert_string_equal(f[agg ? 6 : 5], fl[i] == TSHM_TRADE_SELL ? "True" : "False");
		assert_string_equal(f[agg ? 7 : 6], "True");
	}
	rd_close(&k->day);
}

static void chk_kline_rows(struct rd *r, const struct tshm_asset *a, const struct tshm_gen_day *d,
			   unsigned table, const struct tshm_gen_bar_extra *x, int64_t period_ms)
{
	int pe = a->price_exp, se = a->size_exp;
	char *f[MAXF];

	for (uint64_t i = 0; i < d->tables[table].nrows; i++) {
		int64_t open_ms = col64(d, table, TSHM_BARS_TS)[i] / 1000000;

		rd_row(r, f, 12);
		assert_int_equal(num(r, f[0]), open_ms);
		for (unsigned c = 1; c <= 4; c++)
			assert_int_equal(dec(r, f[c], pe), col64(d, table, c)[i]);
		assert_int_equal(dec(r, f[5], se), col64(d, table, TSHM_BARS_VOLUME)[i]);
		assert_int_equal(num(r, f[6]), open_ms + period_ms - 1);
		assert_int_equal(dec(r, f[7], pe + se), x->quote_volume[i]);
		assert_int_equal(num(r, f[8]), x->count[i]);
		assert_int_equal(dec(r, f[9], se), x->buy_volume[i]);
		assert_int_equal(dec(r, f[10], pe + se), x->buy_quote_volume[i]);
		assert_string_equal(f[11], "0");
	}
}

/* A per-month file: switch when the day's month changes (the asset's first day too). */
static void month_switch(struct csvchk *k, const struct tshm_gen_day *d, const char *header,
			 const char *sym, const char *kind)
{
	char date[16];

	date_of(d->day, date);
	if (d->day_index > 0 && memcmp(k->month_name, date, 7) == 0)
		return;
	if (k->month.buf)
		rd_close(&k->month);
	memcpy(k->month_name, date, 7);
	k->month_name[7] = '\0';
	open_checked(k, &k->month, header, "%s%s-%s.csv", sym, kind, k->month_name);
}

static void chk_binance_klines(struct csvchk *k, const struct tshm_asset *a,
			       const struct tshm_gen_day *d)
{
	char date[16];

	date_of(d->day, date);
	open_checked(k, &k->day, BK_HDR, "%s-1m-%s.csv", a->symbol, date);
	chk_kline_rows(&k->day, a, d, TSHM_TABLE_BARS_1M, &d->extra_1m, 60000);
	rd_close(&k->day);
	month_switch(k, d, BK_HDR, a->symbol, "-1d");
	chk_kline_rows(&k->month, a, d, TSHM_TABLE_BARS_1D, &d->extra_1d, 86400000);
}

static void chk_tardis_prefix(struct rd *r, char **f, const struct tshm_asset *a, int64_t ts)
{
	assert_string_equal(f[0], a->exchange);
	assert_string_equal(f[1], a->symbol);
	assert_int_equal(num(r, f[2]) * 1000, ts);
	assert_true(num(r, f[3]) > num(r, f[2]));
}

static void chk_tardis(struct csvchk *k, const struct tshm_asset *a, const struct tshm_gen_day *d,
		       bool trades)
{
	unsigned t = trades ? TSHM_TABLE_TRADES : TSHM_TABLE_QUOTES;
	int pe = a->price_exp, se = a->size_exp;
	char date[16], *f[MAXF];

	date_of(d->day, date);
	open_checked(k, &k->day, trades ? TT_HDR : TQ_HDR, "%s_%s_%s_%s.csv", a->exchange,
		     trades ? "trades" : "quotes", date, a->symbol);
	for (uint64_t i = 0; i < d->tables[t].nrows; i++) {
		rd_row(&k->day, f, 8);
		chk_tardis_prefix(&k->day, f, a, col64(d, t, 0)[i]);
		if (trades) {
			assert_int_equal(num(&k->day, f[4]), col64(d, t, TSHM_TRADES_ID)[i]);
			assert_string_equal(
			    f[5],
			    col32(d, t, TSHM_TRADES_FLAGS)[i] == TSHM_TRADE_BUY ? "buy" : "sell");
			assert_int_equal(dec(&k->day, f[6], pe), col64(d, t, TSHM_TRADES_PRICE)[i]);
			assert_int_equal(dec(&k->day, f[7], se), col64(d, t, TSHM_TRADES_SIZE)[i]);
			continue;
		}
		assert_int_equal(dec(&k->day, f[4], se), col64(d, t, TSHM_QUOTES_ASK_SZ)[i]);
		assert_int_equal(dec(&k->day, f[5], pe), col64(d, t, TSHM_QUOTES_ASK_PX)[i]);
		assert_int_equal(dec(&k->day, f[6], pe), col64(d, t, TSHM_QUOTES_BID_PX)[i]);
		assert_int_equal(dec(&k->day, f[7], se), col64(d, t, TSHM_QUOTES_BID_SZ)[i]);
	}
	rd_close(&k->day);
}

static void chk_truefx(struct csvchk *k, const struct tshm_asset *a, const struct tshm_gen_day *d)
{
	const int64_t *qt = col64(d, TSHM_TABLE_QUOTES, TSHM_QUOTES_TS);
	char *f[MAXF], iso[TSHM_TS_BUFSZ], want[32];

	month_switch(k, d, NULL, a->symbol, "");
	for (uint64_t i = 0; i < d->tables[TSHM_TABLE_QUOTES].nrows; i++) {
		rd_row(&k->month, f, 4);
		assert_string_equal(f[0], a->symbol);
		/* "2024-01-02T14:30:00.123000000Z" -> "20240102 14:30:00.123" */
		tshm_ts_format(iso, sizeof(iso), qt[i]);
		snprintf(want, sizeof(want), "%.4s%.2s%.2s %.12s", iso, iso + 5, iso + 8, iso + 11);
		assert_string_equal(f[1], want);
		assert_int_equal(dec(&k->month, f[2], a->price_exp),
				 col64(d, TSHM_TABLE_QUOTES, TSHM_QUOTES_BID_PX)[i]);
		assert_int_equal(dec(&k->month, f[3], a->price_exp),
				 col64(d, TSHM_TABLE_QUOTES, TSHM_QUOTES_ASK_PX)[i]);
	}
}

static void chk_zipline(struct csvchk *k, const struct tshm_asset *a, const struct tshm_gen_day *d)
{
	const struct tshm_gen_table *adj = &d->tables[TSHM_TABLE_ADJUSTMENTS];
	int64_t div = 0, num_ = 1, den = 1;
	char date[16], *f[MAXF];

	if (d->day_index == 0)
		open_checked(k, &k->asset, ZL_HDR, "daily/%s.csv", a->symbol);
	for (uint64_t i = 0; i < adj->nrows; i++) {
		if (col32(d, TSHM_TABLE_ADJUSTMENTS, TSHM_ADJ_KIND)[i] == TSHM_ADJ_SPLIT) {
			num_ = col64(d, TSHM_TABLE_ADJUSTMENTS, TSHM_ADJ_RATIO_NUM)[i];
			den = col64(d, TSHM_TABLE_ADJUSTMENTS, TSHM_ADJ_RATIO_DEN)[i];
		} else {
			div += col64(d, TSHM_TABLE_ADJUSTMENTS, TSHM_ADJ_AMOUNT)[i];
		}
	}
	date_of(d->day, date);
	rd_row(&k->asset, f, 8);
	assert_string_equal(f[0], date);
	for (unsigned c = 1; c <= 4; c++)
		assert_int_equal(dec(&k->asset, f[c], a->price_exp),
				 col64(d, TSHM_TABLE_BARS_1D, c)[0]);
	assert_int_equal(dec(&k->asset, f[5], a->size_exp),
			 col64(d, TSHM_TABLE_BARS_1D, TSHM_BARS_VOLUME)[0]);
	assert_int_equal(dec(&k->asset, f[6], a->price_exp), div);
	/* split = num/den exactly: at exponent -6, den * value == num * 10^6 */
	assert_int_equal(dec(&k->asset, f[7], -6) * den, num_ * 1000000);
}

static void chk_generic(struct csvchk *k, const struct tshm_asset *a, const struct tshm_gen_day *d)
{
	static const unsigned tables[4] = {TSHM_TABLE_TRADES, TSHM_TABLE_QUOTES, TSHM_TABLE_BARS_1M,
					   TSHM_TABLE_BARS_1D};
	static const unsigned nf[4] = {6, 6, 7, 7};
	char *f[MAXF];

	for (unsigned g = 0; g < 4; g++) {
		unsigned t = tables[g];
		struct rd *r = &k->generic[g];

		for (uint64_t i = 0; i < d->tables[t].nrows; i++) {
			rd_row(r, f, (int)nf[g]);
			assert_int_equal(num(r, f[0]), col64(d, t, 0)[i]);
			assert_string_equal(f[1], a->symbol);
			assert_int_equal(dec(r, f[2], a->price_exp), col64(d, t, 1)[i]);
			if (t == TSHM_TABLE_TRADES) {
				assert_int_equal(dec(r, f[3], a->size_exp), col64(d, t, 2)[i]);
				assert_string_equal(f[4], col32(d, t, 3)[i] == 1 ? "buy" : "sell");
				assert_int_equal(num(r, f[5]), col64(d, t, 4)[i]);
			} else if (t == TSHM_TABLE_QUOTES) {
				assert_int_equal(dec(r, f[3], a->size_exp), col64(d, t, 2)[i]);
				assert_int_equal(dec(r, f[4], a->price_exp), col64(d, t, 3)[i]);
				assert_int_equal(dec(r, f[5], a->size_exp), col64(d, t, 4)[i]);
			} else {
				for (unsigned c = 2; c <= 4; c++)
					assert_int_equal(dec(r, f[c + 1], a->price_exp),
							 col64(d, t, c)[i]);
				assert_int_equal(dec(r, f[6], a->size_exp), col64(d, t, 5)[i]);
			}
		}
	}
}

static void csv_day(const struct tshm_gen *g, const struct tshm_asset *a,
		    const struct tshm_gen_day *d, void *arg)
{
	struct csvchk *k = arg;

	if (d->day_index == 0 && k->asset.buf)
		rd_close(&k->asset); /* the previous asset's file */
	if (d->day_index == 0 && k->month.buf)
		rd_close(&k->month);
	switch (k->preset) {
	case 0:
	case 1:
		chk_binance_trades(k, a, d, k->preset == 1);
		break;
	case 2:
		chk_binance_klines(k, a, d);
		break;
	case 3:
	case 4:
		chk_tardis(k, a, d, k->preset == 3);
		break;
	case 5:
		chk_truefx(k, a, d);
		break;
	case 6:
		chk_zipline(k, a, d);
		break;
	default:
		chk_generic(k, a, d);
	}
	(void)g;
}

static void check_preset(const char *dir, int preset, const struct tshm_gen_opts *o, unsigned flags)
{
	static const char *const gfiles[4][2] = {
	    {"trades.csv", "ts,symbol,price,size,side,id"},
	    {"quotes.csv", "ts,symbol,bid_px,bid_sz,ask_px,ask_sz"},
	    {"bars_1m.csv", "ts,symbol,open,high,low,close,volume"},
	    {"bars_1d.csv", "ts,symbol,open,high,low,close,volume"},
	};
	struct csvchk k = {.dir = dir,
			   .preset = preset,
			   .eol = flags & TSHM_GEN_CSV_CRLF ? "\r\n" : "\n",
			   .header = !(flags & TSHM_GEN_CSV_NO_HEADER)};

	for (unsigned i = 0; preset == 7 && i < 4; i++)
		open_checked(&k, &k.generic[i], gfiles[i][1], "%s", gfiles[i][0]);
	each_day(o, csv_day, &k);
	rd_close(&k.asset);
	rd_close(&k.month);
	for (unsigned i = 0; i < 4; i++)
		rd_close(&k.generic[i]);
}

static void test_gen_csv_presets_layout(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_gen_opts o = sample;
	struct tshm_gen_stats st;
	char dir[128];
	const char *p;

	o.ndays = 21; /* a month boundary for the monthly files */
	o.nassets = 6;
	o.trades_per_day = 100;
	for (int i = 0; (p = tshm_gen_csv_preset((unsigned)i)); i++) {
		TSHM_TEST_CHECK(tshm_gen_write_csv(
		    &o, p, path_of(dir, sizeof(dir), "%s/%s", f->dir, p), 0, &st));
		assert_true(st.files > 0 && st.text_bytes == st.out_bytes && st.raw_bytes > 0);
		assert_true(st.rows[TSHM_TABLE_ASSETS] == 6 && st.rows[TSHM_TABLE_TRADES] > 0);
		check_preset(dir, i, &o, 0);
	}
}

static void test_gen_csv_header_and_line_options(void **state)
{
	struct tshm_ltest_fx *f = *state;
	const unsigned fl = TSHM_GEN_CSV_NO_HEADER | TSHM_GEN_CSV_CRLF;
	char dir[128];

	TSHM_TEST_CHECK(tshm_gen_write_csv(&sample, "binance-trades",
					   path_of(dir, sizeof(dir), "%s/bt", f->dir), fl, NULL));
	check_preset(dir, 0, &sample, fl);
	TSHM_TEST_CHECK(tshm_gen_write_csv(&sample, "generic",
					   path_of(dir, sizeof(dir), "%s/gn", f->dir), fl, NULL));
	check_preset(dir, 7, &sample, fl);
	TSHM_TEST_CHECK(tshm_gen_write_csv(&sample, "tardis-quotes",
					   path_of(dir, sizeof(dir), "%s/tq", f->dir),
					   TSHM_GEN_CSV_CRLF, NULL));
	check_preset(dir, 4, &sample, TSHM_GEN_CSV_CRLF);
}

/* zstd frames that decode to the plain files (libzstd, which the loader library links). */
static void test_gen_csv_zstd(void **state)
{
	static const unsigned char magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
	struct tshm_ltest_fx *f = *state;
	size_t (*decompress)(void *, size_t, const void *, size_t);
	unsigned (*is_error)(size_t);
	void *lib = dlopen("libzstd.so.1", RTLD_NOW);
	char plain[128], z[128], path[1024], **names = NULL;
	size_t n = 0;

	assert_non_null(lib);
	*(void **)&decompress = dlsym(lib, "ZSTD_decompress");
	*(void **)&is_error = dlsym(lib, "ZSTD_isError");
	assert_true(decompress && is_error);
	path_of(plain, sizeof(plain), "%s/plain", f->dir);
	path_of(z, sizeof(z), "%s/z", f->dir);
	TSHM_TEST_CHECK(tshm_gen_write_csv(&sample, "zipline-csvdir", plain, 0, NULL));
	TSHM_TEST_CHECK(tshm_gen_write_csv(&sample, "zipline-csvdir", z, TSHM_GEN_CSV_ZSTD, NULL));
	list_files(plain, "", &names, &n);
	assert_int_equal(n, sample.nassets);
	for (size_t i = 0; i < n; i++) {
		size_t lp, lz, got;
		char *p = slurp(path_of(path, sizeof(path), "%s/%s", plain, names[i]), &lp);
		char *c = slurp(path_of(path, sizeof(path), "%s/%s.zst", z, names[i]), &lz);
		char *out = malloc(lp + 64);

		assert_true(p && c && out && lz > 4 && memcmp(c, magic, 4) == 0);
		got = decompress(out, lp + 64, c, lz);
		assert_false(is_error(got));
		assert_true(got == lp && memcmp(out, p, lp) == 0);
		free(p);
		free(c);
		free(out);
		free(names[i]);
	}
	free(names);
	dlclose(lib);
}

/* ---- bundle and segment ------------------------------------------------- */

struct viewchk {
	const struct tshm_view *v;
	uint32_t ndays;
	uint64_t next[TSHM_TABLE_COUNT]; /* next row of the current asset, per table */
};

/* Columns of @d equal the view's rows of its asset, day after day. */
static void view_day(const struct tshm_gen *g, const struct tshm_asset *a,
		     const struct tshm_gen_day *d, void *arg)
{
	static const unsigned tables[4] = {TSHM_TABLE_TRADES, TSHM_TABLE_QUOTES, TSHM_TABLE_BARS_1M,
					   TSHM_TABLE_BARS_1D};
	struct viewchk *k = arg;
	struct tshm_asset va;
	uint64_t first, count;

	(void)g;
	TSHM_TEST_CHECK(tshm_view_asset(k->v, d->asset, &va));
	assert_true(va.sid == a->sid && strcmp(va.symbol, a->symbol) == 0);
	assert_true(va.price_exp == a->price_exp && va.tick_size == a->tick_size);
	for (unsigned i = 0; i < 4; i++) {
		unsigned t = tables[i];
		struct tshm_table_info ti;

		TSHM_TEST_CHECK(tshm_view_asset_rows(k->v, t, d->asset, &first, &count));
		if (d->day_index == 0)
			k->next[t] = first;
		assert_true(k->next[t] + d->tables[t].nrows <= first + count);
		TSHM_TEST_CHECK(tshm_view_table(k->v, t, &ti));
		for (unsigned c = 0; c < ti.ncols; c++) {
			struct tshm_column_info ci;

			TSHM_TEST_CHECK(tshm_view_column(k->v, t, c, &ci));
			if (memcmp((const char *)ci.data + k->next[t] * ci.width,
				   d->tables[t].cols[c], d->tables[t].nrows * ci.width) != 0)
				fail_msg("table %u column %u of asset %u day %u differs", t, c,
					 d->asset, d->day_index);
		}
		k->next[t] += d->tables[t].nrows;
		/* After an asset's last day its rows are used up: none extra. */
		if (d->day_index + 1 == k->ndays)
			assert_int_equal(k->next[t], first + count);
	}
}

static void check_view(struct tshm_catalog *cat, const char *bundle, const struct tshm_gen_opts *o)
{
	struct viewchk k = {0};
	struct tshm_view *v;
	struct tshm_table_info ti;

	TSHM_TEST_CHECK(tshm_view_open(&v, cat, bundle));
	assert_int_equal(tshm_view_verify(v), 0);
	assert_int_equal(tshm_view_nassets(v), o->nassets);
	TSHM_TEST_CHECK(tshm_view_table(v, TSHM_TABLE_ADJUSTMENTS, &ti));
	assert_int_equal(ti.nrows, 2); /* the sample's split and dividend */
	TSHM_TEST_CHECK(tshm_view_table(v, TSHM_TABLE_SESSIONS, &ti));
	assert_int_equal(ti.nrows, o->ndays);
	assert_true(tshm_view_find_symbol(v, "BLT", TSHM_TEST_T0) == 1);
	assert_true(tshm_view_find_symbol(v, "BOLT", TSHM_TEST_T0 + 5 * TSHM_DAY_NS) == 1);
	k.v = v;
	k.ndays = o->ndays;
	each_day(o, view_day, &k);
	tshm_view_unref(v);
}

static void test_gen_publish_holds_the_data(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_gen_stats a, b;

	TSHM_TEST_CHECK(tshm_gen_publish(&sample, f->cat, "g1", &a));
	assert_int_equal(a.generation, 1);
	assert_int_equal(a.bad_table, -1);
	assert_true(a.rows[TSHM_TABLE_TRADES] > 0 && a.rows[TSHM_TABLE_SYMBOLS] == 9);
	check_view(f->cat, "g1", &sample);
	TSHM_TEST_CHECK(tshm_gen_publish(&sample, f->cat, "g1", &b));
	assert_true(b.generation == 2 && a.hash_lo == b.hash_lo && a.hash_hi == b.hash_hi);
	assert_int_equal(tshm_gen_publish(&sample, f->cat, "bad/name", NULL), -TSHM_ENAME);
}

static void test_gen_bundle_deterministic(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_gen_opts o = sample;
	struct tshm_gen_stats a, b, c, p;
	struct tshm_bundle_info info;
	struct tshm_bundle *bd;
	char d1[128], d2[128], d3[128];

	TSHM_TEST_CHECK(
	    tshm_gen_write_bundle(&o, path_of(d1, sizeof(d1), "%s/b1", f->dir), "smp", &a));
	TSHM_TEST_CHECK(
	    tshm_gen_write_bundle(&o, path_of(d2, sizeof(d2), "%s/b2", f->dir), "smp", &b));
	o.seed++;
	TSHM_TEST_CHECK(
	    tshm_gen_write_bundle(&o, path_of(d3, sizeof(d3), "%s/b3", f->dir), "smp", &c));
	assert_true(a.hash_lo == b.hash_lo && a.hash_hi == b.hash_hi);
	assert_true(a.hash_lo != c.hash_lo || a.hash_hi != c.hash_hi);
	/* The hash the bundle derives from its chunks is the one the segment computes. */
	TSHM_TEST_CHECK(tshm_gen_publish(&sample, f->cat, "direct", &p));
	assert_true(a.hash_lo == p.hash_lo && a.hash_hi == p.hash_hi);
	TSHM_TEST_CHECK(tshm_bundle_open(&bd, d1, 0));
	tshm_bundle_info(bd, &info);
	assert_string_equal(info.name, "smp");
	assert_int_equal(info.nassets, sample.nassets);
	for (unsigned t = TSHM_TABLE_TRADES; t <= TSHM_TABLE_BARS_1D; t++)
		assert_int_equal(info.rows[t], a.rows[t]);
	assert_int_equal(info.raw_bytes, a.raw_bytes);
	assert_int_equal(tshm_bundle_verify(bd, &(struct tshm_verify_report){0}), 0);
	tshm_bundle_close(bd);
}

/* gen -> bundle -> tshm_load_run: what the demo does. */
static void test_gen_bundle_loads(void **state)
{
	struct tshm_ltest_fx *f = *state;
	struct tshm_load_result res;
	struct tshm_gen_stats st;
	char dir[128];

	TSHM_TEST_CHECK(
	    tshm_gen_write_bundle(&sample, path_of(dir, sizeof(dir), "%s/b", f->dir), "lg", &st));
	TSHM_TEST_CHECK(tshm_load_run(f->cat, dir, NULL, &res));
	assert_int_equal(res.status, TSHM_LOAD_LOADED);
	assert_true(res.hash_lo == st.hash_lo && res.hash_hi == st.hash_hi);
	check_view(f->cat, "lg", &sample);
}

/* ---- tickshm gen --------------------------------------------------------- */

/* Run the CLI with @args; stdout and stderr into @dir/out and @dir/err. Fails unless it exits @code. */
static void run_cli(const char *dir, int code, const char *const *args)
{
	const char *cli = tshm_test_cli();
	char out[256], err[256];
	const char *argv[32] = {"tickshm", "gen"};
	size_t n = 2;
	pid_t pid;

	for (; args[n - 2] && n < 31; n++)
		argv[n] = args[n - 2];
	argv[n] = NULL;
	path_of(out, sizeof(out), "%s/out", dir);
	path_of(err, sizeof(err), "%s/err", dir);
	pid = tshm_test_fork(60);
	if (pid == 0) {
		if (!freopen(out, "w", stdout) || !freopen(err, "w", stderr))
			_exit(126);
		execv(cli, (char *const *)argv);
		_exit(127);
	}
	tshm_test_expect_exit(pid, 60000, code, "tickshm gen %s", args[0] ? args[0] : "");
}

static void test_gen_cli(void **state)
{
	struct tshm_ltest_fx *f = *state;
	char out[128], *text;

	tshm_test_cli();
	path_of(out, sizeof(out), "%s/cli", f->dir);
	run_cli(f->dir, 0,
		(const char *const[]){"--format", "zipline-csvdir", "--assets", "2", "--days", "3",
				      "--trades-per-day", "50", "--seed", "7", "--out", out, NULL});
	text = slurp(path_of(out, sizeof(out), "%s/out", f->dir), NULL);
	assert_non_null(strstr(text, "wrote zipline-csvdir to "));
	free(text);
	text = slurp(path_of(out, sizeof(out), "%s/cli/daily/BOLT.csv", f->dir), NULL);
	assert_true(text && strncmp(text, ZL_HDR "\n2024-01-02,", strlen(ZL_HDR) + 12) == 0);
	free(text);
	run_cli(f->dir, 0,
		(const char *const[]){"--assets", "1", "--days", "1", "--first-day", "2024-03-01",
				      "--out", path_of(out, sizeof(out), "%s/b", f->dir), NULL});
	text = slurp(path_of(out, sizeof(out), "%s/out", f->dir), NULL);
	assert_non_null(strstr(text, "content hash "));
	free(text);
	run_cli(f->dir, 2, (const char *const[]){"--days", "0", NULL});
	run_cli(f->dir, 2, (const char *const[]){"--format", "csv", NULL});
	run_cli(f->dir, 2, (const char *const[]){"--format", "tardis-trades", "--no-header", NULL});
	text = slurp(path_of(out, sizeof(out), "%s/err", f->dir), NULL);
	assert_true(strncmp(text, "tickshm gen: --no-header: ", 26) == 0);
	assert_true(strchr(text, '\n') == text + strlen(text) - 1); /* one line */
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_gen_rejects_bad_options, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_gen_model_metadata, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_gen_data_properties, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_gen_assets_and_days_independent,
					    tshm_ltest_fx_setup, tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_gen_csv_deterministic, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_gen_csv_presets_layout, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_gen_csv_header_and_line_options,
					    tshm_ltest_fx_setup, tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_gen_csv_zstd, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_gen_publish_holds_the_data, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_gen_bundle_deterministic, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_gen_bundle_loads, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	    cmocka_unit_test_setup_teardown(test_gen_cli, tshm_ltest_fx_setup,
					    tshm_ltest_fx_teardown),
	};

	tshm_test_ns_init("gen");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
