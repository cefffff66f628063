/* The folder store's side of --prune: a scan of DST for the files thumbgen could have written
 * (thumbnails, and the records beside them: store/mirror.h), and their removal, both
 * relative to a descriptor of DST and never through a symlink found inside it (a planted symlink is
 * neither followed nor listed); SRC, when it lies inside DST, is never entered. Removing a file
 * removes the folders it leaves empty, up to DST (not DST). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "store/folder.h"
#include "store/mirror.h"

typedef struct {
    char **v;
    size_t n, cap;
} rels_t;

static bool push(rels_t *s, char *rel)
{
    if (rel == NULL)
        return false;
    if (!grow(&s->v, s->n, &s->cap, sizeof *s->v)) {
        free(rel);
        return false;
    }
    s->v[s->n++] = rel;
    return true;
}

/* Lists folder rel (an open descriptor d): folders onto the stack, candidate files to fn. False
 * when the scan must stop (fn said so, or out of memory: *err set). */
static bool scan_dir(folder_t *s, int d, const char *rel, const struct stat *src_st,
                     const thumb_opts_t *o, rels_t *stack, store_entry_fn fn, void *ctx, char *err,
                     size_t errsz)
{
    DIR *dir = fdopendir(d);
    if (dir == NULL) {
        close(d);
        snprintf(err, errsz, "%s/%s: %s", s->dst, rel, strerror(errno));
        return false;
    }
    bool go = true;
    char sub[PATH_MAX], addr[PATH_MAX];
    for (struct dirent *de; go && (de = readdir(dir)) != NULL;) {
        bool record = store_record_prefix(de->d_name) > 0;
        if (de->d_name[0] == '.' && !record)
            continue;
        unsigned type = de->d_type;
        struct stat st;
        if (type == DT_UNKNOWN || type == DT_DIR) { /* a folder: SRC's is never entered */
            if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
                continue; /* gone meanwhile */
            type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
        }
        if (type != DT_DIR && type != DT_REG)
            continue; /* symlinks and the rest: never thumbgen's */
        size_t nr = strlen(rel), nn = strlen(de->d_name), nd = strlen(s->dst);
        if (nd + 1 + nr + 1 + nn >= sizeof addr)
            continue; /* longer than any path thumbgen writes */
        memcpy(sub, rel, nr);
        sub[nr] = '/';
        size_t off = nr ? nr + 1 : 0;
        memcpy(sub + off, de->d_name, nn + 1);
        if (type == DT_DIR && !record) {
            bool is_src = st.st_dev == src_st->st_dev && st.st_ino == src_st->st_ino;
            if (!is_src && !push(stack, strdup(sub)))
                go = (snprintf(err, errsz, "out of memory"), false);
            continue;
        }
        char rec_rel[PATH_MAX];
        const char *src_rel = type != DT_REG ? NULL
                              : record ? store_mirror_record_rel(sub, o, rec_rel, sizeof rec_rel)
                                       : store_mirror_rel(sub, o);
        if (src_rel == NULL)
            continue;
        memcpy(addr, s->dst, nd);
        addr[nd] = '/';
        memcpy(addr + nd + 1, sub, off + nn + 1);
        char with[PATH_MAX]; /* an identity record (an S3 store's, synced down) goes unseen */
        go = fn(ctx, &(store_entry_t){.addr = addr,
                                      .rel = src_rel,
                                      .gone = -1,
                                      .record = record,
                                      .with = store_ident_record_of(addr, with, sizeof with)});
    }
    closedir(dir);
    return go;
}

int folder_scan(store_t *base, const thumb_opts_t *o, const char *src, store_entry_fn fn, void *ctx,
                char *err, size_t errsz)
{
    folder_t *s = (folder_t *)base;
    if (s->root < 0) /* a dry run's DST not there yet: nothing to scan */
        return 0;
    struct stat src_st = {0};
    stat(src, &src_st);
    rels_t stack = {0};
    bool ok = push(&stack, strdup(""));
    if (!ok)
        snprintf(err, errsz, "out of memory");
    while (ok && stack.n > 0) {
        char *rel = stack.v[--stack.n];
        int d = open_below(s->root, rel, 0);
        if (d < 0) {
            snprintf(err, errsz, "%s/%s: %s", s->dst, rel, strerror(errno));
            ok = false;
        } else {
            snprintf(err, errsz, "stopped");
            ok = scan_dir(s, d, rel, &src_st, o, &stack, fn, ctx, err, errsz);
        }
        free(rel);
    }
    while (stack.n > 0)
        free(stack.v[--stack.n]);
    free(stack.v);
    return ok ? 0 : -1;
}

/* The folder the last removals were in: its descriptor is kept while removals stay in it, and
 * it is removed, with its parents, once they move on and if they emptied it. */
typedef struct {
    char *dir; /* relative to DST; NULL: none open */
    int fd;
    bool removed; /* something was removed from it */
} cursor_t;

/* Removes folder dir (relative to DST) and then its parents while they are empty. */
static void remove_empty_folders(folder_t *s, const char *rel)
{
    char *dir = strdup(rel);
    while (dir != NULL && dir[0] != '\0') {
        char *up = strrchr(dir, '/');
        char *parent = up ? strndup(dir, (size_t)(up - dir)) : strdup("");
        int d = parent ? open_below(s->root, parent, 0) : -1;
        bool removed = d >= 0 && unlinkat(d, up ? up + 1 : dir, AT_REMOVEDIR) == 0;
        if (d >= 0)
            close(d);
        free(parent);
        if (!removed)
            break; /* not empty (or not ours to remove): its parents are not either */
        *(up ? up : dir) = '\0';
    }
    free(dir);
}

static void cursor_close(folder_t *s, cursor_t *c)
{
    if (c->fd >= 0)
        close(c->fd);
    if (c->dir != NULL && c->removed && !s->keep_folders)
        remove_empty_folders(s, c->dir);
    free(c->dir);
    *c = (cursor_t){.fd = -1};
}

/* A descriptor of folder dir (n bytes of rel), from the cursor or opened into it; -1 with errno. */
static int cursor_open(folder_t *s, cursor_t *c, const char *rel, size_t n)
{
    if (c->dir != NULL && strlen(c->dir) == n && strncmp(c->dir, rel, n) == 0)
        return c->fd;
    cursor_close(s, c);
    if ((c->dir = strndup(rel, n)) == NULL) {
        errno = ENOMEM;
        return -1;
    }
    c->fd = open_below(s->root, c->dir, 0);
    return c->fd;
}

/* Removes rel (a file below DST) if it is a regular file: 0 or an errno value. */
static int remove_file(folder_t *s, cursor_t *c, const char *rel)
{
    const char *slash = strrchr(rel, '/');
    int d = cursor_open(s, c, rel, slash ? (size_t)(slash - rel) : 0);
    if (d < 0)
        return errno;
    const char *name = slash ? slash + 1 : rel;
    struct stat st;
    if (fstatat(d, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno;
    if (!S_ISREG(st.st_mode))
        return S_ISLNK(st.st_mode) ? ELOOP : EISDIR;
    if (unlinkat(d, name, 0) != 0)
        return errno;
    c->removed = true;
    return 0;
}

void folder_remove(store_t *base, char *const *addrs, size_t n, store_removed_fn fn, void *ctx)
{
    folder_t *s = (folder_t *)base;
    cursor_t c = {.fd = -1};
    for (size_t i = 0; i < n; i++) {
        const char *addr = addrs[i];
        bool below = strlen(addr) > s->prefix && strncmp(addr, s->dst, s->prefix - 1) == 0;
        int rc = below ? remove_file(s, &c, addr + s->prefix) : 0;
        if (fn != NULL && rc != ENOENT) /* ENOENT: not there (any more): nothing to report */
            fn(ctx, addr,
               !below        ? "not below DST"
               : rc == ELOOP ? "cannot remove: a symbolic link inside the destination is left alone"
               : rc == EISDIR ? "cannot remove: not a regular file"
               : rc != 0      ? strerror(rc)
                              : NULL);
    }
    cursor_close(s, &c);
}
