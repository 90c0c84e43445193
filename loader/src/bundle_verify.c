/* SPDX-License-Identifier: MIT */
/*
 * Verifying a bundle (BUNDLE.md 7): every data file's header and size,
 * every chunk read back, decoded and checked against its checksum, length,
 * row count and time range, and the data files nothing references counted.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle_internal.h"

struct vfile {
	int fd;		   /* -1: unusable */
	uint64_t size;	   /* actual size on disk */
	char problem[128]; /* why unusable */
};

struct vctx {
	const struct tshm_bundle *b;
	struct tshm_verify_report *rep;
	struct vfile *files; /* parallel to b->files */
	struct tshm_chunk_decoder *dec;
	uint8_t *src, *dst;
	size_t srccap, dstcap;
};

static void note(struct tshm_verify_report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void note(struct tshm_verify_report *rep, const char *fmt, ...)
{
	va_list ap;

	if (rep->first_error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(rep->first_error, sizeof(rep->first_error), fmt, ap);
	va_end(ap);
}

static void open_file(const struct tshm_bundle *b, size_t i, struct vfile *vf)
{
	struct tshm__tzd_header h;
	char path[4200];
	struct stat st;

	vf->fd = -1;
	if (tshm__data_path(path, sizeof(path), b->dir, b->files[i].file_id) < 0) {
		snprintf(vf->problem, sizeof(vf->problem), "path too long");
		return;
	}
	vf->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (vf->fd < 0 || fstat(vf->fd, &st) < 0) {
		snprintf(vf->problem, sizeof(vf->problem), "%s", strerror(errno));
	} else if (pread(vf->fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
		   h.magic != TSHM__TZD_MAGIC || h.version != TSHM__TZD_VERSION ||
		   h.file_id != b->files[i].file_id) {
		snprintf(vf->problem, sizeof(vf->problem), "bad data file header");
	} else {
		vf->size = (uint64_t)st.st_size;
		if (vf->size < b->files[i].size)
			snprintf(vf->problem, sizeof(vf->problem),
				 "truncated: %" PRIu64 " bytes, index says %" PRIu64, vf->size,
				 b->files[i].size);
		return;
	}
	if (vf->fd >= 0)
		close(vf->fd);
	vf->fd = -1;
}

static int grow(uint8_t **p, size_t *cap, uint64_t need)
{
	uint8_t *q;

	if (need <= *cap)
		return 0;
	if (need > SIZE_MAX - 64)
		return -ENOMEM;
	free(*p);
	q = aligned_alloc(64, (size_t)((need + 63) & ~(uint64_t)63));
	*p = q;
	*cap = q ? (size_t)need : 0;
	return q ? 0 : -ENOMEM;
}

/* Timestamps of a decoded ts column: sorted, matching the index, in the day. */
static const char *check_ts(const struct tshm_chunk *c, const int64_t *ts)
{
	if (ts[0] != c->min_ts || ts[c->nrows - 1] != c->max_ts)
		return "time range differs from the index";
	for (uint64_t i = 1; i < c->nrows; i++)
		if (ts[i] < ts[i - 1])
			return "timestamps out of order";
	return NULL;
}

/* Read, decode and check one chunk. Returns NULL or what is wrong. */
static const char *check_one(struct vctx *v, const struct tshm_chunk *c, int *err)
{
	size_t fi = tshm__file_index(v->b, c->file_id);
	const struct vfile *vf = fi == SIZE_MAX ? NULL : &v->files[fi];
	const char *why = NULL;
	uint64_t end;

	if (!vf || vf->fd < 0)
		return vf ? vf->problem : "no such data file";
	if (__builtin_add_overflow(c->offset, c->clen, &end) || end > vf->size)
		return "frame past the end of its data file";
	if (grow(&v->src, &v->srccap, c->clen) < 0 || grow(&v->dst, &v->dstcap, c->rlen) < 0) {
		*err = -ENOMEM;
		return "out of memory";
	}
	if (pread(vf->fd, v->src, (size_t)c->clen, (off_t)c->offset) != (ssize_t)c->clen)
		return "short read";
	v->rep->bytes_read += c->clen;
	if (tshm__chunk_decode_why(v->dec, c, v->src, (size_t)c->clen, v->dst, &why) < 0)
		return why;
	return c->col == 0 && c->width == 8 ? check_ts(c, (const int64_t *)v->dst) : NULL;
}

static void count_orphans(const struct tshm_bundle *b, struct tshm_verify_report *rep)
{
	uint32_t *ids;
	size_t n;

	if (tshm__list_data_files(b->dir, &ids, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		rep->orphan_files += tshm__file_index(b, ids[i]) == SIZE_MAX;
	free(ids);
}

static int run(struct vctx *v)
{
	const struct tshm_bundle *b = v->b;
	char name[128];
	int err = 0;

	for (size_t i = 0; i < b->nfiles; i++) {
		open_file(b, i, &v->files[i]);
		if (v->files[i].problem[0])
			note(v->rep, "data file %08" PRIu32 TSHM__DATA_EXT ": %s",
			     b->files[i].file_id, v->files[i].problem);
	}
	for (size_t i = 0; i < b->nchunks && err == 0; i++) {
		const char *why = check_one(v, &b->chunks[i], &err);

		v->rep->chunks_checked++;
		if (!why)
			continue;
		v->rep->chunks_bad++;
		tshm__chunk_name(name, sizeof(name), &b->chunks[i]);
		note(v->rep, "%s: %s", name, why);
	}
	count_orphans(b, v->rep);
	if (err)
		return err;
	return v->rep->chunks_bad || v->rep->first_error[0] ? -TSHM_ECORRUPT : 0;
}

int tshm_bundle_verify(const struct tshm_bundle *b, struct tshm_verify_report *rep)
{
	struct vctx v = {.b = b, .rep = rep};
	int rc;

	if (!b || !rep)
		return -EINVAL;
	memset(rep, 0, sizeof(*rep));
	if (b->index_error[0]) {
		rep->chunks_bad++;
		note(rep, "index: %s", b->index_error);
	}
	v.files = calloc(b->nfiles ? b->nfiles : 1, sizeof(*v.files));
	rc = v.files ? tshm_chunk_decoder_new(&v.dec) : -ENOMEM;
	if (rc == 0)
		rc = run(&v);
	for (size_t i = 0; v.files && i < b->nfiles; i++)
		if (v.files[i].fd >= 0)
			close(v.files[i].fd);
	free(v.files);
	free(v.src);
	free(v.dst);
	tshm_chunk_decoder_free(v.dec);
	return rc;
}

int tshm_bundle_verify_dir(const char *dir, struct tshm_verify_report *rep)
{
	struct tshm_bundle *b;
	int rc;

	if (!dir || !rep)
		return -EINVAL;
	memset(rep, 0, sizeof(*rep));
	rc = tshm__bundle_open(&b, dir, false);
	if (rc < 0)
		return rc;
	rc = tshm_bundle_verify(b, rep);
	tshm_bundle_close(b);
	return rc;
}
