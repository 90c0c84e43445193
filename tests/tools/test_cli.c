/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/* The tickshm CLI, run as users run it: exit codes, stdout data, one-line errors. */
#include "tshm_test.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ARGS 32

struct run {
	int status; /* exit code, or 128 + signal */
	char *out, *err;
	size_t outlen, errlen;
};

static void append(char **buf, size_t *len, const char *data, size_t n)
{
	char *p = realloc(*buf, *len + n + 1);

	assert_non_null(p);
	memcpy(p + *len, data, n);
	*len += n;
	p[*len] = '\0';
	*buf = p;
}

/* The buffers of the run in progress: a failed assertion skips run_free(). */
static char *pending_out, *pending_err;

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	pending_out = pending_err = NULL;
}

static int free_pending(void **state)
{
	(void)state;
	free(pending_out);
	free(pending_err);
	pending_out = pending_err = NULL;
	return 0;
}

/* Read both pipes until both close: a child writing lots to one must not block. */
static void drain(int fdout, int fderr, struct run *r)
{
	struct pollfd pf[2] = {{.fd = fdout, .events = POLLIN}, {.fd = fderr, .events = POLLIN}};
	char buf[65536];
	int open_fds = 2;

	while (open_fds > 0) {
		assert_true(poll(pf, 2, -1) > 0 || errno == EINTR);
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(pf[i].fd, buf, sizeof(buf));
			if (n > 0 && i == 0)
				append(&r->out, &r->outlen, buf, (size_t)n);
			else if (n > 0)
				append(&r->err, &r->errlen, buf, (size_t)n);
			else if (n == 0 || errno != EINTR) {
				close(pf[i].fd);
				pf[i].fd = -1;
				open_fds--;
			}
			pending_out = r->out;
			pending_err = r->err;
		}
	}
}

/* Run the CLI with @args (NULL-terminated); @env is "NAME=VALUE" for the child, or NULL. */
static void run_env(struct run *r, const char *env, const char *const *args)
{
	const char *cli = tshm_test_cli(); /* in the parent: it may skip() */
	char *argv[MAX_ARGS + 2];
	int po[2], pe[2], st;
	size_t n = 0;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	append(&r->out, &r->outlen, "", 0);
	append(&r->err, &r->errlen, "", 0);
	pending_out = r->out;
	pending_err = r->err;
	argv[n++] = (char *)"tickshm";
	for (; args[n - 1] && n <= MAX_ARGS; n++)
		argv[n] = (char *)args[n - 1];
	argv[n] = NULL;
	assert_int_equal(pipe(po), 0);
	assert_int_equal(pipe(pe), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		if (env)
			putenv((char *)env);
		execv(cli, argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	drain(po[0], pe[0], r);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#define RUN(r, ...) run_env((r), NULL, (const char *const[]){__VA_ARGS__, NULL})
#define RUN_ENV(r, env, ...) run_env((r), (env), (const char *const[]){__VA_ARGS__, NULL})

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* An error is exactly one line on stderr, naming the tool, with nothing on stdout. */
static void assert_one_line_error(const struct run *r, int code, const char *needle)
{
	if (r->status != code || count_lines(r->err) != 1 || strncmp(r->err, "tickshm", 7) != 0 ||
	    (needle && !strstr(r->err, needle)))
		fail_msg("status %d (want %d), stderr: '%s'", r->status, code, r->err);
	assert_int_equal(r->outlen, 0);
}

static void assert_ok(const struct run *r)
{
	if (r->status != 0)
		fail_msg("status %d, stderr: '%s'", r->status, r->err);
}

/* Line @i (0-based) of @s copied into @buf, or NULL. */
static char *line_at(const char *s, size_t i, char *buf, size_t len)
{
	for (; i > 0 && s; i--) {
		s = strchr(s, '\n');
		s = s ? s + 1 : NULL;
	}
	if (!s || !*s)
		return NULL;
	size_t n = strcspn(s, "\n");
	assert_true(n < len);
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

/* Field @k of a CSV line without quoted fields. */
static char *csv_field(const char *line, unsigned k, char *buf, size_t len)
{
	for (; k > 0; k--) {
		line = strchr(line, ',');
		assert_non_null(line);
		line++;
	}
	size_t n = strcspn(line, ",");
	assert_true(n < len);
	memcpy(buf, line, n);
	buf[n] = '\0';
	return buf;
}

static int setup_sample(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, "demo", "--days", "5", "--trades-per-day", "3000");
	if (r.status != 0) {
		fprintf(stderr, "demo failed (%d): %s\n", r.status, r.err);
		run_free(&r);
		return -1;
	}
	run_free(&r);
	return 0;
}

/* ---- demo, ls, info ----------------------------------------------------- */

static void test_cli_demo_shows_bundle(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, "demo", "--name", "demo2", "--assets", "2", "--days", "1", "--seed", "9");
	assert_ok(&r);
	assert_int_equal(r.errlen, 0);
	assert_non_null(strstr(r.out, "ingest: tardis-trades"));
	assert_non_null(strstr(r.out, "published as demo2 generation 1"));
	assert_non_null(strstr(r.out, "$ tickshm ls"));
	assert_non_null(strstr(r.out, "$ tickshm info demo2"));
	assert_non_null(strstr(r.out, "attach"));
	assert_non_null(strstr(r.out, "zero-copy history"));
	assert_non_null(strstr(r.out, "$ tickshm run demo2 --strategy sma_cross"));
	assert_non_null(strstr(r.out, "2 assets x 90 parameter sets"));
	assert_non_null(strstr(r.out, "0 results failed"));
	assert_non_null(strstr(r.out, "throughput:"));
	assert_non_null(strstr(r.out, "best 10 of 180 by pnl"));
	run_free(&r);
	RUN(&r, "rm", "demo2");
	assert_ok(&r);
	run_free(&r);
}

/* CSV through four ingest presets onto the reference data gives exactly the
 * bundle the generator writes directly: same content hash once loaded. */
static void test_cli_demo_equals_gen_bundle(void **state)
{
	char dir[64];
	struct tshm_catalog *cat;
	struct tshm_descriptor a, b;
	struct run r;

	(void)state;
	assert_int_equal(tshm_test_mkdtemp(dir, sizeof(dir)), 0);
	RUN(&r, "demo", "--name", "viacsv", "--assets", "2", "--days", "4", "--trades-per-day",
	    "3000", "--seed", "3");
	assert_ok(&r);
	run_free(&r);
	RUN(&r, "gen", "--assets", "2", "--days", "4", "--trades-per-day", "3000", "--seed", "3",
	    "--format", "bundle", "--out", dir);
	if (r.status == 0) {
		run_free(&r);
		RUN(&r, "load", dir, "--name", "direct");
	}
	assert_int_equal(tshm_test_rmtree(dir), 0);
	assert_ok(&r);
	run_free(&r);
	assert_int_equal(tshm_catalog_open(&cat, NULL, 0), 0);
	assert_int_equal(tshm_catalog_lookup(cat, "viacsv", &a), 0);
	assert_int_equal(tshm_catalog_lookup(cat, "direct", &b), 0);
	tshm_catalog_close(cat);
	assert_true(a.hash_lo == b.hash_lo && a.hash_hi == b.hash_hi);
	RUN(&r, "rm", "viacsv");
	run_free(&r);
	RUN(&r, "rm", "direct");
	run_free(&r);
}

static void test_cli_demo_is_deterministic(void **state)
{
	struct tshm_catalog *cat;
	struct tshm_descriptor a, b;
	struct run r;

	(void)state;
	for (int i = 0; i < 2; i++) {
		RUN(&r, "demo", "--name", "det", "--assets", "2", "--days", "2", "--seed", "5");
		assert_ok(&r);
		run_free(&r);
		assert_int_equal(tshm_catalog_open(&cat, NULL, 0), 0);
		assert_int_equal(tshm_catalog_lookup(cat, "det", i ? &b : &a), 0);
		tshm_catalog_close(cat);
	}
	assert_true(b.generation == a.generation + 1);
	assert_true(a.hash_lo == b.hash_lo && a.hash_hi == b.hash_hi);
	RUN(&r, "rm", "det");
	assert_ok(&r);
	run_free(&r);
}

static void test_cli_ls_lists_sample(void **state)
{
	struct tshm_catalog *cat;
	struct tshm_descriptor d;
	char hash[33], line[512];
	struct run r;

	(void)state;
	assert_int_equal(tshm_catalog_open(&cat, NULL, 0), 0);
	assert_int_equal(tshm_catalog_lookup(cat, "sample", &d), 0);
	tshm_catalog_close(cat);
	snprintf(hash, sizeof(hash), "%016llx%016llx", (unsigned long long)d.hash_hi,
		 (unsigned long long)d.hash_lo);
	RUN(&r, "ls");
	assert_ok(&r);
	assert_non_null(strstr(r.out, tshm_test_ns()));
	assert_non_null(line_at(r.out, 1, line, sizeof(line)));
	assert_non_null(strstr(line, "BUNDLE"));
	assert_non_null(strstr(r.out, "\nsample "));
	assert_non_null(strstr(r.out, hash));
	assert_non_null(strstr(r.out, "2024-01-02T"));
	run_free(&r);
}

static void test_cli_ls_json(void **state)
{
	char want[128];
	struct run r;

	(void)state;
	RUN(&r, "ls", "--json");
	assert_ok(&r);
	snprintf(want, sizeof(want), "{\"namespace\":\"%s\",\"bundles\":[", tshm_test_ns());
	assert_true(strncmp(r.out, want, strlen(want)) == 0);
	assert_non_null(strstr(r.out, "\"name\":\"sample\""));
	assert_int_equal(count_lines(r.out), 1);
	run_free(&r);
}

static void test_cli_ls_empty_namespace(void **state)
{
	char ns[TSHM_NAMESPACE_MAX + 2];
	struct run r;

	(void)state;
	snprintf(ns, sizeof(ns), "%se", tshm_test_ns());
	RUN(&r, "ls", "--ns", ns);
	assert_ok(&r);
	assert_non_null(strstr(r.out, "no bundles published in namespace"));
	assert_non_null(strstr(r.out, ns));
	run_free(&r);
}

static void test_cli_info_describes_sample(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, "info", "sample");
	assert_ok(&r);
	assert_non_null(strstr(r.out, "/tickshm."));
	assert_non_null(strstr(r.out, ".sample.g"));
	assert_non_null(strstr(r.out, "generation"));
	assert_non_null(strstr(r.out, "schema v1"));
	assert_non_null(strstr(r.out, "trades"));
	assert_non_null(strstr(r.out, "ts:i64:ts"));
	assert_non_null(strstr(r.out, "ACME"));
	assert_non_null(strstr(r.out, "0.25")); /* the future's tick size, as a decimal */
	assert_null(strstr(r.out, "verify"));
	run_free(&r);
	RUN(&r, "info", "--verify", "sample", "--all");
	assert_ok(&r);
	assert_non_null(strstr(r.out, "verify: OK"));
	run_free(&r);
}

/* ---- cat ---------------------------------------------------------------- */

/* Prices print exactly: the text is the shared-memory mantissa at the asset's exponent. */
static void test_cli_cat_trades_csv(void **state)
{
	struct tshm_catalog *cat;
	struct tshm_view *v;
	struct tshm_window px;
	struct tshm_asset a;
	char line[512], field[64], want[64];
	struct run r;
	int idx;

	(void)state;
	RUN(&r, "cat", "sample", "--table", "trades", "--symbol", "ACME", "--format", "csv",
	    "--limit", "50");
	assert_ok(&r);
	assert_int_equal(count_lines(r.out), 51);
	line_at(r.out, 0, line, sizeof(line));
	assert_true(strncmp(line, "sid,symbol,ts,price,size,flags,", 31) == 0);

	assert_int_equal(tshm_catalog_open(&cat, NULL, 0), 0);
	assert_int_equal(tshm_view_open(&v, cat, "sample"), 0);
	idx = tshm_view_find_symbol(v, "ACME", INT64_MAX - 1);
	assert_true(idx >= 0);
	assert_int_equal(tshm_view_asset(v, (uint32_t)idx, &a), 0);
	assert_int_equal(tshm_history_range(v, TSHM_TABLE_TRADES, a.sid, TSHM_TRADES_PRICE,
					    INT64_MIN, INT64_MAX, &px),
			 0);
	for (size_t i = 0; i < 50; i++) {
		assert_non_null(line_at(r.out, i + 1, line, sizeof(line)));
		snprintf(want, sizeof(want), "%lld", (long long)a.sid);
		assert_string_equal(csv_field(line, 0, field, sizeof(field)), want);
		assert_string_equal(csv_field(line, 1, field, sizeof(field)), "ACME");
		csv_field(line, 2, field, sizeof(field));
		assert_int_equal(strlen(field), 30);
		assert_int_equal(field[29], 'Z');
		tshm_decimal_format(want, sizeof(want), ((const int64_t *)px.data)[i], a.price_exp);
		assert_string_equal(csv_field(line, 3, field, sizeof(field)), want);
		assert_non_null(strchr(field, '.'));
	}
	tshm_view_unref(v);
	tshm_catalog_close(cat);
	run_free(&r);
}

static void test_cli_cat_time_filter(void **state)
{
	char line[512], field[64];
	struct run r;
	size_t n;

	(void)state;
	RUN(&r, "cat", "sample", "--table", "quotes", "--sid", "1000", "--from", "2024-01-03",
	    "--to", "2024-01-04T00:00:00Z");
	assert_ok(&r);
	n = count_lines(r.out);
	assert_true(n > 100);
	/* Walk the lines once: indexing each from the start is quadratic. */
	for (const char *p = strchr(r.out, '\n'); p && p[1]; p = strchr(p + 1, '\n')) {
		size_t len = strcspn(p + 1, "\n");

		assert_true(len < sizeof(line));
		memcpy(line, p + 1, len);
		line[len] = '\0';
		assert_true(strncmp(csv_field(line, 2, field, sizeof(field)), "2024-01-03T", 11) ==
			    0);
	}
	run_free(&r);
}

/* A flat JSON object: "key": "string" | number, comma separated. Returns the key count. */
static int json_object_keys(const char *s)
{
	int keys = 0;

	if (*s++ != '{')
		return -1;
	while (*s != '}') {
		if (keys && *s++ != ',')
			return -1;
		if (*s++ != '"')
			return -1;
		s += strcspn(s, "\"\\");
		if (*s++ != '"' || *s++ != ':')
			return -1;
		if (*s == '"') {
			for (s++; *s && *s != '"'; s++)
				if (*s == '\\' && !*++s)
					return -1;
			if (*s++ != '"')
				return -1;
		} else {
			size_t n = strspn(s, "-0123456789");
			if (n == 0)
				return -1;
			s += n;
		}
		keys++;
	}
	return s[1] == '\0' ? keys : -1;
}

static void test_cli_cat_json_lines(void **state)
{
	char line[1024];
	struct run r;

	(void)state;
	RUN(&r, "cat", "sample", "--table", "trades", "--format", "json", "--limit", "20");
	assert_ok(&r);
	assert_int_equal(count_lines(r.out), 20);
	for (size_t i = 0; i < 20; i++) {
		line_at(r.out, i, line, sizeof(line));
		if (json_object_keys(line) != 7) /* sid, symbol + the 5 trade columns */
			fail_msg("not a JSON object of 7 keys: %s", line);
		assert_non_null(strstr(line, "\"price\":\""));
		assert_non_null(strstr(line, "\"sid\":1000,"));
	}
	run_free(&r);
}

static void test_cli_cat_flat_tables(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, "cat", "sample", "--table", "assets");
	assert_ok(&r);
	assert_int_equal(count_lines(r.out), 1 + 8);
	assert_non_null(strstr(r.out, "ESH4,CME,USD,2,-2,0,0.25,1,"));
	run_free(&r);
	/* The renamed asset: its old and new symbol. */
	RUN(&r, "cat", "sample", "--table", "symbols", "--symbol", "BOLT");
	assert_ok(&r);
	assert_int_equal(count_lines(r.out), 3);
	assert_non_null(strstr(r.out, "\nBLT,"));
	run_free(&r);
	RUN(&r, "cat", "sample", "--table", "symbols", "--symbol", "BLT", "--from", "2024-01-02");
	assert_ok(&r);
	assert_int_equal(count_lines(r.out), 3);
	run_free(&r);
	RUN(&r, "cat", "sample", "--table", "sessions", "--format", "json");
	assert_ok(&r);
	assert_int_equal(count_lines(r.out), 5);
	assert_non_null(strstr(r.out, "{\"day\":\"2024-01-02\","));
	run_free(&r);
	RUN(&r, "cat", "sample", "--table", "adjustments");
	assert_ok(&r);
	assert_int_equal(count_lines(r.out), 3); /* a split and a dividend */
	run_free(&r);
}

/* ---- rm, gc ------------------------------------------------------------- */

static void test_cli_rm_unpublishes(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, "demo", "--name", "rmme", "--assets", "1", "--days", "1");
	assert_ok(&r);
	run_free(&r);
	RUN(&r, "rm", "rmme");
	assert_ok(&r);
	assert_non_null(strstr(r.out, "removed rmme"));
	run_free(&r);
	RUN(&r, "info", "rmme");
	assert_one_line_error(&r, 1, "not published");
	run_free(&r);
	RUN(&r, "rm", "rmme");
	assert_one_line_error(&r, 1, "rmme");
	run_free(&r);
}

static void test_cli_gc_removes_leftovers(void **state)
{
	char name[TSHM_SEGNAME_MAX + 8], dir[64];
	struct run r;

	(void)state;
	/* A loader killed between commit and publish leaves a segment nothing will use
	 * (and the demo's bundle: kept in a directory this test removes). */
	assert_int_equal(tshm_test_mkdtemp(dir, sizeof(dir)), 0);
	/* Its CSV work directory too: the killed demo cannot remove it. */
	assert_int_equal(setenv("TMPDIR", dir, 1), 0);
	RUN_ENV(&r, "TICKSHM_TEST_CRASH_AT=before_publish", "demo", "--name", "crashy", "--assets",
		"1", "--days", "1", "--dir", dir);
	unsetenv("TMPDIR");
	assert_int_equal(tshm_test_rmtree(dir), 0);
	assert_int_equal(r.status, 128 + 9);
	run_free(&r);
	/* Generation numbers continue above removed bundles': match any. */
	snprintf(name, sizeof(name), "/tickshm.%s.crashy.g", tshm_test_ns());
	RUN(&r, "ls");
	assert_ok(&r);
	assert_non_null(strstr(r.out, "segments not current"));
	assert_non_null(strstr(r.out, name));
	run_free(&r);
	RUN(&r, "gc", "--dry-run");
	assert_ok(&r);
	assert_non_null(strstr(r.out, "would remove"));
	assert_non_null(strstr(r.out, name));
	run_free(&r);
	RUN(&r, "gc");
	assert_ok(&r);
	assert_non_null(strstr(r.out, "removed"));
	assert_non_null(strstr(r.out, name));
	run_free(&r);
	RUN(&r, "gc", "--dry-run");
	assert_ok(&r);
	assert_non_null(strstr(r.out, "would remove 0 segments"));
	run_free(&r);
}

/* ---- errors and help ---------------------------------------------------- */

static void test_cli_usage_errors(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, "frobnicate");
	assert_one_line_error(&r, 2, "frobnicate");
	run_free(&r);
	RUN(&r, "cat", "sample", "--table", "nope");
	assert_one_line_error(&r, 2, "unknown table");
	run_free(&r);
	RUN(&r, "cat", "sample", "--table", "trades", "--from", "yesterday");
	assert_one_line_error(&r, 2, "--from");
	run_free(&r);
	RUN(&r, "cat", "sample", "--table", "trades", "--to", "2024-02-30");
	assert_one_line_error(&r, 2, "--to");
	run_free(&r);
	RUN(&r, "cat", "sample", "--table", "trades", "--limit", "x");
	assert_one_line_error(&r, 2, "--limit");
	run_free(&r);
	RUN(&r, "cat", "sample", "--table", "trades", "--format", "xml");
	assert_one_line_error(&r, 2, "--format");
	run_free(&r);
	RUN(&r, "cat", "sample");
	assert_one_line_error(&r, 2, "--table");
	run_free(&r);
	RUN(&r, "ls", "--bogus");
	assert_one_line_error(&r, 2, "--bogus");
	run_free(&r);
	RUN(&r, "info", "bad/name");
	assert_one_line_error(&r, 2, "bad/name");
	run_free(&r);
	RUN(&r, "ls", "--ns", "bad.ns");
	assert_one_line_error(&r, 2, "bad.ns");
	run_free(&r);
	RUN(&r, "demo", "--assets", "0");
	assert_one_line_error(&r, 2, "--assets");
	run_free(&r);
}

static void test_cli_runtime_errors(void **state)
{
	char ns[TSHM_NAMESPACE_MAX + 2];
	struct run r;

	(void)state;
	RUN(&r, "info", "nosuchbundle");
	assert_one_line_error(&r, 1, "nosuchbundle");
	run_free(&r);
	RUN(&r, "cat", "nosuchbundle", "--table", "trades");
	assert_one_line_error(&r, 1, "not published");
	run_free(&r);
	RUN(&r, "cat", "sample", "--table", "trades", "--symbol", "NOPE");
	assert_one_line_error(&r, 1, "NOPE");
	run_free(&r);
	RUN(&r, "cat", "sample", "--table", "trades", "--sid", "5");
	assert_one_line_error(&r, 1, "5");
	run_free(&r);
	/* --ns before the command or after it: either way nothing is published there. */
	snprintf(ns, sizeof(ns), "%se", tshm_test_ns());
	RUN(&r, "--ns", ns, "info", "sample");
	assert_one_line_error(&r, 1, ns);
	run_free(&r);
	RUN(&r, "info", "sample", "--ns", ns);
	assert_one_line_error(&r, 1, ns);
	run_free(&r);
}

static void test_cli_no_arguments(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "usage: tickshm"));
	run_free(&r);
}

static void test_cli_help_and_version(void **state)
{
	static const char *cmds[] = {"ls", "info", "cat", "rm", "gc", "demo"};
	char want[64];
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		snprintf(want, sizeof(want), "usage: tickshm %s", cmds[i]);
		RUN(&r, cmds[i], "--help");
		assert_ok(&r);
		assert_true(strncmp(r.out, want, strlen(want)) == 0);
		run_free(&r);
		RUN(&r, "help", cmds[i]);
		assert_ok(&r);
		assert_true(strncmp(r.out, want, strlen(want)) == 0);
		run_free(&r);
	}
	RUN(&r, "--help");
	assert_ok(&r);
	assert_non_null(strstr(r.out, "commands:"));
	run_free(&r);
	RUN(&r, "--version");
	assert_ok(&r);
	snprintf(want, sizeof(want), "tickshm %s\n", tshm_version_string());
	assert_string_equal(r.out, want);
	run_free(&r);
	RUN(&r, "help", "nope");
	assert_one_line_error(&r, 2, "nope");
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_cli_demo_shows_bundle, free_pending),
	    cmocka_unit_test_teardown(test_cli_demo_equals_gen_bundle, free_pending),
	    cmocka_unit_test_teardown(test_cli_demo_is_deterministic, free_pending),
	    cmocka_unit_test_teardown(test_cli_ls_lists_sample, free_pending),
	    cmocka_unit_test_teardown(test_cli_ls_json, free_pending),
	    cmocka_unit_test_teardown(test_cli_ls_empty_namespace, free_pending),
	    cmocka_unit_test_teardown(test_cli_info_describes_sample, free_pending),
	    cmocka_unit_test_teardown(test_cli_cat_trades_csv, free_pending),
	    cmocka_unit_test_teardown(test_cli_cat_time_filter, free_pending),
	    cmocka_unit_test_teardown(test_cli_cat_json_lines, free_pending),
	    cmocka_unit_test_teardown(test_cli_cat_flat_tables, free_pending),
	    cmocka_unit_test_teardown(test_cli_rm_unpublishes, free_pending),
	    cmocka_unit_test_teardown(test_cli_gc_removes_leftovers, free_pending),
	    cmocka_unit_test_teardown(test_cli_usage_errors, free_pending),
	    cmocka_unit_test_teardown(test_cli_runtime_errors, free_pending),
	    cmocka_unit_test_teardown(test_cli_no_arguments, free_pending),
	    cmocka_unit_test_teardown(test_cli_help_and_version, free_pending),
	};

	tshm_test_ns_init("cli");
	return cmocka_run_group_tests(tests, setup_sample, NULL);
}
