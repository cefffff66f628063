#include "core/task.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

task_t *task_new(const char *src, size_t rel_off)
{
    task_t *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->src = strdup(src);
    if (t->src == NULL) {
        free(t);
        return NULL;
    }
    t->rel = t->src + rel_off;
    t->fd = -1;
    return t;
}

void task_fail(task_t *t, task_status_t status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    free(t->error);
    t->error = msg;
    t->status = status;
}

void task_release_buffers_with(task_t *t, void (*release)(void *))
{
    for (int i = 0; i < t->nouts; i++) {
        release(t->outs[i].buf);
        t->outs[i].buf = NULL;
    }
    release(t->fail.buf);
    t->fail.buf = NULL;
}

void task_release_buffers(task_t *t)
{
    task_release_buffers_with(t, free);
}

void task_free(task_t *t)
{
    if (t == NULL)
        return;
    task_release_buffers(t);
    for (int i = 0; i < t->nouts; i++)
        free(t->outs[i].dst);
    free(t->fail.dst);
    free(t->skip_dst);
    for (size_t i = 0; i < t->nidents; i++)
        free(t->idents[i]);
    free(t->idents);
    free(t->uri);
    free(t->owner);
    free(t->error);
    free(t->src);
    if (t->fd >= 0)
        close(t->fd);
    free(t);
}

void task_drop(void *item)
{
    task_free(*(task_t **)item);
}

const char *task_status_name(task_status_t s)
{
    static const char *const names[] = {"made", "up_to_date", "skipped", "failed", "not_attempted"};
    return names[s];
}

/* The keys the manifest writer writes of its own (batch/manifest.c): a family's field never takes
 * one, so that no line holds a key twice (a reader keeps the last: a decoder could else say
 * "status"). test_manifest checks that every key a line can hold is here. */
static const char *const own_keys[] = {
    "src",      "src_bytes", "status",  "dst",         "dst_bytes", "width",    "height",
    "bytes",    "frames",    "outputs", "error",       "kind",      "duration", "thumbhash",
    "blurhash", "reason",    "owner",   "owner_bytes", "written",   "removed",  "folders"};

/* A key as meta_put makes them: 1 to 15 of a-z and '_', NUL-terminated in its array, neither
 * the writer's own nor one of the first n fields of m. */
static bool key_ok(const task_meta_t *m, int n, const char *k)
{
    size_t len = strnlen(k, sizeof m->more[0].key);
    if (len == 0 || len == sizeof m->more[0].key || strspn(k, "abcdefghijklmnopqrstuvwxyz_") != len)
        return false;
    for (size_t i = 0; i < sizeof own_keys / sizeof own_keys[0]; i++)
        if (strcmp(k, own_keys[i]) == 0)
            return false;
    for (int i = 0; i < n; i++)
        if (strcmp(k, m->more[i].key) == 0)
            return false;
    return true;
}

int meta_put(task_meta_t *m, const char *key, const char *str, double num)
{
    for (int i = 0; i < META_MORE; i++) {
        meta_field_t *f = &m->more[i];
        if (f->key[0] != '\0')
            continue;
        if (!key_ok(m, i, key) || !isfinite(num) ||
            (str != NULL && (str[0] == '\0' || strlen(str) >= sizeof f->str)))
            return -1;
        snprintf(f->key, sizeof f->key, "%s", key);
        snprintf(f->str, sizeof f->str, "%s", str ? str : "");
        f->num = num;
        return 0;
    }
    return -1;
}

bool meta_valid(const task_meta_t *m)
{
#define ENDS(a) (memchr((a), 0, sizeof(a)) != NULL)
    if (!ENDS(m->kind) || !ENDS(m->mime) || !ENDS(m->thumbhash) || !ENDS(m->blurhash) ||
        !isfinite(m->duration) || m->duration < 0)
        return false;
    for (int i = 0; i < META_MORE; i++) {
        const meta_field_t *f = &m->more[i];
        if (!ENDS(f->key) || !ENDS(f->str) || !isfinite(f->num) ||
            (f->key[0] != '\0' && !key_ok(m, i, f->key)))
            return false;
    }
    return true;
#undef ENDS
}
