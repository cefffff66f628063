#include "decoder/testhooks.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pipeline/child.h"

static char *outcome(const char *what, int rc)
{
    char *msg = NULL;
    if (asprintf(&msg, "sandbox probe: %s: %s", what, rc == 0 ? "ALLOWED" : strerror(rc)) < 0)
        return NULL;
    return msg;
}

static int try_connect(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(9)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* On the decoder's own socket: only the filter can make this EPERM (else EISCONN). */
    return connect(CHILD_FD, (struct sockaddr *)&a, sizeof a) == 0 ? 0 : errno;
}

static int try_write(void)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/tg-sandbox-probe-%d", (int)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno;
    close(fd);
    unlink(path);
    return 0;
}

static int try_fork(void)
{
    pid_t p = fork();
    if (p == 0)
        _exit(0);
    if (p < 0)
        return errno;
    waitpid(p, NULL, 0);
    return 0;
}

char *decoder_fault_hook(int src, uint64_t max_memory_mib)
{
    char head[256] = {0};
    if (pread(src, head, sizeof head - 1, 0) < 8 || strncmp(head, "TGFAULT ", 8) != 0)
        return NULL;
    const char *what = head + 8;
    head[strcspn(head, "\r\n")] = '\0';
    if (strcmp(what, "crash") == 0)
        abort();
    if (strcmp(what, "segv") == 0) {
        signal(SIGSEGV, SIG_DFL); /* past a sanitizer's handler, so the process dies of it */
        raise(SIGSEGV);
    }
    if (strcmp(what, "hang") == 0)
        for (;;)
            pause();
    if (strncmp(what, "hold ", 5) == 0) { /* until the test opens the FIFO named and closes it */
        int fd = open(what + 5, O_RDONLY | O_CLOEXEC);
        char c;
        while (fd >= 0 && read(fd, &c, 1) > 0)
            ;
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    if (strcmp(what, "alloc") == 0) {
        if (max_memory_mib == 0)
            return strdup("sandbox probe: alloc: no memory limit in this build");
        for (;;) /* ends in GLib's fatal allocation error */
            memset(g_malloc(16 << 20), 1, 16 << 20);
    }
    int rc = -1;
    if (strcmp(what, "socket") == 0) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        rc = fd < 0 ? errno : 0;
        if (fd >= 0)
            close(fd);
    } else if (strcmp(what, "connect") == 0) {
        rc = try_connect();
    } else if (strcmp(what, "exec") == 0) {
        char *argv[] = {"/bin/true", NULL};
        execve(argv[0], argv, NULL);
        rc = errno;
    } else if (strcmp(what, "ptrace") == 0) {
        rc = ptrace(PTRACE_ATTACH, getppid(), NULL, NULL) == 0 ? 0 : errno;
    } else if (strcmp(what, "write") == 0) {
        rc = try_write();
    } else if (strcmp(what, "fork") == 0) {
        rc = try_fork();
    }
    return rc < 0 ? NULL : outcome(what, rc);
}
