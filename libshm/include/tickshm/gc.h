/* SPDX-License-Identifier: MIT */
/*
 * Inspecting and cleaning a namespace: which segments exist, which
 * processes map them (from /proc/<pid>/maps), and garbage collection of
 * segments that can never be used again.
 */
#ifndef TICKSHM_GC_H
#define TICKSHM_GC_H

#include <stdint.h>
#include <sys/types.h>

#include "tickshm/common.h"
#include "tickshm/format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* State of one segment found in /dev/shm. */
enum tshm_seg_state {
	TSHM_SEGSTATE_CURRENT = 1, /* the published generation */
	TSHM_SEGSTATE_WRITING,	   /* incomplete, its writer is alive (holds the flock) */
	TSHM_SEGSTATE_ABANDONED,   /* incomplete or unpublished, writer gone */
	TSHM_SEGSTATE_OLD,	   /* complete, not current (superseded or never published) */
};

struct tshm_seg_entry {
	char name[TSHM_SEGNAME_MAX]; /* "/tickshm.<ns>.<bundle>.g<gen>" */
	char bundle[TSHM_BUNDLE_MAX];
	uint64_t generation;
	uint64_t size;
	int state;	   /* enum tshm_seg_state */
	uint32_t nmappers; /* processes mapping this name (other than the caller) */
};

typedef int (*tshm_seg_cb)(const struct tshm_seg_entry *e, void *arg);

/*
 * tshm_segments_scan - call @cb for every data segment of namespace @ns
 * (NULL: tshm_namespace()) in /dev/shm, sorted by bundle name, then by
 * generation as a number (g9 before g10). A non-zero return
 * from @cb stops the scan and is returned. Returns 0, -TSHM_ENAME, -errno.
 * Thread-safe.
 */
TSHM_EXPORT int tshm_segments_scan(const char *ns, tshm_seg_cb cb, void *arg);

/* One (process, segment) mapping from /proc/<pid>/maps. */
struct tshm_mapping {
	pid_t pid;
	int deleted; /* the name was unlinked: an old generation still in use */
	char name[TSHM_SEGNAME_MAX];
};

typedef int (*tshm_mapping_cb)(const struct tshm_mapping *m, void *arg);

/*
 * tshm_mappings_scan - call @cb once per (pid, segment) of namespace @ns
 * mapped by any process this user may inspect, the caller included.
 * Returns 0, the first non-zero @cb return, -TSHM_ENAME, -errno.
 * Thread-safe.
 */
TSHM_EXPORT int tshm_mappings_scan(const char *ns, tshm_mapping_cb cb, void *arg);

#define TSHM_GC_DRY_RUN 1u /* report only */

/*
 * tshm_gc - remove the namespace's segments that nothing can use again:
 * ABANDONED ones (incomplete or never published, their writer dead) and OLD
 * ones no process maps. CURRENT and WRITING segments are kept. It also
 * frees catalog slots reserved by a process that died before its first
 * publish (a killed first load) once no segment of that bundle is left, so
 * crashed loads cannot use up the namespace's TSHM_CAT_SLOTS. Calls @cb
 * (may be NULL) for every segment removed (or that would be, with
 * TSHM_GC_DRY_RUN). Returns the number removed, -EINVAL for unknown flags,
 * -TSHM_ENAME, -errno. Thread-safe.
 */
TSHM_EXPORT int tshm_gc(const char *ns, unsigned flags, tshm_seg_cb cb, void *arg);

#ifdef __cplusplus
}
#endif
#endif /* TICKSHM_GC_H */
