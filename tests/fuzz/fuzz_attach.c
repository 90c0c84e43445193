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
 * called over every table, column and asset.
 * Any result outside the segment aborts; AddressSanitizer catches any read
 * outside it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tickshm/tickshm.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 INT64_C(1704153600000000000) /* the test bundles' first day */
#define MAX_SIDS 6

static volatile unsigned char sink;
static const uint8_t *seg_base;
static uint64_t seg_size;

static __attribute__((noreturn, format(printf, 1, 2))) void violation(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz_attach: contract violation: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

static int in_bounds(const void *p, uint64_t n, uint64_t width)
{
	const uint8_t *q = p;
	uint64_t off;

	if (n == 0)
		return 1;
	if (!q || q < seg_base || width == 0)
		return 0;
	off = (uint64_t)(q - seg_base);
	if (off > seg_size)
		return 0;
	return n <= (seg_size - off) / width;
}

static int64_t sat_add(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

static void check_window(const struct tshm_view *v, const char *what, const struct tshm_window *win,
			 unsigned t, unsigned c, uint64_t max_count)
{
	struct tshm_column_info ci;
	struct tshm_table_info ti;
	const uint8_t *p = win->data;

	if (win->count == 0)
		return;
	if (win->count > max_count)
		violation("%s t%u c%u: %llu rows > %llu requested", what, t, c,
			  (unsigned long long)win->count, (unsigned long long)max_count);
	if (!in_bounds(p, win->count, win->width))
		violation("%s t%u c%u: window outside the segment", what, t, c);
	if (tshm_view_table(v, t, &ti) != 0 || tshm_view_column(v, t, c, &ci) != 0)
		violation("%s t%u c%u: window of an undescribed column", what, t, c);
	if (win->width != ci.width || win->first_row > ti.nrows ||
	    win->count > ti.nrows - win->first_row ||
	    p != (const uint8_t *)ci.data + win->first_row * ci.width)
		violation("%s t%u c%u: window not inside its column", what, t, c);
	sink ^= p[0];
	sink ^= p[win->count * win->width - 1];
}

static void walk(const struct tshm_view *v)
{
	static const char *symbols[] = {"OLD0", "SYM0", "SYM1",
					"",	"ZZZZ", "0123456789012345678901234567890123456789"};
	static const uint64_t counts[] = {0, 1, 9, UINT64_MAX};
	const struct tshm_seg_header *h = tshm_view_header(v);
	uint32_t na = tshm_view_nassets(v);
	int64_t sids[MAX_SIDS + 2];
	size_t nsids = 0;
	struct tshm_table_info ti;
	struct tshm_column_info ci;
	int rc;

	if (!h || memcmp(h, seg_base, sizeof(*h)) != 0)
		violation("tshm_view_header differs from the segment's header");
	if (na != h->nassets)
		violation("nassets %u != header %u", na, h->nassets);

	for (unsigned t = 0; t < TSHM_TABLE_SLOTS + 2; t++) {
		if (tshm_view_table(v, t, &ti) != 0)
			continue;
		if (ti.name)
			sink ^= (unsigned char)strlen(ti.name);
		for (unsigned c = 0; c < TSHM_MAX_COLS + 2; c++) {
			const uint8_t *p;

			if (tshm_view_column(v, t, c, &ci) != 0)
				continue;
			if (c >= ti.ncols)
				violation("column %u of table %u past ncols %u", c, t, ti.ncols);
			if (ci.name)
				sink ^= (unsigned char)strlen(ci.name);
			if (ti.nrows == 0)
				continue;
			if (!in_bounds(ci.data, ti.nrows, ci.width))
				violation("column t%u c%u outside the segment", t, c);
			p = ci.data;
			for (uint64_t r = 0; r < ti.nrows; r++) {
				sink ^= p[r * ci.width];
				sink ^= p[r * ci.width + ci.width - 1];
			}
		}
		if (t < TSHM_TABLE_COUNT && (ti.flags & TSHM_TABLE_F_PER_ASSET))
			for (uint32_t a = 0; a < na + 2u && a <= na + 1; a++) {
				uint64_t first = 0, count = 0;

				rc = tshm_view_asset_rows(v, t, a, &first, &count);
				if (rc == 0 &&
				    (a >= na || first > ti.nrows || count > ti.nrows - first))
					violation("asset_rows(t%u, %u) outside the table", t, a);
			}
	}
	for (uint32_t a = 0; a < na + 2u && a <= na + 1; a++) {
		struct tshm_asset as;

		if (tshm_view_asset(v, a, &as) != 0)
			continue;
		if (a >= na)
			violation("asset %u of %u", a, na);
		sink ^= (unsigned char)(strlen(as.symbol) + strlen(as.exchange) +
					strlen(as.currency));
		if (nsids < MAX_SIDS && (a < 3 || a + 2 >= na))
			sids[nsids++] = as.sid;
	}
	sids[nsids++] = 100;
	sids[nsids++] = INT64_MIN;
	for (size_t i = 0; i < nsids; i++) {
		rc = tshm_view_find_sid(v, sids[i]);
		if (rc >= 0 && (uint32_t)rc >= na)
			violation("find_sid -> %d of %u", rc, na);
	}
	for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		rc = tshm_view_find_symbol(v, symbols[i], T0 + TSHM_DAY_NS);
		if (rc >= 0 && (uint32_t)rc >= na)
			violation("find_symbol -> %d of %u", rc, na);
		rc = tshm_view_find_symbol(v, symbols[i], INT64_MIN);
		if (rc >= 0 && (uint32_t)rc >= na)
			violation("find_symbol -> %d of %u", rc, na);
	}

	for (unsigned t = 0; t <= TSHM_TABLE_COUNT; t++) {
		unsigned ncols = TSHM_MAX_COLS;
		int64_t tmin = 0, tmax = 0, ends[4];

		if (tshm_view_table(v, t, &ti) == 0) {
			ncols = ti.ncols < TSHM_MAX_COLS ? ti.ncols : TSHM_MAX_COLS;
			tmin = ti.min_ts;
			tmax = ti.max_ts;
		}
		ends[0] = INT64_MIN;
		ends[1] = INT64_MAX;
		ends[2] = T0 + TSHM_DAY_NS + TSHM_DAY_NS / 2;
		ends[3] = sat_add(tmin, (tmax / 2) - (tmin / 2));
		for (size_t i = 0; i < nsids; i++)
			for (unsigned c = 0; c <= ncols; c++) {
				struct tshm_window win;

				for (size_t e = 0; e < 4; e++)
					for (size_t k = 0; k < 4; k++) {
						memset(&win, 0, sizeof(win));
						if (tshm_history(v, t, sids[i], c, ends[e],
								 counts[k], &win) == 0)
							check_window(v, "history", &win, t, c,
								     counts[k]);
					}
				memset(&win, 0, sizeof(win));
				if (tshm_history_range(v, t, sids[i], c, INT64_MIN, INT64_MAX,
						       &win) == 0)
					check_window(v, "history_range", &win, t, c, UINT64_MAX);
				memset(&win, 0, sizeof(win));
				if (tshm_history_range(v, t, sids[i], c, tmin, sat_add(tmax, 1),
						       &win) == 0)
					check_window(v, "history_range", &win, t, c, UINT64_MAX);
			}
		for (unsigned c = 0; c <= ncols; c++) {
			int64_t out[(MAX_SIDS + 2) * 4];
			uint64_t got[MAX_SIDS + 2];

			memset(got, 0, sizeof(got));
			if (tshm_history_copy(v, t, sids, nsids, c, ends[2], 4, -1, out, got) == 0)
				for (size_t i = 0; i < nsids; i++)
					if (got[i] > 4)
						violation("history_copy got %llu > 4",
							  (unsigned long long)got[i]);
		}
	}
	rc = tshm_view_verify(v);
	if (rc != 0 && rc != -TSHM_ECORRUPT && rc != -TSHM_EORDER)
		violation("verify -> %d", rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tshm_view *v = NULL;
	uint8_t *buf;
	size_t n;

	if (size < 1)
		return 0;
	n = size - 1;
	/* Exactly n bytes (ASan sees any read past them), aligned like a mapping. */
	if (posix_memalign((void **)&buf, TSHM_ALIGN, n ? n : 1) != 0)
		return 0;
	memcpy(buf, data + 1, n);
	if ((data[0] & 1) && n >= sizeof(struct tshm_seg_header)) {
		const size_t ck = offsetof(struct tshm_seg_header, meta_checksum);
		uint64_t doff, h, zero = 0;

		memcpy(&doff, buf + offsetof(struct tshm_seg_header, data_offset), 8);
		if (doff >= ck + 8 && doff <= n) {
			memcpy(buf + ck, &zero, 8);
			h = XXH3_64bits(buf, (size_t)doff);
			memcpy(buf + ck, &h, 8);
		}
	}
	seg_base = buf;
	seg_size = n;
	if (tshm_view_open_mem(&v, buf, n, 0) == 0) {
		walk(v);
		tshm_view_unref(v);
	}
	free(buf);
	return 0;
}
