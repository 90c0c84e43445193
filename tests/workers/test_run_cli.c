/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/*
 * `tickshm run` and `tickshm walkforward` from the outside: exit codes,
 * one error line on bad input, JSON lines, the results database file.
 */
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "pipe_test.h"
#include "tshm_proc.h"
#include "tshm_test.h"

static const struct tshm_test_bundle data = {
    .nassets = 2, .ndays = 4, .trades_per_day = 300, .quotes_per_day = 5, .seed = 9};

static struct tshm_catalog *cat;
static char dir[256];

static int setup(void **state)
{
	(void)state;
	if (tshm_test_fixture_setup(&cat) < 0 || tshm_test_publish(cat, "cli", &data) < 0)
		return -1;
	if (tshm_test_mkdtemp(dir, sizeof(dir)) < 0)
		fail_msg("mkdtemp: %s", strerror(errno));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tshm_test_rmtree(dir);
	tshm_test_fixture_teardown(&cat);
	return 0;
}

/* Run the CLI with @args; stdout lines into @out (may be NULL). Returns the exit code. */
static int cli(const char *args, char *out, size_t len, int *lines)
{
	const char *bin = tshm_test_cli();
	char cmd[2048], buf[4096];
	size_t used = 0;
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "'%s' %s 2>%s/stderr", bin, args, dir);
	f = popen(cmd, "r");
	assert_non_null(f);
	*lines = 0;
	while (fgets(buf, sizeof(buf), f)) {
		(*lines)++;
		if (out && used + strlen(buf) < len) {
			memcpy(out + used, buf, strlen(buf) + 1);
			used += strlen(buf);
		}
	}
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* The single error line the last command printed. */
static void expect_one_error_line(const char *prefix)
{
	char path[300], line[1024];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/stderr", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (n++ == 0 && strncmp(line, prefix, strlen(prefix)))
			fail_msg("stderr: '%s', expected '%s...'", line, prefix);
	fclose(f);
	assert_int_equal(n, 1);
}

/* One text (or integer as text) cell of @sql's first row into @out. */
static void sql_cell(sqlite3 *db, const char *sql, char *out, size_t len)
{
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* The results database holds what the issue names: the run and every result. */
static void check_results_db(const char *path)
{
	struct tshm_descriptor d;
	char v[512], hash[40];
	sqlite3 *db;

	assert_int_equal(tshm_catalog_lookup(cat, "cli", &d), 0);
	snprintf(hash, sizeof(hash), "%016" PRIx64 "%016" PRIx64, d.hash_hi, d.hash_lo);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sql_cell(db, "SELECT bundle FROM runs WHERE id = 1", v, sizeof(v));
	assert_string_equal(v, "cli");
	sql_cell(db, "SELECT generation FROM runs WHERE id = 1", v, sizeof(v));
	assert_int_equal(strtoull(v, NULL, 10), d.generation);
	sql_cell(db, "SELECT content_hash FROM runs WHERE id = 1", v, sizeof(v));
	assert_string_equal(v, hash);
	sql_cell(db, "SELECT strategy FROM runs WHERE id = 1", v, sizeof(v));
	assert_string_equal(v, "sma_cross");
	sql_cell(db, "SELECT command_line FROM runs WHERE id = 1", v, sizeof(v));
	assert_non_null(strstr(v, "--param fast=2,3"));
	sql_cell(db, "SELECT started FROM runs WHERE id = 1", v, sizeof(v));
	assert_true(strlen(v) >= 19); /* an ISO-8601 time */
	sql_cell(db, "SELECT count(*) FROM results WHERE run_id = 1 AND status = 'ok'", v,
		 sizeof(v));
	assert_string_equal(v, "8");
	sql_cell(db, "SELECT count(*) FROM metrics WHERE run_id = 1 AND name = 'pnl'", v,
		 sizeof(v));
	assert_string_equal(v, "8");
	sqlite3_close(db);
}

static void test_run_cli_json_and_results(void **state)
{
	char out[16384], args[1024];
	struct stat st;
	int lines;

	(void)state;
	snprintf(args, sizeof(args),
		 "run cli --strategy sma_cross --param fast=2,3 --param slow=10,40 --workers 2 "
		 "--slice 1h --json --results %s/r.sqlite",
		 dir);
	assert_int_equal(cli(args, out, sizeof(out), &lines), 0);
	assert_int_equal(lines, 2 * 4);
	assert_non_null(strstr(out, "{\"run\":1,\"sid\":100,"));
	assert_non_null(strstr(out, "\"params\":{\"fast\":3,\"slow\":40,\"fee\":0}"));
	snprintf(args, sizeof(args), "%s/r.sqlite", dir);
	assert_int_equal(stat(args, &st), 0);
	check_results_db(args);
	snprintf(args, sizeof(args),
		 "walkforward cli --strategy sma_cross --param fast=2,3 --param slow=10 --train 2d "
		 "--test 1d --metric sharpe --json --results %s/r.sqlite",
		 dir);
	assert_int_equal(cli(args, out, sizeof(out), &lines), 0);
	assert_int_equal(lines, 2 * 2 + 2); /* 2 windows per asset, 2 out-of-sample lines */
	assert_non_null(strstr(out, "\"out_of_sample\":true"));
}

static void test_run_cli_table(void **state)
{
	char out[16384];
	int lines;

	(void)state;
	assert_int_equal(
	    cli("run cli --strategy breakout --param window=5:50:5 --top 3 --sort sharpe", out,
		sizeof(out), &lines),
	    0);
	assert_non_null(strstr(out, "best 3 of 20 by sharpe:"));
	assert_non_null(strstr(out, "throughput:"));
}

static void test_run_cli_errors(void **state)
{
	int lines;

	(void)state;
	assert_int_equal(cli("run cli", NULL, 0, &lines), 2);
	expect_one_error_line("tickshm run: usage:");
	assert_int_equal(cli("run cli --strategy nope", NULL, 0, &lines), 2);
	expect_one_error_line("tickshm run: --strategy:");
	assert_int_equal(
	    cli("run cli --strategy sma_cross --param fast=50 --param slow=10", NULL, 0, &lines),
	    2);
	expect_one_error_line("tickshm run: --param:");
	assert_int_equal(cli("run missing --strategy sma_cross", NULL, 0, &lines), 1);
	expect_one_error_line("tickshm run: missing: not published");
	assert_int_equal(cli("run cli --strategy sma_cross --mode stream", NULL, 0, &lines), 2);
	expect_one_error_line("tickshm run: --mode:");
	assert_int_equal(cli("run cli --strategy sma_cross --sort nope", NULL, 0, &lines), 2);
	expect_one_error_line("tickshm run: --sort: sma_cross reports no metric 'nope'");
	assert_int_equal(
	    cli("walkforward cli --strategy sma_cross --train 2d --test 1d --metric nope", NULL, 0,
		&lines),
	    2);
	expect_one_error_line("tickshm walkforward: --metric: sma_cross reports no metric 'nope'");
	assert_int_equal(
	    cli("walkforward cli --strategy sma_cross --train 9d --test 1d", NULL, 0, &lines), 1);
	expect_one_error_line("tickshm walkforward: cli: fewer days");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_run_cli_json_and_results),
	    cmocka_unit_test(test_run_cli_table),
	    cmocka_unit_test(test_run_cli_errors),
	};

	tshm_test_ns_init("runcli");
	return cmocka_run_group_tests(tests, setup, teardown);
}
