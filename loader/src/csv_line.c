/* SPDX-License-Identifier: MIT */
/*
 * Fields of one CSV line. The common case (no quote character, ASCII) is a
 * single pass over the bytes, eight at a time, looking for the delimiter;
 * lines with a quote or a non-ASCII byte take the careful paths: RFC 4180
 * quoting (a field in double quotes may hold the delimiter, "" is a quote)
 * and a full UTF-8 check.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_internal.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Bytes of @x equal to the byte in every lane of @pat get their high bit set
 * (exact: no false positives, unlike the classic haszero trick's borrows). */
static inline uint64_t match_bytes(uint64_t x, uint64_t pat)
{
	uint64_t v = x ^ pat;

	return ~(((v & ~HIGHS) + ~HIGHS) | v) & HIGHS;
}

size_t tshm__utf8_invalid_at(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], need, min;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			need = 1, cp = c & 0x1F, min = 0x80;
		else if (c >= 0xE0 && c <= 0xEF)
			need = 2, cp = c & 0x0F, min = 0x800;
		else if (c >= 0xF0 && c <= 0xF4)
			need = 3, cp = c & 0x07, min = 0x10000;
		else
			return i;
		if (n - i <= need)
			return i;
		for (unsigned k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return i; /* overlong, beyond Unicode, or a surrogate */
		i += need + 1;
	}
	return n;
}

static int split_fail(struct tshm__split *s, int rc, const char *why)
{
	s->why = why;
	return rc;
}

/* One quoted field starting at line[*i] == '"': unescaped into the scratch at
 * *o. Leaves *i after the closing quote. */
static int quoted_field(struct tshm__split *s, const char *line, size_t len, size_t *i, size_t *o)
{
	size_t k = *i + 1;

	for (;;) {
		const char *q = memchr(line + k, '"', len - k);
		size_t seg;

		if (!q)
			return split_fail(s, -EINVAL, "unterminated quoted field");
		seg = (size_t)(q - (line + k));
		memcpy(s->scratch + *o, line + k, seg);
		*o += seg;
		k += seg + 1;
		if (k < len && line[k] == '"') {
			s->scratch[(*o)++] = '"';
			k++;
			continue;
		}
		*i = k;
		return 0;
	}
}

static int split_quoted(struct tshm__split *s, const char *line, size_t len, struct tshm__field *f,
			unsigned max)
{
	size_t i = 0, o = 0;
	unsigned n = 0;

	if (s->cap < len + 1) {
		char *p = realloc(s->scratch, len + 1);
		if (!p)
			return split_fail(s, -ENOMEM, "out of memory");
		s->scratch = p;
		s->cap = len + 1;
	}
	for (;;) {
		struct tshm__field fld;

		if (i < len && line[i] == '"') {
			size_t o0 = o;
			int rc = quoted_field(s, line, len, &i, &o);
			if (rc < 0)
				return rc;
			if (i < len && line[i] != s->delim)
				return split_fail(s, -EINVAL, "text after a closing quote");
			fld = (struct tshm__field){s->scratch + o0, o - o0};
		} else {
			const char *q = memchr(line + i, s->delim, len - i);
			size_t e = q ? (size_t)(q - line) : len;
			fld = (struct tshm__field){line + i, e - i};
			i = e;
		}
		if (n < max)
			f[n] = fld;
		n++;
		if (i >= len)
			return (int)n;
		i++; /* the delimiter */
	}
}

/* Record the field ending at delimiter position @at. */
#define FIELD_AT(at)                                                                               \
	do {                                                                                       \
		if (n < max)                                                                       \
			f[n] = (struct tshm__field){line + fstart, (at)-fstart};                   \
		n++;                                                                               \
		fstart = (at) + 1;                                                                 \
	} while (0)

/* The fast path: no quotes, ASCII only (checked on the way). 16 bytes at a
 * time with SSE2 where there is SSE2, then 8 at a time in a word, then bytes. */
int tshm__csv_split(struct tshm__split *s, const char *line, size_t len, struct tshm__field *f,
		    unsigned max)
{
	const uint64_t dpat = ONES * (unsigned char)s->delim, qpat = ONES * (unsigned char)'"';
	size_t i = 0, fstart = 0;
	uint64_t special = 0; /* a quote or a byte >= 0x80 was seen */
	unsigned n = 0;

#if defined(__SSE2__)
	const __m128i vd = _mm_set1_epi8(s->delim), vq = _mm_set1_epi8('"');

	for (; i + 16 <= len; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(line + i));
		unsigned d = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vd));

		special |= (unsigned)_mm_movemask_epi8(x) |
			   (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vq));
		for (; d; d &= d - 1)
			FIELD_AT(i + (size_t)__builtin_ctz(d));
	}
#endif
	for (; i + 8 <= len; i += 8) {
		uint64_t x, d;

		memcpy(&x, line + i, 8);
		special |= (x | match_bytes(x, qpat)) & HIGHS;
		for (d = match_bytes(x, dpat); d; d &= d - 1)
			FIELD_AT(i + (size_t)(__builtin_ctzll(d) >> 3));
	}
	for (; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		special |= c >= 0x80 || c == '"';
		if (c == (unsigned char)s->delim)
			FIELD_AT(i);
	}
	if (special) {
		if (tshm__utf8_invalid_at(line, len) < len)
			return split_fail(s, -EILSEQ, "invalid UTF-8");
		if (memchr(line, '"', len))
			return split_quoted(s, line, len, f, max);
	}
	if (n < max)
		f[n] = (struct tshm__field){line + fstart, len - fstart};
	return (int)n + 1;
}

#undef FIELD_AT

void tshm__csv_split_free(struct tshm__split *s)
{
	free(s->scratch);
	s->scratch = NULL;
	s->cap = 0;
}
