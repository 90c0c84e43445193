/* SPDX-License-Identifier: MIT */
/*
 * The backtest pipeline (workers/PIPELINE.md): producer -> dispatcher ->
 * workers -> aggregator.
 *
 * A pipeline is a pool of persistent worker processes, forked once by
 * tshm_pipeline_create() and reused by every tshm_pipeline_run() of the
 * process (a new worker is forked only to replace one that died). A run
 * crosses the time slices of the requested assets with the parameter sets,
 * feeds the (slice, parameter set) tasks to the workers through rings in
 * shared memory, keeps every worker busy, and merges the partial results of
 * each (asset, parameter set) strictly in slice order, so the results are
 * bit-identical for any number of workers, any slicing and both modes.
 *
 * Resident mode reads the columns of the published segment (each worker
 * attaches it once through its bundle pool). Streaming mode reads the
 * compressed chunks from the bundle's files into a fixed pool of
 * shared-memory buffers, so memory stays bounded whatever the data size.
 *
 * Faults: a worker that dies or overruns the task timeout is killed if
 * needed, reaped and replaced; its queued tasks are re-queued; a task that
 * was running when a worker died TSHM_PIPELINE_ATTEMPTS times is reported
 * failed (with the reason) for its (asset, parameter set); everything else
 * completes. No result is lost or counted twice.
 *
 * Processes: workers are fork()ed from the thread calling create or run
 * (no exec). Create the pipeline before starting other threads that hold
 * locks across fork, and destroy it from the thread that created it: a
 * worker receives SIGKILL when that thread exits (PR_SET_PDEATHSIG) and
 * also exits by itself when it sees its parent gone. Workers never run the
 * parent's atexit handlers or signal handlers. A pipeline uses no /dev/shm
 * names: its rings, status words and stream buffers live in anonymous
 * shared memory and memfds that vanish with the processes.
 */
#ifndef TICKSHM_PIPELINE_H
#define TICKSHM_PIPELINE_H

#include <stdint.h>
#include <sys/types.h>

#include "tickshm/common.h"
#include "tickshm/layout.h"
#include "tickshm/strategy.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TSHM_PIPELINE_MAX_WORKERS 256u
#define TSHM_PIPELINE_ATTEMPTS 3u /* runs that killed a worker before a task fails */
#define TSHM_RESULT_REASON_MAX 128u

struct tshm_pipeline;

struct tshm_pipeline_opts {
	uint32_t workers;	 /* 0: online CPUs; at most TSHM_PIPELINE_MAX_WORKERS */
	uint32_t queue_depth;	 /* tasks queued per worker, running one included; 0: 4; <= 8 */
	const char *ns;		 /* namespace of the bundles; NULL: tshm_namespace() */
	int64_t task_timeout_ns; /* a task running longer kills its worker; 0: no limit */
	int log_level;		 /* 0 warnings (deaths, timeouts, failures), 1 info, 2 debug,
				    -1 silent; logs go to stderr; process-wide: the last
				    pipeline created sets it */
	unsigned flags;		 /* must be 0 */
};

/*
 * tshm_pipeline_create - fork @o->workers worker processes and wait until
 * each is ready (5 s at most). @o may be NULL (defaults).
 * Returns 0; -EINVAL (bad option, unknown flags); -TSHM_ENAME; -ENOMEM;
 * -EAGAIN / -errno from fork, mmap or socketpair; -ETIMEDOUT if a worker
 * did not start. On failure nothing is left running. Not thread-safe.
 */
TSHM_EXPORT int tshm_pipeline_create(struct tshm_pipeline **out,
				     const struct tshm_pipeline_opts *o);

/*
 * tshm_pipeline_destroy - stop the workers (asking first, SIGKILL after
 * 2 s), reap them and free everything. NULL is a no-op.
 */
TSHM_EXPORT void tshm_pipeline_destroy(struct tshm_pipeline *p);

/* tshm_pipeline_workers - the number of workers. */
TSHM_EXPORT uint32_t tshm_pipeline_workers(const struct tshm_pipeline *p);

/*
 * tshm_pipeline_worker_pid - the pid of worker @i (0 .. workers-1) now, or
 * -1 past the end. For tests and monitoring: a replaced worker has a new pid.
 */
TSHM_EXPORT pid_t tshm_pipeline_worker_pid(const struct tshm_pipeline *p, uint32_t i);

/* ---- runs ------------------------------------------------------------ */

enum tshm_slice_kind {
	TSHM_SLICE_DAY = 0,  /* one slice per UTC day */
	TSHM_SLICE_HOUR = 1, /* one slice per UTC hour that has trades */
	TSHM_SLICE_ROWS = 2, /* slice_rows rows, cut again at every UTC midnight */
};

enum tshm_run_mode {
	TSHM_MODE_RESIDENT = 0, /* the published segment */
	TSHM_MODE_STREAM = 1,	/* chunks read from bundle_dir into a buffer pool */
};

/* Progress, passed to tshm_run_spec.progress. */
struct tshm_run_progress {
	uint64_t tasks_done; /* tasks with a final result (ok or failed) */
	uint64_t
	    tasks_total; /* tasks cut so far plus an estimate for the rest (exact at the end) */
	uint64_t ticks;	 /* scored rows x parameter sets done */
	int64_t elapsed_ns;
	uint32_t buffers_in_use; /* streaming: buffers holding data */
	uint32_t final;		 /* 1 on the last call */
};

/* What tshm_run_spec.on_day receives: one day of one (asset, parameter set). */
struct tshm_day_partial {
	uint32_t asset; /* index into tshm_run_result.results' assets */
	uint32_t pset;
	int32_t day; /* UTC days since the epoch */
	uint32_t reserved;
	const void *partial; /* the merged partial of that day's slices */
};

#define TSHM_RUN_ALL_TIME INT64_MIN /* from_ts / to_ts: no bound */

struct tshm_run_spec {
	const char *bundle;	  /* published bundle (stream mode: for its asset metadata) */
	const char *strategy;	  /* built-in name, or NULL with strategy_lib */
	const char *strategy_lib; /* plugin path (tshm_strategy_load), or NULL */
	/* Parameter sets: npsets rows of the strategy's nparams values, already
	 * valid (tshm_grid_* skips invalid ones). NULL/0: one set of defaults. */
	const int64_t *psets;
	uint32_t npsets;
	uint32_t nsids;		 /* assets to run; 0: every asset of the bundle */
	const int64_t *sids;	 /* nsids sids, in the order results are wanted */
	int64_t from_ts;	 /* first trade time included; TSHM_RUN_ALL_TIME: no bound */
	int64_t to_ts;		 /* trades before this time; TSHM_RUN_ALL_TIME: no bound */
	uint32_t slice;		 /* enum tshm_slice_kind */
	uint32_t mode;		 /* enum tshm_run_mode */
	uint64_t slice_rows;	 /* TSHM_SLICE_ROWS: rows per slice (> 0) */
	const char *bundle_dir;	 /* stream mode: the bundle directory */
	uint32_t stream_buffers; /* stream mode: buffers in the pool; 0: 2 x workers + 2 */
	unsigned flags;		 /* must be 0 */
	/* Called about every 100 ms and once at the end, from the calling thread. */
	void (*progress)(const struct tshm_run_progress *p, void *arg);
	/* If set, called for every day of every (asset, parameter set), in day
	 * order per (asset, parameter set), as slices are merged (walk-forward). */
	void (*on_day)(const struct tshm_day_partial *d, void *arg);
	void *arg;
};

enum tshm_result_status {
	TSHM_RESULT_OK = 0,
	TSHM_RESULT_FAILED = 1, /* reason says why; metrics absent */
};

/* The merged result of one (asset, parameter set). */
struct tshm_result {
	int64_t sid;
	uint32_t asset; /* position in the run's asset list */
	uint32_t pset;	/* row of tshm_run_spec.psets */
	int64_t params[TSHM_STRATEGY_MAX_PARAMS];
	uint32_t status; /* enum tshm_result_status */
	uint32_t nmetrics;
	uint32_t ndays;	 /* days with trades */
	uint32_t slices; /* slices merged */
	uint64_t ticks;	 /* scored rows */
	struct tshm_metric metrics[TSHM_METRICS_MAX];
	char reason[TSHM_RESULT_REASON_MAX]; /* failure reason, "" if ok */
	unsigned char partial[TSHM_PARTIAL_MAX] __attribute__((aligned(8)));
};

/* One asset of the run. */
struct tshm_run_asset {
	int64_t sid;
	char symbol[TSHM_SYMBOL_MAX + 1];
	int32_t price_exp;
};

struct tshm_run_result {
	struct tshm_result *results; /* nassets x npsets, asset-major, pset order */
	struct tshm_run_asset *assets;
	uint32_t nassets, npsets;
	uint32_t nparams;
	const struct tshm_strategy *strategy; /* valid while the process lives */
	/* the bundle generation the run read */
	char bundle[TSHM_BUNDLE_MAX];
	uint64_t generation, hash_lo, hash_hi;
	uint64_t tasks;		      /* tasks run (each once, retries not counted) */
	uint64_t tasks_failed;	      /* tasks given up after TSHM_PIPELINE_ATTEMPTS */
	uint64_t retries;	      /* tasks re-queued after a death or timeout */
	uint64_t worker_deaths;	      /* workers that died or were killed during the run */
	uint64_t timeouts;	      /* of which killed for the task timeout */
	uint64_t duplicates;	      /* results dropped because already merged */
	uint64_t ticks;		      /* scored rows x parameter sets */
	uint64_t rows;		      /* scored rows (each asset row in range counted once) */
	uint32_t stream_buffers;      /* buffers in the pool (stream mode) */
	uint32_t stream_buffers_max;  /* most buffers in use at once (stream mode) */
	uint64_t stream_buffer_bytes; /* bytes of the pool (stream mode) */
	uint64_t stream_read_bytes;   /* compressed bytes read (stream mode) */
	int64_t elapsed_ns;
	uint32_t failed; /* results with status FAILED */
	uint32_t reserved;
};

/*
 * tshm_pipeline_run - run @spec on the pool and fill @res (free it with
 * tshm_run_result_free; zeroed first). Results of failed (asset, parameter
 * set) pairs have status TSHM_RESULT_FAILED and a reason; the run itself
 * still returns 0.
 * Returns 0; -EINVAL (bad spec: no strategy, bad parameter set, unknown
 * slice or mode, flags); -ENOENT (bundle not published, unknown sid,
 * unknown built-in, plugin file missing); -ENOEXEC / -TSHM_EVERSION (plugin);
 * -ESTALE (a worker found the bundle republished since the run started:
 * the run stops there, so no run mixes two generations); -ECHILD
 * (workers keep dying before doing any work); -ENOMEM; -errno; errors of
 * tshm_bundle_open and tshm_chunk_decode in stream mode.
 * Not thread-safe: one run at a time per pipeline.
 */
TSHM_EXPORT int tshm_pipeline_run(struct tshm_pipeline *p, const struct tshm_run_spec *spec,
				  struct tshm_run_result *res);

/* tshm_run_result_free - free what a run allocated in @res. */
TSHM_EXPORT void tshm_run_result_free(struct tshm_run_result *res);

/* tshm_result_metric - the metric called @name of @r, or NULL. Thread-safe. */
TSHM_EXPORT const struct tshm_metric *tshm_result_metric(const struct tshm_result *r,
							 const char *name);

/*
 * tshm_pipeline_last_error - a sentence about the last failed run or create
 * (e.g. "plugin ./x.so: undefined symbol ..."), "" if none.
 */
TSHM_EXPORT const char *tshm_pipeline_last_error(const struct tshm_pipeline *p);

/* ---- walk-forward ---------------------------------------------------- */

/*
 * Walk-forward analysis (PIPELINE.md, "Walk-forward"). The calendar is the
 * UTC days with trades of any requested asset in the range. Window k trains
 * on calendar days [k*step, k*step + train) (anchored: [0, k*step + train))
 * and tests on the test days after them (fewer in the last window; windows
 * stop when no test day is left). Per asset and window, every parameter set
 * is evaluated on the training days, the best by @metric is picked (ties:
 * the first in grid order; failed sets never win), and evaluated on the
 * test days with its warm-up taken from the days before them.
 *
 * One sweep computes it all: the pipeline runs the grid once over the whole
 * range and keeps every (asset, set, day) partial (on_day); a window's
 * figures merge those day partials in order. That is exact because a day's
 * partial already starts from the state the rows before it leave, which is
 * what "warm-up from the days before" means. Memory: assets x sets x days
 * partials (strategy.partial_size bytes each).
 *
 * The stitched out-of-sample result of an asset merges, in day order, each
 * window's test days up to the next window's first test day (all of them
 * for the last window): one equity curve of the parameter sets picked.
 */
struct tshm_wf_spec {
	struct tshm_run_spec run; /* the sweep; run.on_day and run.flags must be unset */
	uint32_t train_days;	  /* > 0 */
	uint32_t test_days;	  /* > 0 */
	uint32_t step_days;	  /* > 0; usually test_days */
	uint32_t anchored;	  /* 1: every training window starts at the first day */
	const char *metric;	  /* metric to pick by: "pnl", "sharpe", ... (drawdowns: lowest) */
};

/* One window of one asset. */
struct tshm_wf_window {
	uint32_t asset;		      /* index into the run's assets */
	uint32_t index;		      /* window number, from 0 */
	int32_t train_from, train_to; /* UTC days, inclusive */
	int32_t test_from, test_to;   /* UTC days, inclusive */
	uint32_t best;		      /* parameter set picked; UINT32_MAX: none (all failed) */
	uint32_t test_ndays;	      /* test days the asset has trades on */
	struct tshm_metric train;     /* the best set's metric on the training days */
	uint32_t nmetrics;
	uint32_t reserved;
	struct tshm_metric test[TSHM_METRICS_MAX]; /* the best set on the test days */
};

struct tshm_wf_result {
	struct tshm_run_result run;	/* the sweep over the whole range */
	struct tshm_wf_window *windows; /* nassets x nwindows, asset-major */
	uint32_t nwindows;		/* per asset */
	uint32_t ncal;			/* calendar days */
	struct tshm_result *oos;	/* per asset: stitched out-of-sample (pset UINT32_MAX) */
};

/*
 * tshm_walkforward_run - run the sweep on @p and evaluate the windows.
 * Returns 0; -EINVAL (bad spec: zero window lengths, no metric, on_day
 * set); -ENOENT (the strategy reports no metric called @metric); -ERANGE
 * (fewer calendar days than train + 1); errors of tshm_pipeline_run.
 * Not thread-safe (one run at a time per pipeline).
 */
TSHM_EXPORT int tshm_walkforward_run(struct tshm_pipeline *p, const struct tshm_wf_spec *spec,
				     struct tshm_wf_result *res);

/* tshm_wf_result_free - free what tshm_walkforward_run allocated. */
TSHM_EXPORT void tshm_wf_result_free(struct tshm_wf_result *res);

/* ---- results database ---------------------------------------------- */

/*
 * A SQLite results database (schema in workers/PIPELINE.md, "Results
 * database"): a runs table (bundle name, generation, content hash,
 * strategy, command line, time, sizes and counters of the run), a results
 * table (run id, asset, parameters and metrics as JSON objects, status,
 * reason), and the same figures unpacked one per row in params and metrics
 * tables for SQL ranking; walk-forward runs add a windows table.
 */
struct tshm_results_db;

/* What a run was, besides its result. */
struct tshm_run_info {
	const char *kind;	  /* "run" or "walkforward" */
	const char *command_line; /* as typed, may be NULL */
	const struct tshm_run_spec *spec;
	uint32_t workers;
	uint64_t skipped;	 /* grid combinations the strategy rejected */
	int64_t started_wall_ns; /* CLOCK_REALTIME at the start; 0: now */
};

/*
 * tshm_results_db_open - open (creating if needed) the database at @path
 * and create its tables if missing. Returns 0; -EIO with the SQLite
 * message in @err (may be NULL) for a file SQLite cannot open or that is
 * not a results database of this version (-TSHM_EVERSION); -ENOMEM.
 * A handle is used by one thread at a time.
 */
TSHM_EXPORT int tshm_results_db_open(struct tshm_results_db **out, const char *path, char *err,
				     size_t errlen);

/*
 * tshm_results_db_add_run - insert @res (with @info) as a new run and all
 * its results, in one transaction. *@run_id (may be NULL) receives the
 * run's id. Returns 0, -EIO (message in the handle: tshm_results_db_error),
 * -ENOMEM.
 */
TSHM_EXPORT int tshm_results_db_add_run(struct tshm_results_db *db,
					const struct tshm_run_result *res,
					const struct tshm_run_info *info, int64_t *run_id);

/*
 * tshm_results_db_add_walkforward - insert @wf as a run of kind
 * "walkforward": the sweep's results, one windows row per (asset, window),
 * and the stitched out-of-sample result of each asset as a results row
 * with pset -1. Returns as tshm_results_db_add_run.
 */
TSHM_EXPORT int tshm_results_db_add_walkforward(struct tshm_results_db *db,
						const struct tshm_wf_result *wf,
						const struct tshm_run_info *info, int64_t *run_id);

/* tshm_results_db_error - the last SQLite message of @db, "" if none. */
TSHM_EXPORT const char *tshm_results_db_error(const struct tshm_results_db *db);

/* tshm_results_db_close - close. NULL is a no-op. */
TSHM_EXPORT void tshm_results_db_close(struct tshm_results_db *db);

/*
 * tshm_metric_format - write metric @m into @buf: money metrics exactly in
 * price units at @price_exp ("-12.3400"), counts as integers, reals with
 * 6 significant digits. Returns the length or -ENOSPC.
 */
TSHM_EXPORT int tshm_metric_format(const struct tshm_metric *m, int32_t price_exp, char *buf,
				   size_t len);

/*
 * tshm_metric_better - 1 if metric value @a ranks before @b under metric
 * @name: larger first, except drawdowns (any name containing "drawdown"),
 * smaller first; NaN last. If either is_real is set both compare by real
 * (set it on copies to compare money of assets with different exponents in
 * price units), otherwise by their exact values. Equal gives 0 both ways,
 * so callers break ties (the pipeline: first in grid order). Thread-safe.
 */
TSHM_EXPORT int tshm_metric_better(const char *name, const struct tshm_metric *a,
				   const struct tshm_metric *b);

#ifdef __cplusplus
}
#endif
#endif /* TICKSHM_PIPELINE_H */
