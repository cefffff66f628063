/* chan: a bounded, multi-producer multi-consumer FIFO of fixed-size items, with Go's semantics.
 *
 * Items are copied in and out (memcpy of item_size bytes); nothing is allocated per item. When the
 * items are pointers, sending transfers ownership of what they point to.
 *
 * Capacity > 0: a lock-free ring (Vyukov's bounded MPMC queue) is the fast path; a thread that must
 * block parks on a condition variable, and the other side wakes it only when a waiter is counted,
 * so an uncontended send or receive makes no system call.
 * Capacity 0: a rendezvous; a send returns only once a receiver has taken its item. It is the same
 * ring with one cell, whose sender then waits (spinning briefly, then parked) for the cell to be
 * emptied; a cancelled sender takes its item back with the receivers' own compare-and-swap.
 *
 * Close is done once, by the channel's one owner, after its last send has returned (as in Go, a
 * close racing with a send is a bug in the caller). Receivers get what is buffered, then
 * CHAN_CLOSED. A send on a closed channel returns CHAN_CLOSED; closing twice returns -1.
 *
 * Every send and receive takes a done (NULL for none). An operation that can complete at once
 * completes; one that would block returns CHAN_CANCELLED as soon as the done fires.
 *
 * Error convention: chan_new returns NULL on ENOMEM; send and receive return a chan_status_t;
 * chan_close returns 0, or -1 when the channel was already closed. Nothing here prints. */
#ifndef PIPELINE_CHAN_H
#define PIPELINE_CHAN_H

#include <stddef.h>

#include "done.h"

typedef enum {
    CHAN_OK = 0,
    CHAN_CLOSED,    /* receive: closed and drained; send: the channel was closed (an error) */
    CHAN_CANCELLED, /* the done fired while the operation would have blocked */
} chan_status_t;

typedef struct chan chan_t;

/* Creates a channel of `cap` items of `item_size` bytes (item_size > 0). Returns NULL on ENOMEM.
 * The creator owns it: it closes it and, once no thread uses it, frees it. */
chan_t *chan_new(size_t item_size, size_t cap);

/* Frees a channel no thread is using any more. Buffered items are discarded without looking at
 * them: drain pointer items first (see chan_drain). */
void chan_free(chan_t *c);

/* Copies *item into the channel, blocking while it is full (or, at capacity 0, until a receiver
 * has taken it). */
chan_status_t chan_send(chan_t *c, const void *item, done_t *done);

/* Copies the oldest item into *item, blocking while the channel is empty and open. */
chan_status_t chan_recv(chan_t *c, void *item, done_t *done);

/* Marks the channel closed and wakes every blocked thread. Returns 0, or -1 if already closed. */
int chan_close(chan_t *c);

/* Receives every item still buffered, without blocking, passing each to fn (if not NULL); used by
 * an owner that tears down a cancelled pipeline holding pointer items. Returns how many. */
size_t chan_drain(chan_t *c, void (*fn)(void *item, void *ctx), void *ctx);

/* The item size and capacity the channel was made with. */
size_t chan_item_size(const chan_t *c);
size_t chan_cap(const chan_t *c);

#endif
