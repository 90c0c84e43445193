/* SPDX-License-Identifier: MIT */
/*
 * The loader's reader: the calling thread keeps every free read buffer busy
 * with one io_uring read of an extent (many frames of one data file), many
 * reads in flight, submitted in batches, and hands each filled buffer to
 * the decode threads. It sleeps in io_uring only: a buffer that comes back
 * from the decoders completes an eventfd read that is always armed, so one
 * wait covers "a read finished" and "a buffer is free again".
 *
 * O_DIRECT reads are widened to TSHM__LOAD_DIO_ALIGN edges into aligned
 * buffers; a direct read the file system refuses (EINVAL) is retried
 * through the page cache. Short reads are resumed. Where io_uring is not
 * available (ENOSYS, EPERM: seccomp, kernel.io_uring_disabled) the same
 * loop runs on pread(2).
 */
#include <errno.h>
#include <inttypes.h>
#include <liburing.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "bundle_internal.h"
#include "load_internal.h"

#define WAIT_NS 100000000LL    /* progress reports and the stall check */
#define STALL_NS 60000000000LL /* nothing read or decoded for this long: give up */
#define DRAIN_NS 60000000000LL /* after a failure, wait this long for reads in flight */
#define BUFS_PER_THREAD 4u     /* page-cache reads: enough to keep decoders fed */
#define EV_TAG ((uint64_t)1)   /* user_data of the eventfd read; buffers are pointers */

struct reader {
	struct tshm__load_ctx *ctx;
	struct tshm__load_pool *pool;
	struct io_uring ring;
	int have_ring;
	int efd;
	int ev_armed;
	uint64_t ev_val;
	struct tshm__load_buf *bufs;
	unsigned nbuf;
	struct tshm__load_buf *free_list; /* held by the reader */
	unsigned nfree;
	unsigned inflight; /* reads in the kernel */
	size_t next_ext;
	int64_t last_event_ns, last_progress_ns;
	uint64_t last_done;
};

static int ring_init(struct reader *r)
{
	struct io_uring_params pr;
	unsigned entries = 2 * r->nbuf + 2;
	const char *no_ring = getenv("TICKSHM_TEST_LOAD_PREAD");
	int rc;

	if (no_ring && strcmp(no_ring, "1") == 0)
		return 0; /* test hook: the pread path, as without io_uring */
	/* One issuer (this thread) and completions run when it waits: the
	 * cheapest setup (6.1+); older kernels take the plain one. */
	memset(&pr, 0, sizeof(pr));
	pr.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	rc = io_uring_queue_init_params(entries, &r->ring, &pr);
	if (rc == -EINVAL) {
		memset(&pr, 0, sizeof(pr));
		rc = io_uring_queue_init_params(entries, &r->ring, &pr);
	}
	if (rc == -ENOSYS || rc == -EPERM)
		return 0; /* no io_uring here: pread */
	if (rc < 0)
		return tshm__load_fail(r->ctx, rc, "io_uring setup: %s", tshm_strerror(rc));
	r->have_ring = 1;
	return 0;
}

/* Buffers: a few per decode thread for cached files, the queue depth for O_DIRECT. */
static int bufs_init(struct reader *r)
{
	struct tshm__load_ctx *ctx = r->ctx;
	uint64_t cap = (ctx->ext_max + TSHM__LOAD_DIO_ALIGN - 1) &
		       ~(uint64_t)(TSHM__LOAD_DIO_ALIGN - 1);
	uint64_t want = ctx->direct_files ? ctx->depth : BUFS_PER_THREAD * ctx->nthreads + 2;
	uint64_t fit = cap ? TSHM__LOAD_BUF_BUDGET / cap : want;

	r->nbuf = (unsigned)(want < fit ? want : fit);
	r->nbuf = r->nbuf < 2 ? 2 : r->nbuf > ctx->depth ? ctx->depth : r->nbuf;
	if (r->nbuf > ctx->nextents)
		r->nbuf = ctx->nextents ? (unsigned)ctx->nextents : 1;
	r->bufs = calloc(r->nbuf, sizeof(*r->bufs));
	if (!r->bufs)
		return -ENOMEM;
	for (unsigned i = 0; i < r->nbuf; i++) {
		struct tshm__load_buf *b = &r->bufs[i];

		b->cap = cap ? cap : TSHM__LOAD_DIO_ALIGN;
		b->data = aligned_alloc(TSHM__LOAD_DIO_ALIGN, b->cap);
		if (!b->data)
			return -ENOMEM;
		b->next = r->free_list;
		r->free_list = b;
		r->nfree++;
	}
	return 0;
}

/* Point @b at extent @e: the byte range to read and how much must arrive. */
static void buf_setup(struct tshm__load_buf *b, const struct tshm__load_extent *e, int direct)
{
	uint64_t a = TSHM__LOAD_DIO_ALIGN;

	b->ext = e;
	b->direct = direct;
	b->off = direct ? e->start & ~(a - 1) : e->start;
	b->need = e->end - b->off;
	b->len = direct ? (b->need + a - 1) & ~(a - 1) : b->need;
	b->got = 0;
}

static void complete(struct reader *r, struct tshm__load_buf *b, int res);

/* Issue (the rest of) @b's read: an SQE, or a pread without io_uring. */
static void issue(struct reader *r, struct tshm__load_buf *b)
{
	const struct tshm__load_file *f = &r->ctx->files[b->ext->file];
	uint64_t n = b->len - b->got;
	struct io_uring_sqe *sqe;
	ssize_t got;

	n = n > TSHM__LOAD_READ_MAX ? TSHM__LOAD_READ_MAX : n;
	if (!r->have_ring) {
		got = pread(b->direct ? f->dfd : f->fd, b->data + b->got, n,
			    (off_t)(b->off + b->got));
		r->inflight++;
		complete(r, b, got < 0 ? -errno : (int)got);
		return;
	}
	sqe = io_uring_get_sqe(&r->ring);
	if (!sqe) {
		io_uring_submit(&r->ring); /* SQ full: flush it, then there is room */
		sqe = io_uring_get_sqe(&r->ring);
	}
	io_uring_prep_read(sqe, b->direct ? f->dfd : f->fd, b->data + b->got, (unsigned)n,
			   b->off + b->got);
	io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)b);
	r->inflight++;
}

/* The chunk of @b whose frame covers file offset @at (for messages). */
static size_t chunk_at(const struct tshm__load_ctx *ctx, const struct tshm__load_buf *b,
		       uint64_t at)
{
	for (uint32_t k = 0; k < b->ext->nchunks; k++) {
		const struct tshm_chunk *c = &ctx->chunks[ctx->order[b->ext->first + k]];

		if (c->offset + c->clen > at)
			return ctx->order[b->ext->first + k];
	}
	return ctx->order[b->ext->first + b->ext->nchunks - 1];
}

static void read_failed(struct reader *r, struct tshm__load_buf *b, int res)
{
	struct tshm__load_ctx *ctx = r->ctx;
	uint64_t at = b->off + b->got;
	char name[160];

	tshm__chunk_name(name, sizeof(name), &ctx->chunks[chunk_at(ctx, b, at)]);
	if (res == 0)
		tshm__load_fail(ctx, -TSHM_ECORRUPT,
				"%s: data file %s ends at %" PRIu64
				", inside the frame (truncated)",
				name, ctx->files[b->ext->file].path, at);
	else
		tshm__load_fail(ctx, res, "%s: reading data file %s at %" PRIu64 ": %s", name,
				ctx->files[b->ext->file].path, at, tshm_strerror(res));
}

/* A read of @b finished with @res: resume, retry, hand over, or fail. */
static void complete(struct reader *r, struct tshm__load_buf *b, int res)
{
	r->inflight--;
	if (res == -EAGAIN || res == -EINTR) {
		issue(r, b);
	} else if (res == -EINVAL && b->direct) {
		buf_setup(b, b->ext, 0); /* the file system refused O_DIRECT here */
		issue(r, b);
	} else if (res <= 0 || atomic_load_explicit(&r->ctx->err, memory_order_acquire)) {
		if (res <= 0)
			read_failed(r, b, res);
		b->next = r->free_list;
		r->free_list = b;
		r->nfree++;
	} else if ((b->got += (uint64_t)res) >= b->need) {
		tshm__load_pool_push(r->pool, b);
	} else if (b->direct && b->got % TSHM__LOAD_DIO_ALIGN) {
		read_failed(r, b, 0); /* short and unaligned: end of file */
		b->next = r->free_list;
		r->free_list = b;
		r->nfree++;
	} else {
		issue(r, b);
	}
}

/* Start reads while there are extents, free buffers and queue room. */
static void fill(struct reader *r)
{
	struct tshm__load_ctx *ctx = r->ctx;

	while (r->next_ext < ctx->nextents && r->free_list && r->inflight < ctx->depth &&
	       !atomic_load_explicit(&ctx->err, memory_order_acquire)) {
		struct tshm__load_buf *b = r->free_list;
		const struct tshm__load_extent *e = &ctx->ext[r->next_ext++];

		r->free_list = b->next;
		r->nfree--;
		buf_setup(b, e, ctx->files[e->file].dfd >= 0);
		issue(r, b);
	}
}

/* Take back the buffers the decoders are done with. */
static void reclaim(struct reader *r)
{
	struct tshm__load_buf *b;

	while ((b = tshm__load_pool_take_free(r->pool))) {
		b->next = r->free_list;
		r->free_list = b;
		r->nfree++;
	}
}

static void arm_eventfd(struct reader *r)
{
	struct io_uring_sqe *sqe;

	if (!r->have_ring || r->ev_armed)
		return;
	sqe = io_uring_get_sqe(&r->ring);
	if (!sqe) {
		io_uring_submit(&r->ring);
		sqe = io_uring_get_sqe(&r->ring);
	}
	io_uring_prep_read(sqe, r->efd, &r->ev_val, sizeof(r->ev_val), 0);
	io_uring_sqe_set_data64(sqe, EV_TAG);
	r->ev_armed = 1;
}

/* Submit what is queued and wait up to WAIT_NS for completions; process them. */
static int wait_events(struct reader *r)
{
	struct __kernel_timespec ts = {.tv_sec = 0, .tv_nsec = WAIT_NS};
	struct io_uring_cqe *cqe;
	unsigned head, seen = 0;
	struct pollfd pfd = {.fd = r->efd, .events = POLLIN};
	int rc;

	if (!r->have_ring) {
		rc = poll(&pfd, 1, (int)(WAIT_NS / 1000000));
		if (rc > 0 && read(r->efd, &r->ev_val, sizeof(r->ev_val)) > 0)
			r->last_event_ns = tshm__bundle_mono_ns();
		return 0;
	}
	rc = io_uring_submit_and_wait_timeout(&r->ring, &cqe, 1, &ts, NULL);
	if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
		return tshm__load_fail(r->ctx, rc, "io_uring wait: %s", tshm_strerror(rc));
	io_uring_for_each_cqe(&r->ring, head, cqe)
	{
		uint64_t tag = io_uring_cqe_get_data64(cqe);

		seen++;
		if (tag == EV_TAG)
			r->ev_armed = 0;
		else
			complete(r, (struct tshm__load_buf *)(uintptr_t)tag, cqe->res);
	}
	io_uring_cq_advance(&r->ring, seen);
	if (seen)
		r->last_event_ns = tshm__bundle_mono_ns();
	return 0;
}

static void report(struct reader *r, int64_t now)
{
	struct tshm__load_ctx *ctx = r->ctx;
	uint64_t done = atomic_load_explicit(&ctx->done_bytes, memory_order_relaxed);

	if (done != r->last_done) {
		r->last_done = done;
		r->last_event_ns = now; /* the decoders are moving */
	}
	if (ctx->progress && now - r->last_progress_ns >= WAIT_NS) {
		r->last_progress_ns = now;
		ctx->progress(done, ctx->raw_bytes, ctx->progress_arg);
	}
}

/* Until every extent is read and decoded (or, after a failure, every read is back). */
static int run(struct reader *r)
{
	struct tshm__load_ctx *ctx = r->ctx;
	int64_t now;

	r->last_event_ns = r->last_progress_ns = tshm__bundle_mono_ns();
	for (;;) {
		reclaim(r);
		fill(r);
		arm_eventfd(r);
		if (r->nfree == r->nbuf && r->inflight == 0 &&
		    (r->next_ext == ctx->nextents ||
		     atomic_load_explicit(&ctx->err, memory_order_acquire)))
			return atomic_load_explicit(&ctx->err, memory_order_acquire);
		wait_events(r);
		now = tshm__bundle_mono_ns();
		report(r, now);
		if (now - r->last_event_ns >
		    (atomic_load_explicit(&ctx->err, memory_order_acquire) ? DRAIN_NS : STALL_NS))
			return tshm__load_fail(ctx, -ETIMEDOUT,
					       "no read or decode finished for %lld s",
					       (long long)(STALL_NS / 1000000000LL));
	}
}

/* Complete the armed eventfd read, so that no request points into @r any more. */
static void disarm_eventfd(struct reader *r)
{
	uint64_t one = 1;

	if (!r->have_ring || !r->ev_armed || r->inflight)
		return;
	if (write(r->efd, &one, sizeof(one)) < 0)
		return;
	for (int i = 0; i < 10 && r->ev_armed; i++)
		wait_events(r);
}

static void reader_free(struct reader *r, int leak_bufs)
{
	disarm_eventfd(r);
	if (r->have_ring)
		io_uring_queue_exit(&r->ring);
	if (r->efd >= 0)
		close(r->efd);
	/* Reads still in the kernel may yet write into their buffers. */
	for (unsigned i = 0; i < r->nbuf && !leak_bufs; i++)
		free(r->bufs[i].data);
	if (!leak_bufs)
		free(r->bufs);
}

int tshm__load_read_all(struct tshm__load_ctx *ctx)
{
	struct reader r = {.ctx = ctx, .efd = -1};
	int rc;

	if (ctx->nextents == 0)
		return 0;
	rc = bufs_init(&r);
	if (rc == 0) {
		r.efd = eventfd(0, EFD_CLOEXEC);
		rc = r.efd < 0 ? -errno : 0;
	}
	if (rc == 0)
		rc = ring_init(&r);
	if (rc == 0)
		rc = tshm__load_pool_start(&r.pool, ctx, ctx->nthreads, r.efd);
	if (rc < 0) {
		tshm__load_fail(ctx, rc, "loader setup: %s", tshm_strerror(rc));
		reader_free(&r, 0);
		return rc;
	}
	rc = run(&r);
	/* Every buffer is back unless run() timed out: then threads may still
	 * hold some; they finish (or skip) their chunks before the join. */
	tshm__load_pool_stop(r.pool);
	reader_free(&r, r.inflight > 0);
	return rc ? rc : atomic_load_explicit(&ctx->err, memory_order_acquire);
}
