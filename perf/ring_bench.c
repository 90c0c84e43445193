/* SPDX-License-Identifier: MIT */
/*
 * tshm_perf_ring - our shared-memory ring against ConcurrencyKit's ck_ring
 * and a pipe, between processes: SPSC and MP/MC modes, 8-byte items and
 * 64-byte records, batches of 1 and 32, one or two producers and consumers.
 * Every repetition runs every configuration and implementation once, in a
 * rotating order, so machine noise hits all of them alike; every run is
 * checksum-verified. See perf/README.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf_ns.h"
#include "ring_bench.h"

#define K UINT64_C(1000)
#define M UINT64_C(1000000)
#define DEFAULT_REPS 15u
#define QUICK_REPS 3u
#define QUICK_DIV 20u /* --quick: items per run divided by this */

#define SPSC_IMPLS (1u << IMPL_TSHM | 1u << IMPL_CK | 1u << IMPL_PIPE | 1u << IMPL_FLOOR)
#define MP2_IMPLS (1u << IMPL_TSHM | 1u << IMPL_CK | 1u << IMPL_PIPE | 1u << IMPL_CK_YIELD)

/*
 * Items per run (all producers together; rounded down to a multiple of
 * producers x batch), chosen so that a run takes about 0.15 s on the quiet
 * 2-core host of RESULTS.md (up to ~1 s in the noisy 2P2C cases): order
 * TSHM, CK, CK_YIELD, PIPE, FLOOR. Fixed, not calibrated, so runs are
 * comparable across hosts; only the per-item figures are compared.
 */
static struct rb_config configs[] = {
    {"spsc_8b_b1", 8, 1, 0, 1, 1, SPSC_IMPLS, {5 * M, 8 * M, 0, 400 * K, 5 * M}},
    {"spsc_8b_b32", 8, 32, 0, 1, 1, SPSC_IMPLS, {60 * M, 12 * M, 0, 12 * M, 60 * M}},
    {"spsc_64b_b1", 64, 1, 0, 1, 1, SPSC_IMPLS, {2 * M, 3 * M, 0, 400 * K, 2 * M}},
    {"spsc_64b_b32", 64, 32, 0, 1, 1, SPSC_IMPLS, {16 * M, 6 * M, 0, 8 * M, 16 * M}},
    {"mp1_8b_b1", 8, 1, 1, 1, 1, SPSC_IMPLS, {3 * M, 2500 * K, 0, 400 * K, 3 * M}},
    {"mp1_8b_b32", 8, 32, 1, 1, 1, SPSC_IMPLS, {50 * M, 2500 * K, 0, 12 * M, 50 * M}},
    {"mp1_64b_b1", 64, 1, 1, 1, 1, SPSC_IMPLS, {1500 * K, 2 * M, 0, 400 * K, 1500 * K}},
    {"mp1_64b_b32", 64, 32, 1, 1, 1, SPSC_IMPLS, {12 * M, 2 * M, 0, 8 * M, 12 * M}},
    {"mp2_8b_b1", 8, 1, 1, 2, 2, MP2_IMPLS, {M, M, M, 300 * K}},
    {"mp2_8b_b32", 8, 32, 1, 2, 2, MP2_IMPLS, {32 * M, M, 2 * M, 8 * M}},
    {"mp2_64b_b1", 64, 1, 1, 2, 2, MP2_IMPLS, {200 * K, 200 * K, M, 200 * K}},
    {"mp2_64b_b32", 64, 32, 1, 2, 2, MP2_IMPLS, {2 * M, 256 * K, 512 * K, 4 * M}},
};
#define NCFG (sizeof(configs) / sizeof(configs[0]))

static const char *const impl_label[IMPL_COUNT] = {"tickshm", "ck_ring", "ck_ring yield", "pipe",
						   "floor"};
static const char *const impl_key[IMPL_COUNT] = {"tshm", "ck", "ck_yield", "pipe", "floor"};

const char *rb_impl_label(enum rb_impl impl)
{
	return impl_label[impl];
}

const char *rb_impl_key(enum rb_impl impl)
{
	return impl_key[impl];
}

const struct rb_impl_ops *rb_ops(enum rb_impl impl)
{
	switch (impl) {
	case IMPL_TSHM:
		return &rb_tshm_ops;
	case IMPL_PIPE:
		return &rb_pipe_ops;
	case IMPL_FLOOR:
		return &rb_floor_ops;
	default:
		return &rb_ck_ops; /* IMPL_CK, IMPL_CK_YIELD */
	}
}

/* ---- options ---------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: tshm_perf_ring [--reps N] [--quick] [--only S] [--impl I] [--no-pin] "
	    "[--strict]\n"
	    "  --reps N   repetitions of every configuration (default 15; --quick: 3)\n"
	    "  --quick    1/20 of the items per run (CI smoke test; figures are noisier)\n"
	    "  --only S   run only the configurations whose key contains S (e.g. b32)\n"
	    "  --impl I   run only implementations I, comma-separated: tshm, ck, ck_yield, pipe,\n"
	    "             floor (e.g. tshm,floor for an A/B of our ring against the floor)\n"
	    "  --no-pin   do not pin a 1P1C producer and consumer to a CPU each\n"
	    "  --strict   exit 2 when a target is missed\n");
}

static int parse_args(int argc, char **argv, struct rb_options *o)
{
	int reps_set = 0;

	memset(o, 0, sizeof(*o));
	o->reps = DEFAULT_REPS;
	for (int i = 1; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "--quick")) {
			o->quick = 1;
		} else if (!strcmp(argv[i], "--no-pin")) {
			o->no_pin = 1;
		} else if (!strcmp(argv[i], "--strict")) {
			o->strict = 1;
		} else if (!strcmp(argv[i], "--impl") && i + 1 < argc) {
			o->impl = argv[++i];
		} else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
			o->only = argv[++i];
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			unsigned long v = strtoul(argv[++i], &end, 10);
			if (*end || v == 0 || v > RB_MAX_REPS)
				return -1;
			o->reps = (unsigned)v;
			reps_set = 1;
		} else {
			return strcmp(argv[i], "--help") && strcmp(argv[i], "-h") ? -1 : 1;
		}
	}
	if (o->quick && !reps_set)
		o->reps = QUICK_REPS;
	return 0;
}

/* Items per run: a multiple of producers x batch (--quick: 1/QUICK_DIV of them). */
static void scale_items(int quick)
{
	for (unsigned c = 0; c < NCFG; c++)
		for (unsigned i = 0; i < IMPL_COUNT; i++) {
			uint64_t unit = (uint64_t)configs[c].np * configs[c].batch;
			uint64_t n = configs[c].items[i] / (quick ? QUICK_DIV : 1);
			configs[c].items[i] = n / unit * unit;
		}
}

/* ---- the sweep ---------------------------------------------------------------- */

static int has(const struct rb_config *c, unsigned impl)
{
	return (c->impls >> impl) & 1u;
}

/* Repetition @rep of configuration @c: each implementation once, the first
 * one rotating with @rep. @rep < 0 is the untimed warm-up (1/10 the items). */
static int run_config(struct rb_results *r, unsigned c, int rep)
{
	const struct rb_config *cfg = &r->cfgs[c];

	for (unsigned k = 0; k < IMPL_COUNT; k++) {
		unsigned impl = (k + (unsigned)(rep < 0 ? 0 : rep)) % IMPL_COUNT;
		uint64_t unit = (uint64_t)cfg->np * cfg->batch, items = cfg->items[impl];
		struct rb_sample s;

		if (!has(cfg, impl))
			continue;
		if (rep < 0)
			items = items / 10 / unit * unit;
		if (rb_run_once(cfg, impl, items, &s) < 0)
			return -1;
		if (rep < 0)
			continue;
		r->series[c][impl].ns[rep] = s.ns_per_item;
		r->series[c][impl].waits += s.waits;
		r->series[c][impl].sleeps += s.sleeps;
		r->series[c][impl].wakes += s.wakes;
	}
	return 0;
}

static int sweep(struct rb_results *r)
{
	for (int rep = -1; rep < (int)r->reps; rep++) {
		uint64_t t0 = perf_now_ns();
		struct rb_cpu_mark a, b;
		double other;

		rb_cpu_mark(&a);
		for (unsigned c = 0; c < r->ncfg; c++)
			if (run_config(r, c, rep) < 0)
				return -1;
		rb_cpu_mark(&b);
		other = rb_other_load(&a, &b);
		if (rep >= 0)
			r->other[rep] = other;
		fprintf(stderr, "perf: %s %d/%u done (%.1f s, other load %.0f%%)\n",
			rep < 0 ? "warm-up" : "repetition", rep + 1, r->reps,
			(double)(perf_now_ns() - t0) / 1e9, 100 * other);
	}
	return 0;
}

/* Nearest-rank percentile of sorted @v. */
static double pct(const double *v, size_t n, double p)
{
	size_t rank = (size_t)(p * (double)n + 0.999999);

	return v[rank < 1 ? 0 : rank > n ? n - 1 : rank - 1];
}

static void summarise(struct rb_results *r)
{
	double *tmp = calloc(r->reps, sizeof(*tmp));

	for (unsigned c = 0; c < r->ncfg && tmp; c++)
		for (unsigned i = 0; i < IMPL_COUNT; i++) {
			struct rb_series *s = &r->series[c][i];

			if (!has(&r->cfgs[c], i))
				continue;
			memcpy(tmp, s->ns, r->reps * sizeof(*tmp)); /* keep run order */
			perf_stats_of(tmp, r->reps, &s->st);
			s->p10 = pct(tmp, r->reps, 0.10);
			s->p90 = pct(tmp, r->reps, 0.90);
		}
	free(tmp);
}

/* --impl: the mask of a comma-separated list of implementations (0: an
 * unknown name). */
static unsigned impl_mask(const char *list)
{
	unsigned mask = 0;

	if (!list)
		return ~0u;
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		unsigned i = 0;

		while (i < IMPL_COUNT &&
		       (strlen(impl_key[i]) != len || strncmp(p, impl_key[i], len)))
			i++;
		if (i == IMPL_COUNT)
			return 0;
		mask |= 1u << i;
		p += len + (p[len] == ',');
	}
	return mask;
}

/* --only, --impl: keep the configurations whose key contains @only, in order. */
static unsigned select_configs(const char *only, unsigned impls)
{
	unsigned n = 0;

	for (unsigned c = 0; c < NCFG; c++) {
		configs[c].impls &= impls;
		/* The floor can only spin: with fewer CPUs than processes it
		 * would measure time slices, not the ring. */
		if (rb_oversubscribed(&configs[c]))
			configs[c].impls &= ~(1u << IMPL_FLOOR);
		if ((!only || strstr(configs[c].key, only)) && configs[c].impls)
			configs[n++] = configs[c];
	}
	return n;
}

static int alloc_results(struct rb_results *r, const struct rb_options *o)
{
	memset(r, 0, sizeof(*r));
	r->cfgs = configs;
	r->ncfg = select_configs(o->only, impl_mask(o->impl));
	r->reps = o->reps;
	if (r->ncfg == 0) {
		fprintf(stderr, "perf: nothing to run: check --only and --impl\n");
		return -1;
	}
	r->series = calloc(r->ncfg, sizeof(*r->series));
	r->other = calloc(r->reps, sizeof(*r->other));
	if (!r->series || !r->other)
		return -1;
	for (unsigned c = 0; c < r->ncfg; c++)
		for (unsigned i = 0; i < IMPL_COUNT; i++)
			if (!(r->series[c][i].ns = calloc(r->reps, sizeof(double))))
				return -1;
	return 0;
}

static void free_results(struct rb_results *r)
{
	for (unsigned c = 0; r->series && c < r->ncfg; c++)
		for (unsigned i = 0; i < IMPL_COUNT; i++)
			free(r->series[c][i].ns);
	free(r->series);
	free(r->other);
}

int main(int argc, char **argv)
{
	struct rb_options o;
	struct rb_results r;
	uint64_t t0;
	int rc = parse_args(argc, argv, &o);

	if (rc != 0) {
		usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 64;
	}
	if (perf_ns_init("perfring") < 0 || alloc_results(&r, &o) < 0)
		return 1;
	scale_items(o.quick);
	rb_run_init(!o.no_pin);
	getloadavg(r.load_before, 3);
	fprintf(stderr, "perf: %u configurations, %u repetitions (+1 warm-up)...\n", r.ncfg,
		r.reps);
	t0 = perf_now_ns();
	rc = sweep(&r);
	r.wall_s = (double)(perf_now_ns() - t0) / 1e9;
	getloadavg(r.load_after, 3);
	perf_ns_cleanup();
	r.shm_left = perf_ns_count();
	if (rc == 0) {
		summarise(&r);
		rb_print_table(&r, &o);
		rc = rb_print_json(&r, &o);
	}
	if (rc == 0 && o.strict && !rb_all_pass(&r))
		rc = 2;
	free_results(&r);
	return rc < 0 ? 1 : rc;
}
