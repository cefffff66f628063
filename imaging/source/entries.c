#include "source/entries.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int entries_open(entries_t *e, const char *path, char sep)
{
    *e = (entries_t){.sep = sep, .close_fd = strcmp(path, "-") != 0};
    e->fd = e->close_fd ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
    return e->fd < 0 ? -1 : 0;
}

char *entries_next(entries_t *e, done_t *done, bool *cancelled, int *err)
{
    for (size_t scan = e->start;;) {
        char *end = e->len > scan ? memchr(e->buf + scan, e->sep, e->len - scan) : NULL;
        if (end != NULL || (e->eof && e->len > e->start)) {
            char *entry = e->buf + e->start;
            if (end == NULL)
                end = e->buf + e->len++; /* the last entry had no separator; cap > len */
            *end = '\0';
            e->start = (size_t)(end - e->buf) + 1;
            return entry;
        }
        if (e->eof)
            return NULL;
        scan = e->len;
        if (e->start > 0) { /* keep only the unfinished entry */
            memmove(e->buf, e->buf + e->start, e->len - e->start);
            e->len -= e->start;
            scan -= e->start;
            e->start = 0;
        }
        if (e->cap - e->len < 4096) {
            char *nb = realloc(e->buf, e->cap * 2 + 8192);
            if (nb == NULL) {
                *err = ENOMEM;
                return NULL;
            }
            e->buf = nb;
            e->cap = e->cap * 2 + 8192;
        }
        struct pollfd p[2] = {{.fd = e->fd, .events = POLLIN},
                              {.fd = done_fd(done), .events = POLLIN}};
        if (poll(p, p[1].fd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR) {
            *err = errno;
            return NULL;
        }
        if (done_fired(done)) {
            *cancelled = true;
            return NULL;
        }
        ssize_t n = read(e->fd, e->buf + e->len, e->cap - e->len - 1);
        if (n < 0 && errno != EINTR && errno != EAGAIN) {
            *err = errno;
            return NULL;
        }
        if (n == 0)
            e->eof = true;
        else if (n > 0)
            e->len += (size_t)n;
    }
}

void entries_close(entries_t *e)
{
    if (e->fd >= 0 && e->close_fd)
        close(e->fd);
    e->fd = -1;
    free(e->buf);
    e->buf = NULL;
}
