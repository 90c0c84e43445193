/* SPDX-License-Identifier: MIT */
/*
 * tickshm common definitions: export macro, error codes, version.
 *
 * Every tickshm function that can fail returns 0 (or a count) on success and
 * a negative error on failure: -errno for system errors, or -TSHM_E* for the
 * project's own conditions. tshm_strerror() describes both.
 */
#ifndef TICKSHM_COMMON_H
#define TICKSHM_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(TSHM_STATIC_DEFINE)
#define TSHM_EXPORT
#elif defined(__GNUC__)
#define TSHM_EXPORT __attribute__((visibility("default")))
#else
#define TSHM_EXPORT
#endif

#define TSHM_VERSION_MAJOR 0
#define TSHM_VERSION_MINOR 1
#define TSHM_VERSION_PATCH 0

/*
 * Project error codes. They live above every errno value Linux defines
 * (errno values stay below 4096, the kernel's MAX_ERRNO), and are returned
 * negated like errno values: `return -TSHM_ECORRUPT;`.
 */
enum tshm_error {
	TSHM_ERRNO_BASE = 0x7400,
	TSHM_ECORRUPT,	  /* segment bytes violate the format (bad offset, checksum, …) */
	TSHM_EVERSION,	  /* format or schema version this build cannot read */
	TSHM_EINCOMPLETE, /* segment was never committed (no COMPLETE flag) */
	TSHM_EORDER,	  /* writer data not grouped by asset / sorted by time */
	TSHM_ENAME,	  /* invalid namespace, bundle or segment name */
	TSHM_EBUSY,	  /* a concurrent writer kept a descriptor torn past the deadline */
	TSHM_ERRNO_END
};

/*
 * tshm_strerror - describe an error returned by any tickshm function.
 * @err: the return value (negative) or its absolute value.
 * Returns a static string; never NULL. Thread-safe.
 */
TSHM_EXPORT const char *tshm_strerror(int err);

/*
 * tshm_version_string - "MAJOR.MINOR.PATCH" of the linked library.
 * Thread-safe.
 */
TSHM_EXPORT const char *tshm_version_string(void);

#ifdef __cplusplus
}
#endif
#endif /* TICKSHM_COMMON_H */
