/* The list source (--files-from): thumbnails the paths a file or stdin names, relative to SRC,
 * one per line or NUL-terminated (-0), read and handed on as they arrive, so `find`, `git
 * ls-files` or a hook can feed a run that is already working. A leading "./" is dropped; an empty
 * entry, a folder (find prints those too), a symlink (unless --follow-symlinks) or a special file
 * is passed over; a path that leaves SRC or does not exist is reported failed. The clash rule is
 * the walk's: a listed file's rivals are the files of its folder on disk, listed or not, so a list
 * makes exactly the thumbnails the walk would have made of those files. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/arena.h"
#include "core/naming.h"
#include "source/entries.h"
#include "source/source.h"

typedef struct {
    source_t base;
    char *src;
    entries_t list;
    bool follow_symlinks;
    /* the claims of the last folder looked at */
    char *dir; /* relative to SRC; "" for SRC itself */
    src_file_t *files;
    size_t nfiles;
} files_src_t;

static void forget_folder(files_src_t *fs)
{
    for (size_t i = 0; i < fs->nfiles; i++)
        src_file_free(&fs->files[i]);
    free(fs->files);
    free(fs->dir);
    fs->files = NULL;
    fs->dir = NULL;
    fs->nfiles = 0;
}

/* Reads the regular files of folder dir (relative to SRC) and settles their claims. */
static void load_folder(files_src_t *fs, source_sink_t *k, const char *dir)
{
    forget_folder(fs);
    fs->dir = strdup(dir);
    char *path = dir[0] ? path_join(fs->src, dir) : strdup(fs->src);
    DIR *d = path ? opendir(path) : NULL;
    free(path);
    if (d == NULL || fs->dir == NULL) {
        if (d != NULL)
            closedir(d);
        return; /* the file's own lstat reports the trouble */
    }
    size_t cap = 0;
    struct dirent *de;
    struct stat st;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' ||
            source_stat_local(dirfd(d), de->d_name, fs->follow_symlinks, &st) != 0 ||
            !S_ISREG(st.st_mode))
            continue;
        char *name =
            grow(&fs->files, fs->nfiles, &cap, sizeof *fs->files) ? strdup(de->d_name) : NULL;
        if (name == NULL)
            break;
        src_file_init(&fs->files[fs->nfiles++], k->opts, name, 0, 0, &(struct timespec){0}, 0);
    }
    closedir(d);
    claims_settle(fs->files, fs->nfiles);
}

static int by_name(const void *name, const void *file)
{
    return strcmp(name, ((const src_file_t *)file)->name);
}

/* Who owns the output name of file `name` in folder dir, if another file does (claims_settle
 * leaves the folder's files in name order). */
static const char *owner_of(files_src_t *fs, source_sink_t *k, const char *dir, const char *name)
{
    if (fs->dir == NULL || strcmp(fs->dir, dir) != 0)
        load_folder(fs, k, dir);
    const src_file_t *f =
        fs->nfiles ? bsearch(name, fs->files, fs->nfiles, sizeof *fs->files, by_name) : NULL;
    return f ? f->owner : NULL;
}

/* Handles one listed entry. False once the run is cancelled. */
static bool one(files_src_t *fs, source_sink_t *k, char *rel)
{
    while (rel[0] == '.' && rel[1] == '/')
        rel += 2;
    if (rel[0] == '\0')
        return true;
    char *path = path_join(fs->src, rel);
    if (path == NULL) {
        k->failure(k, rel, NULL, "out of memory");
        return true;
    }
    struct stat st;
    if (!rel_path_safe(rel)) {
        k->failure(k, path, NULL,
                   "not a path inside SRC (--files-from takes paths relative to it)");
    } else if (lstat(path, &st) != 0 ||
               (S_ISLNK(st.st_mode) && fs->follow_symlinks && stat(path, &st) != 0)) {
        k->failure(k, path, NULL, strerror(errno));
    } else if (S_ISREG(st.st_mode)) {
        size_t rel_off = strlen(fs->src) + 1;
        const char *slash = strrchr(rel, '/');
        size_t name_off = rel_off + (slash ? (size_t)(slash - rel) + 1 : 0);
        char *dir = strndup(rel, slash ? (size_t)(slash - rel) : 0);
        src_file_t f;
        src_file_init(&f, k->opts, path, rel_off, name_off, &st.st_mtim, (uint64_t)st.st_size);
        f.owner = dir ? owner_of(fs, k, dir, f.name) : NULL;
        free(dir);
        bool go = k->emit(k, &f, 1);
        src_file_free(&f);
        return go;
    }
    free(path);
    return true;
}

static void files_list(source_t *base, source_sink_t *k)
{
    files_src_t *fs = (files_src_t *)base;
    bool cancelled = false;
    int err = 0;
    char *entry;
    while ((entry = entries_next(&fs->list, k->done, &cancelled, &err)) != NULL)
        if (!one(fs, k, entry))
            break;
    if (err != 0)
        k->failure(k, "--files-from", NULL, strerror(err));
    forget_folder(fs);
}

static void files_close(source_t *base)
{
    files_src_t *fs = (files_src_t *)base;
    entries_close(&fs->list);
    forget_folder(fs);
    free(fs->src);
    free(fs);
}

source_t *source_files_open(const source_cfg_t *cfg, char *err, size_t errsz)
{
    static const source_ops_t ops = {
        .list = files_list, .open = source_open_local, .close = files_close};
    struct stat st;
    if (stat(cfg->src, &st) != 0) {
        snprintf(err, errsz, "%s", strerror(errno));
        return NULL;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errsz, "not a folder (--files-from takes paths relative to one)");
        return NULL;
    }
    files_src_t *fs = calloc(1, sizeof *fs);
    if (fs == NULL) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    fs->base.ops = &ops;
    fs->list.fd = -1;
    fs->follow_symlinks = cfg->follow_symlinks;
    fs->src = strndup(cfg->src, path_trimmed_len(cfg->src));
    if (fs->src == NULL || entries_open(&fs->list, cfg->files_from, cfg->list_sep) != 0) {
        snprintf(err, errsz, "%s: %s", cfg->files_from, strerror(errno));
        files_close(&fs->base);
        return NULL;
    }
    return &fs->base;
}
