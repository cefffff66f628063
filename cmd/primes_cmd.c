#include "primes_cmd.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "opts.h"
#include "pipeline/primes.h"
#include "signals.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: thumbgen primes [-n N] [-j J] [--max M] [--seed S] [--stats]\n"
               "\n"
               "The pipeline library's reference workload (the Go seeds' prime pipeline):\n"
               "  repeat_fn(random) -> to_int -> fan_out(J prime finders) -> fan_in -> take(N)\n"
               "Each finder tests x-1 for every random x by trial division from x-2 down to 2,\n"
               "deliberately slowly. Primes go to stdout, one per line; a summary line to stderr.\n"
               "\n"
               "  -n, --count N   primes to take (default 10)\n"
               "  -j, --jobs J    prime finders running in parallel (default: online CPUs)\n"
               "      --max M     numbers are drawn from [0, M) (default 50000000, at least 4)\n"
               "      --seed S    splitmix64 starting state (default 1); -j 1 is deterministic\n"
               "      --stats     print per-stage busy/blocked/starved times at the end\n"
               "  -h, --help      this help\n");
}

static void print_prime(int64_t p, void *ctx)
{
    (void)ctx;
    printf("%" PRId64 "\n", p);
    fflush(stdout);
}

int primes_main(int argc, char **argv)
{
    primes_opts_t o = {.count = 10, .finders = online_cpus(), .max = 50000000, .seed = 1};
    bool stats = false;
    static const struct option longopts[] = {{"count", required_argument, NULL, 'n'},
                                             {"jobs", required_argument, NULL, 'j'},
                                             {"max", required_argument, NULL, 'M'},
                                             {"seed", required_argument, NULL, 'S'},
                                             {"stats", no_argument, NULL, 's'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    optind = 1;
    opterr = 0;
    int c, li = -1;
    uint64_t v;
    char name[64];
    while ((li = -1, c = getopt_long(argc, argv, ":n:j:h", longopts, &li)) != -1) {
        switch (c) {
        case 'n':
            if (!parse_u64(optarg, 0, 100000000, &v))
                goto bad_value;
            o.count = v;
            break;
        case 'j':
            if (!parse_u64(optarg, 1, 1024, &v))
                goto bad_value;
            o.finders = v;
            break;
        case 'M':
            if (!parse_u64(optarg, 4, INT64_MAX, &o.max))
                goto bad_value;
            break;
        case 'S':
            if (!parse_u64(optarg, 0, UINT64_MAX, &o.seed))
                goto bad_value;
            break;
        case 's':
            stats = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case ':':
            tg_error("primes: option %s needs a value (see thumbgen primes --help)",
                     argv[optind - 1]);
            return 2;
        default:
            tg_error("primes: unknown option %s (see thumbgen primes --help)", argv[optind - 1]);
            return 2;
        }
        continue;
    bad_value:
        tg_error("primes: bad value '%s' for %s: expected %s (see thumbgen primes --help)", optarg,
                 opt_name(longopts, li, c, name, sizeof name),
                 c == 'n'   ? "a whole number from 0 to 100000000"
                 : c == 'j' ? "a whole number from 1 to 1024"
                 : c == 'M' ? "a whole number of at least 4"
                            : "a whole number from 0 to 18446744073709551615");
        return 2;
    }
    if (optind < argc) {
        tg_error("primes: unexpected argument '%s' (see thumbgen primes --help)", argv[optind]);
        return 2;
    }

    done_t done;
    done_init(&done);
    sigwatch_t sw;
    if (signals_start(&sw, &done, NULL) != 0) {
        tg_error("primes: cannot start the signal thread");
        done_destroy(&done);
        return 2;
    }
    primes_result_t r;
    int rc = primes_run(&o, print_prime, NULL, &done, &r);
    bool interrupted = signals_interrupted(&sw);
    signals_stop(&sw);
    done_destroy(&done);

    double secs = r.elapsed_ns / 1e9;
    fprintf(stderr,
            "thumbgen primes: %zu primes, %zu finders, %" PRIu64
            " numbers tested, %.3f s, %.1f numbers/s%s\n",
            r.found, o.finders, r.tested, secs, secs > 0 ? r.tested / secs : 0.0,
            interrupted ? " (interrupted)" : "");
    if (stats && r.stats != NULL)
        stats_print(stderr, r.stats, r.nstats);
    free(r.stats);
    if (rc != 0) {
        tg_error("primes: could not start the pipeline (out of memory or threads)");
        return 2;
    }
    return interrupted ? 130 : 0;
}
