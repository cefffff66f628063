#include "chan.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Each ring cell is a sequence number followed by the item bytes. */
#define CELL_HEADER                                                                                \
    ((sizeof(atomic_size_t) + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1))
#define CACHE_LINE 64

struct chan {
    size_t item_size, cap, stride, mask; /* mask: cap - 1 when cap is a power of two, else 0 */
    unsigned char *cells;                /* cap > 0: the ring */

    alignas(CACHE_LINE) atomic_size_t head; /* next position to fill */
    alignas(CACHE_LINE) atomic_size_t tail; /* next position to take */
    alignas(CACHE_LINE) atomic_bool closed;
    atomic_int recv_waiters, send_waiters; /* threads parked (or about to park) on the conds */

    alignas(CACHE_LINE) pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full; /* ring: receivers / senders park here */
    pthread_cond_t changed;             /* rendezvous: every state change is broadcast here */
    unsigned char *slot;                /* rendezvous: the one item being handed over */
    atomic_bool slot_full;              /* written under mu; read outside it only to spin */
    uint64_t put_seq;
    atomic_uint_least64_t taken_seq;
};

static inline atomic_size_t *cell_seq(chan_t *c, size_t pos)
{
    size_t i = c->mask ? (pos & c->mask) : (pos % c->cap);
    return (atomic_size_t *)(c->cells + i * c->stride);
}

static inline void *cell_data(atomic_size_t *seq)
{
    return (unsigned char *)seq + CELL_HEADER;
}

chan_t *chan_new(size_t item_size, size_t cap)
{
    if (item_size == 0)
        return NULL;
    chan_t *c =
        aligned_alloc(CACHE_LINE, (sizeof(chan_t) + CACHE_LINE - 1) & ~(size_t)(CACHE_LINE - 1));
    if (c == NULL)
        return NULL;
    memset(c, 0, sizeof *c);
    c->item_size = item_size;
    c->cap = cap;
    c->stride = (CELL_HEADER + item_size + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
    c->mask = (cap & (cap - 1)) == 0 ? cap - 1 : 0;
    if (cap > 0) {
        c->cells = malloc(cap * c->stride);
        if (c->cells == NULL) {
            free(c);
            return NULL;
        }
        for (size_t i = 0; i < cap; i++)
            atomic_init((atomic_size_t *)(c->cells + i * c->stride), 2 * i);
    } else {
        c->slot = malloc(item_size);
        if (c->slot == NULL) {
            free(c);
            return NULL;
        }
    }
    atomic_init(&c->head, 0);
    atomic_init(&c->tail, 0);
    atomic_init(&c->closed, false);
    atomic_init(&c->recv_waiters, 0);
    atomic_init(&c->send_waiters, 0);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->not_empty, NULL);
    pthread_cond_init(&c->not_full, NULL);
    pthread_cond_init(&c->changed, NULL);
    return c;
}

void chan_free(chan_t *c)
{
    if (c == NULL)
        return;
    pthread_cond_destroy(&c->changed);
    pthread_cond_destroy(&c->not_full);
    pthread_cond_destroy(&c->not_empty);
    pthread_mutex_destroy(&c->mu);
    free(c->cells);
    free(c->slot);
    free(c);
}

size_t chan_item_size(const chan_t *c)
{
    return c->item_size;
}

size_t chan_cap(const chan_t *c)
{
    return c->cap;
}

/* ---- ring fast path (Vyukov's queue, with sequence numbers doubled so that capacity 1 works too):
 * the cell of position p is free for it when seq == 2p and holds its item when seq == 2p+1; taking
 * the item frees the cell for position p+cap (seq = 2(p+cap)). With undoubled numbers, "full at p"
 * and "free for p+1" are the same value when cap is 1. */

static bool ring_try_push(chan_t *c, const void *item)
{
    size_t pos = atomic_load_explicit(&c->head, memory_order_relaxed);
    for (;;) {
        atomic_size_t *seq = cell_seq(c, pos);
        size_t s = atomic_load_explicit(seq, memory_order_acquire);
        intptr_t dif = (intptr_t)s - (intptr_t)(2 * pos);
        if (dif == 0) {
            if (atomic_compare_exchange_weak_explicit(&c->head, &pos, pos + 1, memory_order_relaxed,
                                                      memory_order_relaxed)) {
                memcpy(cell_data(seq), item, c->item_size);
                atomic_store_explicit(seq, 2 * pos + 1, memory_order_release);
                return true;
            }
        } else if (dif < 0) {
            return false; /* full */
        } else {
            pos = atomic_load_explicit(&c->head, memory_order_relaxed);
        }
    }
}

static bool ring_try_pop(chan_t *c, void *item)
{
    size_t pos = atomic_load_explicit(&c->tail, memory_order_relaxed);
    for (;;) {
        atomic_size_t *seq = cell_seq(c, pos);
        size_t s = atomic_load_explicit(seq, memory_order_acquire);
        intptr_t dif = (intptr_t)s - (intptr_t)(2 * pos + 1);
        if (dif == 0) {
            if (atomic_compare_exchange_weak_explicit(&c->tail, &pos, pos + 1, memory_order_relaxed,
                                                      memory_order_relaxed)) {
                memcpy(item, cell_data(seq), c->item_size);
                atomic_store_explicit(seq, 2 * (pos + c->cap), memory_order_release);
                return true;
            }
        } else if (dif < 0) {
            return false; /* empty */
        } else {
            pos = atomic_load_explicit(&c->tail, memory_order_relaxed);
        }
    }
}

/* After a push or pop, wake one parked thread of the other side if any is counted. The fence pairs
 * with the one a parking thread issues after counting itself (Dekker): either it sees our cell
 * update on its re-check, or we see its count. */
static inline void wake_one(chan_t *c, atomic_int *waiters, pthread_cond_t *cv)
{
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(waiters, memory_order_relaxed) > 0) {
        pthread_mutex_lock(&c->mu);
        pthread_cond_signal(cv);
        pthread_mutex_unlock(&c->mu);
    }
}

/* The shared slow path of ring send and receive: park until `try` succeeds, the channel closes or
 * the done fires. */
static chan_status_t ring_park(chan_t *c, bool sending, void *item, done_t *done)
{
    atomic_int *waiters = sending ? &c->send_waiters : &c->recv_waiters;
    pthread_cond_t *cv = sending ? &c->not_full : &c->not_empty;
    done_waiter_t w = {.mu = &c->mu, .cv = cv};
    chan_status_t st;

    done_register(done, &w);
    pthread_mutex_lock(&c->mu);
    for (;;) {
        atomic_fetch_add(waiters, 1);
        atomic_thread_fence(memory_order_seq_cst);
        /* Read closed before retrying: every send that completed before the close is then visible
         * to the retry, so "closed and empty" really is drained. */
        bool closed = atomic_load(&c->closed);
        if (sending && closed) {
            st = CHAN_CLOSED;
            break;
        }
        if (sending ? ring_try_push(c, item) : ring_try_pop(c, item)) {
            st = CHAN_OK;
            break;
        }
        if (closed) {
            st = CHAN_CLOSED;
            break;
        }
        if (done_fired(done)) {
            st = CHAN_CANCELLED;
            break;
        }
        pthread_cond_wait(cv, &c->mu);
        atomic_fetch_sub(waiters, 1);
    }
    atomic_fetch_sub(waiters, 1);
    pthread_mutex_unlock(&c->mu);
    done_unregister(done, &w);
    return st;
}

/* Before parking, a thread retries the fast path a bounded number of times with a CPU pause in
 * between (about a microsecond or two in all), as an adaptive mutex does: waking a parked thread
 * costs a system call on one side and a scheduler round trip on the other (tens of microseconds on
 * a virtual machine whose idle vCPU is halted), while the other side typically frees a cell within
 * nanoseconds. The spin is bounded and never repeated before parking: it is not a polling loop. */
#define SPIN_TRIES 200

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static bool ring_spin(chan_t *c, bool sending, void *item, done_t *done)
{
    for (int i = 0; i < SPIN_TRIES; i++) {
        cpu_relax();
        if (sending ? ring_try_push(c, item) : ring_try_pop(c, item))
            return true;
        if (atomic_load_explicit(&c->closed, memory_order_relaxed) || done_fired(done))
            return false;
    }
    return false;
}

/* ---- rendezvous (capacity 0), all under the mutex */

/* Rendezvous spin: waits (boundedly, without the lock) for *flag to reach `want`, so that a
 * hand-off between two running threads needs no sleep. Returns whether it did. */
static bool rv_spin_bool(atomic_bool *flag, bool want, chan_t *c, done_t *done)
{
    for (int i = 0; i < SPIN_TRIES; i++) {
        if (atomic_load_explicit(flag, memory_order_acquire) == want)
            return true;
        if (atomic_load_explicit(&c->closed, memory_order_relaxed) || done_fired(done))
            return false;
        cpu_relax();
    }
    return false;
}

static chan_status_t rv_send(chan_t *c, const void *item, done_t *done)
{
    done_waiter_t w = {.mu = &c->mu, .cv = &c->changed};
    chan_status_t st = CHAN_OK;

    rv_spin_bool(&c->slot_full, false, c, done);
    done_register(done, &w);
    pthread_mutex_lock(&c->mu);
    while (c->slot_full && !atomic_load(&c->closed) && !done_fired(done))
        pthread_cond_wait(&c->changed, &c->mu);
    if (atomic_load(&c->closed)) {
        st = CHAN_CLOSED;
    } else if (c->slot_full) {
        st = CHAN_CANCELLED;
    } else {
        memcpy(c->slot, item, c->item_size);
        c->slot_full = true;
        uint64_t mine = ++c->put_seq;
        pthread_cond_broadcast(&c->changed);
        pthread_mutex_unlock(&c->mu);
        for (int i = 0; i < SPIN_TRIES && atomic_load(&c->taken_seq) < mine && !done_fired(done);
             i++)
            cpu_relax();
        pthread_mutex_lock(&c->mu);
        while (c->taken_seq < mine && !done_fired(done))
            pthread_cond_wait(&c->changed, &c->mu);
        if (c->taken_seq < mine) {
            /* Not taken yet, so the slot still holds our item: withdraw it. */
            c->slot_full = false;
            c->put_seq--;
            pthread_cond_broadcast(&c->changed);
            st = CHAN_CANCELLED;
        }
    }
    pthread_mutex_unlock(&c->mu);
    done_unregister(done, &w);
    return st;
}

static chan_status_t rv_recv(chan_t *c, void *item, done_t *done)
{
    done_waiter_t w = {.mu = &c->mu, .cv = &c->changed};
    chan_status_t st;

    rv_spin_bool(&c->slot_full, true, c, done);
    done_register(done, &w);
    pthread_mutex_lock(&c->mu);
    while (!c->slot_full && !atomic_load(&c->closed) && !done_fired(done))
        pthread_cond_wait(&c->changed, &c->mu);
    if (c->slot_full) {
        memcpy(item, c->slot, c->item_size);
        c->slot_full = false;
        c->taken_seq++;
        pthread_cond_broadcast(&c->changed);
        st = CHAN_OK;
    } else {
        st = atomic_load(&c->closed) ? CHAN_CLOSED : CHAN_CANCELLED;
    }
    pthread_mutex_unlock(&c->mu);
    done_unregister(done, &w);
    return st;
}

/* ---- public operations */

chan_status_t chan_send(chan_t *c, const void *item, done_t *done)
{
    if (c->cap == 0)
        return rv_send(c, item, done);
    if (atomic_load_explicit(&c->closed, memory_order_relaxed))
        return CHAN_CLOSED;
    if (ring_try_push(c, item)) {
        wake_one(c, &c->recv_waiters, &c->not_empty);
        return CHAN_OK;
    }
    chan_status_t st =
        ring_spin(c, true, (void *)item, done) ? CHAN_OK : ring_park(c, true, (void *)item, done);
    if (st == CHAN_OK)
        wake_one(c, &c->recv_waiters, &c->not_empty);
    return st;
}

chan_status_t chan_recv(chan_t *c, void *item, done_t *done)
{
    if (c->cap == 0)
        return rv_recv(c, item, done);
    if (ring_try_pop(c, item)) {
        wake_one(c, &c->send_waiters, &c->not_full);
        return CHAN_OK;
    }
    chan_status_t st = ring_spin(c, false, item, done) ? CHAN_OK : ring_park(c, false, item, done);
    if (st == CHAN_OK)
        wake_one(c, &c->send_waiters, &c->not_full);
    return st;
}

int chan_close(chan_t *c)
{
    pthread_mutex_lock(&c->mu);
    bool was = atomic_exchange(&c->closed, true);
    pthread_cond_broadcast(&c->not_empty);
    pthread_cond_broadcast(&c->not_full);
    pthread_cond_broadcast(&c->changed);
    pthread_mutex_unlock(&c->mu);
    return was ? -1 : 0;
}

size_t chan_drain(chan_t *c, void (*fn)(void *item, void *ctx), void *ctx)
{
    unsigned char buf[256];
    void *item = c->item_size <= sizeof buf ? buf : malloc(c->item_size);
    size_t n = 0;
    if (item == NULL)
        return 0;
    for (;;) {
        bool got;
        if (c->cap > 0) {
            got = ring_try_pop(c, item);
            if (got)
                wake_one(c, &c->send_waiters, &c->not_full);
        } else {
            pthread_mutex_lock(&c->mu);
            got = c->slot_full;
            if (got) {
                memcpy(item, c->slot, c->item_size);
                c->slot_full = false;
                c->taken_seq++;
                pthread_cond_broadcast(&c->changed);
            }
            pthread_mutex_unlock(&c->mu);
        }
        if (!got)
            break;
        if (fn != NULL)
            fn(item, ctx);
        n++;
    }
    if (item != buf)
        free(item);
    return n;
}
