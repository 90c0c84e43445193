/* SPDX-License-Identifier: MIT */
/*
 * Streaming mode (PIPELINE.md, "Streaming"): the producer reads the
 * compressed trades chunks of each requested (asset, day) from the
 * bundle's data files, decodes them (tshm_chunk_decode) into one buffer of
 * a fixed pool in a memfd the workers map, behind the warm-up rows the
 * day's slices need from earlier days, and hands the buffer to the
 * dispatcher as a unit. A buffer counts one reference per task cut from
 * it (plus one while it is being cut) and returns to the free list when
 * the last is released, so at most nbufs buffers of data exist at once,
 * whatever the size of the bundle.
 *
 * The columns of each (asset, day) are read together through io_uring
 * (stream_read.c), then decoded one after the other.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pipe_internal.h"
#include "stream_read.h"
#include "tickshm/bundle.h"

enum { C_TS, C_PRICE, C_SIZE, C_FLAGS, NCOLS };
static const unsigned col_of[NCOLS] = {TSHM_TRADES_TS, TSHM_TRADES_PRICE, TSHM_TRADES_SIZE,
				       TSHM_TRADES_FLAGS};
static const unsigned width_of[NCOLS] = {8, 8, 8, 4};

/* One (asset, day) of trades in the bundle. */
struct cday {
	int32_t day;
	uint32_t ai;
	uint64_t nrows;
	uint64_t before; /* rows of the asset on earlier days */
	size_t chunk[NCOLS];
};

/* Rows of the four columns, in caller memory. */
struct rows {
	int64_t *ts, *price, *size;
	int32_t *flags;
};

struct tshm__stream {
	struct tshm_bundle *b;
	const struct tshm_chunk *ch;
	size_t nch;
	struct cday *cd;
	uint32_t ncd, cdcap;
	uint32_t *cd_first; /* per run asset: its chunk-days [cd_first[i], cd_first[i+1]) */

	int memfd;
	void *base;
	uint64_t bytes, stride, cap_rows;
	uint32_t nbufs, nfree, in_use, max_in_use;
	uint32_t *freel;
	uint32_t fill_u; /* next unit to fill */

	struct tshm_chunk_decoder *dec;
	struct tshm__sread rd; /* compressed bytes of one chunk-day */
	int *fds;	       /* per data file id, -1 until opened */
	uint32_t nfds;

	/* the last <= max_warmup rows of one asset up to chunk-day tail_cd */
	struct rows tail;
	uint64_t tail_n;
	uint32_t tail_cd; /* UINT32_MAX: none */
	uint64_t read_bytes;
};

/* ---- reading and decoding one chunk --------------------------------------------- */

static int file_fd(struct tshm__stream *s, uint32_t id)
{
	char path[4096];
	int rc;

	if (id >= s->nfds) {
		uint32_t n = id + 8;
		int *f = realloc(s->fds, n * sizeof(int));

		if (!f)
			return -ENOMEM;
		for (uint32_t k = s->nfds; k < n; k++)
			f[k] = -1;
		s->fds = f;
		s->nfds = n;
	}
	if (s->fds[id] >= 0)
		return s->fds[id];
	if ((rc = tshm_bundle_file_path(s->b, id, path, sizeof(path))) < 0)
		return rc;
	if ((s->fds[id] = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	return s->fds[id];
}

/* Decode chunk @i, read into @src, into @dst (its rlen bytes; a column
 * pointer plus a row offset, so aligned to the column's width as the
 * decoder wants). */
static int decode(struct tshm__stream *s, size_t i, const void *src, void *dst)
{
	const struct tshm_chunk *c = &s->ch[i];

	return tshm_chunk_decode(s->dec, c, src, c->clen, dst);
}

/* Read chunk-day @k's columns in one batch, then decode them into @dst at row @at. */
static int decode_day(struct tshm__stream *s, uint32_t k, const struct rows *dst, uint64_t at)
{
	const struct cday *d = &s->cd[k];
	void *to[NCOLS] = {dst->ts + at, dst->price + at, dst->size + at, dst->flags + at};
	struct tshm__sread_req rq[NCOLS];
	int rc = 0;

	_Static_assert(NCOLS <= TSHM__SREAD_MAX, "one batch per chunk-day");
	for (unsigned c = 0; c < NCOLS; c++) {
		const struct tshm_chunk *ch = &s->ch[d->chunk[c]];
		int fd = file_fd(s, ch->file_id);

		if (fd < 0)
			return fd;
		rq[c] = (struct tshm__sread_req){.fd = fd, .off = ch->offset, .len = ch->clen};
		s->read_bytes += ch->clen;
	}
	if ((rc = tshm__sread_run(&s->rd, rq, NCOLS)) < 0)
		return rc;
	for (unsigned c = 0; c < NCOLS && rc == 0; c++)
		rc = decode(s, d->chunk[c], s->rd.buf[c], to[c]);
	return rc;
}

/* ---- the chunk-day index ----------------------------------------------------------- */

static int cd_push(struct tshm__stream *s, const struct cday *d)
{
	if (s->ncd == s->cdcap) {
		uint32_t cap = s->cdcap ? s->cdcap * 2 : 256;
		struct cday *n = realloc(s->cd, (size_t)cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->cd = n;
		s->cdcap = cap;
	}
	s->cd[s->ncd++] = *d;
	return 0;
}

/* First chunk of (trades, @sid) in the sorted index. */
static size_t first_chunk(const struct tshm__stream *s, int64_t sid)
{
	size_t lo = 0, hi = s->nch;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct tshm_chunk *c = &s->ch[mid];

		if (c->table < TSHM_TABLE_TRADES || (c->table == TSHM_TABLE_TRADES && c->sid < sid))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The chunks of one (asset, day) starting at @i; returns the index after them. */
static int take_day(const struct tshm__stream *s, size_t *i, struct cday *d)
{
	const struct tshm_chunk *c0 = &s->ch[*i];
	unsigned have = 0;

	d->day = c0->day;
	d->nrows = c0->nrows;
	for (; *i < s->nch && s->ch[*i].table == c0->table && s->ch[*i].sid == c0->sid &&
	       s->ch[*i].day == c0->day;
	     (*i)++) {
		const struct tshm_chunk *c = &s->ch[*i];

		for (unsigned k = 0; k < NCOLS; k++)
			if (c->col == col_of[k]) {
				if (c->width != width_of[k] || c->nrows != d->nrows)
					return -TSHM_ECORRUPT;
				d->chunk[k] = *i;
				have |= 1u << k;
			}
	}
	return have == (1u << NCOLS) - 1 ? 0 : -TSHM_ECORRUPT;
}

static int in_range(const struct tshm_run_spec *sp, const struct tshm_chunk *c)
{
	return (sp->to_ts == TSHM_RUN_ALL_TIME || c->min_ts < sp->to_ts) &&
	       (sp->from_ts == TSHM_RUN_ALL_TIME || c->max_ts >= sp->from_ts);
}

static int index_asset(struct tshm__run *r, struct tshm__stream *s, uint32_t ai, uint64_t *max_rows)
{
	int64_t sid = r->res->assets[ai].sid;
	size_t i = first_chunk(s, sid);
	uint64_t before = 0;
	int rc = 0;

	s->cd_first[ai] = s->ncd;
	while (rc == 0 && i < s->nch && s->ch[i].table == TSHM_TABLE_TRADES &&
	       s->ch[i].sid == sid) {
		struct cday d = {.ai = ai, .before = before};
		const struct tshm_chunk *c0 = &s->ch[i];

		if ((rc = take_day(s, &i, &d)) < 0 || (rc = cd_push(s, &d)) < 0)
			break;
		before += d.nrows;
		if (in_range(r->spec, c0)) {
			struct tshm__unit u = {.ai = ai,
					       .day = d.day,
					       .n = d.nrows,
					       .buf = UINT32_MAX,
					       .cd = s->ncd - 1};

			rc = tshm__unit_push(r, &u);
			if (d.nrows > *max_rows)
				*max_rows = d.nrows;
		}
	}
	return rc;
}

/* ---- the buffer pool ---------------------------------------------------------------- */

static int alloc_rows(struct rows *w, uint64_t n)
{
	size_t b8 = (size_t)(n ? n : 1) * 8;

	w->ts = malloc(b8);
	w->price = malloc(b8);
	w->size = malloc(b8);
	w->flags = malloc(b8 / 2);
	return w->ts && w->price && w->size && w->flags ? 0 : -ENOMEM;
}

static void free_rows(struct rows *w)
{
	free(w->ts);
	free(w->price);
	free(w->size);
	free(w->flags);
}

static int make_pool(struct tshm__run *r, struct tshm__stream *s, uint64_t max_rows)
{
	struct tshm__rundesc *rd = &r->p->ctl->run;

	s->nbufs = r->spec->stream_buffers ? r->spec->stream_buffers : 2 * r->p->nworkers + 2;
	s->cap_rows = max_rows + r->max_warmup;
	s->stride = tshm__buf_stride(s->cap_rows ? s->cap_rows : 1);
	s->bytes = s->stride * s->nbufs;
	if ((s->memfd = memfd_create("tickshm-stream", MFD_CLOEXEC)) < 0)
		return -errno;
	if (ftruncate(s->memfd, (off_t)s->bytes) < 0)
		return -errno;
	s->base = mmap(NULL, s->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, s->memfd, 0);
	if (s->base == MAP_FAILED) {
		s->base = NULL;
		return -errno;
	}
	/* A worker forked mid-run maps the pool read-only from the memfd, like
	 * the others; inheriting the parent's writable mapping would let it
	 * scribble on buffers and keep the pool alive after the run. */
	if (madvise(s->base, s->bytes, MADV_DONTFORK) < 0)
		return -errno;
	if (!(s->freel = malloc(s->nbufs * sizeof(uint32_t))))
		return -ENOMEM;
	for (uint32_t k = 0; k < s->nbufs; k++)
		s->freel[s->nfree++] = s->nbufs - 1 - k; /* buffer 0 first */
	rd->buf_stride = s->stride;
	rd->buf_rows = s->cap_rows;
	rd->pool_bytes = s->bytes;
	rd->nbufs = s->nbufs;
	return alloc_rows(&s->tail, r->max_warmup);
}

int tshm__stream_open(struct tshm__run *r)
{
	struct tshm__stream *s = calloc(1, sizeof(*s));
	struct tshm_bundle_info bi;
	uint64_t max_rows = 0;
	int rc;

	if (!s)
		return -ENOMEM;
	r->stream = s;
	s->memfd = -1;
	s->tail_cd = UINT32_MAX;
	if ((rc = tshm_bundle_open(&s->b, r->spec->bundle_dir, 0)) < 0) {
		snprintf(r->p->err, sizeof(r->p->err), "bundle directory %s: %s",
			 r->spec->bundle_dir, tshm_strerror(rc));
		return rc;
	}
	tshm_bundle_info(s->b, &bi);
	r->res->hash_lo = bi.hash_lo; /* what was read is the bundle on disk */
	r->res->hash_hi = bi.hash_hi;
	s->ch = tshm_bundle_chunks(s->b, &s->nch);
	if (!(s->cd_first = calloc((size_t)r->nassets + 1, sizeof(uint32_t))))
		return -ENOMEM;
	for (uint32_t ai = 0; ai < r->nassets; ai++) {
		r->ufirst[ai] = r->nunits;
		if ((rc = index_asset(r, s, ai, &max_rows)) < 0)
			return rc;
	}
	r->ufirst[r->nassets] = r->nunits;
	s->cd_first[r->nassets] = s->ncd;
	tshm__sread_init(&s->rd);
	if ((rc = tshm_chunk_decoder_new(&s->dec)) < 0 || (rc = make_pool(r, s, max_rows)) < 0)
		return rc;
	r->res->stream_buffers = s->nbufs;
	r->res->stream_buffer_bytes = s->bytes;
	return 0;
}

/* ---- filling -------------------------------------------------------------------------- */

static void buf_rows(const struct tshm__stream *s, uint32_t b, struct rows *out,
		     struct tshm__bufhdr **hdr)
{
	struct tshm__bufcols c;

	tshm__buf_cols(s->base, s->stride, s->cap_rows, b, &c);
	*out = (struct rows){c.ts, c.price, c.size, c.flags};
	*hdr = c.hdr;
}

static void copy_rows(const struct rows *dst, uint64_t at, const struct rows *src, uint64_t from,
		      uint64_t n)
{
	memcpy(dst->ts + at, src->ts + from, n * 8);
	memcpy(dst->price + at, src->price + from, n * 8);
	memcpy(dst->size + at, src->size + from, n * 8);
	memcpy(dst->flags + at, src->flags + from, n * 4);
}

/* Rebuild the tail of chunk-day @k's asset up to chunk-day @k - 1 from the files. */
static int rebuild_tail(struct tshm__run *r, struct tshm__stream *s, uint32_t k)
{
	uint32_t first = s->cd_first[s->cd[k].ai], j = k;
	uint64_t have = 0, at = 0;
	struct rows tmp;
	int rc;

	while (j > first && have < r->max_warmup)
		have += s->cd[--j].nrows;
	if ((rc = alloc_rows(&tmp, have)) < 0) {
		free_rows(&tmp);
		return rc;
	}
	for (uint32_t d = j; d < k && rc == 0; d++) {
		rc = decode_day(s, d, &tmp, at);
		at += s->cd[d].nrows;
	}
	s->tail_n = have < r->max_warmup ? have : r->max_warmup;
	if (rc == 0)
		copy_rows(&s->tail, 0, &tmp, have - s->tail_n, s->tail_n);
	free_rows(&tmp);
	s->tail_cd = k - 1;
	return rc;
}

/* The in-range rows of a filled buffer become the unit's rows. */
static void set_range(struct tshm__run *r, struct tshm__unit *u, const struct rows *b,
		      uint64_t warm, uint64_t nrows, uint64_t before_day)
{
	const struct tshm_run_spec *sp = r->spec;
	uint64_t lo = warm, hi = warm + nrows;

	if (sp->from_ts != TSHM_RUN_ALL_TIME)
		lo = tshm__lower_bound(b->ts, lo, hi, sp->from_ts);
	if (sp->to_ts != TSHM_RUN_ALL_TIME)
		hi = tshm__lower_bound(b->ts, lo, hi, sp->to_ts);
	u->first = lo;
	u->n = hi - lo;
	u->before = before_day + (lo - warm);
	r->rows += u->n;
}

static int fill_one(struct tshm__run *r, struct tshm__stream *s, struct tshm__unit *u)
{
	const struct cday *d = &s->cd[u->cd];
	uint64_t w = d->before < r->max_warmup ? d->before : r->max_warmup, keep;
	uint32_t b = s->freel[--s->nfree];
	struct tshm__bufhdr *h;
	struct rows dst;
	int rc;

	buf_rows(s, b, &dst, &h);
	if (w && s->tail_cd != u->cd - 1 && (rc = rebuild_tail(r, s, u->cd)) < 0)
		return rc;
	if (w)
		copy_rows(&dst, 0, &s->tail, s->tail_n - w, w);
	if ((rc = decode_day(s, u->cd, &dst, w)) < 0)
		return rc;
	atomic_store_explicit(&h->refs, 0, memory_order_relaxed);
	h->asset = u->ai;
	h->day = d->day;
	h->rows = w + d->nrows;
	h->warm = w;
	keep = h->rows < r->max_warmup ? h->rows : r->max_warmup;
	copy_rows(&s->tail, 0, &dst, h->rows - keep, keep);
	s->tail_n = keep;
	s->tail_cd = u->cd;
	set_range(r, u, &dst, w, d->nrows, d->before);
	u->buf = b;
	if (++s->in_use > s->max_in_use)
		s->max_in_use = s->in_use;
	return 0;
}

int tshm__stream_fill(struct tshm__run *r)
{
	struct tshm__stream *s = r->stream;
	int n = 0, rc;

	while (s->nfree && s->fill_u < r->nunits) {
		struct tshm__unit *u = &r->units[s->fill_u];

		if ((rc = fill_one(r, s, u)) < 0) {
			snprintf(
			    r->p->err, sizeof(r->p->err),
			    "stream: trades of sid %lld on UTC day %d (or the days before): %s",
			    (long long)r->res->assets[u->ai].sid, (int)u->day, tshm_strerror(rc));
			return rc;
		}
		s->fill_u++;
		n++;
	}
	return n;
}

void tshm__stream_ref(struct tshm__run *r, uint32_t buf)
{
	struct tshm__stream *s = r->stream;
	struct tshm__bufhdr *h;
	struct rows unused;

	buf_rows(s, buf, &unused, &h);
	atomic_fetch_add_explicit(&h->refs, 1, memory_order_relaxed);
}

void tshm__stream_unref(struct tshm__run *r, uint32_t buf)
{
	struct tshm__stream *s = r->stream;
	struct tshm__bufhdr *h;
	struct rows unused;

	if (buf >= s->nbufs)
		return;
	buf_rows(s, buf, &unused, &h);
	if (atomic_fetch_sub_explicit(&h->refs, 1, memory_order_relaxed) == 1) {
		s->freel[s->nfree++] = buf;
		s->in_use--;
	}
}

uint32_t tshm__stream_in_use(const struct tshm__run *r)
{
	return r->stream->in_use;
}

const int64_t *tshm__stream_ts(const struct tshm__run *r, uint32_t buf)
{
	struct tshm__bufhdr *h;
	struct rows b;

	buf_rows(r->stream, buf, &b, &h);
	return b.ts;
}

int tshm__stream_fd(const struct tshm__run *r)
{
	return r->stream->memfd;
}

void tshm__stream_close(struct tshm__run *r)
{
	struct tshm__stream *s = r->stream;

	if (!s)
		return;
	r->res->stream_buffers_max = s->max_in_use;
	r->res->stream_read_bytes = s->read_bytes;
	for (uint32_t k = 0; k < s->nfds; k++)
		if (s->fds[k] >= 0)
			close(s->fds[k]);
	free(s->fds);
	if (s->base)
		munmap(s->base, s->bytes);
	if (s->memfd >= 0)
		close(s->memfd);
	tshm_chunk_decoder_free(s->dec);
	tshm_bundle_close(s->b);
	free_rows(&s->tail);
	free(s->freel);
	tshm__sread_exit(&s->rd);
	free(s->cd);
	free(s->cd_first);
	free(s);
	r->stream = NULL;
}
