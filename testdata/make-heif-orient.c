/* make-heif-orient: writes a HEIF (HEVC) or AVIF file of IN's pixels as they are stored (no
 * orientation applied; shrunk 4 times each way), with an irot/imir transform and an EXIF
 * orientation chosen apart, for the orientation tests (issue 26: files that carry orientation only
 * in EXIF).
 *
 *   make-heif-orient IN OUT TRANSFORM EXIF
 *
 * TRANSFORM 1-8: the EXIF orientation the stored pixels have, which libheif turns into irot/imir
 * boxes (1: none, so no box is written); EXIF 0: no EXIF block, 1-8: an EXIF block whose IFD0
 * Orientation says that. OUT's extension chooses the codec: .avif (AV1) or .heic (HEVC).
 * Built by the tests: cc make-heif-orient.c $(pkg-config --cflags --libs vips libheif)
 */
#include <libheif/heif.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

static void check(struct heif_error e, const char *what)
{
    if (e.code != heif_error_Ok) {
        fprintf(stderr, "make-heif-orient: %s: %s\n", what, e.message);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc != 5 || VIPS_INIT(argv[0]))
        return fprintf(stderr, "usage: make-heif-orient IN OUT TRANSFORM EXIF\n"), 2;
    int transform = atoi(argv[3]), exif = atoi(argv[4]);
    if (transform < 1 || transform > 8 || exif < 0 || exif > 8)
        return fprintf(stderr, "make-heif-orient: TRANSFORM 1-8, EXIF 0-8\n"), 2;
    const char *dot = strrchr(argv[2], '.');
    bool avif = dot != NULL && strcmp(dot, ".avif") == 0;
    /* A quarter of IN's size each way: the tests judge quadrants, and HEVC encodes 16x faster. */
    VipsImage *in = vips_image_new_from_file(argv[1], NULL), *small = NULL, *mem;
    if (in == NULL || vips_shrink(in, &small, 4, 4, NULL) != 0 ||
        (mem = vips_image_copy_memory(small)) == NULL || mem->Bands != 3 ||
        mem->BandFmt != VIPS_FORMAT_UCHAR)
        return fprintf(stderr, "make-heif-orient: %s: want 8-bit RGB\n", argv[1]), 1;
    int w = mem->Xsize, h = mem->Ysize;
    struct heif_image *img;
    check(heif_image_create(w, h, heif_colorspace_RGB, heif_chroma_interleaved_RGB, &img), "image");
    check(heif_image_add_plane(img, heif_channel_interleaved, w, h, 8), "plane");
    int stride;
    uint8_t *plane = heif_image_get_plane(img, heif_channel_interleaved, &stride);
    for (int y = 0; y < h; y++)
        memcpy(plane + (size_t)y * stride, VIPS_IMAGE_ADDR(mem, 0, y), (size_t)w * 3);

    struct heif_context *ctx = heif_context_alloc();
    struct heif_encoder *enc;
    check(heif_context_get_encoder_for_format(
              ctx, avif ? heif_compression_AV1 : heif_compression_HEVC, &enc),
          "encoder");
    heif_encoder_set_lossy_quality(enc, 90);
    heif_encoder_set_parameter_string(enc, "chroma", "420"); /* Debian's aom aborts on 4:4:4 */
    struct heif_encoding_options *opts = heif_encoding_options_alloc();
    opts->image_orientation = (enum heif_orientation)transform;
    struct heif_image_handle *handle;
    check(heif_context_encode_image(ctx, img, enc, opts, &handle), "encode");
    if (exif > 0) {
        /* A little-endian TIFF header and one IFD with one entry: Orientation (0x0112), SHORT. */
        unsigned char tiff[] = {'I',  'I',  42, 0, 8, 0, 0, 0, /* header, IFD0 at 8 */
                                1,    0,                       /* one entry */
                                0x12, 0x01, 3,  0, 1, 0, 0, 0, (unsigned char)exif,
                                0,    0,    0,  0, 0, 0, 0}; /* no next IFD */
        check(heif_context_add_exif_metadata(ctx, handle, tiff, (int)sizeof tiff), "exif");
    }
    check(heif_context_write_to_file(ctx, argv[2]), "write");
    heif_image_handle_release(handle);
    heif_encoding_options_free(opts);
    heif_encoder_release(enc);
    heif_image_release(img);
    heif_context_free(ctx);
    g_object_unref(mem);
    g_object_unref(small);
    g_object_unref(in);
    vips_shutdown();
    return 0;
}
