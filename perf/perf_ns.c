/* SPDX-License-Identifier: MIT */
/*
 * The cleanup runs inside signal handlers, so it uses only system calls
 * (open, getdents64, unlinkat, unlink, close) on buffers prepared at init:
 * no stdio, no malloc, no opendir.
 */
#include "perf_ns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "perf_util.h"
#include "tickshm/tickshm.h"

#define SHM_DIR "/dev/shm"
#define PATH_LEN 512

static char ns_name[TSHM_NAMESPACE_MAX];
static char shm_prefix[TSHM_NAMESPACE_MAX + 16]; /* "tickshm.<ns>." */
static size_t shm_prefix_len;
static char files[PERF_NS_FILES][PATH_LEN];
static volatile sig_atomic_t nfiles;
static char scratch[PATH_LEN]; /* perf_ns_dir's, "" until made */
static pid_t owner;

static const int cleanup_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS};
#define NSIGNALS (sizeof(cleanup_signals) / sizeof(cleanup_signals[0]))

const char *perf_ns(void)
{
	return ns_name;
}

/* One pass over /dev/shm: count (and unlink) the namespace's entries. */
static int sweep_once(int do_unlink)
{
	uint64_t buf[1024]; /* 8 KiB, aligned for struct dirent64 */
	int n = 0, fd = open(SHM_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0)
		return 0;
	while ((got = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < got;) {
			const struct dirent64 *d = (const struct dirent64 *)((char *)buf + off);

			off += d->d_reclen;
			if (strncmp(d->d_name, shm_prefix, shm_prefix_len) != 0)
				continue;
			n++;
			if (do_unlink)
				unlinkat(fd, d->d_name, 0);
		}
	}
	close(fd);
	return n;
}

/* Remove @name under @dirfd recursively with system calls only (signal-safe). */
static void rm_at(int dirfd, const char *name, int depth)
{
	uint64_t buf[512];
	int fd;

	if (unlinkat(dirfd, name, 0) == 0 || (errno != EISDIR && errno != EPERM) || depth > 6)
		return;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	for (int pass = 0; fd >= 0 && pass < 4; pass++) {
		ssize_t got;
		int seen = 0;

		while ((got = getdents64(fd, buf, sizeof(buf))) > 0) {
			for (ssize_t off = 0; off < got;) {
				const struct dirent64 *d = (const void *)((char *)buf + off);

				off += d->d_reclen;
				if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..")) {
					rm_at(fd, d->d_name, depth + 1);
					seen++;
				}
			}
		}
		if (!seen)
			break;
		lseek(fd, 0, SEEK_SET);
	}
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

void perf_ns_rmtree(const char *path)
{
	rm_at(AT_FDCWD, path, 0);
}

int perf_ns_dir(const char *tag, char *out, size_t len)
{
	if (scratch[0])
		return -EBUSY; /* one per run: the cleanup knows of one */
	if ((size_t)snprintf(scratch, sizeof(scratch), "%s/tickshm-%s-%s-XXXXXX", perf_tmpdir(),
			     ns_name, tag) >= sizeof(scratch) ||
	    strlen(scratch) >= len) {
		scratch[0] = '\0';
		return -ENAMETOOLONG;
	}
	if (!mkdtemp(scratch)) {
		int rc = -errno;

		scratch[0] = '\0';
		return rc;
	}
	memcpy(out, scratch, strlen(scratch) + 1);
	return 0;
}

int perf_ns_count(void)
{
	return shm_prefix_len ? sweep_once(0) : 0;
}

int perf_ns_cleanup(void)
{
	int total = 0, n;

	if (!shm_prefix_len || getpid() != owner)
		return 0;
	for (sig_atomic_t i = 0; i < nfiles; i++)
		unlink(files[i]);
	if (scratch[0])
		rm_at(AT_FDCWD, scratch, 0);
	/* Unlinking while reading a directory may hide entries: repeat until
	 * a pass finds nothing. */
	for (int pass = 0; pass < 4 && (n = sweep_once(1)) > 0; pass++)
		total += n;
	return total;
}

int perf_ns_file(const char *path)
{
	size_t len = strlen(path);

	if (nfiles >= PERF_NS_FILES || len >= PATH_LEN)
		return -1;
	memcpy(files[nfiles], path, len + 1);
	nfiles++; /* only now can a handler see it */
	return 0;
}

static void on_exit_cleanup(void)
{
	perf_ns_cleanup();
}

/* SA_RESETHAND restored the default action: re-raise once we return. */
static void on_signal(int sig)
{
	perf_ns_cleanup();
	raise(sig);
}

int perf_ns_init(const char *prefix)
{
	struct sigaction sa;

	owner = getpid();
	snprintf(ns_name, sizeof(ns_name), "%s%d", prefix, (int)owner);
	if (tshm_name_check(ns_name, TSHM_NAMESPACE_MAX) < 0)
		return -1;
	snprintf(shm_prefix, sizeof(shm_prefix), "tickshm.%s.", ns_name);
	setenv("TICKSHM_NAMESPACE", ns_name, 1);
	atexit(on_exit_cleanup);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NSIGNALS; i++)
		sigaddset(&sa.sa_mask, cleanup_signals[i]); /* one cleanup at a time */
	for (size_t i = 0; i < NSIGNALS; i++)
		sigaction(cleanup_signals[i], &sa, NULL);
	shm_prefix_len = strlen(shm_prefix); /* arms the cleanup */
	return 0;
}
