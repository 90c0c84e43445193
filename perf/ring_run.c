/* SPDX-License-Identifier: MIT */
/*
 * One run of the ring benchmark: fork the producers and consumers, let them
 * attach and wait at a start line, start the clock and release them, wait
 * for all of them, and check that the consumers received exactly what the
 * producers were asked to send. The time of a run is from the release to
 * the moment the last consumer saw the end of the stream.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ring_bench.h"
#include "ring_items.h"

#define READY_TIMEOUT_NS UINT64_C(10000000000)
#define EXPECT_CACHE 32

static sigset_t orig_mask, chld_mask;
static int pin_procs;

void rb_run_init(int pin)
{
	pin_procs = pin;
	sigemptyset(&chld_mask);
	sigaddset(&chld_mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld_mask, &orig_mask);
}

static unsigned load_acq(const unsigned *p)
{
	return atomic_load_explicit((_Atomic unsigned *)(uintptr_t)p, memory_order_acquire);
}

static unsigned add_rel(unsigned *p)
{
	return atomic_fetch_add_explicit((_Atomic unsigned *)p, 1, memory_order_acq_rel) + 1;
}

/* ---- children ----------------------------------------------------------------- */

static int run_producer(struct rb_side *s, const struct rb_impl_ops *ops)
{
	struct rb_job *j = s->job;
	int rc = ops->produce(s, j->items / j->cfg->np);
	unsigned done = add_rel(&j->ctl->producers_done);
	int rc2 = ops->finish ? ops->finish(s, done == j->cfg->np) : 0;

	return rc < 0 ? rc : rc2;
}

static int run_consumer(struct rb_side *s, const struct rb_impl_ops *ops, struct rb_child *c)
{
	struct rb_sum got = {0, 0, 0};
	int rc = ops->consume(s, &got);

	c->end_ns = perf_now_ns();
	c->sum = got;
	return rc;
}

bool rb_producers_done(const struct rb_side *s)
{
	/* Pairs with the acq_rel increment in run_producer(), after each
	 * producer's last enqueue. */
	return atomic_load_explicit((_Atomic unsigned *)&s->job->ctl->producers_done,
				    memory_order_acquire) == s->job->cfg->np;
}

int rb_map_shared(struct rb_job *j, size_t size)
{
	j->mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (j->mem == MAP_FAILED) {
		j->mem = NULL;
		return -errno;
	}
	j->mem_size = size;
	memset(j->mem, 0, size);
	return 0;
}

void rb_unmap_shared(struct rb_job *j)
{
	if (j->mem)
		munmap(j->mem, j->mem_size);
	j->mem = NULL;
}

int rb_oversubscribed(const struct rb_config *c)
{
	cpu_set_t allowed;

	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		return 0;
	return c->np + c->nc > (unsigned)CPU_COUNT(&allowed);
}

/* With a CPU per process, process @slot runs only on the @slot-th CPU it
 * may use (1P1C: the producer on the first, the consumer on the second);
 * otherwise the scheduler places them. */
static void pin(const struct rb_config *c, unsigned slot)
{
	cpu_set_t allowed, one;
	unsigned seen = 0;

	if (!pin_procs || rb_oversubscribed(c) ||
	    sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		return;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &allowed) || seen++ != slot)
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		sched_setaffinity(0, sizeof(one), &one);
		return;
	}
}

static _Noreturn void child_main(struct rb_job *j, pid_t parent, int producer, unsigned id,
				 unsigned slot)
{
	const struct rb_impl_ops *ops = rb_ops(j->impl);
	struct rb_side s = {.job = j, .id = id, .producer = producer};
	struct rb_child *c = &j->ctl->child[slot];
	int rc;

	sigprocmask(SIG_SETMASK, &orig_mask, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the benchmark */
	if (getppid() != parent)
		_exit(1);
	c->role = producer ? 1 : 2;
	pin(j->cfg, slot);
	rc = ops->attach(&s);
	c->rc = rc;
	add_rel(&j->ctl->ready);
	if (rc == 0) {
		while (!load_acq(&j->ctl->go))
			sched_yield();
		rc = producer ? run_producer(&s, ops) : run_consumer(&s, ops, c);
		if (ops->detach)
			ops->detach(&s); /* fills in the handle's counters */
		c->waits = s.waits;
		c->sleeps = s.sleeps;
		c->wakes = s.wakes;
	}
	c->rc = rc;
	_exit(rc < 0 ? 1 : 0);
}

/* ---- parent --------------------------------------------------------------------- */

static void kill_all(const pid_t *pids, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	for (unsigned i = 0; i < n; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
}

static void mark_reaped(pid_t *pids, unsigned n, pid_t p)
{
	for (unsigned i = 0; i < n; i++)
		if (pids[i] == p)
			pids[i] = 0;
}

/* Poll (100 µs naps) until every child is at the start line; 0 or -1. */
static int wait_ready(const struct rb_job *j, pid_t *pids, unsigned n)
{
	uint64_t deadline = perf_now_ns() + READY_TIMEOUT_NS;

	while (load_acq(&j->ctl->ready) < n) {
		struct timespec ts = {0, 100000};

		for (unsigned i = 0; i < n; i++) {
			if (waitpid(pids[i], NULL, WNOHANG) == 0)
				continue;
			pids[i] = 0; /* it exited before the start: it failed */
			return -1;
		}
		if (perf_now_ns() > deadline)
			return -1;
		nanosleep(&ts, NULL);
	}
	for (unsigned i = 0; i < n; i++)
		if (j->ctl->child[i].rc < 0)
			return -1; /* could not attach */
	return 0;
}

/* Sleep on SIGCHLD until every child has exited, or @deadline; 0 or -1. */
static int wait_all(pid_t *pids, unsigned n, uint64_t deadline)
{
	unsigned left = n;
	int bad = 0;

	while (left > 0) {
		struct timespec ts = {0, 200000000};
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);

		if (p > 0) {
			mark_reaped(pids, n, p);
			bad |= !WIFEXITED(st) || WEXITSTATUS(st) != 0;
			left--;
			continue;
		}
		if ((p < 0 && errno != EINTR) || perf_now_ns() > deadline)
			return -1;
		sigtimedwait(&chld_mask, NULL, &ts);
	}
	return bad ? -1 : 0;
}

static int spawn_all(struct rb_job *j, pid_t *pids)
{
	const struct rb_config *c = j->cfg;
	pid_t self = getpid();

	fflush(NULL);
	for (unsigned i = 0; i < c->np + c->nc; i++) {
		int producer = i < c->np;

		pids[i] = fork();
		if (pids[i] < 0) {
			perror("perf: fork");
			kill_all(pids, i);
			return -1;
		}
		if (pids[i] == 0)
			child_main(j, self, producer, producer ? i : i - c->np, i);
	}
	return 0;
}

/* ---- checksum ----------------------------------------------------------------- */

struct expect_entry {
	unsigned size, np;
	uint64_t items;
	struct rb_sum sum;
};

/* What the producers of @c send in @items items (remembered: it is reused). */
static struct rb_sum expected(const struct rb_config *c, uint64_t items)
{
	static struct expect_entry cache[EXPECT_CACHE];
	static unsigned used;
	uint64_t buf[RB_MAX_BATCH * RB_REC_WORDS];
	struct rb_sum s = {0, 0, 0};

	for (unsigned i = 0; i < used; i++)
		if (cache[i].size == c->size && cache[i].np == c->np && cache[i].items == items)
			return cache[i].sum;
	for (unsigned id = 0; id < c->np; id++)
		for (uint64_t seq = 0; seq < items / c->np; seq += RB_MAX_BATCH) {
			uint64_t left = items / c->np - seq;
			unsigned n = left < RB_MAX_BATCH ? (unsigned)left : RB_MAX_BATCH;
			rb_fill(buf, c->size, id, seq, n);
			rb_sum_add(&s, buf, c->size, n);
		}
	if (used < EXPECT_CACHE)
		cache[used++] = (struct expect_entry){c->size, c->np, items, s};
	return s;
}

static int verify(const struct rb_job *j)
{
	const struct rb_config *c = j->cfg;
	struct rb_sum want = expected(c, j->items), got = {0, 0, 0};

	for (unsigned i = c->np; i < c->np + c->nc; i++) {
		got.count += j->ctl->child[i].sum.count;
		got.sum += j->ctl->child[i].sum.sum;
		got.sq += j->ctl->child[i].sum.sq;
	}
	if (got.count == want.count && got.sum == want.sum && got.sq == want.sq)
		return 0;
	fprintf(stderr,
		"perf: CHECKSUM MISMATCH: %s, %s: received %llu items (sum %016llx/%016llx), "
		"sent %llu (sum %016llx/%016llx)\n",
		c->key, rb_impl_label(j->impl), (unsigned long long)got.count,
		(unsigned long long)got.sum, (unsigned long long)got.sq,
		(unsigned long long)want.count, (unsigned long long)want.sum,
		(unsigned long long)want.sq);
	return -1;
}

/* ---- one run ------------------------------------------------------------------ */

static void report_children(const struct rb_job *j)
{
	for (unsigned i = 0; i < j->cfg->np + j->cfg->nc; i++)
		if (j->ctl->child[i].rc < 0)
			fprintf(stderr, "perf: %s, %s: %s %u failed: %s\n", j->cfg->key,
				rb_impl_label(j->impl), i < j->cfg->np ? "producer" : "consumer",
				i < j->cfg->np ? i : i - j->cfg->np,
				strerror(-j->ctl->child[i].rc));
}

/* Fork, start, wait; fills @out. The job's resources exist around this. */
static int timed_run(struct rb_job *j, struct rb_sample *out)
{
	const struct rb_impl_ops *ops = rb_ops(j->impl);
	unsigned n = j->cfg->np + j->cfg->nc;
	pid_t pids[RB_MAX_PROCS] = {0};
	uint64_t t0, t1 = 0;
	int rc;

	if (spawn_all(j, pids) < 0)
		return -1;
	if (ops->forked)
		ops->forked(j);
	rc = wait_ready(j, pids, n);
	t0 = perf_now_ns();
	/* Pairs with the children's acquire loads of go. */
	atomic_store_explicit((_Atomic unsigned *)&j->ctl->go, 1, memory_order_release);
	if (rc == 0)
		rc = wait_all(pids, n, t0 + (uint64_t)RB_TIMEOUT_S * 1000000000u);
	if (rc < 0) {
		kill_all(pids, n);
		report_children(j);
		fprintf(stderr, "perf: %s, %s: run failed (a child failed, died or timed out)\n",
			j->cfg->key, rb_impl_label(j->impl));
		return -1;
	}
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < n; i++) {
		if (i >= j->cfg->np && j->ctl->child[i].end_ns > t1)
			t1 = j->ctl->child[i].end_ns;
		out->waits += j->ctl->child[i].waits;
		out->sleeps += j->ctl->child[i].sleeps;
		out->wakes += j->ctl->child[i].wakes;
	}
	out->ns_per_item = (double)(t1 - t0) / (double)j->items;
	return verify(j);
}

int rb_run_once(const struct rb_config *cfg, enum rb_impl impl, uint64_t items,
		struct rb_sample *out)
{
	const struct rb_impl_ops *ops = rb_ops(impl);
	struct rb_job j = {.cfg = cfg, .impl = impl, .items = items, .fds = {-1, -1}};
	int rc;

	j.ctl = mmap(NULL, sizeof(*j.ctl), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		     0);
	if (j.ctl == MAP_FAILED) {
		perror("perf: mmap");
		return -1;
	}
	memset(j.ctl, 0, sizeof(*j.ctl));
	rc = ops->setup(&j);
	if (rc < 0) {
		fprintf(stderr, "perf: %s, %s: setup failed: %s\n", cfg->key, rb_impl_label(impl),
			strerror(-rc));
	} else {
		rc = timed_run(&j, out);
		ops->teardown(&j);
	}
	munmap(j.ctl, sizeof(*j.ctl));
	return rc < 0 ? -1 : 0;
}
