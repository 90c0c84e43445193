/* SPDX-License-Identifier: MIT */
/*
 * Write transactions (BUNDLE.md 5, "Commit protocol"): one SQLite
 * transaction plus one new append-only data file. The data file is made
 * durable before the SQLite COMMIT, so the index never names bytes that a
 * crash could lose; files nothing references any more are swept after it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle_internal.h"

#define WRITE_BUFFER (4u << 20)

static const char *const stmt_sql[TSHM__ST_COUNT] = {
    [TSHM__ST_ASSET_GET] = "SELECT sid, symbol, exchange, currency, class, price_exp, size_exp,"
			   " tick_size, lot_size, start_ts, end_ts FROM assets WHERE sid=?1",
    [TSHM__ST_ASSET_BY_SYM] = "SELECT sid, symbol, exchange, currency, class, price_exp,"
			      " size_exp, tick_size, lot_size, start_ts, end_ts FROM assets"
			      " WHERE symbol=?1 ORDER BY end_ts DESC, sid DESC LIMIT 1",
    [TSHM__ST_ASSET_PUT] = "INSERT OR REPLACE INTO assets VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7,"
			   " ?8, ?9, ?10, ?11)",
    [TSHM__ST_SYM_PUT] = "INSERT OR REPLACE INTO symbols VALUES(?1, ?2, ?3, ?4)",
    [TSHM__ST_SESS_PUT] = "INSERT OR REPLACE INTO sessions VALUES(?1, ?2, ?3)",
    [TSHM__ST_ADJ_PUT] = "INSERT OR REPLACE INTO adjustments VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [TSHM__ST_CHUNK_DEL] = "DELETE FROM chunks WHERE \"table\"=?1 AND sid=?2 AND day=?3",
    [TSHM__ST_CHUNK_PUT] = "INSERT INTO chunks VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
			   " ?10, ?11, ?12, ?13, ?14)",
};

static int flush_buf(struct tshm_bundle_txn *t)
{
	size_t done = 0;

	while (done < t->blen) {
		ssize_t n = write(t->datafd, t->buf + done, t->blen - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	t->blen = 0;
	return 0;
}

int tshm__txn_reserve(struct tshm_bundle_txn *t, size_t n)
{
	int rc;

	if (t->bcap - t->blen >= n)
		return 0;
	rc = flush_buf(t);
	if (rc == 0 && n > t->bcap) {
		uint8_t *p = realloc(t->buf, n);
		if (!p)
			return -ENOMEM;
		t->buf = p;
		t->bcap = n;
	}
	return rc;
}

int tshm__txn_write(struct tshm_bundle_txn *t, const void *p, size_t n)
{
	int rc = tshm__txn_reserve(t, n);

	if (rc < 0)
		return rc;
	memcpy(t->buf + t->blen, p, n);
	t->blen += n;
	t->file_off += n;
	return 0;
}

/* Name for a new bundle: the caller's, else the directory's basename. */
static int pick_name(const char *dir, const char *name, char out[TSHM_BUNDLE_MAX])
{
	char tmp[4096];

	if (!name) {
		snprintf(tmp, sizeof(tmp), "%s", dir);
		while (strlen(tmp) > 1 && tmp[strlen(tmp) - 1] == '/')
			tmp[strlen(tmp) - 1] = '\0';
		name = basename(tmp);
	}
	if (tshm_name_check(name, TSHM_BUNDLE_MAX) < 0)
		return -TSHM_ENAME;
	strcpy(out, name);
	return 0;
}

/* Ids in `files`, sorted, for the sweep. */
static int committed_files(sqlite3 *db, uint32_t **ids, size_t *n)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc, step;

	*ids = NULL;
	*n = 0;
	rc = tshm__db_prepare(db, "SELECT file_id FROM files ORDER BY file_id", &st);
	if (rc < 0)
		return rc;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			uint32_t *p = realloc(*ids, (cap = cap ? cap * 2 : 16) * sizeof(**ids));
			if (!p) {
				rc = -ENOMEM;
				break;
			}
			*ids = p;
		}
		(*ids)[(*n)++] = (uint32_t)sqlite3_column_int64(st, 0);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = tshm__db_err(step);
	sqlite3_finalize(st);
	if (rc < 0) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return rc;
}

static int sweep(struct tshm_bundle_txn *t)
{
	uint32_t *ids;
	size_t n;
	int rc = committed_files(t->db, &ids, &n);

	if (rc == 0)
		rc = tshm__sweep_files(t->dir, t->lockfd, ids, n);
	free(ids);
	return rc;
}

/* The next data file id from the meta table into t->file_id. */
static int next_file_id(struct tshm_bundle_txn *t)
{
	unsigned long long id;
	char v[32];
	int rc = tshm__db_meta_get(t->db, "next_file_id", v, sizeof(v));

	if (rc < 0)
		return rc == -ENOENT ? -TSHM_ECORRUPT : rc;
	id = strtoull(v, NULL, 10);
	if (id == 0 || id >= UINT32_MAX)
		return -TSHM_ECORRUPT;
	t->file_id = (uint32_t)id;
	return 0;
}

/* Schema on a new bundle, else version check and optional rename. */
static int prepare_db(struct tshm_bundle_txn *t, const char *name, unsigned flags)
{
	char nm[TSHM_BUNDLE_MAX];
	int rc = tshm__db_has_schema(t->db);

	if (rc == 0) {
		if (!(flags & TSHM_BUNDLE_CREATE))
			return -ENOENT;
		rc = pick_name(t->dir, name, nm);
		if (rc >= 0)
			rc = tshm__db_create_schema(t->db, nm);
	} else if (rc > 0) {
		rc = tshm__db_check_version(t->db);
		if (rc == 0 && name)
			rc = tshm__db_meta_set(t->db, "name", name);
	}
	return rc < 0 ? rc : next_file_id(t);
}

/* Take file id t->file_id (prepare_db read it), create its file, header buffered. */
static int open_data_file(struct tshm_bundle_txn *t)
{
	struct tshm__tzd_header h = {.magic = TSHM__TZD_MAGIC, .version = TSHM__TZD_VERSION};
	char path[4200], v[32];
	int rc;

	snprintf(v, sizeof(v), "%llu", (unsigned long long)t->file_id + 1);
	rc = tshm__db_meta_set(t->db, "next_file_id", v);
	if (rc == 0 &&
	    (size_t)snprintf(path, sizeof(path), "%s/" TSHM__DATA_DIR, t->dir) >= sizeof(path))
		rc = -ENAMETOOLONG;
	if (rc == 0)
		rc = tshm__mkdirs(path, &t->created_data_dir);
	if (rc == 0)
		rc = tshm__data_path(path, sizeof(path), t->dir, t->file_id);
	if (rc < 0)
		return rc;
	t->datafd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (t->datafd < 0)
		return -errno;
	h.file_id = t->file_id;
	h.created_ns = tshm__bundle_wall_ns();
	return tshm__txn_write(t, &h, sizeof(h));
}

static int txn_init(struct tshm_bundle_txn *t, const char *name, unsigned flags)
{
	bool create = (flags & TSHM_BUNDLE_CREATE) != 0;
	int rc = 0;

	if (create)
		rc = tshm__mkdirs(t->dir, &t->created_dir);
	if (rc == 0)
		rc = t->wlockfd = tshm__lock_open(t->dir, TSHM__WLOCK_NAME, true);
	if (rc >= 0)
		rc = tshm__flock_wait(t->wlockfd, LOCK_EX);
	if (rc == 0)
		rc = t->lockfd = tshm__lock_open(t->dir, TSHM__LOCK_NAME, true);
	if (rc >= 0) {
		char p[4200];
		snprintf(p, sizeof(p), "%s/" TSHM__DB_NAME, t->dir);
		t->created_db = access(p, F_OK) < 0;
		rc = tshm__db_open(&t->db, t->dir, true, create);
	}
	if (rc == 0)
		rc = tshm__db_exec(t->db, "BEGIN IMMEDIATE");
	if (rc == 0)
		rc = prepare_db(t, name, flags);
	if (rc == 0)
		(void)sweep(t); /* leftovers of crashed transactions; best effort */
	if (rc == 0)
		rc = open_data_file(t);
	for (int i = 0; rc == 0 && i < TSHM__ST_COUNT; i++)
		rc = tshm__db_prepare(t->db, stmt_sql[i], &t->st[i]);
	if (rc == 0)
		rc = tshm__encoder_new(&t->enc, tshm__zstd_level());
	return rc;
}

int tshm_bundle_begin(struct tshm_bundle_txn **out, const char *dir, const char *name,
		      unsigned flags)
{
	struct tshm_bundle_txn *t;
	int rc;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!dir || (flags & ~TSHM_BUNDLE_CREATE))
		return -EINVAL;
	if (name && tshm_name_check(name, TSHM_BUNDLE_MAX) < 0)
		return -TSHM_ENAME;
	if (strlen(dir) >= sizeof(t->dir))
		return -ENAMETOOLONG;
	if (!(flags & TSHM_BUNDLE_CREATE) && access(dir, F_OK) < 0)
		return -errno;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	strcpy(t->dir, dir);
	t->wlockfd = t->lockfd = t->datafd = -1;
	t->bcap = WRITE_BUFFER;
	t->buf = malloc(t->bcap);
	rc = t->buf ? txn_init(t, name, flags) : -ENOMEM;
	if (rc < 0) {
		tshm_bundle_abort(t);
		return rc;
	}
	*out = t;
	return 0;
}

static void txn_free(struct tshm_bundle_txn *t)
{
	for (int i = 0; i < TSHM__ST_COUNT; i++)
		sqlite3_finalize(t->st[i]);
	sqlite3_close(t->db);
	if (t->datafd >= 0)
		close(t->datafd);
	if (t->lockfd >= 0)
		close(t->lockfd);
	if (t->wlockfd >= 0)
		close(t->wlockfd); /* releases the write lock */
	tshm__encoder_free(t->enc);
	free(t->buf);
	free(t);
}

/* Data durable: file contents, its name in data/, and new directories. */
static int sync_data(struct tshm_bundle_txn *t)
{
	char path[4200];
	int rc;

	rc = flush_buf(t);
	tshm__bundle_crash_point("bundle_before_sync");
	if (rc == 0 && fdatasync(t->datafd) < 0)
		rc = -errno;
	snprintf(path, sizeof(path), "%s/" TSHM__DATA_DIR, t->dir);
	if (rc == 0)
		rc = tshm__fsync_dir(path);
	if (rc == 0 && (t->created_data_dir || t->created_dir || t->created_db))
		rc = tshm__fsync_dir(t->dir);
	if (rc == 0 && t->created_dir) {
		snprintf(path, sizeof(path), "%s/..", t->dir);
		rc = tshm__fsync_dir(path);
	}
	return rc;
}

/* Register this transaction's file, forget files no chunk uses. */
static int index_files(struct tshm_bundle_txn *t)
{
	sqlite3_stmt *st;
	char name[32];
	int rc;

	snprintf(name, sizeof(name), "%08u" TSHM__DATA_EXT, t->file_id);
	rc = tshm__db_prepare(t->db, "INSERT INTO files VALUES(?1, ?2, ?3)", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, t->file_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)t->file_off);
	rc = tshm__db_step_done(st);
	sqlite3_finalize(st);
	if (rc == 0)
		rc = tshm__db_exec(t->db, "DELETE FROM files WHERE file_id NOT IN"
					  " (SELECT DISTINCT file_id FROM chunks)");
	return rc;
}

int tshm_bundle_commit(struct tshm_bundle_txn *t)
{
	int rc;

	if (!t)
		return -EINVAL;
	rc = t->error;
	if (rc == 0)
		rc = sync_data(t);
	if (rc == 0)
		rc = index_files(t);
	if (rc == 0) {
		tshm__bundle_crash_point("bundle_before_commit");
		rc = tshm__db_exec(t->db, "COMMIT");
	}
	if (rc < 0) {
		tshm_bundle_abort(t);
		return rc;
	}
	tshm__bundle_crash_point("bundle_after_commit");
	/* The journal's deletion is the commit point; a new bundle's database
	 * file must also be durably named in its directory. */
	if (t->created_db)
		tshm__fsync_dir(t->dir);
	tshm__bundle_crash_point("bundle_before_cleanup");
	sweep(t); /* best effort: the next transaction sweeps again */
	txn_free(t);
	return 0;
}

void tshm_bundle_abort(struct tshm_bundle_txn *t)
{
	char path[4200];

	if (!t)
		return;
	if (t->db && !sqlite3_get_autocommit(t->db))
		tshm__db_exec(t->db, "ROLLBACK");
	if (t->datafd >= 0 && tshm__data_path(path, sizeof(path), t->dir, t->file_id) == 0)
		unlink(path);
	if (t->created_db && t->db) {
		for (int i = 0; i < TSHM__ST_COUNT; i++) {
			sqlite3_finalize(t->st[i]);
			t->st[i] = NULL;
		}
		sqlite3_close(t->db);
		t->db = NULL;
		snprintf(path, sizeof(path), "%s/" TSHM__DB_NAME, t->dir);
		unlink(path);
	}
	txn_free(t);
}
