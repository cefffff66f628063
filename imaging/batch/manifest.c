#include "batch/manifest.h"

FILE *manifest_open(const char *path)
{
    FILE *f = fopen(path, "w");
    if (f != NULL)
        setvbuf(f, NULL, _IOLBF, 0); /* one write per image is noise next to a decode */
    return f;
}

/* The length of the valid UTF-8 sequence at p (2 to 4), or 0 when there is none. */
static int utf8_len(const unsigned char *p)
{
    unsigned char c = p[0];
    int n = c >= 0xC2 && c <= 0xDF   ? 2
            : c >= 0xE0 && c <= 0xEF ? 3
            : c >= 0xF0 && c <= 0xF4 ? 4
                                     : 0;
    /* The second byte's range rules out overlong forms (E0, F0), surrogates (ED) and code points
     * past U+10FFFF (F4); a NUL ends the check before the end of the string is passed. */
    unsigned char lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
    unsigned char hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    for (int k = 1; k < n; k++, lo = 0x80, hi = 0xBF)
        if (p[k] < lo || p[k] > hi)
            return 0;
    return n;
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
        else if (*p < 0x20 || n == 0)
            fprintf(f, "\\u%04x", *p);
        else
            fwrite(p, 1, (size_t)n, f);
        p += n ? n : 1;
    }
    fputc('"', f);
}

static void out_fields(FILE *f, const thumb_out_t *o, bool made)
{
    fputs("\"dst\":", f);
    json_str(f, o->dst);
    if (made)
        fprintf(f, ",\"width\":%d,\"height\":%d,\"bytes\":%zu", o->width, o->height, o->len);
    else
        fputs(",\"width\":null,\"height\":null,\"bytes\":null", f);
    if (made && o->frames > 1)
        fprintf(f, ",\"frames\":%d", o->frames);
}

void manifest_task(FILE *f, const char *src, const task_t *t, const char *status, const char *err)
{
    if (f == NULL)
        return;
    bool made = t != NULL && t->status == TASK_MADE;
    fputs("{\"src\":", f);
    json_str(f, src);
    fputs(",\"status\":", f);
    json_str(f, status);
    fputc(',', f);
    if (t != NULL && t->nouts > 0) {
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
    fputs(",\"error\":", f);
    json_str(f, err);
    if (t != NULL && t->meta.kind[0] != '\0') {
        fputs(",\"kind\":", f);
        json_str(f, t->meta.kind);
        fprintf(f, ",\"duration\":%.3f", t->meta.duration);
    }
    if (t != NULL && t->owner != NULL) {
        fputs(",\"reason\":\"name clash\",\"owner\":", f);
        json_str(f, t->owner);
    } else if (t != NULL && t->reason != NULL) {
        fputs(",\"reason\":", f);
        json_str(f, t->reason);
    }
    fputs("}\n", f);
}

void manifest_removed(FILE *f, const char *addr, bool dry_run)
{
    if (f == NULL)
        return;
    fputs("{\"src\":null,\"status\":", f);
    json_str(f, dry_run ? "would_remove" : "removed");
    fputs(",\"dst\":", f);
    json_str(f, addr);
    fputs("}\n", f);
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
