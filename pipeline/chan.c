#include "chan.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ROUND_UP(n, a) (((n) + (a)-1) & ~(size_t)((a)-1)) /* a: a power of two */
/* Each ring cell is a sequence number followed by the item bytes. */
#define CELL_HEADER ROUND_UP(sizeof(atomic_size_t), alignof(max_align_t))
#define CACHE_LINE 64

struct chan {
    size_t item_size, cap;       /* cap: as asked; 0 is a rendezvous */
    size_t ncells, stride, mask; /* ring cells (1 for a rendezvous); mask: ncells - 1 or 0 */
    unsigned char *cells;

    alignas(CACHE_LINE) atomic_size_t head; /* next position to fill */
    alignas(CACHE_LINE) atomic_size_t tail; /* next position to take */
    alignas(CACHE_LINE) atomic_bool closed;
    atomic_int recv_waiters, send_waiters; /* threads parked (or about to park) on the conds */
    atomic_int ack_waiters;                /* rendezvous senders parked until their item is taken */

    alignas(CACHE_LINE) pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full; /* receivers / senders park here */
    pthread_cond_t taken;               /* rendezvous senders wait here for a receiver */
};

/* Copies one item; pointer-sized items (what pipelines send) with one inlined move. */
static inline void copy_item(const chan_t *c, void *dst, const void *src)
{
    if (c->item_size == sizeof(void *))
        memcpy(dst, src, sizeof(void *));
    else
        memcpy(dst, src, c->item_size);
}

static inline atomic_size_t *cell_seq(chan_t *c, size_t pos)
{
    size_t i = c->mask ? (pos & c->mask) : (pos % c->ncells);
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
    chan_t *c = aligned_alloc(CACHE_LINE, ROUND_UP(sizeof(chan_t), CACHE_LINE));
    if (c == NULL)
        return NULL;
    memset(c, 0, sizeof *c);
    c->item_size = item_size;
    c->cap = cap;
    c->stride = ROUND_UP(CELL_HEADER + item_size, alignof(max_align_t));
    c->ncells = cap > 0 ? cap : 1;
    c->mask = (c->ncells & (c->ncells - 1)) == 0 ? c->ncells - 1 : 0;
    /* Cache-line aligned and padded, so no other allocation shares the cells' lines. */
    c->cells = aligned_alloc(CACHE_LINE, ROUND_UP(c->ncells * c->stride, CACHE_LINE));
    if (c->cells == NULL) {
        free(c);
        return NULL;
    }
    for (size_t i = 0; i < c->ncells; i++)
        atomic_init((atomic_size_t *)(c->cells + i * c->stride), 2 * i);
    atomic_init(&c->head, 0);
    atomic_init(&c->tail, 0);
    atomic_init(&c->closed, false);
    atomic_init(&c->recv_waiters, 0);
    atomic_init(&c->send_waiters, 0);
    atomic_init(&c->ack_waiters, 0);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->not_empty, NULL);
    pthread_cond_init(&c->not_full, NULL);
    pthread_cond_init(&c->taken, NULL);
    return c;
}

void chan_free(chan_t *c)
{
    if (c == NULL)
        return;
    pthread_cond_destroy(&c->taken);
    pthread_cond_destroy(&c->not_full);
    pthread_cond_destroy(&c->not_empty);
    pthread_mutex_destroy(&c->mu);
    free(c->cells);
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

static bool ring_try_push(chan_t *c, const void *item, size_t *at)
{
    size_t pos = atomic_load_explicit(&c->head, memory_order_relaxed);
    for (;;) {
        atomic_size_t *seq = cell_seq(c, pos);
        size_t s = atomic_load_explicit(seq, memory_order_acquire);
        intptr_t dif = (intptr_t)s - (intptr_t)(2 * pos);
        if (dif == 0) {
            if (atomic_compare_exchange_weak_explicit(&c->head, &pos, pos + 1, memory_order_relaxed,
                                                      memory_order_relaxed)) {
                copy_item(c, cell_data(seq), item);
                atomic_store_explicit(seq, 2 * pos + 1, memory_order_release);
                *at = pos;
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
                copy_item(c, item, cell_data(seq));
                atomic_store_explicit(seq, 2 * (pos + c->ncells), memory_order_release);
                return true;
            }
        } else if (dif < 0) {
            return false; /* empty */
        } else {
            pos = atomic_load_explicit(&c->tail, memory_order_relaxed);
        }
    }
}

/* One attempt at the operation without blocking; a push reports its position in *at. */
static inline bool try_op(chan_t *c, bool sending, void *item, size_t *at)
{
    return sending ? ring_try_push(c, item, at) : ring_try_pop(c, item);
}

/* After a push or pop, wake one parked thread of the other side if any is counted; after a pop from
 * a rendezvous, also every sender waiting for its item to be taken. The fence pairs with the one a
 * parking thread issues after counting itself (Dekker): either it sees our cell update on its
 * re-check, or we see its count. */
static inline void wake_other_side(chan_t *c, bool sent)
{
    atomic_thread_fence(memory_order_seq_cst);
    atomic_int *waiters = sent ? &c->recv_waiters : &c->send_waiters;
    if (atomic_load_explicit(waiters, memory_order_relaxed) > 0) {
        pthread_mutex_lock(&c->mu);
        pthread_cond_signal(sent ? &c->not_empty : &c->not_full);
        pthread_mutex_unlock(&c->mu);
    }
    if (!sent && c->cap == 0 && atomic_load_explicit(&c->ack_waiters, memory_order_relaxed) > 0) {
        pthread_mutex_lock(&c->mu);
        pthread_cond_broadcast(&c->taken);
        pthread_mutex_unlock(&c->mu);
    }
}

/* The shared slow path of send and receive: park until the operation succeeds, the channel closes
 * or the done fires. */
static chan_status_t ring_park(chan_t *c, bool sending, void *item, size_t *at, done_t *done)
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
        if (try_op(c, sending, item, at)) {
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

/* Before parking, a thread retries a bounded number of times with a CPU pause in between (a few
 * microseconds in all), as an adaptive mutex does: waking a parked thread costs a system call on
 * one side and a scheduler round trip on the other (tens of microseconds on a virtual machine whose
 * idle vCPU is halted), while a running peer typically answers within a fraction of a microsecond.
 * The spin is bounded and never repeated before parking: it is not a polling loop. */
#define SPIN_TRIES 1000

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static bool ring_spin(chan_t *c, bool sending, void *item, size_t *at, done_t *done)
{
    for (int i = 0; i < SPIN_TRIES; i++) {
        if (try_op(c, sending, item, at))
            return true;
        if (atomic_load_explicit(&c->closed, memory_order_relaxed) || done_fired(done))
            return false;
        cpu_relax();
    }
    return false;
}

/* Send or receive through the ring: at once, after a spin, or after parking. */
static chan_status_t ring_op(chan_t *c, bool sending, void *item, size_t *at, done_t *done)
{
    chan_status_t st = CHAN_OK;
    if (!try_op(c, sending, item, at) && !ring_spin(c, sending, item, at, done))
        st = ring_park(c, sending, item, at, done);
    if (st == CHAN_OK)
        wake_other_side(c, sending);
    return st;
}

/* ---- rendezvous (capacity 0): a ring of one cell, and a sender that, having put its item in the
 * cell at position pos, waits until a receiver has taken it (the cell's sequence number moves past
 * 2pos+1). A cancelled sender withdraws its item by taking it itself, with the same
 * compare-and-swap on tail a receiver uses, so exactly one of them gets it. */

static inline bool rv_taken(chan_t *c, size_t pos)
{
    return atomic_load_explicit(cell_seq(c, pos), memory_order_acquire) != 2 * pos + 1;
}

static bool rv_withdraw(chan_t *c, size_t pos)
{
    size_t expect = pos;
    if (!atomic_compare_exchange_strong(&c->tail, &expect, pos + 1))
        return false; /* a receiver took it first */
    atomic_store_explicit(cell_seq(c, pos), 2 * (pos + c->ncells), memory_order_release);
    wake_other_side(c, false); /* the cell is free for the next sender */
    return true;
}

static chan_status_t rv_send(chan_t *c, const void *item, done_t *done)
{
    size_t pos;
    chan_status_t st = ring_op(c, true, (void *)item, &pos, done);
    if (st != CHAN_OK)
        return st;
    for (int i = 0; i < SPIN_TRIES && !done_fired(done); i++) {
        if (rv_taken(c, pos))
            return CHAN_OK;
        cpu_relax();
    }
    done_waiter_t w = {.mu = &c->mu, .cv = &c->taken};
    done_register(done, &w);
    pthread_mutex_lock(&c->mu);
    atomic_fetch_add(&c->ack_waiters, 1);
    atomic_thread_fence(memory_order_seq_cst);
    while (!rv_taken(c, pos) && !done_fired(done))
        pthread_cond_wait(&c->taken, &c->mu);
    atomic_fetch_sub(&c->ack_waiters, 1);
    pthread_mutex_unlock(&c->mu);
    done_unregister(done, &w);
    return !rv_taken(c, pos) && rv_withdraw(c, pos) ? CHAN_CANCELLED : CHAN_OK;
}

/* ---- public operations */

chan_status_t chan_send(chan_t *c, const void *item, done_t *done)
{
    if (atomic_load_explicit(&c->closed, memory_order_relaxed))
        return CHAN_CLOSED;
    if (c->cap == 0)
        return rv_send(c, item, done);
    size_t pos;
    return ring_op(c, true, (void *)item, &pos, done);
}

chan_status_t chan_recv(chan_t *c, void *item, done_t *done)
{
    return ring_op(c, false, item, NULL, done);
}

int chan_close(chan_t *c)
{
    pthread_mutex_lock(&c->mu);
    bool was = atomic_exchange(&c->closed, true);
    pthread_cond_broadcast(&c->not_empty);
    pthread_cond_broadcast(&c->not_full);
    pthread_cond_broadcast(&c->taken);
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
    while (ring_try_pop(c, item)) {
        wake_other_side(c, false);
        if (fn != NULL)
            fn(item, ctx);
        n++;
    }
    if (item != buf)
        free(item);
    return n;
}
