/* End-to-end tests of video clips, made at test time with the ffmpeg command from the synthetic
 * picture (testdata/photos/orientation/Landscape_1.jpg: red, green / blue, yellow quadrants): each
 * poster frame is checked by its pixels (orientation by the quadrants, "not black" by its mean),
 * each failure by its reason. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"

#define BIN THUMBGEN_BIN
#define PICTURE TESTDATA "/photos/orientation/Landscape_1.jpg"
#define dirs test_dirs

/* Runs ffmpeg with args (a shell fragment) in SRC, the picture as its first input. */
static void ffmpeg(const char *args)
{
    shf("cd '%s' && ffmpeg -nostdin -v error -y %s", dirs.src, args);
}

/* A clip of the picture: seconds long at 10 frames/s, encoded as enc says, into name. */
static void clip(const char *name, double seconds, const char *enc)
{
    char args[1024];
    FMT(args, "-loop 1 -i '%s' -t %g -r 10 %s '%s'", PICTURE, seconds, enc, name);
    ffmpeg(args);
}

/* The quadrants' hues of DST/name (as test_cli_raw.c judges them), and its size. */
static char hue(VipsImage *im, int x, int y)
{
    double *p;
    int n;
    assert_int_equal(vips_getpoint(im, &p, &n, x, y, NULL), 0);
    double r = p[0], g = p[1], b = p[2], d = 60;
    g_free(p);
    return r > b + d && g > b + d   ? 'y'
           : r > g + d && r > b + d ? 'r'
           : g > r + d && g > b + d ? 'g'
           : b > r + d && b > g + d ? 'b'
                                    : '?';
}

static void expect_poster(const char *name, const char *hues, int w, int h)
{
    char path[300], got[5];
    FMT(path, "%s/%s", dirs.dst, name);
    VipsImage *im = load(path);
    int W = im->Xsize, H = im->Ysize;
    got[0] = hue(im, W / 4, H / 4), got[1] = hue(im, 3 * W / 4, H / 4);
    got[2] = hue(im, W / 4, 3 * H / 4), got[3] = hue(im, 3 * W / 4, 3 * H / 4);
    got[4] = '\0';
    g_object_unref(im);
    if (strcmp(got, hues) != 0 || abs(W - w) > 1 || abs(H - h) > 1)
        fail_msg("%s: %dx%d with quadrants %s, expected %dx%d with %s", name, W, H, got, w, h,
                 hues);
}

/* H.264 in MP4, the same turned 90 degrees by its display matrix (as phones store portrait
 * clips), VP9 in WebM, 10-bit HEVC, and HLG HDR: each poster upright, with the picture's hues. */
static void clips_of_every_kind(void **state)
{
    (void)state;
    clip("h264.mp4", 3, "-c:v libx264 -pix_fmt yuv420p");
    clip("portrait.mp4", 3, "-c:v libx264 -pix_fmt yuv420p");
    shf("python3 '%s/mp4-rotate.py' '%s/portrait.mp4' 90", TESTDATA, dirs.src);
    clip("vp9.webm", 2, "-c:v libvpx-vp9 -b:v 400k -deadline realtime");
    clip("hevc10.mkv", 2, "-c:v libx265 -x265-params log-level=none -pix_fmt yuv420p10le");
    clip("hlg.mov", 2,
         "-c:v libx265 -x265-params log-level=none -pix_fmt yuv420p10le -color_primaries bt2020 "
         "-color_trc arib-std-b67 -colorspace bt2020nc");
    expect_run(tg_run(BIN, dirs.src, dirs.dst, "-j", "2", "--manifest", dirs.manifest, NULL), 0, 5,
               0, 0, 0);
    expect_poster("h264.jpg", "rgby", 256, 171);
    expect_poster("portrait.jpg", "bryg", 171, 256); /* turned clockwise */
    expect_poster("vp9.jpg", "rgby", 256, 171);
    expect_poster("hevc10.jpg", "rgby", 256, 171);
    expect_poster("hlg.jpg", "rgby", 256, 171);
    char *m = slurp(dirs.manifest);
    assert_non_null(strstr(m, "h264.mp4\",\"status\":\"made\""));
    assert_non_null(strstr(m, "\"kind\":\"video\",\"duration\":3.000"));
    /* The codec, a field the family alone puts (core/task.h, meta_put), as Python's json reads it.
     */
    expect_manifest(dirs.manifest, "'src$=h264.mp4'", "codec", "\"h264\"");
    expect_manifest(dirs.manifest, "'src$=vp9.webm'", "codec", "\"vp9\"");
    expect_manifest(dirs.manifest, "'src$=hlg.mov'", "codec", "\"hevc\"");
    /* --no-video: clips skipped, counted, never failed. */
    expect_run(tg_run(BIN, dirs.src, dirs.dst, "--no-video", "--force", NULL), 0, 0, 0, 5, 0);
}

/* A clip that fades in from two seconds of black: the poster is not black. A point given in
 * seconds past the black is taken as it is. A motion photo stays a photo. */
static void black_start(void **state)
{
    (void)state;
    char args[1024];
    FMT(args,
        "-f lavfi -i color=black:s=1200x800:r=10:d=2 -loop 1 -t 3 -r 10 -i '%s' "
        "-filter_complex '[0][1]concat=n=2:v=1' -c:v libx264 -pix_fmt yuv420p fade.mp4",
        PICTURE);
    ffmpeg(args);
    /* A motion photo: the still, then a clip appended (all green, so a poster of the clip would
     * show). It is thumbnailed from the still. */
    shf("cd '%s' && ffmpeg -nostdin -v error -f lavfi -i color=green:s=320x240:d=1 green.mkv && "
        "cat '%s' green.mkv > motion.jpg && rm green.mkv",
        dirs.src, PICTURE);
    expect_run(tg_run(BIN, dirs.src, dirs.dst, NULL), 0, 2, 0, 0, 0);
    expect_poster("fade.jpg", "rgby", 256, 171);
    expect_poster("motion.jpg", "rgby", 256, 171);
    tg_expect(0, BIN, dirs.src, dirs.dst, "--video-at", "3.5", "--force", NULL);
    expect_poster("fade.jpg", "rgby", 256, 171);
    expect_says(tg_run(BIN, dirs.src, dirs.dst, "--video-at", "120%", NULL), 2, "--video-at");
}

/* Audio only, truncated, a corrupted header: each fails alone, with a reason in words; a good clip
 * beside them is made. A playlist or concat list posing as a clip, naming a clip beside it and a
 * URL, is refused: FFmpeg opens nothing but the descriptor. */
static void bad_clips_fail_alone(void **state)
{
    (void)state;
    clip("good.mp4", 2, "-c:v libx264 -pix_fmt yuv420p -movflags +faststart");
    ffmpeg("-f lavfi -i sine=f=440:d=2 audio.m4a && mv audio.m4a audio.mp4");
    shf("cd '%s' && head -c 3000 good.mp4 > cut.mp4 && cp good.mp4 broken.mov && "
        "printf 'garbage!garbage!garbage!' | dd of=broken.mov conv=notrunc status=none && "
        "printf '#EXTM3U\\n#EXT-X-TARGETDURATION:2\\n#EXTINF:2,\\ngood.mp4\\n#EXTINF:2,\\n"
        "http://127.0.0.1:9/x.ts\\n#EXT-X-ENDLIST\\n' > playlist.mp4 && "
        "printf 'ffconcat version 1.0\\nfile good.mp4\\n' > list.mkv",
        dirs.src);
    proc_result_t r = tg_run(BIN, dirs.src, dirs.dst, NULL);
    assert_non_null(strstr(r.err, "audio.mp4: no video stream"));
    assert_non_null(strstr(r.err, "cut.mp4: cannot decode a frame: Invalid data"));
    assert_non_null(strstr(r.err, "broken.mov: cannot read the clip: Invalid data"));
    assert_non_null(strstr(r.err, "playlist.mp4: cannot read the clip: FFmpeg takes it for Apple "
                                  "HTTP Live Streaming, which names other files or streams"));
    assert_non_null(strstr(r.err, "list.mkv: cannot read the clip: FFmpeg takes it for Virtual "
                                  "concatenation script"));
    expect_run(r, 1, 1, 0, 0, 5);
    assert_int_equal(count_outputs(dirs.dst, NULL), 1);
}

/* The freedesktop cache: a clip's entry with its MIME type and length, accepted by GNOME's
 * factory. */
static void clips_in_the_cache(void **state)
{
    (void)state;
    clip("cam.mp4", 4, "-c:v libx264 -pix_fmt yuv420p");
    char cache[200];
    FMT(cache, "%s/cache", dirs.root);
    setenv("XDG_CACHE_HOME", cache, 1);
    tg_expect(0, BIN, "--freedesktop", dirs.src, NULL);
    char path[300];
    FMT(path, "%s/cam.mp4", dirs.src);
    proc_result_t r = tg_run("/usr/bin/python3", FREEDESKTOP_DIR "/gnome_check.py", "thumb",
                             "normal,large", path, NULL);
    if (r.status != 0)
        fail_msg("%s%s", r.out, r.err);
    proc_result_free(&r);
    shf("grep -rl 'video/mp4' '%s/thumbnails/large' | xargs grep -l 'Thumb::Movie::Length' "
        ">/dev/null",
        cache);
}

/* Frames and delays of an image file: n-pages and the delay array libvips reads. */
static int frames_of(const char *path, int delays[], int max, int *page_height)
{
    VipsImage *im = vips_image_new_from_file(path, "n", -1, NULL);
    if (im == NULL)
        fail_msg("cannot load %s: %s", path, vips_error_buffer());
    int n = vips_image_get_n_pages(im), *d = NULL, nd = 0;
    *page_height = vips_image_get_page_height(im);
    if (vips_image_get_typeof(im, "delay") && vips_image_get_array_int(im, "delay", &d, &nd) == 0)
        for (int i = 0; i < nd && i < max; i++)
            delays[i] = d[i];
    assert_int_equal(nd, n > 1 ? n : nd);
    g_object_unref(im);
    return n;
}

/* --animated: an animated GIF and WebP made here keep every frame and every delay, each frame at
 * the thumbnail's size, in WebP and in GIF; without it, and into JPEG, one frame; an animation
 * whose frames together pass --max-pixels is refused from its header. */
static void animations(void **state)
{
    (void)state;
    ffmpeg("-f lavfi -i testsrc2=s=160x90:r=10:d=1 anim.gif");
    ffmpeg("-f lavfi -i testsrc2=s=160x90:r=8:d=1 -c:v libwebp_anim -loop 0 clip.webp");
    const char *fmts[] = {"webp", "gif"};
    for (int f = 0; f < 2; f++) {
        expect_run(tg_run(BIN, dirs.src, dirs.dst, "--animated", "-f", fmts[f], "-s", "64",
                          "--force", NULL),
                   0, 2, 0, 0, 0);
        const char *srcs[] = {"anim.gif", "clip.webp"}, *outs[] = {"anim", "clip"};
        for (int k = 0; k < 2; k++) {
            char in[300], out[300];
            FMT(in, "%s/%s", dirs.src, srcs[k]);
            FMT(out, "%s/%s.%s", dirs.dst, outs[k], fmts[f]);
            int din[64] = {0}, dout[64] = {0}, phin, phout;
            int nin = frames_of(in, din, 64, &phin), nout = frames_of(out, dout, 64, &phout);
            assert_true(nin > 1);
            assert_int_equal(nout, nin);
            for (int i = 0; i < nin; i++) /* GIF keeps hundredths of a second: 125 ms is 120 */
                if (f == 0 ? dout[i] != din[i] : abs(dout[i] - din[i]) >= 10)
                    fail_msg("%s frame %d: delay %d ms, the source's %d", out, i, dout[i], din[i]);
            assert_int_equal(phout, 36); /* 160x90 into 64: 64x36 a frame */
        }
    }
    tg_expect(0, BIN, dirs.src, dirs.dst, "-f", "webp", "-s", "64", "--force", NULL);
    char out[300];
    int d[64], ph;
    FMT(out, "%s/clip.webp", dirs.dst);
    assert_int_equal(frames_of(out, d, 64, &ph), 1);
    proc_result_t r = tg_run(BIN, dirs.src, dirs.dst, "--animated", "-s", "64", NULL); /* JPEG */
    expect_run(r, 0, 2, 0, 0, 0);
    expect_says(tg_run(BIN, dirs.src, dirs.dst, "--animated", "-f", "webp", "--max-pixels",
                       "100000", "--force", NULL),
                1, "anim.gif: animation too large: 10 frames of 160x90 pixels");
}

int main(void)
{
    if (VIPS_INIT("test_cli_video"))
        return 1;
    vips_cache_set_max(0); /* the same path is read again after a rerun rewrote it */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(clips_of_every_kind, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(black_start, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(bad_clips_fail_alone, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(clips_in_the_cache, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(animations, setup_dirs, teardown_dirs),
    };
    return shutdown_vips(cmocka_run_group_tests(tests, NULL, NULL));
}
