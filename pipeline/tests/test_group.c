#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "pipeline/chan.h"
#include "pipeline/group.h"

static atomic_int ran, running, max_running, saw_cancel;

static void reset(void)
{
    atomic_store(&ran, 0);
    atomic_store(&running, 0);
    atomic_store(&max_running, 0);
    atomic_store(&saw_cancel, 0);
}

static int ok_task(void *arg, done_t *done)
{
    (void)arg;
    (void)done;
    atomic_fetch_add(&ran, 1);
    return 0;
}

static void all_succeed(void **state)
{
    (void)state;
    reset();
    group_t *g = group_new(0);
    for (int i = 0; i < 20; i++)
        assert_int_equal(group_go(g, ok_task, NULL), 0);
    assert_int_equal(group_wait(g), 0);
    assert_int_equal(atomic_load(&ran), 20);
    group_free(g);
}

/* Blocks on a channel nobody sends to, until the group is cancelled. */
static int blocking_task(void *arg, done_t *done)
{
    chan_t *never = arg;
    int v;
    atomic_fetch_add(&ran, 1);
    if (chan_recv(never, &v, done) == CHAN_CANCELLED)
        atomic_fetch_add(&saw_cancel, 1);
    return 0;
}

static int failing_task(void *arg, done_t *done)
{
    (void)done;
    return (int)(intptr_t)arg;
}

static void first_error_cancels_the_rest(void **state)
{
    (void)state;
    reset();
    chan_t *never = chan_new(sizeof(int), 0);
    group_t *g = group_new(0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(group_go(g, blocking_task, never), 0);
    assert_int_equal(group_go(g, failing_task, (void *)(intptr_t)42), 0);
    assert_int_equal(group_wait(g), 42);
    assert_int_equal(atomic_load(&ran), 5);
    assert_int_equal(atomic_load(&saw_cancel), 5);
    /* Cancelled groups start nothing more. */
    assert_int_equal(group_go(g, ok_task, NULL), -1);
    group_free(g);
    chan_free(never);
}

struct gate {
    chan_t *tokens;
};

static int limited_task(void *arg, done_t *done)
{
    struct gate *gt = arg;
    int now = atomic_fetch_add(&running, 1) + 1;
    int m = atomic_load(&max_running);
    while (now > m && !atomic_compare_exchange_weak(&max_running, &m, now))
        ;
    int v;
    chan_recv(gt->tokens, &v, done); /* hold the slot until a token arrives */
    atomic_fetch_sub(&running, 1);
    atomic_fetch_add(&ran, 1);
    return 0;
}

static void *token_feeder(void *arg)
{
    struct gate *gt = arg;
    for (int i = 0; i < 12; i++)
        chan_send(gt->tokens, &i, NULL);
    return NULL;
}

static void limit_bounds_concurrency(void **state)
{
    (void)state;
    reset();
    struct gate gt = {.tokens = chan_new(sizeof(int), 0)};
    pthread_t feeder;
    pthread_create(&feeder, NULL, token_feeder, &gt);
    group_t *g = group_new(3);
    for (int i = 0; i < 12; i++)
        assert_int_equal(group_go(g, limited_task, &gt), 0);
    assert_int_equal(group_wait(g), 0);
    pthread_join(feeder, NULL);
    assert_int_equal(atomic_load(&ran), 12);
    assert_true(atomic_load(&max_running) <= 3);
    assert_true(atomic_load(&max_running) >= 1);
    group_free(g);
    chan_free(gt.tokens);
}

/* A go() waiting for a free slot returns -1 when a running task fails meanwhile. */
static void waiting_go_sees_cancellation(void **state)
{
    (void)state;
    reset();
    chan_t *never = chan_new(sizeof(int), 0);
    group_t *g = group_new(2);
    assert_int_equal(group_go(g, blocking_task, never), 0);
    assert_int_equal(group_go(g, failing_task, (void *)(intptr_t)7), 0);
    /* Both slots were taken; this waits until the failure frees one and cancels the group. */
    assert_int_equal(group_go(g, ok_task, NULL), -1);
    assert_int_equal(group_wait(g), 7);
    assert_int_equal(atomic_load(&saw_cancel), 1);
    group_free(g);
    chan_free(never);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(all_succeed),
        cmocka_unit_test(first_error_cancels_the_rest),
        cmocka_unit_test(limit_bounds_concurrency),
        cmocka_unit_test(waiting_go_sees_cancellation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
