/* The video family (codec.h), through FFmpeg: MP4/MOV/M4V, WebM/MKV, AVI, MPEG-TS, 3GP, ... as
 * Debian's FFmpeg demuxes and decodes them, read from the decoder's descriptor through a custom I/O
 * context: FFmpeg opens nothing itself (a playlist or concat list that names another file or a
 * URL is refused), under the decoder's sandbox, deadline and memory limit.
 *
 * The poster frame: seek to --video-at (default 10% of the duration) and take the first frame
 * decoded from the keyframe at or before it (never decoding from the start to reach the point).
 * If that frame is nearly black or flat (a fade-in, a lens cap: its mean below 20 or its
 * standard deviation below 6, of 255), try 3 later points evenly spread between it and the end,
 * and take the first that is not, else the busiest of them. The frame is converted to RGB by
 * libswscale (the stream's own matrix and range), turned by the container's display matrix,
 * widened by its sample aspect ratio, and tone-mapped like still images when it is HDR (nclx.h);
 * libvips resizes and encodes it. */
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avstring.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vips/vips.h>

#include "core/naming.h"
#include "decoder/codec.h"
#include "decoder/nclx.h"
#include "decoder/thumbnail.h"

#define IO_BUF 65536
/* The demuxers a clip may be read with (FFmpeg's names): containers that hold their own streams. */
#define SELF_CONTAINED                                                                             \
    "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpegtsraw,mpeg,mpegvideo,ogg,flv,asf,h264,"  \
    "hevc,m4v,ivf,obu,yuv4mpegpipe"

/* The MIME types of clips by extension, as shared-mime-info names them (Thumb::Mimetype). */
static const char *video_mime(const char *name)
{
    static const struct {
        const char *ext, *mime;
    } t[] = {{"mp4", "video/mp4"},       {"m4v", "video/mp4"},   {"mov", "video/quicktime"},
             {"qt", "video/quicktime"},  {"webm", "video/webm"}, {"mkv", "video/x-matroska"},
             {"avi", "video/x-msvideo"}, {"ts", "video/mp2t"},   {"mts", "video/mp2t"},
             {"m2ts", "video/mp2t"},     {"3gp", "video/3gpp"},  {"3g2", "video/3gpp2"},
             {"mpg", "video/mpeg"},      {"mpeg", "video/mpeg"}, {"ogv", "video/ogg"},
             {"wmv", "video/x-ms-wmv"},  {"flv", "video/x-flv"}};
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot != NULL && i < sizeof t / sizeof t[0]; i++)
        if (strcasecmp(dot + 1, t[i].ext) == 0)
            return t[i].mime;
    return NULL;
}

/* A clip by its extension; an MPEG transport stream's .ts also by its sync bytes (0x47 every 188
 * bytes, or 192 with a 4-byte timestamp), since TypeScript sources are .ts too. */
static bool video_claims(int fd, const char *name)
{
    if (!has_video_extension(name))
        return false;
    const char *dot = strrchr(name, '.');
    if (strcasecmp(dot, ".ts") != 0)
        return true;
    unsigned char b[4 + 192 + 1];
    if (pread(fd, b, sizeof b, 0) != (ssize_t)sizeof b)
        return false;
    return (b[0] == 0x47 && b[188] == 0x47) || (b[4] == 0x47 && b[196] == 0x47);
}

/* ---- reading through the descriptor */

static int io_read(void *opaque, uint8_t *buf, int size)
{
    ssize_t n = read(*(int *)opaque, buf, (size_t)size);
    return n > 0 ? (int)n : n == 0 ? AVERROR_EOF : AVERROR(EIO);
}

static int64_t io_seek(void *opaque, int64_t offset, int whence)
{
    int fd = *(int *)opaque;
    if (whence & AVSEEK_SIZE) {
        struct stat st;
        return fstat(fd, &st) == 0 ? st.st_size : AVERROR(EIO);
    }
    off_t r = lseek(fd, (off_t)offset, whence & ~AVSEEK_FORCE);
    return r < 0 ? AVERROR(EIO) : r;
}

/* What a demuxer would open besides the source (an HLS playlist's segments, a concat list's
 * files, a URL): refused, always. */
static int refuse_open(struct AVFormatContext *s, AVIOContext **pb, const char *url, int flags,
                       AVDictionary **options)
{
    (void)s, (void)pb, (void)flags, (void)options;
    av_log(NULL, AV_LOG_DEBUG, "thumbgen: refused to open %s\n", url);
    return AVERROR(EPERM);
}

typedef struct {
    int fd;
    AVIOContext *io;
    AVFormatContext *fmt;
    AVCodecContext *dec;
    AVFrame *frame;
    AVPacket *pkt;
    int stream;
} clip_t;

static void clip_close(clip_t *c)
{
    av_frame_free(&c->frame);
    av_packet_free(&c->pkt);
    avcodec_free_context(&c->dec);
    avformat_close_input(&c->fmt);
    if (c->io != NULL)
        av_freep(&c->io->buffer);
    avio_context_free(&c->io);
}

/* Fails t with FFmpeg's reason for err, after what. */
static void fail_av(task_t *t, const char *what, int err)
{
    char msg[AV_ERROR_MAX_STRING_SIZE] = "";
    av_strerror(err, msg, sizeof msg);
    task_fail(t, TASK_FAILED, "%s: %s", what, msg);
}

/* Opens the clip and its best video stream's decoder. false with t failed. */
static bool clip_open(clip_t *c, task_t *t)
{
    unsigned char *buf = av_malloc(IO_BUF);
    c->fd = t->fd;
    c->io = buf ? avio_alloc_context(buf, IO_BUF, 0, &c->fd, io_read, NULL, io_seek) : NULL;
    c->fmt = avformat_alloc_context();
    c->frame = av_frame_alloc();
    c->pkt = av_packet_alloc();
    if (c->io == NULL || c->fmt == NULL || c->frame == NULL || c->pkt == NULL) {
        if (c->io == NULL)
            av_free(buf);
        task_fail(t, TASK_FAILED, "cannot read the clip: out of memory");
        return false;
    }
    c->fmt->pb = c->io;
    c->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
    c->fmt->io_open = refuse_open;
    /* Only demuxers of self-contained files (no playlists, concat lists or manifests, which
     * name other files), and no protocol at all: both lists pass on to any nested context. */
    const AVInputFormat *ifmt = NULL;
    int rc = av_probe_input_buffer(c->io, &ifmt, "", NULL, 0, 0);
    if (rc >= 0 && !av_match_list(ifmt->name, SELF_CONTAINED, ',')) {
        task_fail(t, TASK_FAILED,
                  "cannot read the clip: FFmpeg takes it for %s, which names other files or "
                  "streams; thumbgen opens only the file itself",
                  ifmt->long_name ? ifmt->long_name : ifmt->name);
        return false;
    }
    AVDictionary *opts = NULL;
    av_dict_set(&opts, "format_whitelist", SELF_CONTAINED, 0);
    av_dict_set(&opts, "protocol_whitelist", "none", 0);
    if (rc >= 0)
        rc = avformat_open_input(&c->fmt, NULL, ifmt, &opts);
    else
        avformat_free_context(c->fmt);
    av_dict_free(&opts);
    if (rc < 0) {
        c->fmt = NULL; /* freed by avformat_open_input */
        fail_av(t, "cannot read the clip", rc);
        return false;
    }
    if ((rc = avformat_find_stream_info(c->fmt, NULL)) < 0) {
        fail_av(t, "cannot read the clip", rc);
        return false;
    }
    const AVCodec *codec = NULL;
    c->stream = av_find_best_stream(c->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (c->stream < 0 || codec == NULL) {
        task_fail(t, TASK_FAILED,
                  c->stream == AVERROR_DECODER_NOT_FOUND ? "no decoder for its video stream"
                                                         : "no video stream");
        return false;
    }
    c->dec = avcodec_alloc_context3(codec);
    if (c->dec == NULL ||
        avcodec_parameters_to_context(c->dec, c->fmt->streams[c->stream]->codecpar) < 0) {
        task_fail(t, TASK_FAILED, "cannot decode a frame: out of memory");
        return false;
    }
    c->dec->thread_count = 1; /* parallelism is across files */
    if ((rc = avcodec_open2(c->dec, codec, NULL)) < 0) {
        fail_av(t, "cannot decode a frame", rc);
        return false;
    }
    return true;
}

/* The clip's length in seconds, or 0 when it does not say. */
static double clip_duration(const clip_t *c)
{
    const AVStream *st = c->fmt->streams[c->stream];
    if (st->duration > 0 && st->duration != AV_NOPTS_VALUE)
        return (double)st->duration * av_q2d(st->time_base);
    if (c->fmt->duration > 0 && c->fmt->duration != AV_NOPTS_VALUE)
        return (double)c->fmt->duration / AV_TIME_BASE;
    return 0;
}

/* Decodes the first frame at or after the keyframe before `at` seconds into c->frame. 0, or an
 * FFmpeg error. */
static int frame_at(clip_t *c, double at)
{
    const AVStream *st = c->fmt->streams[c->stream];
    int64_t ts = (int64_t)(at / av_q2d(st->time_base));
    if (st->start_time != AV_NOPTS_VALUE)
        ts += st->start_time;
    if (at > 0 && av_seek_frame(c->fmt, c->stream, ts, AVSEEK_FLAG_BACKWARD) >= 0)
        avcodec_flush_buffers(c->dec);
    for (;;) {
        int rc = avcodec_receive_frame(c->dec, c->frame);
        if (rc == 0)
            return 0;
        if (rc != AVERROR(EAGAIN))
            return rc;
        rc = av_read_frame(c->fmt, c->pkt);
        if (rc == AVERROR_EOF) {
            avcodec_send_packet(c->dec, NULL); /* drain what the decoder holds */
            continue;
        }
        if (rc < 0)
            return rc;
        if (c->pkt->stream_index == c->stream)
            rc = avcodec_send_packet(c->dec, c->pkt);
        av_packet_unref(c->pkt);
        if (rc < 0 && rc != AVERROR(EAGAIN))
            return rc;
    }
}

/* c->frame as RGB (8 bits a channel, or 16 for deeper sources), at its coded size. */
static VipsImage *frame_rgb(const clip_t *c)
{
    const AVFrame *f = c->frame;
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
    bool deep = d != NULL && d->comp[0].depth > 8;
    enum AVPixelFormat to = deep ? AV_PIX_FMT_RGB48LE : AV_PIX_FMT_RGB24;
    struct SwsContext *sws = sws_getContext(f->width, f->height, f->format, f->width, f->height, to,
                                            SWS_BILINEAR | SWS_ACCURATE_RND, NULL, NULL, NULL);
    if (sws == NULL) {
        vips_error("ffmpeg", "no conversion from the clip's pixel format");
        return NULL;
    }
    int cs = f->colorspace != AVCOL_SPC_UNSPECIFIED ? f->colorspace : AVCOL_SPC_BT709;
    const int *coef = sws_getCoefficients(cs);
    sws_setColorspaceDetails(sws, coef, f->color_range == AVCOL_RANGE_JPEG, coef, 1, 0, 1 << 16,
                             1 << 16);
    size_t stride = (size_t)f->width * (deep ? 6 : 3);
    uint8_t *px = g_try_malloc(stride * (size_t)f->height);
    VipsImage *img = NULL;
    if (px != NULL) {
        uint8_t *dst[4] = {px};
        int dst_stride[4] = {(int)stride};
        sws_scale(sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst, dst_stride);
        img = vips_image_new_from_memory_copy(px, stride * (size_t)f->height, f->width, f->height,
                                              3, deep ? VIPS_FORMAT_USHORT : VIPS_FORMAT_UCHAR);
        g_free(px);
    }
    sws_freeContext(sws);
    if (img != NULL)
        img->Type = deep ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_sRGB;
    else
        vips_error("ffmpeg", "out of memory");
    return img;
}

/* True when a frame is nearly black or flat: a poor poster. *busy: its standard deviation. */
static bool poor_frame(VipsImage *img, double *busy)
{
    VipsImage *small = NULL;
    double mean = 0, dev = 0;
    if (vips_thumbnail_image(img, &small, 64, NULL) == 0) {
        vips_avg(small, &mean, NULL);
        vips_deviate(small, &dev, NULL);
        g_object_unref(small);
    }
    double full = img->BandFmt == VIPS_FORMAT_USHORT ? 65535 : 255;
    *busy = dev / full * 255;
    return mean / full * 255 < 20 || *busy < 6;
}

/* The poster frame as an upright sRGB-ready image, or NULL with t failed. */
static VipsImage *poster(const thumb_opts_t *o, clip_t *c, task_t *t, double duration)
{
    double first = o->video_at_seconds ? o->video_at : duration * o->video_at / 100;
    if (duration > 0 && first >= duration)
        first = duration * 0.1;
    VipsImage *best = NULL;
    double best_busy = -1;
    for (int k = 0; k < 4; k++) {
        double at = k == 0 ? first : first + (duration - first) * k / 4;
        if (k > 0 && duration <= 0)
            break;
        int rc = frame_at(c, at);
        if (rc < 0) { /* a later point that fails leaves the frame found before */
            if (best == NULL)
                fail_av(t, "cannot decode a frame", rc);
            break;
        }
        VipsImage *img = frame_rgb(c);
        if (img == NULL) {
            if (best == NULL)
                thumb_fail_vips(t, "cannot decode a frame");
            break;
        }
        double busy;
        bool poor = poor_frame(img, &busy);
        if (busy > best_busy) {
            VIPS_UNREF(best);
            best = img;
            best_busy = busy;
        } else {
            g_object_unref(img);
        }
        if (!poor)
            break;
    }
    return best;
}

/* Turns and widens the frame as the container says: display matrix, sample aspect ratio. */
static VipsImage *shown(const thumb_opts_t *o, const clip_t *c, VipsImage *img)
{
    VipsImage *out = img, *tmp;
    g_object_ref(out);
    AVRational sar = c->frame->sample_aspect_ratio;
    if (sar.num > 0 && sar.den > 0 && sar.num != sar.den) {
        if (vips_resize(out, &tmp, av_q2d(sar), "vscale", 1.0, NULL))
            return g_object_unref(out), NULL;
        g_object_unref(out), out = tmp;
    }
    const int32_t *m = (const int32_t *)av_stream_get_side_data(c->fmt->streams[c->stream],
                                                                AV_PKT_DATA_DISPLAYMATRIX, NULL);
    if (m != NULL && !o->no_rotate) {
        double theta = -round(av_display_rotation_get(m)); /* clockwise degrees */
        theta -= 360 * floor(theta / 360 + 0.9 / 360);
        VipsAngle a = fabs(theta - 90) < 1    ? VIPS_ANGLE_D90
                      : fabs(theta - 180) < 1 ? VIPS_ANGLE_D180
                      : fabs(theta - 270) < 1 ? VIPS_ANGLE_D270
                                              : VIPS_ANGLE_D0;
        if (a != VIPS_ANGLE_D0) {
            if (vips_rot(out, &tmp, a, NULL))
                return g_object_unref(out), NULL;
            g_object_unref(out), out = tmp;
        }
    }
    return out;
}

static void video_make(const thumb_opts_t *o, task_t *t)
{
    clip_t c = {0};
    VipsImage *frame = NULL, *up = NULL, *colour = NULL, *small = NULL;
    if (!clip_open(&c, t))
        goto done;
    double duration = clip_duration(&c);
    t->video = true;
    t->duration = duration;
    const AVCodecParameters *par = c.fmt->streams[c.stream]->codecpar;
    if ((uint64_t)par->width * (uint64_t)par->height > o->max_pixels) {
        task_fail(t, TASK_FAILED, "frame too large: %dx%d pixels, limit %llu (see --max-pixels)",
                  par->width, par->height, (unsigned long long)o->max_pixels);
        goto done;
    }
    if ((frame = poster(o, &c, t, duration)) == NULL)
        goto done;
    if ((up = shown(o, &c, frame)) == NULL) {
        thumb_fail_vips(t, "cannot turn the frame");
        goto done;
    }
    nclx_t nclx;
    colour = up;
    g_object_ref(colour);
    if (nclx_from_codes(c.frame->color_primaries, c.frame->color_trc, &nclx)) {
        g_object_unref(colour);
        if (nclx_convert(up, &nclx, o->keep_metadata, &colour)) {
            colour = NULL;
            thumb_fail_vips(t, "cannot convert the frame's colour");
            goto done;
        }
    }
    cache_keys_t keys = {.uri = t->uri,
                         .mtime = t->mtime.tv_sec,
                         .size = t->size,
                         .mime = o->freedesktop ? video_mime(t->rel) : NULL,
                         .width = colour->Xsize,
                         .height = colour->Ysize,
                         .movie_length = duration};
    int big = thumb_largest(o, colour->Xsize, colour->Ysize);
    const thumb_size_t *s = &o->sizes[big];
    if (vips_thumbnail_image(colour, &small, s->width, "height", s->height, "size",
                             o->upscale ? VIPS_SIZE_BOTH : VIPS_SIZE_DOWN, "crop",
                             thumb_interesting(o->crop), "no_rotate", TRUE, NULL)) {
        thumb_fail_vips(t, "cannot resize the frame");
        goto done;
    }
    thumb_sizes(o, t, small, big, &keys);
done:
    VIPS_UNREF(small);
    VIPS_UNREF(colour);
    VIPS_UNREF(up);
    VIPS_UNREF(frame);
    clip_close(&c);
    if (t->error == NULL)
        t->status = TASK_MADE;
    else
        thumb_release(t);
}

static void video_setup(uint64_t max_memory_mib)
{
    (void)max_memory_mib;           /* the decoder's address-space limit bounds FFmpeg too */
    av_log_set_level(AV_LOG_QUIET); /* its reasons come back as error codes, put in words */
}

const codec_t codec_video = {
    .name = "FFmpeg", .claims = video_claims, .setup = video_setup, .make = video_make};
