#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pipeline/stage.h"

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

/* Per-thread state for the pool tests: each thread's own counter, made by thread_init and checked
 * and freed by thread_exit. */
typedef struct {
    atomic_int inits, exits, items; /* shared: totals over the threads */
} pool_shared_t;

typedef struct {
    pool_shared_t *shared;
    int seen; /* items this thread handled; only this thread touches it */
} pool_local_t;

static void *pool_init(void *ctx)
{
    pool_local_t *l = calloc(1, sizeof *l);
    if (l != NULL)
        l->shared = ctx;
    atomic_fetch_add(&((pool_shared_t *)ctx)->inits, 1);
    return l;
}

static void pool_exit(void *ctx)
{
    pool_local_t *l = ctx;
    atomic_fetch_add(&l->shared->exits, 1);
    atomic_fetch_add(&l->shared->items, l->seen);
    free(l);
}

static map_result_t pool_square(void *ctx, void *in, void *out, done_t *done)
{
    (void)done;
    pool_local_t *l = ctx; /* the thread's own, not the spec's ctx */
    l->seen++;
    int v = *(int *)in;
    *(int *)out = v * v;
    return MAP_EMIT;
}

/* A pool's copies share one output, closed once after the last copy is done, with nothing lost or
 * repeated; each copy gets its own state from thread_init, which thread_exit frees. */
static void pool_merges_and_keeps_thread_state(void **state)
{
    (void)state;
    enum { N = 2000, K = 4 };
    static int items[N];
    for (int i = 0; i < N; i++)
        items[i] = i;
    pool_shared_t shared = {0};
    stage_set_t set;
    stage_set_init(&set);
    chan_t *next = stage_set_add(&set, stage_generator(NULL, items, N, sizeof(int), 8));
    map_spec_t spec = {.name = "sq",
                       .fn = pool_square,
                       .ctx = &shared,
                       .in_item_size = sizeof(int),
                       .out_item_size = sizeof(int),
                       .out_cap = 2,
                       .thread_init = pool_init,
                       .thread_exit = pool_exit};
    stage_t *pool = stage_pool(&spec, NULL, next, K);
    assert_int_equal(stage_nouts(pool), 1);
    next = stage_set_add(&set, pool);
    assert_non_null(next);
    static bool seen[N];
    memset(seen, 0, sizeof seen);
    int v, got = 0;
    while (chan_recv(next, &v, NULL) == CHAN_OK) {
        int root = 0;
        while (root * root < v)
            root++;
        assert_int_equal(root * root, v);
        assert_false(seen[root]);
        seen[root] = true;
        got++;
    }
    assert_int_equal(got, N);
    size_t nstats = 0;
    stage_stats_t *stats = stage_set_finish(&set, &nstats);
    assert_int_equal(nstats, 1 + K); /* the generator's row, then one per copy */
    uint64_t in = 0;
    for (size_t i = 1; i < nstats; i++)
        in += stats[i].items_in;
    assert_int_equal(in, N);
    free(stats);
    assert_int_equal(atomic_load(&shared.inits), K);
    assert_int_equal(atomic_load(&shared.exits), K);
    assert_int_equal(atomic_load(&shared.items), N);
}

static atomic_int sunk;

static map_result_t sink_count(void *ctx, void *in, void *out, done_t *done)
{
    (void)ctx;
    (void)out;
    (void)done;
    atomic_fetch_add(&sunk, *(int *)in);
    return MAP_SKIP;
}

/* A pool with no output is the last stage: it takes every item and has no channel to drain. */
static void pool_without_output_is_a_sink(void **state)
{
    (void)state;
    int items[100], sum = 0;
    for (int i = 0; i < 100; i++)
        sum += items[i] = i;
    atomic_store(&sunk, 0);
    stage_set_t set;
    stage_set_init(&set);
    chan_t *next = stage_set_add(&set, stage_generator(NULL, items, 100, sizeof(int), 0));
    map_spec_t spec = {.name = "sink", .fn = sink_count, .in_item_size = sizeof(int)};
    stage_t *pool = stage_pool(&spec, NULL, next, 3);
    assert_int_equal(stage_nouts(pool), 0);
    assert_null(stage_set_add(&set, pool));
    assert_true(set.ok);
    size_t n;
    free(stage_set_finish(&set, &n));
    assert_int_equal(atomic_load(&sunk), sum);
}

static void *refuse_init(void *ctx)
{
    (void)ctx;
    return NULL;
}

/* A copy whose thread_init fails fires the done, so the stages before it stop instead of blocking
 * forever on a pool that will never read. */
static void failed_thread_init_fires_done(void **state)
{
    (void)state;
    done_t d;
    done_init(&d);
    atomic_store(&live_items, 0);
    int counter = 0;
    stage_set_t set;
    stage_set_init(&set);
    chan_t *next = stage_set_add(
        &set, stage_source("src", &d, emit_pointers, &counter, sizeof(int *), 1, drop_item));
    map_spec_t spec = {.name = "never",
                       .fn = box_double,
                       .in_item_size = sizeof(int *),
                       .out_item_size = sizeof(int *),
                       .drop_out = drop_item,
                       .thread_init = refuse_init};
    next = stage_set_add(&set, stage_pool(&spec, &d, next, 2));
    assert_non_null(next);
    int *p;
    assert_int_not_equal(chan_recv(next, &p, &d), CHAN_OK);
    assert_true(done_fired(&d));
    size_t n;
    free(stage_set_finish(&set, &n));
    assert_int_equal(atomic_load(&live_items), 0);
    done_destroy(&d);
}

/* A set that could not build a stage says so and hands out no channel to build on. */
static void stage_set_records_a_failed_build(void **state)
{
    (void)state;
    stage_set_t set;
    stage_set_init(&set);
    int items[1] = {1};
    assert_non_null(stage_set_add(&set, stage_generator(NULL, items, 1, sizeof(int), 1)));
    map_spec_t bad = {.fn = box_double, .in_item_size = 3, .out_item_size = sizeof(int)};
    assert_null(stage_set_add(&set, stage_pool(&bad, NULL, stage_out(set.v[0], 0), 2)));
    assert_false(set.ok);
    size_t n;
    free(stage_set_finish(&set, &n));
    assert_int_equal(n, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(generator_map_in_order),
        cmocka_unit_test(fan_in_closes_after_all_inputs),
        cmocka_unit_test(split_deals_round_robin),
        cmocka_unit_test(take_stops_upstream),
        cmocka_unit_test(cancelled_pipeline_frees_held_items),
        cmocka_unit_test(pool_merges_and_keeps_thread_state),
        cmocka_unit_test(pool_without_output_is_a_sink),
        cmocka_unit_test(failed_thread_init_fires_done),
        cmocka_unit_test(stage_set_records_a_failed_build),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
