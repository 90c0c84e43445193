/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for attach validation.
 *
 * Input: one mode byte, then the segment bytes. If bit 0 of the mode byte is
 * set, meta_checksum is recomputed first (XXH3-64 of [0, data_offset) with
 * the field zeroed), so the fuzzer gets past the checksum to the structural
 * checks — a hostile segment rather than a damaged one. The bytes are copied
 * into a buffer of their exact size, aligned to TSHM_ALIGN like a mapping,
 * attached with tshm_view_open_mem and, on success, every accessor is
 * called over every table, column and asset (tshm_walk_view).
 * Any result outside the segment aborts; AddressSanitizer catches any read
 * outside it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tickshm/tickshm.h"
#include "tshm_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tshm_view *v = NULL;
	char why[256];
	uint8_t *buf;
	size_t n;

	if (size < 1)
		return 0;
	n = size - 1;
	/* Exactly n bytes (ASan sees any read past them), aligned like a mapping. */
	if (posix_memalign((void **)&buf, TSHM_ALIGN, n ? n : 1) != 0)
		return 0;
	memcpy(buf, data + 1, n);
	if (data[0] & 1)
		tshm_walk_fix_checksum(buf, n);
	if (tshm_view_open_mem(&v, buf, n, 0) == 0) {
		if (tshm_walk_view(v, buf, n, why, sizeof(why)) < 0) {
			fprintf(stderr, "fuzz_attach: contract violation: %s\n", why);
			abort();
		}
		tshm_view_unref(v);
	}
	free(buf);
	return 0;
}
