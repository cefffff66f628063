/* Opening a local file for the decoder: the folder, watch and list sources' `open`. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/source.h"

int source_open_local(source_t *s, void *local, task_t *t, char *err, size_t errsz)
{
    (void)s;
    (void)local;
    int fd = open(t->src, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
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
    return fd;
}
