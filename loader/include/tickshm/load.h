/* SPDX-License-Identifier: MIT */
/*
 * The loader: a bundle on disk (tickshm/bundle.h) into a new generation of
 * a shared-memory segment, published in the catalog.
 *
 * One run opens the bundle (shared lock), compares the content hash derived
 * from its chunk index with the published generation's (equal: nothing to
 * do), creates the segment (libshm writer, TSHM_WRITER_DEFER_ALLOC), reads
 * every compressed chunk with io_uring (large
 * batched reads, many in flight, O_DIRECT where it helps), decodes each
 * chunk on a pool of threads into a cache-hot buffer and pwrite()s it to
 * its final place in the segment (no page faults, and full pages are never
 * zero-filled first) while checking its XXH3-64, then commits with the
 * derived hash and publishes, having allocated the rest of the segment and
 * written the metadata tables. Any failure destroys the unpublished segment:
 * a failed or killed load never changes what readers see.
 *
 * Test hooks: TICKSHM_TEST_CRASH_AT=load_mid_decode|load_before_commit (SIGKILL
 * there), TICKSHM_TEST_LOAD_PREAD=1 (read with pread(2), as where io_uring
 * is unavailable).
 */
#ifndef TICKSHM_LOAD_H
#define TICKSHM_LOAD_H

#include <stdint.h>
#include <sys/types.h>

#include "tickshm/catalog.h"
#include "tickshm/common.h"
#include "tickshm/format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* tshm_load_opts.flags */
#define TSHM_LOAD_FORCE 1u /* load even if the published hash equals the bundle's */

/* tshm_load_opts.direct: how data files are read. */
enum tshm_load_direct {
	TSHM_LOAD_DIRECT_AUTO = 0, /* O_DIRECT for files mostly not in the page cache */
	TSHM_LOAD_DIRECT_ON = 1,   /* O_DIRECT wherever the file system supports it */
	TSHM_LOAD_DIRECT_OFF = 2,  /* always through the page cache */
};

/*
 * Progress: @done of @total raw (decoded) bytes are in the segment. Called
 * from the thread that runs tshm_load_run(), about every 100 ms while data
 * is decoded and once with done == total; never concurrently.
 */
typedef void (*tshm_load_progress_fn)(uint64_t done, uint64_t total, void *arg);

struct tshm_load_opts {
	const char *name;     /* bundle name to publish as; NULL: the bundle's own */
	unsigned flags;	      /* TSHM_LOAD_*; other bits: -EINVAL */
	unsigned nthreads;    /* decode threads; 0: the online CPUs; at most 1024 */
	unsigned queue_depth; /* reads in flight; 0: 64; at most 4096 */
	int direct;	      /* enum tshm_load_direct */
	mode_t mode;	      /* segment permissions once sealed; 0: 0640 */
	uint64_t max_segment; /* test hook: refuse segments larger than this (-ENOSPC); 0: none */
	tshm_load_progress_fn progress; /* may be NULL */
	void *progress_arg;
};

enum tshm_load_status {
	TSHM_LOAD_LOADED = 1,	  /* a new generation was published */
	TSHM_LOAD_UP_TO_DATE = 2, /* the published generation already has this content */
};

#define TSHM_LOAD_ERROR_MAX 256u

struct tshm_load_result {
	int status;		   /* enum tshm_load_status; 0 on failure */
	uint64_t generation;	   /* published (or already current) generation */
	uint64_t hash_lo, hash_hi; /* content hash */
	uint64_t raw_bytes;	   /* decoded column bytes of every chunk */
	uint64_t compressed_bytes; /* bytes of the frames read */
	uint64_t chunks;	   /* chunks decoded */
	uint64_t segment_bytes;	   /* size of the new segment */
	double seconds;		   /* the whole run, bundle open to publish */
	double rate;		   /* raw_bytes / seconds (bytes per second); 0 if up to date */
	unsigned nthreads;	   /* decode threads used */
	unsigned direct_files;	   /* data files read with O_DIRECT */
	/* Phase times in seconds: bundle open + hash lookup, segment create
	 * (its header; the rest is allocated in the next phase, by the decode
	 * threads' pwrite), read + allocate + decode + metadata tables,
	 * commit (order check, index, seal), publish. */
	double t_open, t_create, t_decode, t_commit, t_publish;
	char bundle[TSHM_BUNDLE_MAX];	 /* the name published (or looked up) */
	char segment[TSHM_SEGNAME_MAX];	 /* its segment */
	char error[TSHM_LOAD_ERROR_MAX]; /* on failure: what failed, e.g. the chunk */
};

/*
 * tshm_load_run - load the bundle in directory @bundle_dir into a new
 * generation of its bundle (opts->name, else the bundle's name) in @cat
 * (opened with TSHM_CATALOG_RDWR) and publish it, unless the published
 * generation already carries the bundle's content hash (then nothing is
 * created: res->status = TSHM_LOAD_UP_TO_DATE) and TSHM_LOAD_FORCE is not
 * set. @opts may be NULL (defaults). @res is always filled; on failure
 * res->error says what failed in a line fit for a user, naming the chunk
 * ("trades sid 100 day 2024-01-03 col price: checksum mismatch (file
 * <path> offset N)") when one is at fault.
 *
 * Returns 0 on success (loaded or up to date), else a negative error, and
 * then nothing was published and no segment is left behind:
 *   -EINVAL	  bad @opts (flags, direct, nthreads, queue_depth), or NULL args
 *   -TSHM_ENAME  the bundle name is not a valid name
 *   -ENOENT	  no bundle in @bundle_dir (or a data file is missing)
 *   -TSHM_EVERSION  a bundle format this build cannot read
 *   -TSHM_ECORRUPT  a chunk failed to decode or its checksum did not match,
 *		  a data file is shorter than the index says, or the index
 *		  is inconsistent (chunk outside its table)
 *   -TSHM_EORDER the decoded rows are not sorted by time per asset, or fall
 *		  outside their day (the table is named in res->error)
 *   -ENOSPC	  /dev/shm cannot hold the segment, the catalog is full, or
 *		  the segment exceeds opts->max_segment
 *   -EBADF	  @cat is read-only
 *   -EEXIST	  stale segments hold the next generations' names (run gc)
 *   -ESTALE	  another load published a newer generation meanwhile
 *   -TSHM_EBUSY  the catalog or bundle lock stayed held too long
 *   -EIO, -ENOMEM, -ETIMEDOUT (a read that never completed), other -errno
 *
 * Thread-safe: concurrent runs (same or different catalogs) are allowed;
 * each uses its own threads and io_uring. Blocks until done. Crash-safe:
 * a process killed at any point leaves the published generation intact
 * and readable, and at most a segment that tshm_gc() removes.
 */
TSHM_EXPORT int tshm_load_run(struct tshm_catalog *cat, const char *bundle_dir,
			      const struct tshm_load_opts *opts, struct tshm_load_result *res);

#ifdef __cplusplus
}
#endif
#endif /* TICKSHM_LOAD_H */
