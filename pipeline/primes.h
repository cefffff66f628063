/* primes: the seeds' prime pipeline, the reference workload of the pipeline library:
 *   repeat_fn(splitmix64 % max) -> to_int -> fan_out(prime_finder x finders) -> fan_in ->
 * take(count) The finder is deliberately slow (trial division from x-2 down to 2): it is the
 * expensive stage that fan-out exists for.
 *
 * Error convention: primes_run returns 0, or -1 when the pipeline could not be built. */
#ifndef PIPELINE_PRIMES_H
#define PIPELINE_PRIMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "done.h"
#include "stats.h"

/* One step of splitmix64: advances *state and returns the next value. */
uint64_t splitmix64(uint64_t *state);

/* The seeds' test: true when no divisor from x-1 down to 2 divides x. Checks `done` every few
 * thousand divisions and returns false once it fires, so a huge x cannot hold up a cancelled run.
 * x < 2 is not prime. */
bool prime_slow(int64_t x, done_t *done);

typedef struct primes_opts {
    size_t count;   /* how many primes to take */
    size_t finders; /* fan-out width */
    uint64_t max;   /* numbers are splitmix64() % max */
    uint64_t seed;  /* splitmix64's starting state */
} primes_opts_t;

typedef struct primes_result {
    size_t found;    /* primes passed to emit */
    uint64_t tested; /* numbers the finders tested */
    uint64_t elapsed_ns;
    bool cancelled;       /* done fired before `count` primes were found */
    stage_stats_t *stats; /* one row per stage thread, malloc'd; the caller frees */
    size_t nstats;
} primes_result_t;

/* Runs the pipeline, calling emit(prime, ctx) for each prime in the order take passes them on.
 * `done` is the pipeline's cancellation signal: take fires it once it has o->count primes, which
 * stops every stage; the caller fires it to cancel early (e.g. on SIGINT). It is always fired when
 * this returns, and every thread has been joined. Returns 0, or -1 if the pipeline could not be
 * built (out of memory or threads). */
int primes_run(const primes_opts_t *o, void (*emit)(int64_t prime, void *ctx), void *ctx,
               done_t *done, primes_result_t *res);

#endif
