/* options: what a thumbnail run makes, and the parsers for its command-line spellings. Pure C, no
 * libvips, so the parsers can be unit-tested and fuzzed alone.
 *
 * Error convention: a parser returns false when it refuses its text (the caller says why, naming
 * the option); nothing here prints. */
#ifndef IMAGING_OPTIONS_H
#define IMAGING_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#define THUMB_MAX_SIZES 8
#define THUMB_UNBOUNDED 10000000 /* libvips' VIPS_MAX_COORD: "no limit on this side" */
#define THUMB_NAME_MAX 64        /* bytes of a --name template, with its NUL */

typedef struct thumb_size {
    int width, height; /* THUMB_UNBOUNDED on a side the user left open ("256x", "x256") */
    char label[24];    /* the spelling the user gave, used as the folder name with several sizes */
} thumb_size_t;

typedef enum { CROP_NONE, CROP_CENTRE, CROP_ATTENTION, CROP_ENTROPY } crop_t;
/* FMT_PNG_KEYS: a thumbnail cache's PNG (decoder/cachepng.h: RGBA, none of the source's metadata,
 * the task's Thumb:: text keys), chosen by a store that keeps them, never by -f. */
typedef enum { FMT_JPEG, FMT_WEBP, FMT_AVIF, FMT_PNG, FMT_GIF, FMT_PNG_KEYS } format_t;
/* Camera RAW: the embedded preview when it is large enough (auto), whenever there is one, or
 * always the raw data, developed. */
typedef enum { RAW_AUTO, RAW_PREVIEW, RAW_DEVELOP } raw_mode_t;
/* --placeholder: the placeholders computed from the smallest thumbnail, for the manifest (flags).
 */
enum { PLACEHOLDER_NONE = 0, PLACEHOLDER_THUMBHASH = 1, PLACEHOLDER_BLURHASH = 2 };
/* --resize-path: the JPEG and PNG fast path where it applies (decoder/fastpath.h), or libvips'
 * loader and resize for every file. */
typedef enum { RESIZE_AUTO, RESIZE_LIBVIPS } resize_path_t;

typedef struct thumb_opts {
    thumb_size_t sizes[THUMB_MAX_SIZES]; /* in the order given; sizes[0] is the default 256 */
    int nsizes;
    crop_t crop;
    format_t format;
    int quality;          /* 1..100 */
    double background[3]; /* sRGB 0..255, for flattening alpha into JPEG */
    bool keep_metadata, no_rotate, upscale;
    bool want_mime; /* the source's MIME type is found (task_meta_t), for a store that keeps it */
    uint64_t max_pixels;
    char name[THUMB_NAME_MAX]; /* --name: the output name's template (naming.h); "": "%s" */
    raw_mode_t raw;
    double video_at;       /* --video-at: where the poster frame is, percent of the length... */
    bool video_at_seconds; /* ...or seconds from the start */
    bool no_video;         /* --no-video: clips are skipped */
    bool animated;         /* --animated: every frame, where the output format can animate */
    unsigned placeholder;  /* PLACEHOLDER_ flags */
    resize_path_t resize_path;
} thumb_opts_t;

/* The defaults of docs/DESIGN.md: box 256, JPEG q80, white background, rotate, strip, no upscale,
 * 268402689 pixels at most. */
void thumb_opts_default(thumb_opts_t *o);

/* Parses vipsthumbnail's size syntax, "256", "256x", "x256" or "320x200", into *s. Sides must be
 * 1..100000. Returns false (leaving *s undefined) on anything else. */
bool parse_size(const char *text, thumb_size_t *s);

/* Parses a comma-separated list of sizes ("128,512,1024") into o->sizes; false on a bad item, an
 * empty item, a duplicate, or more than THUMB_MAX_SIZES. */
bool parse_size_list(const char *text, thumb_opts_t *o);

/* A comma-separated list of the thumbnail cache's flavours, "normal" (128), "large" (256),
 * "x-large" (512), "xx-large" (1024), into o->sizes as square boxes labelled by name; false as
 * above. */
bool parse_flavour_list(const char *text, thumb_opts_t *o);

/* "none", "centre" (or "center"), "attention", "entropy". */
bool parse_crop(const char *text, crop_t *c);

/* "jpeg" (or "jpg"), "webp", "avif", "png", "gif". */
bool parse_format(const char *text, format_t *f);

/* "white", "black", "#rrggbb", or "R,G,B" with each 0..255. */
bool parse_colour(const char *text, double rgb[3]);

/* --video-at: "PERCENT%" (0-100) or "SECONDS" (a decimal number). */
bool parse_video_at(const char *text, thumb_opts_t *o);

/* "auto", "preview", "develop". */
bool parse_raw_mode(const char *text, raw_mode_t *m);

/* "auto", "libvips". */
bool parse_resize_path(const char *text, resize_path_t *p);

/* A --name template (naming.h's name_template_valid) into o->name; false if it is not one. */
bool parse_name_template(const char *text, thumb_opts_t *o);

/* --placeholder: "thumbhash", "blurhash", both comma-separated, or "none", into PLACEHOLDER_ flags.
 */
bool parse_placeholder(const char *text, unsigned *p);

/* The file extension of a format, without the dot. */
const char *format_ext(format_t f);

#endif
