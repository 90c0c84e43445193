/* SPDX-License-Identifier: MIT */
/* tickshm load: a bundle directory into a new published generation. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "tickshm/bundle.h"
#include "tickshm/load.h"

#define BAR_WIDTH 30

void cli_help_load(FILE *out)
{
	fputs("usage: tickshm load <bundle-dir> [--name N] [--force] [--threads N]\n"
	      "                    [--direct auto|on|off] [--ns NS]\n"
	      "\n"
	      "Load a bundle from disk into shared memory and publish it as a new\n"
	      "generation: the segment is created and fully allocated first, every\n"
	      "chunk is read with io_uring, decoded on several threads straight into\n"
	      "place and checked against its checksum, then the segment is committed\n"
	      "and published, and the previous generation unlinked (processes that\n"
	      "map it keep it). If the published generation already has the bundle's\n"
	      "content hash, nothing is done. A failed load publishes nothing.\n"
	      "\n"
	      "options:\n"
	      "  --name N       publish under this bundle name (default: the bundle's)\n"
	      "  --force        load even if the published generation is up to date\n"
	      "  --threads N    decode threads (default: the online CPUs)\n"
	      "  --direct MODE  O_DIRECT reads: auto (files not in the page cache,\n"
	      "                 the default), on, off\n"
	      "  --ns NS        namespace (default: $TICKSHM_NAMESPACE, else \"default\")\n"
	      "  -h, --help     show this help\n"
	      "\n"
	      "A progress bar goes to stderr when it is a terminal; the result is one\n"
	      "line on stdout.\n",
	      out);
}

struct bar {
	int64_t t0;
	int drawn;
};

static void draw(uint64_t done, uint64_t total, void *arg)
{
	struct bar *b = arg;
	double s = (double)(cli_mono_ns() - b->t0) / 1e9;
	unsigned fill = total ? (unsigned)((double)done / (double)total * BAR_WIDTH) : BAR_WIDTH;
	char d[CLI_SIZE_BUFSZ], t[CLI_SIZE_BUFSZ], line[BAR_WIDTH + 1];

	for (unsigned i = 0; i < BAR_WIDTH; i++)
		line[i] = i < fill ? '#' : '.';
	line[BAR_WIDTH] = '\0';
	fprintf(stderr, "\r[%s] %3u%%  %s / %s  %.2f GB/s\033[K", line,
		total ? (unsigned)(done * 100 / total) : 100, cli_fmt_size(d, done),
		cli_fmt_size(t, total), s > 0 ? (double)done / s / 1e9 : 0.0);
	fflush(stderr);
	b->drawn = 1;
}

static int parse_direct(struct cli_ctx *ctx, const char *s, int *out)
{
	static const char *const modes[] = {"auto", "on", "off"};

	for (int i = 0; i < 3; i++)
		if (strcmp(s, modes[i]) == 0) {
			*out = i; /* enum tshm_load_direct */
			return 0;
		}
	return cli_fail(ctx, CLI_USAGE, "--direct", "'%s' is not auto, on or off", s);
}

static void print_result(const char *dir, const struct tshm_load_result *r)
{
	char hash[CLI_HASH_BUFSZ], raw[CLI_SIZE_BUFSZ], comp[CLI_SIZE_BUFSZ];

	cli_fmt_hash(hash, r->hash_lo, r->hash_hi);
	if (r->status == TSHM_LOAD_UP_TO_DATE) {
		printf("%s is up to date: generation %" PRIu64 " has hash %s (--force reloads)\n",
		       r->bundle, r->generation, hash);
		return;
	}
	printf("loaded %s generation %" PRIu64 " from %s: %s of columns (%s read, %" PRIu64
	       " chunks) in %.2f s, %.2f GB/s, hash %s\n",
	       r->bundle, r->generation, dir, cli_fmt_size(raw, r->raw_bytes),
	       cli_fmt_size(comp, r->compressed_bytes), r->chunks, r->seconds, r->rate / 1e9, hash);
}

static int parse(struct cli_ctx *ctx, int argc, char **argv, struct tshm_load_opts *o)
{
	static const struct option opts[] = {
	    CLI_NS_OPTION,
	    {"name", required_argument, NULL, 'n'},
	    {"force", no_argument, NULL, 'f'},
	    {"threads", required_argument, NULL, 't'},
	    {"direct", required_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	uint32_t n;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (opt == 'h') {
			cli_help_load(stdout);
			return cli_finish(ctx, CLI_OK);
		} else if (opt == 'n') {
			if (cli_check_name(ctx, "--name", optarg))
				return CLI_USAGE;
			o->name = optarg;
		} else if (opt == 'f') {
			o->flags |= TSHM_LOAD_FORCE;
		} else if (opt == 't') {
			if (cli_parse_count(ctx, "--threads", optarg, 1024, &n))
				return CLI_USAGE;
			o->nthreads = n;
		} else if (opt == 'd') {
			if (parse_direct(ctx, optarg, &o->direct))
				return CLI_USAGE;
		} else if ((rc = cli_common_opt(ctx, opt, argv)) >= 0) {
			return rc;
		}
	}
	if (optind + 1 != argc)
		return cli_fail(ctx, CLI_USAGE, "usage",
				optind < argc
				    ? "exactly one bundle directory expected"
				    : "missing bundle directory (tickshm load <bundle-dir>)");
	return -1;
}

static int bundle_present(struct cli_ctx *ctx, const char *dir)
{
	char path[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s/" TSHM_BUNDLE_DB_NAME, dir) >= sizeof(path))
		return cli_fail(ctx, CLI_ERR, dir, "path too long");
	if (access(path, R_OK) < 0)
		return cli_fail(ctx, CLI_ERR, dir, "no bundle here (%s: %s)", path,
				strerror(errno));
	return 0;
}

int cli_cmd_load(struct cli_ctx *ctx, int argc, char **argv)
{
	struct tshm_load_opts o = {0};
	struct tshm_load_result r;
	struct tshm_catalog *cat = NULL;
	struct bar bar = {.t0 = cli_mono_ns()};
	const char *dir;
	int rc = parse(ctx, argc, argv, &o);

	if (rc >= 0)
		return rc;
	dir = argv[optind];
	/* Before the catalog is created: a typo must not leave one behind. */
	if ((rc = bundle_present(ctx, dir)))
		return rc;
	if ((rc = cli_resolve_ns(ctx)) ||
	    (rc = cli_open_catalog(ctx, o.name, TSHM_CATALOG_CREATE, &cat)))
		return rc;
	if (isatty(STDERR_FILENO)) {
		o.progress = draw;
		o.progress_arg = &bar;
	}
	rc = tshm_load_run(cat, dir, &o, &r);
	tshm_catalog_close(cat);
	if (bar.drawn)
		fputc('\n', stderr);
	if (rc < 0)
		return cli_fail(ctx, CLI_ERR, dir, "%s", r.error);
	print_result(dir, &r);
	return cli_finish(ctx, CLI_OK);
}
