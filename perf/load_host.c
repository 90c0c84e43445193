/* SPDX-License-Identifier: MIT */
/*
 * The host's limits for the load benchmark, measured on the same bundle in
 * the same run: how fast all cores can fill a fresh shared-memory segment
 * (page first-touch bound), how fast one thread decompresses the bundle's
 * chunks, and a naive single-thread loader.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "load.h"
#include "tickshm/segment.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define SRC_BYTES (UINT64_C(1) << 20) /* hot source of the fill copy: L2-sized */
#define SLICE_ALIGN (UINT64_C(2) << 20)

struct fill_arg {
	uint8_t *dst;
	uint64_t len;
	const uint8_t *src;
	int how; /* enum load_fill */
	int fd;
	uint64_t off; /* of dst in the segment */
	int failed;   /* /dev/shm full: populate or pwrite failed */
};

static void *fill_thread(void *p)
{
	struct fill_arg *a = p;

	/* memcpy into pages nobody allocated would SIGBUS on a full
	 * /dev/shm, so the memcpy fill is only run after the others worked. */
	if (a->how == LOAD_FILL_POPULATE && a->len &&
	    madvise(a->dst, a->len, MADV_POPULATE_WRITE) < 0) {
		a->failed = 1;
		return NULL;
	}
	for (uint64_t off = 0; off < a->len; off += SRC_BYTES) {
		uint64_t n = a->len - off < SRC_BYTES ? a->len - off : SRC_BYTES;

		if (a->how != LOAD_FILL_PWRITE) {
			memcpy(a->dst + off, a->src, n);
		} else if (pwrite(a->fd, a->src, n, (off_t)(a->off + off)) != (ssize_t)n) {
			a->failed = 1;
			break;
		}
	}
	return NULL;
}

/* Slices on 2 MiB boundaries so that no two threads share a page. */
static void slices(struct fill_arg *a, unsigned n, uint8_t *base, uint64_t size)
{
	uint64_t per = (size / n + SLICE_ALIGN - 1) & ~(SLICE_ALIGN - 1), off = 0;

	for (unsigned i = 0; i < n; i++) {
		a[i].dst = base + off;
		a[i].off = off;
		a[i].len = off < size ? (size - off < per ? size - off : per) : 0;
		off += a[i].len;
	}
}

/*
 * A fresh segment sized but not allocated: the threads' first touches
 * allocate it in parallel, as the loader's decode threads do (one
 * fallocate would allocate it all on one core first).
 */
static int fresh_segment(const char *shm_name, uint64_t size, uint8_t **base, int *fd)
{
	int rc = 0;

	*fd = shm_open(shm_name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (*fd < 0)
		return -errno;
	if (ftruncate(*fd, (off_t)size) < 0)
		rc = -errno;
	else if ((*base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0)) ==
		 MAP_FAILED)
		rc = -errno;
	if (rc < 0) {
		close(*fd);
		shm_unlink(shm_name);
	}
	return rc;
}

double load_fill_rate(const char *shm_name, uint64_t size, unsigned threads, int how)
{
	struct fill_arg *a = calloc(threads, sizeof(*a));
	pthread_t *t = calloc(threads, sizeof(*t));
	uint8_t *src = malloc(SRC_BYTES * threads), *base = NULL;
	uint64_t t0 = 0, t1 = 0;
	int rc = a && t && src ? 0 : -ENOMEM, fd = -1, failed = 0;

	if (rc == 0) {
		for (uint64_t i = 0; i < SRC_BYTES * threads; i++)
			src[i] = (uint8_t)(i * 131 + 7); /* warm and not zero */
		t0 = perf_now_ns();
		rc = fresh_segment(shm_name, size, &base, &fd);
	}
	if (rc == 0) {
		slices(a, threads, base, size);
		for (unsigned i = 0; i < threads; i++) {
			a[i].src = src + SRC_BYTES * i;
			a[i].how = how;
			a[i].fd = fd;
			pthread_create(&t[i], NULL, fill_thread, &a[i]);
		}
		for (unsigned i = 0; i < threads; i++) {
			pthread_join(t[i], NULL);
			failed |= a[i].failed;
		}
		t1 = perf_now_ns();
		munmap(base, size);
		close(fd);
		shm_unlink(shm_name);
		rc = failed ? -ENOSPC : 0;
	}
	free(a);
	free(t);
	free(src);
	return rc < 0 ? rc : (double)size / ((double)(t1 - t0) / 1e9);
}

/* ---- the chunks in memory ---------------------------------------------- */

static int read_whole(const char *path, uint8_t **data, uint64_t *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if (!(*data = malloc((size_t)st.st_size + 1)))
		rc = -ENOMEM;
	else
		rc = perf_read_all(fd, *data, *size = (uint64_t)st.st_size);
	close(fd);
	return rc;
}

static long file_index(const struct load_frames *f, uint32_t id)
{
	for (size_t i = 0; i < f->nfiles; i++)
		if (f->file_ids[i] == id)
			return (long)i;
	return -1;
}

int load_frames_read(const struct tshm_bundle *b, struct load_frames *f)
{
	char path[4096];
	int rc = 0;

	memset(f, 0, sizeof(*f));
	f->chunks = tshm_bundle_chunks(b, &f->n);
	f->file_ids = calloc(f->n + 1, sizeof(*f->file_ids));
	f->file_data = calloc(f->n + 1, sizeof(*f->file_data));
	f->file_size = calloc(f->n + 1, sizeof(*f->file_size));
	if (!f->file_ids || !f->file_data || !f->file_size)
		return -ENOMEM;
	for (size_t i = 0; i < f->n && rc == 0; i++) {
		const struct tshm_chunk *c = &f->chunks[i];

		f->max_rlen = c->rlen > f->max_rlen ? c->rlen : f->max_rlen;
		f->raw_bytes += c->rlen;
		if (file_index(f, c->file_id) >= 0)
			continue;
		f->file_ids[f->nfiles] = c->file_id;
		rc = tshm_bundle_file_path(b, c->file_id, path, sizeof(path));
		if (rc == 0)
			rc = read_whole(path, &f->file_data[f->nfiles], &f->file_size[f->nfiles]);
		f->nfiles++;
	}
	return rc;
}

void load_frames_free(struct load_frames *f)
{
	for (size_t i = 0; f->file_data && i < f->nfiles; i++)
		free(f->file_data[i]);
	free(f->file_data);
	free(f->file_size);
	free(f->file_ids);
	memset(f, 0, sizeof(*f));
}

static const uint8_t *frame_of(const struct load_frames *f, const struct tshm_chunk *c)
{
	long fi = file_index(f, c->file_id);

	if (fi < 0 || c->offset + c->clen > f->file_size[fi])
		return NULL;
	return f->file_data[fi] + c->offset;
}

double load_zstd_rate(const struct load_frames *f)
{
	ZSTD_DCtx *z = ZSTD_createDCtx();
	uint8_t *out = aligned_alloc(64, (f->max_rlen + 63) & ~(uint64_t)63);
	uint64_t t0, t1;
	double rc = 0;

	if (!z || !out) {
		ZSTD_freeDCtx(z);
		free(out);
		return -ENOMEM;
	}
	memset(out, 0, f->max_rlen); /* warm: this measures decompression, not page faults */
	t0 = perf_now_ns();
	for (size_t i = 0; i < f->n && rc == 0; i++) {
		const uint8_t *src = frame_of(f, &f->chunks[i]);
		size_t n = src ? ZSTD_decompressDCtx(z, out, f->max_rlen, src, f->chunks[i].clen)
			       : 0;

		if (!src || ZSTD_isError(n))
			rc = -EIO;
	}
	t1 = perf_now_ns();
	ZSTD_freeDCtx(z);
	free(out);
	return rc < 0 ? rc : (double)f->raw_bytes / ((double)(t1 - t0) / 1e9);
}

double load_decode_rate(const struct load_frames *f)
{
	struct tshm_chunk_decoder *d;
	uint8_t *out = aligned_alloc(64, (f->max_rlen + 63) & ~(uint64_t)63);
	uint64_t t0, t1;
	int rc = out ? tshm_chunk_decoder_new(&d) : -ENOMEM;

	if (rc < 0) {
		free(out);
		return rc;
	}
	memset(out, 0, f->max_rlen);
	t0 = perf_now_ns();
	for (size_t i = 0; i < f->n && rc == 0; i++) {
		const uint8_t *src = frame_of(f, &f->chunks[i]);

		rc = src ? tshm_chunk_decode(d, &f->chunks[i], src, f->chunks[i].clen, out) : -EIO;
	}
	t1 = perf_now_ns();
	tshm_chunk_decoder_free(d);
	free(out);
	return rc < 0 ? rc : (double)f->raw_bytes / ((double)(t1 - t0) / 1e9);
}

/* ---- the naive loader -------------------------------------------------- */

/* Decode the chunks of file @id from @data into the segment at *@pos onwards. */
static int naive_file(struct tshm_chunk_decoder *d, const struct tshm_chunk *ch, size_t n,
		      uint32_t id, const uint8_t *data, uint64_t size, uint8_t *scratch,
		      struct tshm_segment *s, uint64_t *pos)
{
	for (size_t i = 0; i < n; i++) {
		const struct tshm_chunk *c = &ch[i];
		int rc;

		if (c->file_id != id)
			continue;
		if (c->offset + c->clen > size || *pos + c->rlen > s->size)
			return -EIO;
		rc = tshm_chunk_decode(d, c, data + c->offset, c->clen, scratch);
		if (rc < 0)
			return rc;
		memcpy((uint8_t *)s->base + *pos, scratch, c->rlen);
		*pos += c->rlen;
	}
	return 0;
}

double load_naive_rate(const struct tshm_bundle *b, const char *shm_name, uint64_t size)
{
	size_t n, nids = 0;
	const struct tshm_chunk *ch = tshm_bundle_chunks(b, &n);
	uint32_t *ids = calloc(n + 1, sizeof(*ids));
	uint64_t max = 0, pos = 0, t0 = perf_now_ns(), t1;
	struct tshm_chunk_decoder *d = NULL;
	uint8_t *scratch = NULL;
	struct tshm_segment s = {.fd = -1};
	char path[4096];
	int rc = ids ? tshm_chunk_decoder_new(&d) : -ENOMEM;

	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t k = 0;

		max = ch[i].rlen > max ? ch[i].rlen : max;
		while (k < nids && ids[k] != ch[i].file_id)
			k++;
		if (k == nids)
			ids[nids++] = ch[i].file_id;
	}
	if (rc == 0)
		scratch = aligned_alloc(64, (max + 63) & ~(uint64_t)63);
	rc = rc == 0 && !scratch ? -ENOMEM : rc;
	if (rc == 0)
		rc = tshm_segment_create(&s, shm_name, size);
	for (size_t k = 0; k < nids && rc == 0; k++) {
		uint8_t *data = NULL;
		uint64_t fsize = 0;

		rc = tshm_bundle_file_path(b, ids[k], path, sizeof(path));
		if (rc == 0)
			rc = read_whole(path, &data, &fsize);
		if (rc == 0)
			rc = naive_file(d, ch, n, ids[k], data, fsize, scratch, &s, &pos);
		free(data);
	}
	t1 = perf_now_ns();
	if (s.base) {
		tshm_segment_close(&s);
		tshm_segment_unlink(shm_name);
	}
	tshm_chunk_decoder_free(d);
	free(scratch);
	free(ids);
	return rc < 0 ? rc : (double)pos / ((double)(t1 - t0) / 1e9);
}
