/* SPDX-License-Identifier: MIT */
/*
 * How busy the machine was with work that is not the benchmark's: the CPU
 * time /proc/stat counts as busy (steal included: the hypervisor running
 * someone else on our virtual CPU), minus the CPU time of this process and
 * of its reaped children, as a share of all CPUs' time. The clock-tick
 * resolution (10 ms) makes it a coarse figure, good for seconds-long spans.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ring_bench.h"

static uint64_t tv_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
}

static uint64_t rusage_ns(int who)
{
	struct rusage ru;

	if (getrusage(who, &ru) < 0)
		return 0;
	return tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime);
}

/* Busy and total CPU time of all CPUs so far, from the first line of /proc/stat. */
static int proc_stat(uint64_t *busy, uint64_t *total)
{
	unsigned long long v[10] = {0};
	double tick = 1e9 / (double)sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
	fclose(f);
	if (n < 8)
		return -1;
	/* user nice system idle iowait irq softirq steal (guest is inside user) */
	*busy = (uint64_t)((double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * tick);
	*total = *busy + (uint64_t)((double)(v[3] + v[4]) * tick);
	return 0;
}

void rb_cpu_mark(struct rb_cpu_mark *m)
{
	if (proc_stat(&m->busy_ns, &m->total_ns) < 0)
		m->busy_ns = m->total_ns = 0;
	m->ours_ns = rusage_ns(RUSAGE_SELF) + rusage_ns(RUSAGE_CHILDREN);
}

double rb_other_load(const struct rb_cpu_mark *a, const struct rb_cpu_mark *b)
{
	double busy = (double)(b->busy_ns - a->busy_ns), ours = (double)(b->ours_ns - a->ours_ns);
	double total = (double)(b->total_ns - a->total_ns);

	if (total <= 0)
		return 0;
	return busy > ours ? (busy - ours) / total : 0;
}
