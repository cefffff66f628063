/* webpmeta: takes the metadata out of a WebP file in memory, as "strip" does for libvips' other
 * savers. libvips 8.14's webpsave ignores "strip": it writes the image's ICC profile and XMP, and
 * always an EXIF chunk (the source's, GPS positions and camera serial numbers included, or one it
 * makes up), so thumbgen removes them from the bytes it encoded. Runs in the decoder, on libwebp's
 * own output. */
#ifndef IMAGING_DECODER_WEBPMETA_H
#define IMAGING_DECODER_WEBPMETA_H

#include <stddef.h>

/* Removes every EXIF, XMP and ICCP chunk of the WebP file buf[0..*len) in place, clears their flags
 * in its VP8X header and fixes its RIFF size; *len becomes the new length. A buffer that is not a
 * well-formed WebP file is left as it is. */
void webpmeta_strip(unsigned char *buf, size_t *len);

#endif
