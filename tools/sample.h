/* SPDX-License-Identifier: MIT */
/* The deterministic synthetic bundle behind 'tickshm demo' (and later 'tickshm gen'). */
#ifndef TSHM_CLI_SAMPLE_H
#define TSHM_CLI_SAMPLE_H

#include <stdint.h>

#include "tickshm/tickshm.h"

#define CLI_SAMPLE_MAX_ASSETS 10000u
#define CLI_SAMPLE_MAX_DAYS 2000u

struct cli_sample_opts {
	const char *name; /* bundle name */
	uint32_t nassets; /* 1..CLI_SAMPLE_MAX_ASSETS */
	uint32_t ndays;	  /* trading days (weekdays from 2024-01-02), 1..CLI_SAMPLE_MAX_DAYS */
	uint64_t seed;	  /* same seed, same content hash */
};

struct cli_sample_result {
	uint64_t generation;
	uint64_t hash_lo, hash_hi;
	uint64_t rows[TSHM_TABLE_COUNT];
	int64_t generate_ns; /* building the data in private memory */
	int64_t write_ns;    /* create, copy, commit and publish */
	int bad_table;	     /* table commit rejected, or -1 */
};

/*
 * cli_sample_publish - generate the bundle described by @o and publish it
 * as a new generation in @cat (opened with TSHM_CATALOG_CREATE or RDWR).
 * The data: per asset a few thousand trades a day with bursty arrivals and
 * a random walk on the asset's tick grid, quotes around them, 1-minute and
 * daily bars aggregated from the trades, sessions, a 2-for-1 split and a
 * cash dividend (both reflected in the prices), and one symbol rename.
 * Returns 0 or a negative error of the writer API.
 */
int cli_sample_publish(struct tshm_catalog *cat, const struct cli_sample_opts *o,
		       struct cli_sample_result *res);

#endif
