/* SPDX-License-Identifier: MIT */
/* Segment naming. Names are validated strictly so that a namespace or
 * bundle can never walk out of /dev/shm or into another namespace. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tickshm/segment.h"

#define PREFIX "/tickshm."
#define CATALOG "catalog"
#define RING "ring"

static int name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

int tshm_name_check(const char *s, size_t maxlen)
{
	size_t i;

	if (!s || !s[0])
		return -TSHM_ENAME;
	for (i = 0; s[i]; i++) {
		if (i + 1 >= maxlen || !name_char_ok(s[i]))
			return -TSHM_ENAME;
	}
	return 0;
}

int tshm_namespace(char *buf, size_t len)
{
	const char *ns = getenv("TICKSHM_NAMESPACE");

	if (!ns || !ns[0])
		ns = "default";
	if (tshm_name_check(ns, TSHM_NAMESPACE_MAX) < 0)
		return -TSHM_ENAME;
	if (strlen(ns) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, ns);
	return 0;
}

int tshm_name_segment(char *buf, size_t len, const char *ns, const char *bundle, uint64_t gen)
{
	int n;

	if (tshm_name_check(ns, TSHM_NAMESPACE_MAX) < 0 ||
	    tshm_name_check(bundle, TSHM_BUNDLE_MAX) < 0 || gen == 0)
		return -TSHM_ENAME;
	n = snprintf(buf, len, PREFIX "%s.%s.g%" PRIu64, ns, bundle, gen);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int tshm_name_catalog(char *buf, size_t len, const char *ns)
{
	int n;

	if (tshm_name_check(ns, TSHM_NAMESPACE_MAX) < 0)
		return -TSHM_ENAME;
	n = snprintf(buf, len, PREFIX "%s." CATALOG, ns);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int tshm_name_ring(char *buf, size_t len, const char *ns, const char *ring)
{
	int n;

	if (tshm_name_check(ns, TSHM_NAMESPACE_MAX) < 0 ||
	    tshm_name_check(ring, TSHM_BUNDLE_MAX) < 0)
		return -TSHM_ENAME;
	n = snprintf(buf, len, PREFIX "%s.%s." RING, ns, ring);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Copy the component [s, end) into @out if it is a valid name. */
static int take_component(const char *s, const char *end, char *out, size_t max)
{
	size_t n = (size_t)(end - s);
	char tmp[TSHM_BUNDLE_MAX];

	if (n == 0 || n >= max)
		return -TSHM_ENAME;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (tshm_name_check(tmp, max) < 0)
		return -TSHM_ENAME;
	if (out)
		memcpy(out, tmp, n + 1);
	return 0;
}

static int parse_gen(const char *s, uint64_t *gen)
{
	uint64_t g = 0;

	if (s[0] != 'g' || !s[1] || s[1] == '0')
		return -TSHM_ENAME;
	for (s++; *s; s++) {
		uint64_t digit = (uint64_t)(*s - '0');

		if (*s < '0' || *s > '9' || g > (UINT64_MAX - digit) / 10)
			return -TSHM_ENAME;
		g = g * 10 + digit;
	}
	*gen = g;
	return 0;
}

int tshm_name_parse(const char *name, char ns[TSHM_NAMESPACE_MAX], char bundle[TSHM_BUNDLE_MAX],
		    uint64_t *gen)
{
	const char *p = name, *dot1, *dot2;
	uint64_t g = 0;

	if (!name)
		return -TSHM_ENAME;
	if (*p == '/')
		p++;
	if (strncmp(p, &PREFIX[1], strlen(PREFIX) - 1) != 0)
		return -TSHM_ENAME;
	p += strlen(PREFIX) - 1;
	dot1 = strchr(p, '.');
	if (!dot1 || take_component(p, dot1, ns, TSHM_NAMESPACE_MAX) < 0)
		return -TSHM_ENAME;
	if (strcmp(dot1 + 1, CATALOG) == 0) {
		if (bundle)
			bundle[0] = '\0';
		if (gen)
			*gen = 0;
		return 0;
	}
	dot2 = strchr(dot1 + 1, '.');
	if (!dot2 || take_component(dot1 + 1, dot2, bundle, TSHM_BUNDLE_MAX) < 0 ||
	    (strcmp(dot2 + 1, RING) != 0 && parse_gen(dot2 + 1, &g) < 0))
		return -TSHM_ENAME;
	if (gen)
		*gen = g;
	return 0;
}
