/* SPDX-License-Identifier: MIT */
/*
 * Typed fields for the preset parsers: each helper parses one field and, on
 * failure, writes the row's reason ("price: not a number \"abc\"") so every
 * preset reports bad input the same way.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ingest_internal.h"

#define SHOW_MAX 40 /* bytes of a bad field quoted in a message */

int tshm__rec_fail(struct tshm__rec *r, const struct tshm__field *f, const char *name,
		   const char *why)
{
	char shown[SHOW_MAX + 4];
	size_t n = 0;

	if (!f) {
		snprintf(r->why, sizeof(r->why), "%s: %s", name, why);
		return -EINVAL;
	}
	/* Control bytes would garble a terminal: show them as '?'. */
	for (size_t i = 0; i < f->n && n < SHOW_MAX; i++)
		shown[n++] = (unsigned char)f->p[i] < 0x20 || f->p[i] == 0x7f ? '?' : f->p[i];
	if (f->n > SHOW_MAX)
		shown[n++] = '.', shown[n++] = '.', shown[n++] = '.';
	shown[n] = '\0';
	snprintf(r->why, sizeof(r->why), "%s: %s \"%s\"", name, why, shown);
	return -EINVAL;
}

int tshm__field_dec(struct tshm__rec *r, const struct tshm__field *f, const char *name,
		    struct tshm__dec *out)
{
	int rc = tshm__dec_parse(f->p, f->n, out);

	if (rc == 0)
		return 0;
	if (f->n == 0)
		return tshm__rec_fail(r, NULL, name, "empty");
	return tshm__rec_fail(r, f, name, rc == -ERANGE ? "out of range" : "not a number");
}

int tshm__rec_val(struct tshm__rec *r, unsigned k, const struct tshm__field *f, const char *name)
{
	r->vf[k] = f;
	return tshm__field_dec(r, f, name, &r->v[k]);
}

int tshm__field_int(struct tshm__rec *r, const struct tshm__field *f, const char *name,
		    int64_t *out)
{
	int rc = tshm__int_parse(f->p, f->n, out);

	if (rc == 0)
		return 0;
	if (f->n == 0)
		return tshm__rec_fail(r, NULL, name, "empty");
	return tshm__rec_fail(r, f, name, rc == -ERANGE ? "out of range" : "not an integer");
}

int tshm__field_bool(struct tshm__rec *r, const struct tshm__field *f, const char *name, bool *out)
{
	/* The spellings files use, without a locale-aware strncasecmp per row. */
	if (f->n == 4 &&
	    (!memcmp(f->p, "True", 4) || !memcmp(f->p, "true", 4) || !strncasecmp(f->p, "true", 4)))
		*out = true;
	else if (f->n == 5 && (!memcmp(f->p, "False", 5) || !memcmp(f->p, "false", 5) ||
			       !strncasecmp(f->p, "false", 5)))
		*out = false;
	else
		return tshm__rec_fail(r, f, name, "not true/false");
	return 0;
}

int tshm__field_ts(struct tshm__rec *r, const struct tshm__field *f, const char *name, int unit,
		   int64_t *out)
{
	struct tshm__dec d;
	int rc = tshm__field_dec(r, f, name, &d);

	if (rc < 0)
		return rc;
	rc = tshm__ts_from_dec(&d, unit, out);
	if (rc < 0)
		return tshm__rec_fail(r, f, name,
				      rc == -EDOM ? "finer than a nanosecond" : "out of range");
	return 0;
}

int tshm__field_ts_binance(struct tshm__rec *r, const struct tshm__field *f, const char *name,
			   int unit, int64_t *out)
{
	int64_t v, unit_ns;
	int rc = tshm__field_int(r, f, name, &v);

	if (rc < 0)
		return rc;
	if (unit == TSHM_TS_UNIT_AUTO)
		unit = v < INT64_C(100000000000000) ? TSHM_TS_UNIT_MS : TSHM_TS_UNIT_US;
	unit_ns = tshm__unit_ns(unit);
	if (__builtin_mul_overflow(v, unit_ns, out) || tshm__ts_check(*out) < 0)
		return tshm__rec_fail(r, f, name, "out of range");
	return 0;
}

const char *tshm__basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}
