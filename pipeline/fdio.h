/* fdio: the write loop every descriptor user needs (short writes, EINTR). libc only.
 * Error convention: returns 0 or an errno value. */
#ifndef PIPELINE_FDIO_H
#define PIPELINE_FDIO_H

#include <stddef.h>

/* Writes exactly len bytes to fd. Returns 0 or an errno value. */
int fd_write_full(int fd, const void *buf, size_t len);

#endif
