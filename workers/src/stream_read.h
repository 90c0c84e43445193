/* SPDX-License-Identifier: MIT */
/* Streaming mode's reader: the compressed chunks of one (asset, day) at once. */
#ifndef TSHM_STREAM_READ_H
#define TSHM_STREAM_READ_H

#include <liburing.h>
#include <stddef.h>
#include <stdint.h>

#define TSHM__SREAD_MAX 8 /* chunks read together */

struct tshm__sread {
	struct io_uring ring;
	int uring; /* 1 if the ring works; else pread(2) */
	int stuck; /* a wait timed out with reads in flight: the buffers are the kernel's */
	unsigned char *buf[TSHM__SREAD_MAX];
	size_t cap[TSHM__SREAD_MAX];
};

/* One read: @len bytes of @fd at @off into buf[k]. */
struct tshm__sread_req {
	int fd;
	uint64_t off;
	size_t len;
};

/* Set up: io_uring if the kernel allows it, else pread. */
void tshm__sread_init(struct tshm__sread *sr);

/*
 * Read @n (<= TSHM__SREAD_MAX) requests into buf[0..n): one submission,
 * short reads resubmitted, each wait bounded (-ETIMEDOUT after 30 s; then
 * every later call fails so too).
 * Returns 0; -TSHM_ECORRUPT if a file ends early; -ENOMEM; -errno.
 */
int tshm__sread_run(struct tshm__sread *sr, const struct tshm__sread_req *rq, unsigned n);

void tshm__sread_exit(struct tshm__sread *sr);

#endif
