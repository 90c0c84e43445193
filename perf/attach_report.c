/* SPDX-License-Identifier: MIT */
/* The attach benchmark's report: a table for people, one JSON line for tools. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "perf_json.h"
#include "perf_ns.h"

static const char *const phase_key[PH_COUNT] = {"lookup", "shm_open_fstat", "mmap_close",
						"validate", "unref_munmap"};
static const char *const phase_label[PH_COUNT] = {"catalog lookup", "shm_open + fstat",
						  "pread meta + mmap + close",
						  "validate (private copy)", "unref + munmap"};

/* The target is attach + validate (tshm_view_open); detaching is reported
 * beside it: its cost is the kernel's munmap, which grows with mapping size. */
static int attach_pass(const struct attach_case *c)
{
	return c->open.p99 <= TARGET_ATTACH_P99_NS;
}

static int history_pass(const struct attach_case *c)
{
	return c->history.median <= TARGET_HISTORY_NS;
}

static int pool_pass(const struct attach_results *r)
{
	return r->pool.median <= TARGET_POOL_HIT_NS;
}

int attach_all_pass(const struct attach_results *r)
{
	return attach_pass(&r->cases[0]) && attach_pass(&r->cases[1]) && pool_pass(r) &&
	       history_pass(&r->cases[0]) && history_pass(&r->cases[1]);
}

static double mem_gib(void)
{
	return (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE) /
	       (double)(UINT64_C(1) << 30);
}

/* ---- table ------------------------------------------------------------ */

/* Print @s right-aligned in @width columns, counting UTF-8 characters. */
static void cell(const char *s, int width)
{
	int chars = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		chars += (*p & 0xc0) != 0x80;
	printf("%*s%s", width > chars ? width - chars : 0, "", s);
}

/* @pass: 1 PASS, 0 FAIL, -1 no target. */
static void row(const char *what, const struct perf_stats *s, const char *target, int pass)
{
	char buf[32];

	printf("%-44s %6zu ", what, s->n);
	cell(perf_fmt_time(buf, sizeof(buf), s->median), 10);
	cell(perf_fmt_time(buf, sizeof(buf), s->p99), 11);
	printf("  ");
	cell(target, 13);
	printf("  %s\n", pass < 0 ? "-" : pass ? "PASS" : "FAIL");
}

static void print_bundle(const struct attach_case *c)
{
	char col[32], seg[32];
	const struct perf_bundle_info *i = &c->info;

	printf("  %-8s %s of columns (%llu trades, %u assets x %u days), segment %s;\n"
	       "           built in %.2f s (create+fallocate %.2f, fill %.2f, commit %.2f, "
	       "publish %.3f)\n",
	       c->label, perf_fmt_bytes(col, sizeof(col), i->column_bytes),
	       (unsigned long long)i->trades, c->spec.nassets, c->spec.ndays,
	       perf_fmt_bytes(seg, sizeof(seg), i->segment_bytes),
	       i->create_s + i->fill_s + i->commit_s + i->publish_s, i->create_s, i->fill_s,
	       i->commit_s, i->publish_s);
}

static void print_measurements(const struct attach_results *r)
{
	const struct attach_case *c = r->cases;
	char what[64];

	printf("\n%-44s %6s %10s %11s  %13s  %s\n", "measurement", "n", "median", "p99", "target",
	       "result");
	for (int i = 0; i < 2; i++) {
		snprintf(what, sizeof(what), "attach+validate (tshm_view_open), %s", c[i].label);
		row(what, &c[i].open, "p99 <= 50 µs", attach_pass(&c[i]));
	}
	for (int i = 0; i < 2; i++) {
		snprintf(what, sizeof(what), "  attach+validate+detach (munmap), %s", c[i].label);
		row(what, &c[i].attach, "", -1);
	}
	row("pool get+put, hit (means of 100k batches)", &r->pool, "<= 100 ns", pool_pass(r));
	for (int i = 0; i < 2; i++) {
		snprintf(what, sizeof(what), "history window random, %s", c[i].label);
		row(what, &c[i].history, "<= 1 µs", history_pass(&c[i]));
	}
	for (int i = 0; i < 2; i++) {
		snprintf(what, sizeof(what), "history window walk-forward, %s", c[i].label);
		row(what, &c[i].history_fwd, "", -1);
	}
	for (int i = 0; i < 2; i++) {
		snprintf(what, sizeof(what), "baseline load, fresh memory, %s%s", c[i].label,
			 c[i].base.sampled ? " (sample)" : "");
		row(what, &c[i].base.load, "", -1);
	}
	for (int i = 0; i < 2; i++) {
		snprintf(what, sizeof(what), "baseline load, reused buffer, %s%s", c[i].label,
			 c[i].base.sampled ? " (sample)" : "");
		row(what, &c[i].base.warm, "", -1);
	}
}

static void print_details(const struct attach_results *r)
{
	const struct attach_case *c = r->cases;
	char a[32], b[32];

	printf("\nspeed-up = baseline median / attach+validate+detach median (same run):\n");
	for (int i = 0; i < 2; i++)
		printf("  %-8s %10.1fx fresh memory, %10.1fx reused buffer%s\n", c[i].label,
		       c[i].speedup, c[i].speedup_warm,
		       c[i].base.sampled ? " (baseline read a sample only)" : "");
	for (int i = 0; i < 2; i++)
		printf("  baseline %s: %s read per load (%s), file written once in %.2f s\n",
		       c[i].label, perf_fmt_bytes(a, sizeof(a), c[i].base.bytes),
		       c[i].base.sampled ? "a sample of the columns" : "every column",
		       c[i].base.write_s);
	printf("attach median, %s / %s: %.2f\n", c[1].label, c[0].label,
	       c[1].attach.median / c[0].attach.median);
	printf("history first pass on a fresh mapping (page faults included): %s %s, %s %s; "
	       "mean window %.0f rows\n",
	       c[0].label, perf_fmt_time(a, sizeof(a), c[0].history_cold_ns), c[1].label,
	       perf_fmt_time(b, sizeof(b), c[1].history_cold_ns), c[1].history_rows);
	printf("\nattach phases (median ns)                 %10s %10s\n", c[0].label, c[1].label);
	for (int k = 0; k < PH_COUNT; k++)
		printf("  %-40s %10.0f %10.0f\n", phase_label[k], c[0].phase[k].median,
		       c[1].phase[k].median);
	printf("pool counters: %llu hits, %llu misses, %llu reloads\n",
	       (unsigned long long)r->pool_counters.hits,
	       (unsigned long long)r->pool_counters.misses,
	       (unsigned long long)r->pool_counters.reloads);
	printf("cleanup: %d /dev/shm entries of the namespace left\n\n", r->shm_left);
}

void attach_print_table(const struct attach_results *r, const struct attach_options *o)
{
	char when[32];

	perf_utc_now(when, sizeof(when));
	printf("tickshm attach benchmark %s: namespace %s, %ld CPUs, %.1f GiB RAM, %s%s\n",
	       tshm_version_string(), perf_ns(), sysconf(_SC_NPROCESSORS_ONLN), mem_gib(), when,
	       o->small ? " (--small)" : "");
	printf("load average (1/5/15 min): %.2f %.2f %.2f at start, %.2f %.2f %.2f at end\n",
	       r->load_before[0], r->load_before[1], r->load_before[2], r->load_after[0],
	       r->load_after[1], r->load_after[2]);
	printf("bundles:\n");
	print_bundle(&r->cases[0]);
	print_bundle(&r->cases[1]);
	print_measurements(r);
	print_details(r);
}

/* ---- JSON ---------------------------------------------------------------- */

static void json_stats(struct perf_json *j, const char *prefix, const struct perf_stats *s)
{
	char key[64];

	snprintf(key, sizeof(key), "%s_median_ns", prefix);
	perf_json_num(j, key, s->median, 1);
	snprintf(key, sizeof(key), "%s_p99_ns", prefix);
	perf_json_num(j, key, s->p99, 1);
}

static void json_case(struct perf_json *j, const struct attach_case *c)
{
	perf_json_obj(j, c->key);
	perf_json_str(j, "label", c->label);
	perf_json_int(j, "column_bytes", (int64_t)c->info.column_bytes);
	perf_json_int(j, "segment_bytes", (int64_t)c->info.segment_bytes);
	perf_json_int(j, "trades", (int64_t)c->info.trades);
	perf_json_num(j, "build_s",
		      c->info.create_s + c->info.fill_s + c->info.commit_s + c->info.publish_s, 3);
	perf_json_int(j, "attach_n", (int64_t)c->attach.n);
	json_stats(j, "attach", &c->open);
	json_stats(j, "attach_detach", &c->attach);
	perf_json_num(j, "attach_max_ns", c->open.max, 1);
	perf_json_obj(j, "phase_median_ns");
	for (int k = 0; k < PH_COUNT; k++)
		perf_json_num(j, phase_key[k], c->phase[k].median, 1);
	perf_json_close(j);
	json_stats(j, "history", &c->history);
	json_stats(j, "history_fwd", &c->history_fwd);
	perf_json_num(j, "history_cold_ns", c->history_cold_ns, 1);
	perf_json_int(j, "baseline_bytes", (int64_t)c->base.bytes);
	perf_json_bool(j, "baseline_sampled", c->base.sampled);
	perf_json_int(j, "baseline_n", (int64_t)c->base.reps);
	json_stats(j, "baseline", &c->base.load);
	json_stats(j, "baseline_warm", &c->base.warm);
	perf_json_num(j, "speedup", c->speedup, 1);
	perf_json_num(j, "speedup_warm", c->speedup_warm, 1);
	perf_json_close(j);
}

static void json_verdicts(struct perf_json *j, const struct attach_results *r)
{
	perf_json_obj(j, "targets");
	perf_json_num(j, "attach_p99_ns", TARGET_ATTACH_P99_NS, 0);
	perf_json_num(j, "pool_hit_ns", TARGET_POOL_HIT_NS, 0);
	perf_json_num(j, "history_ns", TARGET_HISTORY_NS, 0);
	perf_json_close(j);
	perf_json_obj(j, "pass");
	perf_json_bool(j, "attach_p99", attach_pass(&r->cases[0]) && attach_pass(&r->cases[1]));
	perf_json_bool(j, "pool_hit", pool_pass(r));
	perf_json_bool(j, "history", history_pass(&r->cases[0]) && history_pass(&r->cases[1]));
	perf_json_close(j);
}

int attach_print_json(const struct attach_results *r, const struct attach_options *o)
{
	static struct perf_json j;
	const char *line;
	char when[32];

	perf_utc_now(when, sizeof(when));
	perf_json_init(&j);
	perf_json_str(&j, "bench", "attach");
	perf_json_str(&j, "version", tshm_version_string());
	perf_json_str(&j, "utc", when);
	perf_json_int(&j, "cpus", sysconf(_SC_NPROCESSORS_ONLN));
	perf_json_num(&j, "mem_gib", mem_gib(), 1);
	perf_json_num(&j, "load1_start", r->load_before[0], 2);
	perf_json_num(&j, "load1_end", r->load_after[0], 2);
	perf_json_bool(&j, "small_mode", o->small);
	perf_json_int(&j, "reps", o->reps);
	json_case(&j, &r->cases[0]);
	json_case(&j, &r->cases[1]);
	json_stats(&j, "pool_hit", &r->pool);
	perf_json_num(&j, "attach_size_ratio", r->cases[1].open.median / r->cases[0].open.median,
		      3);
	json_verdicts(&j, r);
	perf_json_int(&j, "shm_left", r->shm_left);
	line = perf_json_finish(&j);
	if (!line)
		return -1;
	printf("%s\n", line);
	fflush(stdout);
	return 0;
}
