/* SPDX-License-Identifier: MIT */
/* Pipeline logs: one line per event, naming the stage and the pid. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pipe_internal.h"

int tshm__log_level;

void tshm__log(int level, const char *stage, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	if (level > tshm__log_level)
		return;
	n = snprintf(line, sizeof(line), "tickshm[%s %ld]: ", stage, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write per line: lines of concurrent workers do not interleave. */
	n = (int)strlen(line);
	if (n < (int)sizeof(line) - 1)
		line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

void tshm__status_str(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else
		snprintf(buf, len, "ended (status 0x%x)", (unsigned)status);
}
