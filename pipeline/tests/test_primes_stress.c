/* Cancels the prime pipeline at random moments, 1000 times (TG_STRESS_ITERS overrides): no
 * deadlock (ctest's timeout would fire), no thread left behind, and under ASan no leak. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "pipeline/primes.h"
#include "pipeline/threads.h"

struct canceller {
    done_t *done;
    unsigned spins;
};

/* Fires the done after a random number of scheduler yields: a random moment in the run. */
static void *cancel_later(void *arg)
{
    struct canceller *c = arg;
    for (unsigned i = 0; i < c->spins; i++)
        sched_yield();
    done_fire(c->done);
    return NULL;
}

static void cancel_at_random_moments(void **state)
{
    (void)state;
    const char *env = getenv("TG_STRESS_ITERS");
    int iters = env ? atoi(env) : 1000;
    uint64_t rng = 12345;
    int cancelled = 0;
    for (int i = 0; i < iters; i++) {
        done_t d;
        done_init(&d);
        uint64_t r = splitmix64(&rng);
        struct canceller c = {.done = &d, .spins = (unsigned)(r % 400)};
        primes_opts_t o = {.count = 1 + (r >> 10) % 50,
                           .finders = 1 + (r >> 20) % 4,
                           .max = 4 + (r >> 30) % 20000,
                           .seed = r};
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, cancel_later, &c), 0);
        primes_result_t res;
        assert_int_equal(primes_run(&o, NULL, NULL, &d, &res), 0);
        pthread_join(t, NULL);
        assert_true(res.found <= o.count);
        cancelled += res.cancelled;
        free(res.stats);
        done_destroy(&d);
        assert_int_equal(threads_unjoined(), 0); /* every thread joined */
    }
    print_message("%d of %d runs were cancelled before take was full\n", cancelled, iters);
    assert_true(iters < 50 || cancelled > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cancel_at_random_moments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
