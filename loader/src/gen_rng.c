/* SPDX-License-Identifier: MIT */
/* Seeding and splitting of the generator's SplitMix64 streams (gen_rng.h). */
#include "gen_rng.h"

struct tshm__rng tshm__rng_seed(uint64_t seed)
{
	/* Mixed once so that seeds 0, 1, 2 ... start far apart. */
	return (struct tshm__rng){tshm__mix64(seed ^ UINT64_C(0x6a09e667f3bcc908))};
}

struct tshm__rng tshm__rng_split(struct tshm__rng parent, uint64_t key)
{
	/* An odd multiplier keeps key -> state injective before the bijective mix. */
	uint64_t k = (key + 1) * UINT64_C(0xd1b54a32d192ed03);

	return (struct tshm__rng){tshm__mix64(parent.s ^ tshm__mix64(k))};
}
