/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/* Named segments: create, seal, open, close, unlink, and their errors. */
#include "tshm_proc.h"
#include "tshm_test.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *seg_name(char *buf, const char *bundle, uint64_t gen)
{
	assert_int_equal(tshm_name_segment(buf, TSHM_SEGNAME_MAX, tshm_test_ns(), bundle, gen), 0);
	return buf;
}

static int shm_stat(const char *name, struct stat *st)
{
	char path[300];

	snprintf(path, sizeof(path), "/dev/shm%s", name);
	return stat(path, st);
}

/* Permissions of the mapping that starts at @base, from /proc/self/maps. */
static void map_perms(const void *base, char perms[5])
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];

	assert_non_null(f);
	perms[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		uintptr_t lo, hi;
		char p[5];

		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %4s", &lo, &hi, p) == 3 &&
		    lo == (uintptr_t)base) {
			memcpy(perms, p, 5);
			break;
		}
	}
	fclose(f);
}

static void test_segment_create_basics(void **state)
{
	struct tshm_segment seg;
	char name[TSHM_SEGNAME_MAX], perms[5];
	struct stat st;

	(void)state;
	seg_name(name, "basic", 1);
	assert_int_equal(tshm_segment_create(&seg, name, 10000), 0);
	assert_true(seg.fd >= 0);
	assert_non_null(seg.base);
	assert_int_equal(seg.writable, 1);
	assert_true(seg.size == 10000);
	assert_string_equal(seg.name, name);
	map_perms(seg.base, perms);
	assert_true(perms[0] == 'r' && perms[1] == 'w' && perms[3] == 's');
	/* Fully allocated up front (posix_fallocate), not sparse. */
	assert_int_equal(fstat(seg.fd, &st), 0);
	assert_true(st.st_size == 10000);
	assert_true((uint64_t)st.st_blocks * 512 >= 10000);
	assert_int_equal(st.st_mode & 07777, 0200);
	memset(seg.base, 0xab, 10000);
	tshm_segment_close(&seg);
	assert_int_equal(seg.fd, -1);
	assert_null(seg.base);
	assert_true(tshm_test_shm_exists(name)); /* close does not unlink */
	assert_int_equal(tshm_segment_unlink(name), 0);
	assert_false(tshm_test_shm_exists(name));
}

static void test_segment_seal_mode(void **state)
{
	struct tshm_segment seg;
	char name[TSHM_SEGNAME_MAX];
	struct stat st;

	(void)state;
	seg_name(name, "seal", 3);
	assert_int_equal(tshm_segment_create(&seg, name, 4096), 0);
	assert_int_equal(shm_stat(name, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0200);
	assert_int_equal(tshm_segment_seal(&seg, 0), 0);
	assert_int_equal(fstat(seg.fd, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(shm_stat(name, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	tshm_segment_close(&seg);

	seg_name(name, "seal", 4);
	assert_int_equal(tshm_segment_create(&seg, name, 4096), 0);
	assert_int_equal(tshm_segment_seal(&seg, 0604), 0);
	assert_int_equal(shm_stat(name, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0604);
	tshm_segment_close(&seg);
}

static void test_segment_seal_not_created(void **state)
{
	struct tshm_segment seg;

	(void)state;
	memset(&seg, 0, sizeof(seg));
	seg.fd = -1;
	assert_int_equal(tshm_segment_seal(&seg, 0), -EINVAL);
}

static void test_segment_create_eexist(void **state)
{
	struct tshm_segment a, b;
	char name[TSHM_SEGNAME_MAX];

	(void)state;
	seg_name(name, "dup", 1);
	assert_int_equal(tshm_segment_create(&a, name, 8192), 0);
	memset(a.base, 0x5a, 8192);
	assert_int_equal(tshm_segment_create(&b, name, 4096), -EEXIST);
	/* The first segment is untouched: same size, same bytes. */
	assert_true(tshm_test_shm_exists(name));
	assert_int_equal(((unsigned char *)a.base)[8191], 0x5a);
	assert_int_equal(tshm_segment_seal(&a, 0), 0);
	tshm_segment_close(&a);
	assert_int_equal(tshm_segment_open(&b, name, 0), 0);
	assert_true(b.size == 8192);
	assert_int_equal(((unsigned char *)b.base)[0], 0x5a);
	tshm_segment_close(&b);
}

static void test_segment_open_readonly(void **state)
{
	struct tshm_segment w, r;
	char name[TSHM_SEGNAME_MAX], perms[5];

	(void)state;
	seg_name(name, "ro", 2);
	assert_int_equal(tshm_segment_create(&w, name, 3 * 4096), 0);
	strcpy((char *)w.base + 5000, "hello");
	assert_int_equal(tshm_segment_seal(&w, 0), 0);
	assert_int_equal(tshm_segment_open(&r, name, 0), 0);
	assert_true(r.fd >= 0);
	assert_non_null(r.base);
	assert_int_equal(r.writable, 0);
	assert_true(r.size == 3 * 4096);
	assert_string_equal(r.name, name);
	assert_string_equal((const char *)r.base + 5000, "hello");
	map_perms(r.base, perms);
	assert_string_equal(perms, "r--s");
	/* Shared: a later write by the creator is visible. */
	strcpy((char *)w.base + 6000, "world");
	assert_string_equal((const char *)r.base + 6000, "world");
	tshm_segment_close(&r);
	tshm_segment_close(&w);
}

static void test_segment_open_rdwr(void **state)
{
	struct tshm_segment w, r;
	char name[TSHM_SEGNAME_MAX], perms[5];

	(void)state;
	seg_name(name, "rw", 1);
	assert_int_equal(tshm_segment_create(&w, name, 4096), 0);
	assert_int_equal(tshm_segment_seal(&w, 0600), 0);
	assert_int_equal(tshm_segment_open(&r, name, TSHM_SEG_RDWR), 0);
	assert_int_equal(r.writable, 1);
	map_perms(r.base, perms);
	assert_true(perms[0] == 'r' && perms[1] == 'w' && perms[3] == 's');
	((char *)r.base)[100] = 42;
	assert_int_equal(((char *)w.base)[100], 42);
	tshm_segment_close(&r);
	tshm_segment_close(&w);
}

static void test_segment_open_bad_flags(void **state)
{
	static const unsigned flags[] = {2u, 4u, 0x80000000u, TSHM_SEG_RDWR | 8u};
	struct tshm_segment w, r;
	char name[TSHM_SEGNAME_MAX];

	(void)state;
	seg_name(name, "flags", 1);
	assert_int_equal(tshm_segment_create(&w, name, 4096), 0);
	assert_int_equal(tshm_segment_seal(&w, 0), 0);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		assert_int_equal(tshm_segment_open(&r, name, flags[i]), -EINVAL);
	tshm_segment_close(&w);
}

static void test_segment_create_size_zero(void **state)
{
	struct tshm_segment seg;
	char name[TSHM_SEGNAME_MAX];

	(void)state;
	seg_name(name, "zero", 1);
	assert_int_equal(tshm_segment_create(&seg, name, 0), -EINVAL);
	assert_false(tshm_test_shm_exists(name));
	assert_int_equal(tshm_test_ns_count(), 0);
}

static void test_segment_open_empty(void **state)
{
	struct tshm_segment seg;
	char name[TSHM_SEGNAME_MAX];
	int fd;

	(void)state;
	seg_name(name, "empty", 1);
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0640);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(tshm_segment_open(&seg, name, 0), -TSHM_EINCOMPLETE);
	assert_int_equal(tshm_segment_unlink(name), 0);
}

/* Still mode 0200: being written. The kernel refuses other users with
 * EACCES (test_segment_unsealed_other_user); root bypasses mode bits, and the
 * library refuses it explicitly with -TSHM_EINCOMPLETE. */
static void test_segment_open_unsealed(void **state)
{
	int want = geteuid() == 0 ? -TSHM_EINCOMPLETE : -EACCES;
	struct tshm_segment w, r;
	char name[TSHM_SEGNAME_MAX];

	(void)state;
	seg_name(name, "unsealed", 1);
	assert_int_equal(tshm_segment_create(&w, name, 4096), 0);
	assert_int_equal(tshm_segment_open(&r, name, 0), want);
	assert_int_equal(tshm_segment_open(&r, name, TSHM_SEG_RDWR), want);
	tshm_segment_close(&w);
}

static void test_segment_enoent(void **state)
{
	struct tshm_segment seg;
	char name[TSHM_SEGNAME_MAX];

	(void)state;
	seg_name(name, "missing", 9);
	assert_int_equal(tshm_segment_open(&seg, name, 0), -ENOENT);
	assert_int_equal(tshm_segment_open(&seg, name, TSHM_SEG_RDWR), -ENOENT);
	assert_int_equal(tshm_segment_unlink(name), -ENOENT);
}

static void test_segment_bad_names(void **state)
{
	static const char *bad[] = {"",
				    "/",
				    "/../../etc/passwd",
				    "/etc/passwd",
				    "/tickshm.a/b.c.g1",
				    "/tickshm.ns.b.g0",
				    "/tickshm.ns.b",
				    "/tickshm..b.g1",
				    "/tickshm.ns.b.c.g1",
				    "/tickshm.ns.../g1",
				    "/not-tickshm"};
	struct tshm_segment seg;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(tshm_segment_create(&seg, bad[i], 4096), -TSHM_ENAME);
		assert_int_equal(tshm_segment_open(&seg, bad[i], 0), -TSHM_ENAME);
		assert_int_equal(tshm_segment_unlink(bad[i]), -TSHM_ENAME);
	}
	assert_int_equal(tshm_test_ns_count(), 0);
}

static void test_segment_enospc(void **state)
{
	struct tshm_segment seg;
	char name[TSHM_SEGNAME_MAX];

	(void)state;
	seg_name(name, "huge", 1);
	assert_int_equal(tshm_segment_create(&seg, name, UINT64_C(1) << 50), -ENOSPC);
	assert_false(tshm_test_shm_exists(name));
	assert_int_equal(tshm_test_ns_count(), 0);
	/* The name is free again. */
	assert_int_equal(tshm_segment_create(&seg, name, 4096), 0);
	tshm_segment_close(&seg);
}

static void test_segment_close_safe(void **state)
{
	struct tshm_segment seg;
	char name[TSHM_SEGNAME_MAX];
	int fd = open("/dev/null", O_RDONLY);

	(void)state;
	/* Make fd 0 something we can watch: a zeroed struct has fd 0. */
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, 0), 0);
	if (fd != 0)
		close(fd);
	memset(&seg, 0, sizeof(seg));
	tshm_segment_close(&seg);
	assert_true(fcntl(0, F_GETFD) != -1);
	tshm_segment_close(&seg);

	seg_name(name, "close", 1);
	assert_int_equal(tshm_segment_create(&seg, name, 4096), 0);
	tshm_segment_close(&seg);
	tshm_segment_close(&seg); /* already closed */
	assert_int_equal(seg.fd, -1);
	assert_null(seg.base);
	assert_true(fcntl(0, F_GETFD) != -1);
}

static void test_segment_unlink_keeps_mapping(void **state)
{
	struct tshm_segment w, r;
	char name[TSHM_SEGNAME_MAX];

	(void)state;
	seg_name(name, "unl", 5);
	assert_int_equal(tshm_segment_create(&w, name, 4096), 0);
	strcpy(w.base, "still here");
	assert_int_equal(tshm_segment_seal(&w, 0), 0);
	assert_int_equal(tshm_segment_open(&r, name, 0), 0);
	tshm_segment_close(&w);
	assert_int_equal(tshm_segment_unlink(name), 0);
	assert_false(tshm_test_shm_exists(name));
	assert_string_equal((const char *)r.base, "still here");
	assert_int_equal(tshm_segment_open(&w, name, 0), -ENOENT);
	assert_int_equal(tshm_segment_unlink(name), -ENOENT);
	tshm_segment_close(&r);
}

static void test_segment_create_holds_flock(void **state)
{
	struct tshm_segment seg;
	char name[TSHM_SEGNAME_MAX];
	int fd;

	(void)state;
	seg_name(name, "lock", 1);
	assert_int_equal(tshm_segment_create(&seg, name, 4096), 0);
	fd = shm_open(name, O_RDONLY, 0);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_SH | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	tshm_segment_close(&seg);
	/* Closing the creator's fd releases the lock. */
	assert_int_equal(flock(fd, LOCK_SH | LOCK_NB), 0);
	close(fd);
}

/* Open @name as uid 65534 (gid 0) in a child; returns the open result. */
static int open_as_other_user(const char *name)
{
	int pfd[2], rc = 12345;
	pid_t pid;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct tshm_segment seg;
		gid_t g = 0;
		int r = -1000;

		close(pfd[0]);
		if (setgroups(1, &g) == 0 && setgid(0) == 0 && setuid(65534) == 0) {
			r = tshm_segment_open(&seg, name, 0);
			if (r == 0)
				tshm_segment_close(&seg);
		}
		if (write(pfd[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(2);
		_exit(0);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &rc, sizeof(rc)), (ssize_t)sizeof(rc));
	close(pfd[0]);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return rc;
}

static void test_segment_eacces_until_sealed(void **state)
{
	struct tshm_segment w;
	char name[TSHM_SEGNAME_MAX];

	(void)state;
	if (geteuid() != 0)
		skip(); /* needs to switch to another user */
	seg_name(name, "acc", 1);
	assert_int_equal(tshm_segment_create(&w, name, 4096), 0);
	assert_int_equal(open_as_other_user(name), -EACCES);
	assert_int_equal(tshm_segment_seal(&w, 0), 0);
	/* 0640: the group (0) may read now. */
	assert_int_equal(open_as_other_user(name), 0);
	tshm_segment_close(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_segment_create_basics, tshm_test_clean),
	    cmocka_unit_test_teardown(test_segment_seal_mode, tshm_test_clean),
	    cmocka_unit_test_teardown(test_segment_seal_not_created, tshm_test_clean),
	    cmocka_unit_test_teardown(test_segment_create_eexist, tshm_test_clean),
	    cmocka_unit_test_teardown(test_segment_open_readonly, tshm_test_clean),
	    cmocka_unit_test_teardown(test_segment_open_rdwr, tshm_test_clean),
	    cmocka_unit_test_teardown(test_segment_open_bad_flags, tshm_test_clean),
	    cmocka_unit_test_teardown(test_segment_create_size_zero, tshm_test_clean),
	    cmocka_unit_test_teardown(test_segment_open_empty, tshm_test_clean),
	    cmocka_unit_test_teardown(test_segment_open_unsealed, tshm_test_clean),
	    cmocka_unit_test_teardown(test_segment_enoent, tshm_test_clean),
	    cmocka_unit_test_teardown(test_segment_bad_names, tshm_test_clean),
	    cmocka_unit_test_teardown(test_segment_enospc, tshm_test_clean),
	    cmocka_unit_test_teardown(test_segment_close_safe, tshm_test_clean),
	    cmocka_unit_test_teardown(test_segment_unlink_keeps_mapping, tshm_test_clean),
	    cmocka_unit_test_teardown(test_segment_create_holds_flock, tshm_test_clean),
	    cmocka_unit_test_teardown(test_segment_eacces_until_sealed, tshm_test_clean),
	};

	tshm_test_ns_init("segment");
	return cmocka_run_group_tests(tests, tshm_test_clean, tshm_test_clean);
}
