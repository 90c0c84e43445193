/* SPDX-License-Identifier: MIT */
/*
 * tshm_load_run: a bundle into a new published generation. The order
 * matters for crash safety and for failing early: everything that can be
 * checked without a segment (bundle, hash, data file sizes) is checked
 * before the segment is created; once it exists, every failure path ends
 * in tshm_writer_destroy(), which unlinks a segment that was never
 * published. Publishing is the last step, so a killed load leaves the
 * previous generation current (and at most a segment gc removes).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle_internal.h"
#include "load_internal.h"
#include "tickshm/layout.h"
#include "tickshm/segment.h"

#define MAX_THREADS 1024u
#define MAX_DEPTH 4096u

struct load_run {
	struct tshm__load_ctx ctx;
	struct tshm_catalog *cat;
	const char *dir;
	struct tshm_load_opts o;
	struct tshm_load_result *res;
	struct tshm_bundle *b;
	struct tshm_bundle_info info;
	struct tshm_layout_spec spec;
	struct tshm_writer *w;
	int64_t t0, mark;
};

/* Seconds since the previous lap (the phase times of the result). */
static double lap(struct load_run *r)
{
	int64_t now = tshm__bundle_mono_ns();
	double s = (double)(now - r->mark) / 1e9;

	r->mark = now;
	return s;
}

int tshm__load_fail(struct tshm__load_ctx *ctx, int rc, const char *fmt, ...)
{
	int expected = 0;
	va_list ap;

	if (!atomic_compare_exchange_strong_explicit(&ctx->err, &expected, rc, memory_order_acq_rel,
						     memory_order_acquire))
		return rc;
	va_start(ap, fmt);
	vsnprintf(ctx->error_msg, sizeof(ctx->error_msg), fmt, ap);
	va_end(ap);
	return rc;
}

static int check_opts(const struct tshm_load_opts *opts, struct tshm_load_opts *o)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	memset(o, 0, sizeof(*o));
	if (opts)
		*o = *opts;
	if (o->flags & ~TSHM_LOAD_FORCE || o->nthreads > MAX_THREADS ||
	    o->queue_depth > MAX_DEPTH ||
	    (o->direct != TSHM_LOAD_DIRECT_AUTO && o->direct != TSHM_LOAD_DIRECT_ON &&
	     o->direct != TSHM_LOAD_DIRECT_OFF))
		return -EINVAL;
	if (!o->nthreads)
		o->nthreads = cpus > 0 ? (unsigned)(cpus < MAX_THREADS ? cpus : MAX_THREADS) : 1;
	if (!o->queue_depth)
		o->queue_depth = TSHM__LOAD_DEFAULT_DEPTH;
	return 0;
}

/* Bundle open, name, and the up-to-date check. 1: up to date, 0: load, < 0: error. */
static int open_bundle(struct load_run *r)
{
	struct tshm_load_result *res = r->res;
	struct tshm_descriptor d;
	const char *name;
	int rc = tshm_bundle_open(&r->b, r->dir, 0);

	if (rc < 0)
		return tshm__load_fail(&r->ctx, rc, "bundle %s: %s", r->dir, tshm_strerror(rc));
	tshm_bundle_info(r->b, &r->info);
	name = r->o.name ? r->o.name : r->info.name;
	if (tshm_name_check(name, TSHM_BUNDLE_MAX) < 0)
		return tshm__load_fail(&r->ctx, -TSHM_ENAME,
				       "'%s' is not a valid bundle name (1-%u of A-Z a-z 0-9 _ -)",
				       name, TSHM_BUNDLE_MAX - 1);
	snprintf(res->bundle, sizeof(res->bundle), "%s", name);
	res->hash_lo = r->info.hash_lo;
	res->hash_hi = r->info.hash_hi;
	res->raw_bytes = r->info.raw_bytes;
	res->compressed_bytes = r->info.compressed_bytes;
	rc = tshm_catalog_lookup(r->cat, name, &d);
	if (rc < 0 && rc != -ENOENT)
		return tshm__load_fail(&r->ctx, rc, "catalog lookup of %s: %s", name,
				       tshm_strerror(rc));
	if (rc == 0 && !(r->o.flags & TSHM_LOAD_FORCE) && d.hash_lo == r->info.hash_lo &&
	    d.hash_hi == r->info.hash_hi && d.schema_version == TSHM_SCHEMA_VERSION) {
		res->generation = d.generation;
		res->segment_bytes = d.size;
		snprintf(res->segment, sizeof(res->segment), "%s", d.segment);
		return 1;
	}
	return 0;
}

/*
 * Where each chunk decodes to, as an offset in the segment for pwrite():
 * column offset + first row x width, checked against the table so that no
 * index, however wrong, can make a decoder write outside its column.
 * Decoding into a cache-hot buffer and pwrite()ing it beat decoding into
 * the mapping in paired perf/load runs, with the segment allocated up
 * front or by a share per thread: tmpfs allocates the pages pwrite fills
 * whole without zero-filling or mapping them first, on every thread.
 */
static int set_destinations(struct load_run *r)
{
	struct tshm__load_ctx *ctx = &r->ctx;
	char name[160];

	ctx->dst_off = malloc((ctx->nchunks ? ctx->nchunks : 1) * sizeof(*ctx->dst_off));
	if (!ctx->dst_off)
		return tshm__load_fail(ctx, -ENOMEM, "out of memory");
	ctx->seg_fd = tshm_writer_fd(r->w);
	for (size_t i = 0; i < ctx->nchunks; i++) {
		const struct tshm_chunk *c = &ctx->chunks[i];
		/* open checked table, column and width against the schema */
		uint32_t width = tshm_schema_table(c->table)->cols[c->col].width;
		uint64_t row = tshm_bundle_chunk_row(r->b, i), nrows;
		int64_t base = tshm_writer_column_offset(r->w, c->table, c->col);

		nrows = base >= 0 ? r->spec.tables[c->table].nrows : 0;
		if (base < 0 || c->width != width || c->nrows > nrows || row > nrows - c->nrows ||
		    c->rlen != c->nrows * width) {
			tshm__chunk_name(name, sizeof(name), c);
			return tshm__load_fail(ctx, -TSHM_ECORRUPT,
					       "%s: the chunk index does not fit the table "
					       "(row %" PRIu64 ", %" PRIu64 " rows of %" PRIu32
					       " bytes)",
					       name, row, c->nrows, c->width);
		}
		ctx->dst_off[i] = (uint64_t)base + row * width;
		ctx->max_rlen = c->rlen > ctx->max_rlen ? c->rlen : ctx->max_rlen;
	}
	return 0;
}

/*
 * The segment is created with only its header allocated: pwrite allocates
 * what it writes, and whatever is left (the metadata tables, indices, gaps
 * between chunks) is allocated once the chunks are in
 * (tshm_writer_alloc_rest).
 */
static int create_segment(struct load_run *r)
{
	struct tshm_writer_opts wo = {
	    .mode = r->o.mode, .flags = TSHM_WRITER_DEFER_ALLOC, .max_segment = r->o.max_segment};
	struct tshm__load_ctx *ctx = &r->ctx;
	char size[32] = "?";
	int rc = tshm_bundle_layout(r->b, &r->spec);

	if (rc == 0)
		rc = tshm_layout_size(&r->spec, &r->res->segment_bytes);
	if (rc == 0)
		snprintf(size, sizeof(size), "%" PRIu64 " bytes", r->res->segment_bytes);
	if (rc == 0)
		rc = tshm_writer_create(&r->w, r->cat, r->res->bundle, &r->spec, &wo);
	if (rc < 0)
		return tshm__load_fail(
		    ctx, rc, "creating the segment of %s (%s): %s", r->res->bundle, size,
		    rc == -ENOSPC && r->o.max_segment && r->res->segment_bytes > r->o.max_segment
			? "larger than the allowed maximum"
			: tshm_strerror(rc));
	r->res->generation = tshm_writer_generation(r->w);
	snprintf(r->res->segment, sizeof(r->res->segment), "%s", tshm_writer_segment_name(r->w));
	return set_destinations(r);
}

static int commit_publish(struct load_run *r)
{
	int bad = -1, rc;

	tshm__bundle_crash_point("load_before_commit");
	rc = tshm_writer_commit_hashed(r->w, r->info.hash_lo, r->info.hash_hi, &bad);
	if (rc < 0)
		return tshm__load_fail(&r->ctx, rc, "commit: %s%s%s", tshm_strerror(rc),
				       bad >= 0 && bad < TSHM_TABLE_COUNT ? " in table " : "",
				       bad >= 0 && bad < TSHM_TABLE_COUNT
					   ? tshm_schema_table((unsigned)bad)->name
					   : "");
	r->res->t_commit = lap(r);
	rc = tshm_writer_publish(r->w);
	if (rc < 0)
		return tshm__load_fail(&r->ctx, rc, "publishing %s: %s", r->res->bundle,
				       rc == -ESTALE ? "another load published a newer generation"
						     : tshm_strerror(rc));
	r->res->t_publish = lap(r);
	return 0;
}

/* Everything after the bundle is open; the caller cleans up. */
static int load(struct load_run *r)
{
	struct tshm__load_ctx *ctx = &r->ctx;
	int rc;

	ctx->bundle = r->b;
	ctx->chunks = tshm_bundle_chunks(r->b, &ctx->nchunks);
	ctx->raw_bytes = r->info.raw_bytes;
	ctx->nthreads = r->o.nthreads;
	if (ctx->nthreads > ctx->nchunks)
		ctx->nthreads = ctx->nchunks ? (unsigned)ctx->nchunks : 1;
	ctx->depth = r->o.queue_depth;
	ctx->direct = r->o.direct;
	ctx->crash_mid = tshm__bundle_crash_wanted("load_mid_decode");
	ctx->progress = r->o.progress;
	ctx->progress_arg = r->o.progress_arg;
	r->res->nthreads = ctx->nthreads;
	rc = tshm__load_plan(ctx);
	if (rc < 0)
		return tshm__load_fail(ctx, rc, "planning the reads: %s", tshm_strerror(rc));
	r->res->direct_files = ctx->direct_files;
	rc = create_segment(r);
	r->res->t_create = lap(r);
	if (rc == 0)
		rc = tshm__load_read_all(ctx);
	if (rc == 0 && (rc = tshm_writer_alloc_rest(r->w)) < 0)
		tshm__load_fail(ctx, rc, "allocating the rest of the segment: %s",
				tshm_strerror(rc));
	if (rc == 0 && (rc = tshm_bundle_fill_meta(r->b, r->w)) < 0)
		tshm__load_fail(ctx, rc, "writing the metadata tables: %s", tshm_strerror(rc));
	r->res->t_decode = lap(r);
	if (rc < 0)
		return rc;
	r->res->chunks = ctx->nchunks;
	if (ctx->progress)
		ctx->progress(ctx->raw_bytes, ctx->raw_bytes, ctx->progress_arg);
	return commit_publish(r);
}

int tshm_load_run(struct tshm_catalog *cat, const char *bundle_dir,
		  const struct tshm_load_opts *opts, struct tshm_load_result *res)
{
	struct tshm_load_opts o;
	struct load_run *r;
	int rc;

	if (!res)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	if (!cat || !bundle_dir || check_opts(opts, &o) < 0) {
		snprintf(res->error, sizeof(res->error), "invalid arguments");
		return -EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(res->error, sizeof(res->error), "out of memory");
		return -ENOMEM;
	}
	r->ctx.seg_fd = -1;
	r->cat = cat;
	r->dir = bundle_dir;
	r->res = res;
	r->o = o;
	r->t0 = r->mark = tshm__bundle_mono_ns();
	rc = open_bundle(r);
	res->t_open = lap(r);
	if (rc == 0)
		rc = load(r);
	tshm_writer_destroy(r->w); /* unlinks the segment unless it was published */
	tshm__load_plan_free(&r->ctx);
	free(r->ctx.dst_off);
	tshm_bundle_close(r->b);
	res->seconds = (double)(tshm__bundle_mono_ns() - r->t0) / 1e9;
	if (rc == 1 || rc == 0) {
		res->status = rc == 1 ? TSHM_LOAD_UP_TO_DATE : TSHM_LOAD_LOADED;
		res->rate = rc == 0 && res->seconds > 0 ? (double)res->raw_bytes / res->seconds : 0;
		rc = 0;
	} else {
		res->generation = 0;
		res->segment[0] = '\0';
		snprintf(res->error, sizeof(res->error), "%s",
			 r->ctx.error_msg[0] ? r->ctx.error_msg : tshm_strerror(rc));
	}
	free(r);
	return rc;
}
