/* SPDX-License-Identifier: MIT */
/* Formatting and ranking reported metrics (pipeline.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tickshm/pipeline.h"
#include "tickshm/text.h"

int tshm_metric_format(const struct tshm_metric *m, int32_t price_exp, char *buf, size_t len)
{
	int n;

	if (m->is_money && price_exp >= -30 && price_exp <= 30)
		return tshm_decimal_format(buf, len, m->value, price_exp);
	if (m->is_real)
		n = snprintf(buf, len, "%.6g", m->real);
	else
		n = snprintf(buf, len, "%" PRId64, m->value);
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

static int lower_is_better(const char *name)
{
	return strstr(name, "drawdown") != NULL;
}

int tshm_metric_better(const char *name, const struct tshm_metric *a, const struct tshm_metric *b)
{
	int lower = lower_is_better(name);

	if (a->is_real || b->is_real) {
		double x = a->real, y = b->real;

		if (x != x || y != y) /* NaN ranks last */
			return y != y && x == x;
		return lower ? x < y : x > y;
	}
	return lower ? a->value < b->value : a->value > b->value;
}
