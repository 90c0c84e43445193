/* SPDX-License-Identifier: MIT */
/* Private to the tickshm CLI: what the subcommand files share. */
#ifndef TSHM_CLI_H
#define TSHM_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tickshm/tickshm.h"

/* Exit codes: 0 success, 1 runtime error, 2 usage error. */
enum { CLI_OK = 0, CLI_ERR = 1, CLI_USAGE = 2 };

/* Global state every subcommand sees. */
struct cli_ctx {
	const char *cmd;	     /* subcommand name, for messages */
	char ns[TSHM_NAMESPACE_MAX]; /* resolved namespace */
	bool ns_given;		     /* --ns given; otherwise from the environment */
};

/* Option id for --ns in every subcommand's long option table. */
#define CLI_OPT_NS 0x100
#define CLI_NS_OPTION                                                                              \
	{                                                                                          \
		"ns", required_argument, NULL, CLI_OPT_NS                                          \
	}

/* A subcommand: parses its own options from argv[0] = its name. */
struct cli_command {
	const char *name;
	const char *summary;
	int (*run)(struct cli_ctx *ctx, int argc, char **argv);
	void (*help)(FILE *out);
};

extern const struct cli_command cli_commands[];

/* "tickshm <cmd>: <what>: <why>" on stderr. Returns @code. */
int cli_fail(const struct cli_ctx *ctx, int code, const char *what, const char *why_fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* cli_fail with tshm_strerror(@rc) as the reason; returns CLI_ERR. */
int cli_fail_rc(const struct cli_ctx *ctx, const char *what, int rc);

/*
 * Handle the options every subcommand shares inside its getopt loop:
 * --ns, unknown options and missing arguments. Returns -1 if @opt was
 * handled fine, or an exit code to return.
 */
int cli_common_opt(struct cli_ctx *ctx, int opt, char **argv);

/* Set the namespace from --ns (validated). Returns 0 or CLI_USAGE. */
int cli_set_ns(struct cli_ctx *ctx, const char *ns);

/* Resolve the namespace from the environment unless --ns gave one. */
int cli_resolve_ns(struct cli_ctx *ctx);

/*
 * Open the namespace catalog for work on @bundle (may be NULL); errors, a
 * missing catalog included, are reported. Returns 0 or the exit code.
 */
int cli_open_catalog(struct cli_ctx *ctx, const char *bundle, unsigned flags,
		     struct tshm_catalog **out);

/* Attach @bundle (name checked by cli_open_catalog); errors are reported. Returns 0 or the exit code. */
int cli_open_view(struct cli_ctx *ctx, struct tshm_catalog *cat, const char *bundle,
		  struct tshm_view **out);

/*
 * cli_check_name - report @name (given as @what: "--name", or the operand
 * itself) unless it is a valid bundle name. Returns 0 or CLI_USAGE.
 */
int cli_check_name(struct cli_ctx *ctx, const char *what, const char *name);

/* Parse a count option value in [1, @max]. Returns 0 or CLI_USAGE. */
int cli_parse_count(struct cli_ctx *ctx, const char *opt, const char *s, uint64_t max,
		    uint32_t *out);

/*
 * cli_getopt - the option loop every subcommand runs: -h prints @help and
 * ends with 0, @value handles the command's own options (returns 0 when
 * done, -1 for an option that is not its own, or an exit code), the rest
 * (--ns, unknown or incomplete options) go to cli_common_opt. Returns -1
 * when parsing succeeded (operands start at optind), or the exit code.
 */
int cli_getopt(struct cli_ctx *ctx, int argc, char **argv, const char *shortopts,
	       const struct option *opts, void (*help)(FILE *out),
	       int (*value)(struct cli_ctx *ctx, void *arg, int opt, const char *optarg),
	       void *arg);

/* Parse a non-negative / signed integer option value. */
int cli_parse_u64(struct cli_ctx *ctx, const char *opt, const char *s, uint64_t *out);
int cli_parse_i64(struct cli_ctx *ctx, const char *opt, const char *s, int64_t *out);
int cli_parse_ts(struct cli_ctx *ctx, const char *opt, const char *s, int64_t *out);

/* Formatting helpers; each writes into @buf and returns it. */
#define CLI_HASH_BUFSZ 33u
#define CLI_SIZE_BUFSZ 32u
char *cli_fmt_hash(char *buf, uint64_t lo, uint64_t hi);
/* @v x 10^@exp exactly, or "<v>e<exp>" for an exponent tshm_decimal_format refuses. */
#define CLI_DECIMAL_BUFSZ (TSHM_DECIMAL_BUFSZ + 16u)
char *cli_fmt_decimal(char *buf, size_t len, int64_t v, int exp);
char *cli_fmt_size(char *buf, uint64_t bytes);
char *cli_fmt_ts_short(char *buf, int64_t ts); /* ISO, zero fraction trimmed */
char *cli_fmt_ts_sec(char *buf, int64_t ts);   /* ISO to the second */
char *cli_fmt_day(char *buf, int32_t day);     /* YYYY-MM-DD, TSHM_TS_BUFSZ */
const char *cli_class_name(int32_t cls);
const char *cli_state_name(int state);
const char *cli_type_name(uint8_t type);
const char *cli_kind_name(uint8_t kind);
int64_t cli_mono_ns(void);

/* JSON string body escaping of @n bytes (stops at NUL). */
void cli_json_str(FILE *out, const char *s, size_t n);

/* Rows of text cells printed as aligned columns (cli_table.c). */
struct cli_table {
	unsigned ncols;
	size_t ncells, cap;
	char **cells; /* row-major, owned */
	int oom;      /* an allocation failed: printing reports it */
};
void cli_table_init(struct cli_table *t, unsigned ncols);
/* Append one cell; every ncols cells make a row. */
void cli_table_cell(struct cli_table *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Print (first row is the header) and free. Returns 0 or -ENOMEM. */
int cli_table_print(struct cli_table *t, FILE *out, const char *indent);
void cli_table_free(struct cli_table *t);

/* Shared printers of ls and info, used by demo too. */
int cli_ls_print(struct cli_ctx *ctx, FILE *out, bool json);
int cli_info_print(struct cli_ctx *ctx, FILE *out, struct tshm_catalog *cat, struct tshm_view *v,
		   bool all);

/* Subcommands. */
int cli_cmd_ls(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_info(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_gc(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_rm(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_cat(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_demo(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_verify(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_gen(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_load(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_ingest(struct cli_ctx *ctx, int argc, char **argv);
void cli_help_ls(FILE *out);
void cli_help_info(FILE *out);
void cli_help_gc(FILE *out);
void cli_help_rm(FILE *out);
void cli_help_cat(FILE *out);
void cli_help_demo(FILE *out);
int cli_cmd_run(struct cli_ctx *ctx, int argc, char **argv);
void cli_help_run(FILE *out);
int cli_cmd_walkforward(struct cli_ctx *ctx, int argc, char **argv);
void cli_help_walkforward(FILE *out);
void cli_help_verify(FILE *out);
void cli_help_gen(FILE *out);
void cli_help_load(FILE *out);
void cli_help_ingest(FILE *out);

/* Flush stdout and turn a write error into an exit code. */
int cli_finish(struct cli_ctx *ctx, int code);

#endif
