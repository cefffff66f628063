/* libFuzzer target: the PNG text-key reader of the cache store (store/freedesktop/pngtext.c), which
 * reads files of the shared thumbnail cache that any program may have written. Any crash, leak or
 * sanitizer report is a bug; a value found is always a NUL-terminated string. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/freedesktop/pngtext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    FILE *f = fmemopen((void *)data, size, "rb");
    if (f == NULL)
        return 0;
    static const char *const keys[] = {"Thumb::URI", "Thumb::MTime", "Thumb::Size"};
    char *v[3];
    int found = pngtext_read(f, keys, v, 3);
    int got = 0;
    for (int i = 0; i < 3; i++)
        if (v[i] != NULL) {
            got++;
            if (strlen(v[i]) > PNGTEXT_MAX)
                abort();
        }
    if (got != found)
        abort();
    pngtext_free(v, 3);
    fclose(f);
    return 0;
}
