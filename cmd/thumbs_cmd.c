#include "thumbs_cmd.h"

#include <unistd.h>

#include "imaging/batch.h"
#include "opts.h"
#include "signals.h"
#include "thumbs_args.h"

int thumbs_main(int argc, char **argv)
{
    thumbs_args_t a;
    char err[1024];
    int p = thumbs_parse(argc, argv, &a, err, sizeof err);
    if (p > 0) {
        thumbs_usage(stdout);
        return 0;
    }
    if (p < 0) {
        tg_error("%s", err);
        return 2;
    }
    a.cfg.progress = isatty(STDERR_FILENO);
    done_t done;
    done_init(&done);
    batch_t *b = batch_open(&a.cfg, &done, err, sizeof err);
    if (b == NULL) {
        tg_error("%s", err);
        done_destroy(&done);
        return 2;
    }
    sigwatch_t sw;
    if (signals_start(&sw, &done, batch_emergency_cleanup) != 0) {
        tg_error("cannot start the signal thread");
        batch_close(b);
        done_destroy(&done);
        return 2;
    }
    int rc = batch_run(b, err, sizeof err);
    bool interrupted = signals_interrupted(&sw);
    signals_stop(&sw);

    batch_counts_t n;
    char werr[1024];
    bool written = batch_finish(b, interrupted, &n, werr, sizeof werr) == 0;
    batch_close(b);
    done_destroy(&done);
    if (!written) {
        tg_error("%s", werr);
        n.failed++;
    }
    if (rc != 0) {
        tg_error("%s", err);
        return 2;
    }
    if (interrupted) /* --watch ends on a signal: its normal end, after the first pass */
        return n.watched ? 0 : 130;
    return n.failed > 0 ? 1 : 0;
}

int thumbs_version(void)
{
    char vips[64], sandbox[256];
    int rc = batch_version(vips, sizeof vips, sandbox, sizeof sandbox);
    printf("thumbgen %s (libvips %s)\n", TG_VERSION, vips);
    if (rc == 0)
        printf("decoders: one process per worker; sandbox: %s\n", sandbox);
    else
        printf("decoders: cannot start one here: %s\n", sandbox);
    return rc == 0 ? 0 : 2;
}
