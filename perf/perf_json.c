/* SPDX-License-Identifier: MIT */
#include "perf_json.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 2, 3))) static void emit(struct perf_json *j, const char *fmt, ...)
{
	size_t room = sizeof(j->buf) - j->len;
	va_list ap;
	int n;

	if (j->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(j->buf + j->len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		j->overflow = 1;
		return;
	}
	j->len += (size_t)n;
}

/* The separator and the key of a new member of the innermost object. */
static void member(struct perf_json *j, const char *key)
{
	if (j->depth == 0) {
		j->overflow = 1;
		return;
	}
	emit(j, "%s\"%s\":", j->members[j->depth - 1]++ ? "," : "", key);
}

void perf_json_init(struct perf_json *j)
{
	memset(j, 0, sizeof(*j));
	emit(j, "{");
	j->depth = 1;
}

void perf_json_str(struct perf_json *j, const char *key, const char *val)
{
	member(j, key);
	emit(j, "\"");
	for (const unsigned char *s = (const unsigned char *)val; *s; s++) {
		if (*s == '"' || *s == '\\')
			emit(j, "\\%c", *s);
		else if (*s < 0x20)
			emit(j, "\\u%04x", *s);
		else
			emit(j, "%c", *s);
	}
	emit(j, "\"");
}

void perf_json_int(struct perf_json *j, const char *key, int64_t val)
{
	member(j, key);
	emit(j, "%" PRId64, val);
}

void perf_json_num(struct perf_json *j, const char *key, double val, int decimals)
{
	member(j, key);
	if (isfinite(val))
		emit(j, "%.*f", decimals, val);
	else
		emit(j, "null");
}

void perf_json_bool(struct perf_json *j, const char *key, int val)
{
	member(j, key);
	emit(j, "%s", val ? "true" : "false");
}

void perf_json_obj(struct perf_json *j, const char *key)
{
	member(j, key);
	emit(j, "{");
	if (j->depth >= PERF_JSON_DEPTH) {
		j->overflow = 1;
		return;
	}
	j->members[j->depth++] = 0;
}

void perf_json_close(struct perf_json *j)
{
	if (j->depth == 0) {
		j->overflow = 1;
		return;
	}
	j->depth--;
	emit(j, "}");
}

const char *perf_json_finish(struct perf_json *j)
{
	while (j->depth > 0)
		perf_json_close(j);
	return j->overflow ? NULL : j->buf;
}
