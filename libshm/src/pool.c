/* SPDX-License-Identifier: MIT */
/*
 * The bundle pool. One mutex guards a small hash table of entries kept in
 * LRU order. A hit costs the lock, a hash probe and one catalog serial
 * check; a changed serial re-attaches. The pool holds one reference on
 * each cached view; callers hold their own, so an evicted or superseded
 * view stays mapped until its last user lets go.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "tickshm/pool.h"

#define DEFAULT_MAX_BUNDLES 64u

struct entry {
	char bundle[TSHM_BUNDLE_MAX];
	uint32_t hash;
	uint32_t slot_hint;
	uint64_t serial;
	struct tshm_view *view;
	struct entry *hnext;	   /* hash chain */
	struct entry *prev, *next; /* LRU list, head = most recent */
};

struct tshm_pool {
	pthread_mutex_t mu;
	struct tshm_pool_config cfg;
	char ns[TSHM_NAMESPACE_MAX];
	struct tshm_catalog *cat; /* opened on first use */
	struct entry **buckets;
	uint32_t nbuckets; /* power of two */
	struct entry *head, *tail;
	struct entry *dead; /* dropped under the lock, released after it (chained by hnext) */
	struct tshm_pool_stats st;
};

/* ---- configuration ------------------------------------------------------- */

static int env_u64(const char *var, uint64_t *out, int suffixes)
{
	const char *s = getenv(var);
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return 0;
	if (*s < '0' || *s > '9') /* strtoull would accept " -1" */
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	if (suffixes && *end) {
		int shift = *end == 'K' || *end == 'k'	 ? 10
			    : *end == 'M' || *end == 'm' ? 20
			    : *end == 'G' || *end == 'g' ? 30
							 : -1;
		if (shift < 0 || end[1] || v > (UINT64_MAX >> shift))
			return -EINVAL;
		v <<= shift;
		end++;
	}
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

static int env_bool(const char *var, uint32_t *out)
{
	const char *s = getenv(var);

	if (!s || !*s)
		return 0;
	if (!strcmp(s, "1") || !strcasecmp(s, "true") || !strcasecmp(s, "yes"))
		*out = 1;
	else if (!strcmp(s, "0") || !strcasecmp(s, "false") || !strcasecmp(s, "no"))
		*out = 0;
	else
		return -EINVAL;
	return 0;
}

int tshm_pool_config_env(struct tshm_pool_config *cfg)
{
	uint64_t max = DEFAULT_MAX_BUNDLES;
	int rc = 0;

	memset(cfg, 0, sizeof(*cfg));
	if (env_u64("TICKSHM_POOL_MAX", &max, 0) < 0 || max == 0 || max > UINT32_MAX) {
		max = DEFAULT_MAX_BUNDLES;
		rc = -EINVAL;
	}
	cfg->max_bundles = (uint32_t)max;
	if (env_u64("TICKSHM_POOL_MAX_BYTES", &cfg->max_bytes, 1) < 0) {
		cfg->max_bytes = 0;
		rc = -EINVAL;
	}
	if (env_bool("TICKSHM_POOL_DISABLE", &cfg->disabled) < 0)
		rc = -EINVAL;
	return rc;
}

/* ---- lifecycle ----------------------------------------------------------- */

int tshm_pool_create(struct tshm_pool **out, const struct tshm_pool_config *cfg)
{
	struct tshm_pool_config env;
	struct tshm_pool *p;
	int rc;

	*out = NULL;
	if (!cfg) {
		tshm_pool_config_env(&env); /* malformed variables keep their defaults */
		cfg = &env;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->cfg = *cfg;
	if (!p->cfg.max_bundles)
		p->cfg.max_bundles = DEFAULT_MAX_BUNDLES;
	rc = cfg->ns ? tshm_name_check(cfg->ns, TSHM_NAMESPACE_MAX)
		     : tshm_namespace(p->ns, sizeof(p->ns));
	if (rc < 0) {
		free(p);
		return rc;
	}
	if (cfg->ns)
		strcpy(p->ns, cfg->ns);
	p->cfg.ns = p->ns;
	for (p->nbuckets = 16; p->nbuckets < 2 * p->cfg.max_bundles && p->nbuckets < (1u << 20);)
		p->nbuckets <<= 1;
	p->buckets = calloc(p->nbuckets, sizeof(*p->buckets));
	if (!p->buckets) {
		free(p);
		return -ENOMEM;
	}
	pthread_mutex_init(&p->mu, NULL);
	*out = p;
	return 0;
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static struct entry *find(struct tshm_pool *p, const char *bundle, uint32_t h)
{
	struct entry *e = p->buckets[h & (p->nbuckets - 1)];

	while (e && (e->hash != h || strcmp(e->bundle, bundle) != 0))
		e = e->hnext;
	return e;
}

static void lru_unlink(struct tshm_pool *p, struct entry *e)
{
	*(e->prev ? &e->prev->next : &p->head) = e->next;
	*(e->next ? &e->next->prev : &p->tail) = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push(struct tshm_pool *p, struct entry *e)
{
	e->next = p->head;
	e->prev = NULL;
	*(p->head ? &p->head->prev : &p->tail) = e;
	p->head = e;
}

static void drop(struct tshm_pool *p, struct entry *e)
{
	struct entry **pp = &p->buckets[e->hash & (p->nbuckets - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(p, e);
	p->st.bundles--;
	p->st.bytes_mapped -= e->view->size;
	/* The unref may be the last and munmap gigabytes: not under the lock. */
	e->hnext = p->dead;
	p->dead = e;
}

/* Lock held: take the dropped entries; release them after unlocking. */
static struct entry *take_dead(struct tshm_pool *p)
{
	struct entry *d = p->dead;

	p->dead = NULL;
	return d;
}

static void bury(struct entry *d)
{
	while (d) {
		struct entry *next = d->hnext;

		tshm_view_unref(d->view);
		free(d);
		d = next;
	}
}

static void unlock_and_bury(struct tshm_pool *p)
{
	struct entry *d = take_dead(p);

	pthread_mutex_unlock(&p->mu);
	bury(d);
}

void tshm_pool_destroy(struct tshm_pool *p)
{
	if (!p)
		return;
	while (p->head)
		drop(p, p->head);
	bury(take_dead(p));
	tshm_catalog_close(p->cat);
	pthread_mutex_destroy(&p->mu);
	free(p->buckets);
	free(p);
}

/* ---- get / put ----------------------------------------------------------- */

/* Evict from the cold end, sparing @keep, until both limits hold. */
static void evict(struct tshm_pool *p, const struct entry *keep)
{
	while (p->tail && p->tail != keep &&
	       (p->st.bundles > p->cfg.max_bundles ||
		(p->cfg.max_bytes && p->st.bytes_mapped > p->cfg.max_bytes))) {
		drop(p, p->tail);
		p->st.evictions++;
	}
}

static int insert(struct tshm_pool *p, const char *bundle, uint32_t h, struct tshm_view *v)
{
	struct entry *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	strcpy(e->bundle, bundle);
	e->hash = h;
	e->slot_hint = UINT32_MAX;
	e->serial = v->serial;
	e->view = tshm_view_ref(v);
	e->hnext = p->buckets[h & (p->nbuckets - 1)];
	p->buckets[h & (p->nbuckets - 1)] = e;
	lru_push(p, e);
	p->st.bundles++;
	p->st.bytes_mapped += v->size;
	evict(p, e);
	return 0;
}

static int ensure_catalog(struct tshm_pool *p)
{
	return p->cat ? 0 : tshm_catalog_open(&p->cat, p->ns, 0);
}

/* Lock held. A hit returns 1 with *out referenced; a stale entry is dropped. */
static int try_hit(struct tshm_pool *p, struct entry *e, struct tshm_view **out)
{
	if (tshm__catalog_still(p->cat, e->slot_hint, e->serial) ||
	    tshm_catalog_serial(p->cat, e->bundle, &e->slot_hint) == e->serial) {
		*out = tshm_view_ref(e->view);
		lru_unlink(p, e);
		lru_push(p, e);
		p->st.hits++;
		return 1;
	}
	drop(p, e);
	p->st.reloads++;
	return 0;
}

int tshm_pool_get(struct tshm_pool *p, const char *bundle, struct tshm_view **out)
{
	struct tshm_view *v;
	struct entry *e;
	uint32_t h;
	int rc;

	*out = NULL;
	rc = tshm_name_check(bundle, TSHM_BUNDLE_MAX);
	if (rc < 0)
		return rc;
	h = name_hash(bundle);
	pthread_mutex_lock(&p->mu);
	rc = ensure_catalog(p);
	if (rc < 0)
		goto out;
	e = p->cfg.disabled ? NULL : find(p, bundle, h);
	if (e && try_hit(p, e, out))
		goto out;
	if (!e)
		p->st.misses++;
	rc = tshm_view_open(&v, p->cat, bundle);
	if (rc < 0)
		goto out;
	if (!p->cfg.disabled)
		rc = insert(p, bundle, h, v);
	if (rc < 0)
		tshm_view_unref(v);
	else
		*out = v;
out:
	unlock_and_bury(p);
	return rc;
}

void tshm_pool_put(struct tshm_pool *p, struct tshm_view *v)
{
	(void)p; /* the view carries its own count; the pool keeps no per-get state */
	tshm_view_unref(v);
}

int tshm_pool_invalidate(struct tshm_pool *p, const char *bundle)
{
	int n = 0;

	if (bundle && tshm_name_check(bundle, TSHM_BUNDLE_MAX) < 0)
		return -TSHM_ENAME;
	pthread_mutex_lock(&p->mu);
	if (bundle) {
		struct entry *e = find(p, bundle, name_hash(bundle));
		if (e) {
			drop(p, e);
			n = 1;
		}
	} else {
		while (p->head) {
			drop(p, p->head);
			n++;
		}
	}
	p->st.invalidations += (uint64_t)n;
	unlock_and_bury(p);
	return n;
}

void tshm_pool_stats(struct tshm_pool *p, struct tshm_pool_stats *out)
{
	pthread_mutex_lock(&p->mu);
	*out = p->st;
	pthread_mutex_unlock(&p->mu);
}
