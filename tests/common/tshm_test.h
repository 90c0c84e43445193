/* SPDX-License-Identifier: MIT */
/* Test support shared by every tickshm test program. */
#ifndef TSHM_TEST_H
#define TSHM_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cmocka.h>

#include "tickshm/tickshm.h"

/*
 * tshm_test_ns_init - give this process a namespace of its own,
 * "tst<pid>x<tag>", export it as TICKSHM_NAMESPACE, and register removal of
 * everything in it at exit (also on SIGABRT/SIGSEGV/SIGTERM/SIGINT).
 * Returns the namespace. Call first in main().
 */
const char *tshm_test_ns_init(const char *tag);

/*
 * tshm_test_mkdtemp - create a fresh directory /tmp/tshm-test-XXXXXX into
 * @buf (>= 32 bytes). It is removed at exit if still there, also when a
 * crash signal ends the test. Returns 0 or -errno.
 */
int tshm_test_mkdtemp(char *buf, size_t len);

/* tshm_test_rmtree - remove @path recursively (absent is fine). 0 or -errno. */
int tshm_test_rmtree(const char *path);

/* The namespace set by tshm_test_ns_init(). */
const char *tshm_test_ns(void);

/*
 * tshm_test_ns_clean - unlink every /dev/shm entry of the namespace now.
 * Returns how many were removed. Used by teardowns and at exit.
 */
int tshm_test_ns_clean(void);

/*
 * tshm_test_cli - the tickshm CLI ctest passes in TICKSHM_CLI. When it is
 * not set or not executable, fails the test if the CLI was built, and
 * skips it (with a message) in a build without tools.
 */
const char *tshm_test_cli(void);

/* cmocka setup/teardown: empty the namespace (tshm_test_ns_clean). */
int tshm_test_clean(void **state);

/* Count /dev/shm entries of the namespace (catalog included). */
int tshm_test_ns_count(void);

/* Parameters of a synthetic bundle. */
struct tshm_test_bundle {
	uint32_t nassets; /* sids are 100, 110, 120, ... */
	uint32_t ndays;	  /* consecutive days from 2024-01-02 */
	uint32_t trades_per_day;
	uint32_t quotes_per_day;
	uint64_t seed; /* changes prices (and so the content hash) */
};

/* First day used by the generator: 2024-01-02 00:00 UTC in ns. */
#define TSHM_TEST_T0 INT64_C(1704153600000000000)

/*
 * tshm_test_fill - fill a writer created from tshm_test_spec() with
 * deterministic data: every table non-empty, per-asset rows sorted, prices
 * a random walk. Returns 0 or the writer error.
 */
void tshm_test_spec(const struct tshm_test_bundle *b, struct tshm_layout_spec *spec);
int tshm_test_fill(struct tshm_writer *w, const struct tshm_test_bundle *b);

/*
 * tshm_test_publish - create, fill, commit and publish @bundle in @cat.
 * Returns the generation published (> 0) or a negative error.
 */
int64_t tshm_test_publish(struct tshm_catalog *cat, const char *bundle,
			  const struct tshm_test_bundle *b);

/* Expected trade value generators (match tshm_test_fill). */
int64_t tshm_test_trade_ts(const struct tshm_test_bundle *b, uint32_t asset, uint32_t day,
			   uint32_t i);

/* A small default bundle: 3 assets, 3 days, 50 trades and 20 quotes a day. */
extern const struct tshm_test_bundle tshm_test_small;

#endif
