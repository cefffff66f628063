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
        struct stat out;
        if (up_to_date &&
            (stat(t->outs[i].dst, &out) != 0 || !newer_or_same(&out.st_mtim, &st->st_mtim)))
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

/* Handles one entry of a folder: pushes subfolders, emits files. False when cancelled. */
static bool entry(lister_t *l, stage_emitter_t *em, stack_t_ *stack, visited_t *seen,
                  const struct stat *dst_st, char *path, size_t rel_off)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        reporter_failure(l->rep, path, strerror(errno));
        free(path);
        return true;
    }
    if (S_ISLNK(st.st_mode)) {
        if (!l->follow_symlinks || stat(path, &st) != 0) {
            free(path); /* not followed, or dangling: skipped */
            return true;
        }
    }
    if (S_ISDIR(st.st_mode)) {
        bool is_dst = st.st_dev == dst_st->st_dev && st.st_ino == dst_st->st_ino;
        if (is_dst || (l->follow_symlinks && !visit(seen, st.st_dev, st.st_ino)) ||
            !push(stack, path))
            free(path);
        return true;
    }
    if (!S_ISREG(st.st_mode)) {
        free(path); /* FIFO, socket, device: never opened */
        return true;
    }
    reporter_found(l->rep);
    task_t *t = file_task(l, path, rel_off, &st);
    free(path);
    if (t != NULL && !stage_emit(em, &t)) {
        task_free(t);
        return false;
    }
    return true;
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
        DIR *d = opendir(dir);
        if (d == NULL) {
            reporter_failure(l->rep, dir, strerror(errno));
            free(dir);
            continue;
        }
        struct dirent *de;
        while (go && (de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.')
                continue; /* hidden, and . and .. */
            char *path = path_join(dir, de->d_name);
            if (path == NULL) {
                reporter_failure(l->rep, dir, "out of memory");
                continue;
            }
            go = entry(l, em, &stack, &seen, dst_st, path, root_len + 1);
            if (done_fired(stage_emitter_done(em)))
                go = false;
        }
        closedir(d);
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
