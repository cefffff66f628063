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
#include <sys/stat.h>
#include <unistd.h>
#include <vips/vips.h>

#include "decoder/codec.h"
#include "decoder/nclx.h"
#include "decoder/sizes.h"

#define IO_BUF 65536
/* The demuxers a clip may be read with (FFmpeg's names): containers that hold their own streams. */
#define SELF_CONTAINED                                                                             \
    "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpegtsraw,mpeg,mpegvideo,ogg,flv,asf,h264,"  \
    "hevc,m4v,ivf,obu,yuv4mpegpipe"

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
    if (rc < 0)
        c->fmt = NULL; /* freed by avformat_open_input */
    if (rc < 0 || (rc = avformat_find_stream_info(c->fmt, NULL)) < 0) {
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
    if ((rc = avcodec_open2(c->dec, codec, NULL)) < 0)
        fail_av(t, "cannot decode a frame", rc);
    return rc >= 0;
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

static void free_pixels(VipsImage *img, void *px)
{
    (void)img;
    g_free(px);
}

/* c->frame as RGB (8 bits a channel, or 16 for deeper sources), at its coded size. */
static VipsImage *frame_rgb(const clip_t *c)
{
    const AVFrame *f = c->frame;
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
    bool deep = d != NULL && d->comp[0].depth > 8;
    enum AVPixelFormat to = deep ? AV_PIX_FMT_RGB48LE : AV_PIX_FMT_RGB24;
    struct SwsContext *sws = sws_getContext(f->width, f->height, f->format, f->width, f->height, to,
                                            SWS_BILINEAR, NULL, NULL, NULL);
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
        /* libvips reads the pixels where they are, and frees them with the image. */
        img = vips_image_new_from_memory(px, stride * (size_t)f->height, f->width, f->height, 3,
                                         deep ? VIPS_FORMAT_USHORT : VIPS_FORMAT_UCHAR);
        if (img != NULL)
            g_signal_connect(img, "postclose", G_CALLBACK(free_pixels), px);
        else
            g_free(px);
    }
    sws_freeContext(sws);
    if (img != NULL)
        img->Type = deep ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_sRGB;
    else
        vips_error("ffmpeg", "out of memory");
    return img;
}

/* True when a (small) frame is nearly black or flat: a poor poster. *busy: its standard
 * deviation, of 255. */
static bool poor_frame(VipsImage *img, double *busy)
{
    double mean = 0, dev = 0;
    vips_avg(img, &mean, NULL);
    vips_deviate(img, &dev, NULL);
    double full = img->BandFmt == VIPS_FORMAT_USHORT ? 65535 : 255;
    *busy = dev / full * 255;
    return mean / full * 255 < 20 || *busy < 6;
}

/* The clockwise turn the container's display matrix asks for (0, 90, 180 or 270 degrees). */
static int turn_of(const clip_t *c)
{
    const int32_t *m = (const int32_t *)av_stream_get_side_data(c->fmt->streams[c->stream],
                                                                AV_PKT_DATA_DISPLAYMATRIX, NULL);
    if (m == NULL)
        return 0;
    double theta = -round(av_display_rotation_get(m)); /* clockwise degrees */
    theta -= 360 * floor(theta / 360 + 0.9 / 360);
    return fabs(theta - 90) < 1    ? 90
           : fabs(theta - 180) < 1 ? 180
           : fabs(theta - 270) < 1 ? 270
                                   : 0;
}

/* The decoded frame as the poster at size `big`, in memory: widened by the sample aspect ratio,
 * thumbnailed (the box turned with the frame), then turned and, for HDR, tone-mapped, both on the
 * small image. NULL with libvips' error set. */
static VipsImage *small_frame(const thumb_opts_t *o, const clip_t *c, const thumb_size_t *box,
                              int turn)
{
    VipsImage *x[6] = {NULL}, *out = NULL;
    int k = 0;
    if ((x[k] = frame_rgb(c)) == NULL)
        return NULL;
    AVRational sar = c->frame->sample_aspect_ratio;
    if (sar.num > 0 && sar.den > 0 && sar.num != sar.den &&
        vips_resize(x[k], &x[k + 1], av_q2d(sar), "vscale", 1.0, NULL) == 0)
        k++;
    bool side = turn == 90 || turn == 270;
    thumb_size_t b = *box;
    if (side)
        b.width = box->height, b.height = box->width;
    if (thumb_resize(o, x[k], &b, &x[k + 1]))
        goto out;
    k++;
    if (turn != 0) {
        VipsAngle a = turn == 90 ? VIPS_ANGLE_D90 : turn == 180 ? VIPS_ANGLE_D180 : VIPS_ANGLE_D270;
        if (vips_rot(x[k], &x[k + 1], a, NULL))
            goto out;
        k++;
    }
    nclx_t nclx;
    if (nclx_from_codes(c->frame->color_primaries, c->frame->color_trc, &nclx)) {
        if (nclx_convert(x[k], &nclx, o->keep_metadata, &x[k + 1]))
            goto out;
        k++;
    }
    out = vips_image_copy_memory(x[k]);
out:
    for (int i = 0; i <= k + 1 && i < 6; i++)
        VIPS_UNREF(x[i]);
    return out;
}

/* The poster: the frame at --video-at, or, when that one is black or flat, the first later
 * point's that is not (else the busiest), as small_frame makes it. NULL with t failed. */
static VipsImage *poster(const thumb_opts_t *o, clip_t *c, task_t *t, double duration,
                         const thumb_size_t *box, int turn)
{
    double first = o->video_at_seconds ? o->video_at : duration * o->video_at / 100;
    if (duration > 0 && first >= duration)
        first = duration * 0.1;
    VipsImage *best = NULL;
    double best_busy = -1;
    for (int k = 0; k < (duration > 0 ? 4 : 1); k++) {
        int rc = frame_at(c, first + (duration - first) * k / 4);
        if (rc < 0) { /* a later point that fails leaves the frame found before */
            if (best == NULL)
                fail_av(t, "cannot decode a frame", rc);
            break;
        }
        VipsImage *img = small_frame(o, c, box, turn);
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

static void video_make(const thumb_opts_t *o, task_t *t)
{
    clip_t c = {0};
    VipsImage *small = NULL;
    if (!clip_open(&c, t))
        goto done;
    double duration = clip_duration(&c);
    snprintf(t->meta.kind, sizeof t->meta.kind, "video");
    t->meta.duration = duration;
    const AVStream *st = c.fmt->streams[c.stream];
    const AVCodecParameters *par = st->codecpar;
    meta_put(&t->meta, "codec", avcodec_get_name(par->codec_id), 0);
    if ((uint64_t)par->width * (uint64_t)par->height > o->max_pixels) {
        task_fail(t, TASK_FAILED, "frame too large: %dx%d pixels, limit %llu (see --max-pixels)",
                  par->width, par->height, (unsigned long long)o->max_pixels);
        goto done;
    }
    /* The frame as shown: widened by the sample aspect ratio, turned by the display matrix. */
    int turn = o->no_rotate ? 0 : turn_of(&c);
    double sar = par->sample_aspect_ratio.num > 0 && par->sample_aspect_ratio.den > 0
                     ? av_q2d(par->sample_aspect_ratio)
                     : 1;
    int w = (int)lround(par->width * sar), h = par->height;
    bool side = turn == 90 || turn == 270;
    t->meta.width = side ? h : w;
    t->meta.height = side ? w : h;
    int big = thumb_largest(o, t->meta.width, t->meta.height);
    if ((small = poster(o, &c, t, duration, &o->sizes[big], turn)) == NULL)
        goto done;
    thumb_sizes(o, t, small, big, NULL);
done:
    VIPS_UNREF(small);
    clip_close(&c);
}

static void video_setup(uint64_t max_memory_mib)
{
    (void)max_memory_mib;           /* the decoder's address-space limit bounds FFmpeg too */
    av_log_set_level(AV_LOG_QUIET); /* its reasons come back as error codes, put in words */
}

const codec_t tg_codec_video = {.setup = video_setup, .make = video_make};
