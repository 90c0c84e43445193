/* SPDX-License-Identifier: MIT */
/*
 * The baseline users have today: every task loads its own copy of the data
 * before computing. Here that is the cheapest honest version of it: open
 * the bundle (its SQLite index), read the asset's compressed trades chunks
 * with pread and decode them (zstd, delta, checksum) into fresh memory,
 * then run the same kernel. @procs processes share the tasks round-robin,
 * as a process pool would.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "perf_util.h"
#include "pipeline.h"
#include "tickshm/bundle.h"

static const unsigned cols[4] = {TSHM_TRADES_TS, TSHM_TRADES_PRICE, TSHM_TRADES_SIZE,
				 TSHM_TRADES_FLAGS};

static int read_chunk(const struct tshm_bundle *b, struct tshm_chunk_decoder *d,
		      const struct tshm_chunk *c, unsigned char *dst)
{
	char path[512];
	void *src = malloc(c->clen ? c->clen : 1);
	int fd, rc = src ? 0 : -ENOMEM;

	if (rc == 0)
		rc = tshm_bundle_file_path(b, c->file_id, path, sizeof(path));
	if (rc == 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		rc = -errno;
	if (rc == 0) {
		if (pread(fd, src, c->clen, (off_t)c->offset) != (ssize_t)c->clen)
			rc = -EIO;
		close(fd);
	}
	if (rc == 0)
		rc = tshm_chunk_decode(d, c, src, c->clen, dst);
	free(src);
	return rc;
}

/* Load the trades of @sid into fresh arrays (*out[4], malloc'd). Returns rows or -errno. */
static int64_t load_asset(const char *dir, int64_t sid, void *out[4])
{
	struct tshm_chunk_decoder *d = NULL;
	struct tshm_bundle *b = NULL;
	const struct tshm_chunk *ch;
	uint64_t rows = 0, at[4] = {0};
	size_t n;
	int rc;

	if ((rc = tshm_bundle_open(&b, dir, 0)) < 0 || (rc = tshm_chunk_decoder_new(&d)) < 0)
		goto out;
	ch = tshm_bundle_chunks(b, &n);
	for (size_t i = 0; i < n; i++)
		if (ch[i].table == TSHM_TABLE_TRADES && ch[i].sid == sid && ch[i].col == 0)
			rows += ch[i].nrows;
	for (int k = 0; k < 4; k++)
		if (!(out[k] = malloc(rows * 8 + 8)))
			rc = -ENOMEM;
	for (size_t i = 0; i < n && rc == 0; i++)
		for (int k = 0; k < 4 && rc == 0; k++)
			if (ch[i].table == TSHM_TABLE_TRADES && ch[i].sid == sid &&
			    ch[i].col == cols[k]) {
				rc = read_chunk(b, d, &ch[i], (unsigned char *)out[k] + at[k]);
				at[k] += ch[i].rlen;
			}
out:
	tshm_chunk_decoder_free(d);
	tshm_bundle_close(b);
	return rc < 0 ? rc : (int64_t)rows;
}

static int one_task(const struct pipe_setup *su, void *state, uint32_t t)
{
	uint32_t a = t % su->nassets, j = t / su->nassets;
	unsigned char partial[TSHM_PARTIAL_MAX] __attribute__((aligned(16)));
	void *c[4] = {NULL, NULL, NULL, NULL};
	int64_t rows = load_asset(su->dir, su->sids[a], c);
	struct tshm_batch b = {c[0], c[1], c[2], c[3], (uint64_t)rows, 0};

	if (rows >= 0) {
		su->s->init(state, &su->psets[(size_t)j * 3]);
		su->s->on_batch(state, &b);
		memset(partial, 0, sizeof(partial));
		su->s->finish(state, partial);
	}
	for (int k = 0; k < 4; k++)
		free(c[k]);
	return rows < 0 ? (int)rows : 0;
}

static void child(const struct pipe_setup *su, uint32_t k, uint32_t procs)
{
	void *state = aligned_alloc(64, (su->s->state_size + 63u) & ~63u);

	if (!state)
		_exit(3);
	for (uint32_t t = k; t < su->nassets * su->npsets; t += procs)
		if (one_task(su, state, t) < 0)
			_exit(2);
	_exit(0);
}

int pipe_baseline(const struct pipe_setup *su, uint32_t procs, double *tps, double *task_s)
{
	pid_t pids[PIPE_MAX_WORKERS];
	uint64_t t0 = perf_now_ns();
	uint32_t started = 0;
	int rc = 0, status;

	for (; started < procs; started++) {
		if ((pids[started] = fork()) == 0)
			child(su, started, procs);
		if (pids[started] < 0) {
			rc = -errno;
			break;
		}
	}
	for (uint32_t k = 0; k < started; k++)
		if (waitpid(pids[k], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			rc = rc ? rc : -EIO;
	if (rc == 0) {
		double s = (double)(perf_now_ns() - t0) / 1e9;

		*tps = (double)su->rows * su->npsets / s;
		*task_s = s * procs / ((double)su->nassets * su->npsets);
	}
	return rc;
}
