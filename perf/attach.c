/* SPDX-License-Identifier: MIT */
/*
 * tshm_perf_attach - what a worker pays to get at a published bundle:
 * attach + validate (small and large segment, with the phases timed one by
 * one), a pool hit, a history window lookup, and, for comparison, loading
 * the same columns from a file into fresh memory. One run, one private
 * namespace, nothing left behind. See perf/README.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach.h"
#include "perf_ns.h"

#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)
#define DEFAULT_REPS 2000u
#define ATTACH_WARMUP 100u
#define POOL_BATCH 100000u
#define POOL_BATCHES 30u
#define HIST_QUERIES (1u << 20)
#define HIST_BATCH 100000u
#define HIST_BATCHES 30u
#define HIST_MAX_COUNT 1000u
#define BASELINE_BUDGET (8 * GIB) /* bytes loaded per size: bounds the large one's reps */
#define BASELINE_MIN_REPS 5u
#define SAMPLE_CAP (256 * MIB)

static volatile uint64_t sink; /* keeps results observable */

static void usage(FILE *f)
{
	fprintf(f, "usage: tshm_perf_attach [--small] [--reps N] [--baseline-sample] [--strict]\n"
		   "  --small            use a 256 MiB bundle instead of 4 GiB\n"
		   "  --reps N           attaches timed per size (default 2000)\n"
		   "  --baseline-sample  cap the large baseline file at 256 MiB\n"
		   "  --strict           exit 2 when a target is missed\n");
}

static int parse_args(int argc, char **argv, struct attach_options *o)
{
	memset(o, 0, sizeof(*o));
	o->reps = DEFAULT_REPS;
	for (int i = 1; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "--small")) {
			o->small = 1;
		} else if (!strcmp(argv[i], "--baseline-sample")) {
			o->sample = 1;
		} else if (!strcmp(argv[i], "--strict")) {
			o->strict = 1;
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			unsigned long v = strtoul(argv[++i], &end, 10);
			if (*end || v == 0 || v > 10000000)
				return -1;
			o->reps = (unsigned)v;
		} else {
			return strcmp(argv[i], "--help") && strcmp(argv[i], "-h") ? -1 : 1;
		}
	}
	return 0;
}

static void init_cases(struct attach_results *r, const struct attach_options *o)
{
	struct attach_case *s = &r->cases[0], *l = &r->cases[1];

	memset(r, 0, sizeof(*r));
	*s = (struct attach_case){
	    .key = "small", .label = "1 MiB", .bundle = "attach1m", .target = MIB};
	perf_bundle_sized(s->target, 4, 2, &s->spec);
	*l = (struct attach_case){.key = "large",
				  .label = o->small ? "256 MiB" : "4 GiB",
				  .bundle = o->small ? "attach256m" : "attach4g",
				  .target = o->small ? 256 * MIB : 4 * GIB};
	perf_bundle_sized(l->target, 4, o->small ? 10 : 20, &l->spec);
}

/* ---- attach + validate ------------------------------------------------- */

/* open + unref per sample; the open alone is noted too (ns[reps + i]). */
static int bench_attach(const struct tshm_catalog *cat, struct attach_case *c, unsigned reps)
{
	double *ns = calloc(2 * (size_t)reps, sizeof(*ns));
	int rc = ns ? 0 : -ENOMEM;

	for (unsigned i = 0; i < ATTACH_WARMUP + reps && rc == 0; i++) {
		uint64_t t0 = perf_now_ns(), t1;
		struct tshm_view *v;

		rc = tshm_view_open(&v, cat, c->bundle);
		t1 = perf_now_ns();
		tshm_view_unref(v);
		if (i < ATTACH_WARMUP)
			continue;
		ns[i - ATTACH_WARMUP] = (double)(perf_now_ns() - t0);
		ns[reps + i - ATTACH_WARMUP] = (double)(t1 - t0);
	}
	if (rc == 0) {
		perf_stats_of(ns, reps, &c->attach);
		perf_stats_of(ns + reps, reps, &c->open);
	}
	free(ns);
	return rc;
}

/* Header + directory, read by the library with one pread() per attach. */
#define META_BYTES                                                                                 \
	(sizeof(struct tshm_seg_header) + TSHM_TABLE_SLOTS * sizeof(struct tshm_table_desc))
static _Alignas(64) uint8_t meta_copy[META_BYTES];

/* shm_open + fstat, then pread of the metadata + mmap + close: the middle phases. */
static int map_segment(const char *name, void **p, size_t *size, uint64_t *mark)
{
	struct stat st;
	int fd = shm_open(name, O_RDONLY | O_CLOEXEC, 0), rc = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	mark[0] = perf_now_ns();
	*size = (size_t)st.st_size;
	if (pread(fd, meta_copy, sizeof(meta_copy), 0) != (ssize_t)sizeof(meta_copy)) {
		close(fd);
		return -EIO;
	}
	*p = mmap(NULL, *size, PROT_READ, MAP_SHARED, fd, 0);
	if (*p == MAP_FAILED)
		rc = -errno;
	close(fd);
	mark[1] = perf_now_ns();
	return rc;
}

/* What tshm_view_open() does, step by step through public calls. */
static int attach_phased(const struct tshm_catalog *cat, const char *bundle, double *t)
{
	uint64_t mark[PH_COUNT + 1] = {0};
	struct tshm_descriptor d;
	struct tshm_view *v;
	size_t size = 0;
	void *p = NULL;
	int rc;

	mark[0] = perf_now_ns();
	rc = tshm_catalog_lookup(cat, bundle, &d);
	mark[1] = perf_now_ns();
	if (rc == 0)
		rc = map_segment(d.segment, &p, &size, &mark[2]);
	if (rc < 0)
		return rc;
	/* Validation of the private copy: open_mem copies and checks only the
	 * metadata, so handing it the copy measures exactly what the library
	 * does after its pread; the view is released unused. */
	rc = tshm_view_open_mem(&v, meta_copy, size, 0);
	mark[4] = perf_now_ns();
	if (rc == 0)
		tshm_view_unref(v);
	munmap(p, size);
	mark[5] = perf_now_ns();
	for (int k = 0; k < PH_COUNT; k++)
		t[k] = (double)(mark[k + 1] - mark[k]);
	return rc;
}

static int bench_phases(const struct tshm_catalog *cat, struct attach_case *c, unsigned reps)
{
	double *ns = calloc((size_t)reps * PH_COUNT, sizeof(*ns)), t[PH_COUNT];
	int rc = ns ? 0 : -ENOMEM;

	for (unsigned i = 0; i < ATTACH_WARMUP + reps && rc == 0; i++) {
		rc = attach_phased(cat, c->bundle, t);
		for (int k = 0; k < PH_COUNT && i >= ATTACH_WARMUP; k++)
			ns[(size_t)k * reps + (i - ATTACH_WARMUP)] = t[k];
	}
	for (int k = 0; k < PH_COUNT && rc == 0; k++)
		perf_stats_of(ns + (size_t)k * reps, reps, &c->phase[k]);
	free(ns);
	return rc;
}

/* ---- pool hit ------------------------------------------------------------ */

static int pool_batch(struct tshm_pool *p, const char *bundle, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct tshm_view *v;
		int rc = tshm_pool_get(p, bundle, &v);

		if (rc < 0)
			return rc;
		tshm_pool_put(p, v);
	}
	return 0;
}

static int bench_pool(struct attach_results *r, const char *bundle)
{
	struct tshm_pool_config cfg = {.ns = perf_ns()};
	double ns[POOL_BATCHES];
	struct tshm_pool *p;
	int rc = tshm_pool_create(&p, &cfg);

	if (rc < 0)
		return rc;
	rc = pool_batch(p, bundle, POOL_BATCH); /* the one miss, then warm-up */
	for (unsigned b = 0; b < POOL_BATCHES && rc == 0; b++) {
		uint64_t t0 = perf_now_ns();

		rc = pool_batch(p, bundle, POOL_BATCH);
		ns[b] = (double)(perf_now_ns() - t0) / POOL_BATCH;
	}
	tshm_pool_stats(p, &r->pool_counters);
	tshm_pool_destroy(p);
	if (rc < 0)
		return rc;
	if (r->pool_counters.misses != 1 || r->pool_counters.reloads != 0)
		fprintf(stderr, "perf: warning: pool reported %llu misses, %llu reloads\n",
			(unsigned long long)r->pool_counters.misses,
			(unsigned long long)r->pool_counters.reloads);
	perf_stats_of(ns, POOL_BATCHES, &r->pool);
	return 0;
}

/* ---- history windows ------------------------------------------------------ */

struct query {
	int64_t sid, end_ts;
	uint64_t count;
};

/* Random asset, random instant inside a random day's session, 1..1000 rows. */
static struct query *make_queries(const struct perf_bundle_spec *s)
{
	struct query *q = malloc(HIST_QUERIES * sizeof(*q));
	uint64_t rng = UINT64_C(20261121);

	for (size_t i = 0; q && i < HIST_QUERIES; i++) {
		uint64_t x = perf_splitmix(&rng), y = perf_splitmix(&rng);
		int64_t day = (int64_t)((y >> 40) % s->ndays);

		q[i].sid = perf_bundle_sid((uint32_t)(x % s->nassets));
		q[i].count = 1 + (x >> 32) % HIST_MAX_COUNT;
		q[i].end_ts = perf_bundle_first_ns(s) + day * TSHM_DAY_NS + PERF_SESSION_OPEN_NS +
			      (int64_t)(y % (uint64_t)PERF_SESSION_LEN_NS);
	}
	return q;
}

static int run_queries(const struct tshm_view *v, const struct query *q, size_t n, uint64_t *rows)
{
	for (size_t i = 0; i < n; i++) {
		struct tshm_window w;
		int rc = tshm_history(v, TSHM_TABLE_TRADES, q[i].sid, TSHM_TRADES_PRICE,
				      q[i].end_ts, q[i].count, &w);

		if (rc < 0)
			return rc;
		*rows += w.count;
		sink += (uintptr_t)w.data;
	}
	return 0;
}

/* Batches of HIST_BATCH queries; returns ns per query of each batch. */
static int history_batches(const struct tshm_view *v, const struct query *q, double *ns)
{
	uint64_t rows = 0;
	int rc = 0;

	for (unsigned b = 0; b < HIST_BATCHES && rc == 0; b++) {
		size_t at = ((size_t)b * HIST_BATCH) % (HIST_QUERIES - HIST_BATCH);
		uint64_t t0 = perf_now_ns();

		rc = run_queries(v, q + at, HIST_BATCH, &rows);
		ns[b] = (double)(perf_now_ns() - t0) / HIST_BATCH;
	}
	return rc;
}

static int cmp_end_ts(const void *a, const void *b)
{
	const struct query *x = a, *y = b;

	return (x->end_ts > y->end_ts) - (x->end_ts < y->end_ts);
}

/* Walk-forward: the same queries in time order, as a backtest asks them. */
static int history_forward(const struct tshm_view *v, struct query *q, struct perf_stats *st)
{
	double ns[HIST_BATCHES];
	int rc;

	qsort(q, HIST_QUERIES, sizeof(*q), cmp_end_ts);
	rc = history_batches(v, q, ns);
	if (rc == 0)
		perf_stats_of(ns, HIST_BATCHES, st);
	return rc;
}

static int bench_history(const struct tshm_catalog *cat, struct attach_case *c)
{
	struct query *q = make_queries(&c->spec);
	double ns[HIST_BATCHES];
	struct tshm_view *v = NULL;
	uint64_t rows = 0, t0;
	int rc = q ? tshm_view_open(&v, cat, c->bundle) : -ENOMEM;

	if (rc == 0) {
		t0 = perf_now_ns(); /* a fresh mapping: page faults included */
		rc = run_queries(v, q, HIST_QUERIES, &rows);
		c->history_cold_ns = (double)(perf_now_ns() - t0) / HIST_QUERIES;
		c->history_rows = (double)rows / HIST_QUERIES;
	}
	if (rc == 0)
		rc = history_batches(v, q, ns);
	if (rc == 0)
		perf_stats_of(ns, HIST_BATCHES, &c->history);
	if (rc == 0)
		rc = history_forward(v, q, &c->history_fwd);
	tshm_view_unref(v);
	free(q);
	return rc;
}

/* ---- file baseline ---------------------------------------------------------- */

static size_t baseline_reps(uint64_t bytes, unsigned reps)
{
	uint64_t n = BASELINE_BUDGET / (bytes ? bytes : 1);

	n = n < BASELINE_MIN_REPS ? BASELINE_MIN_REPS : n;
	return n > reps ? reps : (size_t)n;
}

static int bench_baseline(const struct tshm_catalog *cat, struct attach_case *c,
			  const struct attach_options *o)
{
	uint64_t cap = o->sample && c->target > SAMPLE_CAP ? SAMPLE_CAP : 0;
	struct tshm_view *v;
	char path[512];
	int rc;

	snprintf(path, sizeof(path), "%s/tickshm-%s-%s.cols", perf_tmpdir(), perf_ns(), c->key);
	if (perf_ns_file(path) < 0)
		return -ENAMETOOLONG;
	rc = tshm_view_open(&v, cat, c->bundle);
	if (rc < 0)
		return rc;
	rc = perf_baseline_write(v, path, cap, &c->base);
	tshm_view_unref(v);
	if (rc < 0)
		fprintf(stderr, "perf: cannot write %s: %s\n", path, tshm_strerror(rc));
	if (rc == 0)
		rc = perf_baseline_time(path, baseline_reps(c->base.bytes, o->reps), &c->base);
	unlink(path);
	if (rc == 0) {
		c->speedup = c->base.load.median / c->attach.median;
		c->speedup_warm = c->base.warm.median / c->attach.median;
	}
	return rc;
}

/* ---- driver ------------------------------------------------------------------ */

static int step(const char *what, const struct attach_case *c, int rc)
{
	if (rc < 0)
		fprintf(stderr, "perf: %s (%s) failed: %s\n", what, c ? c->label : "-",
			tshm_strerror(rc));
	return rc;
}

static int build_all(struct tshm_catalog *cat, struct attach_results *r)
{
	int rc = 0;

	for (int i = 0; i < 2 && rc == 0; i++) {
		struct attach_case *c = &r->cases[i];

		fprintf(stderr, "perf: building the %s bundle (%llu trades)...\n", c->label,
			(unsigned long long)((uint64_t)c->spec.nassets * c->spec.ndays *
					     c->spec.trades_per_day));
		rc = step("build", c, perf_bundle_build(cat, c->bundle, &c->spec, &c->info));
	}
	return rc;
}

static int run_all(struct tshm_catalog *cat, struct attach_results *r,
		   const struct attach_options *o)
{
	int rc = build_all(cat, r);

	fprintf(stderr, "perf: attach + validate, %u reps per size...\n", o->reps);
	for (int i = 0; i < 2 && rc == 0; i++) {
		rc = step("attach", &r->cases[i], bench_attach(cat, &r->cases[i], o->reps));
		if (rc == 0)
			rc = step("phases", &r->cases[i], bench_phases(cat, &r->cases[i], o->reps));
	}
	if (rc == 0) {
		fprintf(stderr, "perf: pool hits...\n");
		rc = step("pool", &r->cases[1], bench_pool(r, r->cases[1].bundle));
	}
	for (int i = 0; i < 2 && rc == 0; i++) {
		fprintf(stderr, "perf: history windows (%s)...\n", r->cases[i].label);
		rc = step("history", &r->cases[i], bench_history(cat, &r->cases[i]));
	}
	for (int i = 0; i < 2 && rc == 0; i++) {
		fprintf(stderr, "perf: file baseline (%s)...\n", r->cases[i].label);
		rc = step("baseline", &r->cases[i], bench_baseline(cat, &r->cases[i], o));
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct attach_options o;
	struct attach_results r;
	struct tshm_catalog *cat;
	int rc = parse_args(argc, argv, &o);

	if (rc != 0) {
		usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 64;
	}
	if (perf_ns_init("perf") < 0)
		return 1;
	init_cases(&r, &o);
	getloadavg(r.load_before, 3);
	rc = step("catalog open", NULL, tshm_catalog_open(&cat, NULL, TSHM_CATALOG_CREATE));
	if (rc == 0) {
		rc = run_all(cat, &r, &o);
		tshm_catalog_close(cat);
	}
	getloadavg(r.load_after, 3);
	perf_ns_cleanup();
	r.shm_left = perf_ns_count();
	if (rc < 0)
		return 1;
	attach_print_table(&r, &o);
	if (attach_print_json(&r, &o) < 0)
		return 1;
	return o.strict && !attach_all_pass(&r) ? 2 : 0;
}
