#include "proc.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char *slurp_fd(int fd)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    ssize_t n;
    while (buf != NULL && (n = read(fd, buf + len, cap - len - 1)) > 0) {
        len += (size_t)n;
        if (cap - len < 2) {
            char *nb = realloc(buf, cap *= 2);
            if (nb == NULL) {
                free(buf);
                return NULL;
            }
            buf = nb;
        }
    }
    if (buf != NULL)
        buf[len] = '\0';
    return buf;
}

static int temp_fd(void)
{
    char name[] = "/tmp/tg-proc-XXXXXX";
    int fd = mkstemp(name);
    if (fd >= 0)
        unlink(name);
    return fd;
}

static int err_fd_for(pid_t pid, int fd, int set)
{
    /* A tiny table mapping running children to their stderr temp files. */
    static struct {
        pid_t pid;
        int fd;
    } t[16];
    for (int i = 0; i < 16; i++) {
        if (set && t[i].pid == 0) {
            t[i].pid = pid;
            t[i].fd = fd;
            return fd;
        }
        if (!set && t[i].pid == pid) {
            t[i].pid = 0;
            return t[i].fd;
        }
    }
    return -1;
}

pid_t proc_start(char *const argv[], int *out_fd)
{
    return proc_start_fed(argv, NULL, out_fd);
}

pid_t proc_start_fed(char *const argv[], int *in_fd, int *out_fd)
{
    int p[2], in[2] = {-1, -1};
    int efd = temp_fd();
    if (efd < 0 || pipe(p) != 0 || (in_fd != NULL && pipe2(in, O_CLOEXEC) != 0))
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (in_fd != NULL)
        posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    else
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_adddup2(&fa, efd, 2);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    if (in_fd != NULL) {
        close(in[0]);
        *in_fd = in[1];
    }
    if (rc != 0) {
        close(p[0]);
        close(efd);
        if (in_fd != NULL)
            close(in[1]);
        return -1;
    }
    err_fd_for(pid, efd, 1);
    *out_fd = p[0];
    return pid;
}

int proc_finish(pid_t pid, int out_fd, proc_result_t *r)
{
    memset(r, 0, sizeof *r);
    r->out = slurp_fd(out_fd);
    close(out_fd);
    int ws;
    struct rusage ru;
    if (wait4(pid, &ws, 0, &ru) != pid)
        return -1;
    r->maxrss_kb = ru.ru_maxrss;
    r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    int efd = err_fd_for(pid, -1, 0);
    if (efd >= 0) {
        lseek(efd, 0, SEEK_SET);
        r->err = slurp_fd(efd);
        close(efd);
    }
    return 0;
}

int proc_run(char *const argv[], proc_result_t *r)
{
    int fd;
    pid_t pid = proc_start(argv, &fd);
    if (pid < 0)
        return -1;
    return proc_finish(pid, fd, r);
}

int proc_read_line(int fd, char *buf, int size)
{
    int len = 0;
    char c;
    while (len < size - 1) {
        ssize_t n = read(fd, &c, 1);
        if (n <= 0)
            return len > 0 ? len : -1;
        if (c == '\n')
            break;
        buf[len++] = c;
    }
    buf[len] = '\0';
    return len;
}

void proc_result_free(proc_result_t *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

int count_lines(const char *s)
{
    int n = 0;
    for (; s != NULL && *s; s++)
        n += *s == '\n';
    return n;
}
