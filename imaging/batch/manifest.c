#include "batch/manifest.h"

#include <string.h>

#include "core/utf8.h"

FILE *manifest_open(const char *path)
{
    FILE *f = fopen(path, "w");
    if (f != NULL)
        setvbuf(f, NULL, _IOLBF, 0); /* one write per image is noise next to a decode */
    return f;
}

void json_str(FILE *f, const char *s)
{
    if (s == NULL) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n = *p >= 0x80 ? utf8_len(p) : 1;
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (n == 0)
            fputs("\\ufffd", f); /* U+FFFD REPLACEMENT CHARACTER, as decoders do */
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fwrite(p, 1, (size_t)n, f);
        p += n ? n : 1;
    }
    fputc('"', f);
}

/* Writes s's bytes in base64 (RFC 4648, padded) as a JSON string. */
static void base64_str(FILE *f, const char *s)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    fputc('"', f);
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        fputc(abc[v >> 18 & 63], f);
        fputc(abc[v >> 12 & 63], f);
        fputc(i + 1 < n ? abc[v >> 6 & 63] : '=', f);
        fputc(i + 2 < n ? abc[v & 63] : '=', f);
    }
    fputc('"', f);
}

/* "key":S, and when S is not valid UTF-8 (a name's bytes are any bytes) also "key_bytes" with its
 * exact bytes in base64, so that a consumer can find the file again. */
static void name_field(FILE *f, const char *key, const char *s)
{
    fprintf(f, "\"%s\":", key);
    json_str(f, s);
    if (s != NULL && !utf8_valid(s)) {
        fprintf(f, ",\"%s_bytes\":", key);
        base64_str(f, s);
    }
}

/* ,"key":S */
static void str_field(FILE *f, const char *key, const char *s)
{
    fprintf(f, ",\"%s\":", key);
    json_str(f, s);
}

static void out_fields(FILE *f, const thumb_out_t *o, bool made)
{
    name_field(f, "dst", o->dst);
    if (made)
        fprintf(f, ",\"width\":%d,\"height\":%d,\"bytes\":%zu", o->width, o->height, o->len);
    else
        fputs(",\"width\":null,\"height\":null,\"bytes\":null", f);
    if (made && o->frames > 1)
        fprintf(f, ",\"frames\":%d", o->frames);
}

/* A key this writer starts to write goes in core/task.c's own_keys too (test_manifest checks). */
void manifest_task(FILE *f, const char *src, const task_t *t, const char *status, const char *err)
{
    if (f == NULL)
        return;
    bool made = t != NULL && t->status == TASK_MADE && strcmp(status, "made") == 0;
    fputc('{', f);
    name_field(f, "src", src);
    str_field(f, "status", status);
    fputc(',', f);
    /* A skipped source has no output: nothing was, or will be, written for it. */
    if (t != NULL && t->nouts > 0 && t->status != TASK_SKIPPED) {
        out_fields(f, &t->outs[0], made);
        if (t->nouts > 1) {
            fputs(",\"outputs\":[", f);
            for (int i = 0; i < t->nouts; i++) {
                fputs(i ? ",{" : "{", f);
                out_fields(f, &t->outs[i], made);
                fputc('}', f);
            }
            fputc(']', f);
        }
    } else {
        fputs("\"dst\":null,\"width\":null,\"height\":null,\"bytes\":null", f);
    }
    str_field(f, "error", err);
    if (t != NULL && t->meta.kind[0] != '\0') {
        str_field(f, "kind", t->meta.kind);
        fprintf(f, ",\"duration\":%.3f", t->meta.duration);
    }
    if (made && t->meta.thumbhash[0] != '\0') /* --placeholder thumbhash: base64 already */
        str_field(f, "thumbhash", t->meta.thumbhash);
    if (made && t->meta.blurhash[0] != '\0') /* --placeholder blurhash */
        str_field(f, "blurhash", t->meta.blurhash);
    for (int i = 0; t != NULL && i < META_MORE && t->meta.more[i].key[0] != '\0'; i++) {
        const meta_field_t *m = &t->meta.more[i];
        fprintf(f, ",\"%s\":", m->key); /* letters and '_' (meta_valid) */
        if (m->str[0] != '\0')
            json_str(f, m->str);
        else
            fprintf(f, "%.15g", m->num);
    }
    if (t != NULL && t->owner != NULL) {
        fputs(",\"reason\":\"name clash\",", f);
        name_field(f, "owner", t->owner);
    } else if (t != NULL && t->reason != NULL) {
        str_field(f, "reason", t->reason);
    }
    fputs("}\n", f);
}

void manifest_removed(FILE *f, const char *addr, bool dry_run)
{
    if (f == NULL)
        return;
    fputs("{\"src\":null,\"status\":", f);
    json_str(f, dry_run ? "would_remove" : "removed");
    fputc(',', f);
    name_field(f, "dst", addr);
    fputs("}\n", f);
}

void manifest_dst_failure(FILE *f, const char *dst, const char *err)
{
    if (f == NULL)
        return;
    fputs("{\"src\":null,\"status\":\"failed\",", f);
    name_field(f, "dst", dst);
    str_field(f, "error", err);
    fputs("}\n", f);
}

void manifest_pages(FILE *f, unsigned written, unsigned removed)
{
    if (f != NULL)
        fprintf(f, "{\"src\":null,\"status\":\"pages\",\"written\":%u,\"removed\":%u}\n", written,
                removed);
}

void manifest_watching(FILE *f, uint64_t folders)
{
    if (f != NULL)
        fprintf(f, "{\"src\":null,\"status\":\"watching\",\"folders\":%llu}\n",
                (unsigned long long)folders);
}

int manifest_close(FILE *f)
{
    if (f == NULL)
        return 0;
    int rc = ferror(f) ? -1 : 0;
    return fclose(f) != 0 ? -1 : rc;
}
