/* SPDX-License-Identifier: MIT */
/*
 * The sid of the next asset ingest creates: max sid of the bundle + 1
 * (1 for an empty bundle), read inside the write transaction, so no other
 * writer can take it first. The bundle API has no call for it yet, so this
 * asks the transaction's database directly.
 */
#include <errno.h>

#include "bundle_internal.h"
#include "ingest_internal.h"

int tshm__next_sid(struct tshm_bundle_txn *t, int64_t *out)
{
	sqlite3_stmt *st;
	int64_t max;
	int rc = tshm__db_prepare(t->db, "SELECT COALESCE(MAX(sid), 0) FROM assets", &st);

	if (rc < 0)
		return rc;
	rc = sqlite3_step(st);
	max = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	rc = rc == SQLITE_ROW ? 0 : tshm__db_err(rc);
	sqlite3_finalize(st);
	if (rc == 0 && max == INT64_MAX)
		rc = -EOVERFLOW;
	*out = max < 0 ? 1 : max + 1;
	return rc;
}
