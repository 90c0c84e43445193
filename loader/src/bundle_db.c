/* SPDX-License-Identifier: MIT */
/*
 * bundle.sqlite (BUNDLE.md "Database"): opening with the right pragmas, the
 * schema, the meta table, and small statement helpers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bundle_internal.h"

/* BUNDLE.md section 3; any change here bumps TSHM_BUNDLE_FORMAT_VERSION. */
static const char schema_sql[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE assets(sid INTEGER PRIMARY KEY, symbol TEXT NOT NULL,"
    " exchange TEXT NOT NULL, currency TEXT NOT NULL, class INTEGER NOT NULL,"
    " price_exp INTEGER NOT NULL, size_exp INTEGER NOT NULL, tick_size INTEGER NOT NULL,"
    " lot_size INTEGER NOT NULL, start_ts INTEGER NOT NULL, end_ts INTEGER NOT NULL);"
    "CREATE TABLE symbols(symbol TEXT NOT NULL, start_ts INTEGER NOT NULL,"
    " end_ts INTEGER NOT NULL, sid INTEGER NOT NULL, PRIMARY KEY(symbol, start_ts))"
    " WITHOUT ROWID;"
    "CREATE TABLE sessions(day INTEGER PRIMARY KEY, open_ts INTEGER NOT NULL,"
    " close_ts INTEGER NOT NULL);"
    "CREATE TABLE adjustments(sid INTEGER NOT NULL, ts INTEGER NOT NULL, kind INTEGER NOT NULL,"
    " ratio_num INTEGER NOT NULL, ratio_den INTEGER NOT NULL, amount INTEGER NOT NULL,"
    " PRIMARY KEY(sid, ts, kind)) WITHOUT ROWID;"
    "CREATE TABLE files(file_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " size INTEGER NOT NULL);"
    "CREATE TABLE chunks(\"table\" INTEGER NOT NULL, sid INTEGER NOT NULL,"
    " day INTEGER NOT NULL, col INTEGER NOT NULL, codec INTEGER NOT NULL,"
    " file_id INTEGER NOT NULL, offset INTEGER NOT NULL, clen INTEGER NOT NULL,"
    " rlen INTEGER NOT NULL, nrows INTEGER NOT NULL, width INTEGER NOT NULL,"
    " min_ts INTEGER NOT NULL, max_ts INTEGER NOT NULL, checksum INTEGER NOT NULL,"
    " PRIMARY KEY(\"table\", sid, day, col)) WITHOUT ROWID;"
    "CREATE INDEX chunks_file ON chunks(file_id);";

int tshm__db_err(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -TSHM_EBUSY;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_SCHEMA:
	case SQLITE_MISMATCH:
	case SQLITE_CONSTRAINT:
	case SQLITE_ERROR:
		return -TSHM_ECORRUPT;
	default:
		return -EIO;
	}
}

int tshm__db_exec(sqlite3 *db, const char *sql)
{
	return tshm__db_err(sqlite3_exec(db, sql, NULL, NULL, NULL));
}

int tshm__db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	return tshm__db_err(sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL));
}

int tshm__db_step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : tshm__db_err(rc == SQLITE_ROW ? SQLITE_MISMATCH : rc);
}

/*
 * Rollback journal, synchronous=FULL (BUNDLE.md 3.1): one writer at a time,
 * readers read the index once at open, and the database stays one file.
 */
static int writer_pragmas(sqlite3 *db)
{
	return tshm__db_exec(db, "PRAGMA journal_mode=DELETE;"
				 "PRAGMA synchronous=FULL;"
				 "PRAGMA cache_size=-65536;"
				 "PRAGMA foreign_keys=OFF;");
}

int tshm__db_open(sqlite3 **out, const char *dir, bool writer, bool create)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE;
	char path[4200];
	sqlite3 *db = NULL;
	int rc;

	*out = NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s/" TSHM__DB_NAME, dir) >= sizeof(path))
		return -ENAMETOOLONG;
	if (access(path, F_OK) < 0 && (!create || errno != ENOENT))
		return -errno;
	rc = sqlite3_open_v2(path, &db, flags | (create ? SQLITE_OPEN_CREATE : 0), NULL);
	if (rc != SQLITE_OK && !writer) {
		/* A reader without write access: fine unless a crash left a hot journal. */
		sqlite3_close(db);
		db = NULL;
		rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_busy_timeout(db, TSHM__LOCK_TIMEOUT_MS);
	rc = tshm__db_err(rc);
	if (rc == 0 && writer)
		rc = writer_pragmas(db);
	if (rc == 0 && !writer)
		rc = tshm__db_exec(db, "PRAGMA query_only=ON;");
	if (rc < 0) {
		sqlite3_close(db);
		return rc;
	}
	*out = db;
	return 0;
}

int tshm__db_has_schema(sqlite3 *db)
{
	sqlite3_stmt *st;
	int rc;

	rc = tshm__db_err(sqlite3_prepare_v2(
	    db, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'", -1, &st,
	    NULL));
	if (rc < 0)
		return rc;
	rc = sqlite3_step(st);
	rc = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) > 0 : tshm__db_err(rc);
	sqlite3_finalize(st);
	return rc;
}

int tshm__db_meta_get(sqlite3 *db, const char *key, char *buf, size_t len)
{
	sqlite3_stmt *st;
	int rc;

	rc = tshm__db_err(
	    sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key=?1", -1, &st, NULL));
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);
		rc = v && strlen((const char *)v) < len ? 0 : -TSHM_ECORRUPT;
		if (rc == 0)
			strcpy(buf, (const char *)v);
	} else {
		rc = rc == SQLITE_DONE ? -ENOENT : tshm__db_err(rc);
	}
	sqlite3_finalize(st);
	return rc;
}

int tshm__db_meta_set(sqlite3 *db, const char *key, const char *value)
{
	sqlite3_stmt *st;
	int rc;

	rc = tshm__db_err(sqlite3_prepare_v2(
	    db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)", -1, &st, NULL));
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = tshm__db_step_done(st);
	sqlite3_finalize(st);
	return rc;
}

int tshm__db_create_schema(sqlite3 *db, const char *name)
{
	char v[16];
	int rc;

	rc = tshm__db_exec(db, schema_sql);
	snprintf(v, sizeof(v), "%d", TSHM_BUNDLE_FORMAT_VERSION);
	if (rc == 0)
		rc = tshm__db_meta_set(db, "format_version", v);
	if (rc == 0)
		rc = tshm__db_meta_set(db, "name", name);
	if (rc == 0)
		rc = tshm__db_meta_set(db, "next_file_id", "1");
	if (rc == 0)
		rc = tshm__db_exec(db, "PRAGMA application_id=1414744130;"); /* "TSHB" */
	return rc;
}

int tshm__db_check_version(sqlite3 *db)
{
	char v[32], want[16];
	int rc = tshm__db_meta_get(db, "format_version", v, sizeof(v));

	if (rc == -ENOENT)
		return -TSHM_ECORRUPT;
	if (rc < 0)
		return rc;
	snprintf(want, sizeof(want), "%d", TSHM_BUNDLE_FORMAT_VERSION); /* as create_schema */
	return strcmp(v, want) == 0 ? 0 : -TSHM_EVERSION;
}
