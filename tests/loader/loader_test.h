/* SPDX-License-Identifier: MIT */
/*
 * Loader test support: temporary bundle directories, a deterministic
 * synthetic bundle written through the transaction API, the values it
 * holds (to compare what a loader produced), and a reference loader.
 * Functions return 0 or a negative error and never fail the test
 * themselves, so they are safe in forked children.
 */
#ifndef TSHM_LOADER_TEST_H
#define TSHM_LOADER_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "tickshm/bundle.h"
#include "tickshm/tickshm.h"

/* ---- temporary directories ----------------------------------------------- */

/* The common cmocka fixture: a fresh temporary directory and the catalog. */
struct tshm_ltest_fx {
	char dir[64];
	char bundle[128]; /* <dir>/bundle, for a bundle the test creates */
	struct tshm_catalog *cat;
};

/* cmocka setup/teardown making and removing a struct tshm_ltest_fx. */
int tshm_ltest_fx_setup(void **state);
int tshm_ltest_fx_teardown(void **state);

/*
 * tshm_ltest_sql - run @sql on the bundle database of @dir (tests that
 * damage the index). The loader links SQLite privately, so this reaches it
 * through dlopen. Returns 0, or -1 with SQLite's message on stderr.
 */
int tshm_ltest_sql(const char *dir, const char *sql);

/*
 * tshm_ltest_zstd - one zstd frame (level 1, content size set) of the @n
 * bytes at @src into @dst of @cap bytes, through dlopen of libzstd (frames
 * of codecs the bundle writer no longer produces). Returns its size or -1.
 */
long tshm_ltest_zstd(const void *src, size_t n, void *dst, size_t cap);

/*
 * tshm_ltest_flip_bit - flip bit @bit of byte @off of file @path.
 * Returns 0 or -errno.
 */
int tshm_ltest_flip_bit(const char *path, uint64_t off, unsigned bit);

/*
 * tshm_ltest_flip_chunk - flip bit @bit of byte @at (modulo the frame's
 * length) of chunk @which's frame in the bundle at @dir. Returns 0,
 * -ERANGE for no such chunk, or an error of the bundle API / -errno.
 */
int tshm_ltest_flip_chunk(const char *dir, size_t which, uint64_t at, unsigned bit);

/* tshm_ltest_count_data_files - the data files (*.tzd) of the bundle at @dir. */
int tshm_ltest_count_data_files(const char *dir);

/* ---- the synthetic bundle --------------------------------------------------- */

/*
 * What tshm_ltest_make_bundle writes: assets 0..nassets-1 with sids
 * 100 + 10 * i, symbols "SYM<i>" (asset 0 also "OLD0" before the first
 * day), one session per day, days from 2024-01-02 (TSHM_LTEST_DAY0), and
 * every asset every day: trades_per_day trades, trades_per_day / 2 + 1
 * quotes, trades_per_day / 10 + 1 one-minute bars and one daily bar;
 * a 2:1 split of asset 0 on day 1 and a cash dividend of asset 1 on day 0
 * (when those exist). Values depend on @seed.
 */
struct tshm_ltest_spec {
	uint32_t nassets;
	uint32_t ndays;
	uint32_t trades_per_day;
	uint64_t seed;
};

#define TSHM_LTEST_DAY0 19724 /* 2024-01-02, days since epoch */

/* Sid of asset @a. */
int64_t tshm_ltest_sid(uint32_t a);

/* The asset row of asset @a. */
void tshm_ltest_asset(const struct tshm_ltest_spec *s, uint32_t a, struct tshm_asset *out);

/* Rows of per-asset chunked @table (trades .. bars_1d) for asset @a on day index @k. */
uint64_t tshm_ltest_rows(const struct tshm_ltest_spec *s, unsigned table, uint32_t a, uint32_t k);

/*
 * tshm_ltest_fill_day - the values of that day: @cols[c] receives
 * tshm_ltest_rows() elements of column c (int64_t or int32_t per schema).
 */
void tshm_ltest_fill_day(const struct tshm_ltest_spec *s, unsigned table, uint32_t a, uint32_t k,
			 void *const *cols);

/*
 * tshm_ltest_put_bundle - write @s into @dir (created if needed) as bundle
 * @name in one transaction. Returns 0 or the bundle API's error.
 */
int tshm_ltest_put_bundle(const char *dir, const char *name, const struct tshm_ltest_spec *s);

/* tshm_ltest_put_bundle with the spec's fields as arguments. */
int tshm_ltest_make_bundle(const char *dir, const char *name, uint32_t nassets, uint32_t ndays,
			   uint32_t trades_per_day, uint64_t seed);

/*
 * tshm_ltest_check_view - compare a loaded segment with @s: every asset,
 * symbol, session, adjustment and every per-asset value. Returns 0, or -1
 * with the first difference described in @why.
 */
int tshm_ltest_check_view(const struct tshm_view *v, const struct tshm_ltest_spec *s, char *why,
			  size_t len);

/* ---- a reference loader ------------------------------------------------------ */

/*
 * tshm_ltest_load_ref - the simplest correct loader: open @dir, create a
 * writer from tshm_bundle_layout(), tshm_bundle_fill_meta(), decode every
 * chunk with pread into its rows, tshm_writer_commit() (which hashes the
 * data itself) and publish as @bundle in @cat. On success *@hash_ok is 1
 * if the committed hash equals the bundle's derived one.
 * Returns 0 or a negative error.
 */
int tshm_ltest_load_ref(struct tshm_catalog *cat, const char *dir, const char *bundle,
			int *hash_ok);

#endif
