/* SPDX-License-Identifier: MIT */
/* Error reporting, option values and text formatting shared by the subcommands. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

int cli_fail(const struct cli_ctx *ctx, int code, const char *what, const char *why_fmt, ...)
{
	va_list ap;

	fflush(stdout); /* data printed so far comes before the error */
	fprintf(stderr, "tickshm%s%s: %s: ", ctx->cmd ? " " : "", ctx->cmd ? ctx->cmd : "", what);
	va_start(ap, why_fmt);
	vfprintf(stderr, why_fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int cli_fail_rc(const struct cli_ctx *ctx, const char *what, int rc)
{
	return cli_fail(ctx, CLI_ERR, what, "%s", tshm_strerror(rc));
}

int cli_set_ns(struct cli_ctx *ctx, const char *ns)
{
	if (tshm_name_check(ns, TSHM_NAMESPACE_MAX) < 0)
		return cli_fail(ctx, CLI_USAGE, "--ns",
				"invalid namespace '%s' (1-%u characters of A-Z a-z 0-9 _ -)", ns,
				TSHM_NAMESPACE_MAX - 1);
	strcpy(ctx->ns, ns);
	ctx->ns_given = true;
	return 0;
}

int cli_resolve_ns(struct cli_ctx *ctx)
{
	if (ctx->ns_given)
		return 0;
	if (tshm_namespace(ctx->ns, sizeof(ctx->ns)) < 0)
		return cli_fail(ctx, CLI_USAGE, "TICKSHM_NAMESPACE",
				"invalid namespace '%s' (1-%u characters of A-Z a-z 0-9 _ -)",
				getenv("TICKSHM_NAMESPACE"), TSHM_NAMESPACE_MAX - 1);
	return 0;
}

int cli_common_opt(struct cli_ctx *ctx, int opt, char **argv)
{
	char hint[64];

	snprintf(hint, sizeof(hint), "see 'tickshm%s%s --help'", ctx->cmd ? " " : "",
		 ctx->cmd ? ctx->cmd : "");
	switch (opt) {
	case CLI_OPT_NS:
		return cli_set_ns(ctx, optarg) ? CLI_USAGE : -1;
	case ':':
		return cli_fail(ctx, CLI_USAGE, argv[optind - 1], "option needs a value (%s)",
				hint);
	case '?':
		if (optopt)
			return cli_fail(ctx, CLI_USAGE, "usage", "unknown option '-%c' (%s)",
					optopt, hint);
		return cli_fail(ctx, CLI_USAGE, "usage", "unknown option '%s' (%s)",
				argv[optind - 1], hint);
	default:
		return cli_fail(ctx, CLI_USAGE, "usage", "unexpected option (%s)", hint);
	}
}

int cli_check_name(struct cli_ctx *ctx, const char *what, const char *name)
{
	if (tshm_name_check(name, TSHM_BUNDLE_MAX) == 0)
		return 0;
	return cli_fail(ctx, CLI_USAGE, what,
			"invalid bundle name '%s' (1-%u characters of A-Z a-z 0-9 _ -)", name,
			TSHM_BUNDLE_MAX - 1);
}

int cli_parse_count(struct cli_ctx *ctx, const char *opt, const char *s, uint64_t max,
		    uint32_t *out)
{
	uint64_t u = 0;
	int rc = cli_parse_u64(ctx, opt, s, &u);

	if (rc == 0 && (u < 1 || u > max))
		return cli_fail(ctx, CLI_USAGE, opt, "%s is out of range 1-%" PRIu64, s, max);
	*out = (uint32_t)u;
	return rc;
}

int cli_getopt(struct cli_ctx *ctx, int argc, char **argv, const char *shortopts,
	       const struct option *opts, void (*help)(FILE *out),
	       int (*value)(struct cli_ctx *ctx, void *arg, int opt, const char *optarg), void *arg)
{
	int opt, rc;

	while ((opt = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		if (opt == 'h') {
			help(stdout);
			return cli_finish(ctx, CLI_OK);
		}
		rc = value(ctx, arg, opt, optarg);
		if (rc == -1)
			rc = cli_common_opt(ctx, opt, argv);
		if (rc > 0)
			return rc;
	}
	return -1;
}

int cli_open_catalog(struct cli_ctx *ctx, const char *bundle, unsigned flags,
		     struct tshm_catalog **out)
{
	int rc;

	if (bundle && (rc = cli_check_name(ctx, bundle, bundle)))
		return rc;
	rc = tshm_catalog_open(out, ctx->ns, flags);
	if (rc == -ENOENT && bundle)
		return cli_fail(ctx, CLI_ERR, bundle,
				"not published in namespace %s (no bundle is: no catalog)",
				ctx->ns);
	if (rc == -ENOENT)
		return cli_fail(ctx, CLI_ERR, "catalog", "no bundles published in namespace %s",
				ctx->ns);
	if (rc < 0)
		return cli_fail(ctx, CLI_ERR, "catalog", "namespace %s: %s", ctx->ns,
				tshm_strerror(rc));
	return 0;
}

int cli_open_view(struct cli_ctx *ctx, struct tshm_catalog *cat, const char *bundle,
		  struct tshm_view **out)
{
	int rc = tshm_view_open(out, cat, bundle);

	if (rc == -ENOENT)
		return cli_fail(ctx, CLI_ERR, bundle, "not published in namespace %s", ctx->ns);
	if (rc < 0)
		return cli_fail_rc(ctx, bundle, rc);
	return 0;
}

int cli_parse_i64(struct cli_ctx *ctx, const char *opt, const char *s, int64_t *out)
{
	int rc = tshm_decimal_parse(s, strlen(s), 0, out);

	if (rc < 0 || strchr(s, '.'))
		return cli_fail(ctx, CLI_USAGE, opt, "'%s' is not an integer%s", s,
				rc == -ERANGE ? " in range" : "");
	return 0;
}

int cli_parse_u64(struct cli_ctx *ctx, const char *opt, const char *s, uint64_t *out)
{
	int64_t v;

	if (cli_parse_i64(ctx, opt, s, &v))
		return CLI_USAGE;
	if (v < 0)
		return cli_fail(ctx, CLI_USAGE, opt, "'%s' must not be negative", s);
	*out = (uint64_t)v;
	return 0;
}

int cli_parse_ts(struct cli_ctx *ctx, const char *opt, const char *s, int64_t *out)
{
	int rc = tshm_ts_parse(s, out);

	if (rc == -ERANGE)
		return cli_fail(ctx, CLI_USAGE, opt,
				"'%s' is outside the int64 ns range (1678-2261)", s);
	if (rc < 0)
		return cli_fail(ctx, CLI_USAGE, opt,
				"'%s' is not a timestamp (YYYY-MM-DD[THH:MM[:SS[.fffffffff]]][Z] "
				"UTC, or integer ns)",
				s);
	return 0;
}

int cli_finish(struct cli_ctx *ctx, int code)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		return cli_fail(ctx, CLI_ERR, "stdout", "%s", strerror(errno));
	return code;
}

/* ---- formatting --------------------------------------------------------- */

char *cli_fmt_decimal(char *buf, size_t len, int64_t v, int exp)
{
	if (tshm_decimal_format(buf, len, v, exp) < 0)
		snprintf(buf, len, "%" PRId64 "e%d", v, exp);
	return buf;
}

char *cli_fmt_hash(char *buf, uint64_t lo, uint64_t hi)
{
	snprintf(buf, CLI_HASH_BUFSZ, "%016" PRIx64 "%016" PRIx64, hi, lo);
	return buf;
}

char *cli_fmt_size(char *buf, uint64_t bytes)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	uint64_t whole = bytes, tenths = 0;
	unsigned u = 0;

	while (whole >= 1024 && u < 5) {
		tenths = (whole % 1024) * 10 / 1024;
		whole /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, CLI_SIZE_BUFSZ, "%" PRIu64 " B", bytes);
	else
		snprintf(buf, CLI_SIZE_BUFSZ, "%" PRIu64 ".%" PRIu64 " %s", whole, tenths, unit[u]);
	return buf;
}

char *cli_fmt_ts_short(char *buf, int64_t ts)
{
	int n = tshm_ts_format(buf, TSHM_TS_BUFSZ, ts);

	/* Drop zero digits in groups of three so ms/us/ns precision still reads as such. */
	if (n == 30) {
		char *frac = buf + 20; /* after "YYYY-MM-DDTHH:MM:SS." */
		int keep = 9;

		while (keep > 0 && memcmp(frac + keep - 3, "000", 3) == 0)
			keep -= 3;
		if (keep == 0)
			strcpy(frac - 1, "Z");
		else
			strcpy(frac + keep, "Z");
	}
	return buf;
}

char *cli_fmt_ts_sec(char *buf, int64_t ts)
{
	if (tshm_ts_format(buf, TSHM_TS_BUFSZ, ts) == 30)
		strcpy(buf + 19, "Z");
	return buf;
}

char *cli_fmt_day(char *buf, int32_t day)
{
	if (tshm_ts_format(buf, TSHM_TS_BUFSZ, (int64_t)day * TSHM_DAY_NS) == 30)
		buf[10] = '\0';
	else
		snprintf(buf, TSHM_TS_BUFSZ, "%" PRId32, day);
	return buf;
}

const char *cli_class_name(int32_t cls)
{
	static const char *const names[] = {"other", "equity", "future", "crypto",
					    "fx",    "etf",    "index"};

	return cls >= 0 && cls < (int32_t)(sizeof(names) / sizeof(names[0])) ? names[cls] : "?";
}

const char *cli_state_name(int state)
{
	switch (state) {
	case TSHM_SEGSTATE_CURRENT:
		return "current";
	case TSHM_SEGSTATE_WRITING:
		return "writing";
	case TSHM_SEGSTATE_ABANDONED:
		return "abandoned";
	case TSHM_SEGSTATE_OLD:
		return "old";
	default:
		return "unknown";
	}
}

const char *cli_type_name(uint8_t type)
{
	switch (type) {
	case TSHM_TYPE_I64:
		return "i64";
	case TSHM_TYPE_I32:
		return "i32";
	case TSHM_TYPE_CHAR:
		return "char";
	default:
		return "?";
	}
}

const char *cli_kind_name(uint8_t kind)
{
	static const char *const names[] = {"plain", "ts", "price", "size", "sid", "day", "text"};

	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

int64_t cli_mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

void cli_json_str(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
}
