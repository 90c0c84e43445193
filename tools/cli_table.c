/* SPDX-License-Identifier: MIT */
/* Aligned text tables for the human-readable outputs. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_table_init(struct cli_table *t, unsigned ncols)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
}

void cli_table_cell(struct cli_table *t, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	if (t->ncells == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **cells = realloc(t->cells, cap * sizeof(*cells));

		if (!cells) {
			t->oom = 1;
			return;
		}
		t->cells = cells;
		t->cap = cap;
	}
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		s = NULL;
		t->oom = 1;
	}
	t->cells[t->ncells++] = s;
}

static void print_row(const struct cli_table *t, FILE *out, const char *indent, size_t row,
		      const size_t *width)
{
	fputs(indent, out);
	for (unsigned c = 0; c < t->ncols; c++) {
		const char *s = t->cells[row * t->ncols + c];

		s = s ? s : "";
		if (c + 1 == t->ncols)
			fprintf(out, "%s\n", s); /* no trailing blanks */
		else
			fprintf(out, "%-*s  ", (int)width[c], s);
	}
}

int cli_table_print(struct cli_table *t, FILE *out, const char *indent)
{
	size_t width[TSHM_MAX_COLS + 8] = {0};
	size_t nrows = t->ncols ? t->ncells / t->ncols : 0;
	int rc = t->oom || t->ncols > sizeof(width) / sizeof(width[0]) ? -ENOMEM : 0;

	for (size_t i = 0; rc == 0 && i < nrows * t->ncols; i++) {
		size_t len = t->cells[i] ? strlen(t->cells[i]) : 0;

		if (len > width[i % t->ncols])
			width[i % t->ncols] = len;
	}
	for (size_t r = 0; rc == 0 && r < nrows; r++)
		print_row(t, out, indent, r, width);
	cli_table_free(t);
	return rc;
}

void cli_table_free(struct cli_table *t)
{
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->ncells = t->cap = 0;
}
