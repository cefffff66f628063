#include "batch/order.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/hashset.h"

#define NBUCKETS 256 /* entries are only the sources in flight: a few per worker */

typedef struct entry {
    struct entry *next;
    uint64_t newest; /* the newest job's number */
    unsigned users;  /* jobs emitted and not done, and removals in progress */
    bool busy;       /* a writer or a removal is at work on the source's outputs */
    char src[];
} entry_t;

struct order {
    pthread_mutex_t mu;
    pthread_cond_t idle; /* some entry stopped being busy */
    uint64_t next_gen;
    entry_t *buckets[NBUCKETS];
};

order_t *order_new(void)
{
    order_t *o = calloc(1, sizeof *o);
    if (o == NULL)
        return NULL;
    pthread_mutex_init(&o->mu, NULL);
    pthread_cond_init(&o->idle, NULL);
    return o;
}

void order_free(order_t *o)
{
    if (o == NULL)
        return;
    for (size_t i = 0; i < NBUCKETS; i++)
        for (entry_t *e = o->buckets[i], *next; e != NULL; e = next) {
            next = e->next;
            free(e);
        }
    pthread_cond_destroy(&o->idle);
    pthread_mutex_destroy(&o->mu);
    free(o);
}

static entry_t **slot(order_t *o, const char *src)
{
    entry_t **pp = &o->buckets[fnv1a(FNV1A_START, src, strlen(src)) % NBUCKETS];
    while (*pp != NULL && strcmp((*pp)->src, src) != 0)
        pp = &(*pp)->next;
    return pp;
}

/* src's entry, made if missing (NULL: out of memory). The caller holds mu. */
static entry_t *get(order_t *o, const char *src)
{
    entry_t **pp = slot(o, src);
    if (*pp == NULL) {
        size_t n = strlen(src) + 1;
        entry_t *e = calloc(1, sizeof *e + n);
        if (e == NULL)
            return NULL;
        memcpy(e->src, src, n);
        *pp = e;
    }
    return *pp;
}

/* One user of src's entry fewer; the entry goes with its last. The caller holds mu. */
static void put(order_t *o, const char *src)
{
    entry_t **pp = slot(o, src), *e = *pp;
    if (e != NULL && e->users > 0 && --e->users == 0) {
        *pp = e->next;
        free(e);
    }
}

bool order_begin(order_t *o, task_t *t)
{
    if (o == NULL)
        return false;
    pthread_mutex_lock(&o->mu);
    entry_t *e = get(o, t->src);
    if (e != NULL) {
        t->gen = e->newest = ++o->next_gen;
        e->users++;
    }
    pthread_mutex_unlock(&o->mu);
    return e != NULL;
}

/* Waits until nothing is being done to e's source, then marks it busy. The caller holds mu. */
static void acquire(order_t *o, entry_t *e)
{
    while (e->busy)
        pthread_cond_wait(&o->idle, &o->mu);
    e->busy = true;
}

/* Why t must not be written, from its source as it is now; NULL when it may. */
static const char *stale(const task_t *t)
{
    if (!t->opened)
        return NULL; /* a remote source: what the listing said is all there is */
    struct stat st;
    if (stat(t->src, &st) != 0)
        return errno == ENOENT ? "gone" : NULL;
    bool same = (uint64_t)st.st_dev == t->dev && (uint64_t)st.st_ino == t->ino &&
                (uint64_t)st.st_size == t->size && st.st_mtim.tv_sec == t->mtime.tv_sec &&
                st.st_mtim.tv_nsec == t->mtime.tv_nsec;
    return same ? NULL : "changed";
}

bool order_claim(order_t *o, task_t *t)
{
    if (o != NULL)
        pthread_mutex_lock(&o->mu);
    entry_t *e = o != NULL && t->gen ? *slot(o, t->src) : NULL;
    if (e != NULL)
        acquire(o, e);
    const char *why = e != NULL && e->newest != t->gen ? "superseded" : NULL;
    if (o != NULL)
        pthread_mutex_unlock(&o->mu);
    if (why == NULL && t->status == TASK_SKIPPED && t->fail.buf == NULL)
        return false; /* settled already (gone before its turn): nothing to write */
    const char *now = stale(t);
    if (why == NULL || (now != NULL && strcmp(now, "gone") == 0))
        why = now; /* a source that is gone says so, whatever superseded its job */
    if (why == NULL)
        return true;
    static const struct {
        const char *reason, *text;
    } texts[] = {
        {"superseded", "superseded by a newer version of the file, thumbnailed in its place"},
        {"gone", "deleted or moved away while it was thumbnailed; nothing written"},
        {"changed", "changed while it was thumbnailed; nothing written (the change is "
                    "thumbnailed when it is seen: an event, or the next run)"},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (strcmp(texts[i].reason, why) == 0) {
            task_fail(t, TASK_SKIPPED, "%s", texts[i].text);
            t->reason = texts[i].reason;
        }
    return false;
}

void order_gone_begin(order_t *o, const char *src)
{
    if (o == NULL)
        return;
    pthread_mutex_lock(&o->mu);
    entry_t *e = *slot(o, src);
    if (e != NULL) { /* jobs in flight: each is superseded, and a write under way finishes */
        e->newest = ++o->next_gen;
        e->users++;
        acquire(o, e);
    }
    pthread_mutex_unlock(&o->mu);
}

void order_gone_end(order_t *o, const char *src)
{
    if (o == NULL)
        return;
    pthread_mutex_lock(&o->mu);
    entry_t *e = *slot(o, src);
    if (e != NULL) {
        e->busy = false;
        pthread_cond_broadcast(&o->idle);
        put(o, src);
    }
    pthread_mutex_unlock(&o->mu);
}

void order_done(order_t *o, const task_t *t)
{
    if (t->gen != 0) /* its claim marked the source busy, as order_gone_begin does */
        order_gone_end(o, t->src);
}
