/* libFuzzer target: the command-line parsers of imaging/ (sizes, flavours, crop, format, colour)
 * and output naming, on arbitrary text. Any crash, leak or sanitizer report is a bug. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/filetype.h"
#include "core/naming.h"
#include "core/options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    thumb_opts_t o;
    thumb_opts_default(&o);
    thumb_size_t sz;
    crop_t c;
    format_t f;
    double rgb[3];
    if (parse_size(s, &sz) && (sz.width < 1 || sz.height < 1))
        abort();
    if (parse_size_list(s, &o) && (o.nsizes < 1 || o.nsizes > THUMB_MAX_SIZES))
        abort();
    if (parse_flavour_list(s, &o) && (o.nsizes < 1 || o.nsizes > 4 || o.sizes[0].width < 128))
        abort();
    parse_crop(s, &c);
    parse_format(s, &f);
    if (parse_colour(s, rgb) && (rgb[0] > 255 || rgb[1] > 255 || rgb[2] > 255))
        abort();
    has_image_extension(s);
    char *p = output_path("out", NULL, s, "jpg");
    /* Whatever the name, the output path never climbs out of "out/". */
    if (p != NULL && (strncmp(p, "out/", 4) != 0 || strstr(p, "/../") || !rel_path_safe(s)))
        abort();
    free(p);
    free(s);
    return 0;
}
