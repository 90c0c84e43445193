/* SPDX-License-Identifier: MIT */
/*
 * A one-line JSON object builder for benchmark results: nested objects of
 * strings, integers, numbers and booleans, written into a fixed buffer.
 */
#ifndef TSHM_PERF_JSON_H
#define TSHM_PERF_JSON_H

#include <stddef.h>
#include <stdint.h>

#define PERF_JSON_MAX 8192u
#define PERF_JSON_DEPTH 8u

struct perf_json {
	char buf[PERF_JSON_MAX];
	size_t len;
	unsigned depth;		      /* open objects, the outermost included */
	int members[PERF_JSON_DEPTH]; /* members written so far, per level */
	int overflow;		      /* something did not fit: the result is unusable */
};

/* Start the outermost object. */
void perf_json_init(struct perf_json *j);

/* Members of the innermost open object. Keys are plain identifiers. */
void perf_json_str(struct perf_json *j, const char *key, const char *val);
void perf_json_int(struct perf_json *j, const char *key, int64_t val);
void perf_json_num(struct perf_json *j, const char *key, double val, int decimals);
void perf_json_bool(struct perf_json *j, const char *key, int val);

/* Open a nested object under @key / close the innermost one. */
void perf_json_obj(struct perf_json *j, const char *key);
void perf_json_close(struct perf_json *j);

/* Close every open object. Returns the line (no newline), or NULL on overflow. */
const char *perf_json_finish(struct perf_json *j);

#endif
