/* SPDX-License-Identifier: MIT */
/*
 * Streaming mode reads the columns of one (asset, day) together: their
 * frames usually sit next to each other in one data file, so submitting
 * them in one io_uring batch lets the kernel overlap them (and readahead
 * work on the whole run) instead of one blocking pread(2) per column.
 */
#include "stream_read.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "tickshm/common.h"

#define SREAD_DEPTH 16
#define SREAD_TIMEOUT_S 30

void tshm__sread_init(struct tshm__sread *sr)
{
	*sr = (struct tshm__sread){0};
	sr->uring = io_uring_queue_init(SREAD_DEPTH, &sr->ring, 0) == 0;
	/* A worker forked mid-run must not keep the ring's mappings alive. */
	if (sr->uring && io_uring_ring_dontfork(&sr->ring) < 0) {
		io_uring_queue_exit(&sr->ring);
		sr->uring = 0;
	}
}

void tshm__sread_exit(struct tshm__sread *sr)
{
	if (sr->uring)
		io_uring_queue_exit(&sr->ring);
	/* Reads a timeout left in the kernel may yet write into the buffers:
	 * leak them rather than hand them back to malloc. */
	for (unsigned k = 0; k < TSHM__SREAD_MAX && !sr->stuck; k++)
		free(sr->buf[k]);
	*sr = (struct tshm__sread){0};
}

static int reserve(struct tshm__sread *sr, unsigned k, size_t len)
{
	unsigned char *p;

	if (len <= sr->cap[k])
		return 0;
	p = realloc(sr->buf[k], len);
	if (!p)
		return -ENOMEM;
	sr->buf[k] = p;
	sr->cap[k] = len;
	return 0;
}

static int pread_all(struct tshm__sread *sr, const struct tshm__sread_req *rq, unsigned k)
{
	size_t done = 0;

	while (done < rq->len) {
		ssize_t r = pread(rq->fd, sr->buf[k] + done, rq->len - done,
				  (off_t)(rq->off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -TSHM_ECORRUPT; /* file shorter than its index */
		done += (size_t)r;
	}
	return 0;
}

/* Queue the rest of request @k, @done bytes of it already read. */
static int queue(struct tshm__sread *sr, const struct tshm__sread_req *rq, unsigned k, size_t done)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&sr->ring);

	if (!sqe)
		return -EBUSY; /* cannot happen: depth >= TSHM__SREAD_MAX */
	io_uring_prep_read(sqe, rq->fd, sr->buf[k] + done, (unsigned)(rq->len - done),
			   rq->off + done);
	io_uring_sqe_set_data64(sqe, (uint64_t)k << 40 | done);
	return 0;
}

/* Reap one completion; requeue it if short. Returns 1 when request done, 0 requeued. */
static int reap(struct tshm__sread *sr, const struct tshm__sread_req *rq)
{
	struct __kernel_timespec to = {.tv_sec = SREAD_TIMEOUT_S};
	struct io_uring_cqe *cqe;
	uint64_t tag;
	unsigned k;
	size_t done;
	int rc = io_uring_wait_cqe_timeout(&sr->ring, &cqe, &to), res;

	if (rc < 0)
		return rc == -ETIME ? -ETIMEDOUT : rc;
	tag = io_uring_cqe_get_data64(cqe);
	res = cqe->res;
	io_uring_cqe_seen(&sr->ring, cqe);
	k = (unsigned)(tag >> 40);
	done = (size_t)(tag & ((UINT64_C(1) << 40) - 1));
	if (res <= 0)
		return res < 0 ? res : -TSHM_ECORRUPT;
	done += (size_t)res;
	if (done == rq[k].len)
		return 1;
	rc = queue(sr, &rq[k], k, done);
	return rc < 0 ? rc : (io_uring_submit(&sr->ring) < 0 ? -EIO : 0);
}

int tshm__sread_run(struct tshm__sread *sr, const struct tshm__sread_req *rq, unsigned n)
{
	unsigned left = n;
	int rc = 0;

	if (n > TSHM__SREAD_MAX)
		return -EINVAL;
	if (sr->stuck)
		return -ETIMEDOUT;
	for (unsigned k = 0; k < n; k++)
		if ((rc = reserve(sr, k, rq[k].len ? rq[k].len : 1)) < 0)
			return rc;
	if (!sr->uring) {
		for (unsigned k = 0; k < n && rc == 0; k++)
			rc = pread_all(sr, &rq[k], k);
		return rc;
	}
	for (unsigned k = 0; k < n; k++)
		if (rq[k].len == 0)
			left--;
		else if ((rc = queue(sr, &rq[k], k, 0)) < 0)
			return rc;
	if (left && (rc = io_uring_submit(&sr->ring)) < 0)
		return rc;
	/* Every submitted read is reaped even after an error: the buffers
	 * must not be reused while the kernel may still write them. */
	for (int err = 0; left;) {
		rc = reap(sr, rq);
		if (rc == -ETIMEDOUT) {
			sr->stuck = 1; /* reads still in flight: see tshm__sread_exit */
			return rc;
		}
		if (rc < 0 && !err)
			err = rc;
		if (rc != 0 && --left == 0) /* 0: requeued, still in flight */
			return err;
	}
	return 0;
}
