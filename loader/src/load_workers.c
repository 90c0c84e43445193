/* SPDX-License-Identifier: MIT */
/*
 * The loader's decode threads. The reader queues filled read buffers; each
 * thread takes the next chunk of the oldest buffer, decodes it with its own
 * tshm_chunk_decoder into a cache-hot staging buffer and pwrite()s that to
 * the chunk's rows in the segment (which allocates those tmpfs pages on
 * this thread, without zero-filling them), and the thread that decodes
 * a buffer's last chunk gives the buffer back and wakes the reader through
 * its eventfd. Chunks, not buffers, are the unit of work, so two threads
 * share a buffer's chunks and neither idles while the other finishes one.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bundle_internal.h"
#include "load_internal.h"

#define IDLE_WAIT_NS 1000000000L /* a bounded wait; the loop re-checks */

struct tshm__load_pool {
	struct tshm__load_ctx *ctx;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* a buffer was queued, or stop */
	struct tshm__load_buf *ready_head, *ready_tail;
	struct tshm__load_buf *free_head;
	int stop;
	int wakefd;
	uint64_t half; /* crash hook: raw bytes at which to die */
	unsigned n;
	pthread_t *threads;
};

/* A bounded wait on the pool's condition (the callers loop and re-check). */
static void pool_wait(struct tshm__load_pool *p)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += IDLE_WAIT_NS % 1000000000L;
	ts.tv_sec += IDLE_WAIT_NS / 1000000000L + ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	pthread_cond_timedwait(&p->cv, &p->mu, &ts);
}

/* Wait for a chunk to decode: 0 with *@b / *@k, or -1 once stopped and drained. */
static int take(struct tshm__load_pool *p, struct tshm__load_buf **b, uint32_t *k)
{
	pthread_mutex_lock(&p->mu);
	while (!p->ready_head && !p->stop)
		pool_wait(p);
	*b = p->ready_head;
	if (*b) {
		*k = (*b)->next_chunk++;
		if ((*b)->next_chunk == (*b)->ext->nchunks) {
			p->ready_head = (*b)->next;
			if (!p->ready_head)
				p->ready_tail = NULL;
		}
		/* Chunks left: pass the wake on (a push wakes at most two). */
		if (p->ready_head)
			pthread_cond_signal(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return *b ? 0 : -1;
}

/* Write @n bytes at @src to the segment at @off (pwrite may be short). */
static int put(int fd, const uint8_t *src, uint64_t n, uint64_t off)
{
	while (n) {
		ssize_t w = pwrite(fd, src, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		src += w;
		off += (uint64_t)w;
		n -= (uint64_t)w;
	}
	return 0;
}

static int decode_to(struct tshm__load_ctx *ctx, struct tshm_chunk_decoder *d, uint8_t *stage,
		     size_t i, const uint8_t *src, const char **why)
{
	const struct tshm_chunk *c = &ctx->chunks[i];
	int rc = tshm__chunk_decode_why(d, c, src, c->clen, stage, why);

	if (rc == 0 && (rc = put(ctx->seg_fd, stage, c->rlen, ctx->dst_off[i])) < 0)
		*why = "writing (and so allocating) the segment failed";
	return rc;
}

static void decode_one(struct tshm__load_pool *p, struct tshm_chunk_decoder *d, uint8_t *stage,
		       const struct tshm__load_buf *b, uint32_t k)
{
	struct tshm__load_ctx *ctx = p->ctx;
	size_t i = ctx->order[b->ext->first + k];
	const struct tshm_chunk *c = &ctx->chunks[i];
	const char *why = "";
	uint64_t done;
	char name[160];
	int rc;

	rc = decode_to(ctx, d, stage, i, b->data + (c->offset - b->off), &why);
	if (rc < 0) {
		tshm__chunk_name(name, sizeof(name), &ctx->chunks[i]);
		tshm__load_fail(ctx, rc,
				"%s: %s%s%s (data file %s, offset %" PRIu64 ", %" PRIu64 " bytes)",
				name, why, rc == -TSHM_ECORRUPT ? "" : ": ",
				rc == -TSHM_ECORRUPT ? "" : tshm_strerror(rc),
				ctx->files[b->ext->file].path, c->offset, c->clen);
		return;
	}
	done = atomic_fetch_add_explicit(&ctx->done_bytes, c->rlen, memory_order_relaxed);
	if (ctx->crash_mid && done < p->half && done + c->rlen >= p->half)
		raise(SIGKILL); /* test hook (TICKSHM_TEST_CRASH_AT=load_mid_decode) */
}

/* One chunk of @b is done: the last one gives the buffer back. */
static void chunk_done(struct tshm__load_pool *p, struct tshm__load_buf *b)
{
	uint64_t one = 1;

	/* acq_rel: every decode of this buffer happens before its reuse. */
	if (atomic_fetch_sub_explicit(&b->left, 1, memory_order_acq_rel) != 1)
		return;
	pthread_mutex_lock(&p->mu);
	b->next = p->free_head;
	p->free_head = b;
	pthread_mutex_unlock(&p->mu);
	/* Cannot fail but for a counter overflow (2^64 - 1 writes). */
	if (write(p->wakefd, &one, sizeof(one)) < 0)
		abort();
}

static void *worker_main(void *arg)
{
	struct tshm__load_pool *p = arg;
	struct tshm_chunk_decoder *d = NULL;
	struct tshm__load_buf *b;
	uint8_t *stage = NULL;
	uint32_t k;
	int rc = tshm_chunk_decoder_new(&d);

	if (rc == 0 && !(stage = aligned_alloc(64, (p->ctx->max_rlen + 64) & ~(uint64_t)63)))
		rc = -ENOMEM;
	if (rc < 0) {
		tshm__load_fail(p->ctx, rc, "decoder: %s", tshm_strerror(rc));
		tshm_chunk_decoder_free(d);
		d = NULL;
	}
	/* After a failure, keep taking chunks without decoding them: every
	 * buffer must still come back before the reader can free it. */
	while (take(p, &b, &k) == 0) {
		if (d && atomic_load_explicit(&p->ctx->err, memory_order_acquire) == 0)
			decode_one(p, d, stage, b, k);
		chunk_done(p, b);
	}
	tshm_chunk_decoder_free(d);
	free(stage);
	return NULL;
}

static void pool_free(struct tshm__load_pool *p)
{
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p->threads);
	free(p);
}

int tshm__load_pool_start(struct tshm__load_pool **out, struct tshm__load_ctx *ctx, unsigned n,
			  int wakefd)
{
	struct tshm__load_pool *p = calloc(1, sizeof(*p));
	int rc = 0;

	*out = NULL;
	if (!p || !(p->threads = calloc(n, sizeof(*p->threads)))) {
		free(p);
		return -ENOMEM;
	}
	p->ctx = ctx;
	p->wakefd = wakefd;
	p->half = ctx->raw_bytes / 2;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (; p->n < n; p->n++) {
		rc = -pthread_create(&p->threads[p->n], NULL, worker_main, p);
		if (rc < 0)
			break;
	}
	if (rc < 0) {
		tshm__load_pool_stop(p);
		return rc;
	}
	*out = p;
	return 0;
}

void tshm__load_pool_push(struct tshm__load_pool *p, struct tshm__load_buf *b)
{
	b->next_chunk = 0;
	atomic_store_explicit(&b->left, b->ext->nchunks, memory_order_relaxed);
	b->next = NULL;
	pthread_mutex_lock(&p->mu); /* publishes the buffer's fields to the taker */
	if (p->ready_tail)
		p->ready_tail->next = b;
	else
		p->ready_head = b;
	p->ready_tail = b;
	pthread_cond_signal(&p->cv);
	if (b->ext->nchunks > 1)
		pthread_cond_signal(&p->cv); /* a second thread can share it */
	pthread_mutex_unlock(&p->mu);
}

struct tshm__load_buf *tshm__load_pool_take_free(struct tshm__load_pool *p)
{
	struct tshm__load_buf *b;

	pthread_mutex_lock(&p->mu);
	b = p->free_head;
	if (b)
		p->free_head = b->next;
	pthread_mutex_unlock(&p->mu);
	return b;
}

void tshm__load_pool_stop(struct tshm__load_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->n; i++)
		pthread_join(p->threads[i], NULL);
	pool_free(p);
}
