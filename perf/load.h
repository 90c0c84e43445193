/* SPDX-License-Identifier: MIT */
/* The load benchmark's results, shared by its measuring and reporting files. */
#ifndef TSHM_PERF_LOAD_H
#define TSHM_PERF_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "perf_util.h"
#include "tickshm/bundle.h"
#include "tickshm/load.h"

/* Targets (issue 4): the loader against this host's limits, same run. */
#define TARGET_LOAD_VS_FILL 0.70 /* load rate / fresh-segment fill rate, all cores */
#define TARGET_LOAD_VS_NAIVE 2.0 /* load rate / naive single-thread loader */
#define TARGET_INGEST_MBPS 200.0 /* MB of CSV per second per core (reported, not required here) */
#define LOAD_MAX_REPS 16

struct load_options {
	int small;	  /* --small: a CI smoke run of seconds */
	int strict;	  /* --strict: exit 2 when a target is missed */
	int no_ingest;	  /* --no-ingest */
	unsigned reps;	  /* interleaved repetitions of every measurement */
	unsigned threads; /* loader and fill threads; 0: online CPUs */
	uint64_t target;  /* raw column bytes of the bundle */
};

/* Rates are bytes per second of raw (decoded) column bytes unless named otherwise. */
struct load_results {
	/* The bundle. */
	uint32_t nassets, ndays, trades_per_day;
	uint64_t raw_bytes, compressed_bytes, chunks, segment_bytes, files;
	double gen_s; /* generating and writing the bundle */
	/* Per repetition; medians below. */
	unsigned reps;
	double load_rate[LOAD_MAX_REPS], fill_rate[LOAD_MAX_REPS], fill_pop_rate[LOAD_MAX_REPS];
	double fill_pw_rate[LOAD_MAX_REPS], naive_rate[LOAD_MAX_REPS];
	double load_med, fill_med, fill_pop_med, fill_pw_med, naive_med;
	double load_best, fill_best, naive_best, fill_pop_best, fill_pw_best;
	/* CPU seconds (every thread) per GB of raw bytes: robust to other load. */
	double load_cpu[LOAD_MAX_REPS], naive_cpu[LOAD_MAX_REPS], fill_cpu[LOAD_MAX_REPS];
	double load_cpu_med, naive_cpu_med, fill_cpu_med;
	struct tshm_load_result last; /* the last load: phases, threads, direct files */
	double load_phase_med[5];     /* open, create, decode, commit, publish (s) */
	/* Single thread, warm output buffer. */
	double zstd_rate;   /* ZSTD_decompressDCtx alone */
	double decode_rate; /* tshm_chunk_decode: zstd + delta + XXH3 check */
	/* Ingest (CSV -> bundle), if run. */
	int ingest_run;
	char ingest_preset[32];
	uint64_t csv_bytes, csv_rows;
	double ingest_wall_s, ingest_cpu_s, ingest_mbps_core, ingest_mbps_wall;
	char ingest_error[512];
	/* Host. */
	unsigned cpus, threads;
	double load_before[3], load_after[3];
	int shm_left;
	/* Verdicts. */
	double vs_fill, vs_fill_pop, vs_fill_pw, vs_naive, vs_zstd;
	double best_vs_fill, best_vs_naive; /* best of reps against best of reps (info) */
};

/* ---- load_host.c: the host's limits, measured on the bundle's own chunks ---- */

/* How load_fill_rate writes. */
enum load_fill {
	LOAD_FILL_MEMCPY,   /* memcpy into the mapping: page faults on first touch */
	LOAD_FILL_POPULATE, /* MADV_POPULATE_WRITE the slice, then memcpy */
	LOAD_FILL_PWRITE,   /* pwrite() to the segment's fd: no faults, no zeroing */
};

/*
 * load_fill_rate - create a fresh segment of @size bytes named @shm_name,
 * sized but not allocated (ftruncate), and fill it with @threads threads
 * (each its own slice, from a hot source buffer) as @how says, so that the
 * page allocation runs on every thread, as in the loader. Unlinks it
 * afterwards. Returns bytes per second, or a negative errno (-ENOSPC when
 * populate or pwrite found /dev/shm full).
 */
double load_fill_rate(const char *shm_name, uint64_t size, unsigned threads, int how);

/* The compressed bytes of every data file, in memory. */
struct load_frames {
	const struct tshm_chunk *chunks;
	size_t n;
	uint8_t **file_data; /* by file index */
	uint64_t *file_size;
	uint32_t *file_ids;
	size_t nfiles;
	uint64_t max_rlen, raw_bytes;
};

/* Read every data file of @b. Returns 0 or -errno. */
int load_frames_read(const struct tshm_bundle *b, struct load_frames *f);
void load_frames_free(struct load_frames *f);

/*
 * load_zstd_rate / load_decode_rate - one thread decompresses every chunk
 * into one warm buffer: plain ZSTD_decompressDCtx, or the loader's
 * tshm_chunk_decode (zstd, delta, checksum). Bytes per second, or < 0.
 */
double load_zstd_rate(const struct load_frames *f);
double load_decode_rate(const struct load_frames *f);

/*
 * load_naive_rate - the naive loader, one thread: a fresh segment from
 * tshm_segment_create (allocated by one fallocate), then for each data
 * file read() it whole, decode each chunk into a scratch buffer and memcpy
 * it into the segment. Bytes per
 * second, or a negative errno.
 */
double load_naive_rate(const struct tshm_bundle *b, const char *shm_name, uint64_t size);

/* ---- load_report.c ----------------------------------------------------- */

void load_print_table(const struct load_results *r, const struct load_options *o);
int load_print_json(const struct load_results *r, const struct load_options *o);
int load_pass_fill(const struct load_results *r);
int load_pass_naive(const struct load_results *r);

#endif
