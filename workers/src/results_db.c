/* SPDX-License-Identifier: MIT */
/*
 * The SQLite results database (PIPELINE.md, "Results database"): one
 * transaction per run inserts the run, then per (asset, parameter set) a
 * results row with the parameters and metrics as JSON objects, and the
 * same figures one per row in the params and metrics tables.
 */
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tickshm/pipeline.h"
#include "tickshm/text.h"

#define SCHEMA_VERSION 1
#define JSON_MAX 4096

struct tshm_results_db {
	sqlite3 *db;
	sqlite3_stmt *run, *result, *param, *metric, *window;
	char err[256];
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS runs("
    " id INTEGER PRIMARY KEY, kind TEXT NOT NULL, started TEXT NOT NULL,"
    " started_ns INTEGER NOT NULL, bundle TEXT NOT NULL, generation INTEGER NOT NULL,"
    " content_hash TEXT NOT NULL, strategy TEXT NOT NULL, strategy_lib TEXT,"
    " command_line TEXT, mode TEXT NOT NULL, slice TEXT NOT NULL, from_ts INTEGER,"
    " to_ts INTEGER, workers INTEGER NOT NULL, assets INTEGER NOT NULL,"
    " param_sets INTEGER NOT NULL, skipped INTEGER NOT NULL, tasks INTEGER NOT NULL,"
    " failed INTEGER NOT NULL, retries INTEGER NOT NULL, worker_deaths INTEGER NOT NULL,"
    " ticks INTEGER NOT NULL, elapsed_ns INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS results("
    " run_id INTEGER NOT NULL REFERENCES runs(id), sid INTEGER NOT NULL, symbol TEXT,"
    " pset INTEGER NOT NULL, params TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,"
    " ticks INTEGER NOT NULL, days INTEGER NOT NULL, metrics TEXT NOT NULL,"
    " PRIMARY KEY(run_id, sid, pset));"
    "CREATE TABLE IF NOT EXISTS params("
    " run_id INTEGER NOT NULL REFERENCES runs(id), pset INTEGER NOT NULL,"
    " name TEXT NOT NULL, value INTEGER NOT NULL, PRIMARY KEY(run_id, pset, name));"
    "CREATE TABLE IF NOT EXISTS metrics("
    " run_id INTEGER NOT NULL REFERENCES runs(id), sid INTEGER NOT NULL,"
    " pset INTEGER NOT NULL, name TEXT NOT NULL, value INTEGER, real REAL,"
    " PRIMARY KEY(run_id, sid, pset, name));"
    "CREATE TABLE IF NOT EXISTS windows("
    " run_id INTEGER NOT NULL REFERENCES runs(id), sid INTEGER NOT NULL,"
    " window INTEGER NOT NULL, train_from TEXT NOT NULL, train_to TEXT NOT NULL,"
    " test_from TEXT NOT NULL, test_to TEXT NOT NULL, pset INTEGER, params TEXT,"
    " train_metric REAL, test_metrics TEXT, status TEXT NOT NULL,"
    " PRIMARY KEY(run_id, sid, window));"
    "INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', '1');";

static int db_fail(struct tshm_results_db *d, int rc)
{
	snprintf(d->err, sizeof(d->err), "%s", d->db ? sqlite3_errmsg(d->db) : "out of memory");
	return rc;
}

static int check_version(struct tshm_results_db *d)
{
	sqlite3_stmt *st;
	int rc, v = -1;

	if (sqlite3_prepare_v2(d->db, "SELECT value FROM meta WHERE key='schema_version'", -1, &st,
			       NULL) != SQLITE_OK)
		return db_fail(d, -EIO);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(d, -EIO);
	if (v != SCHEMA_VERSION) {
		snprintf(d->err, sizeof(d->err), "results schema version %d, expected %d", v,
			 SCHEMA_VERSION);
		return -TSHM_EVERSION;
	}
	return 0;
}

static int prepare(struct tshm_results_db *d)
{
	static const char *const sql[5] = {
	    "INSERT INTO runs(kind, started, started_ns, bundle, generation, content_hash,"
	    " strategy, strategy_lib, command_line, mode, slice, from_ts, to_ts, workers, assets,"
	    " param_sets, skipped, tasks, failed, retries, worker_deaths, ticks, elapsed_ns)"
	    " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,"
	    "?22,?23)",
	    "INSERT INTO results(run_id, sid, symbol, pset, params, status, reason, ticks, days,"
	    " metrics) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
	    "INSERT OR IGNORE INTO params(run_id, pset, name, value) VALUES(?1,?2,?3,?4)",
	    "INSERT INTO metrics(run_id, sid, pset, name, value, real) VALUES(?1,?2,?3,?4,?5,?6)",
	    "INSERT INTO windows(run_id, sid, window, train_from, train_to, test_from, test_to,"
	    " pset, params, train_metric, test_metrics, status)"
	    " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"};
	sqlite3_stmt **out[5] = {&d->run, &d->result, &d->param, &d->metric, &d->window};

	for (int i = 0; i < 5; i++)
		if (sqlite3_prepare_v2(d->db, sql[i], -1, out[i], NULL) != SQLITE_OK)
			return db_fail(d, -EIO);
	return 0;
}

int tshm_results_db_open(struct tshm_results_db **out, const char *path, char *err, size_t errlen)
{
	struct tshm_results_db *d = calloc(1, sizeof(*d));
	int rc = 0;

	if (!d)
		return -ENOMEM;
	if (sqlite3_open_v2(path, &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK)
		rc = db_fail(d, -EIO);
	if (rc == 0)
		sqlite3_busy_timeout(d->db, 10000);
	if (rc == 0 && sqlite3_exec(d->db, schema, NULL, NULL, NULL) != SQLITE_OK)
		rc = db_fail(d, -EIO);
	if (rc == 0)
		rc = check_version(d);
	if (rc == 0)
		rc = prepare(d);
	if (rc < 0) {
		if (err && errlen)
			snprintf(err, errlen, "%s", d->err);
		tshm_results_db_close(d);
		return rc;
	}
	*out = d;
	return 0;
}

void tshm_results_db_close(struct tshm_results_db *d)
{
	if (!d)
		return;
	sqlite3_finalize(d->run);
	sqlite3_finalize(d->result);
	sqlite3_finalize(d->param);
	sqlite3_finalize(d->metric);
	sqlite3_finalize(d->window);
	sqlite3_close(d->db);
	free(d);
}

const char *tshm_results_db_error(const struct tshm_results_db *d)
{
	return d->err;
}

/* ---- JSON text of parameters and metrics ------------------------------------------ */

struct jbuf {
	char s[JSON_MAX];
	size_t n;
};

static void jput(struct jbuf *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void jput(struct jbuf *j, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (j->n >= sizeof(j->s))
		return;
	va_start(ap, fmt);
	k = vsnprintf(j->s + j->n, sizeof(j->s) - j->n, fmt, ap);
	va_end(ap);
	j->n = k < 0 ? sizeof(j->s) : j->n + (size_t)k;
}

static void params_json(const struct tshm_run_result *res, const struct tshm_result *r,
			struct jbuf *j)
{
	j->n = 0;
	jput(j, "{");
	for (uint32_t k = 0; k < res->nparams; k++)
		jput(j, "%s\"%s\":%" PRId64, k ? "," : "", res->strategy->params[k].name,
		     r->params[k]);
	jput(j, "}");
}

static void metrics_json(const struct tshm_result *r, int32_t exp, struct jbuf *j)
{
	j->n = 0;
	jput(j, "{");
	for (uint32_t k = 0; k < r->nmetrics; k++) {
		char v[96];

		if (tshm_metric_format(&r->metrics[k], exp, v, sizeof(v)) < 0 ||
		    (r->metrics[k].is_real && r->metrics[k].real != r->metrics[k].real))
			snprintf(v, sizeof(v), "null");
		jput(j, "%s\"%s\":%s", k ? "," : "", r->metrics[k].name, v);
	}
	jput(j, "}");
}

/* ---- inserting a run ------------------------------------------------------------------ */

static const char *slice_text(const struct tshm_run_spec *sp, char *buf, size_t len)
{
	if (sp->slice == TSHM_SLICE_DAY)
		return "1d";
	if (sp->slice == TSHM_SLICE_HOUR)
		return "1h";
	snprintf(buf, len, "%" PRIu64, sp->slice_rows);
	return buf;
}

static void bind_ts(sqlite3_stmt *st, int i, int64_t ts)
{
	if (ts == TSHM_RUN_ALL_TIME)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, ts);
}

static int insert_run(struct tshm_results_db *d, const struct tshm_run_result *res,
		      const struct tshm_run_info *in, int64_t *id)
{
	const struct tshm_run_spec *sp = in->spec;
	sqlite3_stmt *st = d->run;
	char when[TSHM_TS_BUFSZ], hash[40], sl[32];
	struct timespec now;
	int64_t wall = in->started_wall_ns;

	if (!wall) {
		clock_gettime(CLOCK_REALTIME, &now);
		wall = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	}
	tshm_ts_format(when, sizeof(when), wall);
	snprintf(hash, sizeof(hash), "%016" PRIx64 "%016" PRIx64, res->hash_hi, res->hash_lo);
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, in->kind ? in->kind : "run", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, when, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, wall);
	sqlite3_bind_text(st, 4, res->bundle, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, (int64_t)res->generation);
	sqlite3_bind_text(st, 6, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, res->strategy->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 8, sp->strategy_lib, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 9, in->command_line, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 10, sp->mode == TSHM_MODE_STREAM ? "stream" : "resident", -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(st, 11, slice_text(sp, sl, sizeof(sl)), -1, SQLITE_TRANSIENT);
	bind_ts(st, 12, sp->from_ts);
	bind_ts(st, 13, sp->to_ts);
	sqlite3_bind_int64(st, 14, in->workers);
	sqlite3_bind_int64(st, 15, res->nassets);
	sqlite3_bind_int64(st, 16, res->npsets);
	sqlite3_bind_int64(st, 17, (int64_t)in->skipped);
	sqlite3_bind_int64(st, 18, (int64_t)res->tasks);
	sqlite3_bind_int64(st, 19, res->failed);
	sqlite3_bind_int64(st, 20, (int64_t)res->retries);
	sqlite3_bind_int64(st, 21, (int64_t)res->worker_deaths);
	sqlite3_bind_int64(st, 22, (int64_t)res->ticks);
	sqlite3_bind_int64(st, 23, res->elapsed_ns);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_fail(d, -EIO);
	*id = sqlite3_last_insert_rowid(d->db);
	return 0;
}

static int insert_params(struct tshm_results_db *d, const struct tshm_run_result *res, int64_t id)
{
	for (uint32_t j = 0; j < res->npsets && res->nassets; j++) {
		const struct tshm_result *r = &res->results[j];

		for (uint32_t k = 0; k < res->nparams; k++) {
			sqlite3_reset(d->param);
			sqlite3_bind_int64(d->param, 1, id);
			sqlite3_bind_int64(d->param, 2, j);
			sqlite3_bind_text(d->param, 3, res->strategy->params[k].name, -1,
					  SQLITE_TRANSIENT);
			sqlite3_bind_int64(d->param, 4, r->params[k]);
			if (sqlite3_step(d->param) != SQLITE_DONE)
				return db_fail(d, -EIO);
		}
	}
	return 0;
}

static int insert_metrics(struct tshm_results_db *d, const struct tshm_result *r, int64_t id)
{
	for (uint32_t k = 0; k < r->nmetrics; k++) {
		const struct tshm_metric *m = &r->metrics[k];

		sqlite3_reset(d->metric);
		sqlite3_bind_int64(d->metric, 1, id);
		sqlite3_bind_int64(d->metric, 2, r->sid);
		sqlite3_bind_int64(d->metric, 3, r->pset == UINT32_MAX ? -1 : (int64_t)r->pset);
		sqlite3_bind_text(d->metric, 4, m->name, -1, SQLITE_TRANSIENT);
		if (m->is_real)
			sqlite3_bind_null(d->metric, 5);
		else
			sqlite3_bind_int64(d->metric, 5, m->value);
		if (m->real == m->real)
			sqlite3_bind_double(d->metric, 6, m->real);
		else
			sqlite3_bind_null(d->metric, 6);
		if (sqlite3_step(d->metric) != SQLITE_DONE)
			return db_fail(d, -EIO);
	}
	return 0;
}

static int insert_result(struct tshm_results_db *d, const struct tshm_run_result *res,
			 const struct tshm_result *r, int64_t id)
{
	const struct tshm_run_asset *a = &res->assets[r->asset];
	sqlite3_stmt *st = d->result;
	struct jbuf pj, mj;

	params_json(res, r, &pj);
	if (r->pset == UINT32_MAX) /* a stitched walk-forward curve: no single set */
		snprintf(pj.s, sizeof(pj.s), "{}");
	metrics_json(r, a->price_exp, &mj);
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, r->sid);
	sqlite3_bind_text(st, 3, a->symbol, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, r->pset == UINT32_MAX ? -1 : (int64_t)r->pset);
	sqlite3_bind_text(st, 5, pj.s, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, r->status == TSHM_RESULT_OK ? "ok" : "failed", -1, SQLITE_STATIC);
	if (r->reason[0])
		sqlite3_bind_text(st, 7, r->reason, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 7);
	sqlite3_bind_int64(st, 8, (int64_t)r->ticks);
	sqlite3_bind_int64(st, 9, r->ndays);
	sqlite3_bind_text(st, 10, mj.s, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_fail(d, -EIO);
	return insert_metrics(d, r, id);
}

/* ---- walk-forward rows ---------------------------------------------------------------- */

static void day_text(char *buf, size_t len, int32_t day)
{
	if (tshm_ts_format(buf, len, (int64_t)day * TSHM_DAY_NS) >= 10)
		buf[10] = 0;
}

static int insert_window(struct tshm_results_db *d, const struct tshm_wf_result *wf,
			 const struct tshm_wf_window *w, int64_t id)
{
	const struct tshm_run_result *res = &wf->run;
	sqlite3_stmt *st = d->window;
	char days[4][TSHM_TS_BUFSZ];
	int32_t dd[4] = {w->train_from, w->train_to, w->test_from, w->test_to};
	struct jbuf pj, mj;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, res->assets[w->asset].sid);
	sqlite3_bind_int64(st, 3, w->index);
	for (int k = 0; k < 4; k++) {
		day_text(days[k], sizeof(days[k]), dd[k]);
		sqlite3_bind_text(st, 4 + k, days[k], -1, SQLITE_TRANSIENT);
	}
	if (w->best == UINT32_MAX) {
		for (int k = 8; k <= 11; k++)
			sqlite3_bind_null(st, k);
	} else {
		struct tshm_result r = {.nmetrics = w->nmetrics};

		memcpy(r.params, res->results[(size_t)w->asset * res->npsets + w->best].params,
		       sizeof(r.params));
		memcpy(r.metrics, w->test, sizeof(r.metrics));
		params_json(res, &r, &pj);
		metrics_json(&r, res->assets[w->asset].price_exp, &mj);
		sqlite3_bind_int64(st, 8, w->best);
		sqlite3_bind_text(st, 9, pj.s, -1, SQLITE_TRANSIENT);
		sqlite3_bind_double(st, 10, w->train.real);
		sqlite3_bind_text(st, 11, mj.s, -1, SQLITE_TRANSIENT);
	}
	sqlite3_bind_text(st, 12, w->best == UINT32_MAX ? "none" : "ok", -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_fail(d, -EIO);
	return 0;
}

static int insert_oos(struct tshm_results_db *d, const struct tshm_wf_result *wf, int64_t id)
{
	const struct tshm_run_result *res = &wf->run;
	int rc = 0;

	for (uint32_t ai = 0; ai < res->nassets && rc == 0; ai++) {
		struct tshm_result o = wf->oos[ai];

		/* pset -1 in SQL: the stitched curve belongs to no single set */
		o.pset = UINT32_MAX;
		rc = insert_result(d, res, &o, id);
	}
	for (size_t k = 0; rc == 0 && k < (size_t)res->nassets * wf->nwindows; k++)
		rc = insert_window(d, wf, &wf->windows[k], id);
	return rc;
}

static int add(struct tshm_results_db *d, const struct tshm_run_result *res,
	       const struct tshm_wf_result *wf, const struct tshm_run_info *info, int64_t *run_id)
{
	int64_t id = 0;
	int rc;

	d->err[0] = 0;
	if (!info || !info->spec || !res->strategy)
		return -EINVAL;
	if (sqlite3_exec(d->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(d, -EIO);
	rc = insert_run(d, res, info, &id);
	if (rc == 0)
		rc = insert_params(d, res, id);
	for (size_t i = 0; rc == 0 && i < (size_t)res->nassets * res->npsets; i++)
		rc = insert_result(d, res, &res->results[i], id);
	if (rc == 0 && wf)
		rc = insert_oos(d, wf, id);
	if (rc == 0 && sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_fail(d, -EIO);
	if (rc < 0) {
		sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	if (run_id)
		*run_id = id;
	return 0;
}

int tshm_results_db_add_run(struct tshm_results_db *d, const struct tshm_run_result *res,
			    const struct tshm_run_info *info, int64_t *run_id)
{
	return add(d, res, NULL, info, run_id);
}

int tshm_results_db_add_walkforward(struct tshm_results_db *d, const struct tshm_wf_result *wf,
				    const struct tshm_run_info *info, int64_t *run_id)
{
	return add(d, &wf->run, wf, info, run_id);
}
