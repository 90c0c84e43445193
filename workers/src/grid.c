/* SPDX-License-Identifier: MIT */
/*
 * Parameter grids (tickshm/sweep.h): parse `--param NAME=VALUES`, expand the
 * cross product in command-line order (first spec slowest), drop what the
 * strategy's validate() rejects.
 */
#include "tickshm/sweep.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tshm_grid {
	const struct tshm_strategy *s;
	uint32_t np;
	uint64_t count, skipped;
	int64_t *sets; /* count x np */
};

/* The values of one --param, in the order given. */
struct dim {
	uint32_t param;
	uint64_t n, cap;
	int64_t *vals;
};

/* What a parse is working on, for messages. */
struct ctx {
	const struct tshm_strategy *s;
	const char *spec;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int fail(const struct ctx *c, int rc, const char *fmt,
						      ...)
{
	va_list ap;
	char why[160];

	if (c->err && c->errlen) {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
		if (c->spec)
			snprintf(c->err, c->errlen, "%s: %s", c->spec, why);
		else
			snprintf(c->err, c->errlen, "%s", why);
	}
	return rc;
}

/* A decimal integer filling exactly [p, end). */
static int parse_int(const struct ctx *c, const char *p, const char *end, int64_t *out)
{
	int neg = 0;
	uint64_t v = 0, lim;

	if (p < end && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	if (p == end)
		return fail(c, -EINVAL, "missing number");
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return fail(c, -EINVAL, "'%c' in a number", *p);
		if (v > (lim - (uint64_t)(*p - '0')) / 10)
			return fail(c, -EINVAL, "number out of range");
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static int dim_push(const struct ctx *c, struct dim *d, int64_t v)
{
	const struct tshm_param_def *pd = &c->s->params[d->param];

	if (v < pd->min || v > pd->max)
		return fail(c, -EINVAL, "%s=%lld out of range [%lld, %lld]", pd->name, (long long)v,
			    (long long)pd->min, (long long)pd->max);
	if (d->n >= TSHM_GRID_MAX)
		return fail(c, -E2BIG, "more than %llu values", (unsigned long long)TSHM_GRID_MAX);
	if (d->n == d->cap) {
		uint64_t cap = d->cap ? 2 * d->cap : 16;
		int64_t *nv = realloc(d->vals, cap * sizeof(*nv));

		if (!nv)
			return fail(c, -ENOMEM, "out of memory");
		d->vals = nv;
		d->cap = cap;
	}
	d->vals[d->n++] = v;
	return 0;
}

/* start:stop[:step], inclusive. */
static int push_range(const struct ctx *c, struct dim *d, const int64_t *f, int nf)
{
	int64_t start = f[0], stop = f[1], step = nf == 3 ? f[2] : 1;
	uint64_t span, k;
	int rc = 0;

	if (step <= 0)
		return fail(c, -EINVAL, "step must be > 0");
	if (start > stop)
		return fail(c, -EINVAL, "range %lld:%lld is empty (start > stop)", (long long)start,
			    (long long)stop);
	span = ((uint64_t)stop - (uint64_t)start) / (uint64_t)step;
	if (span >= TSHM_GRID_MAX)
		return fail(c, -E2BIG, "more than %llu values", (unsigned long long)TSHM_GRID_MAX);
	for (k = 0; k <= span && !rc; k++)
		rc = dim_push(c, d, (int64_t)((uint64_t)start + k * (uint64_t)step));
	return rc;
}

/* One comma-separated item in [p, end): a value or a range. */
static int parse_item(const struct ctx *c, struct dim *d, const char *p, const char *end)
{
	int64_t f[3];
	int nf = 0, rc;

	for (;;) {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		const char *stop = colon ? colon : end;

		if (nf == 3)
			return fail(c, -EINVAL, "too many ':' (want start:stop[:step])");
		rc = parse_int(c, p, stop, &f[nf++]);
		if (rc)
			return rc;
		if (!colon)
			break;
		p = colon + 1;
	}
	return nf == 1 ? dim_push(c, d, f[0]) : push_range(c, d, f, nf);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int check_dups(const struct ctx *c, const struct dim *d)
{
	int64_t *v = malloc(d->n * sizeof(*v));
	int rc = 0;

	if (!v)
		return fail(c, -ENOMEM, "out of memory");
	memcpy(v, d->vals, d->n * sizeof(*v));
	qsort(v, d->n, sizeof(*v), cmp_i64);
	for (uint64_t i = 1; i < d->n && !rc; i++)
		if (v[i] == v[i - 1])
			rc = fail(c, -EINVAL, "value %lld given twice", (long long)v[i]);
	free(v);
	return rc;
}

static int find_param(const struct ctx *c, const char *name, size_t len, uint32_t *out)
{
	char names[256] = "";
	size_t used = 0;

	for (uint32_t i = 0; i < c->s->nparams; i++) {
		const char *pn = c->s->params[i].name;

		if (strlen(pn) == len && !memcmp(pn, name, len)) {
			*out = i;
			return 0;
		}
		used += (size_t)snprintf(names + used,
					 used < sizeof(names) ? sizeof(names) - used : 0, "%s%s",
					 i ? ", " : "", pn);
		if (used >= sizeof(names))
			used = sizeof(names) - 1;
	}
	return fail(c, -EINVAL, "%s has no parameter '%.*s' (it has: %s)", c->s->name, (int)len,
		    name, c->s->nparams ? names : "none");
}

/* NAME=VALUES into @d; @used marks parameters already given. */
static int parse_spec(const struct ctx *c, struct dim *d, uint8_t *used)
{
	const char *eq = strchr(c->spec, '='), *p, *end;
	int rc = 0;

	if (!eq || eq == c->spec)
		return fail(c, -EINVAL, "want NAME=VALUES");
	rc = find_param(c, c->spec, (size_t)(eq - c->spec), &d->param);
	if (rc)
		return rc;
	if (used[d->param]++)
		return fail(c, -EINVAL, "%s given twice", c->s->params[d->param].name);
	for (p = eq + 1; !rc; p = end + 1) {
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		if (end == p)
			return fail(c, -EINVAL, "empty value");
		rc = parse_item(c, d, p, end);
		if (!*end)
			break;
	}
	return rc ? rc : check_dups(c, d);
}

/* Expand the cross product of @dims (first slowest) into @g. */
static int expand(const struct ctx *c, struct tshm_grid *g, const struct dim *dims, unsigned nd)
{
	uint64_t total = 1, idx[TSHM_STRATEGY_MAX_PARAMS] = {0};
	int64_t p[TSHM_STRATEGY_MAX_PARAMS];

	for (unsigned i = 0; i < nd; i++) {
		if (total > TSHM_GRID_MAX / dims[i].n)
			return fail(c, -E2BIG, "more than %llu combinations",
				    (unsigned long long)TSHM_GRID_MAX);
		total *= dims[i].n;
	}
	g->sets = malloc(total * (g->np ? g->np : 1) * sizeof(int64_t));
	if (!g->sets)
		return fail(c, -ENOMEM, "out of memory");
	for (uint32_t j = 0; j < g->np; j++)
		p[j] = c->s->params[j].def;
	for (uint64_t t = 0; t < total; t++) {
		for (unsigned i = 0; i < nd; i++)
			p[dims[i].param] = dims[i].vals[idx[i]];
		if (c->s->validate(p) == 0)
			memcpy(g->sets + g->count++ * g->np, p, g->np * sizeof(int64_t));
		else
			g->skipped++;
		for (unsigned i = nd; i-- > 0;) /* odometer: last dimension fastest */
			if (++idx[i] < dims[i].n)
				break;
			else
				idx[i] = 0;
	}
	return 0;
}

int tshm_grid_parse(const struct tshm_strategy *s, const char *const *specs, unsigned n,
		    struct tshm_grid **out, char *err, size_t errlen)
{
	struct ctx c = {.s = s, .err = err, .errlen = errlen};
	struct dim dims[TSHM_STRATEGY_MAX_PARAMS] = {{0}};
	uint8_t used[TSHM_STRATEGY_MAX_PARAMS] = {0};
	struct tshm_grid *g;
	int rc = 0;

	if (!s || !out || (n && !specs) || tshm_strategy_check(s))
		return fail(&c, -EINVAL, "no valid strategy");
	*out = NULL;
	if (n > s->nparams)
		return fail(&c, -EINVAL, "%u specifications for %u parameters", n, s->nparams);
	for (unsigned i = 0; i < n && !rc; i++) {
		c.spec = specs[i] ? specs[i] : "";
		rc = parse_spec(&c, &dims[i], used);
	}
	c.spec = NULL;
	g = rc ? NULL : calloc(1, sizeof(*g));
	if (!rc && !g)
		rc = fail(&c, -ENOMEM, "out of memory");
	if (!rc) {
		*g = (struct tshm_grid){.s = s, .np = s->nparams};
		rc = expand(&c, g, dims, n);
	}
	for (unsigned i = 0; i < n; i++)
		free(dims[i].vals);
	if (rc)
		tshm_grid_free(g);
	else
		*out = g;
	return rc;
}

uint64_t tshm_grid_count(const struct tshm_grid *g)
{
	return g ? g->count : 0;
}

uint64_t tshm_grid_skipped(const struct tshm_grid *g)
{
	return g ? g->skipped : 0;
}

uint32_t tshm_grid_nparams(const struct tshm_grid *g)
{
	return g ? g->np : 0;
}

const int64_t *tshm_grid_params(const struct tshm_grid *g, uint64_t i)
{
	return g && i < g->count ? g->sets + i * g->np : NULL;
}

const struct tshm_strategy *tshm_grid_strategy(const struct tshm_grid *g)
{
	return g ? g->s : NULL;
}

void tshm_grid_free(struct tshm_grid *g)
{
	if (g) {
		free(g->sets);
		free(g);
	}
}

int tshm_grid_format(const struct tshm_strategy *s, const int64_t *p, char *buf, size_t len)
{
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	for (uint32_t i = 0; i < s->nparams; i++) {
		int w = snprintf(used < len ? buf + used : NULL, used < len ? len - used : 0,
				 "%s%s=%lld", i ? " " : "", s->params[i].name, (long long)p[i]);

		if (w < 0)
			return -EINVAL;
		used += (size_t)w;
	}
	return used < len ? (int)used : -ENOSPC;
}
