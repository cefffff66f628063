/* make-dng: writes a DNG camera RAW file made here, for the RAW tests and the benchmark: IN (an
 * upright 8-bit sRGB picture, e.g. photos/orientation/Landscape_1.jpg) as a camera's sensor would
 * have recorded it, an RGGB Bayer mosaic of linear light (the CFA of a real DNG, 12 or 16 bits a
 * sample), stored as the camera held it (the inverse of orientation N, which the DNG's
 * Orientation tag then says), with a colour matrix that makes the camera's space linear sRGB.
 *
 *   make-dng IN OUT [--bits 12|16] [--orientation N] [--preview SCALE] [--preview-tint]
 *                   [--preview-profile PROFILE] [--scale S]
 *
 * --preview SCALE embeds a JPEG preview (of IN scaled by SCALE, as cameras embed one of 1,600 px
 * to full size) in IFD 0, the raw data going to a SubIFD, as cameras lay DNGs out; the preview
 * holds no EXIF orientation, so only the DNG's own tag says how to turn it. --preview-tint makes
 * the preview's pixels differ from the raw data on purpose (inverted), so a test can tell which
 * one a thumbnail came from. --preview-profile PROFILE (a libvips profile name, e.g. p3, or an
 * ICC file) converts the preview's pixels from sRGB into PROFILE, which the preview embeds, as a
 * camera set to a wide gamut may. --scale S resizes IN first (the benchmark's 24 MP files).
 *
 * Built by the tests and bench/run.sh: cc make-dng.c $(pkg-config --cflags --libs vips libtiff-4)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include <vips/vips.h>

static double linear(double v) /* sRGB's transfer function, inverted: 0..255 -> 0..1 */
{
    v /= 255.0;
    return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
}

/* The inverse of what a viewer does for EXIF orientation n (as orient.c). */
static int store_as(VipsImage *in, VipsImage **out, int n)
{
    static const VipsAngle rot[9] = {VIPS_ANGLE_D0,   VIPS_ANGLE_D0, VIPS_ANGLE_D0,
                                     VIPS_ANGLE_D180, VIPS_ANGLE_D0, VIPS_ANGLE_D0,
                                     VIPS_ANGLE_D270, VIPS_ANGLE_D0, VIPS_ANGLE_D90};
    if (n == 3 || n == 6 || n == 8)
        return vips_rot(in, out, rot[n], NULL);
    return vips_copy(in, out, NULL); /* mirrored orientations are not used here */
}

static void die(const char *what)
{
    fprintf(stderr, "make-dng: %s%s%s\n", what, vips_error_buffer()[0] ? ": " : "",
            vips_error_buffer());
    exit(1);
}

/* Writes the CFA: each photosite keeps one channel of its pixel, as linear light. */
static void write_raw(TIFF *tif, VipsImage *img, int bits, uint32_t subfile)
{
    int w = img->Xsize, h = img->Ysize;
    uint16_t white = (uint16_t)((1u << bits) - 1);
    TIFFSetField(tif, TIFFTAG_SUBFILETYPE, subfile);
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, (uint32_t)w);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, (uint32_t)h);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 16);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, 32803); /* CFA */
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, (uint32_t)16);
    uint16_t dim[2] = {2, 2};
    TIFFSetField(tif, TIFFTAG_CFAREPEATPATTERNDIM, dim);
    TIFFSetField(tif, TIFFTAG_CFAPATTERN, 4, "\0\1\1\2"); /* R G / G B */
    uint32_t wl = white;
    TIFFSetField(tif, TIFFTAG_WHITELEVEL, 1, &wl);
    uint16_t *row = malloc((size_t)w * sizeof *row);
    const unsigned char *px = VIPS_IMAGE_ADDR(img, 0, 0);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            int c = (y & 1) + (x & 1); /* 0 R, 1 G, 2 B */
            double v = linear(px[((size_t)y * w + x) * 3 + c]);
            row[x] = (uint16_t)lround(v * white);
        }
        if (TIFFWriteScanline(tif, row, (uint32_t)y, 0) < 0)
            die("cannot write the raw data");
    }
    free(row);
}

/* Writes a JPEG preview as IFD data: one strip holding a whole JPEG file. */
static void write_preview(TIFF *tif, VipsImage *img, double scale, int tint, const char *profile)
{
    VipsImage *small, *shown;
    if (vips_resize(img, &small, scale, NULL))
        die("cannot scale the preview");
    if (tint ? vips_invert(small, &shown, NULL) : vips_copy(small, &shown, NULL))
        die("cannot tint the preview");
    if (profile != NULL) { /* the profile is all the preview keeps: no EXIF, XMP or IPTC */
        VipsImage *wide;
        if (vips_icc_transform(shown, &wide, profile, "input_profile", "srgb", "embedded", FALSE,
                               NULL))
            die("cannot convert the preview");
        g_object_unref(shown);
        shown = wide;
        vips_image_remove(shown, VIPS_META_EXIF_NAME);
        vips_image_remove(shown, VIPS_META_XMP_NAME);
        vips_image_remove(shown, VIPS_META_IPTC_NAME);
    }
    void *jpeg;
    size_t len;
    if (vips_jpegsave_buffer(shown, &jpeg, &len, "Q", 90, "strip", profile == NULL, NULL))
        die("cannot encode the preview");
    TIFFSetField(tif, TIFFTAG_SUBFILETYPE, (uint32_t)FILETYPE_REDUCEDIMAGE);
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, (uint32_t)shown->Xsize);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, (uint32_t)shown->Ysize);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 3);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_JPEG);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_YCBCR);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, (uint32_t)shown->Ysize);
    if (TIFFWriteRawStrip(tif, 0, jpeg, (tmsize_t)len) < 0)
        die("cannot write the preview");
    g_free(jpeg);
    g_object_unref(small);
    g_object_unref(shown);
}

/* The tags that make IFD 0 a DNG: version, camera, colour (camera space = linear sRGB under a
 * neutral white), orientation. */
static void dng_tags(TIFF *tif, int orientation)
{
    static const uint8_t version[4] = {1, 4, 0, 0};
    TIFFSetField(tif, TIFFTAG_DNGVERSION, version);
    TIFFSetField(tif, TIFFTAG_DNGBACKWARDVERSION, version);
    TIFFSetField(tif, TIFFTAG_MAKE, "thumbgen");
    TIFFSetField(tif, TIFFTAG_MODEL, "synthetic sensor");
    TIFFSetField(tif, TIFFTAG_UNIQUECAMERAMODEL, "thumbgen synthetic sensor");
    /* XYZ (D65) -> linear sRGB, the inverse of sRGB's primaries matrix. */
    float xyz_to_cam[9] = {3.2406f, -1.5372f, -0.4986f, -0.9689f, 1.8758f,
                           0.0415f, 0.0557f,  -0.2040f, 1.0570f};
    TIFFSetField(tif, TIFFTAG_COLORMATRIX1, 9, xyz_to_cam);
    TIFFSetField(tif, TIFFTAG_CALIBRATIONILLUMINANT1, (uint16_t)21); /* D65 */
    float neutral[3] = {1, 1, 1};
    TIFFSetField(tif, TIFFTAG_ASSHOTNEUTRAL, 3, neutral);
    TIFFSetField(tif, TIFFTAG_ORIENTATION, (uint16_t)(orientation ? orientation : 1));
}

int main(int argc, char **argv)
{
    if (argc < 3 || VIPS_INIT(argv[0]))
        return fprintf(stderr, "usage: make-dng IN OUT [--bits 12|16] [--orientation N] "
                               "[--preview SCALE] [--preview-tint] [--preview-profile PROFILE] "
                               "[--scale S]\n"),
               2;
    int bits = 12, orientation = 1, tint = 0;
    const char *profile = NULL;
    double preview = 0, scale = 1;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--bits") == 0 && i + 1 < argc)
            bits = atoi(argv[++i]);
        else if (strcmp(argv[i], "--orientation") == 0 && i + 1 < argc)
            orientation = atoi(argv[++i]);
        else if (strcmp(argv[i], "--preview") == 0 && i + 1 < argc)
            preview = atof(argv[++i]);
        else if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc)
            scale = atof(argv[++i]);
        else if (strcmp(argv[i], "--preview-profile") == 0 && i + 1 < argc)
            profile = argv[++i];
        else if (strcmp(argv[i], "--preview-tint") == 0)
            tint = 1;
        else
            return fprintf(stderr, "make-dng: unknown option %s\n", argv[i]), 2;
    }
    VipsImage *in = vips_image_new_from_file(argv[1], NULL);
    VipsImage *sized, *stored, *mem;
    if (in == NULL ||
        (scale != 1 ? vips_resize(in, &sized, scale, NULL) : vips_copy(in, &sized, NULL)))
        die("cannot read the picture");
    if (store_as(sized, &stored, orientation) || !(mem = vips_image_copy_memory(stored)))
        die("cannot turn the picture");
    if (mem->Bands != 3 || mem->BandFmt != VIPS_FORMAT_UCHAR)
        die("the picture must be 8-bit RGB");
    TIFF *tif = TIFFOpen(argv[2], "w");
    if (tif == NULL)
        die("cannot create the DNG");
    if (preview > 0) { /* IFD 0: the preview and the DNG tags; the raw data in a SubIFD */
        uint64_t sub = 0;
        TIFFSetField(tif, TIFFTAG_SUBIFD, 1, &sub);
        dng_tags(tif, orientation);
        write_preview(tif, mem, preview, tint, profile);
        if (!TIFFWriteDirectory(tif))
            die("cannot write IFD 0");
        write_raw(tif, mem, bits, 0);
    } else { /* IFD 0: the raw data itself */
        dng_tags(tif, orientation);
        write_raw(tif, mem, bits, 0);
    }
    if (!TIFFWriteDirectory(tif))
        die("cannot write the raw IFD");
    TIFFClose(tif);
    g_object_unref(in);
    g_object_unref(sized);
    g_object_unref(stored);
    g_object_unref(mem);
    vips_shutdown();
    return 0;
}
