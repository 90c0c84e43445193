/* SPDX-License-Identifier: MIT */
/* The attach benchmark's results, shared by its measuring and reporting files. */
#ifndef TSHM_PERF_ATTACH_H
#define TSHM_PERF_ATTACH_H

#include <stdint.h>

#include "perf_baseline.h"
#include "perf_bundle.h"
#include "perf_util.h"
#include "tickshm/tickshm.h"

/* Targets (DESIGN.md, perf brief): attach p99 independent of size. */
#define TARGET_ATTACH_P99_NS 50000.0
#define TARGET_POOL_HIT_NS 100.0
#define TARGET_HISTORY_NS 1000.0

/* The steps tshm_view_open() takes, timed one by one. */
enum attach_phase { PH_LOOKUP, PH_OPEN, PH_MAP, PH_VALIDATE, PH_RELEASE, PH_COUNT };

struct attach_options {
	unsigned reps; /* attaches per size (and cap on baseline loads) */
	int small;     /* --small: a 256 MiB bundle instead of 4 GiB */
	int sample;    /* --baseline-sample: cap the large baseline file at 256 MiB */
	int strict;    /* --strict: exit 2 when a target is missed */
};

/* Everything measured on one bundle size. */
struct attach_case {
	const char *key;    /* JSON member: "small" or "large" */
	const char *label;  /* "1 MiB", "256 MiB", "4 GiB" */
	const char *bundle; /* bundle name in the namespace */
	uint64_t target;    /* column bytes asked for */
	struct perf_bundle_spec spec;
	struct perf_bundle_info info;
	struct perf_stats attach;	   /* ns per tshm_view_open + unref */
	struct perf_stats open;		   /* ns of the tshm_view_open alone, same loop */
	struct perf_stats phase[PH_COUNT]; /* ns per phase */
	struct perf_stats history;	   /* ns per tshm_history, batch means */
	struct perf_stats history_fwd;	   /* same queries in end_ts order */
	double history_cold_ns;		   /* first pass on a fresh mapping */
	double history_rows;		   /* mean window length */
	struct perf_baseline base;	   /* file load baseline */
	double speedup;			   /* base.load.median / attach.median */
	double speedup_warm;		   /* base.warm.median / attach.median */
};

struct attach_results {
	struct attach_case cases[2]; /* small, large */
	struct perf_stats pool;	     /* ns per get + put pair, batch means */
	struct tshm_pool_stats pool_counters;
	double load_before[3], load_after[3]; /* getloadavg() at start and end */
	int shm_left;			      /* namespace entries left after cleanup */
};

/* Print the human-readable table (attach_report.c). */
void attach_print_table(const struct attach_results *r, const struct attach_options *o);

/* Print the one JSON line. Returns 0, or -1 if it did not fit. */
int attach_print_json(const struct attach_results *r, const struct attach_options *o);

/* Did every target hold? */
int attach_all_pass(const struct attach_results *r);

#endif
