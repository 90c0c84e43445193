/* SPDX-License-Identifier: MIT */
/*
 * The pipe baseline: one pipe(2) (default 64 KiB buffer) shared by all
 * producers and consumers. A batch is one write() of batch * size bytes
 * (at most 2 KiB, under PIPE_BUF, so writes are atomic and never interleave)
 * and a consumer reads up to batch * size bytes per read(); a partial item
 * left at the end of a read is kept for the next one. Consumers stop at
 * end of file, when every producer has closed its end.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "ring_bench.h"
#include "ring_items.h"

_Static_assert(RB_MAX_BATCH *RB_REC_WORDS * 8 <= PIPE_BUF, "batches are atomic writes");

static int pipe_setup(struct rb_job *j)
{
	return pipe(j->fds) < 0 ? -errno : 0;
}

/* Each child keeps the end it uses. */
static int pipe_attach(struct rb_side *s)
{
	int *fds = s->job->fds;

	close(fds[s->producer ? 0 : 1]);
	fds[s->producer ? 0 : 1] = -1;
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int pipe_produce(struct rb_side *s, uint64_t n)
{
	_Alignas(64) uint64_t buf[RB_MAX_BATCH * RB_REC_WORDS];
	unsigned b = s->job->cfg->batch, size = s->job->cfg->size;
	int rc = 0;

	for (uint64_t seq = 0; seq < n && rc == 0; seq += b) {
		unsigned m = rb_batch_len(seq, n, b);

		rb_fill(buf, size, s->id, seq, m);
		rc = write_all(s->job->fds[1], (const uint8_t *)buf, (size_t)m * size);
	}
	return rc;
}

static int pipe_finish(struct rb_side *s, int last)
{
	(void)last; /* every producer closes its end: EOF once all have */
	close(s->job->fds[1]);
	s->job->fds[1] = -1;
	return 0;
}

static int pipe_consume(struct rb_side *s, struct rb_sum *got)
{
	_Alignas(64) uint64_t buf[RB_MAX_BATCH * RB_REC_WORDS];
	unsigned b = s->job->cfg->batch, size = s->job->cfg->size;
	size_t have = 0, whole;

	for (;;) {
		ssize_t n = read(s->job->fds[0], (uint8_t *)buf + have, (size_t)b * size - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return have ? -EPROTO : 0; /* a partial item at EOF */
		have += (size_t)n;
		whole = have / size;
		rb_sum_add(got, buf, size, (unsigned)whole);
		have -= whole * size;
		memmove(buf, (uint8_t *)buf + whole * size, have);
	}
}

static void pipe_detach(struct rb_side *s)
{
	for (int i = 0; i < 2; i++)
		if (s->job->fds[i] >= 0)
			close(s->job->fds[i]);
}

/* The parent keeps no end open, or consumers would never see EOF. */
static void pipe_forked(struct rb_job *j)
{
	for (int i = 0; i < 2; i++) {
		if (j->fds[i] >= 0)
			close(j->fds[i]);
		j->fds[i] = -1;
	}
}

static void pipe_teardown(struct rb_job *j)
{
	pipe_forked(j);
}

const struct rb_impl_ops rb_pipe_ops = {
    .setup = pipe_setup,
    .attach = pipe_attach,
    .produce = pipe_produce,
    .finish = pipe_finish,
    .consume = pipe_consume,
    .detach = pipe_detach,
    .forked = pipe_forked,
    .teardown = pipe_teardown,
};
