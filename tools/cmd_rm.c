/* SPDX-License-Identifier: MIT */
/* tickshm rm: unpublish a bundle. */
#include <errno.h>
#include <inttypes.h>

#include "cli.h"

void cli_help_rm(FILE *out)
{
	fputs("usage: tickshm rm <bundle> [--ns NS]\n"
	      "\n"
	      "Unpublish a bundle: free its catalog slot and unlink its current\n"
	      "segment. Processes that map it keep a valid mapping; the kernel frees\n"
	      "the memory at their last unmap ('tickshm ls' shows them).\n"
	      "\n"
	      "options:\n"
	      "  --ns NS     namespace (default: $TICKSHM_NAMESPACE, else \"default\")\n"
	      "  -h, --help  show this help\n",
	      out);
}

int cli_cmd_rm(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    CLI_NS_OPTION,
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct tshm_catalog *cat = NULL;
	struct tshm_descriptor d = {0};
	const char *bundle;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (opt == 'h') {
			cli_help_rm(stdout);
			return cli_finish(ctx, CLI_OK);
		} else if ((rc = cli_common_opt(ctx, opt, argv)) >= 0) {
			return rc;
		}
	}
	if (optind + 1 != argc)
		return cli_fail(ctx, CLI_USAGE, "usage",
				optind < argc ? "exactly one bundle name expected"
					      : "missing bundle name (tickshm rm <bundle>)");
	bundle = argv[optind];
	if ((rc = cli_resolve_ns(ctx)) ||
	    (rc = cli_open_catalog(ctx, bundle, TSHM_CATALOG_RDWR, &cat)))
		return rc;
	tshm_catalog_lookup(cat, bundle, &d); /* only for the message */
	rc = tshm_catalog_remove(cat, bundle);
	tshm_catalog_close(cat);
	if (rc == -ENOENT)
		return cli_fail(ctx, CLI_ERR, bundle, "not published in namespace %s", ctx->ns);
	if (rc < 0)
		return cli_fail_rc(ctx, bundle, rc);
	if (d.generation)
		printf("removed %s (generation %" PRIu64 ", %s)\n", bundle, d.generation,
		       d.segment);
	else
		printf("removed %s\n", bundle);
	return cli_finish(ctx, CLI_OK);
}
