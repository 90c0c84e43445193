/* SPDX-License-Identifier: MIT */
/*
 * The ring benchmark's report: paired ratios, target verdicts, a table for
 * people and one JSON line for tools. A ratio is formed per repetition from
 * the two runs of that repetition (run back to back), then the median of
 * those ratios is taken.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "perf_json.h"
#include "perf_ns.h"
#include "ring_bench.h"
#include "tickshm/tickshm.h"

/* Paired ratios of one comparison: their median and range (> 1: ours faster). */
struct rb_ratio {
	double median, min, max;
	int valid; /* both sides were run */
};

/* What a target compares. */
enum rb_cmp { CMP_CK, CMP_SPSC };

struct rb_target {
	const char *key;   /* JSON member */
	const char *label; /* table row */
	const char *cfg;   /* configuration measured */
	enum rb_cmp cmp;   /* against ck_ring (same config) or our SPSC (spsc_8b_b32) */
	double target;	   /* minimum median ratio */
	int counted;	   /* 0: shown for information, not part of the verdict */
};

static const struct rb_target targets[] = {
    {"spsc_8b_b32_vs_ck", "SPSC, 8 B, batch 32 vs ck_ring SPSC", "spsc_8b_b32", CMP_CK,
     TARGET_SPSC8, 1},
    {"spsc_64b_b32_vs_ck", "SPSC, 64 B, batch 32 vs ck_ring SPSC", "spsc_64b_b32", CMP_CK,
     TARGET_SPSC64, 1},
    {"mp1_8b_b32_vs_ck", "MP/MC 1P1C, 8 B, batch 32 vs ck_ring MPMC", "mp1_8b_b32", CMP_CK,
     TARGET_MP1_CK, 1},
    {"mp1_8b_b32_vs_spsc", "MP/MC 1P1C, 8 B, batch 32 vs our SPSC", "mp1_8b_b32", CMP_SPSC,
     TARGET_MP1_SPSC, 1},
    {"mp2_8b_b32_vs_ck", "MP/MC 2P2C, 8 B, batch 32 vs best ck_ring", "mp2_8b_b32", CMP_CK,
     TARGET_MP2_CK, 1},
    /* The 2P2C bar applied to records too: for information only. */
    {"mp2_64b_b32_vs_ck", "(info) MP/MC 2P2C, 64 B, batch 32 vs best ck", "mp2_64b_b32", CMP_CK,
     TARGET_MP2_CK, 0},
};
#define NTARGETS (sizeof(targets) / sizeof(targets[0]))

static int find_cfg(const struct rb_results *r, const char *key)
{
	for (unsigned c = 0; c < r->ncfg; c++)
		if (!strcmp(r->cfgs[c].key, key))
			return (int)c;
	return -1;
}

static int has(const struct rb_config *c, unsigned impl)
{
	return (c->impls >> impl) & 1u;
}

/* ns per item of @impl in repetition @rep (IMPL_CK: the better of ck_ring
 * spinning and, where it ran, ck_ring yielding). */
static double ns_of(const struct rb_results *r, unsigned cfg, enum rb_impl impl, unsigned rep)
{
	double ns = r->series[cfg][impl].ns[rep];

	if (impl == IMPL_CK && has(&r->cfgs[cfg], IMPL_CK_YIELD) &&
	    r->series[cfg][IMPL_CK_YIELD].ns[rep] < ns)
		ns = r->series[cfg][IMPL_CK_YIELD].ns[rep];
	return ns;
}

/*
 * Paired ratios ns(@top in @ct) / ns(@bottom in @cb), one per repetition
 * (> 1: @bottom faster), summarised; not valid unless both ran.
 */
static struct rb_ratio ratio(const struct rb_results *r, int ct, enum rb_impl top, int cb,
			     enum rb_impl bottom)
{
	struct rb_ratio out = {0, 0, 0, 0};
	struct perf_stats st;
	double *v;

	if (ct < 0 || cb < 0 || !has(&r->cfgs[ct], top) || !has(&r->cfgs[cb], bottom))
		return out;
	if (!(v = calloc(r->reps, sizeof(*v))))
		return out;
	for (unsigned k = 0; k < r->reps; k++)
		v[k] = ns_of(r, (unsigned)ct, top, k) / ns_of(r, (unsigned)cb, bottom, k);
	perf_stats_of(v, r->reps, &st);
	out = (struct rb_ratio){st.median, st.min, st.max, 1};
	free(v);
	return out;
}

/* Our ring against @impl in configuration @c (> 1: ours is faster). */
static struct rb_ratio vs(const struct rb_results *r, unsigned c, enum rb_impl impl)
{
	return ratio(r, (int)c, impl, (int)c, IMPL_TSHM);
}

/* ck_ring / floor in configuration @c: about the most any copying ring
 * reached against ck_ring there (not valid where the floor did not run). */
static struct rb_ratio ceiling(const struct rb_results *r, int c)
{
	return ratio(r, c, IMPL_CK, c, IMPL_FLOOR);
}

static struct rb_ratio target_ratio(const struct rb_results *r, const struct rb_target *t)
{
	int c = find_cfg(r, t->cfg);

	if (t->cmp == CMP_SPSC)
		return ratio(r, find_cfg(r, "spsc_8b_b32"), IMPL_TSHM, c, IMPL_TSHM);
	return ratio(r, c, IMPL_CK, c, IMPL_TSHM);
}

/* The ceiling of a target against ck_ring (not valid for other targets). */
static struct rb_ratio target_ceiling(const struct rb_results *r, const struct rb_target *t)
{
	if (t->cmp != CMP_CK)
		return (struct rb_ratio){0, 0, 0, 0};
	return ceiling(r, find_cfg(r, t->cfg));
}

static int target_pass(const struct rb_results *r, const struct rb_target *t)
{
	struct rb_ratio q = target_ratio(r, t);

	return q.valid && q.median >= t->target;
}

/* Targets whose configurations were not run (--only) are not counted. */
static int target_measured(const struct rb_results *r, const struct rb_target *t)
{
	return target_ratio(r, t).valid;
}

int rb_all_pass(const struct rb_results *r)
{
	for (size_t i = 0; i < NTARGETS; i++)
		if (targets[i].counted && target_measured(r, &targets[i]) &&
		    !target_pass(r, &targets[i]))
			return 0;
	return 1;
}

static const char *verdict(const struct rb_results *r, const struct rb_target *t)
{
	if (!target_measured(r, t))
		return "not run";
	if (!t->counted)
		return target_pass(r, t) ? "(meets it)" : "(below it)";
	return target_pass(r, t) ? "PASS" : "FAIL";
}

/* "spsc 8 B b32 1P1C" */
static const char *cfg_label(char *buf, size_t len, const struct rb_config *c)
{
	snprintf(buf, len, "%s %u B b%u %uP%uC", c->multi ? "mpmc" : "spsc", c->size, c->batch,
		 c->np, c->nc);
	return buf;
}

/* ---- table ------------------------------------------------------------------- */

static void print_series(const struct rb_results *r, unsigned c, unsigned i, int first)
{
	const struct rb_series *s = &r->series[c][i];
	double reps = r->reps;
	char label[40] = "";

	if (first)
		cfg_label(label, sizeof(label), &r->cfgs[c]);
	printf("%-20s %-13s %10llu %8.2f %8.2f %8.2f %8.2f %8.2f %9.1f", label, rb_impl_label(i),
	       (unsigned long long)r->cfgs[c].items[i], s->st.median, s->p10, s->p90, s->st.min,
	       s->st.max, 1e3 / s->st.median);
	if (i == IMPL_TSHM)
		printf(" %10.0f %8.0f %8.0f\n", s->waits / reps, s->sleeps / reps, s->wakes / reps);
	else if (i == IMPL_PIPE)
		printf(" %10s %8s %8s\n", "-", "-", "-");
	else
		printf(" %10.0f %8s %8s\n", s->waits / reps, "-", "-");
}

static void print_measurements(const struct rb_results *r)
{
	printf("\n%-20s %-13s %10s %8s %8s %8s %8s %8s %9s %10s %8s %8s\n", "configuration",
	       "implementation", "items/run", "median", "p10", "p90", "min", "max", "M items/s",
	       "waits", "sleeps", "wakes");
	printf("%-20s %-13s %10s %8s %8s %8s %8s %8s %9s %10s %8s %8s\n", "", "", "", "ns/item",
	       "ns/item", "ns/item", "ns/item", "ns/item", "(median)", "per run", "per run",
	       "per run");
	for (unsigned c = 0; c < r->ncfg; c++) {
		int first = 1;

		for (unsigned i = 0; i < IMPL_COUNT; i++)
			if (has(&r->cfgs[c], i)) {
				print_series(r, c, i, first);
				first = 0;
			}
	}
}

static void fmt_ratio(char *buf, size_t len, const struct rb_ratio *q)
{
	if (q->valid)
		snprintf(buf, len, "%7.2fx [%.2f .. %.2f]", q->median, q->min, q->max);
	else
		snprintf(buf, len, "%7s", "-");
}

static void print_ratios(const struct rb_results *r)
{
	char label[40];

	printf("\npaired ratios per repetition, then the median [min .. max] of %u "
	       "(> 1: the lower one faster per item):\n",
	       r->reps);
	printf("%-22s %-26s %-26s %-26s %-26s\n", "configuration", "ck_ring / tickshm",
	       "pipe / tickshm", "floor / tickshm", "ck_ring / floor");
	for (unsigned c = 0; c < r->ncfg; c++) {
		struct rb_ratio q[4] = {vs(r, c, IMPL_CK), vs(r, c, IMPL_PIPE),
					vs(r, c, IMPL_FLOOR), ceiling(r, (int)c)};
		char col[4][40];

		for (unsigned i = 0; i < 4; i++)
			fmt_ratio(col[i], sizeof(col[i]), &q[i]);
		printf("%-22s %-26s %-26s %-26s %-26s%s\n",
		       cfg_label(label, sizeof(label), &r->cfgs[c]), col[0], col[1], col[2], col[3],
		       has(&r->cfgs[c], IMPL_CK_YIELD) ? " (ck: better of spin/yield per rep)"
						       : "");
	}
}

static void print_targets(const struct rb_results *r)
{
	printf("\n%-46s %9s %-20s %8s  %-7s %s\n", "target (median of paired ratios)", "ratio",
	       " [min .. max]", "target", "result", "floor reached");
	for (size_t i = 0; i < NTARGETS; i++) {
		struct rb_ratio q = target_ratio(r, &targets[i]);
		struct rb_ratio f = target_ceiling(r, &targets[i]);
		char med[16] = "-", range[32] = "", ceil[16] = "-";

		if (q.valid) {
			snprintf(med, sizeof(med), "%.2fx", q.median);
			snprintf(range, sizeof(range), " [%.2f .. %.2f]", q.min, q.max);
		}
		if (f.valid)
			snprintf(ceil, sizeof(ceil), "%.2fx", f.median);
		printf("%-46s %9s %-20s >= %4.1fx  %-7s %s\n", targets[i].label, med, range,
		       targets[i].target, verdict(r, &targets[i]), ceil);
	}
	printf("(floor reached: ck_ring / floor, the ratio the floor ring of ring_impl_floor.c "
	       "reached in this run,\n the most any ring that copies its items can reach on this "
	       "host)\n");
}

/* Median and maximum of the other load per repetition, in percent. */
static void other_load(const struct rb_results *r, double *med, double *max)
{
	double *v = calloc(r->reps, sizeof(*v));
	struct perf_stats st = {0};

	if (v) {
		memcpy(v, r->other, r->reps * sizeof(*v));
		perf_stats_of(v, r->reps, &st);
	}
	free(v);
	*med = 100 * st.median;
	*max = 100 * st.max;
}

static void print_other_load(const struct rb_results *r)
{
	double med, max;

	other_load(r, &med, &max);
	printf("other load (CPU time of other processes and steal, %% of all CPUs) per repetition: "
	       "median %.0f%%, max %.0f%%:",
	       med, max);
	for (unsigned k = 0; k < r->reps; k++)
		printf(" %.0f", 100 * r->other[k]);
	printf("\n");
}

/* Were the 1P1C processes pinned (ring_run.c)? */
static int pinned(const struct rb_options *o)
{
	const struct rb_config one_one = {.np = 1, .nc = 1};

	return !o->no_pin && !rb_oversubscribed(&one_one);
}

static const char *pinning(const struct rb_options *o)
{
	if (o->no_pin)
		return "not pinned (--no-pin)";
	if (!pinned(o))
		return "not pinned: fewer than 2 usable CPUs";
	return "1P1C pinned, one CPU each; 2P2C placed by the scheduler";
}

void rb_print_table(const struct rb_results *r, const struct rb_options *o)
{
	char when[32];

	perf_utc_now(when, sizeof(when));
	printf("tickshm ring benchmark %s: namespace %s, %ld CPUs, %s, %u repetitions%s\n",
	       tshm_version_string(), perf_ns(), sysconf(_SC_NPROCESSORS_ONLN), when, r->reps,
	       o->quick ? " (--quick)" : "");
	printf("load average (1/5/15 min): %.2f %.2f %.2f at start, %.2f %.2f %.2f at end; "
	       "sweep took %.1f s\n",
	       r->load_before[0], r->load_before[1], r->load_before[2], r->load_after[0],
	       r->load_after[1], r->load_after[2], r->wall_s);
	print_other_load(r);
	printf("separate processes (%s); rings of %u slots; ns/item = (last consumer's end "
	       "of stream - release) / items; every run checksum-verified\n",
	       pinning(o), RB_CAPACITY);
	print_measurements(r);
	print_ratios(r);
	print_targets(r);
	printf("\ncleanup: %d /dev/shm entries of the namespace left\n\n", r->shm_left);
}

/* ---- JSON ------------------------------------------------------------------- */

static void json_series(struct perf_json *j, const struct rb_results *r, unsigned c, unsigned i)
{
	const struct rb_series *s = &r->series[c][i];

	perf_json_obj(j, rb_impl_key(i));
	perf_json_int(j, "items", (int64_t)r->cfgs[c].items[i]);
	perf_json_num(j, "med", s->st.median, 3);
	perf_json_num(j, "p10", s->p10, 3);
	perf_json_num(j, "p90", s->p90, 3);
	perf_json_close(j);
}

static void json_config(struct perf_json *j, const struct rb_results *r, unsigned c)
{
	const struct rb_config *cfg = &r->cfgs[c];
	struct rb_ratio q = vs(r, c, IMPL_CK), fl = vs(r, c, IMPL_FLOOR);
	struct rb_ratio ceil = ceiling(r, (int)c);

	perf_json_obj(j, cfg->key);
	for (unsigned i = 0; i < IMPL_COUNT; i++)
		if (has(cfg, i))
			json_series(j, r, c, i);
	if (q.valid)
		perf_json_num(j, "ratio_ck", q.median, 2);
	if (fl.valid)
		perf_json_num(j, "ratio_floor", fl.median, 2);
	if (ceil.valid)
		perf_json_num(j, "floor_vs_ck", ceil.median, 2);
	perf_json_close(j);
}

static void json_targets(struct perf_json *j, const struct rb_results *r)
{
	perf_json_obj(j, "targets");
	for (size_t i = 0; i < NTARGETS; i++) {
		struct rb_ratio q = target_ratio(r, &targets[i]);
		struct rb_ratio f = target_ceiling(r, &targets[i]);

		if (!q.valid)
			continue;
		perf_json_obj(j, targets[i].key);
		perf_json_num(j, "ratio", q.median, 2);
		perf_json_num(j, "min", q.min, 2);
		perf_json_num(j, "max", q.max, 2);
		perf_json_num(j, "target", targets[i].target, 1);
		perf_json_bool(j, "pass", target_pass(r, &targets[i]));
		if (f.valid)
			perf_json_num(j, "floor", f.median, 2);
		if (!targets[i].counted)
			perf_json_bool(j, "counted", 0);
		perf_json_close(j);
	}
	perf_json_close(j);
}

int rb_print_json(const struct rb_results *r, const struct rb_options *o)
{
	static struct perf_json j;
	const char *line;
	char when[32];
	double med, max;

	perf_utc_now(when, sizeof(when));
	perf_json_init(&j);
	perf_json_str(&j, "bench", "ring");
	perf_json_str(&j, "version", tshm_version_string());
	perf_json_str(&j, "utc", when);
	perf_json_int(&j, "cpus", sysconf(_SC_NPROCESSORS_ONLN));
	perf_json_num(&j, "load1_start", r->load_before[0], 2);
	perf_json_num(&j, "load1_end", r->load_after[0], 2);
	other_load(r, &med, &max);
	perf_json_num(&j, "other_load_med_pct", med, 1);
	perf_json_num(&j, "other_load_max_pct", max, 1);
	perf_json_bool(&j, "quick", o->quick);
	perf_json_bool(&j, "pinned", pinned(o));
	perf_json_int(&j, "reps", r->reps);
	perf_json_int(&j, "capacity", RB_CAPACITY);
	perf_json_num(&j, "wall_s", r->wall_s, 1);
	perf_json_str(&j, "unit", "ns_per_item");
	perf_json_obj(&j, "configs");
	for (unsigned c = 0; c < r->ncfg; c++)
		json_config(&j, r, c);
	perf_json_close(&j);
	json_targets(&j, r);
	perf_json_bool(&j, "pass", rb_all_pass(r));
	perf_json_int(&j, "shm_left", r->shm_left);
	line = perf_json_finish(&j);
	if (!line) {
		fprintf(stderr, "perf: the JSON line does not fit in %u bytes\n", PERF_JSON_MAX);
		return -1;
	}
	printf("%s\n", line);
	fflush(stdout);
	return 0;
}
