/* SPDX-License-Identifier: MIT */
/*
 * The loader's read plan: which data files to open (and whether through
 * O_DIRECT), and which large reads cover the chunks. Frames a transaction
 * wrote are consecutive in its data file, so sorting the chunks by (file,
 * offset) and merging neighbours turns thousands of small frames into a
 * few hundred reads of up to TSHM__LOAD_EXTENT_MAX bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bundle_internal.h"
#include "load_internal.h"

#define DIRECT_MIN_FILE (UINT64_C(1) << 20) /* smaller files: the page cache is fine */

/* cachestat(2) (Linux 6.5); the distribution's headers may predate it. */
#ifndef SYS_cachestat
#define SYS_cachestat 451
#endif
struct load_cachestat_range {
	uint64_t off, len;
};
struct load_cachestat {
	uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};

struct sort_key {
	uint32_t file_id;
	uint32_t idx;
	uint64_t offset;
};

static int cmp_key(const void *a, const void *b)
{
	const struct sort_key *x = a, *y = b;

	if (x->file_id != y->file_id)
		return x->file_id < y->file_id ? -1 : 1;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* Chunk indices sorted by (file, offset) into ctx->order. */
static int sort_chunks(struct tshm__load_ctx *ctx)
{
	struct sort_key *k = malloc((ctx->nchunks ? ctx->nchunks : 1) * sizeof(*k));

	ctx->order = malloc((ctx->nchunks ? ctx->nchunks : 1) * sizeof(*ctx->order));
	if (!k || !ctx->order) {
		free(k);
		return -ENOMEM;
	}
	for (size_t i = 0; i < ctx->nchunks; i++)
		k[i] = (struct sort_key){ctx->chunks[i].file_id, (uint32_t)i,
					 ctx->chunks[i].offset};
	qsort(k, ctx->nchunks, sizeof(*k), cmp_key);
	for (size_t i = 0; i < ctx->nchunks; i++)
		ctx->order[i] = k[i].idx;
	free(k);
	return 0;
}

/*
 * AUTO: O_DIRECT pays off only for data not already in the page cache (a
 * cached file is a memcpy away; O_DIRECT would go to the device). Without
 * cachestat(2) we cannot tell, and the page cache is the safe choice.
 */
static int want_direct(int mode, int fd, uint64_t size)
{
	struct load_cachestat_range r = {0, size};
	struct load_cachestat cs;
	uint64_t pages;

	if (mode != TSHM_LOAD_DIRECT_AUTO)
		return mode == TSHM_LOAD_DIRECT_ON;
	if (size < DIRECT_MIN_FILE)
		return 0;
	memset(&cs, 0, sizeof(cs));
	if (syscall(SYS_cachestat, fd, &r, &cs, 0) != 0)
		return 0;
	pages = (size + (uint64_t)sysconf(_SC_PAGESIZE) - 1) / (uint64_t)sysconf(_SC_PAGESIZE);
	return cs.nr_cache < pages / 2;
}

static int open_file(struct tshm__load_ctx *ctx, struct tshm__load_file *f)
{
	struct stat st;

	f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return tshm__load_fail(ctx, -errno, "data file %s: %s", f->path, strerror(errno));
	if (fstat(f->fd, &st) < 0)
		return tshm__load_fail(ctx, -errno, "data file %s: %s", f->path, strerror(errno));
	f->size = (uint64_t)st.st_size;
	if (want_direct(ctx->direct, f->fd, f->size)) {
		/* EINVAL: the file system has no O_DIRECT (tmpfs): read it buffered. */
		f->dfd = open(f->path, O_RDONLY | O_CLOEXEC | O_DIRECT);
		if (f->dfd < 0 && errno != EINVAL)
			return tshm__load_fail(ctx, -errno, "data file %s: %s", f->path,
					       strerror(errno));
	}
	if (f->dfd >= 0)
		ctx->direct_files++;
	else
		posix_fadvise(f->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return 0;
}

/* One entry per distinct file id (ctx->order is sorted by file). */
static int open_files(struct tshm__load_ctx *ctx)
{
	size_t n = 0, distinct = 0;
	int rc = 0;

	/* Entries are ~4 KiB (the path): one per file, not per chunk. */
	for (size_t i = 0; i < ctx->nchunks; i++)
		distinct += i == 0 || ctx->chunks[ctx->order[i]].file_id !=
					  ctx->chunks[ctx->order[i - 1]].file_id;
	ctx->files = calloc(distinct ? distinct : 1, sizeof(*ctx->files));
	if (!ctx->files)
		return -ENOMEM;
	for (size_t i = 0; i < ctx->nchunks && rc == 0; i++) {
		uint32_t id = ctx->chunks[ctx->order[i]].file_id;
		struct tshm__load_file *f = &ctx->files[n];

		if (n && ctx->files[n - 1].file_id == id)
			continue;
		f->file_id = id;
		f->fd = f->dfd = -1;
		n++;
		ctx->nfiles = n;
		rc = tshm_bundle_file_path(ctx->bundle, id, f->path, sizeof(f->path));
		if (rc < 0)
			return tshm__load_fail(ctx, rc, "data file %" PRIu32 ": %s", id,
					       tshm_strerror(rc));
		rc = open_file(ctx, f);
	}
	return rc;
}

/* Every frame inside its file: a truncated file fails here, naming the chunk. */
static int check_sizes(struct tshm__load_ctx *ctx)
{
	size_t f = 0;

	for (size_t i = 0; i < ctx->nchunks; i++) {
		const struct tshm_chunk *c = &ctx->chunks[ctx->order[i]];
		char name[160];

		while (ctx->files[f].file_id != c->file_id)
			f++;
		if (c->offset <= ctx->files[f].size && c->clen <= ctx->files[f].size - c->offset)
			continue;
		tshm__chunk_name(name, sizeof(name), &ctx->chunks[ctx->order[i]]);
		return tshm__load_fail(ctx, -TSHM_ECORRUPT,
				       "%s: data file %s is truncated (%" PRIu64
				       " bytes, the frame ends at %" PRIu64 ")",
				       name, ctx->files[f].path, ctx->files[f].size,
				       c->offset + c->clen);
	}
	return 0;
}

/* Bytes a buffer needs for @e (O_DIRECT widens the read to aligned edges). */
static uint64_t extent_bytes(const struct tshm__load_ctx *ctx, const struct tshm__load_extent *e)
{
	uint64_t a = TSHM__LOAD_DIO_ALIGN;

	if (ctx->files[e->file].dfd < 0)
		return e->end - e->start;
	return ((e->end + a - 1) & ~(a - 1)) - (e->start & ~(a - 1));
}

static void close_extent(struct tshm__load_ctx *ctx, struct tshm__load_extent *e)
{
	uint64_t b = extent_bytes(ctx, e);

	ctx->ext_max = b > ctx->ext_max ? b : ctx->ext_max;
	ctx->nextents++;
}

/* Merge neighbouring frames of a file into reads of at most TSHM__LOAD_EXTENT_MAX. */
static int make_extents(struct tshm__load_ctx *ctx)
{
	struct tshm__load_extent *e = NULL;
	size_t f = 0;

	ctx->ext = calloc(ctx->nchunks ? ctx->nchunks : 1, sizeof(*ctx->ext));
	if (!ctx->ext)
		return -ENOMEM;
	for (size_t i = 0; i < ctx->nchunks; i++) {
		const struct tshm_chunk *c = &ctx->chunks[ctx->order[i]];
		uint64_t end = c->offset + c->clen;

		while (ctx->files[f].file_id != c->file_id)
			f++;
		if (e && e->file == f && c->offset <= e->end + TSHM__LOAD_GAP_MAX &&
		    c->offset >= e->start && end - e->start <= TSHM__LOAD_EXTENT_MAX) {
			e->end = end > e->end ? end : e->end;
			e->nchunks++;
			continue;
		}
		if (e)
			close_extent(ctx, e);
		e = &ctx->ext[ctx->nextents];
		*e = (struct tshm__load_extent){
		    .file = (uint32_t)f, .nchunks = 1, .first = i, .start = c->offset, .end = end};
	}
	if (e)
		close_extent(ctx, e);
	return 0;
}

int tshm__load_plan(struct tshm__load_ctx *ctx)
{
	int rc = sort_chunks(ctx);

	if (rc == 0)
		rc = open_files(ctx);
	if (rc == 0)
		rc = check_sizes(ctx);
	if (rc == 0)
		rc = make_extents(ctx);
	return rc;
}

void tshm__load_plan_free(struct tshm__load_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nfiles; i++) {
		if (ctx->files[i].fd >= 0)
			close(ctx->files[i].fd);
		if (ctx->files[i].dfd >= 0)
			close(ctx->files[i].dfd);
	}
	free(ctx->files);
	free(ctx->order);
	free(ctx->ext);
	ctx->files = NULL;
	ctx->order = NULL;
	ctx->ext = NULL;
	ctx->nfiles = ctx->nextents = 0;
}
