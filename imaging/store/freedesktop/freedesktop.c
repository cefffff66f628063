/* The freedesktop thumbnail cache (Thumbnail Managing Standard 0.9.0), the cache that GNOME Files,
 * Nautilus, Thunar, Dolphin and the GTK file chooser share: a folder store rooted at the cache
 * (files 0600, folders 0700, every write atomic, never through a symlink) with the cache's own
 * names and freshness rule:
 *   - a source's thumbnails are ROOT/FLAVOUR/MD5.png, MD5 being the lowercase hex MD5 of its
 *     file:// URI as GLib makes it for the path as given (key_path: absolute, "." and ".."
 *     resolved, symlinks kept, escaped as GLib and so GNOME escape it), so that a file manager
 *     browsing that path, a symlinked ~/Pictures included, finds them;
 *   - one is up to date when its Thumb::URI is the source's and its Thumb::MTime equals the
 *     source's modification time in whole seconds (and Thumb::Size its size, when present):
 *     equal, not "newer than", as the standard says;
 *   - a source that cannot be thumbnailed gets a failure entry, ROOT/fail/thumbgen-VERSION/MD5.png,
 *     which keeps later runs from trying again until the source changes (or --force); once it
 *     is made, its failure entry goes.
 * --prune removes the entries (every flavour's, and thumbgen's own failure entries) whose
 * Thumb::URI names a file under SRC (as given, or resolved) that no longer exists; never other
 * programs' failure entries, never entries for files outside SRC, and never the cache's own
 * folders. The PNGs themselves are made by the decoders (decoder/cachepng.h): opening the store
 * sets the run's format to FMT_PNG_KEYS and asks for MIME types.
 * Its form of DST is FORM (cmd/ turns --freedesktop into it); its place, the cache's folder. */
#include <dirent.h>
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/folder.h"
#include "s3/s3.h"
#include "store/freedesktop/pngtext.h"
#include "store/mirror.h"
#include "store/store.h"

#define FORM "freedesktop:"
#define FAIL_DIR "fail/thumbgen-" TG_VERSION

typedef struct {
    store_t base;
    store_t *folder; /* does the writing (and the removing) */
    char *root;
    gchar *cwd; /* the working folder as GLib sees it, taken once (key_path) */
} fdo_t;

/* The folders whose entries are thumbgen's to prune: the flavours and its own failure folder. */
static const char *const PRUNED_DIRS[] = {"normal", "large", "x-large", "xx-large", FAIL_DIR};
#define N_PRUNED_DIRS (sizeof PRUNED_DIRS / sizeof PRUNED_DIRS[0])

/* The cache's folder: $XDG_CACHE_HOME/thumbnails, or ~/.cache/thumbnails when that is unset or
 * empty (or not absolute, as the XDG spec says to ignore relative paths). malloc'd; NULL when
 * neither HOME nor XDG_CACHE_HOME says where. */
static char *cache_root(void)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char *root = NULL;
    if (xdg != NULL && xdg[0] == '/')
        return asprintf(&root, "%s/thumbnails", xdg) < 0 ? NULL : root;
    if (home != NULL && home[0] != '\0')
        return asprintf(&root, "%s/.cache/thumbnails", home) < 0 ? NULL : root;
    return NULL;
}

/* The path GLib gives the file at path (GFile's, so GNOME Files', GIO's and the GTK file
 * chooser's): absolute (relative to the working folder as GLib sees it, $PWD when that is it),
 * "." and ".." resolved in the text, symlinks kept. g_free it. */
static gchar *key_path(const fdo_t *s, const char *path)
{
    return g_canonicalize_filename(path, s->cwd);
}

static int fdo_name(store_t *base, task_t *t, const thumb_opts_t *o, char *err, size_t errsz)
{
    fdo_t *s = (fdo_t *)base;
    gchar *path = key_path(s, t->src);
    GError *gerr = NULL;
    gchar *uri = g_filename_to_uri(path, NULL, &gerr);
    g_free(path);
    if (uri == NULL) {
        snprintf(err, errsz, "%s", gerr->message);
        g_error_free(gerr);
        return -1;
    }
    gchar *md5 = g_compute_checksum_for_string(G_CHECKSUM_MD5, uri, -1);
    t->uri = strdup(uri);
    bool ok = t->uri != NULL && asprintf(&t->fail.dst, "%s/%s/%s.png", s->root, FAIL_DIR, md5) >= 0;
    for (int i = 0; ok && i < o->nsizes; i++)
        ok = asprintf(&t->outs[i].dst, "%s/%s/%s.png", s->root, o->sizes[i].label, md5) >= 0;
    g_free(md5);
    g_free(uri);
    if (!ok)
        snprintf(err, errsz, "out of memory");
    return ok ? 0 : -1;
}

/* Whether the PNG at path records t's source as it is now (same URI and MTime, and the same Size
 * if it records one: a failure entry need not): 1 it does, 0 it records another (or is not
 * readable as one), -1 there is none. */
static int records(const char *path, const task_t *t)
{
    static const char *const keys[] = {"Thumb::URI", "Thumb::MTime", "Thumb::Size"};
    char *v[3];
    pngtext_get(path, keys, v, 3);
    char mtime[32], size[32];
    snprintf(mtime, sizeof mtime, "%" PRId64, (int64_t)t->mtime.tv_sec);
    snprintf(size, sizeof size, "%" PRIu64, t->size);
    int r = v[0] == NULL ? -1
            : v[1] && strcmp(v[0], t->uri) == 0 && strcmp(v[1], mtime) == 0 &&
                    (v[2] == NULL || strcmp(v[2], size) == 0)
                ? 1
                : 0;
    pngtext_free(v, 3);
    return r;
}

static bool fdo_fresh(store_t *base, const task_t *t, int i)
{
    (void)base;
    return records(t->outs[i].dst, t) == 1;
}

/* The cache keeps failure entries only (a source not an image gets none, as GNOME's). */
static int fdo_verdict_before(store_t *base, task_t *t)
{
    (void)base;
    int r = records(t->fail.dst, t);
    t->held = r >= 0 ? RECORD_FAILED : 0;
    return r == 1 ? RECORD_FAILED : 0;
}

/* The PNG records its source itself (Thumb::URI, MTime, Size): nothing else is recorded. Once a
 * source's last thumbnail is written, a failure entry from before it could be made goes (one left
 * behind misleads no one). */
static int fdo_put(store_t *base, void *local, const task_t *src, const char *path, const void *buf,
                   size_t len, char *err, size_t errsz)
{
    fdo_t *s = (fdo_t *)base;
    int rc = s->folder->ops->put(s->folder, local, NULL, path, buf, len, err, errsz);
    if (rc == 0 && (store_role(src, path) & STORE_LAST) && src->fail.dst != NULL)
        s->folder->ops->remove(s->folder, (char *const *)&src->fail.dst, 1, NULL, NULL);
    return rc;
}

/* Hands fn the entries of one cache folder whose source lies under one of scopes[0..n) (paths
 * without a trailing slash; "" for /). False when the folder cannot be read whole (a missing one
 * is empty) or fn stopped. */
static bool scan_folder(fdo_t *s, const char *dir, const char *const *scopes, size_t nscopes,
                        store_entry_fn fn, void *ctx, char *err, size_t errsz)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", s->root, dir) < 0) {
        snprintf(err, errsz, "out of memory");
        return false;
    }
    DIR *d = opendir(path);
    if (d == NULL) {
        bool missing = errno == ENOENT;
        snprintf(err, errsz, "%s: %s", path, g_strerror(errno));
        free(path);
        return missing;
    }
    static const char *const key[] = {"Thumb::URI"};
    bool go = true;
    for (struct dirent *de; go && (de = readdir(d)) != NULL;) {
        const char *ext = strrchr(de->d_name, '.');
        char *entry = NULL;
        if (de->d_name[0] == '.' || ext == NULL || strcmp(ext, ".png") != 0 ||
            asprintf(&entry, "%s/%s", path, de->d_name) < 0)
            continue;
        char *uri = NULL;
        pngtext_get(entry, key, &uri, 1); /* not following a symlink */
        gchar *file = uri ? g_filename_from_uri(uri, NULL, NULL) : NULL;
        const char *rel = NULL;
        for (size_t i = 0; file != NULL && rel == NULL && i < nscopes; i++) {
            size_t n = strlen(scopes[i]);
            if (strncmp(file, scopes[i], n) == 0 && (file[n] == '/' || (file[n] == '\0' && n > 0)))
                rel = file[n] == '/' ? file + n + 1 : strrchr(file, '/') + 1;
        }
        if (rel != NULL) {
            struct stat st;
            int gone = lstat(file, &st) != 0 && errno == ENOENT;
            go = fn(ctx, &(store_entry_t){.addr = entry, .rel = rel, .gone = gone});
            if (!go)
                snprintf(err, errsz, "stopped");
        }
        g_free(file);
        free(uri);
        free(entry);
    }
    closedir(d);
    free(path);
    return go;
}

/* The entries under SRC as thumbgen names it (key_path) and, where that differs, under SRC
 * resolved (an earlier thumbgen's keys, or a file manager's that browsed the resolved path):
 * a source gone is gone by either name. */
static int fdo_scan(store_t *base, const thumb_opts_t *o, const char *src, store_entry_fn fn,
                    void *ctx, char *err, size_t errsz)
{
    (void)o; /* every flavour: a source that is gone has no thumbnail of any size */
    fdo_t *s = (fdo_t *)base;
    gchar *given = key_path(s, src);
    char real[PATH_MAX];
    const char *scopes[2] = {given, real};
    size_t nscopes = realpath(src, real) != NULL && strcmp(real, given) != 0 ? 2 : 1;
    for (size_t i = 0; i < nscopes; i++)
        if (strcmp(scopes[i], "/") == 0)
            scopes[i] = ""; /* every file is under / */
    bool whole = true;
    for (size_t i = 0; whole && i < N_PRUNED_DIRS; i++)
        whole = scan_folder(s, PRUNED_DIRS[i], scopes, nscopes, fn, ctx, err, errsz);
    g_free(given);
    return whole ? 0 : -1;
}

/* The writing folder store's (opened with keep_folders: the cache's folders stay). */
static void fdo_remove(store_t *base, char *const *addrs, size_t n, store_removed_fn fn, void *ctx)
{
    fdo_t *s = (fdo_t *)base;
    s->folder->ops->remove(s->folder, addrs, n, fn, ctx);
}

static void fdo_close(store_t *base)
{
    fdo_t *s = (fdo_t *)base;
    store_close(s->folder);
    g_free(s->cwd);
    free(s->root);
    free(s);
}

/* True when path is folder or lies beneath it (both resolved). */
static bool inside(const char *path, const char *folder)
{
    char p[PATH_MAX], f[PATH_MAX];
    if (realpath(path, p) == NULL || realpath(folder, f) == NULL)
        return false;
    size_t n = strlen(f);
    return strncmp(p, f, n) == 0 && (p[n] == '\0' || p[n] == '/' || n == 1);
}

/* store.h's chooser: FORM's place, the cache's folder, for a local SRC outside it. */
char *store_freedesktop_place(const char *dst, const char *src, char *err, size_t errsz)
{
    if (strcmp(dst, FORM) != 0)
        return NULL;
    char *root = cache_root();
    if (root == NULL)
        snprintf(err, errsz,
                 "--freedesktop: cannot tell where the thumbnail cache is (neither XDG_CACHE_HOME "
                 "nor HOME is set)");
    else if (s3_is_url(src))
        snprintf(err, errsz,
                 "%s: --freedesktop needs a local SRC (the cache knows files by file:// URI)", src);
    else if (inside(src, root))
        snprintf(err, errsz,
                 "%s: is inside the thumbnail cache %s (thumbnails are never made of thumbnails)",
                 src, root);
    if (err[0] != '\0') {
        free(root);
        root = NULL;
    }
    return root;
}

store_t *store_freedesktop_open(const char *dst, const store_cfg_t *cfg, char *err, size_t errsz)
{
    static const store_ops_t ops = {.name = fdo_name,
                                    .fresh = fdo_fresh,
                                    .verdict_before = fdo_verdict_before,
                                    .put = fdo_put,
                                    .scan = fdo_scan,
                                    .remove = fdo_remove,
                                    .close = fdo_close};
    if (strcmp(dst, FORM) != 0)
        return NULL;
    cfg->opts->format = FMT_PNG_KEYS; /* what the cache keeps: its PNGs, with their keys... */
    cfg->opts->want_mime = true;      /* ...Thumb::Mimetype among them */
    store_cfg_t fcfg = *cfg;
    fcfg.private_modes = true;
    fcfg.keep_folders = true;
    fdo_t *s = calloc(1, sizeof *s);
    if (s == NULL || (s->root = cache_root()) == NULL) {
        free(s);
        snprintf(err, errsz, "out of memory"); /* store_place found the root */
        return NULL;
    }
    s->cwd = g_get_current_dir();
    s->folder = store_folder_open(s->root, &fcfg, err, errsz);
    if (s->folder == NULL) {
        fdo_close(&s->base);
        return NULL;
    }
    s->base = (store_t){
        .ops = &ops, .writers = s->folder->writers, .unique_names = true, .knows_gone = true};
    return &s->base;
}
