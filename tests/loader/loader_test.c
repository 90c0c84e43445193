/* SPDX-License-Identifier: MIT */
/* Loader test support (loader_test.h). */
#include "loader_test.h"
#include "tshm_proc.h"
#include "tshm_test.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int tshm_ltest_fx_setup(void **state)
{
	struct tshm_ltest_fx *f = calloc(1, sizeof(*f));

	if (!f || tshm_test_mkdtemp(f->dir, sizeof(f->dir)) < 0 ||
	    tshm_test_fixture_setup(&f->cat) < 0) {
		free(f);
		return -1;
	}
	snprintf(f->bundle, sizeof(f->bundle), "%s/bundle", f->dir);
	*state = f;
	return 0;
}

int tshm_ltest_fx_teardown(void **state)
{
	struct tshm_ltest_fx *f = *state;

	/* A test that failed between setting a hook and clearing it must not
	 * leave the hook on for the tests after it. */
	unsetenv("TICKSHM_TEST_LOAD_PREAD");
	unsetenv("TICKSHM_TEST_LOCK_TIMEOUT_MS");
	tshm_test_fixture_teardown(&f->cat);
	tshm_test_rmtree(f->dir);
	free(f);
	return 0;
}

typedef int (*sql_open_fn)(const char *, void **);
typedef int (*sql_exec_fn)(void *, const char *, void *, void *, char **);
typedef int (*sql_close_fn)(void *);
typedef void (*sql_free_fn)(void *);

int tshm_ltest_sql(const char *dir, const char *sql)
{
	void *lib = dlopen("libsqlite3.so.0", RTLD_NOW | RTLD_LOCAL);
	sql_open_fn op;
	sql_exec_fn ex;
	sql_close_fn cl;
	sql_free_fn fr;
	char path[4200], *err = NULL;
	void *db = NULL;
	int rc = -1;

	if (!lib) {
		fprintf(stderr, "tshm_ltest_sql: %s\n", dlerror());
		return -1;
	}
	*(void **)&op = dlsym(lib, "sqlite3_open");
	*(void **)&ex = dlsym(lib, "sqlite3_exec");
	*(void **)&cl = dlsym(lib, "sqlite3_close");
	*(void **)&fr = dlsym(lib, "sqlite3_free");
	snprintf(path, sizeof(path), "%s/bundle.sqlite", dir);
	if (op && ex && cl && fr && op(path, &db) == 0) {
		rc = ex(db, sql, NULL, NULL, &err) == 0 ? 0 : -1;
		if (err)
			fprintf(stderr, "tshm_ltest_sql: %s: %s\n", sql, err);
		fr(err);
	}
	if (cl && db)
		cl(db);
	dlclose(lib);
	return rc;
}

typedef size_t (*zstd_compress_fn)(void *, size_t, const void *, size_t, int);
typedef unsigned (*zstd_iserror_fn)(size_t);

long tshm_ltest_zstd(const void *src, size_t n, void *dst, size_t cap)
{
	void *lib = dlopen("libzstd.so.1", RTLD_NOW | RTLD_LOCAL);
	zstd_compress_fn comp;
	zstd_iserror_fn iserr;
	long rc = -1;

	if (!lib)
		return -1;
	*(void **)&comp = dlsym(lib, "ZSTD_compress");
	*(void **)&iserr = dlsym(lib, "ZSTD_isError");
	if (comp && iserr) {
		size_t r = comp(dst, cap, src, n, 1);
		rc = iserr(r) ? -1 : (long)r;
	}
	dlclose(lib);
	return rc;
}

int tshm_ltest_flip_bit(const char *path, uint64_t off, unsigned bit)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	uint8_t byte;
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (pread(fd, &byte, 1, (off_t)off) != 1)
		rc = -EIO;
	byte ^= (uint8_t)(1u << (bit & 7));
	if (rc == 0 && pwrite(fd, &byte, 1, (off_t)off) != 1)
		rc = -EIO;
	close(fd);
	return rc;
}

int tshm_ltest_count_data_files(const char *dir)
{
	char path[256];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/data", dir);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL)
		n += strstr(de->d_name, ".tzd") != NULL;
	closedir(d);
	return n;
}

int tshm_ltest_flip_chunk(const char *dir, size_t which, uint64_t at, unsigned bit)
{
	const struct tshm_chunk *c;
	struct tshm_bundle *b;
	char path[4200];
	size_t n;
	int rc = tshm_bundle_open(&b, dir, 0);

	if (rc < 0)
		return rc;
	c = tshm_bundle_chunks(b, &n);
	rc = which < n ? tshm_bundle_file_path(b, c[which].file_id, path, sizeof(path)) : -ERANGE;
	if (rc == 0)
		rc = tshm_ltest_flip_bit(path, c[which].offset + at % c[which].clen, bit);
	tshm_bundle_close(b);
	return rc;
}

/* ---- the synthetic bundle --------------------------------------------------- */

#define OPEN_NS (INT64_C(34200) * 1000000000)  /* 09:30 */
#define SPAN_NS (INT64_C(23400) * 1000000000)  /* 6.5 h of trading */
#define CLOSE_NS (INT64_C(57600) * 1000000000) /* 16:00 */
#define MIN_NS (INT64_C(60) * 1000000000)

static uint64_t mix(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

static uint64_t rnd(const struct tshm_ltest_spec *s, unsigned table, uint32_t a, uint32_t k,
		    uint64_t i)
{
	return mix(s->seed ^ mix(((uint64_t)table << 56) ^ ((uint64_t)a << 36) ^
				 ((uint64_t)k << 20) ^ mix(i)));
}

int64_t tshm_ltest_sid(uint32_t a)
{
	return 100 + 10 * (int64_t)a;
}

static int64_t day_ns(uint32_t k)
{
	return ((int64_t)TSHM_LTEST_DAY0 + k) * TSHM_DAY_NS;
}

void tshm_ltest_asset(const struct tshm_ltest_spec *s, uint32_t a, struct tshm_asset *out)
{
	memset(out, 0, sizeof(*out));
	out->sid = tshm_ltest_sid(a);
	snprintf(out->symbol, sizeof(out->symbol), "SYM%u", a);
	strcpy(out->exchange, "XTST");
	strcpy(out->currency, "USD");
	out->asset_class = TSHM_CLASS_EQUITY;
	out->price_exp = -4;
	out->size_exp = 0;
	out->tick_size = 1;
	out->lot_size = 1;
	out->start_ts = day_ns(0);
	out->end_ts = day_ns(s->ndays);
}

uint64_t tshm_ltest_rows(const struct tshm_ltest_spec *s, unsigned table, uint32_t a, uint32_t k)
{
	uint64_t t = s->trades_per_day, bars = t / 10 + 1;

	(void)a;
	(void)k;
	switch (table) {
	case TSHM_TABLE_TRADES:
		return t;
	case TSHM_TABLE_QUOTES:
		return t / 2 + 1;
	case TSHM_TABLE_BARS_1M:
		return bars < 1440 ? bars : 1440;
	case TSHM_TABLE_BARS_1D:
		return 1;
	default:
		return 0;
	}
}

static void fill_trades(const struct tshm_ltest_spec *s, uint32_t a, uint32_t k, uint64_t n,
			void *const *cols)
{
	int64_t *ts = cols[0], *px = cols[1], *sz = cols[2], *id = cols[4];
	int32_t *fl = cols[3];
	int64_t step = SPAN_NS / (int64_t)n, p = 100000 + 1000 * (int64_t)a + 10 * (int64_t)k;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t r = rnd(s, TSHM_TABLE_TRADES, a, k, i);
		p += (int64_t)(r % 7) - 3;
		ts[i] = day_ns(k) + OPEN_NS + (int64_t)i * step +
			(int64_t)((r >> 8) % (uint64_t)step);
		px[i] = p;
		sz[i] = 1 + (int64_t)((r >> 16) % 100);
		fl[i] = (r >> 24) & 1 ? TSHM_TRADE_BUY : TSHM_TRADE_SELL;
		id[i] = ((int64_t)a << 40) | ((int64_t)k << 20) | (int64_t)i;
	}
}

static void fill_quotes(const struct tshm_ltest_spec *s, uint32_t a, uint32_t k, uint64_t n,
			void *const *cols)
{
	int64_t *ts = cols[0], *bp = cols[1], *bs = cols[2], *ap = cols[3], *as = cols[4];
	int64_t step = SPAN_NS / (int64_t)n, p = 100000 + 1000 * (int64_t)a + 10 * (int64_t)k;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t r = rnd(s, TSHM_TABLE_QUOTES, a, k, i);
		p += (int64_t)(r % 5) - 2;
		ts[i] = day_ns(k) + OPEN_NS + (int64_t)i * step +
			(int64_t)((r >> 8) % (uint64_t)step);
		bp[i] = p;
		ap[i] = p + 1 + (int64_t)((r >> 16) % 3);
		bs[i] = 100 + (int64_t)((r >> 24) % 1000);
		as[i] = 100 + (int64_t)((r >> 36) % 1000);
	}
}

static void fill_bars(const struct tshm_ltest_spec *s, unsigned table, uint32_t a, uint32_t k,
		      uint64_t n, void *const *cols)
{
	int64_t *ts = cols[0], *o = cols[1], *h = cols[2], *l = cols[3], *c = cols[4], *v = cols[5];
	int64_t p = 100000 + 1000 * (int64_t)a + 10 * (int64_t)k;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t r = rnd(s, table, a, k, i);
		int64_t cl = p + (int64_t)(r % 21) - 10;
		ts[i] = day_ns(k) + (table == TSHM_TABLE_BARS_1M ? (int64_t)i * MIN_NS : 0);
		o[i] = p;
		c[i] = cl;
		h[i] = (p > cl ? p : cl) + (int64_t)((r >> 8) % 5);
		l[i] = (p < cl ? p : cl) - (int64_t)((r >> 16) % 5);
		v[i] = (int64_t)((r >> 24) % 100000);
		p = cl;
	}
}

void tshm_ltest_fill_day(const struct tshm_ltest_spec *s, unsigned table, uint32_t a, uint32_t k,
			 void *const *cols)
{
	uint64_t n = tshm_ltest_rows(s, table, a, k);

	if (n == 0)
		return;
	if (table == TSHM_TABLE_TRADES)
		fill_trades(s, a, k, n, cols);
	else if (table == TSHM_TABLE_QUOTES)
		fill_quotes(s, a, k, n, cols);
	else
		fill_bars(s, table, a, k, n, cols);
}

/* Column buffers big enough for any table's day. */
struct day_bufs {
	void *cols[TSHM_MAX_COLS];
};

static int bufs_alloc(struct day_bufs *d, uint64_t rows)
{
	memset(d, 0, sizeof(*d));
	for (int c = 0; c < (int)TSHM_MAX_COLS; c++) {
		d->cols[c] = calloc(rows ? rows : 1, 8);
		if (!d->cols[c])
			return -ENOMEM;
	}
	return 0;
}

static void bufs_free(struct day_bufs *d)
{
	for (int c = 0; c < (int)TSHM_MAX_COLS; c++)
		free(d->cols[c]);
}

static uint64_t max_rows(const struct tshm_ltest_spec *s)
{
	uint64_t m = 1;

	for (unsigned t = TSHM_TABLE_TRADES; t <= TSHM_TABLE_BARS_1D; t++)
		m = tshm_ltest_rows(s, t, 0, 0) > m ? tshm_ltest_rows(s, t, 0, 0) : m;
	return m;
}

static int put_meta(struct tshm_bundle_txn *t, const struct tshm_ltest_spec *s)
{
	struct tshm_asset as;
	int rc = 0;

	for (uint32_t a = 0; a < s->nassets && rc == 0; a++) {
		tshm_ltest_asset(s, a, &as);
		rc = tshm_bundle_put_asset(t, &as);
		if (rc == 0)
			rc = tshm_bundle_put_symbol(t, as.symbol, day_ns(0), INT64_MAX, as.sid);
	}
	if (rc == 0 && s->nassets)
		rc = tshm_bundle_put_symbol(t, "OLD0", 0, day_ns(0), tshm_ltest_sid(0));
	for (uint32_t k = 0; k < s->ndays && rc == 0; k++)
		rc = tshm_bundle_put_session(t, TSHM_LTEST_DAY0 + (int32_t)k, day_ns(k) + OPEN_NS,
					     day_ns(k) + CLOSE_NS);
	if (rc == 0 && s->nassets > 0 && s->ndays > 1)
		rc = tshm_bundle_put_adjustment(t, tshm_ltest_sid(0), day_ns(1) + OPEN_NS,
						TSHM_ADJ_SPLIT, 2, 1, 0);
	if (rc == 0 && s->nassets > 1 && s->ndays > 0)
		rc = tshm_bundle_put_adjustment(t, tshm_ltest_sid(1), day_ns(0) + OPEN_NS,
						TSHM_ADJ_CASH_DIVIDEND, 1, 1, 2500);
	return rc;
}

static int put_days(struct tshm_bundle_txn *t, const struct tshm_ltest_spec *s)
{
	struct day_bufs d;
	int rc = bufs_alloc(&d, max_rows(s));

	for (unsigned tb = TSHM_TABLE_TRADES; tb <= TSHM_TABLE_BARS_1D && rc == 0; tb++)
		for (uint32_t a = 0; a < s->nassets && rc == 0; a++)
			for (uint32_t k = 0; k < s->ndays && rc == 0; k++) {
				tshm_ltest_fill_day(s, tb, a, k, d.cols);
				rc = tshm_bundle_put_day(t, (enum tshm_table)tb, tshm_ltest_sid(a),
							 TSHM_LTEST_DAY0 + (int32_t)k,
							 tshm_ltest_rows(s, tb, a, k),
							 (const void *const *)d.cols);
			}
	bufs_free(&d);
	return rc;
}

int tshm_ltest_put_bundle(const char *dir, const char *name, const struct tshm_ltest_spec *s)
{
	struct tshm_bundle_txn *t;
	int rc = tshm_bundle_begin(&t, dir, name, TSHM_BUNDLE_CREATE);

	if (rc < 0)
		return rc;
	rc = put_meta(t, s);
	if (rc == 0)
		rc = put_days(t, s);
	if (rc < 0) {
		tshm_bundle_abort(t);
		return rc;
	}
	return tshm_bundle_commit(t);
}

int tshm_ltest_make_bundle(const char *dir, const char *name, uint32_t nassets, uint32_t ndays,
			   uint32_t trades_per_day, uint64_t seed)
{
	struct tshm_ltest_spec s = {nassets, ndays, trades_per_day, seed};

	return tshm_ltest_put_bundle(dir, name, &s);
}

/* ---- checking a loaded segment ---------------------------------------------- */

#define WHY(...) (snprintf(why, len, __VA_ARGS__), -1)

static int check_assets(const struct tshm_view *v, const struct tshm_ltest_spec *s, char *why,
			size_t len)
{
	struct tshm_asset want, got;

	if (tshm_view_nassets(v) != s->nassets)
		return WHY("nassets %u, want %u", tshm_view_nassets(v), s->nassets);
	for (uint32_t a = 0; a < s->nassets; a++) {
		tshm_ltest_asset(s, a, &want);
		if (tshm_view_asset(v, a, &got) < 0 || got.sid != want.sid ||
		    strcmp(got.symbol, want.symbol) || strcmp(got.exchange, want.exchange) ||
		    strcmp(got.currency, want.currency) || got.asset_class != want.asset_class ||
		    got.price_exp != want.price_exp || got.size_exp != want.size_exp ||
		    got.tick_size != want.tick_size || got.lot_size != want.lot_size ||
		    got.start_ts != want.start_ts || got.end_ts != want.end_ts)
			return WHY("asset %u differs", a);
	}
	return 0;
}

struct sym {
	char symbol[TSHM_SYMBOL_MAX];
	int64_t start, end, sid;
};

static int sym_cmp(const void *x, const void *y)
{
	const struct sym *a = x, *b = y;
	int c = memcmp(a->symbol, b->symbol, TSHM_SYMBOL_MAX);

	return c ? c : (a->start > b->start) - (a->start < b->start);
}

static int check_symbols(const struct tshm_view *v, const struct tshm_ltest_spec *s, char *why,
			 size_t len)
{
	struct tshm_column_info c[4];
	struct tshm_table_info ti;
	size_t n = s->nassets ? s->nassets + 1u : 0;
	struct sym *want = calloc(n + 1, sizeof(*want));
	int rc = 0;

	if (!want)
		return WHY("out of memory");
	for (uint32_t a = 0; a < s->nassets; a++) {
		want[a] = (struct sym){
		    .start = day_ns(0), .end = INT64_MAX, .sid = tshm_ltest_sid(a)};
		snprintf(want[a].symbol, sizeof(want[a].symbol), "SYM%u", a);
	}
	if (n) {
		memcpy(want[n - 1].symbol, "OLD0", 4);
		want[n - 1].start = 0;
		want[n - 1].end = day_ns(0);
		want[n - 1].sid = tshm_ltest_sid(0);
	}
	qsort(want, n, sizeof(*want), sym_cmp);
	tshm_view_table(v, TSHM_TABLE_SYMBOLS, &ti);
	for (unsigned k = 0; k < 4; k++)
		tshm_view_column(v, TSHM_TABLE_SYMBOLS, k, &c[k]);
	if (ti.nrows != n)
		rc = WHY("symbols: %llu rows, want %zu", (unsigned long long)ti.nrows, n);
	for (size_t r = 0; rc == 0 && r < n; r++) {
		if (memcmp((const char *)c[0].data + r * TSHM_SYMBOL_MAX, want[r].symbol,
			   TSHM_SYMBOL_MAX) ||
		    ((const int64_t *)c[1].data)[r] != want[r].start ||
		    ((const int64_t *)c[2].data)[r] != want[r].end ||
		    ((const int64_t *)c[3].data)[r] != want[r].sid)
			rc = WHY("symbols: row %zu differs", r);
	}
	free(want);
	return rc;
}

static int check_sessions(const struct tshm_view *v, const struct tshm_ltest_spec *s, char *why,
			  size_t len)
{
	struct tshm_column_info d, o, c;
	struct tshm_table_info ti;

	tshm_view_table(v, TSHM_TABLE_SESSIONS, &ti);
	if (ti.nrows != s->ndays)
		return WHY("sessions: %llu rows", (unsigned long long)ti.nrows);
	tshm_view_column(v, TSHM_TABLE_SESSIONS, 0, &d);
	tshm_view_column(v, TSHM_TABLE_SESSIONS, 1, &o);
	tshm_view_column(v, TSHM_TABLE_SESSIONS, 2, &c);
	for (uint32_t k = 0; k < s->ndays; k++)
		if (((const int32_t *)d.data)[k] != TSHM_LTEST_DAY0 + (int32_t)k ||
		    ((const int64_t *)o.data)[k] != day_ns(k) + OPEN_NS ||
		    ((const int64_t *)c.data)[k] != day_ns(k) + CLOSE_NS)
			return WHY("sessions: row %u differs", k);
	return 0;
}

static int check_adjustments(const struct tshm_view *v, const struct tshm_ltest_spec *s, char *why,
			     size_t len)
{
	struct tshm_column_info c[TSHM_ADJ_NCOLS];
	uint64_t first, count;
	int64_t want[2][5] = {{day_ns(1) + OPEN_NS, TSHM_ADJ_SPLIT, 2, 1, 0},
			      {day_ns(0) + OPEN_NS, TSHM_ADJ_CASH_DIVIDEND, 1, 1, 2500}};

	for (unsigned k = 0; k < TSHM_ADJ_NCOLS; k++)
		tshm_view_column(v, TSHM_TABLE_ADJUSTMENTS, k, &c[k]);
	for (uint32_t a = 0; a < s->nassets; a++) {
		int has = (a == 0 && s->ndays > 1) || (a == 1 && s->ndays > 0);
		if (tshm_view_asset_rows(v, TSHM_TABLE_ADJUSTMENTS, a, &first, &count) < 0 ||
		    count != (uint64_t)(has && a < 2))
			return WHY("adjustments: asset %u has %llu rows", a,
				   (unsigned long long)count);
		if (!count)
			continue;
		for (unsigned k = 0; k < TSHM_ADJ_NCOLS; k++) {
			int64_t got = k == TSHM_ADJ_KIND ? ((const int32_t *)c[k].data)[first]
							 : ((const int64_t *)c[k].data)[first];
			if (got != want[a][k])
				return WHY("adjustments: asset %u col %u differs", a, k);
		}
	}
	return 0;
}

static int cell_cmp(const struct tshm_column_info *ci, uint64_t row, const void *want, uint64_t i)
{
	return memcmp((const uint8_t *)ci->data + row * ci->width,
		      (const uint8_t *)want + i * ci->width, ci->width);
}

static int check_asset_table(const struct tshm_view *v, const struct tshm_ltest_spec *s, unsigned t,
			     uint32_t a, struct day_bufs *d, char *why, size_t len)
{
	struct tshm_column_info ci[TSHM_MAX_COLS];
	struct tshm_table_info ti;
	uint64_t first, count, row;

	tshm_view_table(v, t, &ti);
	for (unsigned c = 0; c < ti.ncols; c++)
		tshm_view_column(v, t, c, &ci[c]);
	if (tshm_view_asset_rows(v, t, a, &first, &count) < 0)
		return WHY("%s: no rows of asset %u", ti.name, a);
	row = first;
	for (uint32_t k = 0; k < s->ndays; k++) {
		uint64_t n = tshm_ltest_rows(s, t, a, k);
		tshm_ltest_fill_day(s, t, a, k, d->cols);
		if (row + n > first + count)
			return WHY("%s: asset %u has too few rows", ti.name, a);
		for (uint64_t i = 0; i < n; i++, row++)
			for (unsigned c = 0; c < ti.ncols; c++)
				if (cell_cmp(&ci[c], row, d->cols[c], i))
					return WHY("%s: asset %u day %u row %llu col %s differs",
						   ti.name, a, k, (unsigned long long)i,
						   ci[c].name);
	}
	return row == first + count ? 0 : WHY("%s: asset %u has extra rows", ti.name, a);
}

int tshm_ltest_check_view(const struct tshm_view *v, const struct tshm_ltest_spec *s, char *why,
			  size_t len)
{
	struct day_bufs d;
	int rc = check_assets(v, s, why, len);

	if (rc == 0)
		rc = check_symbols(v, s, why, len);
	if (rc == 0)
		rc = check_sessions(v, s, why, len);
	if (rc == 0)
		rc = check_adjustments(v, s, why, len);
	if (rc < 0)
		return rc;
	if (bufs_alloc(&d, max_rows(s)) < 0) {
		bufs_free(&d);
		return WHY("out of memory");
	}
	for (unsigned t = TSHM_TABLE_TRADES; t <= TSHM_TABLE_BARS_1D && rc == 0; t++)
		for (uint32_t a = 0; a < s->nassets && rc == 0; a++)
			rc = check_asset_table(v, s, t, a, &d, why, len);
	bufs_free(&d);
	return rc;
}

/* ---- reference loader --------------------------------------------------------- */

static int read_chunk(const struct tshm_bundle *b, const struct tshm_chunk *c, void *buf)
{
	char path[4200];
	ssize_t n;
	int fd, rc;

	rc = tshm_bundle_file_path(b, c->file_id, path, sizeof(path));
	if (rc < 0)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, buf, c->clen, (off_t)c->offset);
	rc = n < 0 ? -errno : (uint64_t)n != c->clen ? -TSHM_ECORRUPT : 0;
	close(fd);
	return rc;
}

static int load_chunks(const struct tshm_bundle *b, struct tshm_writer *w)
{
	struct tshm_chunk_decoder *dec;
	size_t n;
	const struct tshm_chunk *ch = tshm_bundle_chunks(b, &n);
	int rc = tshm_chunk_decoder_new(&dec);

	for (size_t i = 0; i < n && rc == 0; i++) {
		uint8_t *col = tshm_writer_column(w, ch[i].table, ch[i].col);
		void *src = malloc(ch[i].clen);

		if (!col || !src)
			rc = -ENOMEM;
		if (rc == 0)
			rc = read_chunk(b, &ch[i], src);
		if (rc == 0)
			rc = tshm_chunk_decode(dec, &ch[i], src, ch[i].clen,
					       col + tshm_bundle_chunk_row(b, i) * ch[i].width);
		free(src);
	}
	tshm_chunk_decoder_free(dec);
	return rc;
}

int tshm_ltest_load_ref(struct tshm_catalog *cat, const char *dir, const char *bundle, int *hash_ok)
{
	struct tshm_bundle_info info;
	struct tshm_layout_spec spec;
	struct tshm_writer *w = NULL;
	struct tshm_bundle *b;
	uint64_t lo, hi;
	int rc = tshm_bundle_open(&b, dir, 0);

	if (rc < 0)
		return rc;
	tshm_bundle_info(b, &info);
	rc = tshm_bundle_layout(b, &spec);
	if (rc == 0)
		rc = tshm_writer_create(&w, cat, bundle, &spec, NULL);
	if (rc == 0)
		rc = tshm_bundle_fill_meta(b, w);
	if (rc == 0)
		rc = load_chunks(b, w);
	if (rc == 0)
		rc = tshm_writer_commit(w, NULL);
	if (rc == 0) {
		tshm_writer_hash(w, &lo, &hi);
		*hash_ok = lo == info.hash_lo && hi == info.hash_hi;
		rc = tshm_writer_publish(w);
	}
	tshm_writer_destroy(w);
	tshm_bundle_close(b);
	return rc;
}
