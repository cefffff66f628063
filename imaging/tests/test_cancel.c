/* Cancelling a run while a decoder is inside FFmpeg: the decoder is handed a clip through a pipe
 * (it reads through its descriptor either way) and the test writes more than the pipe holds, so
 * that the write returning proves FFmpeg has been reading it; then it stops writing, leaving
 * FFmpeg blocked in a read, and fires the run's done (what SIGINT does through the signal
 * thread). decoder_make must come back cancelled, with the decoder process killed and reaped.
 * The time it took is printed (the one-second target is the benchmark's to judge, not a test's). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <pthread.h>
#include <dirent.h>
#include <signal.h>
#include <sys/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "decoder/worker.h"

typedef struct {
    decoder_t *d;
    task_t *t;
    int src;
    done_t *done;
    decode_result_t r;
} making_t;

static void *make(void *arg)
{
    making_t *m = arg;
    m->r = decoder_make(m->d, m->t, m->src, m->done);
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* How many child processes this process has (every thread's, from /proc). */
static int children(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/task");
    assert_non_null(d);
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        if (de->d_name[0] == '.')
            continue;
        char path[300];
        snprintf(path, sizeof path, "/proc/self/task/%s/children", de->d_name);
        FILE *f = fopen(path, "r");
        for (int pid; f != NULL && fscanf(f, "%d", &pid) == 1;)
            n++;
        if (f != NULL)
            fclose(f);
    }
    closedir(d);
    return n;
}

static void cancel_inside_ffmpeg(void **state)
{
    (void)state;
    char dir[] = "/tmp/tg-cancel-XXXXXX", clip[64], cmd[512];
    assert_non_null(mkdtemp(dir));
    snprintf(clip, sizeof clip, "%s/clip.mkv", dir);
    snprintf(cmd, sizeof cmd,
             "ffmpeg -nostdin -v error -f lavfi -i testsrc2=s=640x360:r=25:d=20 -c:v libx264 "
             "-preset ultrafast -g 250 '%s'",
             clip);
    assert_int_equal(system(cmd), 0);
    int fd = open(clip, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    off_t size = lseek(fd, 0, SEEK_END);
    lseek(fd, 0, SEEK_SET);
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    int cap = fcntl(p[1], F_GETPIPE_SZ);
    assert_true(cap > 0 && size > cap + 65536); /* more than the pipe holds, and then some */

    thumb_opts_t o;
    thumb_opts_default(&o);
    decoder_cfg_t cfg = {.opts = &o, .timeout_s = 600, .max_memory_mib = 0, .exe = THUMBGEN_BIN};
    decoder_t d;
    decoder_init(&d, &cfg);
    done_t done;
    done_init(&done);
    task_t *t = task_new(clip, strlen(dir) + 1);
    t->nouts = 1;
    making_t m = {.d = &d, .t = t, .src = p[0], .done = &done};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, make, &m), 0);

    /* cap + 64 KiB: the write returns only once the decoder has read 64 KiB of the clip. */
    char buf[65536];
    size_t want = (size_t)cap + sizeof buf, sent = 0;
    while (sent < want) {
        ssize_t k = read(fd, buf, sizeof buf < want - sent ? sizeof buf : want - sent);
        assert_true(k > 0);
        for (ssize_t off = 0; off < k;) {
            ssize_t w = write(p[1], buf + off, (size_t)(k - off));
            assert_true(w > 0);
            off += w;
        }
        sent += (size_t)k;
    }
    double t0 = now_s();
    done_fire(&done);
    pthread_join(th, NULL);
    double took = now_s() - t0;
    assert_int_equal(m.r, DECODE_CANCELLED);
    assert_int_equal(d.child.pid, 0); /* the handle is empty: killed and reaped */
    assert_int_equal(children(), 0);  /* and no process of ours is left */
    print_message("cancelled inside FFmpeg in %.1f ms\n", took * 1000);

    close(p[1]);
    close(fd);
    task_free(t);
    decoder_destroy(&d);
    done_destroy(&done);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {cmocka_unit_test(cancel_inside_ffmpeg)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
