/* SPDX-License-Identifier: MIT */
/*
 * The worker process: take a task from its ring, run the strategy over
 * column pointers straight into shared memory (the published segment,
 * attached once per generation through the bundle pool, or a stream
 * buffer), put the partial result in its result ring, repeat. It exits at
 * the end of its task stream (the dispatcher closes the ring), when the
 * dispatcher's handle goes away, or when its parent is gone.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pipe_internal.h"
#include "tickshm/catalog.h"

#define DEQUEUE_WAIT_NS INT64_C(100000000) /* then check the parent is alive */
#define FD_WAIT_MS 5000

struct wstate {
	struct tshm__ctl *ctl;
	struct tshm__wslot *ws;
	uint32_t slot;
	int sock, doorbell;
	pid_t parent;
	struct tshm_ring *tasks, *results;

	uint32_t run; /* run the cached setup belongs to (0: none) */
	int setup_err;
	struct tshm__rundesc rd;
	const struct tshm_strategy *s;
	void *state;
	uint32_t state_cap;
	struct tshm_pool *pool;
	struct tshm_view *view;
	const int64_t *ts, *price, *size;
	const int32_t *flags;
	uint64_t table_rows;
	void *buf_base; /* stream pool mapping */
	uint64_t buf_bytes;
};

static int parent_alive(const struct wstate *w)
{
	return getppid() == w->parent;
}

static void release_run(struct wstate *w)
{
	if (w->view)
		tshm_pool_put(w->pool, w->view);
	w->view = NULL;
	if (w->buf_base)
		munmap(w->buf_base, w->buf_bytes);
	w->buf_base = NULL;
	w->run = 0;
}

static int strategy_setup(struct wstate *w)
{
	char err[256];
	int rc = 0;

	if (w->rd.lib[0])
		rc = tshm_strategy_load(w->rd.lib, &w->s, err, sizeof(err));
	else if (!(w->s = tshm_strategy_find(w->rd.strategy)))
		rc = -ENOENT;
	if (rc < 0)
		return rc;
	if (w->s->state_size > w->state_cap || !w->state) {
		uint32_t cap = (w->s->state_size + 63u) & ~63u;

		free(w->state);
		w->state = aligned_alloc(64, cap ? cap : 64);
		w->state_cap = w->state ? cap : 0;
		if (!w->state)
			return -ENOMEM;
	}
	return 0;
}

static int resident_setup(struct wstate *w)
{
	struct tshm_column_info c[4];
	static const unsigned cols[4] = {TSHM_TRADES_TS, TSHM_TRADES_PRICE, TSHM_TRADES_SIZE,
					 TSHM_TRADES_FLAGS};
	int rc;

	if (!w->pool) {
		struct tshm_pool_config cfg = {.ns = w->rd.ns};

		if ((rc = tshm_pool_create(&w->pool, &cfg)) < 0)
			return rc;
	}
	if ((rc = tshm_pool_get(w->pool, w->rd.bundle, &w->view)) < 0)
		return rc;
	if (tshm_view_serial(w->view) != w->rd.serial)
		return -ESTALE; /* republished since the run started */
	for (unsigned i = 0; i < 4; i++)
		if ((rc = tshm_view_column(w->view, TSHM_TABLE_TRADES, cols[i], &c[i])) < 0)
			return rc;
	w->ts = c[0].data;
	w->price = c[1].data;
	w->size = c[2].data;
	w->flags = c[3].data;
	{
		struct tshm_table_info ti;

		if ((rc = tshm_view_table(w->view, TSHM_TABLE_TRADES, &ti)) < 0)
			return rc;
		w->table_rows = ti.nrows;
	}
	return 0;
}

/* The stream run's memfd arrives on the socket before its first task. */
static int recv_fd(struct wstate *w, uint32_t run)
{
	int64_t deadline = tshm__now_ns() + (int64_t)FD_WAIT_MS * 1000000;

	for (;;) {
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		uint32_t got = 0;
		struct iovec iov = {.iov_base = &got, .iov_len = sizeof(got)};
		struct msghdr msg = {.msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = u.buf,
				     .msg_controllen = sizeof(u.buf)};
		struct pollfd pf = {.fd = w->sock, .events = POLLIN};
		int64_t left = (deadline - tshm__now_ns()) / 1000000;
		struct cmsghdr *c;
		int fd = -1;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pf, 1, (int)left) <= 0)
			continue;
		if (recvmsg(w->sock, &msg, MSG_CMSG_CLOEXEC) <= 0)
			return -EPIPE;
		c = CMSG_FIRSTHDR(&msg);
		if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
		if (got == run && fd >= 0)
			return fd;
		if (fd >= 0)
			close(fd); /* an older run's */
	}
}

static int stream_setup(struct wstate *w)
{
	int fd = recv_fd(w, w->rd.run);
	void *m;

	if (fd < 0)
		return fd;
	m = mmap(NULL, w->rd.pool_bytes, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return -errno;
	w->buf_base = m;
	w->buf_bytes = w->rd.pool_bytes;
	return 0;
}

static void setup_run(struct wstate *w, uint32_t run)
{
	int rc;

	release_run(w);
	memcpy(&w->rd, &w->ctl->run, sizeof(w->rd));
	w->run = run;
	rc = w->rd.run == run ? strategy_setup(w) : -EPROTO;
	if (rc == 0)
		rc = w->rd.mode == TSHM_MODE_STREAM ? stream_setup(w) : resident_setup(w);
	w->setup_err = rc;
	if (rc < 0)
		tshm__log(0, "worker", "run %u: cannot start: %s", run, tshm_strerror(rc));
}

/* The batch of task @t, or an error if the task points outside the data. */
static int task_batch(const struct wstate *w, const struct tshm__task *t, struct tshm_batch *b)
{
	uint64_t base;

	if (t->warm > t->first)
		return -EINVAL;
	base = t->first - t->warm;
	b->n = t->warm + t->nrows;
	b->warm = t->warm;
	if (w->rd.mode == TSHM_MODE_STREAM) {
		struct tshm__bufcols c;

		if (t->buf >= w->rd.nbufs || t->nrows > w->rd.buf_rows ||
		    t->first > w->rd.buf_rows - t->nrows)
			return -EINVAL;
		tshm__buf_cols(w->buf_base, w->rd.buf_stride, w->rd.buf_rows, t->buf, &c);
		b->ts = c.ts + base;
		b->price = c.price + base;
		b->size = c.size + base;
		b->flags = c.flags + base;
		return 0;
	}
	if (t->nrows > w->table_rows || t->first > w->table_rows - t->nrows)
		return -EINVAL;
	b->ts = w->ts + base;
	b->price = w->price + base;
	b->size = w->size + base;
	b->flags = w->flags + base;
	return 0;
}

static void run_task(struct wstate *w, const struct tshm__task *t, struct tshm__result *r)
{
	struct tshm_batch b;
	int64_t t0;

	memset(r, 0, sizeof(*r));
	r->id = t->id;
	r->run = t->run;
	r->worker = w->slot;
	r->asset = t->asset;
	r->pset = t->pset;
	r->slice = t->slice;
	r->day = t->day;
	r->buf = t->buf;
	r->pid = w->ws->pid; /* set once at start: no syscall per task */
	if (t->run != w->run)
		setup_run(w, t->run);
	r->status = w->setup_err;
	if (r->status == 0)
		r->status = task_batch(w, t, &b);
	if (r->status < 0)
		return;
	t0 = tshm__now_ns();
	atomic_store_explicit(&w->ws->started_ns, t0, memory_order_relaxed);
	atomic_store_explicit(&w->ws->current, t->id, memory_order_release);
	w->s->init(w->state, t->params);
	w->s->on_batch(w->state, &b);
	w->s->finish(w->state, r->partial);
	r->ticks = t->nrows;
}

/* Hand the result over; wake the dispatcher if it sleeps. 0, or -1 to exit. */
static int put_result(struct wstate *w, const struct tshm__result *r)
{
	int rc;

	do {
		rc = tshm_ring_enqueue_wait(w->results, r, 1, DEQUEUE_WAIT_NS);
	} while (rc == -ETIMEDOUT && parent_alive(w));
	if (rc != 1)
		return -1;
	/* The RMW (a read of the latest value, release) pairs with the
	 * dispatcher's exchange of sleeping in sleep_for_events() (task.h).
	 * With two tasks still queued there is no hurry: the dispatcher is woken
	 * once the queue runs low (or by its 50 ms poll bound), not per result. */
	if (atomic_fetch_add_explicit(&w->ctl->sleeping, 0, memory_order_seq_cst) &&
	    tshm_ring_count(w->tasks) <= 1) {
		uint64_t one = 1;

		if (write(w->doorbell, &one, sizeof(one)) < 0 && errno != EAGAIN)
			return -1;
	}
	return 0;
}

static void loop(struct wstate *w)
{
	struct tshm__task t;
	struct tshm__result r;

	for (;;) {
		int n = tshm_ring_dequeue_wait(w->tasks, &t, 1, DEQUEUE_WAIT_NS);

		if (n == -ETIMEDOUT) {
			if (!parent_alive(w))
				return;
			continue;
		}
		if (n == 1 && t.kind == TSHM__TASK_RELEASE) {
			release_run(w);
			continue;
		}
		if (n != 1 || t.kind != TSHM__TASK_RUN)
			return; /* end of stream (closed) or dispatcher gone */
		run_task(w, &t, &r);
		if (r.status < 0)
			tshm__log(1, "worker", "task %llu: %s", (unsigned long long)t.id,
				  tshm_strerror(r.status));
		if (put_result(w, &r) < 0)
			return;
		atomic_store_explicit(&w->ws->current, 0, memory_order_release);
	}
}

void tshm__worker_main(struct tshm__ctl *ctl, uint32_t slot, int sock, int doorbell, pid_t parent)
{
	struct wstate w = {.ctl = ctl,
			   .ws = &ctl->slots[slot],
			   .slot = slot,
			   .sock = sock,
			   .doorbell = doorbell,
			   .parent = parent};

	if (tshm_ring_attach_mem(&w.tasks, tshm__ctl_task_mem(ctl, slot), ctl->ring_size,
				 TSHM_RING_CONSUMER) < 0 ||
	    tshm_ring_attach_mem(&w.results, tshm__ctl_result_mem(ctl, slot), ctl->ring_size,
				 TSHM_RING_PRODUCER) < 0) {
		tshm__log(0, "worker", "slot %u: cannot attach its rings", slot);
		_exit(3);
	}
	w.ws->pid = (uint32_t)getpid();
	atomic_store_explicit(&w.ws->ready, 1, memory_order_release);
	loop(&w);
	/* No cleanup beyond the rings: _exit skips the parent's atexit handlers,
	 * and the kernel drops the mappings. */
	tshm_ring_detach(w.tasks);
	tshm_ring_detach(w.results);
	_exit(0);
}
