/* codec: the codec families a decoder runs on a source's bytes, one file each behind this one
 * interface: camera RAW through LibRaw (raw.c), video clips through FFmpeg (video.c) and libvips'
 * loaders (thumbnail.c), which take whatever the others do not claim. A family reads only the
 * descriptor it is handed, in the decoder process, under its sandbox and limits, and leaves the
 * resizing and encoding to libvips (thumbnail.h's shared steps).
 *
 * LibRaw and FFmpeg are large: the RAW and video families are shared objects of their own
 * (thumbgen-raw.so, thumbgen-video.so, beside the executable in the build tree, in
 * LIBDIR/thumbgen once installed) that a decoder loads the first time it meets one of their
 * files, so a decoder that only ever sees images starts as fast, and stays as small, as before
 * they existed. They call back into the executable (built with its symbols exported).
 *
 * A new family NAME: its file, exporting `const codec_t tg_codec_NAME`; its rows in core/filetype.c
 * (extension, module NAME, the family in words, MIME type), from which codec.c derives the
 * module's file, thumbgen-NAME.so, and symbol; and one CMake line (tg_codec(NAME FILE LIBS...)).
 *
 * The contract: a family's make fills in t->outs (encoded, by thumb_sizes) and t->meta (what it
 * learnt of the source: size as shown, kind, a clip's length; the MIME type when o->want_mime),
 * or fails or skips t with the reason in words (task_fail); codec_make alone settles the task:
 * TASK_MADE with its outputs, or the family's status and reason with its buffers released. What
 * the store wants written is in o (format, want_mime) and t (uri, fail.dst): a family knows no
 * store. */
#ifndef IMAGING_DECODER_CODEC_H
#define IMAGING_DECODER_CODEC_H

#include <stdint.h>

#include "core/options.h"
#include "core/task.h"

typedef struct codec {
    /* Takes the decoder's limits, once, before its first source (NULL: nothing to take). */
    void (*setup)(uint64_t max_memory_mib);
    /* Makes t's thumbnails from t->fd as o says, into t->outs (buffers g_malloc'd) and t->meta. */
    void (*make)(const thumb_opts_t *o, task_t *t);
} codec_t;

/* Records the decoder's limits for every family (a module's setup runs when it is loaded). */
void codec_setup(uint64_t max_memory_mib);

/* Thumbnails t (open on t->fd, called t->rel) with the module its extension's row names (a .ts
 * also by its sync bytes, as TypeScript sources are .ts too), else libvips', and settles it. A
 * module that cannot be loaded fails the task, saying so. */
void codec_make(const thumb_opts_t *o, task_t *t);

#endif
