/* SPDX-License-Identifier: MIT */
/* Atomic access to 64-bit words of shared-memory structs, which the format
 * declares as plain uint64_t (a struct layout, not a C object model). The
 * same cast liburing uses for its ring indices. */
#ifndef TSHM_ATOMICS_H
#define TSHM_ATOMICS_H

#include <stdatomic.h>
#include <stdint.h>

#define TSHM_ATOMIC64(p) ((_Atomic uint64_t *)(uintptr_t)(p))
#define tshm_load64(p, mo) atomic_load_explicit(TSHM_ATOMIC64(p), (mo))
#define tshm_store64(p, v, mo) atomic_store_explicit(TSHM_ATOMIC64(p), (v), (mo))

_Static_assert(sizeof(_Atomic uint64_t) == sizeof(uint64_t), "atomic u64 layout");

static inline void tshm_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

#endif
