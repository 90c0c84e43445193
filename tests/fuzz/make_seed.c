/* SPDX-License-Identifier: MIT */
/*
 * make_seed DIR - write a seed corpus for fuzz_attach into DIR: real
 * segments published into a temporary namespace (removed at exit), each
 * prefixed with the harness's mode byte.
 */
#include "tshm_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int write_seed(const char *dir, const char *name, uint8_t mode, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f) {
		fprintf(stderr, "make_seed: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fwrite(&mode, 1, 1, f) != 1 || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		fprintf(stderr, "make_seed: cannot write %s\n", path);
		return -1;
	}
	return 0;
}

static int emit(struct tshm_catalog *cat, const char *dir, const char *bundle,
		const struct tshm_test_bundle *b)
{
	struct tshm_descriptor d;
	struct tshm_segment seg;
	char name[128];
	int64_t gen;
	int rc;

	gen = tshm_test_publish(cat, bundle, b);
	if (gen < 0) {
		fprintf(stderr, "make_seed: publish %s: %s\n", bundle, tshm_strerror((int)gen));
		return -1;
	}
	rc = tshm_catalog_lookup(cat, bundle, &d);
	if (rc == 0) {
		memset(&seg, 0, sizeof(seg));
		seg.fd = -1;
		rc = tshm_segment_open(&seg, d.segment, 0);
	}
	if (rc < 0) {
		fprintf(stderr, "make_seed: open %s: %s\n", bundle, tshm_strerror(rc));
		return -1;
	}
	/* Mode 0: bytes as they are; mode 1: the harness recomputes meta_checksum. */
	snprintf(name, sizeof(name), "%s-raw", bundle);
	rc = write_seed(dir, name, 0, seg.base, (size_t)seg.size);
	snprintf(name, sizeof(name), "%s-fix", bundle);
	if (rc == 0)
		rc = write_seed(dir, name, 1, seg.base, (size_t)seg.size);
	printf("make_seed: %s/%s-{raw,fix}: %llu bytes\n", dir, bundle,
	       (unsigned long long)seg.size);
	tshm_segment_close(&seg);
	return rc;
}

int main(int argc, char **argv)
{
	const struct tshm_test_bundle tiny = {
	    .nassets = 1, .ndays = 1, .trades_per_day = 3, .quotes_per_day = 2, .seed = 3};
	const struct tshm_test_bundle wide = {
	    .nassets = 5, .ndays = 2, .trades_per_day = 4, .quotes_per_day = 2, .seed = 4};
	struct tshm_catalog *cat;
	const char *dir = argc > 1 ? argv[1] : "corpus";
	int rc;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: make_seed [DIR]\n");
		return 2;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "make_seed: mkdir %s: %s\n", dir, strerror(errno));
		return 1;
	}
	tshm_test_ns_init("seed");
	rc = tshm_catalog_open(&cat, NULL, TSHM_CATALOG_CREATE);
	if (rc < 0) {
		fprintf(stderr, "make_seed: catalog: %s\n", tshm_strerror(rc));
		return 1;
	}
	rc = emit(cat, dir, "small", &tshm_test_small);
	if (rc == 0)
		rc = emit(cat, dir, "tiny", &tiny);
	if (rc == 0)
		rc = emit(cat, dir, "wide", &wide);
	tshm_catalog_close(cat);
	tshm_test_ns_clean();
	return rc == 0 ? 0 : 1;
}
