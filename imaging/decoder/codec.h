/* codec: the codec families a decoder runs on a source's bytes, one file each behind this one
 * interface: camera RAW through LibRaw (raw.c) and libvips' loaders (thumbnail.c); video
 * (FFmpeg) plugs in the same way, as one file and one line in codec.c's table. A family reads only
 * the descriptor it is handed, in the decoder process, under its sandbox and limits, and leaves the
 * resizing and encoding to libvips.
 *
 * Error convention: make settles the task itself (TASK_MADE with its outputs, or TASK_FAILED /
 * TASK_SKIPPED with the reason in words in t->error); claims answers yes or no. */
#ifndef IMAGING_DECODER_CODEC_H
#define IMAGING_DECODER_CODEC_H

#include <stdbool.h>
#include <stdint.h>

#include "core/options.h"
#include "core/task.h"

typedef struct codec {
    const char *name;
    /* True when this family reads the source open on fd (read with pread, so the offset stays)
     * called name. NULL: it reads whatever the families before it did not claim. */
    bool (*claims)(int fd, const char *name);
    /* Takes the decoder's limits, once, before any source (NULL: nothing to take). */
    void (*setup)(uint64_t max_memory_mib);
    /* Makes t's thumbnails from t->fd as o says, into t->outs (buffers g_malloc'd). */
    void (*make)(const thumb_opts_t *o, task_t *t);
} codec_t;

/* Runs every family's setup. */
void codec_setup(uint64_t max_memory_mib);

/* The family that reads the source open on fd called name: the first in the table that claims
 * it, else the last (libvips', which tells images from everything else itself). */
const codec_t *codec_for(int fd, const char *name);

#endif
