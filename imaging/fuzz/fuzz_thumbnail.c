/* libFuzzer target: thumbnailing arbitrary bytes through the workers' own code path (codec_make on
 * a file, as the resize workers do). Any crash, leak or sanitizer report is a bug; a made
 * thumbnail must have bytes. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <vips/vips.h>

#include "core/task.h"
#include "decoder/thumbnail.h"

static char path[64];
static thumb_opts_t opts;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    if (VIPS_INIT((*argv)[0]))
        abort();
    thumb_global_setup(1);
    snprintf(path, sizeof path, "/tmp/tg-fuzz-%d.jpg", (int)getpid());
    thumb_opts_default(&opts);
    parse_size_list("64,32", &opts);    /* small outputs, and the several-sizes path too */
    opts.max_pixels = 16 * 1024 * 1024; /* keep bombs within libFuzzer's memory limit */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        abort();
    fwrite(data, 1, size, f);
    fclose(f);
    task_t *t = task_new(path, 0);
    if (t == NULL)
        return 0;
    t->fd = open(path, O_RDONLY | O_CLOEXEC); /* as a source hands it over; task_free closes it */
    t->nouts = opts.nsizes;
    codec_make(&opts, t);
    for (int i = 0; t->status == TASK_MADE && i < t->nouts; i++)
        if (t->outs[i].buf == NULL || t->outs[i].len == 0)
            abort();
    task_free(t);
    return 0;
}
