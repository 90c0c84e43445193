/* SPDX-License-Identifier: MIT */
/* Named segments and the two-step commit (create unreadable, seal readable). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static void seg_reset(struct tshm_segment *seg)
{
	memset(seg, 0, sizeof(*seg));
	seg->fd = -1;
}

static int seg_name_ok(const char *name)
{
	if (!name || name[0] != '/' || strlen(name) >= TSHM_SEGNAME_MAX)
		return -TSHM_ENAME;
	return tshm_name_parse(name, NULL, NULL, NULL);
}

/* After locking, make sure the name still refers to our inode: gc may have
 * judged the file abandoned in the instant between O_EXCL and flock. */
static int still_ours(int fd, const char *name)
{
	char path[sizeof(TSHM_SHM_DIR) + TSHM_SEGNAME_MAX];
	struct stat a, b;

	snprintf(path, sizeof(path), TSHM_SHM_DIR "%s", name);
	if (fstat(fd, &a) < 0 || stat(path, &b) < 0)
		return 0;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int create_locked(const char *name, int *fdp)
{
	for (int attempt = 0; attempt < 4; attempt++) {
		int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0200);

		if (fd < 0)
			return -errno;
		if (flock(fd, LOCK_EX) == 0 && still_ours(fd, name)) {
			*fdp = fd;
			return 0;
		}
		close(fd);
	}
	return -EAGAIN;
}

int tshm__segment_create(struct tshm_segment *seg, const char *name, uint64_t size,
			 uint64_t reserve)
{
	int fd = -1, rc;
	void *p;

	seg_reset(seg);
	rc = seg_name_ok(name);
	if (rc < 0)
		return rc;
	if (size == 0 || size > (uint64_t)INT64_MAX || size > SIZE_MAX)
		return size == 0 ? -EINVAL : -ENOSPC;
	if (reserve > size)
		return -EINVAL;
	rc = create_locked(name, &fd);
	if (rc < 0)
		return rc;
	tshm__crash_point("before_fallocate");
	/* Reserve the pages now: a full /dev/shm fails here with ENOSPC
	 * instead of a SIGBUS on first touch later. The rest, if any, is the
	 * caller's to allocate (tshm_writer_alloc) before it is touched. */
	rc = posix_fallocate(fd, 0, (off_t)reserve);
	if (rc == 0 && reserve < size && ftruncate(fd, (off_t)size) < 0)
		rc = errno;
	if (rc != 0) {
		rc = (rc == EFBIG) ? -ENOSPC : -rc;
		goto fail;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		rc = -errno;
		goto fail;
	}
	seg->fd = fd;
	seg->writable = 1;
	seg->base = p;
	seg->size = size;
	strcpy(seg->name, name);
	return 0;
fail:
	shm_unlink(name);
	close(fd);
	return rc;
}

int tshm_segment_create(struct tshm_segment *seg, const char *name, uint64_t size)
{
	return tshm__segment_create(seg, name, size, size);
}

int tshm_segment_seal(struct tshm_segment *seg, mode_t mode)
{
	if (!seg || seg->fd < 0 || !seg->writable)
		return -EINVAL;
	if (fchmod(seg->fd, mode ? mode : 0640) < 0)
		return -errno;
	return 0;
}

int tshm_segment_open(struct tshm_segment *seg, const char *name, unsigned flags)
{
	int rdwr = (flags & TSHM_SEG_RDWR) != 0;
	struct stat st;
	int fd, rc;
	void *p;

	seg_reset(seg);
	if (flags & ~TSHM_SEG_RDWR)
		return -EINVAL;
	rc = seg_name_ok(name);
	if (rc < 0)
		return rc;
	fd = shm_open(name, (rdwr ? O_RDWR : O_RDONLY) | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto fail;
	}
	/* Unsealed (still 0200) or not yet allocated: being written. Root
	 * bypasses the permission bits, so check them here too. */
	if (st.st_size <= 0 || (st.st_mode & 0444) == 0) {
		rc = -TSHM_EINCOMPLETE;
		goto fail;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ | (rdwr ? PROT_WRITE : 0), MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		rc = -errno;
		goto fail;
	}
	seg->fd = fd;
	seg->writable = rdwr;
	seg->base = p;
	seg->size = (uint64_t)st.st_size;
	strcpy(seg->name, name);
	return 0;
fail:
	close(fd);
	return rc;
}

void tshm_segment_close(struct tshm_segment *seg)
{
	if (!seg)
		return;
	if (seg->base && seg->size)
		munmap(seg->base, seg->size);
	if (seg->fd > 0 || (seg->fd == 0 && seg->base))
		close(seg->fd);
	seg_reset(seg);
}

int tshm_segment_unlink(const char *name)
{
	int rc = seg_name_ok(name);

	if (rc < 0)
		return rc;
	return shm_unlink(name) < 0 ? -errno : 0;
}

bool tshm__fd_locked(int fd)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		flock(fd, LOCK_UN);
		return false;
	}
	return errno == EWOULDBLOCK;
}
