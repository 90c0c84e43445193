/* SPDX-License-Identifier: MIT */
/*
 * Exact text forms of tickshm values: decimal mantissas and ISO-8601
 * timestamps, both ways. No floating point anywhere.
 */
#ifndef TICKSHM_TEXT_H
#define TICKSHM_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "tickshm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TSHM_DECIMAL_BUFSZ 64u /* enough for any int64 at any exponent in [-30, 30] */
#define TSHM_TS_BUFSZ 40u      /* "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" and sign room */

/*
 * tshm_decimal_format - write @mantissa * 10^@exp exactly ("-12.3400" for
 * -123400, -4; trailing zeros kept to the exponent's precision).
 * Returns the length, -EINVAL for |@exp| > 30, -ENOSPC if @len is short.
 * Thread-safe.
 */
TSHM_EXPORT int tshm_decimal_format(char *buf, size_t len, int64_t mantissa, int exp);

/*
 * tshm_decimal_parse - parse "[+-]digits[.digits]" into a mantissa at @exp
 * (e.g. "1.5" at -2 -> 150). Fewer fraction digits than -@exp are padded;
 * more are an error unless they are zeros. @n is the text length.
 * Returns 0; -EINVAL (syntax); -ERANGE (overflow or precision lost).
 * Thread-safe.
 */
TSHM_EXPORT int tshm_decimal_parse(const char *s, size_t n, int exp, int64_t *out);

/*
 * tshm_ts_format - ISO-8601 UTC with nanoseconds: "2024-01-02T09:30:00.000000001Z".
 * Returns the length or -ENOSPC. Thread-safe.
 */
TSHM_EXPORT int tshm_ts_format(char *buf, size_t len, int64_t ts);

/*
 * tshm_ts_parse - parse "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.f{1,9}]][Z]"
 * (a space may replace the T) as UTC, or a plain integer as ns since the
 * epoch. Returns 0, -EINVAL, -ERANGE. Thread-safe.
 */
TSHM_EXPORT int tshm_ts_parse(const char *s, int64_t *out);

#ifdef __cplusplus
}
#endif
#endif /* TICKSHM_TEXT_H */
