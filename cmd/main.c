/* thumbgen: a batch image thumbnailer built as a pipeline of threads. main blocks the signals
 * every thread must leave to the signal thread, then dispatches on the mode: `thumbgen primes ...`
 * (the pipeline library's reference workload) or `thumbgen SRC DST ...` (thumbnails). */
#include <stdio.h>
#include <string.h>
#include <vips/vips.h>

#include "opts.h"
#include "primes_cmd.h"
#include "signals.h"
#include "thumbs_cmd.h"

int main(int argc, char **argv)
{
    /* Before any thread exists (libvips' included), so every thread inherits the blocked mask. */
    if (signals_block() != 0) {
        tg_error("cannot block signals");
        return 2;
    }
    if (argc >= 2 && strcmp(argv[1], "primes") == 0)
        return primes_main(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("thumbgen %s (libvips %s)\n", TG_VERSION, vips_version_string());
        return 0;
    }
    if (argc < 2) {
        thumbs_usage(stderr);
        return 2;
    }
    if (VIPS_INIT(argv[0]) != 0) {
        tg_error("cannot initialise libvips: %s", vips_error_buffer());
        return 2;
    }
    int rc = thumbs_main(argc, argv);
    vips_shutdown();
    return rc;
}
