/* SPDX-License-Identifier: MIT */
/* CSV ingest test support (ingest_test.h). */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest_test.h"

int tshm_itest_write(const char *dir, const char *name, const void *data, size_t len, char *path)
{
	size_t done = 0;
	int fd;

	snprintf(path, 512, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(fd, (const char *)data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int rc = n < 0 ? -errno : -EIO;
			close(fd);
			return rc;
		}
		done += (size_t)n;
	}
	return close(fd) < 0 ? -errno : 0;
}

int tshm_itest_write_str(const char *dir, const char *name, const char *text, char *path)
{
	return tshm_itest_write(dir, name, text, strlen(text), path);
}

typedef size_t (*zstd_bound_fn)(size_t);
typedef size_t (*zstd_compress_fn)(void *, size_t, const void *, size_t, int);
typedef unsigned (*zstd_iserror_fn)(size_t);

int tshm_itest_write_zst(const char *dir, const char *name, const void *data, size_t len,
			 char *path)
{
	void *lib = dlopen("libzstd.so.1", RTLD_NOW | RTLD_LOCAL);
	zstd_bound_fn bound;
	zstd_compress_fn compress;
	zstd_iserror_fn iserr;
	void *buf = NULL;
	size_t n;
	int rc = -ENOSYS;

	if (!lib)
		return -ENOSYS;
	*(void **)&bound = dlsym(lib, "ZSTD_compressBound");
	*(void **)&compress = dlsym(lib, "ZSTD_compress");
	*(void **)&iserr = dlsym(lib, "ZSTD_isError");
	if (bound && compress && iserr) {
		buf = malloc(bound(len));
		rc = -ENOMEM;
		if (buf) {
			n = compress(buf, bound(len), data, len, 3);
			rc = iserr(n) ? -EIO : tshm_itest_write(dir, name, buf, n, path);
		}
	}
	free(buf);
	dlclose(lib);
	return rc;
}

void tshm_itest_collect(const struct tshm_ingest_row *row, void *arg)
{
	struct tshm_itest_rows *r = arg;
	struct tshm_itest_row *x;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct tshm_itest_row *v = realloc(r->v, cap * sizeof(*v));
		if (!v) {
			r->oom = 1;
			return;
		}
		r->v = v;
		r->cap = cap;
	}
	x = &r->v[r->n++];
	x->table = row->table;
	x->ncols = row->ncols;
	x->asset = *row->asset;
	memcpy(x->col, row->col, sizeof(x->col));
}

void tshm_itest_rows_free(struct tshm_itest_rows *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

int tshm_itest_ingest(const char *preset, const char *dir, const char *const *files, size_t nfiles,
		      unsigned flags, const struct tshm_ingest_opts *opts,
		      struct tshm_itest_rows *rows, struct tshm_ingest_result *res)
{
	struct tshm_ingest_opts o;

	if (opts)
		o = *opts;
	else
		tshm_ingest_opts_init(&o);
	o.preset = preset;
	o.bundle_dir = dir;
	o.files = files;
	o.nfiles = nfiles;
	o.flags = flags | (dir ? 0 : TSHM_INGEST_DRY_RUN);
	o.on_row = rows ? tshm_itest_collect : NULL;
	o.on_row_arg = rows;
	return tshm_ingest_run(&o, res);
}

static int read_frame(const char *path, const struct tshm_chunk *c, void **out)
{
	void *buf = malloc(c->clen ? c->clen : 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;
	int rc;

	if (buf && fd >= 0)
		n = pread(fd, buf, c->clen, (off_t)c->offset);
	rc = !buf ? -ENOMEM : n < 0 ? -errno : (uint64_t)n != c->clen ? -EIO : 0;
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		free(buf);
	else
		*out = buf;
	return rc;
}

/* Decode chunk @c and append its values to column @c->col of @out. */
static int add_chunk(const struct tshm_bundle *b, struct tshm_chunk_decoder *d,
		     const struct tshm_chunk *c, struct tshm_itest_cols *out, uint64_t base)
{
	char path[4200];
	void *src = NULL, *dst = NULL;
	int64_t *col;
	int rc = tshm_bundle_file_path(b, c->file_id, path, sizeof(path));

	if (rc == 0)
		rc = read_frame(path, c, &src);
	if (rc == 0 && !(dst = aligned_alloc(8, (c->rlen + 7) / 8 * 8 + 8)))
		rc = -ENOMEM;
	if (rc == 0)
		rc = tshm_chunk_decode(d, c, src, c->clen, dst);
	col = out->col[c->col];
	for (uint64_t i = 0; rc == 0 && i < c->nrows; i++)
		col[base + i] = c->width == 8 ? ((const int64_t *)dst)[i]
					      : ((const int32_t *)dst)[i];
	free(src);
	free(dst);
	return rc;
}

static int grow_cols(struct tshm_itest_cols *out, uint64_t n)
{
	for (unsigned k = 0; k < TSHM_INGEST_ROW_COLS; k++) {
		int64_t *p = realloc(out->col[k], (size_t)(n ? n : 1) * sizeof(int64_t));
		if (!p)
			return -ENOMEM;
		out->col[k] = p;
	}
	return 0;
}

int tshm_itest_read(const char *dir, unsigned table, int64_t sid, struct tshm_itest_cols *out)
{
	struct tshm_chunk_decoder *d = NULL;
	struct tshm_bundle *b = NULL;
	const struct tshm_chunk *c;
	uint64_t base = 0, day_rows = 0;
	int32_t day = INT32_MIN;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = tshm_bundle_open(&b, dir, 0)) < 0)
		return rc;
	rc = tshm_chunk_decoder_new(&d);
	c = tshm_bundle_chunks(b, &n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (c[i].table != table || c[i].sid != sid)
			continue;
		if (c[i].day != day) {
			base += day_rows;
			day = c[i].day;
			day_rows = c[i].nrows;
			out->days++;
			rc = grow_cols(out, base + day_rows);
		}
		if (c[i].col + 1 > out->ncols)
			out->ncols = c[i].col + 1;
		if (rc == 0)
			rc = add_chunk(b, d, &c[i], out, base);
	}
	out->n = base + day_rows;
	tshm_chunk_decoder_free(d);
	tshm_bundle_close(b);
	if (rc < 0)
		tshm_itest_cols_free(out);
	return rc;
}

void tshm_itest_cols_free(struct tshm_itest_cols *c)
{
	for (unsigned k = 0; k < TSHM_INGEST_ROW_COLS; k++)
		free(c->col[k]);
	memset(c, 0, sizeof(*c));
}

int tshm_itest_info(const char *dir, struct tshm_bundle_info *out)
{
	struct tshm_bundle *b;
	int rc = tshm_bundle_open(&b, dir, 0);

	if (rc < 0)
		return rc;
	tshm_bundle_info(b, out);
	tshm_bundle_close(b);
	return 0;
}
