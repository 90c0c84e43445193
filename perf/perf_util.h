/* SPDX-License-Identifier: MIT */
/* Benchmark support: a monotonic clock, sample statistics, human formats. */
#ifndef TSHM_PERF_UTIL_H
#define TSHM_PERF_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Summary of a set of samples (all in the samples' unit, e.g. ns). */
struct perf_stats {
	size_t n;
	double min, median, p99, max, mean;
};

/* CLOCK_MONOTONIC in nanoseconds (vDSO, ~20 ns per call). */
uint64_t perf_now_ns(void);

/*
 * perf_stats_of - summarise @n samples at @v (sorted in place). The median
 * averages the two middle samples when @n is even; p99 is the nearest-rank
 * percentile (the smallest sample >= 99% of all samples). Returns 0, or
 * -1 (all fields 0) when @n is 0.
 */
int perf_stats_of(double *v, size_t n, struct perf_stats *out);

/* "850 ns", "12.3 µs", "4.56 ms", "1.23 s". Returns @buf. */
const char *perf_fmt_time(char *buf, size_t len, double ns);

/* "1.00 MiB", "4.00 GiB". Returns @buf. */
const char *perf_fmt_bytes(char *buf, size_t len, uint64_t bytes);

/* splitmix64: a cheap, decent 64-bit generator for pregenerated inputs. */
uint64_t perf_splitmix(uint64_t *state);

/* The directory for scratch files: $TMPDIR if set and non-empty, else /tmp. */
const char *perf_tmpdir(void);

/* perf_utc_now - the current UTC time as "YYYY-MM-DDTHH:MM:SSZ" into @buf. */
const char *perf_utc_now(char *buf, size_t len);

/* perf_read_all - read exactly @n bytes of @fd into @p (EINTR retried,
 * 1 GiB per call). Returns 0, -EIO for a short file, or -errno. */
int perf_read_all(int fd, uint8_t *p, uint64_t n);

/* perf_median - median of @n samples at @v (not modified; n <= 4096), and
 * their maximum in *@max (may be NULL). */
double perf_median(const double *v, size_t n, double *max);

#endif
