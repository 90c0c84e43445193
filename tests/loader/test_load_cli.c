/* tshm-test-labels: unit */
/* SPDX-License-Identifier: MIT */
/*
 * `tickshm load` as users run it: the result line on stdout, "up to date"
 * on a second run, --force, --name, one-line errors with exit code 1 for
 * runtime failures (the chunk named) and 2 for usage errors. Skipped when
 * the CLI is not built (TICKSHM_CLI unset).
 */
#include "loader_test.h"
#include "tshm_test.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BUNDLE "clib"

struct fx {
	char tmp[64];
	char dir[128];
	char out[160], err[160]; /* captured stdout and stderr */
	char obuf[4096], ebuf[4096];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (tshm_test_mkdtemp(f->tmp, sizeof(f->tmp)) < 0) {
		free(f);
		return -1;
	}
	tshm_test_ns_clean();
	snprintf(f->dir, sizeof(f->dir), "%s/bundle", f->tmp);
	snprintf(f->out, sizeof(f->out), "%s/out", f->tmp);
	snprintf(f->err, sizeof(f->err), "%s/err", f->tmp);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tshm_test_rmtree(f->tmp);
	tshm_test_ns_clean();
	free(f);
	return 0;
}

static void slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

/* Run `tickshm load <args>` (args already shell-quoted). Returns the exit code. */
static int run(struct fx *f, const char *args)
{
	const char *cli = tshm_test_cli();
	char cmd[1024];
	int st;

	snprintf(cmd, sizeof(cmd), "'%s' load %s >'%s' 2>'%s' </dev/null", cli, args, f->out,
		 f->err);
	st = system(cmd);
	slurp(f->out, f->obuf, sizeof(f->obuf));
	slurp(f->err, f->ebuf, sizeof(f->ebuf));
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* Exactly one line on stderr, "tickshm load: ..." */
static void one_error_line(const struct fx *f)
{
	size_t n = strlen(f->ebuf);

	if (strncmp(f->ebuf, "tickshm load: ", 14) != 0 || n == 0 || f->ebuf[n - 1] != '\n' ||
	    strchr(f->ebuf, '\n') != f->ebuf + n - 1)
		fail_msg("stderr is not one 'tickshm load: ' line: '%s'", f->ebuf);
}

static void test_load_cli_load_and_up_to_date(void **state)
{
	struct fx *f = *state;
	char args[512];

	tshm_test_cli(); /* skips in a build without the tools */
	assert_int_equal(tshm_ltest_make_bundle(f->dir, BUNDLE, 2, 2, 300, 1), 0);
	snprintf(args, sizeof(args), "'%s'", f->dir);
	assert_int_equal(run(f, args), 0);
	assert_non_null(strstr(f->obuf, "loaded " BUNDLE " generation 1 from "));
	assert_string_equal(f->ebuf, ""); /* not a terminal: no progress bar */
	assert_int_equal(run(f, args), 0);
	assert_non_null(strstr(f->obuf, BUNDLE " is up to date: generation 1"));
	snprintf(args, sizeof(args), "'%s' --force --threads 1", f->dir);
	assert_int_equal(run(f, args), 0);
	assert_non_null(strstr(f->obuf, "loaded " BUNDLE " generation 2"));
	snprintf(args, sizeof(args), "--name other '%s' --direct off", f->dir);
	assert_int_equal(run(f, args), 0);
	assert_non_null(strstr(f->obuf, "loaded other generation 1"));
}

static void test_load_cli_errors(void **state)
{
	struct fx *f = *state;
	char args[512];

	tshm_test_cli(); /* skips in a build without the tools */
	assert_int_equal(tshm_ltest_make_bundle(f->dir, BUNDLE, 1, 1, 100, 2), 0);
	snprintf(args, sizeof(args), "'%s/missing'", f->tmp);
	assert_int_equal(run(f, args), 1);
	one_error_line(f);
	assert_int_equal(run(f, ""), 2);
	one_error_line(f);
	snprintf(args, sizeof(args), "'%s' --threads 0", f->dir);
	assert_int_equal(run(f, args), 2);
	one_error_line(f);
	snprintf(args, sizeof(args), "'%s' --direct sometimes", f->dir);
	assert_int_equal(run(f, args), 2);
	one_error_line(f);
	snprintf(args, sizeof(args), "'%s' --name 'bad name'", f->dir);
	assert_int_equal(run(f, args), 2);
	one_error_line(f);
	snprintf(args, sizeof(args), "'%s' '%s'", f->dir, f->dir);
	assert_int_equal(run(f, args), 2);
	one_error_line(f);
	assert_int_equal(run(f, "--help"), 0);
	assert_non_null(strstr(f->obuf, "usage: tickshm load"));
	assert_int_equal(tshm_test_ns_count(), 0); /* not even a catalog for a missing bundle */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_load_cli_load_and_up_to_date, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_cli_errors, setup, teardown),
	};

	tshm_test_ns_init("loadcli");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
