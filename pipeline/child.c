#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

void child_init(child_t *c)
{
    c->pid = 0;
    c->sock = -1;
}

bool child_running(const child_t *c)
{
    return c->pid > 0;
}

int child_spawn(child_t *c, const char *exe, char *const argv[], char *const envp[], int stderr_fd)
{
    child_init(c);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return errno;
    /* Above CHILD_FD, so that dup2 always makes a new descriptor (and clears close-on-exec). */
    int theirs = fcntl(sv[1], F_DUPFD_CLOEXEC, CHILD_FD + 1);
    close(sv[1]);
    if (theirs < 0) {
        int e = errno;
        close(sv[0]);
        return e;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_adddup2(&fa, theirs, CHILD_FD);
    /* Nothing of the parent's terminal or pipes: a child holding our stdout open would keep a
     * reader of it waiting. */
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    if (stderr_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, stderr_fd, STDERR_FILENO);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    posix_spawnattr_setsigmask(&attr, &mask);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    pid_t pid;
    int rc = posix_spawn(&pid, exe, &fa, &attr, argv, envp ? envp : environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    close(theirs);
    if (rc != 0) {
        close(sv[0]);
        return rc;
    }
    c->pid = pid;
    c->sock = sv[0];
    return 0;
}

int child_send(child_t *c, const void *buf, size_t len, int pass_fd)
{
    const char *p = buf;
    union {
        struct cmsghdr h;
        char space[CMSG_SPACE(sizeof(int))];
    } ctl;
    while (len > 0) {
        struct iovec iov = {.iov_base = (void *)p, .iov_len = len};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
        if (pass_fd >= 0) {
            memset(&ctl, 0, sizeof ctl);
            m.msg_control = ctl.space;
            m.msg_controllen = sizeof ctl.space;
            struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
            cm->cmsg_level = SOL_SOCKET;
            cm->cmsg_type = SCM_RIGHTS;
            cm->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
        }
        ssize_t n = sendmsg(c->sock, &m, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        pass_fd = -1; /* sent with the first byte */
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

struct timespec child_deadline(double seconds)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    long long ns = (long long)(seconds * 1e9);
    t.tv_nsec += (long)(ns % 1000000000);
    t.tv_sec += (time_t)(ns / 1000000000) + t.tv_nsec / 1000000000;
    t.tv_nsec %= 1000000000;
    return t;
}

/* Milliseconds left until deadline (rounded up), 0 if past, -1 for none. */
static int ms_left(const struct timespec *deadline)
{
    if (deadline == NULL)
        return -1;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long ns = (long long)(deadline->tv_sec - now.tv_sec) * 1000000000LL +
                   (deadline->tv_nsec - now.tv_nsec);
    if (ns <= 0)
        return 0;
    long long ms = (ns + 999999) / 1000000;
    return ms > 1000000000LL ? 1000000000 : (int)ms;
}

child_io_t child_recv(child_t *c, void *buf, size_t len, const struct timespec *deadline,
                      done_t *done)
{
    char *p = buf;
    int dfd = done ? done_fd(done) : -1;
    while (len > 0) {
        if (done_fired(done))
            return CHILD_CANCELLED;
        struct pollfd pf[2] = {{.fd = c->sock, .events = POLLIN}, {.fd = dfd, .events = POLLIN}};
        int left = ms_left(deadline);
        if (left == 0)
            return CHILD_TIMEOUT;
        int r = poll(pf, dfd >= 0 ? 2 : 1, left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return CHILD_GONE;
        if (r == 0)
            return CHILD_TIMEOUT;
        if (pf[1].revents != 0 && done_fired(done))
            return CHILD_CANCELLED;
        if (pf[0].revents == 0)
            continue;
        ssize_t n = read(c->sock, p, len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return CHILD_GONE;
        p += n;
        len -= (size_t)n;
    }
    return CHILD_OK;
}

int child_reap(child_t *c)
{
    if (c->pid <= 0)
        return -1;
    kill(c->pid, SIGKILL);
    int status = -1;
    while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
        ;
    close(c->sock);
    child_init(c);
    return status;
}

int child_reap_exited(child_t *c)
{
    if (c->pid <= 0)
        return -1;
    /* Its end of the socket is closed, so it is exiting or dead. One that closed the socket but
     * goes on running gets a second (a blocking wait on its pidfd, with a deadline). child_reap
     * then kills what still runs; SIGKILL to a process that has already ended changes nothing of
     * the status it ended with. */
    int pfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
    if (pfd >= 0) {
        struct pollfd pf = {.fd = pfd, .events = POLLIN};
        while (poll(&pf, 1, 1000) < 0 && errno == EINTR)
            ;
        close(pfd);
    }
    return child_reap(c);
}

int child_read(int fd, void *buf, size_t len, int *passed_fd)
{
    char *p = buf;
    if (passed_fd != NULL)
        *passed_fd = -1;
    while (len > 0) {
        union {
            struct cmsghdr h;
            char space[CMSG_SPACE(sizeof(int))];
        } ctl;
        struct iovec iov = {.iov_base = p, .iov_len = len};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
        if (passed_fd != NULL) {
            m.msg_control = ctl.space;
            m.msg_controllen = sizeof ctl.space;
        }
        ssize_t n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        if (n == 0)
            return EPIPE;
        if (passed_fd != NULL) {
            for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
                if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
                    memcpy(passed_fd, CMSG_DATA(cm), sizeof(int));
            passed_fd = NULL; /* only with the first bytes */
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}
