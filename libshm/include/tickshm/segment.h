/* SPDX-License-Identifier: MIT */
/*
 * Named POSIX shared-memory segments: naming, validation, the two-step
 * create/seal commit, and read-only attach. Other modules (layout, catalog,
 * ringbuf) build on these calls; they know nothing about bundle layouts.
 *
 * Names: data segments are "/tickshm.<namespace>.<bundle>.g<generation>", the
 * catalog is "/tickshm.<namespace>.catalog", rings are
 * "/tickshm.<namespace>.<ring>.ring". Namespace and bundle (or ring) names are
 * 1..31 and 1..47 characters of [A-Za-z0-9_-], so a name can never leave
 * /dev/shm or collide with another namespace's.
 */
#ifndef TICKSHM_SEGMENT_H
#define TICKSHM_SEGMENT_H

#include <stdint.h>
#include <sys/types.h>

#include "tickshm/common.h"
#include "tickshm/format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A mapped segment. Callers allocate it; the calls below fill it. */
struct tshm_segment {
	int fd;			     /* -1 when closed */
	int writable;		     /* mapped PROT_WRITE */
	void *base;		     /* mapping, NULL when closed */
	uint64_t size;		     /* mapping length = segment size */
	char name[TSHM_SEGNAME_MAX]; /* "/tickshm...." */
};

/* Flags for tshm_segment_open(). */
#define TSHM_SEG_RDWR 1u /* map read-write (ring buffers); default read-only */

/*
 * tshm_namespace - the namespace to use: $TICKSHM_NAMESPACE if set, else
 * "default". Writes it to @buf (at least TSHM_NAMESPACE_MAX bytes).
 * Returns 0, or -TSHM_ENAME if the environment names an invalid namespace.
 * Thread-safe as long as nobody modifies the environment concurrently.
 */
TSHM_EXPORT int tshm_namespace(char *buf, size_t len);

/*
 * tshm_name_check - validate a namespace or bundle name component.
 * @s: the name; @maxlen: buffer size limit including the NUL
 * (TSHM_NAMESPACE_MAX or TSHM_BUNDLE_MAX).
 * Returns 0, or -TSHM_ENAME if empty, too long or not [A-Za-z0-9_-]. Thread-safe.
 */
TSHM_EXPORT int tshm_name_check(const char *s, size_t maxlen);

/*
 * tshm_name_segment - format "/tickshm.<ns>.<bundle>.g<gen>" into @buf.
 * Returns 0, -TSHM_ENAME for a bad @ns or @bundle or @gen == 0, -ENAMETOOLONG
 * if @len is too small. Thread-safe.
 */
TSHM_EXPORT int tshm_name_segment(char *buf, size_t len, const char *ns, const char *bundle,
				  uint64_t gen);

/*
 * tshm_name_catalog - format "/tickshm.<ns>.catalog" into @buf.
 * Returns 0, -TSHM_ENAME, or -ENAMETOOLONG. Thread-safe.
 */
TSHM_EXPORT int tshm_name_catalog(char *buf, size_t len, const char *ns);

/*
 * tshm_name_ring - format "/tickshm.<ns>.<ring>.ring" into @buf: the segment
 * of a ring buffer (ringbuf module). Ring names follow bundle name rules.
 * Returns 0, -TSHM_ENAME, or -ENAMETOOLONG. Thread-safe.
 */
TSHM_EXPORT int tshm_name_ring(char *buf, size_t len, const char *ns, const char *ring);

/*
 * tshm_name_parse - split a segment name (with or without the leading '/')
 * into namespace, bundle and generation. A catalog name parses with
 * @bundle "" and *@gen 0; a ring name with the ring's name in @bundle and
 * *@gen 0. Either output buffer may be NULL.
 * Returns 0 or -TSHM_ENAME if @name is not a tickshm segment name. Thread-safe.
 */
TSHM_EXPORT int tshm_name_parse(const char *name, char ns[TSHM_NAMESPACE_MAX],
				char bundle[TSHM_BUNDLE_MAX], uint64_t *gen);

/*
 * tshm_segment_create - first step of the two-step commit. Creates @name
 * with O_CREAT|O_EXCL and mode 0200 (nobody can open it for reading), takes
 * an exclusive flock on it (released by the kernel if this process dies,
 * which is how gc tells an abandoned segment from one being written),
 * reserves all @size bytes with posix_fallocate before anything is written,
 * and maps it read-write.
 * Returns 0; -EEXIST if the name exists; -ENOSPC if /dev/shm cannot hold
 * @size (never a SIGBUS later); -TSHM_ENAME; -EINVAL for @size 0; other
 * -errno from shm_open/fallocate/mmap. On failure nothing is left behind.
 * Thread-safe (distinct @seg objects).
 */
TSHM_EXPORT int tshm_segment_create(struct tshm_segment *seg, const char *name, uint64_t size);

/*
 * tshm_segment_seal - second step: make a filled segment readable with
 * fchmod(@mode) (0640 if @mode is 0). The caller must have written the
 * header last. The mapping stays writable until closed; callers must not
 * write after sealing. Returns 0, -EINVAL if @seg was not created by this
 * process, or -errno from fchmod.
 */
TSHM_EXPORT int tshm_segment_seal(struct tshm_segment *seg, mode_t mode);

/*
 * tshm_segment_open - attach an existing segment, read-only unless @flags
 * has TSHM_SEG_RDWR. No MAP_POPULATE: attach cost does not grow with size.
 * Returns 0; -ENOENT; -EACCES (no permission, e.g. another user opening a
 * segment still being written, mode 0200); -TSHM_EINCOMPLETE for a segment
 * not yet sealed (no read bit in its mode, or empty) when the caller's
 * privileges bypass the mode (root);
 * -TSHM_ENAME; -EINVAL for unknown @flags; -errno.
 * Thread-safe (distinct @seg objects).
 */
TSHM_EXPORT int tshm_segment_open(struct tshm_segment *seg, const char *name, unsigned flags);

/*
 * tshm_segment_close - unmap and close. Safe on a closed or zeroed segment.
 * Does not unlink. Thread-safe (distinct @seg objects).
 */
TSHM_EXPORT void tshm_segment_close(struct tshm_segment *seg);

/*
 * tshm_segment_unlink - remove a segment name. Processes that map it keep a
 * valid mapping; the kernel frees the memory at their last unmap.
 * Returns 0, -ENOENT, -TSHM_ENAME or -errno. Thread-safe.
 */
TSHM_EXPORT int tshm_segment_unlink(const char *name);

#ifdef __cplusplus
}
#endif
#endif /* TICKSHM_SEGMENT_H */
