/* SPDX-License-Identifier: MIT */
/*
 * A private tickshm namespace for one benchmark run, and the guarantee that
 * the run leaves nothing behind: every /dev/shm entry of the namespace and
 * every registered scratch file is removed at exit, on SIGINT, SIGTERM,
 * SIGHUP, SIGQUIT and on crashes (SIGABRT, SIGSEGV, SIGBUS).
 */
#ifndef TSHM_PERF_NS_H
#define TSHM_PERF_NS_H

#include <stddef.h>

#define PERF_NS_FILES 8 /* scratch files registered at most */

/*
 * perf_ns_init - name the namespace "<prefix><pid>", export it as
 * TICKSHM_NAMESPACE, and install the exit and signal cleanup.
 * Returns 0, or -1 if @prefix makes an invalid namespace.
 */
int perf_ns_init(const char *prefix);

/* The namespace set by perf_ns_init(). */
const char *perf_ns(void);

/*
 * perf_ns_file - register @path (copied) for removal at cleanup. Register a
 * file before creating it. Returns 0, or -1 when the registry is full or
 * the path too long.
 */
int perf_ns_file(const char *path);

/*
 * perf_ns_dir - make a scratch directory $TMPDIR/tickshm-<ns>-<tag>-XXXXXX
 * into @out and register it: cleanup removes it and everything in it, also
 * from a signal handler. One directory per run: -EBUSY for a second.
 * Returns 0 or -errno.
 */
int perf_ns_dir(const char *tag, char *out, size_t len);

/* perf_ns_rmtree - remove @path recursively, system calls only. */
void perf_ns_rmtree(const char *path);

/*
 * perf_ns_cleanup - remove the namespace's /dev/shm entries and the
 * registered files and directory now. Async-signal-safe; idempotent. Returns how many
 * /dev/shm entries were removed.
 */
int perf_ns_cleanup(void);

/* How many /dev/shm entries the namespace has now. */
int perf_ns_count(void);

#endif
