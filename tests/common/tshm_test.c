/* SPDX-License-Identifier: MIT */
#include "tshm_test.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char test_ns[TSHM_NAMESPACE_MAX];

const struct tshm_test_bundle tshm_test_small = {
    .nassets = 3, .ndays = 3, .trades_per_day = 50, .quotes_per_day = 20, .seed = 1};

const char *tshm_test_ns(void)
{
	return test_ns;
}

static int ns_walk(int do_unlink)
{
	char prefix[TSHM_NAMESPACE_MAX + 16];
	int n = 0;
	DIR *d = opendir("/dev/shm");
	struct dirent *e;

	if (!d || !test_ns[0]) {
		if (d)
			closedir(d);
		return 0;
	}
	snprintf(prefix, sizeof(prefix), "tickshm.%s.", test_ns);
	while ((e = readdir(d))) {
		char path[300];

		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		n++;
		if (do_unlink) {
			snprintf(path, sizeof(path), "/dev/shm/%s", e->d_name);
			unlink(path);
		}
	}
	closedir(d);
	return n;
}

int tshm_test_ns_clean(void)
{
	return ns_walk(1);
}

int tshm_test_clean(void **state)
{
	(void)state;
	tshm_test_ns_clean();
	return 0;
}

int tshm_test_ns_count(void)
{
	return ns_walk(0);
}

static pid_t owner_pid;

static void clean_at_exit(void)
{
	/* Forked children exit too; only the process that made the namespace cleans. */
	if (getpid() == owner_pid)
		tshm_test_ns_clean();
}

static void rm_tmpdirs(void);

static void clean_on_signal(int sig)
{
	if (getpid() == owner_pid)
		tshm_test_ns_clean();
	rm_tmpdirs(); /* not async-signal-safe, like the above: the test is dying */
	signal(sig, SIG_DFL);
	raise(sig);
}

const char *tshm_test_ns_init(const char *tag)
{
	char clean_tag[16];
	size_t i;

	for (i = 0; tag[i] && i < sizeof(clean_tag) - 1; i++)
		clean_tag[i] = (tag[i] == '_' || tag[i] == '-' ||
				(tag[i] >= 'a' && tag[i] <= 'z') ||
				(tag[i] >= '0' && tag[i] <= '9'))
				   ? tag[i]
				   : '_';
	clean_tag[i] = '\0';
	owner_pid = getpid();
	snprintf(test_ns, sizeof(test_ns), "tst%dx%s", (int)owner_pid, clean_tag);
	setenv("TICKSHM_NAMESPACE", test_ns, 1);
	atexit(clean_at_exit);
	signal(SIGABRT, clean_on_signal);
	signal(SIGSEGV, clean_on_signal);
	signal(SIGTERM, clean_on_signal);
	signal(SIGINT, clean_on_signal);
	return test_ns;
}

/* ---- synthetic bundles ---------------------------------------------- */

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

#define SESSION_OPEN_NS (INT64_C(52200) * 1000000000) /* 14:30 UTC */
#define SESSION_LEN_NS (INT64_C(23400) * 1000000000)  /* 6.5 h */

void tshm_test_spec(const struct tshm_test_bundle *b, struct tshm_layout_spec *spec)
{
	int32_t day0 = tshm_day_of(TSHM_TEST_T0);
	uint64_t na = b->nassets;

	memset(spec, 0, sizeof(*spec));
	spec->nassets = b->nassets;
	spec->tables[TSHM_TABLE_SYMBOLS].nrows = na + (na > 0);
	spec->tables[TSHM_TABLE_SESSIONS].nrows = b->ndays;
	spec->tables[TSHM_TABLE_TRADES].nrows = na * b->ndays * b->trades_per_day;
	spec->tables[TSHM_TABLE_QUOTES].nrows = na * b->ndays * b->quotes_per_day;
	spec->tables[TSHM_TABLE_BARS_1M].nrows = na * b->ndays * 10;
	spec->tables[TSHM_TABLE_BARS_1D].nrows = na * b->ndays;
	spec->tables[TSHM_TABLE_ADJUSTMENTS].nrows = na;
	for (unsigned t = TSHM_TABLE_TRADES; t <= TSHM_TABLE_ADJUSTMENTS; t++) {
		spec->tables[t].day0 = day0;
		spec->tables[t].ndays = b->ndays ? b->ndays : 1;
	}
}

int64_t tshm_test_trade_ts(const struct tshm_test_bundle *b, uint32_t asset, uint32_t day,
			   uint32_t i)
{
	int64_t step = SESSION_LEN_NS / (b->trades_per_day ? b->trades_per_day : 1);

	return TSHM_TEST_T0 + (int64_t)day * TSHM_DAY_NS + SESSION_OPEN_NS + (int64_t)i * step +
	       (int64_t)asset * 1000;
}

static int fill_assets(struct tshm_writer *w, const struct tshm_test_bundle *b)
{
	int rc = 0;

	for (uint32_t a = 0; a < b->nassets && rc == 0; a++) {
		struct tshm_asset as = {
		    .sid = 100 + 10 * (int64_t)a,
		    .exchange = "TEST",
		    .currency = "USD",
		    .asset_class = a % 2 ? TSHM_CLASS_CRYPTO : TSHM_CLASS_EQUITY,
		    .price_exp = a % 2 ? -4 : -2,
		    .size_exp = a % 2 ? -3 : 0,
		    .tick_size = 1,
		    .lot_size = 1,
		    .start_ts = TSHM_TEST_T0,
		    .end_ts = TSHM_TEST_T0 + (int64_t)b->ndays * TSHM_DAY_NS,
		};
		snprintf(as.symbol, sizeof(as.symbol), "SYM%u", a);
		rc = tshm_writer_set_asset(w, a, &as);
	}
	return rc;
}

/* Asset 0 was "OLD0" until the second day; symbols sort as OLD0 < SYM0 < SYM1 ... */
static void fill_symbols(struct tshm_writer *w, const struct tshm_test_bundle *b)
{
	char *sym = tshm_writer_column(w, TSHM_TABLE_SYMBOLS, TSHM_SYMBOLS_SYMBOL);
	int64_t *st = tshm_writer_column(w, TSHM_TABLE_SYMBOLS, TSHM_SYMBOLS_START_TS);
	int64_t *en = tshm_writer_column(w, TSHM_TABLE_SYMBOLS, TSHM_SYMBOLS_END_TS);
	int64_t *sid = tshm_writer_column(w, TSHM_TABLE_SYMBOLS, TSHM_SYMBOLS_SID);
	int64_t rename = TSHM_TEST_T0 + TSHM_DAY_NS;
	uint32_t r = 0;

	if (!b->nassets)
		return;
	snprintf(sym, TSHM_SYMBOL_MAX, "OLD0");
	st[0] = 0;
	en[0] = rename;
	sid[0] = 100;
	r = 1;
	/* "SYM10" sorts before "SYM2": emit in strcmp order. */
	uint32_t n = b->nassets;
	char(*names)[TSHM_SYMBOL_MAX] = calloc(n, TSHM_SYMBOL_MAX);
	uint32_t *order = calloc(n, sizeof(*order));
	if (!names || !order)
		abort();
	for (uint32_t a = 0; a < n; a++) {
		snprintf(names[a], TSHM_SYMBOL_MAX, "SYM%u", a);
		order[a] = a;
	}
	for (uint32_t i = 1; i < n; i++)
		for (uint32_t j = i; j > 0 && strcmp(names[order[j - 1]], names[order[j]]) > 0;
		     j--) {
			uint32_t t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (uint32_t k = 0; k < n; k++, r++) {
		uint32_t a = order[k];
		memcpy(sym + (size_t)r * TSHM_SYMBOL_MAX, names[a], TSHM_SYMBOL_MAX);
		st[r] = a == 0 ? rename : 0;
		en[r] = INT64_MAX;
		sid[r] = 100 + 10 * (int64_t)a;
	}
	free(names);
	free(order);
}

static void fill_sessions(struct tshm_writer *w, const struct tshm_test_bundle *b)
{
	int32_t *day = tshm_writer_column(w, TSHM_TABLE_SESSIONS, TSHM_SESSIONS_DAY);
	int64_t *op = tshm_writer_column(w, TSHM_TABLE_SESSIONS, TSHM_SESSIONS_OPEN_TS);
	int64_t *cl = tshm_writer_column(w, TSHM_TABLE_SESSIONS, TSHM_SESSIONS_CLOSE_TS);

	for (uint32_t d = 0; d < b->ndays; d++) {
		int64_t start = TSHM_TEST_T0 + (int64_t)d * TSHM_DAY_NS;
		day[d] = tshm_day_of(start);
		op[d] = start + SESSION_OPEN_NS;
		cl[d] = start + SESSION_OPEN_NS + SESSION_LEN_NS;
	}
}

static void fill_index(struct tshm_writer *w, unsigned t, uint32_t nassets, uint64_t per_asset)
{
	uint64_t *idx = tshm_writer_row_index(w, t);

	for (uint32_t a = 0; a <= nassets; a++)
		idx[a] = (uint64_t)a * per_asset;
}

static void fill_trades(struct tshm_writer *w, const struct tshm_test_bundle *b)
{
	int64_t *ts = tshm_writer_column(w, TSHM_TABLE_TRADES, TSHM_TRADES_TS);
	int64_t *px = tshm_writer_column(w, TSHM_TABLE_TRADES, TSHM_TRADES_PRICE);
	int64_t *sz = tshm_writer_column(w, TSHM_TABLE_TRADES, TSHM_TRADES_SIZE);
	int32_t *fl = tshm_writer_column(w, TSHM_TABLE_TRADES, TSHM_TRADES_FLAGS);
	int64_t *id = tshm_writer_column(w, TSHM_TABLE_TRADES, TSHM_TRADES_ID);
	uint64_t r = 0;

	for (uint32_t a = 0; a < b->nassets; a++) {
		uint64_t rng = b->seed * 1000003u + a;
		int64_t p = 10000 + 100 * (int64_t)a;

		for (uint32_t d = 0; d < b->ndays; d++)
			for (uint32_t i = 0; i < b->trades_per_day; i++, r++) {
				uint64_t x = splitmix(&rng);
				p += (int64_t)(x % 5) - 2;
				if (p < 1)
					p = 1;
				ts[r] = tshm_test_trade_ts(b, a, d, i);
				px[r] = p;
				sz[r] = (int64_t)(x >> 32) % 500 + 1;
				fl[r] = (x >> 8) & 1 ? TSHM_TRADE_BUY : TSHM_TRADE_SELL;
				id[r] = (int64_t)r + 1;
			}
	}
	fill_index(w, TSHM_TABLE_TRADES, b->nassets, (uint64_t)b->ndays * b->trades_per_day);
}

static void fill_quotes(struct tshm_writer *w, const struct tshm_test_bundle *b)
{
	int64_t *ts = tshm_writer_column(w, TSHM_TABLE_QUOTES, TSHM_QUOTES_TS);
	int64_t *bp = tshm_writer_column(w, TSHM_TABLE_QUOTES, TSHM_QUOTES_BID_PX);
	int64_t *bs = tshm_writer_column(w, TSHM_TABLE_QUOTES, TSHM_QUOTES_BID_SZ);
	int64_t *ap = tshm_writer_column(w, TSHM_TABLE_QUOTES, TSHM_QUOTES_ASK_PX);
	int64_t *as = tshm_writer_column(w, TSHM_TABLE_QUOTES, TSHM_QUOTES_ASK_SZ);
	int64_t step = SESSION_LEN_NS / (b->quotes_per_day ? b->quotes_per_day : 1);
	uint64_t r = 0;

	for (uint32_t a = 0; a < b->nassets; a++) {
		uint64_t rng = b->seed * 7919u + a;
		for (uint32_t d = 0; d < b->ndays; d++)
			for (uint32_t i = 0; i < b->quotes_per_day; i++, r++) {
				uint64_t x = splitmix(&rng);
				ts[r] = TSHM_TEST_T0 + (int64_t)d * TSHM_DAY_NS + SESSION_OPEN_NS +
					(int64_t)i * step + (int64_t)a;
				bp[r] = 10000 + (int64_t)(x % 50);
				ap[r] = bp[r] + 1 + (int64_t)((x >> 16) % 3);
				bs[r] = (int64_t)((x >> 24) % 900) + 100;
				as[r] = (int64_t)((x >> 40) % 900) + 100;
			}
	}
	fill_index(w, TSHM_TABLE_QUOTES, b->nassets, (uint64_t)b->ndays * b->quotes_per_day);
}

static void fill_bars(struct tshm_writer *w, const struct tshm_test_bundle *b, unsigned t,
		      uint32_t per_day, int64_t step)
{
	int64_t *c[TSHM_BARS_NCOLS];
	uint64_t r = 0;

	for (unsigned k = 0; k < TSHM_BARS_NCOLS; k++)
		c[k] = tshm_writer_column(w, t, k);
	for (uint32_t a = 0; a < b->nassets; a++) {
		uint64_t rng = b->seed * 31337u + a + t;
		for (uint32_t d = 0; d < b->ndays; d++)
			for (uint32_t i = 0; i < per_day; i++, r++) {
				uint64_t x = splitmix(&rng);
				int64_t o = 10000 + (int64_t)(x % 100);
				c[TSHM_BARS_TS][r] = TSHM_TEST_T0 + (int64_t)d * TSHM_DAY_NS +
						     (per_day > 1 ? SESSION_OPEN_NS : 0) +
						     (int64_t)i * step;
				c[TSHM_BARS_OPEN][r] = o;
				c[TSHM_BARS_HIGH][r] = o + (int64_t)((x >> 8) % 20);
				c[TSHM_BARS_LOW][r] = o - (int64_t)((x >> 16) % 20);
				c[TSHM_BARS_CLOSE][r] = o + (int64_t)((x >> 24) % 10) - 5;
				c[TSHM_BARS_VOLUME][r] = (int64_t)((x >> 32) % 100000);
			}
	}
	fill_index(w, t, b->nassets, (uint64_t)b->ndays * per_day);
}

static void fill_adjustments(struct tshm_writer *w, const struct tshm_test_bundle *b)
{
	int64_t *ts = tshm_writer_column(w, TSHM_TABLE_ADJUSTMENTS, TSHM_ADJ_TS);
	int32_t *kind = tshm_writer_column(w, TSHM_TABLE_ADJUSTMENTS, TSHM_ADJ_KIND);
	int64_t *num = tshm_writer_column(w, TSHM_TABLE_ADJUSTMENTS, TSHM_ADJ_RATIO_NUM);
	int64_t *den = tshm_writer_column(w, TSHM_TABLE_ADJUSTMENTS, TSHM_ADJ_RATIO_DEN);
	int64_t *amt = tshm_writer_column(w, TSHM_TABLE_ADJUSTMENTS, TSHM_ADJ_AMOUNT);

	for (uint32_t a = 0; a < b->nassets; a++) {
		ts[a] = TSHM_TEST_T0 + (int64_t)(b->ndays / 2) * TSHM_DAY_NS;
		kind[a] = a % 2 ? TSHM_ADJ_CASH_DIVIDEND : TSHM_ADJ_SPLIT;
		num[a] = a % 2 ? 1 : 2;
		den[a] = 1;
		amt[a] = a % 2 ? 25 : 0;
	}
	fill_index(w, TSHM_TABLE_ADJUSTMENTS, b->nassets, 1);
}

int tshm_test_fill(struct tshm_writer *w, const struct tshm_test_bundle *b)
{
	int rc = fill_assets(w, b);

	if (rc < 0)
		return rc;
	fill_symbols(w, b);
	fill_sessions(w, b);
	fill_trades(w, b);
	fill_quotes(w, b);
	fill_bars(w, b, TSHM_TABLE_BARS_1M, 10, INT64_C(60000000000));
	fill_bars(w, b, TSHM_TABLE_BARS_1D, 1, 0);
	fill_adjustments(w, b);
	return 0;
}

int64_t tshm_test_publish(struct tshm_catalog *cat, const char *bundle,
			  const struct tshm_test_bundle *b)
{
	struct tshm_layout_spec spec;
	struct tshm_writer *w;
	int64_t gen;
	int rc;

	tshm_test_spec(b, &spec);
	rc = tshm_writer_create(&w, cat, bundle, &spec, NULL);
	if (rc < 0)
		return rc;
	gen = (int64_t)tshm_writer_generation(w);
	rc = tshm_test_fill(w, b);
	if (rc == 0)
		rc = tshm_writer_commit(w, NULL);
	if (rc == 0)
		rc = tshm_writer_publish(w);
	tshm_writer_destroy(w);
	return rc < 0 ? rc : gen;
}

/* ---- temporary directories ----------------------------------------------- */

#define MAX_TMPDIRS 32

static char tmpdirs[MAX_TMPDIRS][64];
static pid_t tmpdirs_pid;

static void rm_tmpdirs(void)
{
	if (getpid() != tmpdirs_pid)
		return; /* a forked child must not remove its parent's directories */
	for (int i = 0; i < MAX_TMPDIRS; i++)
		if (tmpdirs[i][0])
			tshm_test_rmtree(tmpdirs[i]);
}

int tshm_test_mkdtemp(char *buf, size_t len)
{
	char tmpl[] = "/tmp/tshm-test-XXXXXX";

	if (len < sizeof(tmpl))
		return -ENAMETOOLONG;
	if (!mkdtemp(tmpl))
		return -errno;
	strcpy(buf, tmpl);
	if (!tmpdirs_pid) {
		tmpdirs_pid = getpid();
		atexit(rm_tmpdirs); /* clean_on_signal covers aborts */
	}
	for (int i = 0; i < MAX_TMPDIRS; i++) {
		if (!tmpdirs[i][0] || access(tmpdirs[i], F_OK) < 0) {
			strcpy(tmpdirs[i], tmpl);
			break;
		}
	}
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT ? -1 : 0;
}

int tshm_test_rmtree(const char *path)
{
	if (access(path, F_OK) < 0)
		return 0;
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 ? -errno : 0;
}

const char *tshm_test_cli(void)
{
	const char *cli = getenv("TICKSHM_CLI");

	if (!cli || !*cli || access(cli, X_OK) < 0) {
#ifdef TSHM_TEST_HAVE_CLI
		fail_msg("TICKSHM_CLI not set or not executable, but the CLI was built: run "
			 "the test under ctest or set TICKSHM_CLI");
#else
		print_message("    no tools build: skipped\n");
		skip();
#endif
	}
	return cli;
}
