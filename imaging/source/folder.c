/* The folder source: walks SRC depth-first with an explicit stack of pending folders. Each folder's
 * names are read and sorted before its files are handed on (so a folder's names, never the
 * tree's, are held at once, and claims are settled over the whole folder). It skips hidden
 * entries, DST when it lies inside SRC, and everything that is not a regular file (FIFOs, sockets,
 * devices); symlinks are skipped unless follow_symlinks, and then a folder already visited (a
 * loop) is not entered again. SRC may also be a single file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/arena.h"
#include "core/naming.h"
#include "source/folder.h"

/* A set of (device, inode) pairs: the folders visited when following symlinks. */
typedef struct {
    dev_t dev;
    ino_t ino;
} dev_ino_t;

typedef struct {
    dev_ino_t *v;
    size_t n, cap;
} visited_t;

/* Adds (dev, ino); false if it was already there (or on ENOMEM, which stops a possible loop). */
static bool visit(visited_t *s, dev_t dev, ino_t ino)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].dev == dev && s->v[i].ino == ino)
            return false;
    if (!grow(&s->v, s->n, &s->cap, sizeof *s->v))
        return false;
    s->v[s->n++] = (dev_ino_t){dev, ino};
    return true;
}

typedef struct {
    char **v;
    size_t n, cap;
} stack_t_;

static bool push(stack_t_ *s, char *path)
{
    if (!grow(&s->v, s->n, &s->cap, sizeof *s->v))
        return false;
    s->v[s->n++] = path;
    return true;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the visible entries of an open folder, sorted by name, into a malloc'd array of n
 * malloc'd names (what fitted, if memory ran out). */
static char **read_names(DIR *d, size_t *count)
{
    char **v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue; /* the walk passes hidden entries over (and . and ..) */
        if (!grow(&v, n, &cap, sizeof *v) || (v[n] = strdup(de->d_name)) == NULL)
            break;
        n++;
    }
    if (v != NULL)
        qsort(v, n, sizeof *v, by_name);
    *count = n;
    return v;
}

/* Frees what a folder's listing held: its files and its names. */
static void listing_free(src_file_t *files, size_t nfiles, char **names, size_t n)
{
    for (size_t i = 0; i < nfiles; i++)
        src_file_free(&files[i]);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(files);
}

/* A walk under way (the listing's and the count's): the folders still to list, the next on top;
 * those entered when following symlinks; DST, never entered. */
typedef struct {
    const folder_src_t *fs;
    stack_t_ stack;
    visited_t seen;
    struct stat dst_st;
} walk_t;

/* Starts a walk of folder dir (its trailing slashes dropped). False when out of memory. */
static bool walk_start(walk_t *w, const folder_src_t *fs, const char *dir)
{
    *w = (walk_t){.fs = fs};
    stat(fs->dst, &w->dst_st);
    struct stat st;
    if (stat(dir, &st) == 0)
        visit(&w->seen, st.st_dev, st.st_ino);
    char *root = strndup(dir, path_trimmed_len(dir));
    return root != NULL && push(&w->stack, root);
}

static void walk_end(walk_t *w)
{
    while (w->stack.n > 0)
        free(w->stack.v[--w->stack.n]);
    free(w->stack.v);
    free(w->seen.v);
}

typedef enum { ENTRY_SKIP, ENTRY_FOLDER, ENTRY_FILE, ENTRY_FAILED } entry_t;

/* The walk's rules for a visible entry, name in the folder open as at, whose type readdir gave
 * (DT_UNKNOWN: not known): a folder to enter (not DST; when following symlinks, not one entered
 * before), a regular file, or neither (a symlink not followed or dangling, a FIFO, socket or
 * device); ENTRY_FAILED when it cannot be looked at (errno). *st is filled for a folder, and for a
 * file when `stats` or its type was not known. */
static entry_t entry_kind(walk_t *w, int at, const char *name, unsigned char type, bool stats,
                          struct stat *st)
{
    if (stats || type == DT_UNKNOWN || type == DT_DIR ||
        (type == DT_LNK && w->fs->follow_symlinks)) {
        int rc = source_stat_local(at, name, w->fs->follow_symlinks, st);
        if (rc != 0)
            return rc < 0 ? ENTRY_FAILED : ENTRY_SKIP;
        type = S_ISDIR(st->st_mode) ? DT_DIR : S_ISREG(st->st_mode) ? DT_REG : DT_UNKNOWN;
    }
    if (type == DT_DIR)
        return (st->st_dev == w->dst_st.st_dev && st->st_ino == w->dst_st.st_ino) ||
                       (w->fs->follow_symlinks && !visit(&w->seen, st->st_dev, st->st_ino))
                   ? ENTRY_SKIP
                   : ENTRY_FOLDER;
    return type == DT_REG ? ENTRY_FILE : ENTRY_SKIP;
}

/* Lists one folder: subfolders onto the stack (so that they are walked in name order), then its
 * files. A folder's names are held while it is handled, never the whole tree's. */
static bool list_dir(walk_t *w, source_sink_t *k, const char *dir)
{
    const folder_src_t *fs = w->fs;
    if (fs->on_folder != NULL)
        fs->on_folder(fs->on_folder_ctx, k, dir);
    DIR *d = opendir(dir);
    const char *rel = strlen(dir) > fs->rel_off ? dir + fs->rel_off : ""; /* "": SRC itself */
    if (d == NULL) {
        k->failure(k, dir, rel, strerror(errno));
        return true;
    }
    size_t n = 0, nfiles = 0;
    char **names = read_names(d, &n);
    src_file_t *files = n ? calloc(n, sizeof *files) : NULL;
    if (n > 0 && files == NULL)
        k->failure(k, dir, rel, "out of memory");
    size_t base = w->stack.n;
    for (size_t i = 0; files != NULL && i < n; i++) {
        struct stat st;
        entry_t e = entry_kind(w, dirfd(d), names[i], DT_UNKNOWN, true, &st);
        int failed = errno;
        char *path = e != ENTRY_SKIP ? path_join(dir, names[i]) : NULL;
        if (path != NULL && e == ENTRY_FAILED)
            k->failure(k, path, rel, strerror(failed));
        if (path != NULL && e == ENTRY_FILE)
            src_file_init(&files[nfiles++], k->opts, path, fs->rel_off,
                          strlen(path) - strlen(names[i]), &st.st_mtim, (uint64_t)st.st_size);
        else if (path != NULL && (e != ENTRY_FOLDER || !push(&w->stack, path)))
            free(path);
    }
    closedir(d);
    /* Reverse the folders just pushed, so the first by name is popped first. */
    for (size_t i = base, j = w->stack.n; i + 1 < j; i++, j--) {
        char *tmp = w->stack.v[i];
        w->stack.v[i] = w->stack.v[j - 1];
        w->stack.v[j - 1] = tmp;
    }
    claims_settle(files, nfiles);
    bool go = k->emit(k, files, nfiles);
    listing_free(files, nfiles, names, n);
    return go;
}

void folder_walk(const folder_src_t *fs, source_sink_t *k, const char *dir)
{
    walk_t w;
    bool go = walk_start(&w, fs, dir);
    while (go && w.stack.n > 0) {
        char *d = w.stack.v[--w.stack.n];
        go = list_dir(&w, k, d);
        free(d);
    }
    walk_end(&w);
}

bool folder_take(const folder_src_t *fs, source_sink_t *k, const char *dir, const char *name)
{
    size_t rel_off = fs->rel_off;
    char *path = path_join(dir, name);
    struct stat st;
    if (path == NULL || source_stat_local(AT_FDCWD, path, fs->follow_symlinks, &st) != 0 ||
        !S_ISREG(st.st_mode)) {
        free(path);
        return true; /* gone again, or not a file thumbgen takes */
    }
    size_t n = 0, nfiles = 0, name_off = strlen(dir) + 1;
    DIR *d = opendir(dir);
    char **names = d ? read_names(d, &n) : NULL;
    if (d != NULL)
        closedir(d);
    src_file_t *files = calloc(n + 1, sizeof *files);
    if (files == NULL) {
        k->failure(k, path, NULL, "out of memory");
        free(path);
        listing_free(NULL, 0, names, n);
        return true;
    }
    src_file_init(&files[nfiles++], k->opts, path, rel_off, name_off, &st.st_mtim,
                  (uint64_t)st.st_size);
    /* Its rivals for the output name, by the walk's rules, so that the clash rule sees the
     * whole folder. */
    for (size_t i = 0; files[0].key != NULL && i < n; i++) {
        char *rival = strcmp(names[i], name) != 0 ? path_join(dir, names[i]) : NULL;
        if (rival == NULL || source_stat_local(AT_FDCWD, rival, fs->follow_symlinks, &st) != 0 ||
            !S_ISREG(st.st_mode)) {
            free(rival);
            continue;
        }
        src_file_t *f = &files[nfiles];
        src_file_init(f, k->opts, rival, rel_off, name_off, &st.st_mtim, (uint64_t)st.st_size);
        if (f->key != NULL && strcmp(f->key, files[0].key) == 0)
            nfiles++;
        else
            src_file_free(f);
    }
    claims_settle(files, nfiles);
    bool go = true;
    for (size_t i = 0; i < nfiles; i++)
        if (strcmp(files[i].name, name) == 0)
            go = k->emit(k, &files[i], 1);
    listing_free(files, nfiles, names, n);
    return go;
}

void folder_list(source_t *base, source_sink_t *k)
{
    folder_src_t *fs = (folder_src_t *)base;
    struct stat src_st;
    if (stat(fs->src, &src_st) == 0 && S_ISREG(src_st.st_mode)) {
        /* A single file: its name is the relative path. */
        const char *base_name = strrchr(fs->src, '/');
        size_t off = base_name ? (size_t)(base_name - fs->src) + 1 : 0;
        src_file_t f;
        char *path = strdup(fs->src);
        if (path == NULL) {
            k->failure(k, fs->src, "", "out of memory");
            return;
        }
        src_file_init(&f, k->opts, path, off, off, &src_st.st_mtim, (uint64_t)src_st.st_size);
        k->emit(k, &f, 1);
        src_file_free(&f);
    } else {
        folder_walk(fs, k, fs->src);
    }
}

/* The walk's rules, counting only: one readdir per folder, a stat only where readdir's type is not
 * enough (folders, for DST and loops; followed symlinks; entries of unknown type). */
bool folder_count(source_t *base, const atomic_bool *stop, uint64_t *n, uint32_t shard_k,
                  uint32_t shard_n)
{
    folder_src_t *fs = (folder_src_t *)base;
    struct stat st;
    if (stat(fs->src, &st) != 0)
        return false;
    if (S_ISREG(st.st_mode)) {
        const char *name = strrchr(fs->src, '/');
        *n += shard_takes(name ? name + 1 : fs->src, shard_k, shard_n);
        return true;
    }
    walk_t w;
    bool complete = walk_start(&w, fs, fs->src);
    while (complete && w.stack.n > 0 && !atomic_load(stop)) {
        char *dir = w.stack.v[--w.stack.n];
        DIR *d = opendir(dir);
        complete = d != NULL;
        for (struct dirent *de; complete && (de = readdir(d)) != NULL;) {
            entry_t e = de->d_name[0] != '.'
                            ? entry_kind(&w, dirfd(d), de->d_name, de->d_type, false, &st)
                            : ENTRY_SKIP;
            char *path = e == ENTRY_FOLDER || e == ENTRY_FILE ? path_join(dir, de->d_name) : NULL;
            complete = path != NULL || e == ENTRY_SKIP || e == ENTRY_FAILED;
            if (path != NULL && e == ENTRY_FILE)
                *n += shard_takes(path + fs->rel_off, shard_k, shard_n);
            if (path != NULL && (e == ENTRY_FILE || !push(&w.stack, path)))
                free(path);
        }
        if (d != NULL)
            closedir(d);
        free(dir);
    }
    complete = complete && !atomic_load(stop);
    walk_end(&w);
    return complete;
}

int folder_src_init(folder_src_t *fs, const source_cfg_t *cfg, char *err, size_t errsz)
{
    struct stat st;
    if (stat(cfg->src, &st) != 0) {
        snprintf(err, errsz, "%s", strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
        snprintf(err, errsz, "not a folder or a regular file");
        return -1;
    }
    fs->src = strdup(cfg->src);
    fs->dst = strdup(cfg->dst);
    fs->follow_symlinks = cfg->follow_symlinks;
    fs->rel_off = path_trimmed_len(cfg->src) + 1;
    if (fs->src == NULL || fs->dst == NULL) {
        folder_src_fini(fs);
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    return 0;
}

void folder_src_fini(folder_src_t *fs)
{
    free(fs->src);
    free(fs->dst);
    fs->src = fs->dst = NULL;
}

static void folder_close(source_t *base)
{
    folder_src_fini((folder_src_t *)base);
    free(base);
}

source_t *source_folder_open(const source_cfg_t *cfg, char *err, size_t errsz)
{
    static const source_ops_t ops = {.list = folder_list,
                                     .count = folder_count,
                                     .open = source_open_local,
                                     .close = folder_close};
    folder_src_t *fs = calloc(1, sizeof *fs);
    if (fs == NULL) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    if (folder_src_init(fs, cfg, err, errsz) != 0) {
        free(fs);
        return NULL;
    }
    fs->base.ops = &ops;
    return &fs->base;
}
