/* The folder store's folders: DST made along its path, and every folder below it reached relative
 * to a descriptor of DST, never following a symbolic link found inside it (openat2 with
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS where the kernel has it, else openat with O_NOFOLLOW one
 * component at a time). */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "store/folder.h"

int make_dirs(const char *dir, mode_t mode)
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
        if (mkdir(p, mode) != 0 && errno != EEXIST)
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

/* Opens folder rel beneath root one component at a time, each with O_NOFOLLOW (a symlink gives
 * ELOOP), creating missing ones with dir_mode unless it is 0. Returns a descriptor or -1 with
 * errno. */
static int walk_beneath(int root, const char *rel, mode_t dir_mode)
{
    char *p = strdup(rel);
    if (p == NULL)
        return -1;
    int fd = dup(root);
    for (char *comp = p, *next; fd >= 0 && comp != NULL; comp = next) {
        next = strchr(comp, '/');
        if (next != NULL)
            *next++ = '\0';
        int sub = dir_mode != 0 && mkdirat(fd, comp, dir_mode) != 0 && errno != EEXIST
                      ? -1 /* errno: mkdirat's */
                      : openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        close(fd);
        errno = e;
        fd = sub;
    }
    free(p);
    return fd;
}

int open_below(int root, const char *rel, mode_t dir_mode)
{
    if (rel[0] == '\0') /* a descriptor of its own: a dup would share root's read offset */
        return openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int d = open_beneath(root, rel);
    if (d < 0 && (errno == ENOSYS || errno == EINVAL || errno == EPERM ||
                  (errno == ENOENT && dir_mode != 0)))
        d = walk_beneath(root, rel, dir_mode);
    return d;
}
