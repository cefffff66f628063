/* nclx: colour that a HEIF or AVIF file describes by code points (an nclx colour box: primaries,
 * transfer, matrix; ITU-T H.273) rather than by an ICC profile. libvips 8.14 ignores such a box
 * and takes the pixels for sRGB, so Display P3 comes out dull and HDR flat. Here libheif reads
 * the box, lcms2 builds an ICC profile from it, and libvips converts the pixels with that profile:
 *
 *   - primaries (Display P3, DCI-P3, BT.2020, any others nclx gives) and white point from the box;
 *   - an SDR transfer (sRGB, BT.709/601/2020, unspecified) as sRGB's curve; linear as linear;
 *   - PQ (SMPTE ST 2084) and HLG (BT.2100) tone-mapped to SDR: the EOTF (HLG: inverse OETF and
 *     the OOTF with system gamma 1.2 for a 1000 cd/m2 display), then BT.2390's EETF (a Hermite
 *     knee in the PQ domain) from a 1000 cd/m2 source peak to SDR white at 203 cd/m2 (BT.2408's
 *     reference white), per channel, built into the profile's tone curves;
 *   - into sRGB (relative colorimetric: colours outside sRGB are clipped), or with
 *     --keep-metadata into the file's own primaries with sRGB's curve, that profile embedded.
 * An HDR gain map (Apple's, Android's Ultra HDR) is not read: the SDR base image is the thumbnail.
 *
 * Runs in the decoder. Error convention: nclx_read answers whether there is anything to do;
 * nclx_convert returns 0, or -1 with libvips' error buffer set. */
#ifndef IMAGING_DECODER_NCLX_H
#define IMAGING_DECODER_NCLX_H

#include <stdbool.h>
#include <vips/vips.h>

typedef struct nclx {
    int primaries, transfer; /* H.273 code points */
    double xy[4][2];         /* red, green, blue, white chromaticities */
} nclx_t;

/* Reads the nclx box of the HEIF/AVIF file open on fd (read with pread). True when it describes
 * colour that is not plain sRGB, i.e. when nclx_convert has work to do. */
bool nclx_read(int fd, nclx_t *n);

/* The same from code points alone (a video stream's colour_primaries and colour_trc, which use
 * H.273's numbers too), with the chromaticities of the primaries it knows (BT.709, BT.2020,
 * Display P3, DCI-P3). True when there is work to do. */
bool nclx_from_codes(int primaries, int transfer, nclx_t *n);

/* Converts in (8 or 16 bits a channel, as libvips loaded it) to 8-bit sRGB as n describes, or,
 * with keep_gamut, to n's primaries with sRGB's curve, that profile attached. */
int nclx_convert(VipsImage *in, const nclx_t *n, bool keep_gamut, VipsImage **out);

#endif
