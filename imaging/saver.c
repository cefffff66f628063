#include "saver.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "naming.h"

/* The registry of the temporary file being written (one saver thread, so one at a time). */
static pthread_mutex_t tmp_mu = PTHREAD_MUTEX_INITIALIZER;
static char *tmp_current;

void saver_init(saver_t *s, reporter_t *rep, bool fsync)
{
    memset(s, 0, sizeof *s);
    s->rep = rep;
    s->fsync = fsync;
    clock_gettime(CLOCK_REALTIME, &s->started);
    mode_t um = umask(0);
    umask(um);
    s->mode = 0666 & ~um;
}

void saver_destroy(saver_t *s)
{
    free(s->last_dir);
    s->last_dir = NULL;
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

static int ensure_parent(saver_t *s, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return 0;
    size_t n = (size_t)(slash - path);
    if (s->last_dir && strlen(s->last_dir) == n && memcmp(s->last_dir, path, n) == 0)
        return 0;
    char *dir = strndup(path, n);
    if (dir == NULL)
        return ENOMEM;
    int rc = make_dirs(dir);
    if (rc == 0) {
        free(s->last_dir);
        s->last_dir = dir;
    } else {
        free(dir);
    }
    return rc;
}

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static bool written_this_run(const saver_t *s, const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return false;
    return st.st_mtim.tv_sec > s->started.tv_sec ||
           (st.st_mtim.tv_sec == s->started.tv_sec && st.st_mtim.tv_nsec >= s->started.tv_nsec);
}

int saver_write(saver_t *s, const char *path, const void *buf, size_t len)
{
    int rc = ensure_parent(s, path);
    if (rc != 0)
        return rc;
    if (written_this_run(s, path))
        return EEXIST;
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
    char *tmp = malloc(dlen + sizeof ".thumbgen-XXXXXX");
    if (tmp == NULL)
        return ENOMEM;
    memcpy(tmp, path, dlen);
    memcpy(tmp + dlen, ".thumbgen-XXXXXX", sizeof ".thumbgen-XXXXXX");

    /* Create and register under the lock, so the emergency clean-up never misses a file. */
    pthread_mutex_lock(&tmp_mu);
    int fd = mkstemp(tmp);
    if (fd < 0)
        rc = errno;
    else
        tmp_current = tmp;
    pthread_mutex_unlock(&tmp_mu);
    if (fd < 0) {
        free(tmp);
        return rc;
    }
    rc = write_all(fd, buf, len);
    if (rc == 0 && fchmod(fd, s->mode) != 0)
        rc = errno;
    if (rc == 0 && s->fsync && fsync(fd) != 0)
        rc = errno;
    if (close(fd) != 0 && rc == 0)
        rc = errno;
    pthread_mutex_lock(&tmp_mu);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = errno;
    if (rc != 0)
        unlink(tmp);
    tmp_current = NULL;
    pthread_mutex_unlock(&tmp_mu);
    free(tmp);
    return rc;
}

void saver_sink(void *ctx, void *item)
{
    saver_t *s = ctx;
    task_t *t = *(task_t **)item;
    for (int i = 0; t->status == TASK_MADE && i < t->nouts; i++) {
        int rc = saver_write(s, t->outs[i].dst, t->outs[i].buf, t->outs[i].len);
        if (rc == EEXIST)
            task_fail(t, TASK_FAILED,
                      "%s was already written by this run from another source with the same name",
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
    if (tmp_current != NULL)
        unlink(tmp_current);
}
