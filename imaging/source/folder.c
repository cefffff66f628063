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
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        dev_ino_t *v = realloc(s->v, cap * sizeof *v);
        if (v == NULL)
            return false;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = (dev_ino_t){dev, ino};
    return true;
}

typedef struct {
    char **v;
    size_t n, cap;
} stack_t_;

static bool push(stack_t_ *s, char *path)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        char **v = realloc(s->v, cap * sizeof *v);
        if (v == NULL)
            return false;
        s->v = v;
        s->cap = cap;
    }
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
            continue; /* hidden, and . and .. */
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **w = realloc(v, cap * sizeof *w);
            if (w == NULL)
                break;
            v = w;
        }
        if ((v[n] = strdup(de->d_name)) == NULL)
            break;
        n++;
    }
    if (v != NULL)
        qsort(v, n, sizeof *v, by_name);
    *count = n;
    return v;
}

/* A folder's path relative to SRC ("" for SRC itself), pointing into dir. */
static const char *rel_of(const char *dir, size_t rel_off)
{
    return strlen(dir) > rel_off ? dir + rel_off : "";
}

/* The walk's view of path: its lstat, or, for a symlink that is followed (follow_symlinks), its
 * target's stat. 0 with *st filled; 1 for a symlink not followed or dangling (skipped); -1 when
 * lstat itself failed (errno). */
static int entry_stat(const folder_src_t *fs, const char *path, struct stat *st)
{
    if (lstat(path, st) != 0)
        return -1;
    if (S_ISLNK(st->st_mode) && (!fs->follow_symlinks || stat(path, st) != 0))
        return 1;
    return 0;
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

/* Sorts one entry into subfolders (pushed) and regular files (appended to files); everything
 * else is skipped. Takes ownership of path, whose last component is name. */
static void classify(const folder_src_t *fs, source_sink_t *k, stack_t_ *stack, visited_t *seen,
                     const struct stat *dst_st, char *path, size_t rel_off, src_file_t *files,
                     size_t *nfiles)
{
    struct stat st;
    int rc = entry_stat(fs, path, &st);
    if (rc < 0) {
        const char *name = strrchr(path, '/');
        size_t n = name && name > path + rel_off ? (size_t)(name - path - rel_off) : 0;
        char *folder = strndup(path + rel_off, n);
        k->failure(k, path, folder ? folder : "", strerror(errno));
        free(folder);
        free(path);
        return;
    }
    if (rc > 0) {
        free(path); /* not followed, or dangling: skipped */
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        bool is_dst = st.st_dev == dst_st->st_dev && st.st_ino == dst_st->st_ino;
        if (is_dst || (fs->follow_symlinks && !visit(seen, st.st_dev, st.st_ino)) ||
            !push(stack, path))
            free(path);
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        free(path); /* FIFO, socket, device: never opened */
        return;
    }
    const char *slash = strrchr(path, '/');
    src_file_init(&files[(*nfiles)++], k->opts, path, rel_off,
                  slash ? (size_t)(slash - path) + 1 : 0, &st.st_mtim, (uint64_t)st.st_size);
}

/* Lists one folder: subfolders onto the stack (so that they are walked in name order), then its
 * files. A folder's names are held while it is handled, never the whole tree's. */
static bool list_dir(const folder_src_t *fs, source_sink_t *k, stack_t_ *stack, visited_t *seen,
                     const struct stat *dst_st, const char *dir, size_t rel_off)
{
    if (fs->on_folder != NULL)
        fs->on_folder(fs->on_folder_ctx, k, dir);
    DIR *d = opendir(dir);
    if (d == NULL) {
        k->failure(k, dir, rel_of(dir, rel_off), strerror(errno));
        return true;
    }
    size_t n = 0, nfiles = 0;
    char **names = read_names(d, &n);
    closedir(d);
    src_file_t *files = n ? calloc(n, sizeof *files) : NULL;
    if (n > 0 && files == NULL)
        k->failure(k, dir, rel_of(dir, rel_off), "out of memory");
    size_t base = stack->n;
    for (size_t i = 0; files != NULL && i < n; i++) {
        char *path = path_join(dir, names[i]);
        if (path != NULL)
            classify(fs, k, stack, seen, dst_st, path, rel_off, files, &nfiles);
    }
    /* Reverse the folders just pushed, so the first by name is popped first. */
    for (size_t i = base, j = stack->n; i + 1 < j; i++, j--) {
        char *tmp = stack->v[i];
        stack->v[i] = stack->v[j - 1];
        stack->v[j - 1] = tmp;
    }
    claims_settle(files, nfiles);
    bool go = k->emit(k, files, nfiles);
    listing_free(files, nfiles, names, n);
    return go;
}

void folder_walk(const folder_src_t *fs, source_sink_t *k, const char *dir)
{
    struct stat dst_st;
    memset(&dst_st, 0, sizeof dst_st);
    stat(fs->dst, &dst_st);
    stack_t_ stack = {0};
    visited_t seen = {0};
    size_t len = path_trimmed_len(dir);
    struct stat st;
    if (stat(dir, &st) == 0)
        visit(&seen, st.st_dev, st.st_ino);
    char *root = strndup(dir, len);
    bool go = root != NULL && push(&stack, root);
    while (go && stack.n > 0) {
        char *d = stack.v[--stack.n];
        go = list_dir(fs, k, &stack, &seen, &dst_st, d, fs->rel_off);
        free(d);
    }
    while (stack.n > 0)
        free(stack.v[--stack.n]);
    free(stack.v);
    free(seen.v);
}

bool folder_take(const folder_src_t *fs, source_sink_t *k, const char *dir, const char *name)
{
    size_t rel_off = fs->rel_off;
    char *path = path_join(dir, name);
    struct stat st;
    if (path == NULL || entry_stat(fs, path, &st) != 0 || !S_ISREG(st.st_mode)) {
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
        if (rival == NULL || entry_stat(fs, rival, &st) != 0 || !S_ISREG(st.st_mode)) {
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

/* The walk's rules, counting only: one readdir per folder, a stat only for folders (to know DST
 * and loops), followed symlinks and entries whose type readdir does not give. */
bool folder_count(source_t *base, const atomic_bool *stop, uint64_t *n, uint32_t shard_k,
                  uint32_t shard_n)
{
    folder_src_t *fs = (folder_src_t *)base;
    struct stat st, dst_st;
    memset(&dst_st, 0, sizeof dst_st);
    stat(fs->dst, &dst_st);
    if (stat(fs->src, &st) != 0)
        return false;
    if (S_ISREG(st.st_mode)) {
        const char *name = strrchr(fs->src, '/');
        *n += shard_takes(name ? name + 1 : fs->src, shard_k, shard_n);
        return true;
    }
    stack_t_ stack = {0};
    visited_t seen = {0};
    size_t root_len = fs->rel_off - 1;
    visit(&seen, st.st_dev, st.st_ino);
    char *root = strndup(fs->src, root_len);
    bool complete = root != NULL && push(&stack, root);
    while (complete && stack.n > 0 && !atomic_load(stop)) {
        char *dir = stack.v[--stack.n];
        DIR *d = opendir(dir);
        complete = d != NULL;
        for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;) {
            if (de->d_name[0] == '.')
                continue;
            char *path = path_join(dir, de->d_name);
            if (path == NULL) {
                complete = false;
                break;
            }
            unsigned type = de->d_type;
            if (type == DT_UNKNOWN || type == DT_DIR || (type == DT_LNK && fs->follow_symlinks)) {
                int flags = type == DT_LNK ? 0 : AT_SYMLINK_NOFOLLOW;
                type = fstatat(dirfd(d), de->d_name, &st, flags) != 0 ? DT_UNKNOWN
                       : S_ISDIR(st.st_mode)                          ? DT_DIR
                       : S_ISREG(st.st_mode)                          ? DT_REG
                                                                      : DT_UNKNOWN;
            }
            if (type == DT_DIR && !(st.st_dev == dst_st.st_dev && st.st_ino == dst_st.st_ino) &&
                (!fs->follow_symlinks || visit(&seen, st.st_dev, st.st_ino)) && push(&stack, path))
                continue;
            if (type == DT_REG)
                *n += shard_takes(path + root_len + 1, shard_k, shard_n);
            free(path);
        }
        if (d != NULL)
            closedir(d);
        free(dir);
    }
    complete = complete && !atomic_load(stop);
    while (stack.n > 0)
        free(stack.v[--stack.n]);
    free(stack.v);
    free(seen.v);
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
