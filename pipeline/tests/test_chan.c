#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pipeline/chan.h"

/* Waits (yielding) until some thread is blocked on d, i.e. has registered a waiter, so a test can
 * prove that firing d wakes a thread that really is asleep. */
static void wait_for_waiter(done_t *d)
{
    for (;;) {
        pthread_mutex_lock(&d->mu);
        int any = d->waiters != NULL;
        pthread_mutex_unlock(&d->mu);
        if (any)
            return;
        sched_yield();
    }
}

static void drain_then_closed(void **state)
{
    (void)state;
    chan_t *c = chan_new(sizeof(int), 4);
    for (int i = 1; i <= 3; i++)
        assert_int_equal(chan_send(c, &i, NULL), CHAN_OK);
    assert_int_equal(chan_close(c), 0);
    int v;
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(chan_recv(c, &v, NULL), CHAN_OK);
        assert_int_equal(v, i);
    }
    assert_int_equal(chan_recv(c, &v, NULL), CHAN_CLOSED);
    assert_int_equal(chan_recv(c, &v, NULL), CHAN_CLOSED);
    chan_free(c);
}

static void send_on_closed_and_close_twice(void **state)
{
    (void)state;
    size_t caps[] = {0, 1, 5};
    for (size_t k = 0; k < 3; k++) {
        chan_t *c = chan_new(sizeof(int), caps[k]);
        int v = 7;
        assert_int_equal(chan_close(c), 0);
        assert_int_equal(chan_send(c, &v, NULL), CHAN_CLOSED);
        assert_int_equal(chan_close(c), -1);
        assert_int_equal(chan_recv(c, &v, NULL), CHAN_CLOSED);
        chan_free(c);
    }
}

static void fifo_non_power_of_two_and_wraparound(void **state)
{
    (void)state;
    chan_t *c = chan_new(sizeof(int), 3);
    int next_in = 0, next_out = 0, v;
    for (int round = 0; round < 100; round++) {
        for (int k = 0; k < 1 + round % 3; k++, next_in++)
            assert_int_equal(chan_send(c, &next_in, NULL), CHAN_OK);
        while (next_out < next_in) {
            assert_int_equal(chan_recv(c, &v, NULL), CHAN_OK);
            assert_int_equal(v, next_out++);
        }
    }
    chan_free(c);
}

struct big {
    char bytes[300];
};

static void large_items_copied_whole(void **state)
{
    (void)state;
    chan_t *c = chan_new(sizeof(struct big), 2);
    struct big a, b;
    for (int i = 0; i < 300; i++)
        a.bytes[i] = (char)(i * 7);
    assert_int_equal(chan_send(c, &a, NULL), CHAN_OK);
    memset(&a, 0, sizeof a);
    assert_int_equal(chan_recv(c, &b, NULL), CHAN_OK);
    for (int i = 0; i < 300; i++)
        assert_int_equal(b.bytes[i], (char)(i * 7));
    chan_free(c);
}

struct op {
    chan_t *c;
    done_t *done;
    int value;
    chan_status_t st;
};

static void *send_thread(void *arg)
{
    struct op *o = arg;
    o->st = chan_send(o->c, &o->value, o->done);
    return NULL;
}

static void *recv_thread(void *arg)
{
    struct op *o = arg;
    o->st = chan_recv(o->c, &o->value, o->done);
    return NULL;
}

/* Runs fn (send_thread with value, or recv_thread) on c in a thread of its own, waits until it
 * blocks, then ends the wait: closing c when close_it, else firing the done (twice: harmless).
 * Returns what the operation returned. */
static chan_status_t blocked(chan_t *c, void *(*fn)(void *), int value, bool close_it)
{
    done_t d;
    done_init(&d);
    struct op o = {.c = c, .done = &d, .value = value};
    pthread_t t;
    pthread_create(&t, NULL, fn, &o);
    wait_for_waiter(&d);
    if (close_it)
        chan_close(c);
    else
        done_fire(&d), done_fire(&d);
    pthread_join(t, NULL);
    done_destroy(&d);
    return o.st;
}

static void rendezvous_hands_over(void **state)
{
    (void)state;
    chan_t *c = chan_new(sizeof(int), 0);
    struct op o = {.c = c, .value = 42};
    pthread_t t;
    pthread_create(&t, NULL, send_thread, &o);
    int v = 0;
    assert_int_equal(chan_recv(c, &v, NULL), CHAN_OK);
    pthread_join(t, NULL);
    assert_int_equal(o.st, CHAN_OK);
    assert_int_equal(v, 42);
    chan_free(c);
}

/* A capacity-0 send with no receiver stays blocked (nothing is buffered): cancelling it returns
 * CHAN_CANCELLED and leaves nothing behind for a later receiver. */
static void rendezvous_send_blocks_until_cancelled(void **state)
{
    (void)state;
    chan_t *c = chan_new(sizeof(int), 0);
    assert_int_equal(blocked(c, send_thread, 1, false), CHAN_CANCELLED);
    assert_int_equal(chan_drain(c, NULL, NULL), 0);
    chan_free(c);
}

static void cancel_blocked_receiver(void **state)
{
    (void)state;
    size_t caps[] = {0, 4};
    for (size_t k = 0; k < 2; k++) {
        chan_t *c = chan_new(sizeof(int), caps[k]);
        assert_int_equal(blocked(c, recv_thread, 0, false), CHAN_CANCELLED);
        chan_free(c);
    }
}

static void cancel_blocked_sender(void **state)
{
    (void)state;
    chan_t *c = chan_new(sizeof(int), 2);
    int v = 0;
    chan_send(c, &v, NULL);
    chan_send(c, &v, NULL);
    assert_int_equal(blocked(c, send_thread, 9, false), CHAN_CANCELLED);
    assert_int_equal(chan_drain(c, NULL, NULL), 2);
    chan_free(c);
}

/* An operation that can complete at once completes even after the done fired; one that would block
 * reports the cancellation. */
static void ready_operations_win_over_cancellation(void **state)
{
    (void)state;
    chan_t *c = chan_new(sizeof(int), 1);
    done_t d;
    done_init(&d);
    done_fire(&d);
    int v = 5;
    assert_int_equal(chan_send(c, &v, &d), CHAN_OK);
    assert_int_equal(chan_send(c, &v, &d), CHAN_CANCELLED);
    assert_int_equal(chan_recv(c, &v, &d), CHAN_OK);
    assert_int_equal(chan_recv(c, &v, &d), CHAN_CANCELLED);
    chan_close(c);
    assert_int_equal(chan_recv(c, &v, &d), CHAN_CLOSED);
    done_destroy(&d);
    chan_free(c);
}

static void close_wakes_blocked_receiver(void **state)
{
    (void)state;
    chan_t *c = chan_new(sizeof(int), 8); /* the done, never fired, shows the receiver asleep */
    assert_int_equal(blocked(c, recv_thread, 0, true), CHAN_CLOSED);
    chan_free(c);
}

#define PRODUCERS 4
#define PER_PRODUCER 50000

struct mpmc {
    chan_t *c;
    int id;
    unsigned char *seen;
    long count;
};

static void *mpmc_producer(void *arg)
{
    struct mpmc *m = arg;
    for (int i = 0; i < PER_PRODUCER; i++) {
        int v = m->id * PER_PRODUCER + i;
        chan_send(m->c, &v, NULL);
    }
    return NULL;
}

static void *mpmc_consumer(void *arg)
{
    struct mpmc *m = arg;
    int v;
    while (chan_recv(m->c, &v, NULL) == CHAN_OK) {
        __atomic_add_fetch(&m->seen[v], 1, __ATOMIC_RELAXED);
        m->count++;
    }
    return NULL;
}

/* 4 producers and 4 consumers on one channel: every item is received exactly once, at every
 * capacity including the rendezvous. */
static void mpmc_every_item_exactly_once(void **state)
{
    (void)state;
    size_t caps[] = {0, 1, 7, 64};
    for (size_t k = 0; k < 4; k++) {
        chan_t *c = chan_new(sizeof(int), caps[k]);
        unsigned char *seen = calloc(PRODUCERS * PER_PRODUCER, 1);
        struct mpmc p[PRODUCERS], q[PRODUCERS];
        pthread_t pt[PRODUCERS], qt[PRODUCERS];
        for (int i = 0; i < PRODUCERS; i++) {
            p[i] = (struct mpmc){.c = c, .id = i, .seen = seen};
            q[i] = p[i];
            pthread_create(&pt[i], NULL, mpmc_producer, &p[i]);
            pthread_create(&qt[i], NULL, mpmc_consumer, &q[i]);
        }
        for (int i = 0; i < PRODUCERS; i++)
            pthread_join(pt[i], NULL);
        chan_close(c);
        long total = 0;
        for (int i = 0; i < PRODUCERS; i++) {
            pthread_join(qt[i], NULL);
            total += q[i].count;
        }
        assert_int_equal(total, PRODUCERS * PER_PRODUCER);
        for (int i = 0; i < PRODUCERS * PER_PRODUCER; i++)
            assert_int_equal(seen[i], 1);
        free(seen);
        chan_free(c);
    }
}

struct racer {
    chan_t *c;
    done_t *done;
    int id;
    unsigned char *sent_ok; /* per item: its send returned CHAN_OK */
};

static void *racing_sender(void *arg)
{
    struct racer *r = arg;
    for (int i = 0; i < PER_PRODUCER; i++) {
        int v = r->id * PER_PRODUCER + i;
        chan_status_t st = chan_send(r->c, &v, r->done);
        if (st != CHAN_OK)
            break;
        r->sent_ok[v] = 1;
    }
    return NULL;
}

/* Rendezvous senders cancelled while a receiver is taking items: an item reaches the receiver
 * exactly when its send returned CHAN_OK (a withdrawn item is never also received, a received one
 * never reported cancelled), and nothing is left in the channel. */
static void rendezvous_cancel_races_receiver(void **state)
{
    (void)state;
    for (int round = 0; round < 20; round++) {
        chan_t *c = chan_new(sizeof(int), 0);
        done_t d;
        done_init(&d);
        unsigned char *sent_ok = calloc(PRODUCERS * PER_PRODUCER, 1);
        unsigned char *got = calloc(PRODUCERS * PER_PRODUCER, 1);
        struct racer r[PRODUCERS];
        pthread_t t[PRODUCERS];
        for (int i = 0; i < PRODUCERS; i++) {
            r[i] = (struct racer){.c = c, .done = &d, .id = i, .sent_ok = sent_ok};
            pthread_create(&t[i], NULL, racing_sender, &r[i]);
        }
        int v, n = 0, stop_after = 100 + round * 37;
        while (chan_recv(c, &v, &d) == CHAN_OK) {
            got[v]++;
            if (++n == stop_after)
                done_fire(&d);
        }
        for (int i = 0; i < PRODUCERS; i++)
            pthread_join(t[i], NULL);
        assert_int_equal(chan_drain(c, NULL, NULL), 0);
        for (int i = 0; i < PRODUCERS * PER_PRODUCER; i++)
            assert_int_equal(got[i], sent_ok[i]);
        free(sent_ok);
        free(got);
        done_destroy(&d);
        chan_free(c);
    }
}

static void bad_arguments(void **state)
{
    (void)state;
    assert_null(chan_new(0, 4));
    chan_t *c = chan_new(8, 3);
    assert_int_equal(chan_item_size(c), 8);
    assert_int_equal(chan_cap(c), 3);
    chan_free(c);
    chan_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(drain_then_closed),
        cmocka_unit_test(send_on_closed_and_close_twice),
        cmocka_unit_test(fifo_non_power_of_two_and_wraparound),
        cmocka_unit_test(large_items_copied_whole),
        cmocka_unit_test(rendezvous_hands_over),
        cmocka_unit_test(rendezvous_send_blocks_until_cancelled),
        cmocka_unit_test(cancel_blocked_receiver),
        cmocka_unit_test(cancel_blocked_sender),
        cmocka_unit_test(ready_operations_win_over_cancellation),
        cmocka_unit_test(close_wakes_blocked_receiver),
        cmocka_unit_test(mpmc_every_item_exactly_once),
        cmocka_unit_test(rendezvous_cancel_races_receiver),
        cmocka_unit_test(bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
