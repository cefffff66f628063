/* thumbgen: a batch image thumbnailer built as a pipeline of threads. main dispatches on the
 * mode: `thumbgen primes ...` (the pipeline library's reference workload) or, later, thumbnails. */
#include <stdio.h>
#include <string.h>

#include "opts.h"
#include "primes_cmd.h"
#include "signals.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: thumbgen primes [options]   run the prime reference workload\n"
               "       thumbgen --help | --version\n"
               "\n"
               "See `thumbgen primes --help` for the prime workload's options.\n");
}

int main(int argc, char **argv)
{
    /* Before any thread exists, so every thread inherits the blocked mask (see signals.h). */
    if (signals_block() != 0) {
        tg_error("cannot block signals");
        return 2;
    }
    if (argc >= 2 && strcmp(argv[1], "primes") == 0)
        return primes_main(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("thumbgen %s\n", TG_VERSION);
        return 0;
    }
    tg_error("%s (see thumbgen --help)", argc < 2 ? "missing command" : "unknown command");
    return 2;
}
