/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the chunk decoder (loader/BUNDLE.md 4).
 *
 * Input: a 16-byte descriptor header, then the frame bytes.
 *   byte 0      codec: 1 to 4 from bits 0-1, or the raw byte if bit 7 is set
 *   byte 1      width: 4 or 8 from bit 0, or the raw byte if bit 7 is set
 *   bytes 2-5   nrows (u32 LE; rows beyond 1 MiB of raw bytes are cut)
 *   bytes 6-13  checksum (u64 LE)
 *   byte 14     bit 0: rlen off by one; bit 1: clen in the descriptor off
 *               by one; bit 2: destination misaligned by 4 bytes
 *   byte 15     unused
 * The frame is copied into a buffer of its exact size and the destination
 * is exactly rlen bytes, so AddressSanitizer catches any access outside
 * either. tshm_chunk_decode must return 0, -EINVAL, -ENOMEM or
 * -TSHM_ECORRUPT, and
 * 0 only if the decoded bytes hash to the checksum.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "tickshm/bundle.h"

#define HDR 16
#define MAX_RAW (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tshm_chunk_decoder *dec;

static void descriptor(const uint8_t *h, size_t clen, struct tshm_chunk *c)
{
	uint32_t nrows;

	memset(c, 0, sizeof(*c));
	c->codec = h[0] & 0x80 ? h[0] : 1u + (h[0] & 3);
	c->width = h[1] & 0x80 ? h[1] : (h[1] & 1 ? 8u : 4u);
	memcpy(&nrows, h + 2, 4);
	c->nrows = nrows;
	if (c->width && c->nrows * c->width > MAX_RAW)
		c->nrows = MAX_RAW / c->width;
	c->rlen = c->nrows * c->width + (h[14] & 1);
	memcpy(&c->checksum, h + 6, 8);
	c->clen = clen + ((h[14] >> 1) & 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tshm_chunk c;
	uint8_t *src, *dst;
	size_t clen, skew;
	int rc;

	if (size < HDR || (!dec && tshm_chunk_decoder_new(&dec) < 0))
		return 0;
	clen = size - HDR;
	descriptor(data, clen, &c);
	skew = data[14] & 4 ? 4 : 0;
	src = malloc(clen ? clen : 1);
	if (!src || posix_memalign((void **)&dst, 64, c.rlen + skew ? c.rlen + skew : 1) != 0) {
		free(src);
		return 0;
	}
	memcpy(src, data + HDR, clen);
	rc = tshm_chunk_decode(dec, &c, src, clen, dst + skew);
	if (rc != 0 && rc != -EINVAL && rc != -ENOMEM && rc != -TSHM_ECORRUPT) {
		fprintf(stderr, "fuzz_chunk: unexpected result %d\n", rc);
		abort();
	}
	if (rc == 0 && XXH3_64bits(dst + skew, c.rlen) != c.checksum) {
		fprintf(stderr, "fuzz_chunk: success with a wrong checksum\n");
		abort();
	}
	free(src);
	free(dst);
	return 0;
}
