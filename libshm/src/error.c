/* SPDX-License-Identifier: MIT */
#include <limits.h>
#include <string.h>

#include "tickshm/common.h"

#define TSHM_STR2(x) #x
#define TSHM_STR(x) TSHM_STR2(x)

static const char *const tshm_errors[] = {
    [TSHM_ECORRUPT - TSHM_ERRNO_BASE] = "corrupt tickshm segment",
    [TSHM_EVERSION - TSHM_ERRNO_BASE] = "unsupported tickshm format or schema version",
    [TSHM_EINCOMPLETE - TSHM_ERRNO_BASE] = "tickshm segment was never committed",
    [TSHM_EORDER - TSHM_ERRNO_BASE] = "rows not grouped by asset and sorted by time",
    [TSHM_ENAME - TSHM_ERRNO_BASE] = "invalid tickshm name (use 1-31/47 chars of A-Za-z0-9_-)",
    [TSHM_EBUSY - TSHM_ERRNO_BASE] = "catalog descriptor kept changing; try again",
};

const char *tshm_strerror(int err)
{
	if (err == INT_MIN)
		return "unknown error";
	if (err < 0)
		err = -err;
	if (err > TSHM_ERRNO_BASE && err < TSHM_ERRNO_END)
		return tshm_errors[err - TSHM_ERRNO_BASE];
	if (err == 0)
		return "success";
	if (err < 4096) {
		/* strerrordesc_np is thread-safe and never writes a buffer. */
		const char *s = strerrordesc_np(err);
		if (s)
			return s;
	}
	return "unknown error";
}

const char *tshm_version_string(void)
{
	return TSHM_STR(TSHM_VERSION_MAJOR) "." TSHM_STR(TSHM_VERSION_MINOR) "." TSHM_STR(
	    TSHM_VERSION_PATCH);
}
