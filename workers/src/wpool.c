/* SPDX-License-Identifier: MIT */
/*
 * Worker processes: fork (no exec) with a clean signal state,
 * PR_SET_PDEATHSIG and none of the parent's file descriptors, liveness
 * through a pidfd (waitpid polling where pidfds are unavailable), orderly
 * stop with a SIGKILL deadline, and the socket that carries a stream run's
 * memfd to each worker.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pipe_internal.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

#define STOP_GRACE_MS 2000
#define KILL_REAP_MS 5000

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Close every descriptor from @lo on except @keep (sorted, ascending). */
static int close_from(unsigned lo, const int *keep, unsigned nkeep)
{
	for (unsigned k = 0; k < nkeep; k++) {
		if (keep[k] < 0 || (unsigned)keep[k] < lo)
			continue;
		if ((unsigned)keep[k] > lo &&
		    syscall(SYS_close_range, lo, (unsigned)keep[k] - 1, 0u) < 0)
			return -1;
		lo = (unsigned)keep[k] + 1;
	}
	return syscall(SYS_close_range, lo, ~0u, 0u) < 0 ? -1 : 0;
}

/* The same without close_range (Linux < 5.9): walk /proc/self/fd. */
static void close_listed(const int *keep, unsigned nkeep)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name), kept = fd <= STDERR_FILENO || fd == dirfd(d);

		for (unsigned k = 0; k < nkeep; k++)
			kept |= fd == keep[k];
		if (e->d_name[0] != '.' && !kept)
			close(fd);
	}
	closedir(d);
}

/*
 * A worker keeps stdio, its socket and the doorbell, nothing else of the
 * parent's: one forked mid-run would otherwise hold a stream run's memfd
 * (and with it the whole buffer pool) for as long as it lives, and a pipe
 * the application holds open would never see end of file.
 */
static void close_inherited(int sock, int doorbell)
{
	int keep[2] = {sock < doorbell ? sock : doorbell, sock < doorbell ? doorbell : sock};

	if (close_from(STDERR_FILENO + 1, keep, 2) < 0)
		close_listed(keep, 2);
}

/* Runs first in a new worker: nothing of the parent's signal handling or
 * exit handlers may run in it, and it must die with its parent. */
static void child_setup(struct tshm_pipeline *p, int sock)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &sa, NULL); /* SIGKILL, SIGSTOP and glibc's own fail: fine */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != p->self)
		_exit(0); /* the parent is already gone */
	close_inherited(sock, p->doorbell);
}

static void close_handles(struct tshm__worker *w)
{
	tshm_ring_detach(w->tasks);
	tshm_ring_detach(w->results);
	w->tasks = w->results = NULL;
	if (w->sock >= 0)
		close(w->sock);
	w->sock = -1;
}

static void reset_slot(struct tshm__wslot *s)
{
	atomic_store_explicit(&s->current, 0, memory_order_relaxed);
	atomic_store_explicit(&s->started_ns, 0, memory_order_relaxed);
	atomic_store_explicit(&s->ready, 0, memory_order_relaxed);
	s->pid = 0;
}

static int attach(struct tshm_pipeline *p, uint32_t i)
{
	struct tshm__worker *w = &p->w[i];
	int rc;

	close_handles(w);
	reset_slot(&p->ctl->slots[i]);
	if ((rc = tshm__ctl_rings_reset(p->ctl, i)) < 0)
		return rc;
	rc = tshm_ring_attach_mem(&w->tasks, tshm__ctl_task_mem(p->ctl, i), p->ctl->ring_size,
				  TSHM_RING_PRODUCER);
	if (rc == 0)
		rc = tshm_ring_attach_mem(&w->results, tshm__ctl_result_mem(p->ctl, i),
					  p->ctl->ring_size, TSHM_RING_CONSUMER);
	if (rc < 0)
		close_handles(w);
	return rc;
}

int tshm__wpool_spawn(struct tshm_pipeline *p, uint32_t i)
{
	struct tshm__worker *w = &p->w[i];
	int sv[2], rc;
	pid_t pid;

	if ((rc = attach(p, i)) < 0)
		return rc;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		rc = -errno;
		close_handles(w);
		return rc;
	}
	pid = fork();
	if (pid == 0) {
		child_setup(p, sv[1]);
		tshm__worker_main(p->ctl, i, sv[1], p->doorbell, p->self);
	}
	rc = -errno;
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		close_handles(w);
		return rc;
	}
	w->sock = sv[0];
	w->pid = pid;
	w->pidfd = pidfd_open_(pid);
	w->ninflight = 0;
	w->fd_run = 0;
	tshm__log(2, "pool", "worker %u started as pid %ld", i, (long)pid);
	return 0;
}

int tshm__wpool_wait_ready(struct tshm_pipeline *p, int64_t timeout_ns)
{
	int64_t deadline = tshm__now_ns() + timeout_ns;
	char why[128];

	for (uint32_t i = 0; i < p->nworkers; i++) {
		while (!atomic_load_explicit(&p->ctl->slots[i].ready, memory_order_acquire)) {
			if (tshm__wpool_reap(p, i, 0, why, sizeof(why)) != 0) {
				snprintf(p->err, sizeof(p->err), "worker %u %s at start", i, why);
				return -ECHILD;
			}
			if (tshm__now_ns() > deadline)
				return -ETIMEDOUT;
			usleep(1000);
		}
	}
	return 0;
}

static int wait_exit(struct tshm__worker *w, int wait_ms, int *status)
{
	int64_t deadline = tshm__now_ns() + (int64_t)wait_ms * 1000000;
	pid_t r;

	for (;;) {
		r = waitpid(w->pid, status, WNOHANG);
		if (r != 0 || wait_ms <= 0)
			return r < 0 ? -errno : r > 0;
		if (tshm__now_ns() >= deadline)
			return 0;
		if (w->pidfd >= 0) {
			struct pollfd pf = {.fd = w->pidfd, .events = POLLIN};
			poll(&pf, 1, 10);
		} else {
			usleep(1000);
		}
	}
}

int tshm__wpool_reap(struct tshm_pipeline *p, uint32_t i, int wait_ms, char *why, size_t len)
{
	struct tshm__worker *w = &p->w[i];
	int status = 0, rc;

	if (w->pid <= 0) {
		snprintf(why, len, "not running");
		return 1;
	}
	rc = wait_exit(w, wait_ms, &status);
	if (rc == 0)
		return 0;
	if (rc < 0)
		snprintf(why, len, "vanished (%s)", strerror(-rc)); /* reaped by someone else */
	else
		tshm__status_str(status, why, len);
	if (w->pidfd >= 0)
		close(w->pidfd);
	w->pidfd = -1;
	w->pid = 0;
	return 1;
}

/* End every task stream: a worker drains what is queued, then its wait
 * returns 0 and it exits (the ring needs no free slot to say so). */
static void ask_stop(struct tshm_pipeline *p)
{
	for (uint32_t i = 0; i < p->nworkers; i++)
		if (p->w[i].pid > 0 && p->w[i].tasks)
			tshm_ring_close(p->w[i].tasks);
}

void tshm__wpool_stop(struct tshm_pipeline *p)
{
	int64_t deadline;
	char why[128];

	ask_stop(p);
	deadline = tshm__now_ns() + (int64_t)STOP_GRACE_MS * 1000000;
	for (uint32_t i = 0; i < p->nworkers; i++) {
		int64_t left = (deadline - tshm__now_ns()) / 1000000;

		if (p->w[i].pid > 0 &&
		    tshm__wpool_reap(p, i, left > 0 ? (int)left : 0, why, sizeof(why)) == 0) {
			tshm__log(0, "pool", "worker %u (pid %ld) did not stop: killing it", i,
				  (long)p->w[i].pid);
			kill(p->w[i].pid, SIGKILL);
			tshm__wpool_reap(p, i, KILL_REAP_MS, why, sizeof(why));
		}
		close_handles(&p->w[i]);
	}
}

int tshm__wpool_send_fd(struct tshm_pipeline *p, uint32_t i, int fd, uint32_t run)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = &run, .iov_len = sizeof(run)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	memset(u.buf, 0, sizeof(u.buf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(p->w[i].sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return -errno;
	p->w[i].fd_run = run;
	return 0;
}
