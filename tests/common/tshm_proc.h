/* SPDX-License-Identifier: MIT */
/*
 * Support for the fault and multi-process tests: child processes reaped with
 * deadlines, pipes with timeouts, and what those tests look at in /dev/shm
 * (segment names, segment states, who maps what).
 *
 * Every function here that can fail the test (fail_msg) may only be called
 * in the test process itself, never in a forked child: a child reports
 * through its exit status or a pipe.
 */
#ifndef TSHM_PROC_H
#define TSHM_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "tshm_test.h"

/*
 * TSHM_TEST_CHECK - fail the test, naming the call site, the expression and
 * the error, if @expr (an int-like tickshm return value) is negative.
 */
#define TSHM_TEST_CHECK(expr)                                                                      \
	do {                                                                                       \
		int rc_ = (int)(expr);                                                             \
		if (rc_ < 0)                                                                       \
			fail_msg("%s:%d: %s -> %d (%s)", __FILE__, __LINE__, #expr, rc_,           \
				 tshm_strerror(rc_));                                              \
	} while (0)

/* How long a child may take to answer or to finish a step. */
#define TSHM_TEST_CHILD_TIMEOUT_MS 30000
/* Default alarm() for a child: past it the child dies by SIGALRM. */
#define TSHM_TEST_CHILD_LIFETIME_S (TSHM_TEST_CHILD_TIMEOUT_MS / 1000 + 5)
/* Children registered at once (tshm_test_child_add). */
#define TSHM_TEST_MAX_CHILDREN 16

/* ---- time ---------------------------------------------------------------- */

/* tshm_test_now_ns - CLOCK_MONOTONIC in nanoseconds. */
int64_t tshm_test_now_ns(void);

/* tshm_test_now_ms - CLOCK_MONOTONIC in milliseconds. */
int64_t tshm_test_now_ms(void);

/* tshm_test_sleep_us - sleep @us microseconds, resuming after signals. */
void tshm_test_sleep_us(long us);

/* ---- child processes ----------------------------------------------------- */

/*
 * tshm_test_child_add - register @pid so that tshm_test_kill_children()
 * kills it if the test fails. If the registry is full, kills @pid and fails
 * the test.
 */
void tshm_test_child_add(pid_t pid);

/* tshm_test_child_forget - unregister @pid (no-op if it is not registered). */
void tshm_test_child_forget(pid_t pid);

/*
 * tshm_test_reap - wait for @pid for up to @timeout_ms; past the deadline
 * kill it with SIGKILL and wait for it. Unregisters @pid. Returns 0 with
 * *@status set, -ETIMEDOUT if it had to be killed (*@status set too), or
 * -errno from waitpid (e.g. -ECHILD).
 */
int tshm_test_reap(pid_t pid, int timeout_ms, int *status);

/*
 * tshm_test_kill_children - SIGKILL and reap (5 s at most each) every
 * registered child. For teardowns; never fails.
 */
void tshm_test_kill_children(void);

/*
 * tshm_test_child_init - runs first in every child: default disposition for
 * the signals cmocka and tshm_test_ns_init() catch, die with the parent
 * (PR_SET_PDEATHSIG), and die by SIGALRM after @max_seconds.
 */
void tshm_test_child_init(unsigned max_seconds);

/*
 * tshm_test_fork - fork a registered child. In the child: runs
 * tshm_test_child_init(@max_seconds), empties the inherited registry and
 * returns 0. In the parent: registers the child and returns its pid. Fails
 * the test if fork() fails.
 */
pid_t tshm_test_fork(unsigned max_seconds);

/*
 * A child talking to the parent over two pipes. Each process holds its own
 * ends: @cmd is where commands are sent (parent) or arrive (child), @rep
 * where replies arrive (parent) or are sent (child).
 */
struct tshm_test_child {
	pid_t pid;
	int cmd;
	int rep;
};

/*
 * tshm_test_fork_piped - tshm_test_fork() with a command and a reply pipe
 * set up in @c. Returns 0 in the child, the child's pid in the parent
 * (also stored in @c->pid). Fails the test if pipe() or fork() fails.
 */
pid_t tshm_test_fork_piped(struct tshm_test_child *c, unsigned max_seconds);

/* tshm_test_child_close - close the parent's pipe ends of @c, clear its pid. */
void tshm_test_child_close(struct tshm_test_child *c);

/*
 * tshm_test_status_str - describe a waitpid() status ("exit 3", "signal 9
 * (Killed)") in @buf of @len bytes. Returns @buf.
 */
const char *tshm_test_status_str(int status, char *buf, size_t len);

/*
 * tshm_test_expect_exit - reap @pid within @timeout_ms and fail the test
 * unless it exited with @code. @fmt... names the child in messages.
 */
void tshm_test_expect_exit(pid_t pid, int timeout_ms, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * tshm_test_expect_signal - reap @pid within @timeout_ms and fail the test
 * unless signal @sig killed it. @fmt... names the child in messages.
 */
void tshm_test_expect_signal(pid_t pid, int timeout_ms, int sig, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The exit code with which a child asks for a skip (e.g. not root). */
#define TSHM_TEST_EXIT_SKIP 77

/*
 * tshm_test_expect_ok_or_skip - reap @pid within @timeout_ms; skip the
 * test if it exited with TSHM_TEST_EXIT_SKIP, fail it unless it exited
 * with 0. @what names the child in messages.
 */
void tshm_test_expect_ok_or_skip(pid_t pid, int timeout_ms, const char *what);

/*
 * tshm_test_private_shm - in a child: mount a tmpfs of @size (a mount
 * option such as "1m") over /dev/shm in a mount namespace of its own, so
 * that it can fill /dev/shm without touching the real one. Needs root.
 * Returns 0 or -errno (-EPERM: not root).
 */
int tshm_test_private_shm(const char *size);

/* ---- pipes ----------------------------------------------------------------- */

/*
 * tshm_test_write_full - write all @n bytes of @buf to @fd (retrying short
 * writes and EINTR). Returns 0 or -1 (errno set).
 */
int tshm_test_write_full(int fd, const void *buf, size_t n);

/*
 * tshm_test_read_full - read exactly @n bytes from @fd within @timeout_ms.
 * Returns 0, -ETIMEDOUT, -EPIPE (end of file or read error) or -errno from
 * poll(). Safe in children.
 */
int tshm_test_read_full(int fd, void *buf, size_t n, int timeout_ms);

/*
 * tshm_test_read_byte - read one byte from @fd within @timeout_ms. Returns
 * the byte (0..255) or -1 on timeout, end of file or error. Safe in
 * children.
 */
int tshm_test_read_byte(int fd, int timeout_ms);

/* ---- fixtures and publishing ------------------------------------------------- */

/*
 * tshm_test_fixture_setup - empty the test namespace and create its catalog
 * in *@cat. Returns 0, or -1 if the catalog cannot be opened (a cmocka
 * setup failure).
 */
int tshm_test_fixture_setup(struct tshm_catalog **cat);

/*
 * tshm_test_fixture_teardown - kill and reap every registered child, close
 * *@cat (may be NULL) and set it to NULL, then empty the test namespace.
 */
void tshm_test_fixture_teardown(struct tshm_catalog **cat);

/*
 * tshm_test_publish_expect - publish a copy of @base with seed @seed as
 * @bundle in @cat. Fails the test if publishing fails or, when @expect_gen
 * is not 0, yields another generation. Returns the generation published.
 */
uint64_t tshm_test_publish_expect(struct tshm_catalog *cat, const char *bundle,
				  const struct tshm_test_bundle *base, uint64_t seed,
				  uint64_t expect_gen);

/*
 * tshm_test_crash_publish - in a child, publish @b as @bundle with
 * TICKSHM_TEST_CRASH_AT=@step set, and fail the test unless the crash point
 * kills the child with SIGKILL (within TSHM_TEST_CHILD_TIMEOUT_MS).
 */
void tshm_test_crash_publish(const char *bundle, const char *step,
			     const struct tshm_test_bundle *b);

/* ---- segments in /dev/shm ------------------------------------------------- */

/*
 * tshm_test_seg_name - the name (with its leading '/') of generation @gen
 * of @bundle in the test namespace, in @buf of TSHM_SEGNAME_MAX bytes.
 * Fails the test on error.
 */
void tshm_test_seg_name(char *buf, const char *bundle, uint64_t gen);

/*
 * tshm_test_shm_stat - stat() the /dev/shm file of segment @name (with its
 * leading '/'). Returns 0 with *@st filled, or -errno.
 */
int tshm_test_shm_stat(const char *name, struct stat *st);

/* tshm_test_shm_exists - 1 if segment @name exists in /dev/shm, else 0. */
int tshm_test_shm_exists(const char *name);

/*
 * tshm_test_self_mappings - how many lines of /proc/self/maps map segment
 * @name (with its '/'): 0 once every view of it is released.
 */
int tshm_test_self_mappings(const char *name);

/* Capacity of struct tshm_test_seglist. */
#define TSHM_TEST_MAX_SEGS 64

/* The data segments of the test namespace, as tshm_segments_scan() saw them. */
struct tshm_test_seglist {
	int n;
	struct tshm_seg_entry e[TSHM_TEST_MAX_SEGS];
};

/*
 * tshm_test_scan - fill @l with tshm_segments_scan() of the test namespace.
 * Fails the test if the scan fails, finds more than TSHM_TEST_MAX_SEGS
 * segments or does not report them in name order (by bundle, then by
 * generation as a number: g9 before g10).
 */
void tshm_test_scan(struct tshm_test_seglist *l);

/* tshm_test_find_seg - the entry of @l named @name, or NULL. */
const struct tshm_seg_entry *tshm_test_find_seg(const struct tshm_test_seglist *l,
						const char *name);

/* tshm_test_state_name - "CURRENT", "WRITING", "ABANDONED", "OLD" or "?". */
const char *tshm_test_state_name(int state);

/* tshm_test_print_segs - print @l, headed by @what (diagnostics). */
void tshm_test_print_segs(const char *what, const struct tshm_test_seglist *l);

/* What tshm_test_mapping_cb looks for and found. */
struct tshm_test_mapping_find {
	pid_t pid;
	const char *name; /* with or without the leading '/' */
	int found;	  /* mappings of @name by @pid */
	int deleted;	  /* the last one's tshm_mapping.deleted */
	int total;	  /* mappings seen in all */
};

/*
 * tshm_test_mapping_cb - tshm_mappings_scan() callback counting the
 * mappings of @arg's (pid, name) in a struct tshm_test_mapping_find.
 * Returns 0 (never stops the scan).
 */
int tshm_test_mapping_cb(const struct tshm_mapping *m, void *arg);

/*
 * tshm_test_find_mapping - scan the test namespace's mappings for segment
 * @name mapped by @pid, into @f (reset first). Fails the test if the scan
 * fails. Returns @f->found.
 */
int tshm_test_find_mapping(pid_t pid, const char *name, struct tshm_test_mapping_find *f);

#endif
