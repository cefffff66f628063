#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "pipeline/stage.h"
#include "test_util.h"

static map_result_t square_odd(void *ctx, void *in, void *out, done_t *done)
{
    (void)ctx;
    (void)done;
    int v = *(int *)in;
    if (v % 2 == 0)
        return MAP_SKIP;
    *(int *)out = v * v;
    return MAP_EMIT;
}

static void generator_map_in_order(void **state)
{
    (void)state;
    int items[10];
    for (int i = 0; i < 10; i++)
        items[i] = i;
    stage_t *g = stage_generator(NULL, items, 10, sizeof(int), 0);
    map_spec_t spec = {.name = "sq",
                       .fn = square_odd,
                       .in_item_size = sizeof(int),
                       .out_item_size = sizeof(int),
                       .out_cap = 2};
    stage_t *m = stage_map(&spec, NULL, stage_out(g, 0));
    int v, expect = 1;
    while (chan_recv(stage_out(m, 0), &v, NULL) == CHAN_OK) {
        assert_int_equal(v, expect * expect);
        expect += 2;
    }
    assert_int_equal(expect, 11);
    stage_join(g);
    stage_join(m);
    assert_int_equal(stage_thread_stats(m, 0)->items_in, 10);
    assert_int_equal(stage_thread_stats(m, 0)->items_out, 5);
    stage_free(m);
    stage_free(g);
}

/* fan_in keeps its output open while any input is open, loses nothing, and closes once all
 * inputs have closed. */
static void fan_in_closes_after_all_inputs(void **state)
{
    (void)state;
    enum { N = 3, PER = 500 };
    chan_t *ins[N];
    for (int i = 0; i < N; i++)
        ins[i] = chan_new(sizeof(int), PER);
    stage_t *f = stage_fan_in(NULL, ins, N, 4, NULL);
    for (int i = 0; i < N; i++)
        for (int k = 0; k < PER; k++) {
            int v = i * PER + k;
            chan_send(ins[i], &v, NULL);
        }
    chan_close(ins[0]);
    chan_close(ins[1]);
    static unsigned char seen[N * PER];
    memset(seen, 0, sizeof seen);
    int v;
    for (int k = 0; k < N * PER; k++) {
        assert_int_equal(chan_recv(stage_out(f, 0), &v, NULL), CHAN_OK);
        seen[v]++;
    }
    /* ins[2] is still open: the output is empty but not closed. */
    done_t fired;
    done_init(&fired);
    done_fire(&fired);
    assert_int_equal(chan_recv(stage_out(f, 0), &v, &fired), CHAN_CANCELLED);
    chan_close(ins[2]);
    assert_int_equal(chan_recv(stage_out(f, 0), &v, NULL), CHAN_CLOSED);
    stage_join(f);
    /* Closed by fan_in already: a second close is refused. */
    assert_int_equal(chan_close(stage_out(f, 0)), -1);
    for (int k = 0; k < N * PER; k++)
        assert_int_equal(seen[k], 1);
    stage_free(f);
    for (int i = 0; i < N; i++)
        chan_free(ins[i]);
    done_destroy(&fired);
}

static void split_deals_round_robin(void **state)
{
    (void)state;
    enum { N = 4, COUNT = 100 };
    int items[COUNT];
    for (int i = 0; i < COUNT; i++)
        items[i] = i;
    stage_t *g = stage_generator(NULL, items, COUNT, sizeof(int), 0);
    stage_t *sp = stage_split(NULL, stage_out(g, 0), N, COUNT / N, NULL);
    stage_join(g);
    stage_join(sp);
    for (int k = 0; k < N; k++) {
        int v, expect = k;
        while (chan_recv(stage_out(sp, k), &v, NULL) == CHAN_OK) {
            assert_int_equal(v, expect);
            expect += N;
        }
        assert_int_equal(expect, COUNT + k);
    }
    stage_free(sp);
    stage_free(g);
}

static void count_up(void *ctx, void *item)
{
    *(int *)item = (*(int *)ctx)++;
}

/* take passes on n items, closes, and fires its done, which ends the endless repeat_fn upstream
 * (the stage_join below would hang otherwise). */
static void take_stops_upstream(void **state)
{
    (void)state;
    done_t d;
    done_init(&d);
    int counter = 0;
    stage_t *r = stage_repeat_fn(&d, count_up, &counter, sizeof(int), 0);
    stage_t *t = stage_take(&d, stage_out(r, 0), 5, &d, 0, NULL);
    int v, n = 0;
    while (chan_recv(stage_out(t, 0), &v, &d) == CHAN_OK)
        assert_int_equal(v, n++);
    assert_int_equal(n, 5);
    stage_join(t);
    assert_true(done_fired(&d));
    stage_join(r);
    stage_free(t);
    stage_free(r);
    done_destroy(&d);
}

/* ---- ownership: pointer items held when a pipeline is cancelled are all freed */

static atomic_int live_items;

static void *new_item(int v)
{
    int *p = malloc(sizeof *p);
    *p = v;
    atomic_fetch_add(&live_items, 1);
    return p;
}

static void drop_item(void *item)
{
    free(*(int **)item);
    atomic_fetch_sub(&live_items, 1);
}

/* Emits freshly allocated ints until cancelled; an item it cannot send is still its own. */
static void emit_pointers(void *ctx, stage_emitter_t *em)
{
    int *counter = ctx;
    for (;;) {
        void *p = new_item((*counter)++);
        if (!stage_emit(em, &p)) {
            drop_item(&p);
            return;
        }
    }
}

static map_result_t box_double(void *ctx, void *in, void *out, done_t *done)
{
    (void)ctx;
    (void)done;
    int *p = *(int **)in;
    *p *= 2;
    *(int **)out = p;
    return MAP_EMIT;
}

/* source -> fan_out(3) -> fan_in, cancelled mid-stream: every item ends up freed exactly once,
 * whether it was in a channel, in a stage's hands, or received by the test. */
static void cancelled_pipeline_frees_held_items(void **state)
{
    (void)state;
    done_t d;
    done_init(&d);
    atomic_store(&live_items, 0);
    int counter = 0;
    stage_t *src = stage_source("src", &d, emit_pointers, &counter, sizeof(int *), 4, drop_item);
    map_spec_t spec = {.name = "double",
                       .fn = box_double,
                       .in_item_size = sizeof(int *),
                       .out_item_size = sizeof(int *),
                       .out_cap = 3,
                       .drop_out = drop_item};
    stage_t *fo = stage_fan_out(&spec, &d, stage_out(src, 0), 3);
    chan_t *outs[3] = {stage_out(fo, 0), stage_out(fo, 1), stage_out(fo, 2)};
    stage_t *fi = stage_fan_in(&d, outs, 3, 2, drop_item);
    int *p;
    for (int k = 0; k < 50; k++) {
        assert_int_equal(chan_recv(stage_out(fi, 0), &p, &d), CHAN_OK);
        assert_int_equal(*p % 2, 0);
        drop_item(&p);
    }
    done_fire(&d);
    stage_join(src);
    stage_join(fo);
    stage_join(fi);
    stage_free(fi);
    stage_free(fo);
    stage_free(src);
    assert_int_equal(atomic_load(&live_items), 0);
    assert_true(counter >= 50);
    done_destroy(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(generator_map_in_order),
        cmocka_unit_test(fan_in_closes_after_all_inputs),
        cmocka_unit_test(split_deals_round_robin),
        cmocka_unit_test(take_stops_upstream),
        cmocka_unit_test(cancelled_pipeline_frees_held_items),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
