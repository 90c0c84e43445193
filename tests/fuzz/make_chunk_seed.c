/* SPDX-License-Identifier: MIT */
/*
 * make_chunk_seed DIR - write a seed corpus for fuzz_chunk into DIR: the
 * frames of a small synthetic bundle (every codec and width), each behind
 * its true descriptor in the harness's 16-byte header format, plus a few
 * variants with inconsistent descriptors. The bundle's temporary directory
 * is removed at exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader_test.h"
#include "tshm_test.h"

static int write_seed(const char *dir, size_t i, uint8_t flags, const struct tshm_chunk *c,
		      const uint8_t *frame)
{
	uint8_t h[16] = {0};
	uint32_t nrows = (uint32_t)c->nrows;
	char path[4096];
	FILE *f;

	h[0] = (uint8_t)(c->codec - 1);
	h[1] = c->width == 8;
	memcpy(h + 2, &nrows, 4);
	memcpy(h + 6, &c->checksum, 8);
	h[14] = flags;
	snprintf(path, sizeof(path), "%s/chunk-%03zu-%u", dir, i, flags);
	f = fopen(path, "wb");
	if (!f || fwrite(h, 1, sizeof(h), f) != sizeof(h) ||
	    fwrite(frame, 1, c->clen, f) != c->clen || fclose(f) != 0) {
		fprintf(stderr, "make_chunk_seed: cannot write %s\n", path);
		return -1;
	}
	return 0;
}

static int emit(const char *bdir, const char *out)
{
	struct tshm_bundle *b;
	const struct tshm_chunk *c;
	char path[4200];
	uint8_t *frame;
	size_t n;
	int rc = tshm_bundle_open(&b, bdir, 0), fd;

	if (rc < 0)
		return rc;
	c = tshm_bundle_chunks(b, &n);
	for (size_t i = 0; i < n && i < 48 && rc == 0; i++) {
		frame = malloc(c[i].clen);
		rc = frame ? tshm_bundle_file_path(b, c[i].file_id, path, sizeof(path)) : -ENOMEM;
		fd = rc == 0 ? open(path, O_RDONLY) : -1;
		if (rc == 0 && (fd < 0 || pread(fd, frame, c[i].clen, (off_t)c[i].offset) !=
					      (ssize_t)c[i].clen))
			rc = -EIO;
		if (fd >= 0)
			close(fd);
		if (rc == 0)
			rc = write_seed(out, i, 0, &c[i], frame);
		if (rc == 0 && i % 8 == 0)
			rc = write_seed(out, i, (uint8_t)(1 + i / 8 % 4), &c[i], frame);
		free(frame);
	}
	tshm_bundle_close(b);
	return rc;
}

int main(int argc, char **argv)
{
	char tmp[64], bdir[128];
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: make_chunk_seed DIR\n");
		return 2;
	}
	rc = tshm_test_mkdtemp(tmp, sizeof(tmp));
	snprintf(bdir, sizeof(bdir), "%s/b", tmp);
	if (rc == 0)
		rc = tshm_ltest_make_bundle(bdir, "seed", 2, 2, 300, 1);
	if (rc == 0)
		rc = emit(bdir, argv[1]);
	tshm_test_rmtree(tmp);
	if (rc < 0) {
		fprintf(stderr, "make_chunk_seed: %s\n", tshm_strerror(rc));
		return 1;
	}
	return 0;
}
