#include "lister.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "naming.h"
#include "task.h"

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

static bool newer_or_same(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec > b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec >= b->tv_nsec);
}

/* Builds the task for a regular file; settles it here if up to date (or unnameable). Returns the
 * task to emit, or NULL when there is nothing to emit. */
static task_t *file_task(lister_t *l, const char *path, size_t rel_off, const struct stat *st)
{
    task_t *t = task_new(path, rel_off);
    if (t == NULL) {
        reporter_failure(l->rep, path, "out of memory");
        return NULL;
    }
    const thumb_opts_t *o = l->opts;
    bool up_to_date = !l->force;
    t->nouts = o->nsizes;
    for (int i = 0; i < o->nsizes; i++) {
        t->outs[i].dst = output_path(l->dst, o->nsizes > 1 ? o->sizes[i].label : NULL, t->rel,
                                     format_ext(o->format));
        if (t->outs[i].dst == NULL) {
            task_fail(t, TASK_FAILED, "cannot name its thumbnail: %s", strerror(errno));
            reporter_task(l->rep, t);
            task_free(t);
            return NULL;
        }
        struct stat out; /* lstat: a symlink planted in DST is never up to date (nor written) */
        if (up_to_date && (lstat(t->outs[i].dst, &out) != 0 || !S_ISREG(out.st_mode) ||
                           !newer_or_same(&out.st_mtim, &st->st_mtim)))
            up_to_date = false;
    }
    if (up_to_date) {
        t->status = TASK_UP_TO_DATE;
        reporter_task(l->rep, t);
        task_free(t);
        return NULL;
    }
    return t;
}

/* One regular file of a folder, as listed. */
typedef struct {
    char *path;        /* its full path, malloc'd */
    const char *name;  /* its name: the last component of path */
    char *key;         /* its output's name ("./stem.ext"), malloc'd; NULL if it has none */
    const char *owner; /* the name of the file that owns its output name, if another one does */
    struct stat st;
} file_ent_t;

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int by_ent_name(const void *a, const void *b)
{
    return strcmp(((const file_ent_t *)a)->name, ((const file_ent_t *)b)->name);
}

/* The clash rule: for one output name, a source with an image extension beats one without, then
 * the one that sorts first byte by byte wins. Nothing about timing, -j or clocks enters it. Files
 * with no output name sort last and claim nothing. */
static int by_claim(const void *a, const void *b)
{
    const file_ent_t *x = a, *y = b;
    if (x->key == NULL || y->key == NULL)
        return (x->key == NULL) - (y->key == NULL);
    int k = strcmp(x->key, y->key);
    if (k != 0)
        return k;
    bool xi = has_image_extension(x->name), yi = has_image_extension(y->name);
    if (xi != yi)
        return xi ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Marks every file whose output name is claimed by another with that owner; files[] ends in name
 * order again. */
static void settle_claims(file_ent_t *files, size_t n)
{
    if (n < 2)
        return;
    qsort(files, n, sizeof *files, by_claim);
    for (size_t i = 1; i < n && files[i].key != NULL; i++)
        if (strcmp(files[i].key, files[i - 1].key) == 0)
            files[i].owner = files[i - 1].owner ? files[i - 1].owner : files[i - 1].name;
    qsort(files, n, sizeof *files, by_ent_name);
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

/* Sorts one entry into subfolders (pushed) and regular files (appended to files); everything
 * else is skipped. Takes ownership of path, whose last component is name. */
static void classify(lister_t *l, stack_t_ *stack, visited_t *seen, const struct stat *dst_st,
                     char *path, const char *name, file_ent_t *files, size_t *nfiles)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        reporter_failure(l->rep, path, strerror(errno));
        free(path);
        return;
    }
    if (S_ISLNK(st.st_mode) && (!l->follow_symlinks || stat(path, &st) != 0)) {
        free(path); /* not followed, or dangling: skipped */
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        bool is_dst = st.st_dev == dst_st->st_dev && st.st_ino == dst_st->st_ino;
        if (is_dst || (l->follow_symlinks && !visit(seen, st.st_dev, st.st_ino)) ||
            !push(stack, path))
            free(path);
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        free(path); /* FIFO, socket, device: never opened */
        return;
    }
    file_ent_t *f = &files[(*nfiles)++];
    f->path = path;
    f->name = path + strlen(path) - strlen(name);
    f->key = output_path(".", NULL, name, format_ext(l->opts->format));
    f->owner = NULL;
    f->st = st;
}

/* Emits the files of one folder in name order; a file whose output belongs to another is
 * reported failed here, on every run, and never decoded. False when cancelled. */
static bool emit_files(lister_t *l, stage_emitter_t *em, size_t rel_off, file_ent_t *files,
                       size_t n)
{
    bool go = true;
    for (size_t i = 0; go && i < n; i++) {
        const char *path = files[i].path;
        reporter_found(l->rep);
        task_t *t = NULL;
        if (files[i].owner != NULL) {
            t = task_new(path, rel_off);
            if (t != NULL) {
                task_fail(t, TASK_FAILED,
                          "its thumbnail name %s belongs to %s (sources with the same name: "
                          "see --help)",
                          files[i].key + 2, files[i].owner);
                reporter_task(l->rep, t);
                task_free(t);
            }
            t = NULL;
        } else {
            t = file_task(l, path, rel_off, &files[i].st);
        }
        if (t != NULL && !stage_emit(em, &t)) {
            task_free(t);
            go = false;
        }
        if (done_fired(stage_emitter_done(em)))
            go = false;
    }
    return go;
}

/* Lists one folder: subfolders onto the stack (so that they are walked in name order), then its
 * files. A folder's names are held while it is handled, never the whole tree's. */
static bool list_dir(lister_t *l, stage_emitter_t *em, stack_t_ *stack, visited_t *seen,
                     const struct stat *dst_st, const char *dir, size_t rel_off)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        reporter_failure(l->rep, dir, strerror(errno));
        return true;
    }
    size_t n = 0, nfiles = 0;
    char **names = read_names(d, &n);
    closedir(d);
    file_ent_t *files = n ? calloc(n, sizeof *files) : NULL;
    if (n > 0 && files == NULL)
        reporter_failure(l->rep, dir, "out of memory");
    size_t base = stack->n;
    for (size_t i = 0; files != NULL && i < n; i++) {
        char *path = path_join(dir, names[i]);
        if (path != NULL)
            classify(l, stack, seen, dst_st, path, names[i], files, &nfiles);
    }
    /* Reverse the folders just pushed, so the first by name is popped first. */
    for (size_t i = base, j = stack->n; i + 1 < j; i++, j--) {
        char *tmp = stack->v[i];
        stack->v[i] = stack->v[j - 1];
        stack->v[j - 1] = tmp;
    }
    settle_claims(files, nfiles);
    bool go = emit_files(l, em, rel_off, files, nfiles);
    for (size_t i = 0; i < nfiles; i++) {
        free(files[i].key);
        free(files[i].path);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(files);
    return go;
}

static void walk(lister_t *l, stage_emitter_t *em, const struct stat *dst_st)
{
    stack_t_ stack = {0};
    visited_t seen = {0};
    size_t root_len = strlen(l->src);
    while (root_len > 1 && l->src[root_len - 1] == '/')
        root_len--;
    struct stat st;
    if (stat(l->src, &st) == 0)
        visit(&seen, st.st_dev, st.st_ino);
    char *root = strndup(l->src, root_len);
    bool go = root != NULL && push(&stack, root);
    while (go && stack.n > 0) {
        char *dir = stack.v[--stack.n];
        go = list_dir(l, em, &stack, &seen, dst_st, dir, root_len + 1);
        free(dir);
    }
    while (stack.n > 0)
        free(stack.v[--stack.n]);
    free(stack.v);
    free(seen.v);
}

void lister_run(void *ctx, stage_emitter_t *em)
{
    lister_t *l = ctx;
    struct stat src_st, dst_st;
    memset(&dst_st, 0, sizeof dst_st);
    stat(l->dst, &dst_st);
    if (stat(l->src, &src_st) == 0 && S_ISREG(src_st.st_mode)) {
        /* A single file: its name is the relative path. */
        const char *base = strrchr(l->src, '/');
        size_t off = base ? (size_t)(base - l->src) + 1 : 0;
        reporter_found(l->rep);
        task_t *t = file_task(l, l->src, off, &src_st);
        if (t != NULL && !stage_emit(em, &t))
            task_free(t);
    } else {
        walk(l, em, &dst_st);
    }
    reporter_listing_done(l->rep);
}
