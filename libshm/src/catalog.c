/* SPDX-License-Identifier: MIT */
/*
 * The catalog of versioned descriptors.
 *
 * Writers (reserve, publish, remove) hold a process mutex and flock() on
 * the catalog: the mutex because threads sharing one fd share its flock,
 * the flock because it dies with its holder. Readers take no lock: each
 * slot has two descriptor copies, each under its own sequence counter; a
 * writer only ever writes the copy readers are not directed to, then flips
 * `active`. A writer killed mid-copy therefore leaves the active copy
 * intact and readers never wait on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomics.h"
#include "internal.h"

#define CAT_SIZE (sizeof(struct tshm_cat_header) + TSHM_CAT_SLOTS * sizeof(struct tshm_cat_slot))
#define LOCK_TIMEOUT_NS INT64_C(10000000000) /* a writer holding the lock 10 s is stuck */
#define READ_RETRIES 100000

struct tshm_catalog {
	int fd;
	int writable;
	pid_t pid; /* process that opened fd; a forked child must not share its flock */
	uint8_t *base;
	struct tshm_cat_header *hdr;
	struct tshm_cat_slot *slots;
	pthread_mutex_t mu; /* serialises this handle's writers (see above) */
	char ns[TSHM_NAMESPACE_MAX];
	char name[TSHM_SEGNAME_MAX];
};

/* ---- locking ------------------------------------------------------------ */

static int flock_timed(int fd, int op)
{
	int64_t deadline = tshm__mono_ns() + LOCK_TIMEOUT_NS;
	struct timespec pause = {0, 200000};

	while (flock(fd, op | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -errno;
		if (tshm__mono_ns() > deadline)
			return -TSHM_EBUSY;
		nanosleep(&pause, NULL);
	}
	return 0;
}

/*
 * flock() belongs to the open file description, which fork() shares: a
 * child using its parent's descriptor would "hold" the parent's lock. Give
 * a forked child a description of its own before locking.
 */
static int own_fd(struct tshm_catalog *cat)
{
	int fd;

	if (cat->pid == getpid())
		return 0;
	fd = shm_open(cat->name, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(cat->fd);
	cat->fd = fd;
	cat->pid = getpid();
	return 0;
}

static void repair_slots(struct tshm_catalog *cat);
static void claim_slot(struct tshm_catalog *cat, struct tshm_cat_slot *s);

static int cat_lock(struct tshm_catalog *cat)
{
	int rc;

	if (!cat->writable)
		return -EBADF;
	pthread_mutex_lock(&cat->mu);
	rc = own_fd(cat);
	if (rc == 0)
		rc = flock_timed(cat->fd, LOCK_EX);
	if (rc < 0) {
		pthread_mutex_unlock(&cat->mu);
		return rc;
	}
	repair_slots(cat);
	return 0;
}

static void cat_unlock(struct tshm_catalog *cat)
{
	flock(cat->fd, LOCK_UN);
	pthread_mutex_unlock(&cat->mu);
}

/* ---- open ---------------------------------------------------------------- */

static void init_header(struct tshm_cat_header *h)
{
	h->format_version = TSHM_FORMAT_VERSION;
	h->nslots = TSHM_CAT_SLOTS;
	h->slot_size = sizeof(struct tshm_cat_slot);
	h->slots_offset = sizeof(struct tshm_cat_header);
	h->next_serial = 1;
	/* Readers check the magic first: store it last. Pairs with the
	 * acquire load in check_header(). */
	tshm_store64(&h->magic, TSHM_CAT_MAGIC, memory_order_release);
}

/* Size and initialise a new catalog under the lock; idempotent. */
static int create_catalog(int fd)
{
	struct stat st;
	void *p;
	int rc = flock_timed(fd, LOCK_EX);

	if (rc < 0)
		return rc;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
	} else if (st.st_size == 0 || st.st_size == (off_t)CAT_SIZE) {
		/* Size 0: new. Full size with magic 0: its creator died before
		 * initialising it; we hold the lock, so nobody else is. */
		rc = st.st_size ? 0 : -posix_fallocate(fd, 0, CAT_SIZE);
		if (rc == 0) {
			p = mmap(NULL, CAT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			if (p == MAP_FAILED) {
				rc = -errno;
			} else {
				if (tshm_load64(p, memory_order_relaxed) == 0)
					init_header(p);
				munmap(p, CAT_SIZE);
			}
		}
	}
	flock(fd, LOCK_UN);
	return rc;
}

static int check_header(const struct tshm_cat_header *h)
{
	uint64_t magic = tshm_load64(&h->magic, memory_order_acquire);

	if (magic == 0)
		return -EAGAIN; /* being initialised */
	if (magic != TSHM_CAT_MAGIC)
		return -TSHM_ECORRUPT;
	if (h->format_version != TSHM_FORMAT_VERSION)
		return -TSHM_EVERSION;
	if (h->nslots != TSHM_CAT_SLOTS || h->slot_size != sizeof(struct tshm_cat_slot) ||
	    h->slots_offset != sizeof(struct tshm_cat_header))
		return -TSHM_ECORRUPT;
	return 0;
}

/* Map and check; an initialiser holds the lock while the header is zero. */
static int map_catalog(struct tshm_catalog *cat)
{
	struct stat st;
	int rc;

	for (int attempt = 0; attempt < 2; attempt++) {
		if (fstat(cat->fd, &st) < 0)
			return -errno;
		if (st.st_size == (off_t)CAT_SIZE)
			break;
		if (st.st_size != 0)
			return -TSHM_ECORRUPT;
		rc = flock_timed(cat->fd, LOCK_SH); /* wait out the initialiser */
		if (rc < 0)
			return rc;
		flock(cat->fd, LOCK_UN);
	}
	if (st.st_size != (off_t)CAT_SIZE)
		return -ENOENT;
	cat->base = mmap(NULL, CAT_SIZE, PROT_READ | (cat->writable ? PROT_WRITE : 0), MAP_SHARED,
			 cat->fd, 0);
	if (cat->base == MAP_FAILED) {
		cat->base = NULL;
		return -errno;
	}
	cat->hdr = (struct tshm_cat_header *)cat->base;
	cat->slots = (struct tshm_cat_slot *)(cat->base + sizeof(struct tshm_cat_header));
	rc = check_header(cat->hdr);
	if (rc == -EAGAIN && flock_timed(cat->fd, LOCK_SH) == 0) {
		flock(cat->fd, LOCK_UN);
		rc = check_header(cat->hdr);
	}
	return rc == -EAGAIN ? -TSHM_ECORRUPT : rc;
}

int tshm_catalog_open(struct tshm_catalog **out, const char *ns, unsigned flags)
{
	struct tshm_catalog *cat;
	int rc;

	*out = NULL;
	if (flags & ~(TSHM_CATALOG_RDWR | TSHM_CATALOG_CREATE))
		return -EINVAL;
	cat = calloc(1, sizeof(*cat));
	if (!cat)
		return -ENOMEM;
	cat->fd = -1;
	cat->pid = getpid();
	cat->writable = (flags & (TSHM_CATALOG_RDWR | TSHM_CATALOG_CREATE)) != 0;
	pthread_mutex_init(&cat->mu, NULL);
	rc = ns ? tshm_name_check(ns, TSHM_NAMESPACE_MAX)
		: tshm_namespace(cat->ns, sizeof(cat->ns));
	if (rc == 0 && ns)
		strcpy(cat->ns, ns);
	if (rc == 0)
		rc = tshm_name_catalog(cat->name, sizeof(cat->name), cat->ns);
	if (rc < 0)
		goto fail;
	cat->fd = shm_open(cat->name,
			   (cat->writable ? O_RDWR : O_RDONLY) |
			       ((flags & TSHM_CATALOG_CREATE) ? O_CREAT : 0) | O_CLOEXEC,
			   0640);
	if (cat->fd < 0) {
		rc = -errno;
		goto fail;
	}
	if (flags & TSHM_CATALOG_CREATE) {
		rc = create_catalog(cat->fd);
		if (rc < 0)
			goto fail;
	}
	rc = map_catalog(cat);
	if (rc < 0)
		goto fail;
	*out = cat;
	return 0;
fail:
	tshm_catalog_close(cat);
	return rc;
}

void tshm_catalog_close(struct tshm_catalog *cat)
{
	if (!cat)
		return;
	if (cat->base)
		munmap(cat->base, CAT_SIZE);
	if (cat->fd >= 0)
		close(cat->fd);
	pthread_mutex_destroy(&cat->mu);
	free(cat);
}

const char *tshm_catalog_namespace(const struct tshm_catalog *cat)
{
	return cat->ns;
}

/* ---- descriptor copies: the seqlock -------------------------------------- */

#define DESC_WORDS (sizeof(struct tshm_cat_desc) / sizeof(uint64_t))
_Static_assert(sizeof(struct tshm_cat_desc) % sizeof(uint64_t) == 0, "desc words");

/* Read the active copy of @s. Returns 0 or -TSHM_EBUSY. */
static int read_desc(const struct tshm_cat_slot *s, struct tshm_cat_desc *out)
{
	uint64_t w[DESC_WORDS];

	for (int tries = 0; tries < READ_RETRIES; tries++) {
		/* Pairs with the release store of `active` in write_desc(). */
		uint64_t act = tshm_load64(&s->active, memory_order_acquire) & 1;
		const struct tshm_cat_copy *c = &s->copy[act];
		/* Pairs with the release store closing a write in write_desc(). */
		uint64_t s1 = tshm_load64(&c->seq, memory_order_acquire);
		const uint64_t *src = (const uint64_t *)&c->d;

		if (s1 & 1) {
			tshm_cpu_relax();
			continue;
		}
		for (size_t i = 0; i < DESC_WORDS; i++)
			w[i] = tshm_load64(&src[i], memory_order_relaxed);
		/* Orders the data loads above before the re-check below; pairs
		 * with the writer's release fence after it made seq odd. */
		atomic_thread_fence(memory_order_acquire);
		if (tshm_load64(&c->seq, memory_order_relaxed) == s1) {
			memcpy(out, w, sizeof(*out));
			out->bundle[TSHM_BUNDLE_MAX - 1] = '\0';
			out->segment[TSHM_SEGNAME_MAX - 1] = '\0';
			return 0;
		}
	}
	return -TSHM_EBUSY;
}

/* Writer lock held. Fill the inactive copy, then direct readers to it. */
static void write_desc(struct tshm_cat_slot *s, const struct tshm_cat_desc *d)
{
	uint64_t act = tshm_load64(&s->active, memory_order_relaxed) & 1;
	struct tshm_cat_copy *c = &s->copy[act ^ 1];
	uint64_t seq = tshm_load64(&c->seq, memory_order_relaxed);
	const uint64_t *src = (const uint64_t *)d;
	uint64_t *dst = (uint64_t *)&c->d;

	seq += seq & 1; /* a writer died inside this copy: step past its odd value */
	tshm_store64(&c->seq, seq + 1, memory_order_relaxed);
	/* Makes the odd seq visible before any data store; pairs with the
	 * reader's acquire fence before its re-check. */
	atomic_thread_fence(memory_order_release);
	for (size_t i = 0; i < DESC_WORDS; i++)
		tshm_store64(&dst[i], src[i], memory_order_relaxed);
	/* Publishes the data; pairs with the reader's acquire load of seq. */
	tshm_store64(&c->seq, seq + 2, memory_order_release);
	/* Pairs with the reader's acquire load of active. */
	tshm_store64(&s->active, act ^ 1, memory_order_release);
	/* Pairs with the acquire load in tshm_catalog_serial(). */
	tshm_store64(&s->serial, d->serial, memory_order_release);
}

static void desc_to_public(const struct tshm_cat_desc *d, struct tshm_descriptor *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->bundle, d->bundle, sizeof(out->bundle));
	memcpy(out->segment, d->segment, sizeof(out->segment));
	out->generation = d->generation;
	out->serial = d->serial;
	out->size = d->size;
	out->hash_lo = d->hash_lo;
	out->hash_hi = d->hash_hi;
	out->schema_version = d->schema_version;
	out->nassets = d->nassets;
	out->min_ts = d->min_ts;
	out->max_ts = d->max_ts;
	out->publish_ns = d->publish_ns;
	out->publisher_pid = d->publisher_pid;
}

static void desc_from_public(const struct tshm_descriptor *p, struct tshm_cat_desc *d)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->bundle, p->bundle, sizeof(d->bundle));
	memcpy(d->segment, p->segment, sizeof(d->segment));
	d->generation = p->generation;
	d->size = p->size;
	d->hash_lo = p->hash_lo;
	d->hash_hi = p->hash_hi;
	d->schema_version = p->schema_version;
	d->nassets = p->nassets;
	d->min_ts = p->min_ts;
	d->max_ts = p->max_ts;
	d->publish_ns = p->publish_ns;
	d->publisher_pid = p->publisher_pid;
}

/* ---- reads --------------------------------------------------------------- */

/* Slot index publishing @bundle, with its descriptor, or -ENOENT. */
static int find_published(const struct tshm_catalog *cat, const char *bundle,
			  struct tshm_cat_desc *d)
{
	for (uint32_t i = 0; i < TSHM_CAT_SLOTS; i++) {
		const struct tshm_cat_slot *s = &cat->slots[i];
		int rc;

		if (tshm_load64(&s->serial, memory_order_acquire) == 0)
			continue;
		rc = read_desc(s, d);
		if (rc < 0)
			return rc;
		if (d->generation != 0 && strcmp(d->bundle, bundle) == 0)
			return (int)i;
	}
	return -ENOENT;
}

int tshm_catalog_lookup(const struct tshm_catalog *cat, const char *bundle,
			struct tshm_descriptor *out)
{
	struct tshm_cat_desc d;
	int rc = tshm_name_check(bundle, TSHM_BUNDLE_MAX);

	if (rc < 0)
		return rc;
	rc = find_published(cat, bundle, &d);
	if (rc < 0)
		return rc;
	desc_to_public(&d, out);
	return 0;
}

int tshm_catalog_list(const struct tshm_catalog *cat, struct tshm_descriptor *out, size_t max)
{
	struct tshm_cat_desc d;
	size_t n = 0;

	for (uint32_t i = 0; i < TSHM_CAT_SLOTS; i++) {
		const struct tshm_cat_slot *s = &cat->slots[i];
		int rc;

		if (tshm_load64(&s->serial, memory_order_acquire) == 0)
			continue;
		rc = read_desc(s, &d);
		if (rc < 0)
			return rc;
		if (d.generation == 0)
			continue;
		if (n < max)
			desc_to_public(&d, &out[n]);
		n++;
	}
	return (int)n;
}

/* Does the active copy of @s hold @bundle with serial @serial? */
static int slot_holds(const struct tshm_cat_slot *s, const char *bundle, uint64_t serial)
{
	struct tshm_cat_desc d;

	return read_desc(s, &d) == 0 && d.serial == serial && strcmp(d.bundle, bundle) == 0;
}

uint64_t tshm_catalog_serial(const struct tshm_catalog *cat, const char *bundle,
			     uint32_t *slot_hint)
{
	struct tshm_cat_desc d;
	int i;

	if (*slot_hint < TSHM_CAT_SLOTS) {
		const struct tshm_cat_slot *s = &cat->slots[*slot_hint];
		/* Pairs with the release store in write_desc(). */
		uint64_t serial = tshm_load64(&s->serial, memory_order_acquire);

		if (serial != 0 && slot_holds(s, bundle, serial))
			return serial;
	}
	i = find_published(cat, bundle, &d);
	if (i < 0)
		return 0;
	*slot_hint = (uint32_t)i;
	return d.serial;
}

bool tshm__catalog_still(const struct tshm_catalog *cat, uint32_t slot, uint64_t serial)
{
	/* Pairs with the release store of serial in write_desc(). */
	return slot < TSHM_CAT_SLOTS && serial != 0 &&
	       tshm_load64(&cat->slots[slot].serial, memory_order_acquire) == serial;
}

/* ---- writes (lock held) --------------------------------------------------- */

static struct tshm_cat_slot *owner_slot(struct tshm_catalog *cat, const char *bundle, int alloc)
{
	struct tshm_cat_slot *free_slot = NULL;

	for (uint32_t i = 0; i < TSHM_CAT_SLOTS; i++) {
		struct tshm_cat_slot *s = &cat->slots[i];

		if (s->owner[0] == '\0') {
			if (!free_slot)
				free_slot = s;
		} else if (strncmp(s->owner, bundle, TSHM_BUNDLE_MAX) == 0) {
			return s;
		}
	}
	if (alloc && free_slot) {
		memset(free_slot->owner, 0, sizeof(free_slot->owner));
		strcpy(free_slot->owner, bundle);
		claim_slot(cat, free_slot);
		return free_slot;
	}
	return NULL;
}

/*
 * Lock held. A writer killed between flipping `active` and storing `serial`
 * leaves the fast-path serial behind the active copy; make it agree again.
 */
static void repair_slots(struct tshm_catalog *cat)
{
	for (uint32_t i = 0; i < TSHM_CAT_SLOTS; i++) {
		struct tshm_cat_slot *s = &cat->slots[i];
		struct tshm_cat_desc d;
		uint64_t want;

		if (s->owner[0] == '\0' && tshm_load64(&s->serial, memory_order_relaxed) == 0)
			continue;
		if (read_desc(s, &d) < 0)
			continue;
		want = d.generation ? d.serial : 0;
		if (tshm_load64(&s->serial, memory_order_relaxed) != want)
			tshm_store64(&s->serial, want, memory_order_release);
	}
}

/* First generation for a bundle taking a fresh slot: above every removed one. */
static void claim_slot(struct tshm_catalog *cat, struct tshm_cat_slot *s)
{
	if (s->next_gen < cat->hdr->gen_floor)
		s->next_gen = cat->hdr->gen_floor;
}

int tshm_catalog_reserve(struct tshm_catalog *cat, const char *bundle, uint64_t *gen)
{
	struct tshm_cat_slot *s;
	int rc = tshm_name_check(bundle, TSHM_BUNDLE_MAX);

	if (rc < 0)
		return rc;
	rc = cat_lock(cat);
	if (rc < 0)
		return rc;
	s = owner_slot(cat, bundle, 1);
	if (!s) {
		rc = -ENOSPC;
	} else {
		/* A generation is never handed out twice, published or not. */
		struct tshm_cat_desc d;
		if (read_desc(s, &d) == 0 && d.generation > s->next_gen)
			s->next_gen = d.generation;
		*gen = ++s->next_gen;
		s->reserver_pid = (uint32_t)getpid();
	}
	cat_unlock(cat);
	return rc;
}

int tshm__catalog_publish(struct tshm_catalog *cat, const struct tshm_descriptor *p,
			  char old[TSHM_SEGNAME_MAX])
{
	struct tshm_cat_desc cur, d;
	struct tshm_cat_slot *s;
	int rc = cat_lock(cat);

	if (rc < 0)
		return rc;
	old[0] = '\0';
	s = owner_slot(cat, p->bundle, 1);
	if (!s) {
		rc = -ENOSPC;
		goto out;
	}
	rc = read_desc(s, &cur);
	if (rc < 0)
		goto out;
	if (tshm_load64(&s->serial, memory_order_relaxed) != 0 && cur.generation != 0) {
		if (cur.generation >= p->generation) {
			rc = -ESTALE;
			goto out;
		}
		memcpy(old, cur.segment, TSHM_SEGNAME_MAX);
	}
	desc_from_public(p, &d);
	d.serial = cat->hdr->next_serial++;
	write_desc(s, &d);
out:
	cat_unlock(cat);
	return rc;
}

int tshm_catalog_remove(struct tshm_catalog *cat, const char *bundle)
{
	struct tshm_cat_desc cur, empty;
	struct tshm_cat_slot *s;
	int rc = tshm_name_check(bundle, TSHM_BUNDLE_MAX);

	if (rc < 0)
		return rc;
	rc = cat_lock(cat);
	if (rc < 0)
		return rc;
	s = owner_slot(cat, bundle, 0);
	if (!s || tshm_load64(&s->serial, memory_order_relaxed) == 0 || read_desc(s, &cur) < 0 ||
	    cur.generation == 0) {
		rc = -ENOENT;
		goto out;
	}
	memset(&empty, 0, sizeof(empty));
	write_desc(s, &empty); /* serial 0: not published */
	memset(s->owner, 0, sizeof(s->owner));
	/* Generations are never reused, even by a bundle of the same name
	 * created again later in another slot. */
	if (s->next_gen > cat->hdr->gen_floor)
		cat->hdr->gen_floor = s->next_gen;
out:
	cat_unlock(cat);
	if (rc == 0)
		tshm_segment_unlink(cur.segment);
	return rc;
}

static bool pid_alive(uint32_t pid)
{
	return pid != 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

int tshm__catalog_reap_reservations(struct tshm_catalog *cat,
				    bool (*has_segments)(const char *bundle, void *arg), void *arg)
{
	int rc = cat_lock(cat), n = 0;

	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i < TSHM_CAT_SLOTS; i++) {
		struct tshm_cat_slot *s = &cat->slots[i];

		/* Reserved, never published, its reserver gone, nothing left on
		 * disk: a first load that was killed. A pid reused meanwhile
		 * only keeps the slot until a later gc. */
		if (s->owner[0] == '\0' || tshm_load64(&s->serial, memory_order_relaxed) != 0 ||
		    pid_alive(s->reserver_pid) || has_segments(s->owner, arg))
			continue;
		memset(s->owner, 0, sizeof(s->owner));
		if (s->next_gen > cat->hdr->gen_floor)
			cat->hdr->gen_floor = s->next_gen;
		n++;
	}
	cat_unlock(cat);
	return n;
}

int tshm__catalog_release(struct tshm_catalog *cat, const char *bundle)
{
	struct tshm_cat_slot *s;
	int rc = cat_lock(cat);

	if (rc < 0)
		return rc;
	s = owner_slot(cat, bundle, 0);
	/* Only a slot that never published: a published bundle keeps its slot. */
	if (s && tshm_load64(&s->serial, memory_order_relaxed) == 0) {
		memset(s->owner, 0, sizeof(s->owner));
		if (s->next_gen > cat->hdr->gen_floor)
			cat->hdr->gen_floor = s->next_gen;
	}
	cat_unlock(cat);
	return 0;
}
