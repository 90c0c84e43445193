/* SPDX-License-Identifier: MIT */
#include "tshm_proc.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- time ---------------------------------------------------------------- */

int64_t tshm_test_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t tshm_test_now_ms(void)
{
	return tshm_test_now_ns() / 1000000;
}

void tshm_test_sleep_us(long us)
{
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- child processes ----------------------------------------------------- */

static pid_t children[TSHM_TEST_MAX_CHILDREN];

void tshm_test_child_add(pid_t pid)
{
	for (size_t i = 0; i < TSHM_TEST_MAX_CHILDREN; i++)
		if (children[i] == 0) {
			children[i] = pid;
			return;
		}
	kill(pid, SIGKILL);
	fail_msg("too many children");
}

void tshm_test_child_forget(pid_t pid)
{
	for (size_t i = 0; i < TSHM_TEST_MAX_CHILDREN; i++)
		if (children[i] == pid)
			children[i] = 0;
}

int tshm_test_reap(pid_t pid, int timeout_ms, int *status)
{
	int64_t deadline = tshm_test_now_ms() + timeout_ms;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid) {
			tshm_test_child_forget(pid);
			return 0;
		}
		if (r < 0 && errno != EINTR) {
			int err = errno;

			tshm_test_child_forget(pid);
			return -err;
		}
		if (tshm_test_now_ms() > deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			tshm_test_child_forget(pid);
			return -ETIMEDOUT;
		}
		tshm_test_sleep_us(1000);
	}
}

void tshm_test_kill_children(void)
{
	for (size_t i = 0; i < TSHM_TEST_MAX_CHILDREN; i++)
		if (children[i] > 0) {
			int st;

			kill(children[i], SIGKILL);
			tshm_test_reap(children[i], 5000, &st);
		}
}

void tshm_test_child_init(unsigned max_seconds)
{
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	signal(SIGILL, SIG_DFL);
	signal(SIGFPE, SIG_DFL);
	signal(SIGABRT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(max_seconds);
}

pid_t tshm_test_fork(unsigned max_seconds)
{
	pid_t pid;

	/* Nothing buffered may be written twice. */
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		/* The siblings are the parent's to kill, not this child's. */
		memset(children, 0, sizeof(children));
		tshm_test_child_init(max_seconds);
		return 0;
	}
	tshm_test_child_add(pid);
	return pid;
}

pid_t tshm_test_fork_piped(struct tshm_test_child *c, unsigned max_seconds)
{
	int c2p[2], p2c[2];
	pid_t pid;

	if (pipe(c2p) < 0)
		fail_msg("pipe: %s", strerror(errno));
	if (pipe(p2c) < 0) {
		close(c2p[0]);
		close(c2p[1]);
		fail_msg("pipe: %s", strerror(errno));
	}
	pid = tshm_test_fork(max_seconds);
	if (pid == 0) {
		close(c2p[0]);
		close(p2c[1]);
		c->pid = 0;
		c->cmd = p2c[0];
		c->rep = c2p[1];
		return 0;
	}
	close(c2p[1]);
	close(p2c[0]);
	c->pid = pid;
	c->cmd = p2c[1];
	c->rep = c2p[0];
	return pid;
}

void tshm_test_child_close(struct tshm_test_child *c)
{
	close(c->cmd);
	close(c->rep);
	c->cmd = c->rep = -1;
	c->pid = 0;
}

const char *tshm_test_status_str(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "status 0x%x", status);
	return buf;
}

/*
 * Reap @pid within @timeout_ms and fail the test unless signal @sig killed
 * it (@sig > 0) or it exited with @code (@sig == 0). @what names it.
 */
static void expect_end(pid_t pid, int timeout_ms, int sig, int code, const char *what)
{
	char buf[64];
	int st = 0;
	int rc = tshm_test_reap(pid, timeout_ms, &st);

	if (rc == -ETIMEDOUT)
		fail_msg("%s (pid %d) did not finish within %d ms: killed", what, (int)pid,
			 timeout_ms);
	if (rc < 0)
		fail_msg("%s (pid %d): waitpid: %d (%s)", what, (int)pid, rc, strerror(-rc));
	if (sig > 0 && (!WIFSIGNALED(st) || WTERMSIG(st) != sig))
		fail_msg("%s (pid %d) ended with %s, expected signal %d (%s)", what, (int)pid,
			 tshm_test_status_str(st, buf, sizeof(buf)), sig, strsignal(sig));
	if (sig == 0 && (!WIFEXITED(st) || WEXITSTATUS(st) != code))
		fail_msg("%s (pid %d) ended with %s, expected exit %d", what, (int)pid,
			 tshm_test_status_str(st, buf, sizeof(buf)), code);
}

void tshm_test_expect_exit(pid_t pid, int timeout_ms, int code, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	expect_end(pid, timeout_ms, 0, code, what);
}

void tshm_test_expect_ok_or_skip(pid_t pid, int timeout_ms, const char *what)
{
	char buf[64];
	int st = 0;
	int rc = tshm_test_reap(pid, timeout_ms, &st);

	if (rc == 0 && WIFEXITED(st) && WEXITSTATUS(st) == TSHM_TEST_EXIT_SKIP)
		skip();
	if (rc < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("%s (pid %d) ended with %s, expected exit 0", what, (int)pid,
			 rc < 0 ? "a timeout or waitpid error"
				: tshm_test_status_str(st, buf, sizeof(buf)));
}

int tshm_test_private_shm(const char *size)
{
	char opt[64];

	snprintf(opt, sizeof(opt), "size=%s", size);
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/dev/shm", "tmpfs", 0, opt) < 0)
		return -errno;
	return 0;
}

void tshm_test_expect_signal(pid_t pid, int timeout_ms, int sig, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	expect_end(pid, timeout_ms, sig, 0, what);
}

/* ---- pipes ----------------------------------------------------------------- */

int tshm_test_write_full(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int tshm_test_read_full(int fd, void *buf, size_t n, int timeout_ms)
{
	char *p = buf;
	int64_t deadline = tshm_test_now_ms() + timeout_ms;

	while (n) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - tshm_test_now_ms();
		ssize_t r;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!(pfd.revents & (POLLIN | POLLHUP)))
			continue;
		r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -EPIPE;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int tshm_test_read_byte(int fd, int timeout_ms)
{
	unsigned char c;

	if (tshm_test_read_full(fd, &c, 1, timeout_ms) < 0)
		return -1;
	return c;
}

/* ---- fixtures and publishing ------------------------------------------------- */

int tshm_test_fixture_setup(struct tshm_catalog **cat)
{
	tshm_test_ns_clean();
	return tshm_catalog_open(cat, NULL, TSHM_CATALOG_CREATE) == 0 ? 0 : -1;
}

void tshm_test_fixture_teardown(struct tshm_catalog **cat)
{
	tshm_test_kill_children();
	tshm_catalog_close(*cat);
	*cat = NULL;
	tshm_test_ns_clean();
}

uint64_t tshm_test_publish_expect(struct tshm_catalog *cat, const char *bundle,
				  const struct tshm_test_bundle *base, uint64_t seed,
				  uint64_t expect_gen)
{
	struct tshm_test_bundle b = *base;
	int64_t gen;

	b.seed = seed;
	gen = tshm_test_publish(cat, bundle, &b);
	TSHM_TEST_CHECK(gen);
	if (expect_gen && (uint64_t)gen != expect_gen)
		fail_msg("publish of %s gave generation %lld, expected %llu", bundle,
			 (long long)gen, (unsigned long long)expect_gen);
	return (uint64_t)gen;
}

void tshm_test_crash_publish(const char *bundle, const char *step, const struct tshm_test_bundle *b)
{
	pid_t pid = tshm_test_fork(TSHM_TEST_CHILD_LIFETIME_S);

	if (pid == 0) {
		struct tshm_catalog *ccat;
		int64_t gen;

		if (tshm_catalog_open(&ccat, NULL, TSHM_CATALOG_RDWR) < 0)
			_exit(30);
		setenv("TICKSHM_TEST_CRASH_AT", step, 1);
		gen = tshm_test_publish(ccat, bundle, b);
		_exit(gen < 0 ? 33 : 34); /* not killed: the crash point did not fire */
	}
	tshm_test_expect_signal(pid, TSHM_TEST_CHILD_TIMEOUT_MS, SIGKILL,
				"crash child (%s, crash point %s)", bundle, step);
}

/* ---- segments in /dev/shm ------------------------------------------------- */

void tshm_test_seg_name(char *buf, const char *bundle, uint64_t gen)
{
	TSHM_TEST_CHECK(tshm_name_segment(buf, TSHM_SEGNAME_MAX, tshm_test_ns(), bundle, gen));
}

int tshm_test_shm_stat(const char *name, struct stat *st)
{
	char path[256];

	snprintf(path, sizeof(path), "/dev/shm%s", name);
	return stat(path, st) == 0 ? 0 : -errno;
}

int tshm_test_shm_exists(const char *name)
{
	struct stat st;

	return tshm_test_shm_stat(name, &st) == 0;
}

static int collect_cb(const struct tshm_seg_entry *e, void *arg)
{
	struct tshm_test_seglist *l = arg;

	if (l->n < TSHM_TEST_MAX_SEGS)
		l->e[l->n] = *e;
	l->n++;
	return 0;
}

void tshm_test_scan(struct tshm_test_seglist *l)
{
	memset(l, 0, sizeof(*l));
	TSHM_TEST_CHECK(tshm_segments_scan(NULL, collect_cb, l));
	if (l->n > TSHM_TEST_MAX_SEGS)
		fail_msg("too many segments: %d", l->n);
	for (int i = 1; i < l->n; i++) {
		const struct tshm_seg_entry *a = &l->e[i - 1], *b = &l->e[i];
		int c = strcmp(a->bundle, b->bundle);

		/* Name order is bundle, then generation as a number (g9 < g10). */
		if (c > 0 || (c == 0 && a->generation >= b->generation)) {
			tshm_test_print_segs("scan", l);
			fail_msg("scan is not in name order: %s before %s", a->name, b->name);
		}
	}
}

const struct tshm_seg_entry *tshm_test_find_seg(const struct tshm_test_seglist *l, const char *name)
{
	for (int i = 0; i < l->n && i < TSHM_TEST_MAX_SEGS; i++)
		if (strcmp(l->e[i].name, name) == 0)
			return &l->e[i];
	return NULL;
}

const char *tshm_test_state_name(int state)
{
	switch (state) {
	case TSHM_SEGSTATE_CURRENT:
		return "CURRENT";
	case TSHM_SEGSTATE_WRITING:
		return "WRITING";
	case TSHM_SEGSTATE_ABANDONED:
		return "ABANDONED";
	case TSHM_SEGSTATE_OLD:
		return "OLD";
	}
	return "?";
}

void tshm_test_print_segs(const char *what, const struct tshm_test_seglist *l)
{
	print_message("  %s: %d segment(s)\n", what, l->n);
	for (int i = 0; i < l->n && i < TSHM_TEST_MAX_SEGS; i++)
		print_message("    %s bundle %s gen %llu size %llu %s nmappers %u\n", l->e[i].name,
			      l->e[i].bundle, (unsigned long long)l->e[i].generation,
			      (unsigned long long)l->e[i].size, tshm_test_state_name(l->e[i].state),
			      l->e[i].nmappers);
}

/* Segment names compare with or without their leading '/'. */
static int same_segname(const char *a, const char *b)
{
	if (*a == '/')
		a++;
	if (*b == '/')
		b++;
	return strcmp(a, b) == 0;
}

int tshm_test_mapping_cb(const struct tshm_mapping *m, void *arg)
{
	struct tshm_test_mapping_find *f = arg;

	f->total++;
	if (m->pid == f->pid && same_segname(m->name, f->name)) {
		f->found++;
		f->deleted = m->deleted;
	}
	return 0;
}

int tshm_test_find_mapping(pid_t pid, const char *name, struct tshm_test_mapping_find *f)
{
	memset(f, 0, sizeof(*f));
	f->pid = pid;
	f->name = name;
	TSHM_TEST_CHECK(tshm_mappings_scan(NULL, tshm_test_mapping_cb, f));
	return f->found;
}

int tshm_test_self_mappings(const char *name)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], path[300];
	size_t len;
	int n = 0;

	assert_non_null(f);
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	len = strlen(path);
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, path);

		if (p && (p[len] == '\n' || p[len] == ' ' || !p[len]))
			n++;
	}
	fclose(f);
	return n;
}
