/* SPDX-License-Identifier: MIT */
/* tickshm: market data into shared memory, and backtests over it. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const struct cli_command cli_commands[] = {
    {"demo", "the main job on a built-in sample: gen, ingest, load, sweep", cli_cmd_demo,
     cli_help_demo},
    {"gen", "write synthetic market data as a bundle or CSV files", cli_cmd_gen, cli_help_gen},
    {"ingest", "parse CSV files (plain or .zst) into an on-disk bundle", cli_cmd_ingest,
     cli_help_ingest},
    {"verify", "check an on-disk bundle against its checksums", cli_cmd_verify, cli_help_verify},
    {"load", "load a bundle into shared memory and publish it", cli_cmd_load, cli_help_load},
    {"ls", "list published bundles, old generations still mapped, leftovers", cli_cmd_ls,
     cli_help_ls},
    {"info", "describe one bundle: tables, columns, assets", cli_cmd_info, cli_help_info},
    {"cat", "print rows of a table as CSV or JSON lines", cli_cmd_cat, cli_help_cat},
    {"run", "sweep a strategy over a bundle on a pool of worker processes", cli_cmd_run,
     cli_help_run},
    {"walkforward", "walk-forward train/test windows over a sweep", cli_cmd_walkforward,
     cli_help_walkforward},
    {"rm", "unpublish a bundle", cli_cmd_rm, cli_help_rm},
    {"gc", "remove segments nothing can use again", cli_cmd_gc, cli_help_gc},
    {NULL, NULL, NULL, NULL},
};

static void help_main(FILE *out)
{
	fputs("usage: tickshm [--ns NS] <command> [options]\n"
	      "\n"
	      "Market data into shared memory (gen, ingest, load), inspected (ls, info,\n"
	      "cat), and swept by strategies on a pool of worker processes (run).\n"
	      "\n"
	      "commands:\n",
	      out);
	for (const struct cli_command *c = cli_commands; c->name; c++)
		fprintf(out, "  %-11s  %s\n", c->name, c->summary);
	fputs("  help         show the help of a command: tickshm help <command>\n"
	      "\n"
	      "global options:\n"
	      "  --ns NS        namespace to use (default: $TICKSHM_NAMESPACE, else \"default\");\n"
	      "                 accepted before or after the command\n"
	      "  -h, --help     show this help\n"
	      "  -V, --version  show the version\n"
	      "\n"
	      "Exit status: 0 success, 1 runtime error, 2 usage error.\n"
	      "Run 'tickshm <command> --help' for the options of a command.\n",
	      out);
}

static const struct cli_command *find_command(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static int cmd_help(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct cli_command *c;

	if (argc < 2) {
		help_main(stdout);
		return cli_finish(ctx, CLI_OK);
	}
	c = find_command(argv[1]);
	if (!c)
		return cli_fail(ctx, CLI_USAGE, argv[1], "unknown command (see 'tickshm --help')");
	c->help(stdout);
	return cli_finish(ctx, CLI_OK);
}

/* Global options stop at the command name; the command parses the rest. */
static int parse_global(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    CLI_NS_OPTION,
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	int opt, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			help_main(stdout);
			return cli_finish(ctx, CLI_OK);
		case 'V':
			printf("tickshm %s\n", tshm_version_string());
			return cli_finish(ctx, CLI_OK);
		default:
			rc = cli_common_opt(ctx, opt, argv);
			if (rc >= 0)
				return rc;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct cli_ctx ctx = {0};
	const struct cli_command *c;
	int rc;

	rc = parse_global(&ctx, argc, argv);
	if (rc >= 0)
		return rc;
	if (optind >= argc) {
		help_main(stderr);
		return CLI_USAGE;
	}
	ctx.cmd = argv[optind];
	if (strcmp(ctx.cmd, "help") == 0)
		return cmd_help(&ctx, argc - optind, argv + optind);
	c = find_command(ctx.cmd);
	if (!c) {
		ctx.cmd = NULL;
		return cli_fail(&ctx, CLI_USAGE, argv[optind],
				"unknown command (see 'tickshm --help')");
	}
	argc -= optind;
	argv += optind;
	optind = 0; /* GNU getopt: 0 re-initialises the parser for the command's own options */
	return c->run(&ctx, argc, argv);
}
