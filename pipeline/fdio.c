#include "fdio.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

int fd_write_full(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int fd_read_all(int fd, char **buf, size_t *len)
{
    size_t n = 0, cap = 4096;
    char *b = malloc(cap);
    while (b != NULL) {
        if (cap - n < 2) {
            char *bigger = realloc(b, cap * 2);
            if (bigger == NULL)
                break;
            b = bigger;
            cap *= 2;
        }
        ssize_t k = read(fd, b + n, cap - n - 1);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            int e = errno;
            free(b);
            *buf = NULL;
            return e;
        }
        if (k == 0) {
            b[n] = '\0';
            *buf = b;
            *len = n;
            return 0;
        }
        n += (size_t)k;
    }
    free(b);
    *buf = NULL;
    return ENOMEM;
}
