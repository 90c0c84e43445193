/* SPDX-License-Identifier: MIT */
/* Buffered, optionally zstd-compressed output files of the CSV writers. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "gen_internal.h"

#define ZSTD_LEVEL 3 /* zstd's default: fast, and small enough for fixtures */

int tshm__gen_out_init(struct tshm__gen_out *o, bool zstd)
{
	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->zstd = zstd;
	o->buf = malloc(TSHM__GEN_OUT_BUF);
	if (!o->buf)
		return -ENOMEM;
	if (!zstd)
		return 0;
	o->zcap = ZSTD_CStreamOutSize();
	o->zbuf = malloc(o->zcap);
	o->zc = ZSTD_createCCtx();
	if (!o->zbuf || !o->zc)
		return -ENOMEM;
	/* A checksum lets readers tell a damaged file from a short one. */
	if (ZSTD_isError(ZSTD_CCtx_setParameter(o->zc, ZSTD_c_compressionLevel, ZSTD_LEVEL)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(o->zc, ZSTD_c_checksumFlag, 1)))
		return -EINVAL;
	return 0;
}

int tshm__gen_out_open(struct tshm__gen_out *o, const char *dir, const char *name)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s%s", dir, name, o->zstd ? ".zst" : "");

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (o->fd < 0)
		return -errno;
	o->err = 0;
	o->len = 0;
	o->files++;
	if (o->zstd)
		ZSTD_CCtx_reset(o->zc, ZSTD_reset_session_only);
	return 0;
}

static void write_all(struct tshm__gen_out *o, const char *p, size_t n)
{
	o->out_bytes += n;
	while (n && !o->err) {
		ssize_t w = write(o->fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			o->err = -errno;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

/* Compress @in (may be empty) with @mode and write what comes out. */
static void compress(struct tshm__gen_out *o, ZSTD_inBuffer *in, ZSTD_EndDirective mode)
{
	size_t left;

	do {
		ZSTD_outBuffer out = {o->zbuf, o->zcap, 0};

		left = ZSTD_compressStream2(o->zc, &out, in, mode);
		if (ZSTD_isError(left)) {
			o->err = ZSTD_getErrorCode(left) == ZSTD_error_memory_allocation ? -ENOMEM
											 : -EIO;
			return;
		}
		write_all(o, o->zbuf, out.pos);
	} while (!o->err && (mode == ZSTD_e_end ? left != 0 : in->pos < in->size));
}

void tshm__gen_out_flush(struct tshm__gen_out *o)
{
	o->text_bytes += o->len;
	if (o->zstd) {
		ZSTD_inBuffer in = {o->buf, o->len, 0};

		compress(o, &in, ZSTD_e_continue);
	} else {
		write_all(o, o->buf, o->len);
	}
	o->len = 0;
}

int tshm__gen_out_close(struct tshm__gen_out *o)
{
	int rc;

	if (o->fd < 0)
		return 0;
	tshm__gen_out_flush(o);
	if (o->zstd) {
		ZSTD_inBuffer in = {NULL, 0, 0};

		compress(o, &in, ZSTD_e_end);
	}
	rc = close(o->fd) < 0 && !o->err ? -errno : o->err;
	o->fd = -1;
	return rc;
}

void tshm__gen_out_fini(struct tshm__gen_out *o)
{
	if (o->fd >= 0)
		close(o->fd);
	ZSTD_freeCCtx(o->zc);
	free(o->zbuf);
	free(o->buf);
	memset(o, 0, sizeof(*o));
	o->fd = -1;
}
