/* SPDX-License-Identifier: MIT */
/* The load benchmark's report: a table for people, one JSON line for tools. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "load.h"
#include "perf_json.h"
#include "perf_ns.h"

#define GB 1e9

int load_pass_fill(const struct load_results *r)
{
	return r->vs_fill >= TARGET_LOAD_VS_FILL;
}

int load_pass_naive(const struct load_results *r)
{
	return r->vs_naive >= TARGET_LOAD_VS_NAIVE;
}

static int ingest_pass(const struct load_results *r)
{
	return r->ingest_run > 0 ? r->ingest_mbps_core >= TARGET_INGEST_MBPS : -1;
}

static const char *verdict(int pass)
{
	return pass < 0 ? "-" : pass ? "PASS" : "FAIL";
}

static void print_rates(const struct load_results *r)
{
	printf("\n%-58s %12s %12s\n", "rate (raw column bytes into shared memory)", "median",
	       "best");
	printf("%-58s %9.2f GB/s %7.2f GB/s\n", "tickshm load (whole run: open .. publish)",
	       r->load_med / GB, r->load_best / GB);
	printf("%-58s %9.2f GB/s %7.2f GB/s\n", "host: fresh segment fill, memcpy, all cores",
	       r->fill_med / GB, r->fill_best / GB);
	printf("%-58s %9.2f GB/s %7.2f GB/s\n", "host: fresh segment fill, POPULATE_WRITE + memcpy",
	       r->fill_pop_med / GB, r->fill_pop_best / GB);
	printf("%-58s %9.2f GB/s %7.2f GB/s\n", "host: fresh segment fill, pwrite() to the fd",
	       r->fill_pw_med / GB, r->fill_pw_best / GB);
	printf("%-58s %9.2f GB/s %7.2f GB/s\n", "naive loader (1 thread: read, decode, copy)",
	       r->naive_med / GB, r->naive_best / GB);
	printf("%-58s %9.2f GB/s\n", "zstd decompression, 1 thread, warm buffer",
	       r->zstd_rate / GB);
	printf("%-58s %9.2f GB/s\n", "tshm_chunk_decode (zstd+delta+XXH3), 1 thread",
	       r->decode_rate / GB);
	if (r->ingest_run > 0)
		printf("%-58s %9.1f MB/s (%.1f MB/s wall)\n", "ingest, CSV per core (CPU time)",
		       r->ingest_mbps_core, r->ingest_mbps_wall);
}

static void print_targets(const struct load_results *r)
{
	printf("\n%-58s %8s %10s  %s\n", "target", "ratio", "bar", "result");
	printf("%-58s %7.2fx %9.2fx  %s\n", "load / fresh-segment fill (memcpy, all cores)",
	       r->vs_fill, TARGET_LOAD_VS_FILL, verdict(load_pass_fill(r)));
	printf("%-58s %7.2fx %9.2fx  %s\n", "load / naive single-thread loader", r->vs_naive,
	       TARGET_LOAD_VS_NAIVE, verdict(load_pass_naive(r)));
	if (r->ingest_run > 0)
		printf("%-58s %7.0f %10s  %s\n", "ingest MB/s of CSV per core", r->ingest_mbps_core,
		       ">= 200", verdict(ingest_pass(r)));
	else
		printf("%-58s %8s %10s  %s\n", "ingest MB/s of CSV per core",
		       r->ingest_run < 0 ? "failed" : "not run", ">= 200", "-");
	printf("%-58s %7.2fx %10s  (info)\n", "load / fill with POPULATE_WRITE", r->vs_fill_pop,
	       "");
	printf("%-58s %7.2fx %10s  (info)\n", "load / fill with pwrite", r->vs_fill_pw, "");
	printf("%-58s %7.2fx %10s  (info)\n", "load / zstd single thread", r->vs_zstd, "");
	printf("%-58s %7.2fx %10s  (info)\n", "best load / best fill (memcpy)", r->best_vs_fill,
	       "");
	printf("%-58s %7.2fx %10s  (info)\n", "best load / best naive", r->best_vs_naive, "");
}

static void print_details(const struct load_results *r)
{
	const struct tshm_load_result *l = &r->last;

	printf("\nload phases (median s): open %.3f, create %.3f, alloc+read+decode+meta "
	       "%.3f, commit %.3f, publish %.4f\n",
	       r->load_phase_med[0], r->load_phase_med[1], r->load_phase_med[2],
	       r->load_phase_med[3], r->load_phase_med[4]);
	printf("CPU time per GB (all threads; robust to other load): load %.3f s, naive %.3f s, "
	       "fill (memcpy) %.3f s\n",
	       r->load_cpu_med, r->naive_cpu_med, r->fill_cpu_med);
	printf("loader: %u decode threads, %u of %llu data files read with O_DIRECT (auto)\n",
	       l->nthreads, l->direct_files, (unsigned long long)r->files);
	printf("per repetition (GB/s):");
	for (unsigned i = 0; i < r->reps; i++)
		printf("  [load %.2f fill %.2f pop %.2f pwrite %.2f naive %.2f]",
		       r->load_rate[i] / GB, r->fill_rate[i] / GB, r->fill_pop_rate[i] / GB,
		       r->fill_pw_rate[i] / GB, r->naive_rate[i] / GB);
	printf("\n");
	if (r->ingest_run > 0)
		printf("ingest: %s, %.1f MB of CSV, %llu rows, %.2f s wall, %.2f s CPU\n",
		       r->ingest_preset, (double)r->csv_bytes / 1e6,
		       (unsigned long long)r->csv_rows, r->ingest_wall_s, r->ingest_cpu_s);
	else if (r->ingest_run < 0)
		printf("ingest: failed: %s\n", r->ingest_error);
	printf("cleanup: %d /dev/shm entries of the namespace left\n\n", r->shm_left);
}

void load_print_table(const struct load_results *r, const struct load_options *o)
{
	char when[32], raw[32], comp[32], seg[32];

	perf_utc_now(when, sizeof(when));
	printf("tickshm load benchmark %s: namespace %s, %u CPUs (%u threads), %s%s\n",
	       tshm_version_string(), perf_ns(), r->cpus, r->threads, when,
	       o->small ? " (--small)" : "");
	printf("load average (1/5/15 min): %.2f %.2f %.2f at start, %.2f %.2f %.2f at end\n",
	       r->load_before[0], r->load_before[1], r->load_before[2], r->load_after[0],
	       r->load_after[1], r->load_after[2]);
	printf("bundle: %s of columns in %llu chunks, %s compressed (%.2fx), segment %s;\n"
	       "        %u assets x %u days, ~%u trades/day, generated in %.1f s; %u reps\n",
	       perf_fmt_bytes(raw, sizeof(raw), r->raw_bytes), (unsigned long long)r->chunks,
	       perf_fmt_bytes(comp, sizeof(comp), r->compressed_bytes),
	       r->compressed_bytes ? (double)r->raw_bytes / (double)r->compressed_bytes : 0,
	       perf_fmt_bytes(seg, sizeof(seg), r->segment_bytes), r->nassets, r->ndays,
	       r->trades_per_day, r->gen_s, r->reps);
	print_rates(r);
	print_targets(r);
	print_details(r);
}

static void json_rates(struct perf_json *j, const struct load_results *r)
{
	perf_json_obj(j, "gbps");
	perf_json_num(j, "load", r->load_med / GB, 3);
	perf_json_num(j, "load_best", r->load_best / GB, 3);
	perf_json_num(j, "fill", r->fill_med / GB, 3);
	perf_json_num(j, "fill_populate", r->fill_pop_med / GB, 3);
	perf_json_num(j, "fill_pwrite", r->fill_pw_med / GB, 3);
	perf_json_num(j, "naive", r->naive_med / GB, 3);
	perf_json_num(j, "naive_best", r->naive_best / GB, 3);
	perf_json_num(j, "fill_best", r->fill_best / GB, 3);
	perf_json_num(j, "zstd_1t", r->zstd_rate / GB, 3);
	perf_json_num(j, "decode_1t", r->decode_rate / GB, 3);
	perf_json_close(j);
	perf_json_obj(j, "cpu_s_per_gb");
	perf_json_num(j, "load", r->load_cpu_med, 3);
	perf_json_num(j, "naive", r->naive_cpu_med, 3);
	perf_json_num(j, "fill", r->fill_cpu_med, 3);
	perf_json_close(j);
	perf_json_obj(j, "load_phase_s");
	perf_json_num(j, "open", r->load_phase_med[0], 4);
	perf_json_num(j, "create", r->load_phase_med[1], 4);
	perf_json_num(j, "decode", r->load_phase_med[2], 4);
	perf_json_num(j, "commit", r->load_phase_med[3], 4);
	perf_json_num(j, "publish", r->load_phase_med[4], 4);
	perf_json_close(j);
}

static void json_ingest(struct perf_json *j, const struct load_results *r)
{
	perf_json_obj(j, "ingest");
	perf_json_bool(j, "run", r->ingest_run > 0);
	if (r->ingest_run > 0) {
		perf_json_str(j, "preset", r->ingest_preset);
		perf_json_int(j, "csv_bytes", (int64_t)r->csv_bytes);
		perf_json_int(j, "rows", (int64_t)r->csv_rows);
		perf_json_num(j, "wall_s", r->ingest_wall_s, 3);
		perf_json_num(j, "cpu_s", r->ingest_cpu_s, 3);
		perf_json_num(j, "mbps_per_core", r->ingest_mbps_core, 1);
		perf_json_num(j, "mbps_wall", r->ingest_mbps_wall, 1);
	}
	perf_json_close(j);
}

static void json_targets(struct perf_json *j, const struct load_results *r)
{
	perf_json_obj(j, "targets");
	perf_json_num(j, "load_vs_fill", TARGET_LOAD_VS_FILL, 2);
	perf_json_num(j, "load_vs_naive", TARGET_LOAD_VS_NAIVE, 2);
	perf_json_num(j, "ingest_mbps_per_core", TARGET_INGEST_MBPS, 0);
	perf_json_close(j);
	perf_json_obj(j, "ratios");
	perf_json_num(j, "load_vs_fill", r->vs_fill, 3);
	perf_json_num(j, "load_vs_fill_populate", r->vs_fill_pop, 3);
	perf_json_num(j, "load_vs_fill_pwrite", r->vs_fill_pw, 3);
	perf_json_num(j, "load_vs_naive", r->vs_naive, 3);
	perf_json_num(j, "load_vs_zstd_1t", r->vs_zstd, 3);
	perf_json_num(j, "best_load_vs_best_fill", r->best_vs_fill, 3);
	perf_json_num(j, "best_load_vs_best_naive", r->best_vs_naive, 3);
	perf_json_close(j);
	perf_json_obj(j, "pass");
	perf_json_bool(j, "load_vs_fill", load_pass_fill(r));
	perf_json_bool(j, "load_vs_naive", load_pass_naive(r));
	if (ingest_pass(r) >= 0)
		perf_json_bool(j, "ingest", ingest_pass(r));
	perf_json_close(j);
}

int load_print_json(const struct load_results *r, const struct load_options *o)
{
	struct perf_json j;
	const char *line;
	char when[32];

	perf_utc_now(when, sizeof(when));
	perf_json_init(&j);
	perf_json_str(&j, "bench", "load");
	perf_json_str(&j, "version", tshm_version_string());
	perf_json_str(&j, "utc", when);
	perf_json_int(&j, "cpus", r->cpus);
	perf_json_int(&j, "threads", r->threads);
	perf_json_num(&j, "load1_start", r->load_before[0], 2);
	perf_json_num(&j, "load1_end", r->load_after[0], 2);
	perf_json_bool(&j, "small_mode", o->small);
	perf_json_int(&j, "reps", r->reps);
	perf_json_int(&j, "raw_bytes", (int64_t)r->raw_bytes);
	perf_json_int(&j, "compressed_bytes", (int64_t)r->compressed_bytes);
	perf_json_int(&j, "segment_bytes", (int64_t)r->segment_bytes);
	perf_json_int(&j, "chunks", (int64_t)r->chunks);
	perf_json_int(&j, "direct_files", r->last.direct_files);
	perf_json_num(&j, "gen_s", r->gen_s, 2);
	json_rates(&j, r);
	json_ingest(&j, r);
	json_targets(&j, r);
	perf_json_int(&j, "shm_left", r->shm_left);
	line = perf_json_finish(&j);
	if (!line)
		return -1;
	printf("%s\n", line);
	return fflush(stdout) == 0 ? 0 : -1;
}
