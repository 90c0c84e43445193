/* SPDX-License-Identifier: MIT */
/*
 * The items the ring benchmark moves, and their checksum. Producer @id sends
 * items seq = 0, 1, ...: an 8-byte item is rb_item(id, seq); a 64-byte record
 * holds that value plus i * K in word i. Consumers add what they receive
 * into an order-independent checksum (count, sum, and a sum of products that
 * a lost item offset by a duplicate would not cancel); the parent compares
 * it with the checksum of what the producers were asked to send. Inline, so
 * every implementation's loop pays exactly the same for them.
 */
#ifndef TSHM_PERF_RING_ITEMS_H
#define TSHM_PERF_RING_ITEMS_H

#include <stdint.h>

#include "ring_bench.h"

#define RB_WORD_STEP UINT64_C(0x9e3779b97f4a7c15)

struct rb_rec {
	uint64_t w[RB_REC_WORDS];
};

/* A spin-wait hint (the x86 PAUSE), as ck_pr_stall() and the ring use. */
static inline void rb_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static inline uint64_t rb_item(unsigned id, uint64_t seq)
{
	return ((uint64_t)(id + 1) << 48) + seq;
}

/* Items in the batch starting at @seq of @n items in batches of @b. */
static inline unsigned rb_batch_len(uint64_t seq, uint64_t n, unsigned b)
{
	return n - seq < b ? (unsigned)(n - seq) : b;
}

/* @n items of @size bytes, from @seq on, into @buf. */
static inline void rb_fill(void *buf, unsigned size, unsigned id, uint64_t seq, unsigned n)
{
	if (size == 8) {
		uint64_t *v = buf;
		for (unsigned k = 0; k < n; k++)
			v[k] = rb_item(id, seq + k);
		return;
	}
	struct rb_rec *r = buf;
	for (unsigned k = 0; k < n; k++)
		for (unsigned i = 0; i < RB_REC_WORDS; i++)
			r[k].w[i] = rb_item(id, seq + k) + i * RB_WORD_STEP;
}

static inline void rb_sum8(struct rb_sum *s, const uint64_t *v, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		s->sum += v[k];
		s->sq += v[k] * v[k];
	}
	s->count += n;
}

static inline void rb_sum64(struct rb_sum *s, const struct rb_rec *r, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		uint64_t t = 0;
		for (unsigned i = 0; i < RB_REC_WORDS; i++)
			t += r[k].w[i];
		s->sum += t;
		s->sq += (t ^ r[k].w[0]) * (r[k].w[RB_REC_WORDS - 1] | 1);
	}
	s->count += n;
}

/* Add @n received items of @size bytes at @buf. */
static inline void rb_sum_add(struct rb_sum *s, const void *buf, unsigned size, unsigned n)
{
	if (size == 8)
		rb_sum8(s, buf, n);
	else
		rb_sum64(s, buf, n);
}

#endif
