/* make-nclx: writes an AVIF or HEIF file whose colour is described by an nclx box (H.273 code
 * points, no ICC profile), as phones write wide-gamut and HDR photos, for the colour tests. The
 * pixels of IN (8-bit, or 16-bit for a 10-bit file) are taken as code values in that space as they
 * are: no conversion happens here. (Debian 12's heif-enc takes the nclx options but does not
 * write them, so the file is made with libheif's API.)
 *
 *   make-nclx IN OUT PRIMARIES TRANSFER [BITS]     e.g. 12 13 (Display P3), 9 16 (BT.2020 PQ)
 *
 * OUT's extension chooses the codec: .avif (AV1) or .heic (HEVC). BITS: 8 (default) or 10.
 * Built by the tests: cc make-nclx.c $(pkg-config --cflags --libs vips libheif)
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
        fprintf(stderr, "make-nclx: %s: %s\n", what, e.message);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc < 5 || VIPS_INIT(argv[0]))
        return fprintf(stderr, "usage: make-nclx IN OUT PRIMARIES TRANSFER [BITS]\n"), 2;
    int bits = argc > 5 ? atoi(argv[5]) : 8;
    const char *dot = strrchr(argv[2], '.');
    bool avif = dot != NULL && strcmp(dot, ".avif") == 0;
    VipsImage *in = vips_image_new_from_file(argv[1], NULL), *mem;
    if (in == NULL || (mem = vips_image_copy_memory(in)) == NULL || mem->Bands != 3)
        return fprintf(stderr, "make-nclx: %s: %s\n", argv[1], vips_error_buffer()), 1;
    bool wide = mem->BandFmt == VIPS_FORMAT_USHORT;
    if (wide != (bits > 8))
        return fprintf(stderr, "make-nclx: 10 bits want a 16-bit input, 8 bits an 8-bit one\n"), 2;
    int w = mem->Xsize, h = mem->Ysize;

    struct heif_image *img;
    check(heif_image_create(w, h, heif_colorspace_RGB,
                            wide ? heif_chroma_interleaved_RRGGBB_LE : heif_chroma_interleaved_RGB,
                            &img),
          "image");
    check(heif_image_add_plane(img, heif_channel_interleaved, w, h, bits), "plane");
    int stride;
    uint8_t *plane = heif_image_get_plane(img, heif_channel_interleaved, &stride);
    for (int y = 0; y < h; y++) {
        if (!wide) {
            memcpy(plane + (size_t)y * stride, VIPS_IMAGE_ADDR(mem, 0, y), (size_t)w * 3);
            continue;
        }
        const uint16_t *src = (const uint16_t *)VIPS_IMAGE_ADDR(mem, 0, y);
        uint8_t *dst = plane + (size_t)y * stride;
        for (int x = 0; x < w * 3; x++) { /* 16 bits to 10, little-endian */
            uint16_t v = (uint16_t)(src[x] >> 6);
            dst[2 * x] = (uint8_t)v;
            dst[2 * x + 1] = (uint8_t)(v >> 8);
        }
    }
    struct heif_color_profile_nclx *nclx = heif_nclx_color_profile_alloc();
    check(heif_nclx_color_profile_set_color_primaries(nclx, (uint16_t)atoi(argv[3])), "primaries");
    check(heif_nclx_color_profile_set_transfer_characteristics(nclx, (uint16_t)atoi(argv[4])),
          "transfer");
    check(heif_nclx_color_profile_set_matrix_coefficients(nclx, 6), "matrix");
    nclx->full_range_flag = 1;
    check(heif_image_set_nclx_color_profile(img, nclx), "nclx");

    struct heif_context *ctx = heif_context_alloc();
    struct heif_encoder *enc;
    check(heif_context_get_encoder_for_format(
              ctx, avif ? heif_compression_AV1 : heif_compression_HEVC, &enc),
          "encoder");
    heif_encoder_set_lossy_quality(enc, 95);
    heif_encoder_set_parameter_string(enc, "chroma", "420"); /* Debian's aom aborts on 4:4:4 */
    struct heif_encoding_options *opts = heif_encoding_options_alloc();
    opts->output_nclx_profile = nclx;
    check(heif_context_encode_image(ctx, img, enc, opts, NULL), "encode");
    check(heif_context_write_to_file(ctx, argv[2]), "write");
    heif_encoding_options_free(opts);
    heif_encoder_release(enc);
    heif_nclx_color_profile_free(nclx);
    heif_image_release(img);
    heif_context_free(ctx);
    g_object_unref(mem);
    g_object_unref(in);
    vips_shutdown();
    return 0;
}
