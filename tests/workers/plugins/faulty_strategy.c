/* SPDX-License-Identifier: MIT */
/*
 * A plugin strategy that misbehaves on demand, for test_faults.c: the
 * built-in sma_cross (fast, slow, fee) plus two parameters. When
 * crash != 0 and fast == crash_fast, on_batch aborts (crash 1), raises
 * SIGSEGV (2) or hangs (3). Everything else is sma_cross, bit for bit.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tickshm/strategy.h"

#define HDR 64 /* our words, then sma_cross's state (64-byte aligned) */

struct hdr {
	int64_t crash, crash_fast, fast;
};

static const struct tshm_strategy *sma;
static struct tshm_param_def params[TSHM_STRATEGY_MAX_PARAMS];
static struct tshm_strategy self;

static int validate(const int64_t *p)
{
	return sma->validate(p);
}

static uint64_t warmup(const int64_t *p)
{
	return sma->warmup(p);
}

static void init(void *state, const int64_t *p)
{
	struct hdr *h = state;

	h->crash = p[3];
	h->crash_fast = p[4];
	h->fast = p[0];
	sma->init((char *)state + HDR, p);
}

static void on_batch(void *state, const struct tshm_batch *b)
{
	const struct hdr *h = state;

	if (h->crash && h->fast == h->crash_fast && b->n > b->warm) {
		if (h->crash == 1)
			abort();
		if (h->crash == 2)
			raise(SIGSEGV);
		for (;;)
			sleep(1); /* killed by the task timeout */
	}
	sma->on_batch((char *)state + HDR, b);
}

static void finish(void *state, void *partial)
{
	sma->finish((char *)state + HDR, partial);
}

__attribute__((visibility("default"))) const struct tshm_strategy *tshm_strategy_entry(void);

const struct tshm_strategy *tshm_strategy_entry(void)
{
	if (!(sma = tshm_strategy_find("sma_cross")) || sma->nparams != 3)
		return NULL;
	memcpy(params, sma->params, 3 * sizeof(params[0]));
	params[3] = (struct tshm_param_def){"crash", 0, 0, 3};
	params[4] = (struct tshm_param_def){"crash_fast", 0, 0, 1000000};
	self = *sma;
	self.name = "faulty";
	self.summary = "sma_cross that aborts, faults or hangs on demand (tests)";
	self.nparams = 5;
	self.params = params;
	self.state_size = HDR + sma->state_size;
	self.validate = validate;
	self.warmup = warmup;
	self.init = init;
	self.on_batch = on_batch;
	self.finish = finish;
	return &self;
}
