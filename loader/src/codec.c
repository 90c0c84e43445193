/* SPDX-License-Identifier: MIT */
/*
 * Chunk codec (BUNDLE.md 4, "Chunk frames"): one zstd frame per chunk.
 * Writers use the shuffled codecs: int64 timestamp and price columns are
 * delta- and zigzag-coded, and every column is byte-shuffled in blocks of
 * TSHM__SHUF_BLOCK elements (byte k of every element together), which turns
 * the all-zero high bytes of small numbers into long runs that zstd both
 * compresses and decodes several times faster than interleaved bytes.
 * The plain codecs 1 and 2 are still decoded.
 *
 * Decoding is the loader's hot path and takes hostile input (fuzz_chunk):
 * every length is checked before zstd runs; the unshuffled codecs decode
 * straight into the destination, the shuffled ones into a per-decoder
 * scratch buffer that one pass per block un-shuffles, un-deltas and hashes
 * into the destination while the block is in cache.
 */
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>
#include <zstd_errors.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "bundle_internal.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "bundle frames are little-endian; big-endian hosts are not supported"
#endif

#define DEFAULT_LEVEL 1
/* Elements un-deltaed and hashed per block (codec 2): 32 KiB stays in L1/L2. */
#define DELTA_BLOCK 4096u

struct tshm__encoder {
	ZSTD_CCtx *cctx;
	uint8_t *scratch; /* transformed copy of the column */
	size_t cap;	  /* bytes */
};

struct tshm_chunk_decoder {
	ZSTD_DCtx *dctx;
	uint8_t *scratch; /* shuffled bytes of the frame being decoded */
	size_t cap;
};

int tshm__zstd_level(void)
{
	const char *s = getenv("TICKSHM_ZSTD_LEVEL");
	char *end;
	long v;

	if (!s || !*s)
		return DEFAULT_LEVEL;
	v = strtol(s, &end, 10);
	if (*end || v < ZSTD_minCLevel() || v > ZSTD_maxCLevel() || v == 0)
		return DEFAULT_LEVEL;
	return (int)v;
}

static int grow(uint8_t **p, size_t *cap, size_t need)
{
	uint8_t *q;

	if (need <= *cap)
		return 0;
	q = realloc(*p, need);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = need;
	return 0;
}

/* ---- transforms -------------------------------------------------------- */

static inline uint64_t zigzag(uint64_t d)
{
	return (d << 1) ^ (uint64_t)((int64_t)d >> 63);
}

static inline uint64_t unzigzag(uint64_t z)
{
	return (z >> 1) ^ (0 - (z & 1));
}

static inline uint64_t load_le(const uint8_t *p, unsigned w)
{
	uint64_t v = 0;

	memcpy(&v, p, w);
	return v;
}

/* Block of @n elements of @w bytes -> @w planes of @n bytes; @delta: the
 * elements are zigzag(x[i] - x[i-1]) with *@prev carrying x[-1]. */
static void shuffle_block(const uint8_t *in, uint8_t *out, size_t n, unsigned w, int delta,
			  uint64_t *prev)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v = load_le(in + i * w, w);

		if (delta) {
			uint64_t d = v - *prev;
			*prev = v;
			v = zigzag(d);
		}
		for (unsigned b = 0; b < w; b++)
			out[b * n + i] = (uint8_t)(v >> (8 * b));
	}
}

static void shuffle(const uint8_t *in, uint8_t *out, size_t rlen, unsigned w, int delta)
{
	size_t n = rlen / w;
	uint64_t prev = 0;

	for (size_t i = 0; i < n; i += TSHM__SHUF_BLOCK) {
		size_t m = n - i < TSHM__SHUF_BLOCK ? n - i : TSHM__SHUF_BLOCK;
		shuffle_block(in + i * w, out + i * w, m, w, delta, &prev);
	}
}

/* Planes -> int64 elements, un-deltaed when @acc is not NULL. SSE2 (every
 * x86-64) transposes 16 elements at a time: this is the loader's hottest loop
 * after zstd itself. */
static void unshuffle8(const uint8_t *in, uint64_t *out, size_t n, uint64_t *acc)
{
	size_t i = 0;

#ifdef __SSE2__
	for (; i + 16 <= n; i += 16) {
		__m128i p0 = _mm_loadu_si128((const void *)(in + i));
		__m128i p1 = _mm_loadu_si128((const void *)(in + n + i));
		__m128i p2 = _mm_loadu_si128((const void *)(in + 2 * n + i));
		__m128i p3 = _mm_loadu_si128((const void *)(in + 3 * n + i));
		__m128i p4 = _mm_loadu_si128((const void *)(in + 4 * n + i));
		__m128i p5 = _mm_loadu_si128((const void *)(in + 5 * n + i));
		__m128i p6 = _mm_loadu_si128((const void *)(in + 6 * n + i));
		__m128i p7 = _mm_loadu_si128((const void *)(in + 7 * n + i));
		__m128i a0 = _mm_unpacklo_epi8(p0, p1), a1 = _mm_unpackhi_epi8(p0, p1);
		__m128i a2 = _mm_unpacklo_epi8(p2, p3), a3 = _mm_unpackhi_epi8(p2, p3);
		__m128i a4 = _mm_unpacklo_epi8(p4, p5), a5 = _mm_unpackhi_epi8(p4, p5);
		__m128i a6 = _mm_unpacklo_epi8(p6, p7), a7 = _mm_unpackhi_epi8(p6, p7);
		__m128i b0 = _mm_unpacklo_epi16(a0, a2), b1 = _mm_unpackhi_epi16(a0, a2);
		__m128i b2 = _mm_unpacklo_epi16(a1, a3), b3 = _mm_unpackhi_epi16(a1, a3);
		__m128i b4 = _mm_unpacklo_epi16(a4, a6), b5 = _mm_unpackhi_epi16(a4, a6);
		__m128i b6 = _mm_unpacklo_epi16(a5, a7), b7 = _mm_unpackhi_epi16(a5, a7);
		__m128i *o = (__m128i *)(void *)(out + i);
		_mm_storeu_si128(o + 0, _mm_unpacklo_epi32(b0, b4));
		_mm_storeu_si128(o + 1, _mm_unpackhi_epi32(b0, b4));
		_mm_storeu_si128(o + 2, _mm_unpacklo_epi32(b1, b5));
		_mm_storeu_si128(o + 3, _mm_unpackhi_epi32(b1, b5));
		_mm_storeu_si128(o + 4, _mm_unpacklo_epi32(b2, b6));
		_mm_storeu_si128(o + 5, _mm_unpackhi_epi32(b2, b6));
		_mm_storeu_si128(o + 6, _mm_unpacklo_epi32(b3, b7));
		_mm_storeu_si128(o + 7, _mm_unpackhi_epi32(b3, b7));
	}
#endif
	for (; i < n; i++) {
		uint64_t v = 0;
		for (unsigned b = 0; b < 8; b++)
			v |= (uint64_t)in[b * n + i] << (8 * b);
		out[i] = v;
	}
	if (acc)
		for (i = 0; i < n; i++) {
			*acc += unzigzag(out[i]);
			out[i] = *acc;
		}
}

static void unshuffle4(const uint8_t *in, uint32_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (uint32_t)in[i] | (uint32_t)in[n + i] << 8 |
			 (uint32_t)in[2 * n + i] << 16 | (uint32_t)in[3 * n + i] << 24;
}

/* Generic widths (none in schema 1, kept exact for any width). */
static void unshuffle_any(const uint8_t *in, uint8_t *out, size_t n, unsigned w)
{
	for (size_t i = 0; i < n; i++)
		for (unsigned b = 0; b < w; b++)
			out[i * w + b] = in[b * n + i];
}

/* Scratch planes -> dst, block by block, hashing each block while hot. */
static uint64_t unshuffle_hash(const uint8_t *in, uint8_t *dst, size_t rlen, unsigned w, int delta)
{
	size_t n = rlen / w;
	uint64_t acc = 0;
	XXH3_state_t st;

	XXH3_64bits_reset(&st);
	for (size_t i = 0; i < n; i += TSHM__SHUF_BLOCK) {
		size_t m = n - i < TSHM__SHUF_BLOCK ? n - i : TSHM__SHUF_BLOCK;
		const uint8_t *src = in + i * w;
		uint8_t *out = dst + i * w;

		if (w == 8)
			unshuffle8(src, (uint64_t *)(void *)out, m, delta ? &acc : NULL);
		else if (w == 4)
			unshuffle4(src, (uint32_t *)(void *)out, m);
		else
			unshuffle_any(src, out, m, w);
		if (n <= TSHM__SHUF_BLOCK)
			return XXH3_64bits(out, m * w);
		XXH3_64bits_update(&st, out, m * w);
	}
	return XXH3_64bits_digest(&st);
}

/* Codec 2: prefix sums in place, hashed block by block while the block is hot. */
static uint64_t undelta_hash(uint64_t *x, size_t n)
{
	XXH3_state_t st;
	uint64_t acc = 0;

	if (n <= DELTA_BLOCK) {
		for (size_t i = 0; i < n; i++) {
			acc += x[i];
			x[i] = acc;
		}
		return XXH3_64bits(x, n * 8);
	}
	XXH3_64bits_reset(&st);
	for (size_t b = 0; b < n; b += DELTA_BLOCK) {
		size_t e = n - b < DELTA_BLOCK ? n : b + DELTA_BLOCK;

		for (size_t i = b; i < e; i++) {
			acc += x[i];
			x[i] = acc;
		}
		XXH3_64bits_update(&st, x + b, (e - b) * 8);
	}
	return XXH3_64bits_digest(&st);
}

/* ---- encoding ---------------------------------------------------------- */

int tshm__encoder_new(struct tshm__encoder **out, int level)
{
	struct tshm__encoder *e = calloc(1, sizeof(*e));

	*out = NULL;
	if (!e)
		return -ENOMEM;
	e->cctx = ZSTD_createCCtx();
	if (!e->cctx ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(e->cctx, ZSTD_c_compressionLevel, level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(e->cctx, ZSTD_c_contentSizeFlag, 1))) {
		tshm__encoder_free(e);
		return -ENOMEM;
	}
	*out = e;
	return 0;
}

void tshm__encoder_free(struct tshm__encoder *e)
{
	if (!e)
		return;
	ZSTD_freeCCtx(e->cctx);
	free(e->scratch);
	free(e);
}

size_t tshm__encode_bound(size_t rlen)
{
	return ZSTD_compressBound(rlen);
}

/* The bytes zstd compresses for @codec: the column itself or a transform. */
static const void *transform(struct tshm__encoder *e, uint32_t codec, uint32_t width,
			     const void *src, size_t rlen, int *rc)
{
	*rc = 0;
	if (codec == TSHM_CODEC_ZSTD)
		return src;
	if ((codec == TSHM_CODEC_DELTA_ZSTD || codec == TSHM_CODEC_DELTA_SHUF_ZSTD) && width != 8) {
		*rc = -EINVAL;
		return NULL;
	}
	if (codec != TSHM_CODEC_DELTA_ZSTD && codec != TSHM_CODEC_SHUF_ZSTD &&
	    codec != TSHM_CODEC_DELTA_SHUF_ZSTD) {
		*rc = -EINVAL;
		return NULL;
	}
	*rc = grow(&e->scratch, &e->cap, rlen);
	if (*rc < 0)
		return NULL;
	if (codec == TSHM_CODEC_DELTA_ZSTD) {
		uint64_t prev = 0, v;
		for (size_t i = 0; i < rlen; i += 8) {
			memcpy(&v, (const uint8_t *)src + i, 8);
			v -= prev;
			prev += v;
			memcpy(e->scratch + i, &v, 8);
		}
	} else {
		shuffle(src, e->scratch, rlen, width, codec == TSHM_CODEC_DELTA_SHUF_ZSTD);
	}
	return e->scratch;
}

int tshm__chunk_encode(struct tshm__encoder *e, uint32_t codec, uint32_t width, const void *src,
		       size_t rlen, void *dst, size_t cap, size_t *clen, uint64_t *checksum)
{
	const void *in;
	size_t r;
	int rc;

	if (rlen == 0 || width == 0 || rlen % width || cap < tshm__encode_bound(rlen))
		return -EINVAL;
	in = transform(e, codec, width, src, rlen, &rc);
	if (!in)
		return rc;
	*checksum = XXH3_64bits(src, rlen);
	r = ZSTD_compress2(e->cctx, dst, cap, in, rlen);
	if (ZSTD_isError(r))
		return ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation ? -ENOMEM : -EINVAL;
	*clen = r;
	return 0;
}

/* ---- decoding ---------------------------------------------------------- */

int tshm_chunk_decoder_new(struct tshm_chunk_decoder **out)
{
	struct tshm_chunk_decoder *d = calloc(1, sizeof(*d));

	*out = NULL;
	if (!d)
		return -ENOMEM;
	d->dctx = ZSTD_createDCtx();
	if (!d->dctx) {
		free(d);
		return -ENOMEM;
	}
	*out = d;
	return 0;
}

void tshm_chunk_decoder_free(struct tshm_chunk_decoder *d)
{
	if (!d)
		return;
	ZSTD_freeDCtx(d->dctx);
	free(d->scratch);
	free(d);
}

static bool shuffled(uint32_t codec)
{
	return codec == TSHM_CODEC_SHUF_ZSTD || codec == TSHM_CODEC_DELTA_SHUF_ZSTD;
}

/* The descriptor alone: codec known, lengths consistent, dst usable. */
static int check_desc(const struct tshm_chunk *c, size_t clen, const void *dst)
{
	bool delta = c->codec == TSHM_CODEC_DELTA_ZSTD || c->codec == TSHM_CODEC_DELTA_SHUF_ZSTD;
	uint64_t rlen;

	if (c->codec < TSHM_CODEC_ZSTD || c->codec > TSHM_CODEC_DELTA_SHUF_ZSTD)
		return -EINVAL;
	if (c->width == 0 || c->nrows == 0 || __builtin_mul_overflow(c->nrows, c->width, &rlen) ||
	    rlen != c->rlen || rlen > SIZE_MAX || c->clen != clen || clen == 0)
		return -EINVAL;
	if (delta && c->width != 8)
		return -EINVAL;
	if ((c->width == 8 || c->width == 4) && ((uintptr_t)dst & (c->width - 1)) &&
	    c->codec != TSHM_CODEC_ZSTD)
		return -EINVAL;
	return 0;
}

int tshm__chunk_decode_why(struct tshm_chunk_decoder *d, const struct tshm_chunk *c,
			   const void *src, size_t clen, void *dst, const char **why)
{
	const char *dummy;
	uint8_t *out = dst;
	size_t rlen, n;
	uint64_t h;
	int rc;

	why = why ? why : &dummy;
	*why = "invalid chunk descriptor";
	if (!d || !c || !src || !dst)
		return -EINVAL;
	rc = check_desc(c, clen, dst);
	if (rc < 0)
		return rc;
	rlen = (size_t)c->rlen;
	/* Exactly one frame, declaring exactly rlen bytes: zstd can then
	 * neither write past its output nor leave part of it unwritten. */
	*why = "frame header does not match the index";
	if (ZSTD_getFrameContentSize(src, clen) != (unsigned long long)rlen ||
	    ZSTD_findFrameCompressedSize(src, clen) != clen)
		return -TSHM_ECORRUPT;
	if (shuffled(c->codec)) {
		*why = "out of memory";
		if (grow(&d->scratch, &d->cap, rlen) < 0)
			return -ENOMEM;
		out = d->scratch;
	}
	*why = "zstd error";
	n = ZSTD_decompressDCtx(d->dctx, out, rlen, src, clen);
	if (ZSTD_isError(n) || n != rlen)
		return -TSHM_ECORRUPT;
	if (shuffled(c->codec))
		h = unshuffle_hash(out, dst, rlen, c->width,
				   c->codec == TSHM_CODEC_DELTA_SHUF_ZSTD);
	else if (c->codec == TSHM_CODEC_DELTA_ZSTD)
		h = undelta_hash(dst, rlen / 8);
	else
		h = XXH3_64bits(dst, rlen);
	*why = "checksum mismatch";
	return h == c->checksum ? 0 : -TSHM_ECORRUPT;
}

int tshm_chunk_decode(struct tshm_chunk_decoder *d, const struct tshm_chunk *c, const void *src,
		      size_t clen, void *dst)
{
	return tshm__chunk_decode_why(d, c, src, clen, dst, NULL);
}
