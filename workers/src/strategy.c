/* SPDX-License-Identifier: MIT */
/*
 * The built-in strategies and the descriptor check every strategy (built-in
 * or plugin) passes before the pipeline runs it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipe_internal.h"
#include "strategy_internal.h"
#include "tickshm/sweep.h"

static const struct tshm_strategy *const builtins[] = {
    &tshm__sma_cross,
    &tshm__zscore_revert,
    &tshm__breakout,
};

#define NBUILTINS (sizeof(builtins) / sizeof(builtins[0]))

const struct tshm_strategy *tshm_strategy_builtin(unsigned i)
{
	return i < NBUILTINS ? builtins[i] : NULL;
}

const struct tshm_strategy *tshm_strategy_find(const char *name)
{
	for (unsigned i = 0; name && i < NBUILTINS; i++)
		if (!strcmp(builtins[i]->name, name))
			return builtins[i];
	return NULL;
}

/* Writes the reason and returns @rc. */
__attribute__((format(printf, 4, 5))) static int fail(int rc, char *err, size_t errlen,
						      const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* [a-z0-9_]+, at most TSHM_STRATEGY_NAME_MAX characters. */
static int valid_name(const char *s)
{
	size_t n = 0;

	if (!s || !*s)
		return 0;
	for (; s[n]; n++) {
		char c = s[n];

		if (n >= TSHM_STRATEGY_NAME_MAX ||
		    !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

static int check_params(const struct tshm_strategy *s, char *err, size_t errlen)
{
	if (s->nparams > TSHM_STRATEGY_MAX_PARAMS)
		return fail(-EINVAL, err, errlen, "%s: %u parameters (at most %u)", s->name,
			    s->nparams, TSHM_STRATEGY_MAX_PARAMS);
	if (s->nparams && !s->params)
		return fail(-EINVAL, err, errlen, "%s: %u parameters but no table", s->name,
			    s->nparams);
	for (uint32_t i = 0; i < s->nparams; i++) {
		const struct tshm_param_def *d = &s->params[i];

		if (!valid_name(d->name))
			return fail(-EINVAL, err, errlen,
				    "%s: parameter %u: bad name (want [a-z0-9_]+)", s->name, i);
		if (d->min > d->max || d->def < d->min || d->def > d->max)
			return fail(-EINVAL, err, errlen,
				    "%s: parameter %s: default %lld outside [%lld, %lld]", s->name,
				    d->name, (long long)d->def, (long long)d->min,
				    (long long)d->max);
		for (uint32_t j = 0; j < i; j++)
			if (!strcmp(s->params[j].name, d->name))
				return fail(-EINVAL, err, errlen, "%s: parameter %s declared twice",
					    s->name, d->name);
	}
	return 0;
}

static int check_sizes(const struct tshm_strategy *s, char *err, size_t errlen)
{
	if (s->state_size == 0 || s->state_size > TSHM_STRATEGY_MAX_STATE)
		return fail(-EINVAL, err, errlen, "%s: state_size %u not in [1, %u]", s->name,
			    s->state_size, TSHM_STRATEGY_MAX_STATE);
	if (s->partial_size < sizeof(struct tshm_partial_base) ||
	    s->partial_size > TSHM_PARTIAL_MAX)
		return fail(-EINVAL, err, errlen, "%s: partial_size %u not in [%zu, %u]", s->name,
			    s->partial_size, sizeof(struct tshm_partial_base), TSHM_PARTIAL_MAX);
	return 0;
}

static int check_callbacks(const struct tshm_strategy *s, char *err, size_t errlen)
{
	const struct {
		const char *name;
		int set;
	} cb[] = {
	    {"validate", s->validate != NULL}, {"warmup", s->warmup != NULL},
	    {"init", s->init != NULL},	       {"on_batch", s->on_batch != NULL},
	    {"finish", s->finish != NULL},     {"merge", s->merge != NULL},
	    {"metrics", s->metrics != NULL},
	};

	for (size_t i = 0; i < sizeof(cb) / sizeof(cb[0]); i++)
		if (!cb[i].set)
			return fail(-EINVAL, err, errlen, "%s: callback %s is NULL", s->name,
				    cb[i].name);
	return 0;
}

int tshm__strategy_check_msg(const struct tshm_strategy *s, char *err, size_t errlen)
{
	int rc;

	if (!s)
		return fail(-EINVAL, err, errlen, "no descriptor");
	if (s->abi != TSHM_STRATEGY_ABI)
		return fail(-TSHM_EVERSION, err, errlen, "strategy ABI %u, this build runs %u",
			    s->abi, TSHM_STRATEGY_ABI);
	if (!valid_name(s->name))
		return fail(-EINVAL, err, errlen, "bad strategy name (want [a-z0-9_]{1,%d})",
			    TSHM_STRATEGY_NAME_MAX);
	if (!s->summary)
		return fail(-EINVAL, err, errlen, "%s: no summary", s->name);
	rc = check_callbacks(s, err, errlen);
	if (!rc)
		rc = check_params(s, err, errlen);
	if (!rc)
		rc = check_sizes(s, err, errlen);
	return rc;
}

int tshm_strategy_check(const struct tshm_strategy *s)
{
	return tshm__strategy_check_msg(s, NULL, 0);
}

int tshm_strategy_params_check(const struct tshm_strategy *s, const int64_t *p, char *err,
			       size_t errlen)
{
	if (!s || (!p && s->nparams))
		return fail(-EINVAL, err, errlen, "no strategy or parameters");
	for (uint32_t i = 0; i < s->nparams; i++) {
		const struct tshm_param_def *d = &s->params[i];

		if (p[i] < d->min || p[i] > d->max)
			return fail(-ERANGE, err, errlen, "%s: %s=%lld out of range [%lld, %lld]",
				    s->name, d->name, (long long)p[i], (long long)d->min,
				    (long long)d->max);
	}
	if (s->validate(p)) {
		char set[256];

		if (tshm_grid_format(s, p, set, sizeof(set)) < 0)
			snprintf(set, sizeof(set), "parameters");
		return fail(-EINVAL, err, errlen, "%s: %s: invalid combination", s->name, set);
	}
	return 0;
}

int tshm_strategy_has_metric(const struct tshm_strategy *s, const int64_t *p, const char *name)
{
	_Alignas(64) unsigned char partial[TSHM_PARTIAL_MAX];
	struct tshm_metric m[TSHM_METRICS_MAX];
	const struct tshm_metrics_in in = {0};
	void *state = NULL;
	uint32_t n;
	int rc;

	if (!s || (!p && s->nparams) || !name)
		return -EINVAL;
	rc = tshm__identity_partial(s, p, &state, partial);
	free(state);
	if (rc < 0)
		return rc;
	n = s->metrics(partial, &in, m, TSHM_METRICS_MAX);
	for (uint32_t i = 0; i < n && i < TSHM_METRICS_MAX; i++)
		if (m[i].name && strcmp(m[i].name, name) == 0)
			return 1;
	return 0;
}
