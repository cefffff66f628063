#include "core/filetype.h"

#include <string.h>
#include <strings.h>

#include "core/naming.h"

/* clang-format off */
#define IMG(e) {e, NULL, NULL, NULL}
#define RAW(e, m) {e, "raw", "camera RAW", "image/x-" m}
#define VID(e, m) {e, "video", "video", "video/" m}

const filetype_t filetypes[] = {
    IMG("jpg"), IMG("jpeg"), IMG("jpe"), IMG("jfif"), IMG("png"), IMG("gif"), IMG("webp"),
    IMG("tif"), IMG("tiff"), IMG("heic"), IMG("heif"), IMG("avif"), IMG("jxl"), IMG("jp2"),
    IMG("j2k"), IMG("jpx"), IMG("bmp"), IMG("svg"), IMG("svgz"), IMG("pdf"), IMG("ppm"),
    IMG("pgm"), IMG("pbm"), IMG("pnm"), IMG("pfm"), IMG("hdr"), IMG("exr"), IMG("fits"),
    IMG("fit"), IMG("fts"), IMG("ico"), IMG("psd"),
    RAW("dng", "adobe-dng"), RAW("cr2", "canon-cr2"), RAW("cr3", "canon-cr3"),
    RAW("crw", "canon-crw"), RAW("nef", "nikon-nef"), RAW("nrw", "nikon-nrw"),
    RAW("arw", "sony-arw"), RAW("sr2", "sony-sr2"), RAW("srf", "sony-srf"),
    RAW("raf", "fuji-raf"), RAW("orf", "olympus-orf"), RAW("rw2", "panasonic-rw2"),
    RAW("rwl", "panasonic-rw2"), RAW("raw", "panasonic-raw"), RAW("pef", "pentax-pef"),
    RAW("srw", "samsung-srw"), RAW("3fr", "hasselblad-3fr"), RAW("fff", "hasselblad-fff"),
    RAW("iiq", "phaseone-iiq"), RAW("x3f", "sigma-x3f"), RAW("erf", "epson-erf"),
    RAW("kdc", "kodak-kdc"), RAW("dcr", "kodak-dcr"), RAW("mrw", "minolta-mrw"),
    RAW("mos", "leaf-mos"), RAW("mef", "mamiya-mef"),
    VID("mp4", "mp4"), VID("m4v", "mp4"), VID("mov", "quicktime"), VID("qt", "quicktime"),
    VID("webm", "webm"), VID("mkv", "x-matroska"), VID("avi", "x-msvideo"), VID("ts", "mp2t"),
    VID("mts", "mp2t"), VID("m2ts", "mp2t"), VID("3gp", "3gpp"), VID("3g2", "3gpp2"),
    VID("mpg", "mpeg"), VID("mpeg", "mpeg"), VID("ogv", "ogg"), VID("wmv", "x-ms-wmv"),
    VID("flv", "x-flv"),
};
/* clang-format on */
const size_t nfiletypes = sizeof filetypes / sizeof filetypes[0];

const filetype_t *filetype_of(const char *path)
{
    const char *ext = extension_of(path);
    for (size_t i = 0; ext != NULL && i < nfiletypes; i++)
        if (strcasecmp(ext, filetypes[i].ext) == 0)
            return &filetypes[i];
    return NULL;
}

bool has_image_extension(const char *path)
{
    return filetype_of(path) != NULL && !has_video_extension(path);
}

bool has_video_extension(const char *path)
{
    const filetype_t *f = filetype_of(path);
    return f != NULL && f->mime != NULL && strncmp(f->mime, "video/", 6) == 0;
}

bool never_an_image(const char *path)
{
    return extension_of(path) != NULL && filetype_of(path) == NULL;
}
