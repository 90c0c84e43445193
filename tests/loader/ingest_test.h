/* SPDX-License-Identifier: MIT */
/*
 * CSV ingest test support: fixture files (plain and zstd), the rows an
 * ingest reports through tshm_ingest_opts.on_row, and the values a bundle
 * holds for one (table, asset), decoded from its chunks. Functions return
 * 0 or a negative error and never fail the test themselves (safe in forked
 * children).
 */
#ifndef TSHM_INGEST_TEST_H
#define TSHM_INGEST_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "tickshm/bundle.h"
#include "tickshm/ingest.h"
#include "tickshm/tickshm.h"

/* tshm_itest_write - write @len bytes of @data to @dir/@name; the path into
 * @path (>= 512 bytes). Returns 0 or -errno. */
int tshm_itest_write(const char *dir, const char *name, const void *data, size_t len, char *path);

/* tshm_itest_write_str - tshm_itest_write of a NUL-terminated text. */
int tshm_itest_write_str(const char *dir, const char *name, const char *text, char *path);

/*
 * tshm_itest_write_zst - zstd-compress @data (level 3, through a dlopen()ed
 * libzstd: the loader links it privately) into @dir/@name. Returns 0,
 * -ENOSYS (no libzstd), or -errno.
 */
int tshm_itest_write_zst(const char *dir, const char *name, const void *data, size_t len,
			 char *path);

/* A row reported by an ingest, with a copy of its asset. */
struct tshm_itest_row {
	enum tshm_table table;
	uint32_t ncols;
	struct tshm_asset asset;
	int64_t col[TSHM_INGEST_ROW_COLS];
};

struct tshm_itest_rows {
	struct tshm_itest_row *v;
	size_t n, cap;
	int oom;
};

/* on_row callback appending to a struct tshm_itest_rows (@arg). */
void tshm_itest_collect(const struct tshm_ingest_row *row, void *arg);

void tshm_itest_rows_free(struct tshm_itest_rows *r);

/*
 * tshm_itest_ingest - run @preset on @nfiles @files into @dir (NULL: a dry
 * run) with the defaults and @flags, collecting rows into @rows (may be
 * NULL). @opts, if not NULL, is the starting point instead of the defaults
 * (its preset, files, bundle, flags, on_row are overridden).
 * Returns tshm_ingest_run()'s result; @res receives the totals.
 */
int tshm_itest_ingest(const char *preset, const char *dir, const char *const *files, size_t nfiles,
		      unsigned flags, const struct tshm_ingest_opts *opts,
		      struct tshm_itest_rows *rows, struct tshm_ingest_result *res);

/* The decoded rows of one (table, sid) of a bundle, every day in order. */
struct tshm_itest_cols {
	uint64_t n;
	uint32_t ncols;
	int64_t *col[TSHM_INGEST_ROW_COLS]; /* int32 columns widened */
	uint64_t days;			    /* chunk days seen */
};

/*
 * tshm_itest_read - decode every chunk of (@table, @sid) in the bundle at
 * @dir into @out (checking each checksum). Returns 0 (n may be 0), or the
 * bundle's error.
 */
int tshm_itest_read(const char *dir, unsigned table, int64_t sid, struct tshm_itest_cols *out);

void tshm_itest_cols_free(struct tshm_itest_cols *c);

/* What a bundle looks like from outside: its info (content hash, rows, chunks). */
int tshm_itest_info(const char *dir, struct tshm_bundle_info *out);

#endif
