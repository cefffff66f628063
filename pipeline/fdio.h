/* fdio: the read and write loops every descriptor user needs (short reads and writes, EINTR).
 * libc only.
 * Error convention: returns 0 or an errno value. */
#ifndef PIPELINE_FDIO_H
#define PIPELINE_FDIO_H

#include <stddef.h>

/* Writes exactly len bytes to fd. Returns 0 or an errno value. */
int fd_write_full(int fd, const void *buf, size_t len);

/* Reads fd from its offset to its end into *buf (malloc'd, NUL-terminated; the caller frees it)
 * and its length into *len. Returns 0 or an errno value (then *buf is NULL). */
int fd_read_all(int fd, char **buf, size_t *len);

#endif
