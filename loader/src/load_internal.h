/* SPDX-License-Identifier: MIT */
/*
 * Private to the loader (load.c, load_plan.c, load_uring.c, load_workers.c).
 *
 * The pipeline: load_plan.c sorts the chunks by (data file, offset) and
 * groups runs of neighbouring frames into extents, one large read each;
 * load_uring.c reads extents into a fixed set of buffers with io_uring and
 * hands each filled buffer to the pool; load_workers.c's threads decode the
 * buffer's chunks straight into the segment and give the buffer back.
 */
#ifndef TSHM_LOAD_INTERNAL_H
#define TSHM_LOAD_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "tickshm/bundle.h"
#include "tickshm/load.h"

#define TSHM__LOAD_DIO_ALIGN 4096u		   /* O_DIRECT offset, length and address */
#define TSHM__LOAD_EXTENT_MAX (1u << 20)	   /* bytes per read, unless one frame is larger */
#define TSHM__LOAD_GAP_MAX (64u << 10)		   /* read across holes up to this size */
#define TSHM__LOAD_BUF_BUDGET (UINT64_C(96) << 20) /* read buffers in all */
#define TSHM__LOAD_READ_MAX (UINT32_C(1) << 30)	   /* bytes per read request */
#define TSHM__LOAD_DEFAULT_DEPTH 64u

/* A data file: its path, a page-cache fd and, when O_DIRECT is used, a second one. */
struct tshm__load_file {
	uint32_t file_id;
	int fd;	 /* buffered */
	int dfd; /* O_DIRECT, or -1 */
	uint64_t size;
	char path[4096];
};

/* One read: the frames of chunks order[first .. first + nchunks) of one file. */
struct tshm__load_extent {
	uint32_t file; /* index into ctx->files */
	uint32_t nchunks;
	size_t first;	/* into ctx->order */
	uint64_t start; /* file offset of the first frame */
	uint64_t end;	/* end of the last frame */
};

/* A read buffer and what it holds. */
struct tshm__load_buf {
	uint8_t *data;
	uint64_t cap;
	const struct tshm__load_extent *ext;
	uint64_t off;  /* file offset of data[0] (start aligned down for O_DIRECT) */
	uint64_t len;  /* bytes requested */
	uint64_t need; /* bytes that must arrive: ext->end - off */
	uint64_t got;  /* bytes arrived so far (short reads are resumed) */
	int direct;    /* read through the O_DIRECT fd */
	/* Workers: next chunk to hand out (under the pool lock), chunks not yet
	 * decoded (the worker that takes it to 0 gives the buffer back). */
	uint32_t next_chunk;
	atomic_uint left;
	struct tshm__load_buf *next; /* in the pool's ready or free list */
};

struct tshm__load_ctx {
	const struct tshm_bundle *bundle;
	const struct tshm_chunk *chunks;
	size_t nchunks;
	uint64_t *dst_off; /* per chunk: its place in the segment, as a file offset */
	int seg_fd;	   /* the writer's segment descriptor, or -1; not ours */
	uint64_t max_rlen; /* largest chunk: the decoders' staging buffers */
	uint32_t *order;   /* chunk indices by (file, offset) */
	struct tshm__load_file *files;
	size_t nfiles;
	struct tshm__load_extent *ext;
	size_t nextents;
	uint64_t ext_max; /* largest extent, in bytes, with O_DIRECT rounding */
	uint64_t raw_bytes;
	unsigned nthreads, depth;
	int direct; /* enum tshm_load_direct */
	unsigned direct_files;
	int crash_mid; /* test hook: die once half the bytes are decoded */
	tshm_load_progress_fn progress;
	void *progress_arg;
	/* Bytes decoded so far: workers add (relaxed, a statistic), the
	 * reader reads it for progress reports. */
	atomic_uint_fast64_t done_bytes;
	/* The first error wins: 0 until a worker or the reader fails. Set by
	 * CAS (acq_rel); threads poll it (acquire) to stop early. error_msg is
	 * written by the CAS winner and read only after the threads are
	 * joined. */
	atomic_int err;
	char error_msg[TSHM_LOAD_ERROR_MAX];
};

/* ---- load.c ------------------------------------------------------------ */

/*
 * Record the first failure: @rc with a message (printf format). Later
 * failures are dropped. Returns @rc. Thread-safe.
 */
int tshm__load_fail(struct tshm__load_ctx *ctx, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- load_plan.c ------------------------------------------------------- */

/*
 * Plan the reads of every chunk of ctx->bundle: open the data files (and
 * decide O_DIRECT per file), sort chunks by (file, offset), group them into
 * extents. Fills files, order, ext, ext_max. Returns 0 or -errno
 * (-ENOENT / -TSHM_ECORRUPT for a missing or short data file, with the
 * message recorded through tshm__load_fail).
 */
int tshm__load_plan(struct tshm__load_ctx *ctx);

/* Close the files and free what tshm__load_plan allocated. */
void tshm__load_plan_free(struct tshm__load_ctx *ctx);

/* ---- load_workers.c ---------------------------------------------------- */

struct tshm__load_pool;

/*
 * Start @n decode threads. @wakefd is an eventfd written each time a
 * buffer comes back (the reader sleeps in io_uring and reads it there).
 * Returns 0, -ENOMEM or -errno from pthread_create.
 */
int tshm__load_pool_start(struct tshm__load_pool **out, struct tshm__load_ctx *ctx, unsigned n,
			  int wakefd);

/* Queue a filled buffer for decoding. */
void tshm__load_pool_push(struct tshm__load_pool *p, struct tshm__load_buf *b);

/* A buffer that came back, or NULL. */
struct tshm__load_buf *tshm__load_pool_take_free(struct tshm__load_pool *p);

/* No more buffers: let the threads finish what is queued, join them, free. */
void tshm__load_pool_stop(struct tshm__load_pool *p);

/* ---- load_uring.c ------------------------------------------------------ */

/*
 * Read every extent and have it decoded by a pool of ctx->nthreads
 * threads. Returns 0 once every chunk is in the segment, or the first
 * error (message in ctx).
 */
int tshm__load_read_all(struct tshm__load_ctx *ctx);

#endif
