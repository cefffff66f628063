#include "source/source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

source_t *source_open(const source_cfg_t *cfg, char *err, size_t errsz)
{
    if (s3_is_url(cfg->src))
        return source_s3_open(cfg, err, errsz);
    if (cfg->files_from != NULL)
        return source_files_open(cfg, err, errsz);
    if (cfg->watch)
        return source_watch_open(cfg, err, errsz);
    return source_folder_open(cfg, err, errsz);
}

void source_close(source_t *s)
{
    if (s != NULL)
        s->ops->close(s);
}

int source_open_local(task_t *t, char *err, size_t errsz)
{
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
