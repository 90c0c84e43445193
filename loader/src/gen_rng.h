/* SPDX-License-Identifier: MIT */
/*
 * The generator's PRNG: SplitMix64 streams that split by key. A stream is
 * one 64-bit state; tshm__rng_split derives a child stream from a parent's
 * state and a key (an asset index, a day index) through the SplitMix64
 * finaliser, a bijection, so distinct keys give unrelated streams and the
 * draws of one stream never depend on how many draws another made.
 * Integer only: the same sequence on every host.
 */
#ifndef TSHM_GEN_RNG_H
#define TSHM_GEN_RNG_H

#include <stdint.h>

struct tshm__rng {
	uint64_t s;
};

/* The stream of @seed: the root every other stream is split from. */
struct tshm__rng tshm__rng_seed(uint64_t seed);

/* The child stream of @parent for @key; @parent is not advanced. */
struct tshm__rng tshm__rng_split(struct tshm__rng parent, uint64_t key);

/* SplitMix64's finaliser (Stafford's mix 13). */
static inline uint64_t tshm__mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* The next 64 random bits. */
static inline uint64_t tshm__rng_next(struct tshm__rng *r)
{
	return tshm__mix64(r->s += UINT64_C(0x9e3779b97f4a7c15));
}

/* A value in [0, @n) from the high bits of @x (Lemire's multiply; @n > 0). */
static inline uint64_t tshm__rng_below(uint64_t x, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)x * n) >> 64);
}

#endif
