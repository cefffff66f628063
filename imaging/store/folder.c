/* The folder store: thumbnails written atomically and only beneath DST. Every folder and file below
 * DST is reached relative to a descriptor of DST, never following a symbolic link found inside it
 * (openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS where the kernel has it, else openat with
 * O_NOFOLLOW one component at a time: beneath.c); DST itself may be a symlink. A symlink planted in
 * DST is a reported failure and nothing is written through it. Each output is written to a
 * temporary file in its own folder (".thumbgen-XXXXXX", hidden) and renamed into place, so a
 * thumbnail under its final name is always complete. The one temporary file being written is
 * registered so that store_emergency_cleanup (a second Ctrl-C) can remove it before exiting. One
 * writer thread (renames are cheap next to a decode), and one put at a time: under --watch --html
 * the gallery's pages are put by a thread of their own too. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/naming.h"
#include "pipeline/fdio.h"
#include "store/folder.h"
#include "store/mirror.h"

/* The registry of the temporary file being written (one writer thread, so one at a time). */
static pthread_mutex_t tmp_mu = PTHREAD_MUTEX_INITIALIZER;
static int tmp_dir = -1;
static char tmp_name[32];

/* A descriptor of folder rel beneath DST, created if missing; cached for the next output. */
static int dir_fd(folder_t *s, const char *rel, size_t n, int *fd)
{
    if (n == 0) {
        *fd = s->root;
        return 0;
    }
    if (s->last_dir && strlen(s->last_dir) == n && memcmp(s->last_dir, rel, n) == 0) {
        *fd = s->last_fd;
        return 0;
    }
    char *dir = strndup(rel, n);
    if (dir == NULL)
        return ENOMEM;
    int d = open_below(s->root, dir, s->dir_mode);
    if (d < 0) {
        int e = errno;
        free(dir);
        return e;
    }
    if (s->last_fd >= 0)
        close(s->last_fd);
    free(s->last_dir);
    s->last_dir = dir;
    s->last_fd = d;
    *fd = d;
    return 0;
}

/* Creates a new temporary file in dir and registers it. Returns its descriptor or -errno. */
static int create_tmp(int dir, mode_t mode)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned char r[6];
        if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
            return -EIO;
        char name[sizeof tmp_name];
        static const char abc[] =
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
        snprintf(name, sizeof name, ".thumbgen-%c%c%c%c%c%c", abc[r[0] & 63], abc[r[1] & 63],
                 abc[r[2] & 63], abc[r[3] & 63], abc[r[4] & 63], abc[r[5] & 63]);
        /* Create and register under the lock, so the emergency clean-up never misses a file. */
        pthread_mutex_lock(&tmp_mu);
        int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        int e = errno;
        if (fd >= 0) {
            tmp_dir = dir;
            memcpy(tmp_name, name, sizeof name);
        }
        pthread_mutex_unlock(&tmp_mu);
        if (fd >= 0)
            return fd;
        if (e != EEXIST)
            return -e;
    }
    return -EEXIST;
}

/* The times that record src's identity (docs/DESIGN.md, "Identity and order"): mtime the
 * source's seconds and, where the filesystem keeps nanoseconds, the identity's hash as nanoseconds
 * (store_ident_time); where it keeps xattrs instead, the source's own; where neither, the time
 * it can keep (store_kept_time). atime too: libfuse 2 sets neither unless both are given. */
static void ident_times(const folder_t *s, const task_t *src, struct timespec times[2])
{
    times[0] = (struct timespec){.tv_nsec = UTIME_NOW};
    times[1] = s->ns_times ? store_ident_time(src)
               : s->xattrs ? src->mtime
                           : store_kept_time(src->mtime);
}

/* Records src's identity on the new file fd: its times (ident_times) and, where the filesystem
 * keeps user xattrs, IDENT_XATTR spelling the identity out, naming the source. A failure to record
 * is not a failure to write: an output that records no identity is never up to date, so the next
 * run makes it again. */
static void record_ident(folder_t *s, int fd, const task_t *src)
{
    struct timespec times[2];
    ident_times(s, src, times);
    futimens(fd, times);
    char id[IDENT_MAX];
    if (s->xattrs)
        fsetxattr(fd, IDENT_XATTR, id, store_ident(src, id, sizeof id), 0);
}

/* Writes buf atomically to path, which lies beneath DST, recording src's identity (NULL: none).
 * Returns 0 or an errno value (ELOOP: a symlink inside DST). */
static int write_file(folder_t *s, const char *path, const void *buf, size_t len, const task_t *src)
{
    if (strlen(path) <= s->prefix)
        return EINVAL;
    const char *rel = path + s->prefix;
    const char *slash = strrchr(rel, '/');
    const char *name = slash ? slash + 1 : rel;
    int dir = -1;
    int rc = dir_fd(s, rel, slash ? (size_t)(slash - rel) : 0, &dir);
    if (rc != 0)
        return rc;
    struct stat st;
    if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
        return ELOOP;
    int fd = create_tmp(dir, s->mode);
    if (fd == -ENOENT && dir != s->root) { /* the cached folder was removed (--prune): again */
        close(s->last_fd);                 /* closed now, whether or not it opens anew */
        free(s->last_dir);
        s->last_dir = NULL;
        s->last_fd = -1;
        if ((rc = dir_fd(s, rel, (size_t)(slash - rel), &dir)) != 0)
            return rc;
        fd = create_tmp(dir, s->mode);
    }
    if (fd < 0)
        return -fd;
    rc = fd_write_full(fd, buf, len);
    if (rc == 0 && src != NULL)
        record_ident(s, fd, src);
    if (rc == 0 && s->fsync && fsync(fd) != 0)
        rc = errno;
    if (close(fd) != 0 && rc == 0)
        rc = errno;
    pthread_mutex_lock(&tmp_mu);
    if (rc == 0 && renameat(dir, tmp_name, dir, name) != 0)
        rc = errno;
    if (rc != 0)
        unlinkat(dir, tmp_name, 0);
    tmp_dir = -1;
    pthread_mutex_unlock(&tmp_mu);
    if (rc == 0 && src != NULL && !s->ns_times && !s->xattrs) { /* the mtime is all it records */
        struct timespec times[2]; /* and fusefat sets it anew on a rename */
        ident_times(s, src, times);
        utimensat(dir, name, times, AT_SYMLINK_NOFOLLOW);
    }
    return rc;
}

static int folder_name(store_t *base, task_t *t, const thumb_opts_t *o, char *err, size_t errsz)
{
    return store_name_mirror(((folder_t *)base)->dst, t, o, err, errsz);
}

static int folder_put(store_t *base, void *local, const task_t *src, const char *path,
                      const void *buf, size_t len, char *err, size_t errsz)
{
    (void)local;
    folder_t *s = (folder_t *)base;
    pthread_mutex_lock(&s->put_mu);
    int rc = write_file(s, path, buf, len, src);
    /* Made now, or another verdict recorded: the records it replaces go, whether or not the
     * lister saw them (t->held): under --watch an older job's record may have landed after this
     * job was listed. Costs a lookup when there are none. One left behind matters only once this
     * source's thumbnails are gone, and is replaced if it fails then. */
    char *stale[2];
    size_t n = rc == 0 ? store_stale_records(src, path, false, stale) : 0;
    if (n > 0)
        folder_remove(base, stale, n, NULL, NULL);
    pthread_mutex_unlock(&s->put_mu);
    if (rc == ELOOP)
        snprintf(err, errsz,
                 "a symbolic link inside the destination is never followed or replaced");
    else if (rc != 0)
        snprintf(err, errsz, "%s", strerror(rc));
    errno = rc; /* ENOSPC, EDQUOT: the disk is full (store.h) */
    return rc == 0 ? 0 : -1;
}

/* a - b in nanoseconds. */
static int64_t ns_between(struct timespec a, struct timespec b)
{
    return ((int64_t)a.tv_sec - b.tv_sec) * 1000000000 + (a.tv_nsec - b.tv_nsec);
}

/* Whether the file at path (an output or a failure record) records t's source as it is now: 1
 * it does, 0 it is there but records something else (or nothing), -1 it is not there. Where the
 * filesystem keeps nanoseconds, one lstat (which never follows a symlink planted in DST): its
 * mtime is store_ident_time(t), so a changed source, an older replacement or another source at
 * the same name (a clash owner deleted, even one of the same mtime: a RAW+JPEG pair) is seen at
 * the cost the old "not older" rule had. Elsewhere the IDENT_XATTR where there are xattrs, else
 * the mtime alone, as far as the filesystem keeps it (exFAT, FAT: within its 1 or 2 s step,
 * either side, for one that rounds). */
static int recorded(folder_t *s, const char *path, const task_t *t)
{
    if (strlen(path) <= s->prefix)
        return -1;
    if (!s->ns_times && s->xattrs) {
        char want[IDENT_MAX], got[IDENT_MAX];
        size_t n = store_ident(t, want, sizeof want);
        ssize_t k = lgetxattr(path, IDENT_XATTR, got, sizeof got);
        if (k < 0 && errno == ENOENT)
            return -1;
        return k == (ssize_t)n && memcmp(got, want, n) == 0;
    }
    struct timespec want = s->ns_times ? store_ident_time(t) : store_kept_time(t->mtime);
    struct stat st;
    if (fstatat(s->root, path + s->prefix, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return -1;
    int64_t behind = ns_between(want, st.st_mtim);
    return S_ISREG(st.st_mode) && behind > -s->time_step && behind < s->time_step;
}

/* Up to date: the output records t's source as it is now. */
static bool folder_fresh(store_t *base, const task_t *t, int i)
{
    return recorded((folder_t *)base, t->outs[i].dst, t) == 1;
}

/* The records beside t's first output, recorded as its thumbnails are (one lstat each). */
static int folder_verdict_before(store_t *base, task_t *t)
{
    folder_t *s = (folder_t *)base;
    int failed = t->fail.dst ? recorded(s, t->fail.dst, t) : -1;
    int skipped = t->skip_dst ? recorded(s, t->skip_dst, t) : -1;
    t->held = (failed >= 0 ? RECORD_FAILED : 0) | (skipped >= 0 ? RECORD_SKIPPED : 0);
    return failed == 1 ? RECORD_FAILED : skipped == 1 ? RECORD_SKIPPED : 0;
}

/* Reads path (a file below DST, never through a symlink inside it). */
static int folder_get(store_t *base, void *local, const char *path, char **buf, size_t *len,
                      char *err, size_t errsz)
{
    (void)local;
    folder_t *s = (folder_t *)base;
    if (buf != NULL)
        *buf = NULL;
    if (strlen(path) <= s->prefix) {
        snprintf(err, errsz, "not below DST");
        return -1;
    }
    const char *rel = path + s->prefix, *slash = strrchr(rel, '/');
    char *dir = strndup(rel, slash ? (size_t)(slash - rel) : 0);
    int d = dir ? open_below(s->root, dir, 0) : -1, e = dir ? errno : ENOMEM;
    free(dir);
    if (buf == NULL) { /* only whether it is there: a file of its own (a symlink is not one) */
        struct stat st;
        e = d < 0 ? e : fstatat(d, slash ? slash + 1 : rel, &st, AT_SYMLINK_NOFOLLOW) ? errno : 0;
        if (d >= 0)
            close(d);
        if (e == ENOENT || e == ENOTDIR || (e == 0 && !S_ISREG(st.st_mode)))
            return 1;
        if (e != 0)
            snprintf(err, errsz, "%s", strerror(e));
        return e == 0 ? 0 : -1;
    }
    int fd = d < 0 ? -1 : openat(d, slash ? slash + 1 : rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (d >= 0) {
        e = errno;
        close(d);
    }
    if (fd < 0 && e == ENOENT)
        return 1;
    if (fd >= 0) {
        struct stat st;
        e = fstat(fd, &st) != 0 ? errno : !S_ISREG(st.st_mode) ? EISDIR : fd_read_all(fd, buf, len);
        close(fd);
    }
    if (e != 0)
        snprintf(err, errsz, "%s",
                 e == ELOOP ? "a symbolic link inside the destination is never "
                              "followed"
                            : strerror(e));
    return e == 0 ? 0 : -1;
}

static void folder_close(store_t *base)
{
    folder_t *s = (folder_t *)base;
    if (s->last_fd >= 0)
        close(s->last_fd);
    if (s->root >= 0)
        close(s->root);
    free(s->last_dir);
    free(s->dst);
    pthread_mutex_destroy(&s->put_mu);
    free(s);
}

/* A real write: access(2) says yes to root on a read-only folder. Finds out too whether the
 * filesystem keeps user xattrs (s->xattrs) and file times to the nanosecond (s->ns_times), and
 * else to what step it keeps them (s->time_step: a time set 1 ns below an even second comes back
 * truncated by the step less one ns; one that rounds or anything else is taken for FAT's 2 s). */
static int probe_writable(folder_t *s)
{
    int fd = create_tmp(s->root, 0600);
    if (fd < 0)
        return -fd;
    s->xattrs = fsetxattr(fd, IDENT_XATTR, "probe", 5, 0) == 0;
    struct timespec t[2] = {{.tv_nsec = UTIME_NOW}, {.tv_sec = 1600000001, .tv_nsec = 999999999}};
    struct stat st;
    int64_t lost = -1;
    if (futimens(fd, t) == 0 && fstat(fd, &st) == 0)
        lost = ns_between(t[1], st.st_mtim);
    s->ns_times = lost == 0;
    s->time_step = lost >= 0 && lost < 2000000000 ? lost + 1 : 2000000000;
    close(fd);
    pthread_mutex_lock(&tmp_mu);
    unlinkat(tmp_dir, tmp_name, 0);
    tmp_dir = -1;
    pthread_mutex_unlock(&tmp_mu);
    return 0;
}

/* SRC is DST when both name one folder. */
static bool folder_same_place(store_t *base, const char *src)
{
    struct stat s, d;
    return stat(src, &s) == 0 && stat(((folder_t *)base)->dst, &d) == 0 && d.st_dev == s.st_dev &&
           d.st_ino == s.st_ino;
}

store_t *store_folder_open(const char *dst, const store_cfg_t *cfg, char *err, size_t errsz)
{
    static const store_ops_t ops = {.name = folder_name,
                                    .fresh = folder_fresh,
                                    .verdict_before = folder_verdict_before,
                                    .put = folder_put,
                                    .get = folder_get,
                                    .scan = folder_scan,
                                    .remove = folder_remove,
                                    .same_place = folder_same_place,
                                    .close = folder_close};
    mode_t dir_mode = cfg->private_modes ? 0700 : 0777;
    struct stat st;
    bool absent = cfg->dry_run && stat(dst, &st) != 0 && errno == ENOENT;
    int rc = absent ? 0 : make_dirs(dst, dir_mode);
    if (rc != 0) {
        snprintf(err, errsz, "cannot create: %s", strerror(rc));
        return NULL;
    }
    folder_t *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    s->base = (store_t){.ops = &ops, .writers = 1};
    pthread_mutex_init(&s->put_mu, NULL);
    s->fsync = cfg->fsync;
    s->keep_folders = cfg->keep_folders;
    s->last_fd = -1;
    mode_t um = umask(0);
    umask(um);
    s->mode = cfg->private_modes ? 0600 : 0666 & ~um;
    s->dir_mode = dir_mode;
    size_t n = path_trimmed_len(dst);
    s->prefix = n + 1; /* as output_path joins them */
    s->dst = strndup(dst, n);
    s->root = absent ? -1 : open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    rc = s->dst == NULL ? ENOMEM : absent ? 0 : s->root < 0 ? errno : probe_writable(s);
    if (rc != 0) {
        snprintf(err, errsz, "not writable: %s", strerror(rc));
        folder_close(&s->base);
        return NULL;
    }
    return &s->base;
}

void store_emergency_cleanup(void)
{
    pthread_mutex_lock(&tmp_mu); /* never unlocked: the process is about to _exit */
    if (tmp_dir >= 0)
        unlinkat(tmp_dir, tmp_name, 0);
}
