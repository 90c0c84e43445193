/* SPDX-License-Identifier: MIT */
/* The pipeline's control region and stream buffer geometry (task.h). */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "task.h"

#define ALIGN64(x) (((x) + 63u) & ~(uint64_t)63u)

int64_t tshm__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint64_t tshm__buf_stride(uint64_t rows)
{
	return sizeof(struct tshm__bufhdr) + 3 * ALIGN64(rows * 8) + ALIGN64(rows * 4);
}

void tshm__buf_cols(void *base, uint64_t stride, uint64_t rows, uint32_t i,
		    struct tshm__bufcols *out)
{
	unsigned char *b = (unsigned char *)base + (uint64_t)i * stride;
	uint64_t col = ALIGN64(rows * 8);

	out->hdr = (struct tshm__bufhdr *)b;
	b += sizeof(struct tshm__bufhdr);
	out->ts = (int64_t *)b;
	out->price = (int64_t *)(b + col);
	out->size = (int64_t *)(b + 2 * col);
	out->flags = (int32_t *)(b + 3 * col);
}

static void ring_params(struct tshm_ring_params *p, uint32_t slot_size)
{
	*p = (struct tshm_ring_params){.capacity = TSHM__RING_SLOTS, .slot_size = slot_size};
}

int tshm__ctl_create(struct tshm__ctl **out, uint32_t nworkers)
{
	struct tshm_ring_params tp, rp;
	size_t tsize, rsize;
	uint64_t off, one, size;
	struct tshm__ctl *c;
	int rc;

	ring_params(&tp, sizeof(struct tshm__task));
	ring_params(&rp, sizeof(struct tshm__result));
	if ((rc = tshm_ring_mem_size(&tp, &tsize)) < 0 ||
	    (rc = tshm_ring_mem_size(&rp, &rsize)) < 0)
		return rc;
	one = ALIGN64(tsize > rsize ? tsize : rsize);
	off = ALIGN64(sizeof(struct tshm__ctl) + (uint64_t)nworkers * sizeof(struct tshm__wslot));
	size = off + (uint64_t)nworkers * 2 * one;
	c = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c == MAP_FAILED)
		return -errno;
	c->magic = TSHM__CTL_MAGIC;
	c->version = TSHM__CTL_VERSION;
	c->nworkers = nworkers;
	c->size = size;
	c->ring_off = off;
	c->ring_size = one;
	for (uint32_t i = 0; rc == 0 && i < nworkers; i++)
		rc = tshm__ctl_rings_reset(c, i);
	if (rc < 0) {
		munmap(c, size);
		return rc;
	}
	*out = c;
	return 0;
}

void tshm__ctl_destroy(struct tshm__ctl *c)
{
	if (c)
		munmap(c, c->size);
}

void *tshm__ctl_task_mem(struct tshm__ctl *c, uint32_t i)
{
	return (unsigned char *)c + c->ring_off + (uint64_t)i * 2 * c->ring_size;
}

void *tshm__ctl_result_mem(struct tshm__ctl *c, uint32_t i)
{
	return (unsigned char *)tshm__ctl_task_mem(c, i) + c->ring_size;
}

int tshm__ctl_rings_reset(struct tshm__ctl *c, uint32_t i)
{
	struct tshm_ring_params tp, rp;
	void *t = tshm__ctl_task_mem(c, i), *r = tshm__ctl_result_mem(c, i);
	int rc;

	ring_params(&tp, sizeof(struct tshm__task));
	ring_params(&rp, sizeof(struct tshm__result));
	memset(t, 0, 2 * c->ring_size);
	rc = tshm_ring_init_mem(t, c->ring_size, &tp);
	return rc < 0 ? rc : tshm_ring_init_mem(r, c->ring_size, &rp);
}
