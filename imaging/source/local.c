/* What the local sources (folder, watch, list) share: how an entry is looked at, and `open`. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/source.h"

int source_stat_local(int at, const char *name, bool follow_symlinks, struct stat *st)
{
    if (fstatat(at, name, st, AT_SYMLINK_NOFOLLOW) != 0)
        return -1;
    return S_ISLNK(st->st_mode) && (!follow_symlinks || fstatat(at, name, st, 0) != 0);
}

int source_open_local(source_t *s, void *local, task_t *t, char *err, size_t errsz)
{
    (void)s;
    (void)local;
    int fd = open(t->src, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0 && errno == ENOENT) {
        snprintf(err, errsz, "gone before its turn (deleted or renamed since it was listed)");
        t->unreadable = true;
        t->reason = "gone";
        return -1;
    }
    if (fd < 0) {
        snprintf(err, errsz, "cannot open: %s", strerror(errno));
        t->unreadable = true;
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errsz, "no longer a regular file");
        close(fd);
        return -1;
    }
    /* What the decoder reads is what the thumbnail is made from: its identity, not the
     * listing's (a file touched or replaced since it was listed). */
    t->mtime = st.st_mtim;
    t->size = (uint64_t)st.st_size;
    t->dev = (uint64_t)st.st_dev;
    t->ino = (uint64_t)st.st_ino;
    t->opened = true;
    return fd;
}
