/* thumbgen: a batch image thumbnailer built as a pipeline of threads. main blocks the signals
 * every thread must leave to the signal thread, then dispatches on the mode: `thumbgen primes ...`
 * (the pipeline library's reference workload), `thumbgen SRC DST ...` (thumbnails), or the hidden
 * decoder mode in which thumbgen re-executes itself to decode images in a sandboxed process.
 * thumbgen-testhooks is this program linked with imaging/batch/testhooks.c, which turns its test
 * hooks on before main; thumbgen itself has none. */
#include <stdio.h>
#include <string.h>

#include "imaging/batch.h"
#include "opts.h"
#include "primes_cmd.h"
#include "signals.h"
#include "thumbs_args.h"
#include "thumbs_cmd.h"

int main(int argc, char **argv)
{
    if (batch_is_decoder(argc, argv))
        return batch_decoder_main(argv[0]);
    /* Before any thread exists, so every thread inherits the blocked mask. */
    if (signals_block() != 0) {
        tg_error("cannot block signals");
        return 2;
    }
    if (argc >= 2 && strcmp(argv[1], "primes") == 0)
        return primes_main(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "--version") == 0)
        return thumbs_version();
    if (argc < 2) {
        thumbs_usage_short(stderr);
        return 2;
    }
    return thumbs_main(argc, argv);
}
