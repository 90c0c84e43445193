/* SPDX-License-Identifier: MIT */
/*
 * tshm_gen_write_csv: the generated data as the files of one CSV ingest
 * preset. Data is generated and written one asset-day at a time; files are
 * per asset-day, per asset-month or per asset as the real sources ship
 * them (see gen.h), so memory stays at one asset-day plus a buffer per
 * open file per worker. Files of different assets are independent, so
 * workers (one per CPU) write assets in parallel; the output does not
 * depend on how many.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle_internal.h"
#include "gen_csv.h"
#include "tickshm/text.h"

enum preset {
	BINANCE_TRADES,
	BINANCE_AGGTRADES,
	BINANCE_KLINES,
	TARDIS_TRADES,
	TARDIS_QUOTES,
	TRUEFX,
	ZIPLINE,
	GENERIC,
	NPRESETS
};

enum header_rule { HDR_OPTIONAL, HDR_REQUIRED, HDR_NONE };

static const struct preset_info {
	const char *name;
	enum header_rule header;
	const char *columns;
} presets[NPRESETS] = {
    [BINANCE_TRADES] = {"binance-trades", HDR_OPTIONAL,
			"id,price,qty,quote_qty,time,is_buyer_maker,is_best_match"},
    [BINANCE_AGGTRADES] = {"binance-aggtrades", HDR_OPTIONAL,
			   "agg_trade_id,price,quantity,first_trade_id,last_trade_id,"
			   "transact_time,is_buyer_maker,is_best_match"},
    [BINANCE_KLINES] = {"binance-klines", HDR_OPTIONAL,
			"open_time,open,high,low,close,volume,close_time,quote_volume,count,"
			"taker_buy_volume,taker_buy_quote_volume,ignore"},
    [TARDIS_TRADES] = {"tardis-trades", HDR_REQUIRED,
		       "exchange,symbol,timestamp,local_timestamp,id,side,price,amount"},
    [TARDIS_QUOTES] = {"tardis-quotes", HDR_REQUIRED,
		       "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,"
		       "bid_amount"},
    [TRUEFX] = {"truefx", HDR_NONE, NULL},
    [ZIPLINE] = {"zipline-csvdir", HDR_REQUIRED, "date,open,high,low,close,volume,dividend,split"},
    [GENERIC] = {"generic", HDR_OPTIONAL, NULL},
};

/* generic: one file per table, in this order in w->generic[]. */
static const struct {
	unsigned table;
	const char *file, *columns;
} generic_files[4] = {
    {TSHM_TABLE_TRADES, "trades.csv", "ts,symbol,price,size,side,id"},
    {TSHM_TABLE_QUOTES, "quotes.csv", "ts,symbol,bid_px,bid_sz,ask_px,ask_sz"},
    {TSHM_TABLE_BARS_1M, "bars_1m.csv", "ts,symbol,open,high,low,close,volume"},
    {TSHM_TABLE_BARS_1D, "bars_1d.csv", "ts,symbol,open,high,low,close,volume"},
};

const char *tshm_gen_csv_preset(unsigned i)
{
	return i < NPRESETS ? presets[i].name : NULL;
}

static int find_preset(const char *name)
{
	for (int i = 0; name && i < NPRESETS; i++)
		if (strcmp(presets[i].name, name) == 0)
			return i;
	return -EINVAL;
}

/* ---- files ---------------------------------------------------------- */

/* Open @name (printf format) in @dir and write @columns as its header if asked. */
static int open_file(struct tshm__csv *w, struct tshm__gen_out *o, const char *dir,
		     const char *columns, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int open_file(struct tshm__csv *w, struct tshm__gen_out *o, const char *dir,
		     const char *columns, const char *fmt, ...)
{
	char name[256];
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(name))
		return -ENAMETOOLONG;
	rc = tshm__gen_out_open(o, dir, name);
	if (rc == 0 && w->header && columns)
		tshm__csv_line(w, o, columns);
	return rc;
}

/* The per-month file @o of the current asset, switched when the month changes. */
static int month_file(struct tshm__csv *w, struct tshm__gen_out *o, const char *columns,
		      const char *kind)
{
	int rc;

	if (o->fd >= 0 && memcmp(w->month, w->date, 7) == 0)
		return 0;
	rc = tshm__gen_out_close(o);
	memcpy(w->month, w->date, 7);
	w->month[7] = '\0';
	if (rc == 0)
		rc = open_file(w, o, w->dir, columns, "%s%s-%s.csv", w->asset.symbol, kind,
			       w->month);
	return rc;
}

/* ---- one asset-day per preset --------------------------------------- */

static int write_day(struct tshm__csv *w, int preset, const struct tshm_gen_day *d)
{
	const char *cols = presets[preset].columns, *sym = w->asset.symbol;
	struct tshm__gen_out *o = &w->day;
	int rc = 0;

	switch (preset) {
	case BINANCE_TRADES:
	case BINANCE_AGGTRADES:
		rc = open_file(w, o, w->dir, cols, "%s-%s-%s.csv", sym,
			       preset == BINANCE_TRADES ? "trades" : "aggTrades", w->date);
		if (rc == 0)
			tshm__csv_binance_trades(w, o, d, preset == BINANCE_AGGTRADES);
		break;
	case BINANCE_KLINES:
		rc = open_file(w, o, w->dir, cols, "%s-1m-%s.csv", sym, w->date);
		if (rc == 0)
			tshm__csv_binance_klines(w, o, &d->tables[TSHM_TABLE_BARS_1M], &d->extra_1m,
						 TSHM__GEN_MINUTE);
		if (rc == 0 && (rc = month_file(w, &w->span, cols, "-1d")) == 0)
			tshm__csv_binance_klines(w, &w->span, &d->tables[TSHM_TABLE_BARS_1D],
						 &d->extra_1d, TSHM_DAY_NS);
		break;
	case TARDIS_TRADES:
	case TARDIS_QUOTES:
		rc = open_file(w, o, w->dir, cols, "%s_%s_%s_%s.csv", w->asset.exchange,
			       preset == TARDIS_TRADES ? "trades" : "quotes", w->date, sym);
		if (rc == 0 && preset == TARDIS_TRADES)
			tshm__csv_tardis_trades(w, o, d);
		else if (rc == 0)
			tshm__csv_tardis_quotes(w, o, d);
		break;
	case TRUEFX:
		rc = month_file(w, &w->span, NULL, "");
		if (rc == 0)
			tshm__csv_truefx(w, &w->span, d);
		return rc;
	case ZIPLINE:
		tshm__csv_zipline(w, &w->span, d);
		return 0;
	case GENERIC:
		for (unsigned i = 0; i < 4; i++)
			tshm__csv_generic(w, &w->generic[i], d, generic_files[i].table);
		return 0;
	}
	return rc ? rc : tshm__gen_out_close(o);
}

/* "YYYY-MM-DD" and "YYYYMMDD" of @day. */
static void set_date(struct tshm__csv *w, int32_t day)
{
	char iso[TSHM_TS_BUFSZ];

	tshm_ts_format(iso, sizeof(iso), tshm__gen_day_ns(day));
	memcpy(w->date, iso, 10);
	w->date[10] = '\0';
	memcpy(w->compact, iso, 4);
	memcpy(w->compact + 4, iso + 5, 2);
	memcpy(w->compact + 6, iso + 8, 2);
	w->compact[8] = '\0';
}

static int write_asset(struct tshm__csv *w, struct tshm_gen_cursor *c, int preset, uint32_t a,
		       struct tshm_gen_stats *st)
{
	char daily[PATH_MAX];
	struct tshm_gen_day d;
	int rc, rc2;

	tshm_gen_asset(w->g, a, &w->asset);
	tshm_gen_cursor_start(c, a);
	w->month[0] = '\0';
	if (preset == ZIPLINE) {
		snprintf(daily, sizeof(daily), "%s/daily", w->dir);
		rc = open_file(w, &w->span, daily, presets[ZIPLINE].columns, "%s.csv",
			       w->asset.symbol);
		if (rc < 0)
			return rc;
	}
	while ((rc = tshm_gen_cursor_next(c, &d)) > 0) {
		tshm__gen_stats_add(st, &d);
		set_date(w, d.day);
		rc = write_day(w, preset, &d);
		if (rc < 0)
			break;
	}
	rc2 = tshm__gen_out_close(&w->span);
	return rc < 0 ? rc : rc2;
}

/* ---- the whole run -------------------------------------------------- */

/* Assets are shared out to workers one at a time; every file belongs to one asset. */
struct job {
	const struct tshm_gen *g;
	int preset;
	struct tshm__csv proto; /* settings every worker copies */
	atomic_uint next;	/* next asset to write; relaxed: a counter, no data behind it */
	atomic_int failed;	/* relaxed: only makes the others stop early */
};

struct worker {
	struct job *job;
	struct tshm__csv w;
	struct tshm_gen_stats st;
	pthread_t thread;
	int rc;
};

static int open_generic(struct tshm__csv *w)
{
	int rc = 0;

	for (unsigned i = 0; i < 4 && rc == 0; i++)
		rc = open_file(w, &w->generic[i], w->dir, generic_files[i].columns, "%s",
			       generic_files[i].file);
	return rc;
}

static int init_outs(struct tshm__csv *w)
{
	bool z = w->flags & TSHM_GEN_CSV_ZSTD;
	int rc = tshm__gen_out_init(&w->day, z);

	if (rc == 0)
		rc = tshm__gen_out_init(&w->span, z);
	for (unsigned i = 0; i < 4 && rc == 0; i++)
		rc = tshm__gen_out_init(&w->generic[i], z);
	return rc;
}

/* Close what is open; fold the files' counts into @st. Returns the first error. */
static int fini_outs(struct tshm__csv *w, struct tshm_gen_stats *st)
{
	struct tshm__gen_out *outs[6] = {&w->day,	 &w->span,	 &w->generic[0],
					 &w->generic[1], &w->generic[2], &w->generic[3]};
	int rc = 0;

	for (unsigned i = 0; i < 6; i++) {
		int r = tshm__gen_out_close(outs[i]);

		rc = rc ? rc : r;
		st->files += outs[i]->files;
		st->text_bytes += outs[i]->text_bytes;
		st->out_bytes += outs[i]->out_bytes;
		tshm__gen_out_fini(outs[i]);
	}
	return rc;
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct job *job = wk->job;
	struct tshm_gen_cursor *c = NULL;
	int rc = init_outs(&wk->w), rc2;

	if (rc == 0)
		rc = tshm_gen_cursor_new(&c, job->g);
	if (rc == 0 && job->preset == GENERIC)
		rc = open_generic(&wk->w);
	while (rc == 0 && !atomic_load_explicit(&job->failed, memory_order_relaxed)) {
		unsigned a = atomic_fetch_add_explicit(&job->next, 1, memory_order_relaxed);

		if (a >= job->g->o.nassets)
			break;
		rc = write_asset(&wk->w, c, job->preset, a, &wk->st);
	}
	tshm_gen_cursor_free(c);
	rc2 = fini_outs(&wk->w, &wk->st);
	wk->rc = rc ? rc : rc2;
	if (wk->rc)
		atomic_store_explicit(&job->failed, 1, memory_order_relaxed);
	return NULL;
}

/* One worker per CPU (at most 16) for per-asset files; generic's shared files take one. */
static unsigned nworkers(const struct job *job)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned n = cpus < 1 ? 1 : cpus > 16 ? 16 : (unsigned)cpus;

	if (job->preset == GENERIC)
		return 1;
	return n < job->g->o.nassets ? n : job->g->o.nassets;
}

/* Fold worker @wk's counts into @st. */
static void merge_stats(struct tshm_gen_stats *st, const struct worker *wk)
{
	for (unsigned t = TSHM_TABLE_TRADES; t < TSHM_TABLE_COUNT; t++)
		st->rows[t] += wk->st.rows[t];
	st->raw_bytes += wk->st.raw_bytes;
	st->files += wk->st.files;
	st->text_bytes += wk->st.text_bytes;
	st->out_bytes += wk->st.out_bytes;
}

static int run(struct job *job, struct tshm_gen_stats *st)
{
	unsigned n = nworkers(job), started = 0;
	struct worker *wk = calloc(n, sizeof(*wk));
	int rc = 0;

	if (!wk)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		wk[i].job = job;
		wk[i].w = job->proto;
	}
	/* The first worker runs on this thread; a failed thread start just means fewer. */
	for (unsigned i = 1; i < n && pthread_create(&wk[i].thread, NULL, worker_main, &wk[i]) == 0;
	     i++)
		started = i;
	worker_main(&wk[0]);
	for (unsigned i = 1; i <= started; i++)
		pthread_join(wk[i].thread, NULL);
	for (unsigned i = 0; i <= started; i++) {
		rc = rc ? rc : wk[i].rc;
		if (st)
			merge_stats(st, &wk[i]);
	}
	free(wk);
	return rc;
}

static int make_dirs(const char *dir, int preset)
{
	char daily[PATH_MAX];
	int rc = tshm__mkdirs(dir, NULL);

	if (rc == 0 && preset == ZIPLINE) {
		snprintf(daily, sizeof(daily), "%s/daily", dir);
		rc = tshm__mkdirs(daily, NULL);
	}
	return rc;
}

int tshm_gen_write_csv(const struct tshm_gen_opts *o, const char *preset, const char *out_dir,
		       unsigned flags, struct tshm_gen_stats *st)
{
	const unsigned known = TSHM_GEN_CSV_ZSTD | TSHM_GEN_CSV_NO_HEADER | TSHM_GEN_CSV_CRLF;
	struct job job = {.preset = find_preset(preset)};
	struct tshm__csv *w = &job.proto;
	struct tshm_gen *g;
	int rc;

	tshm__gen_stats_begin(st, NULL);
	if (job.preset < 0 || !out_dir || (flags & ~known) ||
	    ((flags & TSHM_GEN_CSV_NO_HEADER) && presets[job.preset].header != HDR_OPTIONAL))
		return -EINVAL;
	rc = tshm_gen_new(&g, o);
	if (rc < 0)
		return rc;
	tshm__gen_stats_begin(st, g);
	job.g = w->g = g;
	w->day.fd = w->span.fd = -1;
	for (unsigned i = 0; i < 4; i++)
		w->generic[i].fd = -1;
	w->dir = out_dir;
	w->flags = flags;
	w->header = presets[job.preset].header != HDR_NONE && !(flags & TSHM_GEN_CSV_NO_HEADER);
	w->eol = flags & TSHM_GEN_CSV_CRLF ? "\r\n" : "\n";
	w->eol_len = strlen(w->eol);
	rc = make_dirs(out_dir, job.preset);
	if (rc == 0)
		rc = run(&job, st);
	tshm_gen_free(g);
	tshm__gen_stats_end(st);
	return rc;
}
