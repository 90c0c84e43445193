/* SPDX-License-Identifier: MIT */
/*
 * The copy baseline: what a worker pays today to get the same columns into
 * its own memory. The columns of a view are written once to a regular file;
 * each timed load is open + malloc (fresh pages) + read() of the whole file
 * + close, with the page cache warm. This is a lower bound for a Python
 * worker, which also parses and builds its frames.
 */
#ifndef TSHM_PERF_BASELINE_H
#define TSHM_PERF_BASELINE_H

#include <stddef.h>
#include <stdint.h>

#include "perf_util.h"
#include "tickshm/tickshm.h"

struct perf_baseline {
	uint64_t bytes;		/* file size */
	int sampled;		/* 1: capped below the view's column bytes */
	double write_s;		/* writing the file once */
	size_t reps;		/* timed loads */
	struct perf_stats load; /* ns per load into fresh memory */
	struct perf_stats warm; /* ns per load into one buffer faulted in beforehand */
};

/*
 * perf_baseline_write - write the column arrays of @v (table by table,
 * column by column) to @path, a new file, stopping at @cap bytes (0: no
 * cap). Fills out->bytes, ->sampled and ->write_s. Returns 0 or -errno.
 */
int perf_baseline_write(const struct tshm_view *v, const char *path, uint64_t cap,
			struct perf_baseline *out);

/*
 * perf_baseline_time - one untimed load to warm the page cache, then
 * @reps timed loads of @path into fresh memory (out->load), then @reps
 * into one buffer whose pages were touched beforehand (out->warm: the copy
 * alone, a lower bound). Fills out->reps too. Returns 0 or -errno.
 */
int perf_baseline_time(const char *path, size_t reps, struct perf_baseline *out);

#endif
