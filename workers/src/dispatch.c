/* SPDX-License-Identifier: MIT */
/*
 * The dispatcher: cuts units into slices (never across a UTC midnight),
 * crosses each slice with the parameter sets, and keeps every worker's
 * ring filled to the queue depth. It collects results, hands each task's
 * first result to the aggregator (a bitmap of finished task ids drops any
 * second one), watches the workers (pidfd, waitpid, task deadlines),
 * re-queues the tasks of a worker that died or overran, blames the task it
 * was running, and gives that task up after TSHM_PIPELINE_ATTEMPTS deaths.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipe_internal.h"

#define HOUR_NS INT64_C(3600000000000)
#define POLL_MS 50
#define PROGRESS_NS INT64_C(100000000)
#define REAP_KILLED_MS 5000

/* ---- slices ------------------------------------------------------------------ */

static int slice_push(struct tshm__run *r, uint64_t off, uint64_t n)
{
	if (r->nsl == r->slcap) {
		uint32_t cap = r->slcap ? r->slcap * 2 : 32;
		struct tshm__slice *s = realloc(r->sl, (size_t)cap * sizeof(*s));

		if (!s)
			return -ENOMEM;
		r->sl = s;
		r->slcap = cap;
	}
	r->sl[r->nsl++] = (struct tshm__slice){.off = off, .n = n};
	return 0;
}

static int64_t hour_of(int64_t ts)
{
	return ts >= 0 ? ts / HOUR_NS : -((-ts - 1) / HOUR_NS) - 1;
}

/* Cut unit @u (rows ts[0..n)) into slices. */
static int cut(struct tshm__run *r, const int64_t *ts, uint64_t n)
{
	uint64_t off = 0;
	int rc = 0;

	r->nsl = 0;
	while (off < n && rc == 0) {
		uint64_t end = n;

		if (r->spec->slice == TSHM_SLICE_ROWS) {
			end = n - off > r->spec->slice_rows ? off + r->spec->slice_rows : n;
		} else if (r->spec->slice == TSHM_SLICE_HOUR) {
			int64_t h = hour_of(ts[off]); /* the unit's rows are sorted by ts */

			end = h + 1 > INT64_MAX / HOUR_NS
				  ? n
				  : tshm__lower_bound(ts, off + 1, n, (h + 1) * HOUR_NS);
		}
		rc = slice_push(r, off, end - off);
		off = end;
	}
	return rc;
}

/* ---- task generation ---------------------------------------------------------- */

/* Assets whose units are all cut get their final slice count; the next begins. */
static int advance_assets(struct tshm__run *r)
{
	int rc = 0;

	while (rc == 0 && r->ac < r->nassets && r->ufirst[r->ac + 1] <= r->u) {
		if (!r->ac_begun)
			rc = tshm__agg_asset_begin(r, r->ac);
		if (rc == 0)
			rc = tshm__agg_asset_sliced(r, r->ac, r->slice_next[r->ac]);
		r->ac++;
		r->ac_begun = 0;
	}
	if (rc == 0 && r->ac < r->nassets && !r->ac_begun) {
		rc = tshm__agg_asset_begin(r, r->ac);
		r->ac_begun = 1;
	}
	return rc;
}

/* Open unit r->u: 1 if open, 0 if its stream buffer is not filled yet. */
static int open_unit(struct tshm__run *r)
{
	struct tshm__unit *u = &r->units[r->u];
	const int64_t *ts;
	int rc;

	if (r->spec->mode == TSHM_MODE_STREAM) {
		if (u->buf == UINT32_MAX)
			return 0;
		ts = tshm__stream_ts(r, u->buf) + u->first;
		tshm__stream_ref(r, u->buf); /* held while the unit is being cut */
	} else {
		ts = r->ts_col + u->first;
	}
	if ((rc = cut(r, ts, u->n)) < 0)
		return rc;
	r->slbase = r->slice_next[u->ai];
	r->slice_next[u->ai] += r->nsl;
	r->si = r->pj = 0;
	r->unit_open = 1;
	return 1;
}

static int close_unit(struct tshm__run *r)
{
	if (r->spec->mode == TSHM_MODE_STREAM)
		tshm__stream_unref(r, r->units[r->u].buf);
	r->unit_open = 0;
	r->u++;
	return advance_assets(r);
}

static int done_grow(struct tshm__run *r, uint64_t bit)
{
	if (bit < r->done_cap)
		return 0;
	uint64_t cap = r->done_cap ? r->done_cap : 4096;
	while (cap <= bit)
		cap *= 2;
	uint64_t *n = realloc(r->done_bits, cap / 8);
	if (!n)
		return -ENOMEM;
	memset((char *)n + r->done_cap / 8, 0, (cap - r->done_cap) / 8);
	r->done_bits = n;
	r->done_cap = cap;
	return 0;
}

static void make_task(struct tshm__run *r, struct tshm__inflight *f)
{
	const struct tshm__unit *u = &r->units[r->u];
	const struct tshm__slice *s = &r->sl[r->si];
	uint64_t before = u->before + s->off, wu = r->warmup[r->pj];

	memset(f, 0, sizeof(*f));
	f->t.id = ++r->p->next_id;
	f->t.run = r->run_no;
	f->t.kind = TSHM__TASK_RUN;
	f->t.asset = u->ai;
	f->t.pset = r->pj;
	f->t.slice = r->slbase + r->si;
	f->t.day = u->day;
	f->t.buf = u->buf;
	f->t.first = u->first + s->off;
	f->t.nrows = s->n;
	f->t.warm = wu < before ? wu : before;
	memcpy(f->t.params, &r->psets[(size_t)r->pj * r->nparams], r->nparams * sizeof(int64_t));
	if (r->spec->mode == TSHM_MODE_STREAM)
		tshm__stream_ref(r, u->buf);
	r->generated++;
}

/* The next new task: 1, 0 if none is ready now, or -errno. */
static int generate(struct tshm__run *r, struct tshm__inflight *f)
{
	int rc;

	while (r->u < r->nunits) {
		if (!r->unit_open && (rc = open_unit(r)) <= 0)
			return rc;
		if (r->si >= r->nsl) {
			if ((rc = close_unit(r)) < 0)
				return rc;
			continue;
		}
		if (r->pj >= r->npsets) {
			r->si++;
			r->pj = 0;
			continue;
		}
		if (tshm__agg_failed(r, r->units[r->u].ai, r->pj)) {
			r->pj++; /* its (asset, parameter set) failed: skip the rest */
			continue;
		}
		if ((rc = done_grow(r, r->p->next_id + 1 - r->id_base)) < 0)
			return rc;
		make_task(r, f);
		r->pj++;
		return 1;
	}
	return 0;
}

static int retry_push(struct tshm__run *r, const struct tshm__inflight *f)
{
	if (r->nretry == r->retrycap) {
		uint32_t cap = r->retrycap ? r->retrycap * 2 : 16;
		struct tshm__inflight *n = malloc((size_t)cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		for (uint32_t k = 0; k < r->nretry; k++)
			n[k] = r->retry[(r->retry_head + k) % r->retrycap];
		free(r->retry);
		r->retry = n;
		r->retry_head = 0;
		r->retrycap = cap;
	}
	r->retry[(r->retry_head + r->nretry++) % r->retrycap] = *f;
	return 0;
}

static void drop(struct tshm__run *r, const struct tshm__task *t);

static int next_task(struct tshm__run *r, struct tshm__inflight *f)
{
	while (r->nretry) {
		*f = r->retry[r->retry_head];
		r->retry_head = (r->retry_head + 1) % r->retrycap;
		r->nretry--;
		if (!tshm__agg_failed(r, f->t.asset, f->t.pset))
			return 1;
		drop(r, &f->t); /* its (asset, parameter set) failed meanwhile */
	}
	return generate(r, f);
}

/* ---- finishing tasks -------------------------------------------------------------- */

static int done_test_set(struct tshm__run *r, uint64_t id)
{
	uint64_t bit = id - r->id_base;
	uint64_t m = UINT64_C(1) << (bit & 63);

	if (id <= r->id_base || bit >= r->done_cap || (r->done_bits[bit >> 6] & m))
		return 1;
	r->done_bits[bit >> 6] |= m;
	return 0;
}

/* A task whose result is no longer wanted: finished without running. */
static void drop(struct tshm__run *r, const struct tshm__task *t)
{
	if (done_test_set(r, t->id))
		return;
	r->finalized++;
	if (r->spec->mode == TSHM_MODE_STREAM)
		tshm__stream_unref(r, t->buf);
}

/* A task given up (@reason), or failed in its worker. */
static int give_up(struct tshm__run *r, const struct tshm__task *t, const char *reason)
{
	if (done_test_set(r, t->id))
		return 0;
	r->finalized++;
	r->deaths_no_progress = 0;
	r->res->tasks_failed++;
	if (r->spec->mode == TSHM_MODE_STREAM)
		tshm__stream_unref(r, t->buf);
	tshm__log(0, "dispatch", "task %llu (asset %u, set %u, slice %llu) failed: %s",
		  (unsigned long long)t->id, t->asset, t->pset, (unsigned long long)t->slice,
		  reason);
	return tshm__agg_fail(r, t->asset, t->pset, reason);
}

static void inflight_remove(struct tshm__worker *w, uint64_t id)
{
	for (uint32_t k = 0; k < w->ninflight; k++)
		if (w->inflight[k].t.id == id) {
			w->inflight[k] = w->inflight[--w->ninflight];
			return;
		}
}

static int on_result(struct tshm__run *r, struct tshm__worker *w, const struct tshm__result *res)
{
	struct tshm__task t = {.id = res->id,
			       .asset = res->asset,
			       .pset = res->pset,
			       .slice = res->slice,
			       .buf = res->buf};
	char why[TSHM_RESULT_REASON_MAX];

	inflight_remove(w, res->id);
	if (res->run != r->run_no)
		return 0;
	r->deaths_no_progress = 0;
	if (res->status == -ESTALE) {
		/* The worker found a newer generation than the run's: going on
		 * would mix generations in one run's results. */
		snprintf(r->p->err, sizeof(r->p->err),
			 "worker pid %u: bundle %s was republished during the run", res->pid,
			 r->spec->bundle);
		return -ESTALE;
	}
	if (res->status < 0) {
		snprintf(why, sizeof(why), "worker pid %u: %s", res->pid,
			 tshm_strerror(res->status));
		return give_up(r, &t, why);
	}
	if (done_test_set(r, res->id)) {
		r->res->duplicates++;
		return 0;
	}
	r->finalized++;
	r->ticks += res->ticks;
	if (r->spec->mode == TSHM_MODE_STREAM)
		tshm__stream_unref(r, res->buf);
	return tshm__agg_result(r, res);
}

/* Take every result worker @i has posted. Returns how many, or -errno. */
static int collect(struct tshm__run *r, uint32_t i)
{
	struct tshm__worker *w = &r->p->w[i];
	struct tshm__result res[TSHM__RING_SLOTS];
	int n, rc, total = 0;

	if (!w->results)
		return 0;
	while ((n = tshm_ring_dequeue_burst(w->results, res, TSHM__RING_SLOTS)) > 0) {
		for (int k = 0; k < n; k++)
			if ((rc = on_result(r, w, &res[k])) < 0)
				return rc;
		total += n;
	}
	return total;
}

/* ---- dead and overdue workers ------------------------------------------------------ */

static int requeue(struct tshm__run *r, struct tshm__inflight *f, uint64_t blame, const char *why)
{
	if (f->t.id == blame) {
		f->attempts++;
		snprintf(f->reason, sizeof(f->reason), "%s (attempt %u of %u)", why, f->attempts,
			 TSHM_PIPELINE_ATTEMPTS);
		if (f->attempts >= TSHM_PIPELINE_ATTEMPTS)
			return give_up(r, &f->t, f->reason);
	}
	r->res->retries++;
	return retry_push(r, f);
}

/* Worker @i is gone (@why): salvage its results, re-queue its tasks, replace it. */
static int worker_died(struct tshm__run *r, uint32_t i, const char *why)
{
	struct tshm_pipeline *p = r->p;
	struct tshm__worker *w = &p->w[i];
	uint64_t blame;
	int rc;

	if ((rc = collect(r, i)) < 0)
		return rc;
	blame = atomic_load_explicit(&p->ctl->slots[i].current, memory_order_acquire);
	tshm__log(0, "dispatch", "worker %u %s%s; re-queueing %u task(s)", i, why,
		  blame ? " while running a task" : "", w->ninflight);
	r->res->worker_deaths++;
	for (uint32_t k = 0; k < w->ninflight; k++)
		if ((rc = requeue(r, &w->inflight[k], blame, why)) < 0)
			return rc;
	w->ninflight = 0;
	if (++r->deaths_no_progress > 3 * p->nworkers + 3) {
		snprintf(p->err, sizeof(p->err), "workers keep dying (%s)", why);
		return -ECHILD;
	}
	rc = tshm__wpool_spawn(p, i);
	if (rc < 0)
		tshm__log(0, "dispatch", "cannot replace worker %u: %s", i, tshm_strerror(rc));
	return 0;
}

static int check_timeout(struct tshm__run *r, uint32_t i, int64_t now)
{
	struct tshm_pipeline *p = r->p;
	struct tshm__wslot *s = &p->ctl->slots[i];
	uint64_t cur = atomic_load_explicit(&s->current, memory_order_acquire);
	int64_t started = atomic_load_explicit(&s->started_ns, memory_order_relaxed);
	char why[TSHM_RESULT_REASON_MAX], st[96];

	if (!cur || !p->task_timeout_ns || now - started <= p->task_timeout_ns)
		return 0;
	kill(p->w[i].pid, SIGKILL);
	tshm__wpool_reap(p, i, REAP_KILLED_MS, st, sizeof(st));
	snprintf(why, sizeof(why), "timed out after %.3g s", (double)p->task_timeout_ns / 1e9);
	r->res->timeouts++;
	return worker_died(r, i, why);
}

static int check_workers(struct tshm__run *r, int reap)
{
	struct tshm_pipeline *p = r->p;
	int64_t now = tshm__now_ns();
	uint32_t live = 0;
	char why[96];
	int rc = 0;

	for (uint32_t i = 0; i < p->nworkers && rc == 0; i++) {
		if (p->w[i].pid <= 0) { /* a replacement fork failed: try again */
			if (reap && tshm__wpool_spawn(p, i) == 0)
				live++;
			continue;
		}
		if ((rc = check_timeout(r, i, now)) < 0)
			break;
		if (reap && tshm__wpool_reap(p, i, 0, why, sizeof(why)) == 1)
			rc = worker_died(r, i, why);
		live += p->w[i].pid > 0;
	}
	if (rc == 0 && live == 0) {
		snprintf(p->err, sizeof(p->err), "no worker left");
		rc = -ECHILD;
	}
	return rc;
}

/* ---- the loop ------------------------------------------------------------------------ */

static int feed(struct tshm__run *r, uint32_t i, int *more)
{
	struct tshm_pipeline *p = r->p;
	struct tshm__worker *w = &p->w[i];
	struct tshm__inflight *f;
	int rc;

	if (w->pid <= 0 || w->ninflight >= p->depth)
		return 0;
	if (r->spec->mode == TSHM_MODE_STREAM && w->fd_run != r->run_no &&
	    (rc = tshm__wpool_send_fd(p, i, tshm__stream_fd(r), r->run_no)) < 0) {
		/* its socket is gone: it died, or will be made to; check_workers replaces it */
		tshm__log(1, "dispatch", "worker %u: cannot pass the stream buffers: %s", i,
			  tshm_strerror(rc));
		kill(w->pid, SIGKILL);
		return 0;
	}
	f = &w->inflight[w->ninflight];
	if ((rc = next_task(r, f)) <= 0) {
		*more = 0;
		return rc;
	}
	if (tshm_ring_enqueue_burst(w->tasks, &f->t, 1) != 1)
		return retry_push(r, f); /* cannot happen: the ring holds depth tasks */
	w->ninflight++;
	return 1;
}

/* Round-robin one task at a time, so the last tasks spread over the workers. */
static int feed_all(struct tshm__run *r)
{
	int more = 1, fed = 0, any, rc;

	do {
		any = 0;
		for (uint32_t i = 0; i < r->p->nworkers && more; i++) {
			if ((rc = feed(r, i, &more)) < 0)
				return rc;
			any |= rc;
			fed += rc;
		}
	} while (any && more);
	return fed;
}

static uint32_t inflight_total(const struct tshm_pipeline *p)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < p->nworkers; i++)
		n += p->w[i].ninflight;
	return n;
}

static void progress(struct tshm__run *r, int final)
{
	struct tshm_run_progress pr;
	uint64_t est = r->generated;

	if (!r->spec->progress)
		return;
	if (r->u < r->nunits && r->u > 0) /* remaining units at the mean rate so far */
		est += (r->generated * (r->nunits - r->u)) / r->u;
	else if (r->u < r->nunits)
		est += (uint64_t)(r->nunits - r->u) * r->npsets;
	pr = (struct tshm_run_progress){.tasks_done = r->finalized,
					.tasks_total = est,
					.ticks = r->ticks,
					.elapsed_ns = tshm__now_ns() - r->t0,
					.buffers_in_use = r->stream ? tshm__stream_in_use(r) : 0,
					.final = (uint32_t) final};
	r->spec->progress(&pr, r->spec->arg);
}

/* Sleep until a result, a death or @ms. Returns 1 if a pidfd fired. */
static int sleep_for_events(struct tshm__run *r, int ms)
{
	struct tshm_pipeline *p = r->p;
	struct pollfd pf[TSHM_PIPELINE_MAX_WORKERS + 1];
	nfds_t n = 0;
	int fired = 0;

	/* An RMW, not a store and a fence (ThreadSanitizer does not model
	 * fences): pairs with the RMW in put_result() (worker.c). Whichever of
	 * the two comes first in sleeping's modification order, the other sees
	 * it: the worker then rings the doorbell, or this re-check below sees
	 * its result (the worker's release RMW synchronises with this one). */
	atomic_exchange_explicit(&p->ctl->sleeping, 1, memory_order_seq_cst);
	for (uint32_t i = 0; i < p->nworkers; i++)
		if (p->w[i].results && tshm_ring_count(p->w[i].results))
			ms = 0;
	pf[n++] = (struct pollfd){.fd = p->doorbell, .events = POLLIN};
	for (uint32_t i = 0; i < p->nworkers; i++)
		if (p->w[i].pidfd >= 0)
			pf[n++] = (struct pollfd){.fd = p->w[i].pidfd, .events = POLLIN};
	if (poll(pf, n, ms) > 0) {
		uint64_t v;

		if ((pf[0].revents & POLLIN) && read(p->doorbell, &v, sizeof(v)) < 0)
			v = 0;
		for (nfds_t k = 1; k < n; k++)
			fired |= pf[k].revents != 0;
	}
	atomic_store_explicit(&p->ctl->sleeping, 0, memory_order_relaxed);
	return fired;
}

static int finished(struct tshm__run *r)
{
	return r->u >= r->nunits && r->nretry == 0 && inflight_total(r->p) == 0 &&
	       tshm__agg_all_done(r);
}

static int step(struct tshm__run *r, int64_t *last_reap)
{
	int64_t now;
	int got = 0, rc, fired = 0;

	if (r->stream && (rc = tshm__stream_fill(r)) < 0)
		return rc;
	if ((rc = feed_all(r)) < 0)
		return rc;
	for (uint32_t i = 0; i < r->p->nworkers; i++) {
		if ((rc = collect(r, i)) < 0)
			return rc;
		got += rc;
	}
	if (!got && !finished(r))
		fired = sleep_for_events(r, POLL_MS);
	now = tshm__now_ns();
	if ((rc = check_workers(r, fired || now - *last_reap > POLL_MS * INT64_C(1000000))) < 0)
		return rc;
	if (fired || now - *last_reap > POLL_MS * INT64_C(1000000))
		*last_reap = now;
	if (now - r->last_progress > PROGRESS_NS) {
		progress(r, 0);
		r->last_progress = now;
	}
	return 0;
}

/* Workers keep nothing of a finished stream run mapped. */
static void release_buffers(struct tshm_pipeline *p)
{
	struct tshm__task t = {.kind = TSHM__TASK_RELEASE};

	for (uint32_t i = 0; i < p->nworkers; i++)
		if (p->w[i].pid > 0 && p->w[i].tasks) {
			t.id = ++p->next_id;
			tshm_ring_enqueue_burst(p->w[i].tasks, &t, 1); /* best effort */
		}
}

int tshm__dispatch_run(struct tshm__run *r)
{
	int64_t last_reap = tshm__now_ns();
	int rc;

	r->id_base = r->p->next_id;
	r->t0 = r->last_progress = tshm__now_ns();
	if ((rc = check_workers(r, 1)) < 0 || (rc = advance_assets(r)) < 0)
		return rc;
	while (!finished(r))
		if ((rc = step(r, &last_reap)) < 0)
			return rc;
	if (r->spec->mode == TSHM_MODE_STREAM)
		release_buffers(r->p);
	progress(r, 1);
	return 0;
}
