#include "primes.h"

#include <string.h>

#include "stage.h"

uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

bool prime_slow(int64_t x, done_t *done)
{
    if (x < 2)
        return false;
    for (int64_t d = x - 1; d > 1; d--) {
        if (x % d == 0)
            return false;
        if ((d & 0xffff) == 0 && done_fired(done))
            return false;
    }
    return true;
}

struct rng {
    uint64_t state, max;
};

static void random_number(void *ctx, void *item)
{
    struct rng *r = ctx;
    *(uint64_t *)item = splitmix64(&r->state) % r->max;
}

static map_result_t to_int(void *ctx, void *in, void *out, done_t *done)
{
    (void)ctx;
    (void)done;
    *(int64_t *)out = (int64_t) * (uint64_t *)in;
    return MAP_EMIT;
}

/* The seeds' primeFinder: x arrives, x - 1 is tested and passed on when prime. */
static map_result_t prime_finder(void *ctx, void *in, void *out, done_t *done)
{
    (void)ctx;
    int64_t candidate = *(int64_t *)in - 1;
    if (!prime_slow(candidate, done))
        return MAP_SKIP;
    *(int64_t *)out = candidate;
    return MAP_EMIT;
}

int primes_run(const primes_opts_t *o, void (*emit)(int64_t prime, void *ctx), void *ctx,
               done_t *done, primes_result_t *res)
{
    memset(res, 0, sizeof *res);
    if (o->finders == 0 || o->max == 0)
        return -1;
    uint64_t t0 = now_ns();
    struct rng rng = {.state = o->seed, .max = o->max};
    map_spec_t to_int_spec = {.name = "to_int",
                              .fn = to_int,
                              .in_item_size = sizeof(uint64_t),
                              .out_item_size = sizeof(int64_t)};
    map_spec_t finder_spec = {.name = "finder",
                              .fn = prime_finder,
                              .in_item_size = sizeof(int64_t),
                              .out_item_size = sizeof(int64_t)};

    /* Unbuffered channels throughout, as in the seeds. A stage that fails to build ends the
     * building; firing done and finishing the set tears down what exists. */
    stage_set_t set;
    stage_set_init(&set);
    chan_t *next =
        stage_set_add(&set, stage_repeat_fn(done, random_number, &rng, sizeof(uint64_t), 0));
    if (next)
        next = stage_set_add(&set, stage_map(&to_int_spec, done, next));
    stage_t *finders = next ? stage_fan_out(&finder_spec, done, next, o->finders) : NULL;
    if (next)
        next = stage_set_add(&set, finders)
                   ? stage_set_add(&set, stage_fan_in_all(done, finders, 0, NULL))
                   : NULL;
    if (next)
        next = stage_set_add(&set, stage_take(done, next, o->count, done, 0, NULL));
    int rc = next != NULL ? 0 : -1;
    int64_t p;
    while (rc == 0 && chan_recv(next, &p, done) == CHAN_OK) {
        res->found++;
        if (emit != NULL)
            emit(p, ctx);
    }
    done_fire(done);
    res->stats = stage_set_finish(&set, &res->nstats);
    res->elapsed_ns = now_ns() - t0;
    res->cancelled = rc == 0 && res->found < o->count;
    for (size_t i = 0; res->stats != NULL && i < res->nstats; i++)
        if (strncmp(res->stats[i].name, "finder ", 7) == 0)
            res->tested += res->stats[i].items_in;
    return rc;
}
