/* SPDX-License-Identifier: MIT */
#include "ring_kill.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define KILL_RING "kill"
#define KILL_MAXSEQ (1u << 16)	    /* per producer: the bitmaps' size */
#define KILL_WAIT (3 * RT_SEC)	    /* every ring wait in the children */
#define KILL_CHILD_LIFE 30	    /* seconds: SIGALRM past it */
#define KILL_ATTACH_NS (5 * RT_SEC) /* for a child to attach */
#define KILL_REAP_MS 5000	    /* to reap the SIGKILLed victim */
#define KILL_FINISH_MS 10000	    /* for the survivors to finish once told to stop */

struct kill_shm {
	_Atomic int cons_ready;
	_Atomic int live_ready;
	_Atomic int victim_ready;
	_Atomic int stop;
	_Atomic int live_rc;
	_Atomic int cons_rc;
	_Atomic uint64_t live_sent;
};

struct kill_totals {
	unsigned iterations;
	unsigned consumer_victims; /* iterations that killed a consumer */
	uint64_t lost;		   /* messages the killed consumers took with them */
	unsigned reaped;	   /* iterations where a dead claim was reaped */
	unsigned early;		   /* victim killed before it attached */
	uint64_t victim_msgs;	   /* victim messages delivered, all iterations */
	uint64_t live_msgs;	   /* live producer messages delivered */
	uint64_t reaped_slots;	   /* slots reclaimed */
};

/* One iteration, drawn from its random word @x. */
struct kill_iter {
	unsigned iter;
	uint64_t x;
	int vcons; /* the victim is a consumer (of an MC ring) */
	uint32_t flags;
	struct tshm_ring_params p;
	int wait_attach; /* let the victim attach before the kill */
	int slow;	 /* a victim producer writes its claims field by field */
	long delay_us;	 /* then wait this long before the kill */
	char what[64];	 /* "iteration I (flags F cap C)", for messages */
};

/* Shared with the children: allocated by kill_loop(), freed by kill_teardown(). */
static struct kill_shm *kill_ks;
static struct rt_track *kill_t;

static void kill_draw(struct kill_iter *k, unsigned iter, uint64_t seed)
{
	uint64_t x = rt_mix(seed * 1000003 + iter);

	memset(k, 0, sizeof(*k));
	k->iter = iter;
	k->x = x;
	k->vcons = (x >> 50) % 3 == 0;
	k->flags = k->vcons ? TSHM_RING_MC | (x & 1 ? TSHM_RING_MP : 0)
			    : TSHM_RING_MP | (x & 1 ? TSHM_RING_MC : 0);
	k->p = (struct tshm_ring_params){.capacity = 8u << ((x >> 1) % 3),
					 .slot_size = sizeof(struct rt_msg),
					 .flags = k->flags};
	k->wait_attach = (x >> 4) % 4 != 0;
	k->slow = (x >> 6) % 4 != 0;
	k->delay_us = (long)((x >> 16) % 3000);
	snprintf(k->what, sizeof(k->what), "iteration %u (flags %u cap %u)", iter, k->flags,
		 k->p.capacity);
}

/* How a producer runs: the live one is id 0, the victim id 1. */
static struct rt_prod kill_prod(uint32_t id, uint64_t seed)
{
	return (struct rt_prod){
	    .id = id, .count = KILL_MAXSEQ, .seed = seed, .timeout_ns = KILL_WAIT};
}

/*
 * The consumer checked at the end, until the live producer closes the
 * ring. Strict (no producer's sequence skips) unless a victim consumer
 * takes part of the stream with it.
 */
static void kill_consumer(struct tshm_ring *r, const struct kill_iter *k)
{
	struct rt_seen seen;
	int rc;

	atomic_store(&kill_ks->cons_ready, 1);
	rc = rt_consume(r, kill_t, (k->flags & TSHM_RING_MC) != 0, k->x ^ 1, KILL_WAIT, !k->vcons,
			&seen);
	atomic_store(&kill_ks->cons_rc, rc);
}

/* The live producer: produces until told to stop, then closes the ring. */
static void kill_live(struct tshm_ring *r, const struct kill_iter *k)
{
	struct rt_prod o = kill_prod(0, k->x ^ 2);
	int rc;

	o.stop = &kill_ks->stop;
	atomic_store(&kill_ks->live_ready, 1);
	rc = rt_produce(r, kill_t, &o);
	atomic_store(&kill_ks->live_sent, o.sent);
	if (rc == 0)
		rc = tshm_ring_close(r);
	atomic_store(&kill_ks->live_rc, rc);
}

/* The victim: consumes or produces until the ring is closed, then waits for the kill. */
static void kill_victim(struct tshm_ring *r, const struct kill_iter *k)
{
	atomic_store(&kill_ks->victim_ready, 1);
	if (k->vcons) {
		struct rt_seen seen;

		rt_consume(r, kill_t, 1, k->x ^ 4, KILL_WAIT, 0, &seen);
	} else {
		struct rt_prod o = kill_prod(1, k->x ^ 3);

		o.slow = k->slow;
		rt_produce(r, kill_t, &o); /* -EPIPE once the ring is closed */
	}
	for (;;)
		pause();
}

/*
 * Fork a child that attaches to the kill ring as @role, runs @body, then
 * detaches and exits 0. Returns its pid.
 */
static pid_t kill_spawn(unsigned role, void (*body)(struct tshm_ring *, const struct kill_iter *),
			const struct kill_iter *k)
{
	struct tshm_ring *r;
	pid_t pid = rt_fork_open(KILL_RING, role, KILL_CHILD_LIFE, &r);

	if (pid == 0) {
		body(r, k);
		tshm_ring_detach(r);
		_exit(0);
	}
	return pid;
}

/* With every child of iteration @k reaped: what reached the consumers. */
static void kill_check(const struct kill_iter *k, struct kill_totals *tot)
{
	struct rt_track *t = kill_t;
	int live_rc = atomic_load(&kill_ks->live_rc), cons_rc = atomic_load(&kill_ks->cons_rc);
	uint64_t live_sent = atomic_load(&kill_ks->live_sent);
	uint64_t got0 = atomic_load(&t->got[0]), got1 = atomic_load(&t->got[1]);
	char what[96];

	if (live_rc != 0)
		fail_msg("%s: live producer error %d (%s)", k->what, live_rc,
			 tshm_strerror(live_rc));
	if (cons_rc != 0)
		fail_msg("%s: consumer ended with %d (%s), want 0 (closed)", k->what, cons_rc,
			 tshm_strerror(cons_rc));
	snprintf(what, sizeof(what), "%s, slow %d", k->what, k->slow);
	rt_track_expect_clean(t, what);
	if (k->vcons) {
		/* The dead consumer's last batch (peeked or copied, at most 16
		 * messages) died with it; everything else reached someone. */
		uint64_t miss = rt_track_missing(t, 0, live_sent);

		/* (The victim may die between marking a message and counting it.) */
		if (miss > 16 || got0 + miss > live_sent || got0 + miss + 1 < live_sent)
			fail_msg("%s: consumer killed: %llu sent, %llu delivered, %llu lost",
				 k->what, (unsigned long long)live_sent, (unsigned long long)got0,
				 (unsigned long long)miss);
		tot->consumer_victims++;
		tot->lost += miss;
	} else {
		if (got0 != live_sent || rt_track_missing(t, 0, live_sent))
			fail_msg("iteration %u: live producer sent %llu, consumer got %llu",
				 k->iter, (unsigned long long)live_sent, (unsigned long long)got0);
		if (rt_track_missing(t, 1, got1))
			fail_msg("iteration %u: victim messages are not a prefix", k->iter);
	}
	if (atomic_load(&t->reaped)) {
		tot->reaped++;
		tot->reaped_slots += atomic_load(&t->reaped);
	}
	tot->victim_msgs += got1;
	tot->live_msgs += live_sent;
	tot->iterations++;
}

static void kill_iteration(unsigned iter, uint64_t seed, struct kill_totals *tot)
{
	struct kill_iter k;
	pid_t cons, live, victim;

	kill_draw(&k, iter, seed);
	tshm_ring_unlink(NULL, KILL_RING);
	TSHM_TEST_CHECK(tshm_ring_create(NULL, KILL_RING, &k.p));
	memset(kill_ks, 0, sizeof(*kill_ks));
	rt_track_init(kill_t, k.vcons ? 1 : 2, KILL_MAXSEQ);
	atomic_store(&kill_ks->live_rc, 1);
	atomic_store(&kill_ks->cons_rc, 1);
	cons = kill_spawn(TSHM_RING_CONSUMER, kill_consumer, &k);
	live = kill_spawn(TSHM_RING_PRODUCER, kill_live, &k);
	/* The survivors attach first: a victim producer (consumer) that
	 * attached and died before the live producer (the consumer) would
	 * rightly leave the other side with -EPIPE. */
	if (!rt_wait_flag(&kill_ks->cons_ready, 1, KILL_ATTACH_NS))
		fail_msg("iteration %u: the consumer did not attach", iter);
	if (!rt_wait_flag(&kill_ks->live_ready, 1, KILL_ATTACH_NS))
		fail_msg("iteration %u: the live producer did not attach", iter);
	victim = kill_spawn(k.vcons ? TSHM_RING_CONSUMER : TSHM_RING_PRODUCER, kill_victim, &k);
	if (k.wait_attach)
		rt_wait_flag(&kill_ks->victim_ready, 1, KILL_ATTACH_NS);
	if (k.delay_us)
		tshm_test_sleep_us(k.delay_us);
	if (!atomic_load(&kill_ks->victim_ready))
		tot->early++;
	kill(victim, SIGKILL);
	tshm_test_expect_signal(victim, KILL_REAP_MS, SIGKILL, "iteration %u: victim", iter);
	/* The survivors carry on for a while past the death, then stop. */
	tshm_test_sleep_us(500 + (long)((k.x >> 32) % 2000));
	atomic_store(&kill_ks->stop, 1);
	tshm_test_expect_exit(live, KILL_FINISH_MS, 0, "%s: live producer", k.what);
	tshm_test_expect_exit(cons, KILL_FINISH_MS, 0, "%s: consumer", k.what);
	kill_check(&k, tot);
	TSHM_TEST_CHECK(tshm_ring_unlink(NULL, KILL_RING));
}

static long kill_env(const char *name, long dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtol(v, NULL, 10) : dflt;
}

void kill_loop(unsigned max, unsigned min, int64_t end, const char *what)
{
	uint64_t seed = (uint64_t)kill_env("TSHM_RING_KILL_SEED", (long)getpid());
	struct kill_totals tot = {0};
	int64_t t0 = tshm_test_now_ns();

	max = (unsigned)kill_env("TSHM_RING_KILL_ITERATIONS", (long)max);
	if (!kill_ks)
		kill_ks = rt_shared(sizeof(*kill_ks));
	if (!kill_t)
		kill_t = rt_shared(rt_track_size(2, KILL_MAXSEQ));
	printf("# %s: seed %llu (TSHM_RING_KILL_SEED), up to %u iterations\n", what,
	       (unsigned long long)seed, max);
	fflush(stdout);
	for (unsigned i = 0; i < max && (i < min || tshm_test_now_ns() < end); i++)
		kill_iteration(i, seed, &tot);
	printf("# %s: %u iterations in %.1f s (%u killed a consumer, losing %llu messages); a "
	       "dead claim reaped in %u (%llu slots); victim killed before attaching in %u; "
	       "delivered %llu live + %llu victim messages\n",
	       what, tot.iterations, (double)(tshm_test_now_ns() - t0) / 1e9, tot.consumer_victims,
	       (unsigned long long)tot.lost, tot.reaped, (unsigned long long)tot.reaped_slots,
	       tot.early, (unsigned long long)tot.live_msgs, (unsigned long long)tot.victim_msgs);
	assert_true(tot.iterations > 0);
}

int kill_teardown(void **state)
{
	rt_teardown(state);
	if (kill_ks)
		munmap(kill_ks, sizeof(*kill_ks));
	if (kill_t)
		munmap(kill_t, rt_track_size(2, KILL_MAXSEQ));
	kill_ks = NULL;
	kill_t = NULL;
	return 0;
}
