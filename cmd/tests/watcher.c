#include "watcher.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"

pid_t watcher_running;

int watcher_teardown(void **state)
{
    (void)state;
    if (watcher_running > 0)
        kill(watcher_running, SIGKILL);
    watcher_running = 0;
    return 0;
}

int watcher_teardown_dirs(void **state)
{
    watcher_teardown(state);
    return teardown_dirs(state);
}

void *png(int w, int h, size_t *len)
{
    VipsImage *im;
    assert_int_equal(vips_black(&im, w, h, "bands", 3, NULL), 0);
    void *buf = NULL;
    assert_int_equal(vips_pngsave_buffer(im, &buf, len, NULL), 0);
    g_object_unref(im);
    return buf;
}

void write_png(const char *path, int w, int h)
{
    size_t len;
    void *buf = png(w, h, &len);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
    g_free(buf);
}

/* Watches the child: once it has ended, opens the FIFO for writing and closes it, so that a
 * reader blocked on it (thumbgen ended before opening its manifest) sees the end instead of
 * waiting for ever. The child is not reaped here (pidfd). */
static void *guard(void *arg)
{
    watcher_t *w = arg;
    int pfd = (int)syscall(SYS_pidfd_open, w->pid, 0);
    struct pollfd p = {.fd = pfd, .events = POLLIN};
    while (pfd >= 0 && poll(&p, 1, -1) < 0)
        ;
    if (pfd >= 0)
        close(pfd);
    int fd = open(w->fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0)
        close(fd);
    return NULL;
}

void watcher_start(watcher_t *w, const char *dir, char *const *argv)
{
    memset(w, 0, sizeof *w);
    FMT(w->fifo, "%s/manifest.fifo", dir);
    assert_int_equal(mkfifo(w->fifo, 0600), 0);
    char *args[32];
    int n = 0;
    for (; argv[n] != NULL && n < 28; n++)
        args[n] = argv[n];
    args[n++] = "--manifest";
    args[n++] = w->fifo;
    args[n] = NULL;
    w->pid = proc_start(args, &w->out);
    assert_true(w->pid > 0);
    watcher_running = w->pid;
    assert_int_equal(pthread_create(&w->guard, NULL, guard, w), 0);
    w->manifest = fopen(w->fifo, "r"); /* until thumbgen opens it (or the guard, if it ended) */
    assert_non_null(w->manifest);
}

/* Appends a manifest line to w->seen (while it fits); returns where it is kept there. */
static const char *keep_line(watcher_t *w, const char *line)
{
    size_t k = strlen(line);
    char *copy = w->seen + w->nseen;
    if (w->nseen + k + 1 < sizeof w->seen) {
        memcpy(copy, line, k + 1);
        w->nseen += k;
    }
    return copy;
}

const char *expect(watcher_t *w, const char *needle, ...)
{
    char line[4096];
    while (fgets(line, sizeof line, w->manifest) != NULL) {
        const char *copy = keep_line(w, line);
        bool all = true;
        va_list ap;
        va_start(ap, needle);
        for (const char *s = needle; all && s != NULL; s = va_arg(ap, const char *))
            all = strstr(line, s) != NULL;
        va_end(ap);
        if (all)
            return copy;
    }
    fail_msg("the manifest ended before a line with %s; it said:\n%s", needle, w->seen);
    return NULL;
}

/* Reads the manifest to its end (thumbgen has ended or is ending), keeping every line in seen. */
static void drain(watcher_t *w)
{
    char line[4096];
    while (fgets(line, sizeof line, w->manifest) != NULL)
        keep_line(w, line);
    fclose(w->manifest);
}

int seen_count(const watcher_t *w, const char *a, const char *b)
{
    int n = 0;
    char line[4096];
    for (const char *p = w->seen; *p != '\0';) {
        const char *eol = strchr(p, '\n');
        size_t k = eol ? (size_t)(eol - p) : strlen(p);
        snprintf(line, sizeof line, "%.*s", (int)k, p);
        n += strstr(line, a) != NULL && strstr(line, b) != NULL;
        p += k + (eol != NULL);
    }
    return n;
}

int watcher_finish(watcher_t *w, char **err)
{
    drain(w);
    proc_result_t r;
    assert_int_equal(proc_finish(w->pid, w->out, &r), 0);
    pthread_join(w->guard, NULL);
    watcher_running = 0;
    if (err != NULL)
        *err = strdup(r.err);
    int status = r.status;
    proc_result_free(&r);
    return status;
}

char *stop(watcher_t *w)
{
    kill(w->pid, SIGINT);
    char *err = NULL;
    int status = watcher_finish(w, &err);
    if (status != 0)
        fail_msg("thumbgen exited %d: %s", status, err);
    return err;
}
