/* SPDX-License-Identifier: MIT */
#include "perf_baseline.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "perf_bundle.h"

#define IO_CHUNK (UINT64_C(1) << 30) /* read()/write() cap a call below 2 GiB */

static int write_all(int fd, const uint8_t *p, uint64_t n)
{
	while (n > 0) {
		ssize_t got = write(fd, p, n < IO_CHUNK ? n : IO_CHUNK);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got < 0 ? -errno : -EIO;
		p += got;
		n -= (uint64_t)got;
	}
	return 0;
}

/* Write every column of @v to @fd, at most @cap bytes in all. */
static int write_columns(int fd, const struct tshm_view *v, uint64_t cap, uint64_t *written)
{
	*written = 0;
	for (unsigned t = 0; t < TSHM_TABLE_COUNT; t++) {
		struct tshm_table_info ti;
		struct tshm_column_info ci;

		if (tshm_view_table(v, t, &ti) < 0)
			continue;
		for (unsigned c = 0; c < ti.ncols && *written < cap; c++) {
			uint64_t n;
			int rc = tshm_view_column(v, t, c, &ci);

			if (rc < 0)
				return rc;
			n = ti.nrows * ci.width;
			n = n < cap - *written ? n : cap - *written;
			rc = write_all(fd, ci.data, n);
			if (rc < 0)
				return rc;
			*written += n;
		}
	}
	return 0;
}

int perf_baseline_write(const struct tshm_view *v, const char *path, uint64_t cap,
			struct perf_baseline *out)
{
	uint64_t t0 = perf_now_ns();
	int fd, rc;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	rc = write_columns(fd, v, cap ? cap : UINT64_MAX, &out->bytes);
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc < 0)
		return rc;
	out->write_s = (double)(perf_now_ns() - t0) / 1e9;
	out->sampled = out->bytes < perf_view_column_bytes(v);
	return 0;
}

/* One load: open, read everything into @buf (NULL: a fresh one), close.
 * Returns ns or -errno. */
static int64_t load_once(const char *path, uint64_t bytes, uint8_t *buf)
{
	uint64_t t0 = perf_now_ns(), t1;
	uint8_t *fresh = NULL;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!buf)
		buf = fresh = malloc(bytes ? bytes : 1);
	rc = buf ? perf_read_all(fd, buf, bytes) : -ENOMEM;
	close(fd);
	t1 = perf_now_ns();
	free(fresh); /* not timed: a worker frees at exit, if ever */
	return rc < 0 ? rc : (int64_t)(t1 - t0);
}

/* @reps loads into @buf (NULL: fresh memory each time), summarised in @st. */
static int timed_loads(const char *path, uint64_t bytes, uint8_t *buf, size_t reps, double *ns,
		       struct perf_stats *st)
{
	for (size_t i = 0; i < reps; i++) {
		int64_t r = load_once(path, bytes, buf);

		if (r < 0)
			return (int)r;
		ns[i] = (double)r;
	}
	perf_stats_of(ns, reps, st);
	return 0;
}

int perf_baseline_time(const char *path, size_t reps, struct perf_baseline *out)
{
	double *ns = calloc(reps ? reps : 1, sizeof(*ns));
	uint8_t *buf = NULL;
	int64_t r;
	int rc;

	if (!ns)
		return -ENOMEM;
	/* Every buffer over 128 KiB is a fresh mmap: fresh pages that read()
	 * must fault in, like a new worker's heap. Stops glibc's dynamic
	 * threshold from recycling the previous buffer. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	r = load_once(path, out->bytes, NULL); /* warm the page cache */
	rc = r < 0 ? (int)r : timed_loads(path, out->bytes, NULL, reps, ns, &out->load);
	if (rc == 0) {
		buf = malloc(out->bytes ? out->bytes : 1);
		rc = buf ? 0 : -ENOMEM;
	}
	if (rc == 0) {
		memset(buf, 0, out->bytes); /* fault every page in, untimed */
		rc = timed_loads(path, out->bytes, buf, reps, ns, &out->warm);
	}
	out->reps = rc == 0 ? reps : 0;
	free(buf);
	free(ns);
	return rc;
}
