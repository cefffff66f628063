/* chan_bench: items per second through one channel, for P producers and C consumers at a given
 * capacity. Not part of the test suite. Usage: chan_bench [items] (default 20000000 per config). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "pipeline/chan.h"
#include "pipeline/stats.h"

struct side {
    chan_t *c;
    uint64_t n;
    uint64_t sum;
};

static void *producer(void *arg)
{
    struct side *s = arg;
    for (uint64_t i = 0; i < s->n; i++)
        chan_send(s->c, &i, NULL);
    return NULL;
}

static void *consumer(void *arg)
{
    struct side *s = arg;
    uint64_t v;
    while (chan_recv(s->c, &v, NULL) == CHAN_OK)
        s->sum += v;
    return NULL;
}

static double run(size_t cap, int np, int nc, uint64_t items)
{
    chan_t *c = chan_new(sizeof(uint64_t), cap);
    struct side ps[16], cs[16];
    pthread_t pt[16], ct[16];
    uint64_t t0 = now_ns();
    for (int i = 0; i < nc; i++) {
        cs[i] = (struct side){.c = c};
        pthread_create(&ct[i], NULL, consumer, &cs[i]);
    }
    for (int i = 0; i < np; i++) {
        ps[i] = (struct side){.c = c, .n = items / np};
        pthread_create(&pt[i], NULL, producer, &ps[i]);
    }
    for (int i = 0; i < np; i++)
        pthread_join(pt[i], NULL);
    chan_close(c);
    for (int i = 0; i < nc; i++)
        pthread_join(ct[i], NULL);
    double secs = (now_ns() - t0) / 1e9;
    chan_free(c);
    return (items / np) * np / secs;
}

int main(int argc, char **argv)
{
    uint64_t items = argc > 1 ? strtoull(argv[1], NULL, 10) : 20000000;
    struct {
        size_t cap;
        int p, c;
    } cfg[] = {{0, 1, 1}, {1, 1, 1}, {64, 1, 1}, {1024, 1, 1}, {64, 4, 4}};
    printf("%-10s %-10s %14s\n", "capacity", "P x C", "M items/s");
    for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
        uint64_t n = cfg[i].cap == 0 ? items / 4 : items;
        double r = run(cfg[i].cap, cfg[i].p, cfg[i].c, n);
        printf("%-10zu %dx%-8d %14.2f\n", cfg[i].cap, cfg[i].p, cfg[i].c, r / 1e6);
    }
    return 0;
}
