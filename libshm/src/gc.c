/* SPDX-License-Identifier: MIT */
/*
 * Namespace inspection and garbage collection. A segment's writer holds an
 * flock on it until it is published or abandoned; the kernel drops that
 * lock when the writer dies, so "unlocked and not complete/current" means
 * nobody will ever finish it, whatever happened to the writer's pid.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "tickshm/gc.h"

#define MAPS_PATH " " TSHM_SHM_DIR "/tickshm."

/* ---- /proc/<pid>/maps ---------------------------------------------------- */

/* Parse one maps line; returns 1 with @m filled if it maps one of ours. */
static int parse_maps_line(const char *line, const char *prefix, struct tshm_mapping *m)
{
	const char *p = strstr(line, MAPS_PATH);
	size_t n;

	if (!p)
		return 0;
	p += strlen(" " TSHM_SHM_DIR);
	if (strncmp(p + 1, prefix, strlen(prefix)) != 0)
		return 0;
	n = strcspn(p, " \n");
	if (n >= TSHM_SEGNAME_MAX)
		return 0;
	memcpy(m->name, p, n);
	m->name[n] = '\0';
	m->deleted = strstr(p + n, "(deleted)") != NULL;
	return 1;
}

static int already_seen(const struct tshm_mapping *seen, size_t n, const struct tshm_mapping *m)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(seen[i].name, m->name))
			return 1;
	return 0;
}

static int scan_pid(pid_t pid, const char *prefix, tshm_mapping_cb cb, void *arg)
{
	struct tshm_mapping seen[64], m;
	char path[64], line[4096];
	size_t nseen = 0;
	int rc = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0; /* gone, or not ours to read */
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		if (!parse_maps_line(line, prefix, &m) || already_seen(seen, nseen, &m))
			continue;
		m.pid = pid;
		if (nseen < sizeof(seen) / sizeof(seen[0]))
			seen[nseen++] = m;
		rc = cb(&m, arg);
	}
	fclose(f);
	return rc;
}

static int resolve_ns(const char *ns, char out[TSHM_NAMESPACE_MAX])
{
	if (!ns)
		return tshm_namespace(out, TSHM_NAMESPACE_MAX);
	if (tshm_name_check(ns, TSHM_NAMESPACE_MAX) < 0)
		return -TSHM_ENAME;
	strcpy(out, ns);
	return 0;
}

int tshm_mappings_scan(const char *ns, tshm_mapping_cb cb, void *arg)
{
	char nsbuf[TSHM_NAMESPACE_MAX], prefix[TSHM_NAMESPACE_MAX + 16];
	struct dirent *e;
	DIR *d;
	int rc = resolve_ns(ns, nsbuf);

	if (rc < 0)
		return rc;
	snprintf(prefix, sizeof(prefix), "tickshm.%s.", nsbuf);
	d = opendir("/proc");
	if (!d)
		return -errno;
	while (rc == 0 && (e = readdir(d))) {
		if (isdigit((unsigned char)e->d_name[0]))
			rc = scan_pid((pid_t)atoi(e->d_name), prefix, cb, arg);
	}
	closedir(d);
	return rc;
}

/* ---- segment states ------------------------------------------------------ */

struct scan {
	char ns[TSHM_NAMESPACE_MAX];
	struct tshm_seg_entry *v;
	size_t n, cap;
	pid_t self;
};

static int count_mapper(const struct tshm_mapping *m, void *arg)
{
	struct scan *s = arg;

	if (m->pid == s->self || m->deleted)
		return 0;
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].name, m->name))
			s->v[i].nmappers++;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct tshm_seg_entry *x = a, *y = b;
	int c = strcmp(x->bundle, y->bundle);

	if (c)
		return c;
	return x->generation < y->generation ? -1 : x->generation > y->generation;
}

static int add_entry(struct scan *s, const char *dname)
{
	struct tshm_seg_entry *e;
	char name[TSHM_SEGNAME_MAX];

	if (strlen(dname) + 2 > sizeof(name))
		return 0;
	snprintf(name, sizeof(name), "/%s", dname);
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 32;
		void *p = realloc(s->v, cap * sizeof(*s->v));
		if (!p)
			return -ENOMEM;
		s->v = p;
		s->cap = cap;
	}
	e = &s->v[s->n];
	memset(e, 0, sizeof(*e));
	if (tshm_name_parse(name, NULL, e->bundle, &e->generation) < 0 || e->generation == 0)
		return 0; /* the catalog, a ring, or not a name of ours */
	strcpy(e->name, name);
	s->n++;
	return 0;
}

static int list_segments(struct scan *s)
{
	char prefix[TSHM_NAMESPACE_MAX + 16];
	struct dirent *e;
	DIR *d = opendir(TSHM_SHM_DIR);
	int rc = 0;

	if (!d)
		return -errno;
	snprintf(prefix, sizeof(prefix), "tickshm.%s.", s->ns);
	while (rc == 0 && (e = readdir(d)))
		if (!strncmp(e->d_name, prefix, strlen(prefix)))
			rc = add_entry(s, e->d_name);
	closedir(d);
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), cmp_entry);
	return rc;
}

static int header_complete(int fd, uint64_t size)
{
	struct tshm_seg_header h;

	if (size < sizeof(h) || pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return 0;
	return h.magic == TSHM_SEG_MAGIC && (h.flags & TSHM_SEG_F_COMPLETE);
}

/* Fail safe: a descriptor we cannot read might name this segment. */
static int is_current(const struct tshm_catalog *cat, const struct tshm_seg_entry *e)
{
	struct tshm_descriptor d;
	int rc;

	if (!cat)
		return 0;
	rc = tshm_catalog_lookup(cat, e->bundle, &d);
	return rc == -ENOENT ? 0 : rc < 0 || d.generation == e->generation;
}

/* Lock first, catalog second: a writer publishes before it unlocks. */
static void classify(struct tshm_seg_entry *e, const struct tshm_catalog *cat)
{
	struct stat st;
	int fd = shm_open(e->name, O_RDONLY | O_CLOEXEC, 0);

	if (fd < 0)
		fd = shm_open(e->name, O_WRONLY | O_CLOEXEC, 0); /* mode 0200 */
	if (fd < 0 || fstat(fd, &st) < 0) {
		e->state = TSHM_SEGSTATE_ABANDONED;
		if (fd >= 0)
			close(fd);
		return;
	}
	e->size = (uint64_t)st.st_size;
	if (tshm__fd_locked(fd))
		e->state = TSHM_SEGSTATE_WRITING;
	else if (is_current(cat, e))
		e->state = TSHM_SEGSTATE_CURRENT;
	else if ((st.st_mode & 0444) && header_complete(fd, e->size))
		e->state = TSHM_SEGSTATE_OLD;
	else
		e->state = TSHM_SEGSTATE_ABANDONED;
	close(fd);
}

/*
 * List and classify the namespace's segments. *@cat is left open for the
 * caller (NULL when the namespace has no catalog: then nothing is current).
 * A catalog that exists but cannot be read is an error: classifying
 * without it could call the published generation garbage.
 */
static int scan_all(const char *ns, struct scan *s, struct tshm_catalog **cat)
{
	int rc;

	memset(s, 0, sizeof(*s));
	*cat = NULL;
	s->self = getpid();
	rc = resolve_ns(ns, s->ns);
	if (rc == 0)
		rc = list_segments(s);
	if (rc == 0) {
		rc = tshm_catalog_open(cat, s->ns, 0);
		rc = rc == -ENOENT ? 0 : rc;
	}
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < s->n; i++)
		classify(&s->v[i], *cat);
	return tshm_mappings_scan(s->ns, count_mapper, s);
}

int tshm_segments_scan(const char *ns, tshm_seg_cb cb, void *arg)
{
	struct tshm_catalog *cat;
	struct scan s;
	int rc = scan_all(ns, &s, &cat);

	for (size_t i = 0; rc == 0 && i < s.n; i++)
		rc = cb(&s.v[i], arg);
	tshm_catalog_close(cat);
	free(s.v);
	return rc;
}

/*
 * With the segment's lock held (no writer can be working on it), is it
 * still what the scan said? The scan is not atomic: a writer may have
 * finished and published the segment since.
 */
static int still_garbage(int fd, const struct tshm_seg_entry *e, const struct tshm_catalog *cat)
{
	struct stat st;

	if (is_current(cat, e) || fstat(fd, &st) < 0)
		return 0;
	if (e->state == TSHM_SEGSTATE_ABANDONED)
		return !((st.st_mode & 0444) && header_complete(fd, (uint64_t)st.st_size));
	return 1;
}

/* Unlink @e unless a writer took it meanwhile; the lock we hold while
 * unlinking keeps a writer from starting on the name until it is gone. */
static int remove_entry(const struct tshm_seg_entry *e, const struct tshm_catalog *cat)
{
	int fd = shm_open(e->name, O_RDONLY | O_CLOEXEC, 0);
	int rc;

	if (fd < 0)
		fd = shm_open(e->name, O_WRONLY | O_CLOEXEC, 0);
	if (fd < 0) /* gone already, or another user's: not ours to remove */
		return errno == ENOENT || errno == EACCES ? 0 : -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || !still_garbage(fd, e, cat)) {
		close(fd);
		return 0;
	}
	rc = 1;
	if (shm_unlink(e->name) < 0)
		rc = errno == ENOENT || errno == EACCES || errno == EPERM ? 0 : -errno;
	close(fd);
	return rc;
}

/* Does any data segment of @bundle remain in the namespace @arg? */
static bool bundle_has_segments(const char *bundle, void *arg)
{
	char prefix[TSHM_NAMESPACE_MAX + TSHM_BUNDLE_MAX + 16];
	struct dirent *e;
	DIR *d = opendir(TSHM_SHM_DIR);
	bool found = false;

	if (!d)
		return true; /* cannot tell: keep the slot */
	snprintf(prefix, sizeof(prefix), "tickshm.%s.%s.g", (const char *)arg, bundle);
	while (!found && (e = readdir(d)))
		found = strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return found;
}

/* Catalog slots a killed first load left reserved; needs write access. */
static void reap_reservations(const char *ns)
{
	struct tshm_catalog *cat;

	if (tshm_catalog_open(&cat, ns, TSHM_CATALOG_RDWR) < 0)
		return; /* no catalog, or not ours to write: nothing to do */
	tshm__catalog_reap_reservations(cat, bundle_has_segments, (void *)ns);
	tshm_catalog_close(cat);
}

int tshm_gc(const char *ns, unsigned flags, tshm_seg_cb cb, void *arg)
{
	struct tshm_catalog *cat;
	struct scan s;
	int rc, removed = 0;

	if (flags & ~TSHM_GC_DRY_RUN)
		return -EINVAL;
	rc = scan_all(ns, &s, &cat);
	for (size_t i = 0; rc == 0 && i < s.n; i++) {
		const struct tshm_seg_entry *e = &s.v[i];
		int r = 1;

		if (e->state != TSHM_SEGSTATE_ABANDONED &&
		    !(e->state == TSHM_SEGSTATE_OLD && e->nmappers == 0))
			continue;
		if (!(flags & TSHM_GC_DRY_RUN))
			r = remove_entry(e, cat);
		if (r < 0) {
			rc = r;
		} else if (r > 0) {
			removed++;
			if (cb)
				rc = cb(e, arg);
		}
	}
	tshm_catalog_close(cat);
	if (rc == 0 && !(flags & TSHM_GC_DRY_RUN))
		reap_reservations(s.ns);
	free(s.v);
	return rc < 0 ? rc : removed;
}
