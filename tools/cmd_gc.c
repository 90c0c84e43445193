/* SPDX-License-Identifier: MIT */
/* tickshm gc: remove the segments nothing can use again. */
#include <inttypes.h>

#include "cli.h"

void cli_help_gc(FILE *out)
{
	fputs("usage: tickshm gc [--dry-run] [--ns NS]\n"
	      "\n"
	      "Remove the namespace's segments nothing can use again: abandoned ones\n"
	      "(incomplete or never published, their writer gone) and old generations\n"
	      "no process maps. Current segments and segments being written are kept.\n"
	      "Prints one line per segment removed, then a count.\n"
	      "\n"
	      "options:\n"
	      "  -n, --dry-run  only report what would be removed\n"
	      "  --ns NS        namespace (default: $TICKSHM_NAMESPACE, else \"default\")\n"
	      "  -h, --help     show this help\n",
	      out);
}

static int report(const struct tshm_seg_entry *e, void *arg)
{
	const bool *dry = arg;
	char size[CLI_SIZE_BUFSZ];

	printf("%s %s (%s, %s)\n", *dry ? "would remove" : "removed", e->name,
	       cli_state_name(e->state), cli_fmt_size(size, e->size));
	return 0;
}

int cli_cmd_gc(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    CLI_NS_OPTION,
	    {"dry-run", no_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool dry = false;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, ":hn", opts, NULL)) != -1) {
		if (opt == 'h') {
			cli_help_gc(stdout);
			return cli_finish(ctx, CLI_OK);
		} else if (opt == 'n') {
			dry = true;
		} else if ((rc = cli_common_opt(ctx, opt, argv)) >= 0) {
			return rc;
		}
	}
	if (optind < argc)
		return cli_fail(ctx, CLI_USAGE, argv[optind], "unexpected argument");
	if ((rc = cli_resolve_ns(ctx)))
		return rc;
	rc = tshm_gc(ctx->ns, dry ? TSHM_GC_DRY_RUN : 0, report, &dry);
	if (rc < 0)
		return cli_fail(ctx, CLI_ERR, "namespace", "%s: %s", ctx->ns, tshm_strerror(rc));
	printf("%s %d segment%s in namespace %s\n", dry ? "would remove" : "removed", rc,
	       rc == 1 ? "" : "s", ctx->ns);
	return cli_finish(ctx, CLI_OK);
}
