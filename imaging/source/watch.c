/* The watched folder source (--watch): a walk of the whole tree (the folder source's, so the first
 * pass is an ordinary run) that puts an inotify watch on each folder as it enters it, then the
 * changes as they come:
 *   - a file is taken when it is closed after writing (IN_CLOSE_WRITE) or moved in (IN_MOVED_TO),
 *     never while it is being written (a new file's IN_CREATE is not enough, unless the file
 *     already had another name: a hard link, which sends nothing else); its times or mode set
 *     (IN_ATTRIB: touch -d, tar x and cp -p setting the mtime after writing) take it again, so
 *     its thumbnail records the final mtime (unchanged, it is up to date at once); the events
 *     of one read for one name are coalesced (the last decides), and a taken file goes through
 *     the same clash rule, freshness check and pipeline as in a walk;
 *   - a file deleted or moved away (IN_DELETE, IN_MOVED_FROM) has its outputs removed with
 *     --prune (the sink's gone);
 *   - a new folder (created or moved in) is watched, then walked, so files made in it before its
 *     watch existed are found too; a folder deleted or moved away ends its watches, and with
 *     --prune a rescan removes what was thumbnailed from it (with --html, one forgets its
 *     failures: the sink's forgets);
 *   - an overflowed event queue (IN_Q_OVERFLOW) means events were lost: a rescan (a whole pass,
 *     watching again, pruned with --prune) finds what they said, with a message.
 * A folder is watched before its names are read, so nothing made meanwhile is missed (found
 * twice at worst: the second time it is up to date). When the watch limit
 * (fs.inotify.max_user_watches) is reached, watching cannot be complete: it is reported, and the
 * run ends after its pass rather than miss files silently; so it does once the store is full (the
 * sink's end fires). The thread sleeps in poll on the
 * inotify descriptor and the run's done, with no timeout: nothing wakes it but a change or a
 * signal. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/naming.h"
#include "source/folder.h"

bool source_watch_test_hooks;

#define MASK                                                                                       \
    (IN_CLOSE_WRITE | IN_MOVED_TO | IN_ATTRIB | IN_MOVED_FROM | IN_DELETE | IN_CREATE |            \
     IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
#define OVERFLOW_HOOK ".thumbgen-test-overflow" /* thumbgen-testhooks: a fake IN_Q_OVERFLOW */

typedef struct {
    folder_src_t f;
    int ino;
    char **dirs; /* by watch descriptor: the folder's path (SRC/...), malloc'd; NULL: none */
    size_t ndirs;
    uint64_t watched;
    int root_wd; /* SRC's own */
    bool limit;  /* the watch limit was reached: the run ends after this pass */
} watch_src_t;

/* One change in a batch of events: what the last event for (wd, name) said. */
typedef enum { CH_TAKE, CH_CREATED, CH_GONE, CH_DIR_NEW, CH_DIR_GONE } change_kind_t;

typedef struct {
    int wd;
    char *name;
    change_kind_t kind;
} change_t;

/* Records folder path under watch descriptor wd. */
static bool remember(watch_src_t *ws, int wd, const char *path)
{
    if ((size_t)wd >= ws->ndirs) {
        size_t n = (size_t)wd * 2 + 16;
        char **v = realloc(ws->dirs, n * sizeof *v);
        if (v == NULL)
            return false;
        memset(v + ws->ndirs, 0, (n - ws->ndirs) * sizeof *v);
        ws->dirs = v;
        ws->ndirs = n;
    }
    if (ws->dirs[wd] != NULL && strcmp(ws->dirs[wd], path) == 0)
        return true;
    char *copy = strdup(path);
    if (copy == NULL)
        return false;
    if (ws->dirs[wd] == NULL)
        ws->watched++;
    free(ws->dirs[wd]);
    ws->dirs[wd] = copy;
    return true;
}

static void forget(watch_src_t *ws, int wd)
{
    if (wd >= 0 && (size_t)wd < ws->ndirs && ws->dirs[wd] != NULL) {
        free(ws->dirs[wd]);
        ws->dirs[wd] = NULL;
        ws->watched--;
    }
}

/* The walk's on_folder: watches each folder it enters, before the folder is listed (so the walk
 * itself decides which folders are SRC's: not hidden, not DST, symlinks only when followed). */
static void watch_folder(void *ctx, source_sink_t *k, const char *dir)
{
    watch_src_t *ws = ctx;
    int wd = inotify_add_watch(ws->ino, dir, MASK);
    if (wd < 0 && errno == ENOSPC && !ws->limit) {
        ws->limit = true;
        FILE *f = fopen("/proc/sys/fs/inotify/max_user_watches", "r");
        unsigned long max = 0;
        if (f != NULL && fscanf(f, "%lu", &max) != 1)
            max = 0;
        if (f != NULL)
            fclose(f);
        char why[300];
        snprintf(why, sizeof why,
                 "cannot watch: the limit of inotify watches is reached "
                 "(fs.inotify.max_user_watches = %lu); raise it (sysctl "
                 "fs.inotify.max_user_watches=N); this run ends after its pass",
                 max);
        k->failure(k, dir, NULL, why);
    }
    if (wd < 0)
        return;
    if (!remember(ws, wd, dir))
        k->failure(k, dir, NULL, "out of memory");
    if (strlen(dir) == ws->f.rel_off - 1) /* the walk's own spelling of SRC */
        ws->root_wd = wd;
}

/* Paths of folders deleted or moved away, malloc'd. */
typedef struct {
    char **v;
    size_t n, cap;
} paths_t;

/* A whole pass: the walk (watching each folder as it enters it), then the pruning and the status
 * (the sink's pass_done). gone[0..n): the folders deleted or moved away that caused it, told to
 * the sink once the pass has begun. */
static void pass(watch_src_t *ws, source_sink_t *k, char *const *gone, size_t n)
{
    k->pass_start(k);
    for (size_t i = 0; i < n && k->folder_gone != NULL; i++)
        k->folder_gone(k, gone[i] + ws->f.rel_off);
    folder_walk(&ws->f, k, ws->f.src);
    if (!done_fired(k->done)) /* a pass cut short is no pass: 130 for a first one */
        k->pass_done(k, ws->watched);
}

/* Adds a change to the batch, or updates the one for the same name (the last event decides). */
static bool note(change_t **v, size_t *n, size_t *cap, int wd, const char *name, change_kind_t kind)
{
    for (size_t i = 0; i < *n; i++)
        if ((*v)[i].wd == wd && strcmp((*v)[i].name, name) == 0) {
            (*v)[i].kind = kind;
            return true;
        }
    char *copy = grow(v, *n, cap, sizeof **v) ? strdup(name) : NULL;
    if (copy == NULL)
        return false;
    (*v)[(*n)++] = (change_t){wd, copy, kind};
    return true;
}

/* Acts on one change. Returns false when the run is cancelled; sets *rescan when only a rescan
 * can tell what it means, and then adds a folder deleted or moved away to *gone. */
static bool apply(watch_src_t *ws, source_sink_t *k, const change_t *c, bool forgetting,
                  bool *rescan, paths_t *gone)
{
    const char *dir = (size_t)c->wd < ws->ndirs ? ws->dirs[c->wd] : NULL;
    if (dir == NULL)
        return true; /* a folder no longer watched */
    char *path = path_join(dir, c->name);
    if (path == NULL) {
        k->failure(k, dir, "", "out of memory");
        return true;
    }
    bool go = true;
    struct stat st;
    switch (c->kind) {
    case CH_CREATED: /* a new name for an existing file (a hard link): nothing else will come */
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink > 1)
            go = folder_take(&ws->f, k, dir, c->name);
        break;
    case CH_TAKE:
        go = folder_take(&ws->f, k, dir, c->name);
        break;
    case CH_GONE:
        if (lstat(path, &st) != 0 && errno == ENOENT)
            k->gone(k, path, ws->f.rel_off);
        break;
    case CH_DIR_NEW:
        folder_walk(&ws->f, k, path);
        break;
    case CH_DIR_GONE: {
        size_t n = strlen(path);
        for (size_t wd = 0; wd < ws->ndirs; wd++) { /* a folder moved away keeps its watches */
            const char *d = ws->dirs[wd];
            if (d != NULL && strncmp(d, path, n) == 0 && (d[n] == '/' || d[n] == '\0')) {
                inotify_rm_watch(ws->ino, (int)wd);
                forget(ws, (int)wd);
            }
        }
        *rescan |= forgetting; /* what came from it is found by the rescan (pruned, forgotten) */
        if (forgetting && grow(&gone->v, gone->n, &gone->cap, sizeof *gone->v)) {
            gone->v[gone->n++] = path;
            path = NULL;
        }
        break;
    }
    }
    free(path);
    return go && !done_fired(k->done);
}

/* Reads and handles one batch of events. False when the watch must end. */
static bool handle_events(watch_src_t *ws, source_sink_t *k, bool forgetting)
{
    static char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t len = read(ws->ino, buf, sizeof buf);
    if (len <= 0)
        return len < 0 && (errno == EINTR || errno == EAGAIN);
    change_t *v = NULL;
    size_t n = 0, cap = 0;
    bool overflow = false, root_gone = false, oom = false;
    for (char *p = buf; p < buf + len;) {
        const struct inotify_event *e = (const struct inotify_event *)p;
        p += sizeof *e + e->len;
        const char *name = e->len ? e->name : "";
        bool dir = e->mask & IN_ISDIR;
        if (e->mask & IN_Q_OVERFLOW ||
            (source_watch_test_hooks && strcmp(name, OVERFLOW_HOOK) == 0)) {
            overflow = true;
        } else if (e->mask & IN_IGNORED) {
            forget(ws, e->wd);
        } else if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
            root_gone |= e->wd == ws->root_wd;
        } else if (name[0] == '\0' || name[0] == '.') {
            continue; /* hidden, as in a walk */
        } else if (dir && e->mask & (IN_CREATE | IN_MOVED_TO)) {
            oom |= !note(&v, &n, &cap, e->wd, name, CH_DIR_NEW);
        } else if (dir && e->mask & (IN_DELETE | IN_MOVED_FROM)) {
            oom |= !note(&v, &n, &cap, e->wd, name, CH_DIR_GONE);
        } else if (!dir && e->mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_ATTRIB)) {
            oom |= !note(&v, &n, &cap, e->wd, name, CH_TAKE);
        } else if (!dir && e->mask & IN_CREATE) {
            oom |= !note(&v, &n, &cap, e->wd, name, CH_CREATED);
        } else if (!dir && e->mask & (IN_DELETE | IN_MOVED_FROM)) {
            oom |= !note(&v, &n, &cap, e->wd, name, CH_GONE);
        }
    }
    bool go = true, rescan = overflow || oom;
    if (root_gone) {
        k->failure(k, ws->f.src, NULL, "SRC was deleted or moved away: watching stops");
        go = false;
    }
    /* Once a rescan is due, it tells the rest; but every folder gone still ends its watches,
     * and is told of. */
    paths_t gone = {0};
    for (size_t i = 0; go && i < n; i++)
        if (!rescan || v[i].kind == CH_DIR_GONE)
            go = apply(ws, k, &v[i], forgetting, &rescan, &gone);
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
    if (go && rescan) {
        k->note(k, ws->f.src,
                overflow ? "too many changes at once (the inotify queue overflowed): "
                           "rescanning"
                : oom    ? "out of memory while reading changes: rescanning"
                         : "a folder went away: rescanning to forget what came from it");
        pass(ws, k, gone.v, gone.n);
    }
    for (size_t i = 0; i < gone.n; i++)
        free(gone.v[i]);
    free(gone.v);
    return go && !done_fired(k->done);
}

static void watch_list(source_t *base, source_sink_t *k)
{
    watch_src_t *ws = (watch_src_t *)base;
    done_t *done = k->done;
    ws->ino = inotify_init1(IN_CLOEXEC);
    if (ws->ino < 0) {
        char why[200];
        snprintf(why, sizeof why, "cannot watch: inotify: %s", strerror(errno));
        k->failure(k, ws->f.src, NULL, why);
        folder_list(base, k);
        return;
    }
    pass(ws, k, NULL, 0);
    bool forgetting = k->forgets;
    while (!ws->limit && !done_fired(done) && !done_fired(k->end)) {
        struct pollfd p[3] = {{.fd = ws->ino, .events = POLLIN},
                              {.fd = done_fd(done), .events = POLLIN},
                              {.fd = k->end ? done_fd(k->end) : -1, .events = POLLIN}};
        if (poll(p, 3, -1) < 0 && errno != EINTR)
            break;
        if (done_fired(done) || done_fired(k->end) || !(p[0].revents & POLLIN))
            continue;
        if (!handle_events(ws, k, forgetting))
            break;
    }
}

static void watch_close(source_t *base)
{
    watch_src_t *ws = (watch_src_t *)base;
    if (ws->ino >= 0)
        close(ws->ino);
    for (size_t i = 0; i < ws->ndirs; i++)
        free(ws->dirs[i]);
    free(ws->dirs);
    folder_src_fini(&ws->f);
    free(ws);
}

source_t *source_watch_open(const source_cfg_t *cfg, char *err, size_t errsz)
{
    static const source_ops_t ops = {
        .list = watch_list, .count = folder_count, .open = source_open_local, .close = watch_close};
    struct stat st;
    if (stat(cfg->src, &st) == 0 && !S_ISDIR(st.st_mode)) {
        snprintf(err, errsz, "--watch needs a folder");
        return NULL;
    }
    watch_src_t *ws = calloc(1, sizeof *ws);
    if (ws == NULL) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    ws->ino = -1;
    if (folder_src_init(&ws->f, cfg, err, errsz) != 0) {
        free(ws);
        return NULL;
    }
    ws->f.base.ops = &ops;
    ws->f.on_folder = watch_folder;
    ws->f.on_folder_ctx = ws;
    ws->root_wd = -1;
    return &ws->f.base;
}
