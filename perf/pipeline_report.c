/* SPDX-License-Identifier: MIT */
/* tshm_perf_pipeline: the table, the verdicts and the JSON line. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "perf_json.h"
#include "perf_util.h"
#include "pipeline.h"

static const char *verdict(int ok)
{
	return ok ? "PASS" : "FAIL";
}

static int pass_one(const struct pipe_results *r)
{
	return r->ratio_one >= PIPE_TARGET_ONE_WORKER;
}

/* Scaling is judged only where 2 workers have 2 cores. */
static int pass_eff(const struct pipe_results *r)
{
	return r->nworkers < 2 || r->cpus < 2 || r->efficiency_two >= PIPE_TARGET_EFFICIENCY;
}

static int pass_speedup(const struct pipe_results *r)
{
	return r->speedup >= PIPE_TARGET_SPEEDUP;
}

int pipe_passed(const struct pipe_results *r)
{
	return pass_one(r) && pass_eff(r) && pass_speedup(r);
}

static void table(const struct pipe_setup *su, const struct pipe_results *r)
{
	printf("pipeline: sma_cross, %u assets x %u parameter sets = %u tasks over %llu trades "
	       "(%.1f M ticks x sets a sweep)\n",
	       su->nassets, su->npsets, su->nassets * su->npsets, (unsigned long long)su->rows,
	       (double)su->rows * su->npsets / 1e6);
	printf("host: %u cpus, load average %.2f at start, %.2f at end; bundle generated in "
	       "%.2f s, loaded in %.2f s\n\n",
	       r->cpus, r->load_start, r->load_end, su->gen_s, su->load_s);
	printf("  %-44s %12s  %s\n", "", "M ticks*sets/s", "ratio");
	printf("  %-44s %12.1f\n", "ceiling: kernel, one thread, shm columns", r->ceiling / 1e6);
	for (uint32_t w = 1; w <= r->nworkers; w++) {
		char label[64];

		snprintf(label, sizeof(label), "pipeline, %u worker%s", w, w > 1 ? "s" : "");
		printf("  %-44s %12.1f  %.2fx one worker, %.1f%% efficiency; %.1f per worker "
		       "CPU-second\n",
		       label, r->pipeline[w] / 1e6, r->pipeline[w] / r->pipeline[1],
		       100 * r->pipeline[w] / (w * r->pipeline[1]), r->per_cpu[w] / 1e6);
	}
	printf("  %-44s %12.1f  %.1f ms a task\n", "baseline: each task loads its data",
	       r->baseline / 1e6, r->baseline_task_s * 1e3);
	printf("\n  pipeline 1 worker / ceiling       %6.1f%%  target >= %.0f%%  %s\n",
	       100 * r->ratio_one, 100 * PIPE_TARGET_ONE_WORKER, verdict(pass_one(r)));
	if (r->nworkers >= 2)
		printf("  scaling efficiency at 2 workers   %6.1f%%  target >= %.0f%%  %s%s\n",
		       100 * r->efficiency_two, 100 * PIPE_TARGET_EFFICIENCY, verdict(pass_eff(r)),
		       r->cpus < 2 ? " (fewer than 2 cpus: not judged)" : "");
	printf("  pipeline %u workers / baseline %u  %6.1fx   target >= %.0fx   %s\n", r->nworkers,
	       r->baseline_procs, r->speedup, PIPE_TARGET_SPEEDUP, verdict(pass_speedup(r)));
}

static void json(const struct pipe_setup *su, const struct pipe_results *r,
		 const struct pipe_opts *o)
{
	static struct perf_json j;
	char key[16], when[32];
	const char *line;

	perf_utc_now(when, sizeof(when));
	perf_json_init(&j);
	perf_json_str(&j, "bench", "pipeline");
	perf_json_str(&j, "version", tshm_version_string());
	perf_json_str(&j, "utc", when);
	perf_json_int(&j, "cpus", r->cpus);
	perf_json_num(&j, "load1_start", r->load_start, 2);
	perf_json_num(&j, "load1_end", r->load_end, 2);
	perf_json_bool(&j, "small_mode", o->small);
	perf_json_int(&j, "assets", su->nassets);
	perf_json_int(&j, "psets", su->npsets);
	perf_json_int(&j, "trades", (int64_t)su->rows);
	perf_json_num(&j, "ceiling_tps", r->ceiling, 0);
	perf_json_obj(&j, "pipeline_tps");
	for (uint32_t w = 1; w <= r->nworkers; w++) {
		snprintf(key, sizeof(key), "w%u", w);
		perf_json_num(&j, key, r->pipeline[w], 0);
	}
	perf_json_close(&j);
	perf_json_obj(&j, "tps_per_cpu_s"); /* ticks x sets per CPU-second */
	for (uint32_t w = 1; w <= r->nworkers; w++) {
		snprintf(key, sizeof(key), "w%u", w);
		perf_json_num(&j, key, r->per_cpu[w], 0);
	}
	perf_json_close(&j);
	perf_json_num(&j, "baseline_tps", r->baseline, 0);
	perf_json_int(&j, "baseline_procs", r->baseline_procs);
	perf_json_num(&j, "one_worker_vs_ceiling", r->ratio_one, 3);
	perf_json_num(&j, "efficiency_2w", r->efficiency_two, 3);
	perf_json_num(&j, "speedup_vs_baseline", r->speedup, 2);
	perf_json_obj(&j, "pass");
	perf_json_bool(&j, "one_worker", pass_one(r));
	perf_json_bool(&j, "efficiency", pass_eff(r));
	perf_json_bool(&j, "speedup", pass_speedup(r));
	perf_json_close(&j);
	if ((line = perf_json_finish(&j)))
		printf("%s\n", line);
}

void pipe_report(const struct pipe_setup *su, const struct pipe_results *r,
		 const struct pipe_opts *o)
{
	table(su, r);
	json(su, r, o);
}
