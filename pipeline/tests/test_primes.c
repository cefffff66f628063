#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "pipeline/primes.h"
#include "pipeline/threads.h"

/* The published first outputs of splitmix64 from state 0 (Vigna's reference implementation). */
static void splitmix64_reference(void **state)
{
    (void)state;
    uint64_t s = 0;
    assert_true(splitmix64(&s) == 0xe220a8397b1dcdafull);
    assert_true(splitmix64(&s) == 0x6e789e6aa1b965f4ull);
    assert_true(splitmix64(&s) == 0x06c45d188009454full);
}

/* prime_slow agrees with a sieve below 3000. */
static void prime_slow_matches_sieve(void **state)
{
    (void)state;
    enum { N = 3000 };
    static char composite[N];
    for (int i = 2; i < N; i++)
        for (int j = 2 * i; j < N; j += i)
            composite[j] = 1;
    for (int x = -3; x < N; x++)
        assert_int_equal(prime_slow(x, NULL), x >= 2 && !composite[x]);
}

struct collected {
    int64_t v[64];
    size_t n;
    size_t fire_after;
    done_t done;
    bool fired;        /* whether done had fired when the run returned */
    primes_result_t r; /* the run's result, its stats freed */
};

static void collect(int64_t p, void *ctx)
{
    struct collected *c = ctx;
    if (c->n < 64)
        c->v[c->n++] = p;
    if (c->fire_after && c->n == c->fire_after)
        done_fire(&c->done);
}

/* Runs primes with o, into c->v when collecting (else with no callback), cancellable through
 * c->done; fails unless it succeeds with every thread joined. */
static void run(struct collected *c, primes_opts_t o, bool collecting)
{
    done_init(&c->done);
    assert_int_equal(
        primes_run(&o, collecting ? collect : NULL, collecting ? c : NULL, &c->done, &c->r), 0);
    assert_int_equal(threads_unjoined(), 0); /* every thread joined */
    c->fired = done_fired(&c->done);
    free(c->r.stats);
    done_destroy(&c->done);
}

/* The seeds' Go pipeline with this generator prints these for --seed 1 -j 1 -n 5. */
static void one_finder_matches_go(void **state)
{
    (void)state;
    struct collected c = {0};
    run(&c, (primes_opts_t){.count = 5, .finders = 1, .max = 50000000, .seed = 1}, true);
    const int64_t expect[5] = {32890589, 46636949, 24408763, 33272581, 47159699};
    assert_int_equal(c.n, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(c.v[i], expect[i]);
    assert_int_equal(c.r.found, 5);
    assert_false(c.r.cancelled);
    assert_true(c.r.tested >= 5);
    assert_true(c.fired);
}

/* Several finders: the count is exact and every number is prime. */
static void many_finders_find_primes(void **state)
{
    (void)state;
    struct collected c = {0};
    run(&c, (primes_opts_t){.count = 40, .finders = 4, .max = 100000, .seed = 7}, true);
    assert_int_equal(c.n, 40);
    for (size_t i = 0; i < c.n; i++)
        assert_true(prime_slow(c.v[i], NULL));
    /* One stats row per thread: repeat_fn, to_int, 4 finders, 4 mergers, take. */
    assert_int_equal(c.r.nstats, 11);
}

/* Cancelling from outside ends the run early and cleanly. */
static void external_cancel(void **state)
{
    (void)state;
    struct collected c = {.fire_after = 2};
    run(&c, (primes_opts_t){.count = 1000000, .finders = 2, .max = 1000000, .seed = 3}, true);
    assert_true(c.r.cancelled);
    assert_true(c.r.found >= 2 && c.r.found < 1000000);
}

static void zero_primes(void **state)
{
    (void)state;
    struct collected c = {0};
    run(&c, (primes_opts_t){.count = 0, .finders = 2, .max = 1000, .seed = 3}, false);
    assert_int_equal(c.r.found, 0);
    assert_false(c.r.cancelled);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(splitmix64_reference),  cmocka_unit_test(prime_slow_matches_sieve),
        cmocka_unit_test(one_finder_matches_go), cmocka_unit_test(many_finders_find_primes),
        cmocka_unit_test(external_cancel),       cmocka_unit_test(zero_primes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
