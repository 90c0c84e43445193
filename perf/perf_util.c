/* SPDX-License-Identifier: MIT */
#include "perf_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

uint64_t perf_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int perf_stats_of(double *v, size_t n, struct perf_stats *out)
{
	double sum = 0;
	size_t rank;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return -1;
	qsort(v, n, sizeof(*v), cmp_double);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	/* Nearest rank: ceil(0.99 n), 1-based. */
	rank = (n * 99 + 99) / 100;
	out->n = n;
	out->min = v[0];
	out->max = v[n - 1];
	out->median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	out->p99 = v[rank - 1];
	out->mean = sum / (double)n;
	return 0;
}

const char *perf_fmt_time(char *buf, size_t len, double ns)
{
	if (ns < 1e3)
		snprintf(buf, len, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.1f µs", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
	return buf;
}

const char *perf_fmt_bytes(char *buf, size_t len, uint64_t bytes)
{
	double b = (double)bytes;

	if (bytes >= (UINT64_C(1) << 30))
		snprintf(buf, len, "%.2f GiB", b / (double)(UINT64_C(1) << 30));
	else if (bytes >= (UINT64_C(1) << 20))
		snprintf(buf, len, "%.2f MiB", b / (double)(UINT64_C(1) << 20));
	else
		snprintf(buf, len, "%.1f KiB", b / 1024.0);
	return buf;
}

uint64_t perf_splitmix(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

const char *perf_tmpdir(void)
{
	const char *d = getenv("TMPDIR");

	return d && d[0] ? d : "/tmp";
}

const char *perf_utc_now(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

int perf_read_all(int fd, uint8_t *p, uint64_t n)
{
	const uint64_t chunk = UINT64_C(1) << 30; /* read() caps a call below 2 GiB */

	while (n > 0) {
		ssize_t got = read(fd, p, n < chunk ? n : chunk);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got < 0 ? -errno : -EIO; /* a short file is an error */
		p += got;
		n -= (uint64_t)got;
	}
	return 0;
}

double perf_median(const double *v, size_t n, double *max)
{
	double tmp[4096];
	struct perf_stats s;

	n = n < 4096 ? n : 4096;
	memcpy(tmp, v, n * sizeof(*v));
	perf_stats_of(tmp, n, &s);
	if (max)
		*max = s.max;
	return s.median;
}
