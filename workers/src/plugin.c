/* SPDX-License-Identifier: MIT */
/*
 * Loading a user's strategy from a shared object (--strategy-lib FILE.so).
 * A loaded library is never unloaded: its descriptor and callbacks stay
 * valid for the life of the process.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "strategy_internal.h"

typedef const struct tshm_strategy *(*entry_fn)(void);

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

/* The file must exist and be a regular file; dlopen() gets "./x.so" for "x.so". */
static int plugin_path(const char *path, char *buf, size_t len, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st))
		return fail(-errno, err, errlen, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(-ENOEXEC, err, errlen, "%s: not a regular file", path);
	if (snprintf(buf, len, "%s%s", strchr(path, '/') ? "" : "./", path) >= (int)len)
		return fail(-ENAMETOOLONG, err, errlen, "%s: path too long", path);
	return 0;
}

static int plugin_entry(void *h, const char *path, const struct tshm_strategy **out, char *err,
			size_t errlen)
{
	void *sym;
	entry_fn fn;
	const char *why;
	char msg[256];
	int rc;

	dlerror();
	sym = dlsym(h, TSHM_STRATEGY_ENTRY);
	why = dlerror();
	if (!sym)
		return fail(-ENOEXEC, err, errlen, "%s: no %s(): %s", path, TSHM_STRATEGY_ENTRY,
			    why ? why : "symbol is NULL");
	memcpy(&fn, &sym, sizeof(fn));
	*out = fn();
	if (!*out)
		return fail(-EINVAL, err, errlen, "%s: %s() returned NULL", path,
			    TSHM_STRATEGY_ENTRY);
	rc = tshm__strategy_check_msg(*out, msg, sizeof(msg));
	if (rc)
		return fail(rc, err, errlen, "%s: %s", path, msg);
	return 0;
}

int tshm_strategy_load(const char *path, const struct tshm_strategy **out, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	const struct tshm_strategy *s = NULL;
	void *h;
	int rc;

	if (!path || !*path || !out)
		return fail(-EINVAL, err, errlen, "no strategy library given");
	rc = plugin_path(path, buf, sizeof(buf), err, errlen);
	if (rc)
		return rc;
	h = dlopen(buf, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();

		return fail(-ENOEXEC, err, errlen, "%s", why ? why : "dlopen failed");
	}
	rc = plugin_entry(h, path, &s, err, errlen);
	if (rc) {
		dlclose(h);
		return rc;
	}
	*out = s;
	return 0;
}
