#include "decoder/codec.h"

#include <stddef.h>

#include "decoder/thumbnail.h"

extern const codec_t codec_raw;   /* raw.c */
extern const codec_t codec_video; /* video.c */

/* In the order they are asked; the last one takes the rest. */
static const codec_t *const codecs[] = {&codec_raw, &codec_video, &codec_vips};

void codec_setup(uint64_t max_memory_mib)
{
    for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++)
        if (codecs[i]->setup != NULL)
            codecs[i]->setup(max_memory_mib);
}

const codec_t *codec_for(int fd, const char *name)
{
    size_t n = sizeof codecs / sizeof codecs[0];
    for (size_t i = 0; i + 1 < n; i++)
        if (codecs[i]->claims != NULL && codecs[i]->claims(fd, name))
            return codecs[i];
    return codecs[n - 1];
}
