/* SPDX-License-Identifier: MIT */
/*
 * Lines of a CSV file, plain or zstd-compressed, through one large buffer:
 * big read()s (or streaming decompression into the buffer), lines handed
 * out as pointers into it, the unfinished tail moved to the front before
 * each refill. Compression is recognised by the zstd frame magic, not by
 * the name, so a renamed file still reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "ingest_internal.h"

#define TEXT_BUF (TSHM__LINE_MAX * 2u) /* > TSHM__LINE_MAX: a whole line always fits */
#define ZBUF (256u * 1024u)

struct tshm__csv_in {
	int fd;
	ZSTD_DCtx *zd; /* NULL: plain text */
	unsigned char *zbuf;
	size_t zlen, zpos;
	size_t zret; /* last ZSTD_decompressStream() result: 0 at a frame boundary */
	char *buf;   /* text: [start, end) not yet handed out */
	size_t cap, start, end, scanned;
	bool eof;      /* the source is exhausted and decoded */
	bool zsrc_eof; /* no more compressed bytes */
	bool done;
	bool bom_pending;
	uint64_t line, text, source;
	char why[128];
};

static int fail(struct tshm__csv_in *in, int rc, const char *why)
{
	snprintf(in->why, sizeof(in->why), "%s", why);
	in->done = true;
	return rc;
}

/* Up to @cap source bytes into @dst: the count, 0 at the end, or -errno. */
static ssize_t read_source(struct tshm__csv_in *in, void *dst, size_t cap)
{
	ssize_t n;

	do
		n = read(in->fd, dst, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	in->source += (uint64_t)n;
	return n;
}

/* Fill @dst with up to @cap bytes, looping over short reads (pipes). */
static ssize_t read_full(struct tshm__csv_in *in, unsigned char *dst, size_t cap)
{
	size_t got = 0;

	while (got < cap) {
		ssize_t n = read_source(in, dst + got, cap - got);
		if (n < 0)
			return n;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static bool is_zstd_magic(const unsigned char *p, size_t n)
{
	if (n < 4)
		return false;
	if (p[0] == 0x28 && p[1] == 0xB5 && p[2] == 0x2F && p[3] == 0xFD)
		return true;
	return (p[0] & 0xF0) == 0x50 && p[1] == 0x2A && p[2] == 0x4D &&
	       p[3] == 0x18; /* skippable */
}

static bool has_zst_suffix(const char *path)
{
	size_t n = path ? strlen(path) : 0;

	return n >= 4 && strcmp(path + n - 4, ".zst") == 0;
}

/* Read the first block and decide plain or zstd. */
static int sniff(struct tshm__csv_in *in, const char *path)
{
	ssize_t n = read_full(in, in->zbuf, ZBUF);

	if (n < 0)
		return fail(in, (int)n, strerror((int)-n));
	if (is_zstd_magic(in->zbuf, (size_t)n)) {
		in->zd = ZSTD_createDCtx();
		if (!in->zd)
			return fail(in, -ENOMEM, "out of memory");
		in->zlen = (size_t)n;
		in->zret = 1; /* a frame has started */
		return 0;
	}
	if (n > 0 && has_zst_suffix(path))
		return fail(in, -TSHM_ECORRUPT, "not a zstd file (no zstd frame magic)");
	memcpy(in->buf, in->zbuf, (size_t)n);
	in->end = (size_t)n;
	in->text += (uint64_t)n;
	in->eof = (size_t)n < ZBUF;
	return 0;
}

static int setup(struct tshm__csv_in *in, const char *path)
{
	in->buf = malloc(TEXT_BUF);
	in->zbuf = malloc(ZBUF);
	if (!in->buf || !in->zbuf)
		return -ENOMEM;
	in->cap = TEXT_BUF;
	in->bom_pending = true;
	return sniff(in, path);
}

int tshm__csv_in_open(struct tshm__csv_in **out, const char *path)
{
	struct tshm__csv_in *in = calloc(1, sizeof(*in));
	int rc;

	*out = NULL;
	if (!in)
		return -ENOMEM;
	in->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (in->fd < 0) {
		rc = -errno;
		free(in);
		return rc;
	}
	(void)posix_fadvise(in->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	rc = setup(in, path);
	*out = in; /* even on a sniff error: the caller reads tshm__csv_in_why() */
	if (rc == -ENOMEM) {
		tshm__csv_in_close(in);
		*out = NULL;
	}
	return rc;
}

/* Decode more text into buf[end, cap). Returns bytes added, 0 at the end, <0.
 * The decoder may hold output it has not flushed yet: it is called once more
 * with no new input before the end of the source counts as the end. */
static ssize_t fill_zstd(struct tshm__csv_in *in)
{
	for (;;) {
		ZSTD_outBuffer o = {in->buf + in->end, in->cap - in->end, 0};
		ZSTD_inBuffer i;
		size_t r;

		if (in->zpos == in->zlen && !in->zsrc_eof) {
			ssize_t n = read_source(in, in->zbuf, ZBUF);
			if (n < 0)
				return fail(in, (int)n, strerror((int)-n));
			in->zsrc_eof = n == 0;
			in->zlen = (size_t)n;
			in->zpos = 0;
		}
		i = (ZSTD_inBuffer){in->zbuf, in->zlen, in->zpos};
		r = ZSTD_decompressStream(in->zd, &o, &i);
		if (ZSTD_isError(r)) {
			char why[96];
			snprintf(why, sizeof(why), "zstd: %s", ZSTD_getErrorName(r));
			return fail(in, -TSHM_ECORRUPT, why);
		}
		/* A call that moved nothing says nothing about the frame: after
		 * a frame ends it returns the next header's size, not 0. */
		if (i.pos != in->zpos || o.pos)
			in->zret = r;
		in->zpos = i.pos;
		if (o.pos > 0) {
			in->end += o.pos;
			in->text += o.pos;
			return (ssize_t)o.pos;
		}
		if (in->zsrc_eof && in->zpos == in->zlen)
			return in->zret ? fail(in, -TSHM_ECORRUPT, "truncated zstd frame") : 0;
	}
}

static ssize_t fill_plain(struct tshm__csv_in *in)
{
	ssize_t n = read_source(in, in->buf + in->end, in->cap - in->end);

	if (n < 0)
		return fail(in, (int)n, strerror((int)-n));
	in->end += (size_t)n;
	in->text += (uint64_t)n;
	return n;
}

static int too_long(struct tshm__csv_in *in)
{
	char why[96];

	snprintf(why, sizeof(why), "line longer than %u bytes", TSHM__LINE_MAX);
	return fail(in, -E2BIG, why);
}

/* Make room and read more; sets eof at the end. Returns 0 or <0. */
static int refill(struct tshm__csv_in *in)
{
	size_t avail = in->end - in->start;
	ssize_t n;

	if (avail > TSHM__LINE_MAX)
		return too_long(in);
	if (in->start > 0) {
		memmove(in->buf, in->buf + in->start, avail);
		in->start = 0;
		in->end = avail;
	}
	n = in->zd ? fill_zstd(in) : fill_plain(in);
	if (n < 0)
		return (int)n;
	if (n == 0)
		in->eof = true;
	return 0;
}

static int hand_out(struct tshm__csv_in *in, size_t len, size_t skip, const char **line,
		    size_t *out_len)
{
	const char *l = in->buf + in->start;

	if (len > TSHM__LINE_MAX) /* the limit holds whether or not the buffer had room */
		return too_long(in);
	in->start += len + skip;
	in->scanned = 0;
	if (len > 0 && l[len - 1] == '\r')
		len--;
	in->line++;
	*line = l;
	*out_len = len;
	return 1;
}

int tshm__csv_in_next(struct tshm__csv_in *in, const char **line, size_t *len)
{
	while (!in->done) {
		size_t avail = in->end - in->start;
		const char *p;
		int rc;

		if (in->bom_pending && (avail >= 3 || in->eof)) {
			if (avail >= 3 && memcmp(in->buf + in->start, "\xEF\xBB\xBF", 3) == 0)
				in->start += 3;
			in->bom_pending = false;
			continue;
		}
		if (!in->bom_pending) {
			p = memchr(in->buf + in->start + in->scanned, '\n', avail - in->scanned);
			if (p)
				return hand_out(in, (size_t)(p - (in->buf + in->start)), 1, line,
						len);
			in->scanned = avail;
			if (in->eof) {
				in->done = true;
				return avail ? hand_out(in, avail, 0, line, len) : 0;
			}
		}
		rc = refill(in);
		if (rc < 0)
			return rc;
	}
	return 0;
}

uint64_t tshm__csv_in_lineno(const struct tshm__csv_in *in)
{
	return in->line;
}

const char *tshm__csv_in_why(const struct tshm__csv_in *in)
{
	return in->why;
}

void tshm__csv_in_stats(const struct tshm__csv_in *in, uint64_t *text, uint64_t *source)
{
	*text = in->text;
	*source = in->source;
}

void tshm__csv_in_close(struct tshm__csv_in *in)
{
	if (!in)
		return;
	if (in->fd >= 0)
		close(in->fd);
	ZSTD_freeDCtx(in->zd);
	free(in->zbuf);
	free(in->buf);
	free(in);
}
