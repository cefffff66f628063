#include "saver.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdio.h"
#include "naming.h"

/* The registry of the temporary file being written (one saver thread, so one at a time). */
static pthread_mutex_t tmp_mu = PTHREAD_MUTEX_INITIALIZER;
static int tmp_dir = -1;
static char tmp_name[32];

int saver_init(saver_t *s, reporter_t *rep, bool fsync, const char *dst)
{
    memset(s, 0, sizeof *s);
    s->rep = rep;
    s->fsync = fsync;
    s->last_fd = -1;
    mode_t um = umask(0);
    umask(um);
    s->mode = 0666 & ~um;
    size_t n = strlen(dst);
    while (n > 1 && dst[n - 1] == '/')
        n--;
    s->prefix = n + 1; /* as output_path joins them */
    s->root = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return s->root < 0 ? errno : 0;
}

void saver_destroy(saver_t *s)
{
    if (s->last_fd >= 0)
        close(s->last_fd);
    if (s->root >= 0)
        close(s->root);
    free(s->last_dir);
    s->last_dir = NULL;
    s->last_fd = s->root = -1;
}

int make_dirs(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0)
        return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
    char *p = strdup(dir);
    if (p == NULL)
        return ENOMEM;
    int rc = 0;
    for (char *q = p + 1; rc == 0; q++) {
        if (*q != '/' && *q != '\0')
            continue;
        char c = *q;
        *q = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            rc = errno;
        else if (stat(p, &st) != 0)
            rc = errno;
        else if (!S_ISDIR(st.st_mode))
            rc = ENOTDIR;
        *q = c;
        if (c == '\0')
            break;
    }
    free(p);
    return rc;
}

/* Opens folder rel beneath root in one call, refusing symlinks and escapes: -1 with errno
 * (ENOSYS where the kernel has no openat2). */
static int open_beneath(int root, const char *rel)
{
    struct open_how how = {.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                           .resolve =
                               RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
    return (int)syscall(SYS_openat2, root, rel, &how, sizeof how);
}

/* Opens (creating as needed) folder rel beneath root one component at a time, each with
 * O_NOFOLLOW: a symlink gives ELOOP. Returns a descriptor or -1 with errno. */
static int walk_beneath(int root, const char *rel)
{
    char *p = strdup(rel);
    if (p == NULL)
        return -1;
    int fd = dup(root);
    for (char *comp = p, *next; fd >= 0 && comp != NULL; comp = next) {
        next = strchr(comp, '/');
        if (next != NULL)
            *next++ = '\0';
        if (mkdirat(fd, comp, 0777) != 0 && errno != EEXIST) {
            int e = errno;
            close(fd);
            errno = e;
            fd = -1;
            break;
        }
        int sub = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        close(fd);
        errno = e;
        fd = sub;
    }
    free(p);
    return fd;
}

/* A descriptor of folder rel beneath DST, created if missing; cached for the next output. */
static int dir_fd(saver_t *s, const char *rel, size_t n, int *fd)
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
    int d = open_beneath(s->root, dir);
    if (d < 0 && (errno == ENOENT || errno == ENOSYS || errno == EINVAL || errno == EPERM))
        d = walk_beneath(s->root, dir);
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

int saver_write(saver_t *s, const char *path, const void *buf, size_t len)
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
    if (fd < 0)
        return -fd;
    rc = fd_write_full(fd, buf, len);
    if (rc == 0 && fchmod(fd, s->mode) != 0)
        rc = errno;
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
    return rc;
}

void saver_sink(void *ctx, void *item)
{
    saver_t *s = ctx;
    task_t *t = *(task_t **)item;
    for (int i = 0; t->status == TASK_MADE && i < t->nouts; i++) {
        int rc = saver_write(s, t->outs[i].dst, t->outs[i].buf, t->outs[i].len);
        if (rc == ELOOP)
            task_fail(t, TASK_FAILED,
                      "cannot write %s: a symbolic link inside the destination is never followed "
                      "or replaced",
                      t->outs[i].dst);
        else if (rc != 0)
            task_fail(t, TASK_FAILED, "cannot write %s: %s", t->outs[i].dst, strerror(rc));
    }
    task_release_buffers(t);
    reporter_task(s->rep, t);
    task_free(t);
}

void saver_emergency_cleanup(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&tmp_mu); /* never unlocked: the process is about to _exit */
    if (tmp_dir >= 0)
        unlinkat(tmp_dir, tmp_name, 0);
}
