/* SPDX-License-Identifier: MIT */
/*
 * The kill scenario shared by test_ring_stress (many iterations) and
 * test_ring_kill (the default run's few): over a fresh named multi-producer
 * ring, a consumer process and a live producer process keep going while a
 * victim producer process is SIGKILLed at a random moment (during attach,
 * mid-burst, holding a reserved claim it writes field by field, or asleep
 * on a full ring). Then:
 *   - nothing torn is delivered (checksums), nothing twice, nothing foreign;
 *   - the live producer's messages all arrive, in order; the victim's arrive
 *     as an unbroken prefix of what it sent (only its last, unpublished
 *     claim may be lost);
 *   - nobody hangs: every wait has a timeout, every child a deadline.
 * One iteration in three kills a second consumer of a multi-consumer ring
 * instead: the live consumer goes on, and only the batch the victim held
 * (at most 16 messages) is lost.
 */
#ifndef TSHM_RING_KILL_H
#define TSHM_RING_KILL_H

#include "ring_test.h"

#define KILL_MAXSEQ (1u << 16) /* per producer: the bitmaps' size */
#define KILL_WAIT (3 * RT_SEC) /* every ring wait in the children */
#define KILL_CHILD_LIFE 30     /* seconds: SIGALRM past it */

struct kill_shm {
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

static struct kill_shm *kill_ks;
static struct rt_track *kill_t;

static inline void kill_alloc(void)
{
	if (!kill_ks)
		kill_ks = rt_shared(sizeof(*kill_ks));
	if (!kill_t)
		kill_t = rt_shared(rt_track_size(2, KILL_MAXSEQ));
}

static inline void kill_free(void)
{
	if (kill_ks)
		munmap(kill_ks, sizeof(*kill_ks));
	if (kill_t)
		munmap(kill_t, rt_track_size(2, KILL_MAXSEQ));
	kill_ks = NULL;
	kill_t = NULL;
}

static inline struct tshm_ring *kill_child_open(unsigned role)
{
	struct tshm_ring *r;

	if (tshm_ring_open(&r, NULL, "kill", role) < 0)
		_exit(2);
	return r;
}

static void kill_iteration(unsigned iter, uint64_t seed, struct kill_totals *tot)
{
	uint64_t x = rt_mix(seed * 1000003 + iter);
	int vcons = (x >> 50) % 3 == 0; /* the victim is a consumer (MC ring) */
	uint32_t flags = vcons ? TSHM_RING_MC | (x & 1 ? TSHM_RING_MP : 0)
			       : TSHM_RING_MP | (x & 1 ? TSHM_RING_MC : 0);
	struct tshm_ring_params p = {
	    .capacity = 8u << ((x >> 1) % 3), .slot_size = sizeof(struct rt_msg), .flags = flags};
	int wait_attach = (x >> 4) % 4 != 0, slow = (x >> 6) % 4 != 0;
	long delay_us = (long)((x >> 16) % 3000);
	struct kill_shm *ks = kill_ks;
	struct rt_track *t = kill_t;
	pid_t cons, live, victim;
	char buf[64];
	int st, rc;

	tshm_ring_unlink(NULL, "kill");
	RT_CHECK(tshm_ring_create(NULL, "kill", &p));
	memset(ks, 0, sizeof(*ks));
	rt_track_init(t, vcons ? 1 : 2, KILL_MAXSEQ);
	atomic_store(&ks->live_rc, 1);
	atomic_store(&ks->cons_rc, 1);

	cons = rt_fork();
	if (cons == 0) {
		rt_child_init(KILL_CHILD_LIFE);
		struct tshm_ring *r = kill_child_open(TSHM_RING_CONSUMER);
		struct rt_seen seen;

		rc = rt_consume(r, t, (flags & TSHM_RING_MC) != 0, x ^ 1, KILL_WAIT, !vcons, &seen);
		atomic_store(&ks->cons_rc, rc);
		tshm_ring_detach(r);
		_exit(0);
	}
	live = rt_fork();
	if (live == 0) {
		rt_child_init(KILL_CHILD_LIFE);
		struct tshm_ring *r = kill_child_open(TSHM_RING_PRODUCER);
		struct rt_prod o = {.id = 0,
				    .count = KILL_MAXSEQ,
				    .seed = x ^ 2,
				    .timeout_ns = KILL_WAIT,
				    .stop = &ks->stop};

		atomic_store(&ks->live_ready, 1);
		rc = rt_produce(r, t, &o);
		atomic_store(&ks->live_sent, o.sent);
		if (rc == 0)
			rc = tshm_ring_close(r);
		atomic_store(&ks->live_rc, rc);
		tshm_ring_detach(r);
		_exit(0);
	}
	/* The live producer attaches first: a victim that attached and died
	 * before it would rightly leave the consumer with -EPIPE. */
	int64_t deadline = rt_now() + 5 * RT_SEC;
	while (!atomic_load(&ks->live_ready) && rt_now() < deadline)
		rt_sleep_us(50);
	if (!atomic_load(&ks->live_ready))
		fail_msg("iteration %u: the live producer did not attach", iter);
	victim = rt_fork();
	if (victim == 0 && vcons) {
		rt_child_init(KILL_CHILD_LIFE);
		struct tshm_ring *r = kill_child_open(TSHM_RING_CONSUMER);
		struct rt_seen seen;

		atomic_store(&ks->victim_ready, 1);
		rt_consume(r, t, 1, x ^ 4, KILL_WAIT, 0, &seen); /* until closed */
		for (;;)
			pause();
	}
	if (victim == 0) {
		rt_child_init(KILL_CHILD_LIFE);
		struct tshm_ring *r = kill_child_open(TSHM_RING_PRODUCER);
		struct rt_prod o = {.id = 1,
				    .count = KILL_MAXSEQ,
				    .seed = x ^ 3,
				    .timeout_ns = KILL_WAIT,
				    .slow = slow};

		atomic_store(&ks->victim_ready, 1);
		rt_produce(r, t, &o); /* until the ring is closed (-EPIPE) */
		for (;;)
			pause(); /* then wait for the kill */
	}
	if (wait_attach) {
		deadline = rt_now() + 5 * RT_SEC;
		while (!atomic_load(&ks->victim_ready) && rt_now() < deadline)
			rt_sleep_us(50);
	}
	if (delay_us)
		rt_sleep_us(delay_us);
	if (!atomic_load(&ks->victim_ready))
		tot->early++;
	kill(victim, SIGKILL);
	rc = rt_reap(victim, rt_now() + 5 * RT_SEC, &st);
	if (rc < 0 || !WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		fail_msg("iteration %u: victim %s", iter, rt_status(st, buf, sizeof(buf)));
	/* The survivors carry on for a while past the death, then stop. */
	rt_sleep_us(500 + (long)((x >> 32) % 2000));
	atomic_store(&ks->stop, 1);
	rc = rt_reap(live, rt_now() + 10 * RT_SEC, &st);
	if (rc == -ETIMEDOUT)
		fail_msg("iteration %u (flags %u cap %u): live producer hung", iter, flags,
			 p.capacity);
	if (rc < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("iteration %u: live producer %s", iter, rt_status(st, buf, sizeof(buf)));
	rc = rt_reap(cons, rt_now() + 10 * RT_SEC, &st);
	if (rc == -ETIMEDOUT)
		fail_msg("iteration %u (flags %u cap %u): consumer hung", iter, flags, p.capacity);
	if (rc < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("iteration %u: consumer %s", iter, rt_status(st, buf, sizeof(buf)));
	if (atomic_load(&ks->live_rc) != 0)
		fail_msg("iteration %u (flags %u cap %u): live producer error %d (%s)", iter, flags,
			 p.capacity, atomic_load(&ks->live_rc),
			 tshm_strerror(atomic_load(&ks->live_rc)));
	if (atomic_load(&ks->cons_rc) != 0)
		fail_msg(
		    "iteration %u (flags %u cap %u): consumer ended with %d (%s), want 0 (closed)",
		    iter, flags, p.capacity, atomic_load(&ks->cons_rc),
		    tshm_strerror(atomic_load(&ks->cons_rc)));

	uint64_t live_sent = atomic_load(&ks->live_sent), got1 = atomic_load(&t->got[1]);
	if (t->bad || t->dup || t->order || t->gap || t->foreign)
		fail_msg("iteration %u (flags %u cap %u, slow %d): torn %llu, duplicated %llu, "
			 "out of order %llu, skipped %llu, foreign %llu",
			 iter, flags, p.capacity, slow, (unsigned long long)t->bad,
			 (unsigned long long)t->dup, (unsigned long long)t->order,
			 (unsigned long long)t->gap, (unsigned long long)t->foreign);
	if (vcons) {
		/* The dead consumer's last batch (peeked or copied, at most 16
		 * messages) died with it; everything else reached someone. */
		uint64_t miss = rt_track_missing(t, 0, live_sent);

		uint64_t got0 = atomic_load(&t->got[0]);

		/* (The victim may die between marking a message and counting it.) */
		if (miss > 16 || got0 + miss > live_sent || got0 + miss + 1 < live_sent)
			fail_msg("iteration %u (flags %u cap %u): consumer killed: %llu sent, %llu "
				 "delivered, %llu lost",
				 iter, flags, p.capacity, (unsigned long long)live_sent,
				 (unsigned long long)atomic_load(&t->got[0]),
				 (unsigned long long)miss);
		tot->consumer_victims++;
		tot->lost += miss;
	} else {
		if (atomic_load(&t->got[0]) != live_sent || rt_track_missing(t, 0, live_sent))
			fail_msg("iteration %u: live producer sent %llu, consumer got %llu", iter,
				 (unsigned long long)live_sent,
				 (unsigned long long)atomic_load(&t->got[0]));
		if (rt_track_missing(t, 1, got1))
			fail_msg("iteration %u: victim messages are not a prefix", iter);
	}
	if (atomic_load(&t->reaped)) {
		tot->reaped++;
		tot->reaped_slots += atomic_load(&t->reaped);
	}
	tot->victim_msgs += got1;
	tot->live_msgs += live_sent;
	tot->iterations++;
	RT_CHECK(tshm_ring_unlink(NULL, "kill"));
}

static inline long kill_env(const char *name, long dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtol(v, NULL, 10) : dflt;
}

/*
 * Run up to @max iterations, stopping early at @end (rt_now() based).
 * TSHM_RING_KILL_ITERATIONS overrides @max, TSHM_RING_KILL_SEED the seed.
 */
static void kill_loop(unsigned max, int64_t end, const char *what)
{
	uint64_t seed = (uint64_t)kill_env("TSHM_RING_KILL_SEED", (long)getpid());
	struct kill_totals tot = {0};
	int64_t t0 = rt_now();

	max = (unsigned)kill_env("TSHM_RING_KILL_ITERATIONS", (long)max);
	kill_alloc();
	printf("# %s: seed %llu (TSHM_RING_KILL_SEED), up to %u iterations\n", what,
	       (unsigned long long)seed, max);
	fflush(stdout);
	for (unsigned i = 0; i < max && rt_now() < end; i++)
		kill_iteration(i, seed, &tot);
	printf("# %s: %u iterations in %.1f s (%u killed a consumer, losing %llu messages); a "
	       "dead claim reaped in %u (%llu slots); victim killed before attaching in %u; "
	       "delivered %llu live + %llu victim messages\n",
	       what, tot.iterations, (double)(rt_now() - t0) / 1e9, tot.consumer_victims,
	       (unsigned long long)tot.lost, tot.reaped, (unsigned long long)tot.reaped_slots,
	       tot.early, (unsigned long long)tot.live_msgs, (unsigned long long)tot.victim_msgs);
	assert_true(tot.iterations > 0);
}

#endif
