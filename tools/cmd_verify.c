/* SPDX-License-Identifier: MIT */
/* tickshm verify: check every chunk of an on-disk bundle against its index. */
#include <errno.h>
#include <inttypes.h>

#include "cli.h"
#include "tickshm/bundle.h"

void cli_help_verify(FILE *out)
{
	fputs("usage: tickshm verify <bundle-dir>\n"
	      "\n"
	      "Check an on-disk bundle (loader/BUNDLE.md): the chunk index (every\n"
	      "frame inside its data file, no overlaps, widths, row counts, time\n"
	      "ranges), then read and decode every chunk and compare it with its\n"
	      "XXH3-64 checksum, length, row count and time range. Prints one line:\n"
	      "chunks checked, bytes read, and OK or the first bad chunk.\n"
	      "Exit status 1 if anything is wrong.\n"
	      "\n"
	      "options:\n"
	      "  -h, --help  show this help\n",
	      out);
}

int cli_cmd_verify(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct tshm_verify_report rep;
	char size[CLI_SIZE_BUFSZ];
	const char *dir;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (opt == 'h') {
			cli_help_verify(stdout);
			return cli_finish(ctx, CLI_OK);
		} else if ((rc = cli_common_opt(ctx, opt, argv)) >= 0) {
			return rc;
		}
	}
	if (optind + 1 != argc)
		return cli_fail(ctx, CLI_USAGE, "usage",
				optind < argc ? "exactly one bundle directory expected"
					      : "missing bundle directory (tickshm verify <dir>)");
	dir = argv[optind];
	rc = tshm_bundle_verify_dir(dir, &rep);
	if (rc == -TSHM_ECORRUPT && rep.first_error[0])
		return cli_fail(ctx, CLI_ERR, dir,
				"%" PRIu64 " of %" PRIu64 " chunks bad, first: %s", rep.chunks_bad,
				rep.chunks_checked, rep.first_error);
	if (rc == -ENOENT)
		return cli_fail(ctx, CLI_ERR, dir, "no bundle here (no " TSHM_BUNDLE_DB_NAME ")");
	if (rc < 0)
		return cli_fail_rc(ctx, dir, rc);
	printf("%s: %" PRIu64 " chunks, %s read, OK", dir, rep.chunks_checked,
	       cli_fmt_size(size, rep.bytes_read));
	if (rep.orphan_files)
		printf(" (%" PRIu64 " unreferenced data files, removed by the next ingest)",
		       rep.orphan_files);
	putchar('\n');
	return cli_finish(ctx, CLI_OK);
}
