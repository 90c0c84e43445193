/* tshm-test-labels: unit;fault */
/* SPDX-License-Identifier: MIT */
/*
 * Streaming mode: a bundle far larger than the buffer pool streams through
 * it with at most the pool's buffers in use at any time, and gives exactly
 * the resident results, also when warm-up spans many earlier days and the
 * range starts mid-data, and when workers are killed mid-run (no worker,
 * respawned or not, holds the pool once the run is over); bad bundle
 * directories and corrupt chunks fail the run cleanly and leave the pool
 * usable.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipe_test.h"
#include "tickshm/bundle.h"
#include "tickshm/gen.h"
#include "tshm_proc.h"
#include "tshm_test.h"

static struct tshm_catalog *cat;
static char dir[256];
static struct tshm_pipeline *pipe_;

/* 4 assets x 12 days of ~400 trades: 48 (asset, day) units. */
static const struct tshm_gen_opts gen = {
    .nassets = 4, .ndays = 12, .trades_per_day = 400, .seed = 3};

static int setup(void **state)
{
	(void)state;
	if (tshm_test_fixture_setup(&cat) < 0)
		return -1;
	if (tshm_test_mkdtemp(dir, sizeof(dir)) < 0)
		fail_msg("mkdtemp: %s", strerror(errno));
	pt_disk_bundle(cat, dir, "big", &gen);
	pipe_ = pt_pipeline(2, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tshm_pipeline_destroy(pipe_);
	pipe_ = NULL;
	tshm_test_rmtree(dir);
	tshm_test_fixture_teardown(&cat);
	return 0;
}

struct watch {
	uint32_t max_in_use, calls;
};

static void watch_progress(const struct tshm_run_progress *p, void *arg)
{
	struct watch *w = arg;

	w->calls++;
	if (p->buffers_in_use > w->max_in_use)
		w->max_in_use = p->buffers_in_use;
}

static void run(struct tshm_run_spec *sp, uint32_t mode, uint32_t bufs, struct tshm_run_result *out)
{
	sp->mode = mode;
	sp->bundle_dir = dir;
	sp->stream_buffers = bufs;
	TSHM_TEST_CHECK(tshm_pipeline_run(pipe_, sp, out));
	assert_int_equal(out->failed, 0);
}

static uint64_t trade_bytes(const struct tshm_run_result *r)
{
	return r->rows * (3 * sizeof(int64_t) + sizeof(int32_t)); /* ts, price, size, flags */
}

static void test_stream_bounded_by_its_pool(void **state)
{
	static const char *const specs[] = {"fast=2,7", "slow=40,90"};
	struct tshm_run_result res, str;
	struct tshm_run_spec sp;
	struct watch w = {0};
	uint32_t n;
	int64_t *ps = pt_grid("sma_cross", specs, 2, &n);

	(void)state;
	pt_spec(&sp, "big", "sma_cross", ps, n);
	run(&sp, TSHM_MODE_RESIDENT, 0, &res);
	sp.progress = watch_progress;
	sp.arg = &w;
	run(&sp, TSHM_MODE_STREAM, 2, &str);
	pt_expect_equal(&res, &str, NULL, 0);
	assert_int_equal(str.stream_buffers, 2);
	assert_true(str.stream_buffers_max >= 1 && str.stream_buffers_max <= 2);
	assert_true(w.calls >= 1 && w.max_in_use <= 2);
	/* the data went through a pool a small fraction of its size */
	assert_true(str.stream_read_bytes > 0);
	assert_true(str.stream_buffer_bytes * 8 < trade_bytes(&str));
	tshm_run_result_free(&res);
	tshm_run_result_free(&str);
	free(ps);
}

static void test_stream_single_buffer(void **state)
{
	struct tshm_run_result res, str;
	struct tshm_run_spec sp;

	(void)state;
	pt_spec(&sp, "big", "breakout", NULL, 0);
	sp.slice = TSHM_SLICE_HOUR;
	run(&sp, TSHM_MODE_RESIDENT, 0, &res);
	run(&sp, TSHM_MODE_STREAM, 1, &str);
	pt_expect_equal(&res, &str, NULL, 0);
	assert_int_equal(str.stream_buffers_max, 1);
	tshm_run_result_free(&res);
	tshm_run_result_free(&str);
}

/* slow = 2500 rows: warm-up reaches back over several days, from files and buffers. */
static void test_stream_warmup_spans_days(void **state)
{
	int64_t ps[6] = {10, 2500, 0, 3, 1700, 1};
	struct tshm_run_result res, str;
	struct tshm_run_spec sp;
	struct tshm_view *v;
	const struct tshm_seg_header *h;

	(void)state;
	TSHM_TEST_CHECK(tshm_view_open(&v, cat, "big"));
	h = tshm_view_header(v);
	pt_spec(&sp, "big", "sma_cross", ps, 2);
	sp.from_ts = h->min_ts + (h->max_ts - h->min_ts) / 2 + 12345;
	sp.slice = TSHM_SLICE_ROWS;
	sp.slice_rows = 97;
	run(&sp, TSHM_MODE_RESIDENT, 0, &res);
	run(&sp, TSHM_MODE_STREAM, 3, &str);
	pt_expect_equal(&res, &str, NULL, 0);
	assert_true(res.results[0].ticks > 0);
	sp.from_ts = TSHM_RUN_ALL_TIME;
	tshm_run_result_free(&res);
	tshm_run_result_free(&str);
	run(&sp, TSHM_MODE_RESIDENT, 0, &res);
	run(&sp, TSHM_MODE_STREAM, 2, &str);
	pt_expect_equal(&res, &str, NULL, 0);
	tshm_run_result_free(&res);
	tshm_run_result_free(&str);
	tshm_view_unref(v);
}

struct killer {
	uint32_t days, kills;
};

static void kill_some(const struct tshm_day_partial *d, void *arg)
{
	struct killer *k = arg;

	(void)d;
	if (++k->days % 20 == 3 && k->kills < 3) { /* three times, spread over the run */
		kill(tshm_pipeline_worker_pid(pipe_, k->kills % 2), SIGKILL);
		k->kills++;
	}
}

/* Does @pid map the stream pool or the parent's io_uring, or hold their fds? */
static int holds_pool(pid_t pid)
{
	char path[64], line[512], link[256];
	struct dirent *e;
	FILE *f;
	DIR *d;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%ld/maps", (long)pid);
	if ((f = fopen(path, "r"))) {
		while (!found && fgets(line, sizeof(line), f))
			found = strstr(line, "tickshm-stream") || strstr(line, "io_uring");
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if (!found && (d = opendir(path))) {
		while (!found && (e = readdir(d))) {
			char fd[sizeof(path) + sizeof(e->d_name) + 2];
			ssize_t n;

			snprintf(fd, sizeof(fd), "%s/%s", path, e->d_name);
			n = readlink(fd, link, sizeof(link) - 1);
			link[n > 0 ? n : 0] = 0;
			found = strstr(link, "tickshm-stream") || strstr(link, "io_uring");
		}
		closedir(d);
	}
	return found;
}

/* After a run every worker lets go of the pool, respawned ones included
 * (they must not inherit the parent's mapping or memfd). */
static void expect_pool_released(void)
{
	int64_t deadline = tshm_test_now_ms() + 10000;

	for (uint32_t i = 0; i < tshm_pipeline_workers(pipe_); i++)
		while (holds_pool(tshm_pipeline_worker_pid(pipe_, i))) {
			if (tshm_test_now_ms() > deadline)
				fail_msg(
				    "worker %u still holds the stream pool or reader after the run",
				    i);
			tshm_test_sleep_us(10000);
		}
}

/* Re-queued tasks keep their buffer: nothing is recycled under them. */
static void test_stream_survives_worker_kills(void **state)
{
	static const char *const specs[] = {"fast=2,7", "slow=40,90"};
	struct tshm_run_result res, str;
	struct tshm_run_spec sp;
	struct killer k = {0};
	uint32_t n;
	int64_t *ps = pt_grid("sma_cross", specs, 2, &n);

	(void)state;
	pt_spec(&sp, "big", "sma_cross", ps, n);
	sp.slice = TSHM_SLICE_HOUR;
	run(&sp, TSHM_MODE_RESIDENT, 0, &res);
	sp.on_day = kill_some;
	sp.arg = &k;
	run(&sp, TSHM_MODE_STREAM, 3, &str);
	assert_int_equal(k.kills, 3);
	assert_int_equal(str.worker_deaths, 3);
	assert_true(str.stream_buffers_max <= 3);
	pt_expect_equal(&res, &str, NULL, 0);
	expect_pool_released();
	tshm_run_result_free(&res);
	tshm_run_result_free(&str);
	free(ps);
}

/* Overwrite the middle of the price chunk of some trades day with junk. */
static void corrupt_a_trades_chunk(void)
{
	struct tshm_bundle *b;
	const struct tshm_chunk *c;
	unsigned char junk[64];
	char path[512];
	size_t n, i;
	int fd;

	TSHM_TEST_CHECK(tshm_bundle_open(&b, dir, 0));
	c = tshm_bundle_chunks(b, &n);
	for (i = 0; i < n; i++)
		if (c[i].table == TSHM_TABLE_TRADES && c[i].col == TSHM_TRADES_PRICE &&
		    c[i].clen > sizeof(junk) * 2)
			break;
	assert_true(i < n);
	TSHM_TEST_CHECK(tshm_bundle_file_path(b, c[i].file_id, path, sizeof(path)));
	memset(junk, 0x5a, sizeof(junk));
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, junk, sizeof(junk), (off_t)(c[i].offset + c[i].clen / 2)),
			 (ssize_t)sizeof(junk));
	close(fd);
	tshm_bundle_close(b);
}

static void test_stream_bad_input_fails_cleanly(void **state)
{
	struct tshm_run_result res;
	struct tshm_run_spec sp;
	(void)state;
	pt_spec(&sp, "big", "sma_cross", NULL, 0);
	sp.mode = TSHM_MODE_STREAM;
	sp.bundle_dir = "/nonexistent/bundle";
	assert_int_equal(tshm_pipeline_run(pipe_, &sp, &res), -ENOENT);
	corrupt_a_trades_chunk();
	sp.bundle_dir = dir;
	assert_int_equal(tshm_pipeline_run(pipe_, &sp, &res), -TSHM_ECORRUPT);
	assert_non_null(strstr(tshm_pipeline_last_error(pipe_), "stream"));
	/* resident runs are untouched, and the pool still works */
	sp.mode = TSHM_MODE_RESIDENT;
	TSHM_TEST_CHECK(tshm_pipeline_run(pipe_, &sp, &res));
	assert_int_equal(res.failed, 0);
	tshm_run_result_free(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stream_bounded_by_its_pool),
	    cmocka_unit_test(test_stream_single_buffer),
	    cmocka_unit_test(test_stream_warmup_spans_days),
	    cmocka_unit_test(test_stream_survives_worker_kills),
	    cmocka_unit_test(test_stream_bad_input_fails_cleanly),
	};

	tshm_test_ns_init("stream");
	return cmocka_run_group_tests(tests, setup, teardown);
}
