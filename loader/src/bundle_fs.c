/* SPDX-License-Identifier: MIT */
/*
 * The bundle directory on the file system (BUNDLE.md "Directory", "Locking"):
 * data file names, lock files, directory syncs, and sweeping data files no
 * committed chunk references.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bundle_internal.h"

int tshm__data_path(char *buf, size_t len, const char *dir, uint32_t file_id)
{
	int n = snprintf(buf, len, "%s/" TSHM__DATA_DIR "/%08u" TSHM__DATA_EXT, dir, file_id);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int tshm__data_name_parse(const char *name, uint32_t *id)
{
	uint64_t v = 0;

	if (strlen(name) != 8 + strlen(TSHM__DATA_EXT) || strcmp(name + 8, TSHM__DATA_EXT) != 0)
		return -EINVAL;
	for (int i = 0; i < 8; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(name[i] - '0');
	}
	if (v == 0 || v > UINT32_MAX)
		return -EINVAL;
	*id = (uint32_t)v;
	return 0;
}

static long lock_timeout_ms(void)
{
	const char *s = getenv("TICKSHM_TEST_LOCK_TIMEOUT_MS");
	long v = s ? strtol(s, NULL, 10) : 0;

	return v > 0 ? v : TSHM__LOCK_TIMEOUT_MS;
}

int tshm__flock_wait(int fd, int op)
{
	long left = lock_timeout_ms(), step = 1;

	for (;;) {
		struct timespec ts;

		if (flock(fd, op | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -errno;
		if (left <= 0)
			return -TSHM_EBUSY;
		step = step < left ? step : left;
		ts.tv_sec = step / 1000;
		ts.tv_nsec = (step % 1000) * 1000000;
		nanosleep(&ts, NULL);
		left -= step;
		step = step < 50 ? step * 2 : 50;
	}
}

int tshm__lock_open(const char *dir, const char *name, bool create)
{
	char path[4200];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create)
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	return fd < 0 ? -errno : fd;
}

int tshm__fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int tshm__list_data_files(const char *dir, uint32_t **ids, size_t *n)
{
	char path[4200];
	struct dirent *de;
	uint32_t *v = NULL, id;
	size_t cnt = 0, cap = 0;
	DIR *d;

	*ids = NULL;
	*n = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/" TSHM__DATA_DIR, dir) >= sizeof(path))
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) != NULL) {
		if (tshm__data_name_parse(de->d_name, &id) < 0)
			continue;
		if (cnt == cap) {
			uint32_t *p = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));
			if (!p) {
				closedir(d);
				free(v);
				return -ENOMEM;
			}
			v = p;
		}
		v[cnt++] = id;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_u32);
	*ids = v;
	*n = cnt;
	return (int)(cnt > INT32_MAX ? INT32_MAX : cnt);
}

int tshm__sweep_files(const char *dir, int lockfd, const uint32_t *keep, size_t n)
{
	uint32_t *ids;
	size_t nids;
	int rc, removed = 0;

	/* A reader holding the shared lock may still read any file it indexed. */
	if (flock(lockfd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? 0 : -errno;
	rc = tshm__list_data_files(dir, &ids, &nids);
	for (size_t i = 0; rc >= 0 && i < nids; i++) {
		char path[4200];

		if (n && bsearch(&ids[i], keep, n, sizeof(*keep), cmp_u32))
			continue;
		rc = tshm__data_path(path, sizeof(path), dir, ids[i]);
		if (rc == 0 && unlink(path) < 0 && errno != ENOENT)
			rc = -errno;
		removed += rc == 0;
	}
	flock(lockfd, LOCK_UN);
	free(ids);
	return rc < 0 ? rc : removed;
}

bool tshm__bundle_crash_wanted(const char *step)
{
	const char *at = getenv("TICKSHM_TEST_CRASH_AT");

	return at && strcmp(at, step) == 0;
}

void tshm__bundle_crash_point(const char *step)
{
	if (tshm__bundle_crash_wanted(step))
		raise(SIGKILL);
}

/* mkdir -p @dir; *@created (may be NULL) says whether the last component was made. */
int tshm__mkdirs(const char *dir, bool *created)
{
	char path[4096];
	size_t len = strlen(dir);

	if (created)
		*created = false;
	if (len == 0 || len >= sizeof(path))
		return len ? -ENAMETOOLONG : -EINVAL;
	/* Most calls find the parent there: one mkdir, no walk. */
	if (mkdir(dir, 0755) == 0) {
		if (created)
			*created = true;
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -errno;
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, 0755) == 0) {
		if (created)
			*created = true;
	} else if (errno != EEXIST)
		return -errno;
	return 0;
}

int64_t tshm__bundle_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t tshm__bundle_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
