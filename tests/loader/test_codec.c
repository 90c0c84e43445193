/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/*
 * The chunk codec: frames written by a bundle transaction decode to exactly
 * the values put, delta coding applies to the TS and PRICE columns only,
 * and every damaged frame or inconsistent descriptor is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "loader_test.h"
#include "tshm_proc.h"

#define DAY (TSHM_LTEST_DAY0 + 3)
#define SID 42

struct frames {
	char dir[64];
	size_t n; /* TSHM_TRADES_NCOLS */
	struct tshm_chunk c[TSHM_TRADES_NCOLS];
	uint8_t *bytes[TSHM_TRADES_NCOLS];
	struct tshm_chunk_decoder *dec;
};

static int setup(void **state)
{
	struct frames *f = calloc(1, sizeof(*f));

	if (!f || tshm_test_mkdtemp(f->dir, sizeof(f->dir)) < 0 ||
	    tshm_chunk_decoder_new(&f->dec) < 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static void frames_free(struct frames *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->bytes[i]);
		f->bytes[i] = NULL;
	}
	f->n = 0;
}

static int teardown(void **state)
{
	struct frames *f = *state;

	frames_free(f);
	tshm_chunk_decoder_free(f->dec);
	tshm_test_rmtree(f->dir);
	free(f);
	return 0;
}

/* Trades of one asset on one day: these columns, as a bundle stores them. */
struct trades {
	uint64_t n;
	int64_t *ts, *px, *sz, *id;
	int32_t *fl;
};

static void trades_alloc(struct trades *t, uint64_t n, uint64_t seed)
{
	uint64_t x = seed * 2654435761u + 1;

	t->n = n;
	t->ts = malloc(n * 8);
	t->px = malloc(n * 8);
	t->sz = malloc(n * 8);
	t->id = malloc(n * 8);
	t->fl = malloc(n * 4);
	assert_non_null(t->ts && t->px && t->sz && t->id && t->fl);
	for (uint64_t i = 0; i < n; i++) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		t->ts[i] = (int64_t)DAY * TSHM_DAY_NS + (int64_t)(i * 1000003u);
		t->px[i] = i ? t->px[i - 1] + (int64_t)(x >> 61) - 3 : 123456789;
		t->sz[i] = (int64_t)(x >> 40);
		t->id[i] = (int64_t)x;
		t->fl[i] = (int32_t)(x >> 33);
	}
}

static void trades_free(struct trades *t)
{
	free(t->ts);
	free(t->px);
	free(t->sz);
	free(t->id);
	free(t->fl);
}

static void read_file(const char *path, uint64_t off, void *buf, uint64_t n)
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, n, (off_t)off), (ssize_t)n);
	close(fd);
}

/* Put @t through a transaction, then read its frames and descriptors back. */
static void make_frames(struct frames *f, const struct trades *t)
{
	const void *cols[] = {t->ts, t->px, t->sz, t->fl, t->id};
	struct tshm_asset a = {.sid = SID, .symbol = "X"};
	struct tshm_bundle_txn *tx;
	struct tshm_bundle *b;
	const struct tshm_chunk *c;
	char path[4200];
	size_t n;

	frames_free(f);
	TSHM_TEST_CHECK(tshm_bundle_begin(&tx, f->dir, "codec", TSHM_BUNDLE_CREATE));
	TSHM_TEST_CHECK(tshm_bundle_put_asset(tx, &a));
	TSHM_TEST_CHECK(tshm_bundle_put_day(tx, TSHM_TABLE_TRADES, SID, DAY, t->n, cols));
	TSHM_TEST_CHECK(tshm_bundle_commit(tx));
	TSHM_TEST_CHECK(tshm_bundle_open(&b, f->dir, 0));
	c = tshm_bundle_chunks(b, &n);
	assert_int_equal(n, TSHM_TRADES_NCOLS);
	for (size_t i = 0; i < n; i++) {
		f->c[i] = c[i];
		f->bytes[i] = malloc(c[i].clen);
		assert_non_null(f->bytes[i]);
		TSHM_TEST_CHECK(tshm_bundle_file_path(b, c[i].file_id, path, sizeof(path)));
		read_file(path, c[i].offset, f->bytes[i], c[i].clen);
	}
	f->n = n;
	tshm_bundle_close(b);
}

static void *decode_ok(struct frames *f, size_t i)
{
	void *dst = aligned_alloc(64, (f->c[i].rlen + 63) & ~(uint64_t)63);

	assert_non_null(dst);
	assert_int_equal(tshm_chunk_decode(f->dec, &f->c[i], f->bytes[i], f->c[i].clen, dst), 0);
	return dst;
}

static void check_round_trip(struct frames *f, uint64_t n, uint64_t seed)
{
	struct trades t;
	const void *want[TSHM_TRADES_NCOLS];

	trades_alloc(&t, n, seed);
	make_frames(f, &t);
	want[0] = t.ts;
	want[1] = t.px;
	want[2] = t.sz;
	want[3] = t.fl;
	want[4] = t.id;
	for (size_t i = 0; i < f->n; i++) {
		void *got = decode_ok(f, i);

		assert_int_equal(f->c[i].nrows, n);
		assert_memory_equal(got, want[i], f->c[i].rlen);
		free(got);
	}
	trades_free(&t);
}

static void test_codec_round_trip(void **state)
{
	static const uint64_t sizes[] = {1, 2, 3, 100, 4095, 4096, 4097, 8192, 50001};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		check_round_trip(*state, sizes[i], i + 1);
}

/* BUNDLE.md: delta for the int64 TS and PRICE columns, shuffled everywhere. */
static void test_codec_delta_rule(void **state)
{
	struct frames *f = *state;
	static const uint32_t want[] = {TSHM_CODEC_DELTA_SHUF_ZSTD, TSHM_CODEC_DELTA_SHUF_ZSTD,
					TSHM_CODEC_SHUF_ZSTD, TSHM_CODEC_SHUF_ZSTD,
					TSHM_CODEC_SHUF_ZSTD};
	static const uint32_t width[] = {8, 8, 8, 4, 8};

	check_round_trip(f, 10, 1);
	for (size_t i = 0; i < f->n; i++) {
		assert_int_equal(f->c[i].codec, want[i]);
		assert_int_equal(f->c[i].width, width[i]);
		assert_int_equal(f->c[i].rlen, 10 * width[i]);
	}
}

/* Differences wrap mod 2^64 and come back exactly. */
static void test_codec_delta_wraps(void **state)
{
	struct frames *f = *state;
	struct trades t;
	int64_t *got;

	trades_alloc(&t, 64, 9);
	for (uint64_t i = 0; i < t.n; i++)
		t.px[i] = i % 3 == 0 ? INT64_MIN : i % 3 == 1 ? INT64_MAX : -1;
	make_frames(f, &t);
	got = decode_ok(f, TSHM_TRADES_PRICE);
	assert_memory_equal(got, t.px, t.n * 8);
	free(got);
	trades_free(&t);
}

static void test_codec_rejects_descriptors(void **state)
{
	struct frames *f = *state;
	struct trades t;
	struct tshm_chunk c;
	uint64_t *dst;

	trades_alloc(&t, 100, 3);
	make_frames(f, &t);
	dst = aligned_alloc(64, 2048);
	assert_non_null(dst);
	c = f->c[0];
	c.codec = 7;
	assert_int_equal(tshm_chunk_decode(f->dec, &c, f->bytes[0], c.clen, dst), -EINVAL);
	c = f->c[0];
	assert_int_equal(tshm_chunk_decode(f->dec, &c, f->bytes[0], c.clen - 1, dst), -EINVAL);
	c.rlen += 8;
	assert_int_equal(tshm_chunk_decode(f->dec, &c, f->bytes[0], c.clen, dst), -EINVAL);
	c = f->c[0];
	c.width = 4; /* delta needs 8-byte elements */
	c.rlen = c.nrows * 4;
	assert_int_equal(tshm_chunk_decode(f->dec, &c, f->bytes[0], c.clen, dst), -EINVAL);
	c = f->c[0];
	c.nrows = 0;
	c.rlen = 0;
	assert_int_equal(tshm_chunk_decode(f->dec, &c, f->bytes[0], c.clen, dst), -EINVAL);
	c = f->c[0];
	c.nrows = UINT64_MAX / 4;
	c.rlen = c.nrows * 8; /* wraps: caught */
	assert_int_equal(tshm_chunk_decode(f->dec, &c, f->bytes[0], c.clen, dst), -EINVAL);
	c = f->c[0];
	assert_int_equal(tshm_chunk_decode(f->dec, &c, f->bytes[0], c.clen, (uint8_t *)dst + 4),
			 -EINVAL);
	assert_int_equal(tshm_chunk_decode(f->dec, &c, NULL, c.clen, dst), -EINVAL);
	free(dst);
	trades_free(&t);
}

static void test_codec_detects_damage(void **state)
{
	struct frames *f = *state;
	struct trades t;
	const void *want[TSHM_TRADES_NCOLS];
	struct tshm_chunk c;
	uint8_t *buf, *dst;
	int rc, benign = 0;

	trades_alloc(&t, 300, 5);
	make_frames(f, &t);
	want[0] = t.ts;
	want[1] = t.px;
	want[2] = t.sz;
	want[3] = t.fl;
	want[4] = t.id;
	dst = aligned_alloc(64, 8 * 512);
	assert_non_null(dst);
	for (size_t i = 0; i < f->n; i++) {
		c = f->c[i];
		buf = malloc(2 * c.clen);
		assert_non_null(buf);
		/* Every single-bit flip of every byte of the frame. */
		for (uint64_t off = 0; off < c.clen; off++) {
			memcpy(buf, f->bytes[i], c.clen);
			buf[off] ^= (uint8_t)(1u << (off % 8));
			rc = tshm_chunk_decode(f->dec, &c, buf, c.clen, dst);
			if (rc == 0) {
				/* A bit zstd does not depend on: the output must be intact. */
				assert_memory_equal(dst, want[i], c.rlen);
				benign++;
			} else {
				assert_int_equal(rc, -TSHM_ECORRUPT);
			}
		}
		/* Truncated, with a descriptor that agrees. */
		c.clen--;
		assert_int_equal(tshm_chunk_decode(f->dec, &c, f->bytes[i], c.clen, dst),
				 -TSHM_ECORRUPT);
		/* Two frames where one is expected. */
		c = f->c[i];
		memcpy(buf, f->bytes[i], c.clen);
		memcpy(buf + c.clen, f->bytes[i], c.clen);
		c.clen *= 2;
		assert_int_equal(tshm_chunk_decode(f->dec, &c, buf, c.clen, dst), -TSHM_ECORRUPT);
		/* A row count the frame does not hold. */
		c = f->c[i];
		c.nrows--;
		c.rlen -= c.width;
		assert_int_equal(tshm_chunk_decode(f->dec, &c, f->bytes[i], c.clen, dst),
				 -TSHM_ECORRUPT);
		c = f->c[i];
		c.checksum ^= 1;
		assert_int_equal(tshm_chunk_decode(f->dec, &c, f->bytes[i], c.clen, dst),
				 -TSHM_ECORRUPT);
		free(buf);
	}
	free(dst);
	trades_free(&t);
	print_message("%d of the single-bit flips left the output intact\n", benign);
}

/* Codecs 1 and 2, which writers no longer produce, still decode. */
static void test_codec_plain_codecs(void **state)
{
	struct frames *f = *state;
	struct tshm_chunk c = {.width = 8, .nrows = 5000, .rlen = 40000};
	uint64_t *raw = malloc(40000), *dlt = malloc(40000), *dst = aligned_alloc(64, 40000);
	size_t cap = 50000;
	uint8_t *frame = malloc(cap);
	long n;

	assert_non_null(raw && dlt && dst && frame);
	for (uint64_t i = 0; i < 5000; i++) {
		raw[i] = i * i * 1000003u;
		dlt[i] = raw[i] - (i ? raw[i - 1] : 0);
	}
	c.checksum = XXH3_64bits(raw, 40000);
	n = tshm_ltest_zstd(raw, 40000, frame, cap);
	assert_true(n > 0);
	c.codec = TSHM_CODEC_ZSTD;
	c.clen = (uint64_t)n;
	assert_int_equal(tshm_chunk_decode(f->dec, &c, frame, c.clen, dst), 0);
	assert_memory_equal(dst, raw, 40000);
	n = tshm_ltest_zstd(dlt, 40000, frame, cap);
	assert_true(n > 0);
	c.codec = TSHM_CODEC_DELTA_ZSTD;
	c.clen = (uint64_t)n;
	assert_int_equal(tshm_chunk_decode(f->dec, &c, frame, c.clen, dst), 0);
	assert_memory_equal(dst, raw, 40000);
	c.checksum++;
	assert_int_equal(tshm_chunk_decode(f->dec, &c, frame, c.clen, dst), -TSHM_ECORRUPT);
	free(raw);
	free(dlt);
	free(dst);
	free(frame);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_codec_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_codec_delta_rule, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_codec_delta_wraps, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_codec_rejects_descriptors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_codec_detects_damage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_codec_plain_codecs, setup, teardown),
	};

	tshm_test_ns_init("codec");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
