/* The state file of a gallery folder (docs/DESIGN.md, "The gallery"): text, one record a line,
 * fields separated by tabs, each field's bytes below 0x21 but the space, '%' and 0x7f written
 * %XX (a file name may hold any byte but '/' and NUL):
 *   thumbgen-gallery STATE_VERSION  SIGNATURE  PAGE_VERSION  SRC_REL  PAINTED
 *   t  SRC  KIND  DURATION  FRAMES  THUMBHASH  BLURHASH  FILE W H  [FILE W H ...]
 *                                                  a thumbnail (hashes "": none), a size an output
 *   f  SRC  REASON                                              a failure
 *   c  SRC  OWNER                                               a name clash's loser
 *   d  NAME  COUNT  PROBLEMS  COVER  W  H  HASH                 a subfolder (HASH: its cover's
 *                                                  painted placeholder; absent in older states)
 * PAINTED is the placeholder kind the pages paint (g_painted): another one rewrites every page.
 * Records are written in their trees' order, so the same state gives the same bytes. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "gallery/model.h"

#define STATE_VERSION "2"
#define PAGE_VERSION "2" /* raise when the pages change: every page is written again */
#define MAX_FIELDS (8 + 3 * THUMB_MAX_SIZES)
#define KEY_FIELD 7 /* a thumbnail line's first output's name */

static void put_field(FILE *f, const char *s)
{
    fputc('\t', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p == '%' || *p == 0x7f || (*p < 0x20))
            fprintf(f, "%%%02X", *p);
        else
            fputc(*p, f);
}

static int hex(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes s in place. */
static void unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        int a, b;
        if (*r == '%' && (a = hex(r[1])) >= 0 && (b = hex(r[2])) >= 0) {
            *w++ = (char)(a << 4 | b);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/* Splits line at tabs into v (decoded, in place): the number of fields. */
static int split(char *line, char **v)
{
    int n = 0;
    for (char *p = line; p != NULL && n < MAX_FIELDS;) {
        char *tab = strchr(p, '\t');
        if (tab != NULL)
            *tab = '\0';
        unescape(p);
        v[n++] = p;
        p = tab ? tab + 1 : NULL;
    }
    return n;
}

static bool int_field(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static g_thumb_t *thumb_from(char **v, int n, const g_site_t *site)
{
    if (n != KEY_FIELD + 3 * site->opts->nsizes)
        return NULL;
    g_thumb_t *t = calloc(1, sizeof *t);
    long long frames;
    char *end;
    if (t == NULL || strlen(v[2]) >= sizeof t->kind || !int_field(v[4], 0, 1 << 30, &frames) ||
        strlen(v[5]) >= sizeof t->thumbhash || strlen(v[6]) >= sizeof t->blurhash) {
        free(t);
        return NULL;
    }
    memcpy(t->kind, v[2], strlen(v[2]) + 1);
    memcpy(t->thumbhash, v[5], strlen(v[5]) + 1);
    memcpy(t->blurhash, v[6], strlen(v[6]) + 1);
    t->duration = strtod(v[3], &end);
    t->frames = (int)frames;
    t->src = strdup(v[1]);
    bool ok = t->src != NULL && *end == '\0';
    for (int i = 0; ok && i < site->opts->nsizes; i++) {
        long long w, h;
        char **o = v + KEY_FIELD + 3 * i;
        ok = o[0][0] != '\0' && int_field(o[1], 1, 1 << 20, &w) &&
             int_field(o[2], 1, 1 << 20, &h) && (t->outs[i].file = strdup(o[0])) != NULL;
        t->nouts += ok;
        t->outs[i].w = (int)w;
        t->outs[i].h = (int)h;
    }
    if (!ok) {
        g_thumb_free(t);
        return NULL;
    }
    t->key = t->outs[0].file;
    return t;
}

static g_problem_t *problem_from(char **v, int n, bool clash)
{
    g_problem_t *p = n == 3 ? calloc(1, sizeof *p) : NULL;
    if (p == NULL)
        return NULL;
    p->clash = clash;
    p->src = strdup(v[1]);
    p->text = strdup(v[2]);
    if (p->src == NULL || p->text == NULL)
        g_problem_free(p), p = NULL;
    return p;
}

static g_sub_t *sub_from(char **v, int n)
{
    long long count, problems, w, h;
    if ((n != 7 && n != 8) || (n == 8 && strlen(v[7]) >= sizeof((g_sub_t *)0)->hash) ||
        !int_field(v[2], 0, INT64_MAX, &count) || !int_field(v[3], 0, INT64_MAX, &problems) ||
        !int_field(v[5], 0, 1 << 20, &w) || !int_field(v[6], 0, 1 << 20, &h) || v[1][0] == '\0' ||
        strchr(v[1], '/') != NULL)
        return NULL;
    g_sub_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    *s = (g_sub_t){.name = strdup(v[1]),
                   .count = (uint64_t)count,
                   .problems = (uint64_t)problems,
                   .cover = v[4][0] ? strdup(v[4]) : NULL,
                   .cw = (int)w,
                   .ch = (int)h};
    if (s->name == NULL || (v[4][0] && s->cover == NULL)) {
        g_sub_free(s);
        return NULL;
    }
    if (n == 8 && s->cover != NULL)
        memcpy(s->hash, v[7], strlen(v[7]) + 1);
    return s;
}

/* Compares the n escaped bytes at e, decoded, with s (strcmp's order). */
static int esc_cmp(const char *e, size_t n, const char *s)
{
    if (memchr(e, '%', n) == NULL) { /* nothing escaped (most names): as strcmp */
        int c = strncmp(e, s, n);
        return c != 0 ? c : s[n] == '\0' ? 0 : -1;
    }
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n; p++) {
        int a, b, c;
        if (e[i] == '%' && i + 2 < n && (a = hex(e[i + 1])) >= 0 && (b = hex(e[i + 2])) >= 0)
            c = a << 4 | b, i += 3;
        else
            c = (unsigned char)e[i++];
        if (*p == '\0' || c != *p)
            return *p == '\0' ? 1 : c - *p;
    }
    return *p ? -1 : 0;
}

/* Field k of a line (its escaped bytes, *n of them), or NULL. */
static const char *field(const char *line, int k, size_t *n)
{
    for (; k > 0 && line != NULL; k--)
        line = (line = strchr(line, '\t')) ? line + 1 : NULL;
    if (line != NULL)
        *n = strcspn(line, "\t");
    return line;
}

static int line_cmp(const void *key, const void *item)
{
    const g_line_t *l = item;
    return -esc_cmp(l->key, l->keylen, key);
}

/* Whether the n escaped bytes at e (plain: none escaped) are name's, of len bytes. */
static bool esc_eq(const char *e, size_t n, bool plain, const char *name, size_t len)
{
    return plain ? n == len && memcmp(e, name, len) == 0 : esc_cmp(e, n, name) == 0;
}

bool state_knows(g_folder_t *f, const char *src, const char *const *files, int n, unsigned kinds)
{
    size_t len = strlen(files[0]);
    const g_line_t *l = NULL;
    /* A listing asks in about the lines' order: the line after the last one found, first. */
    for (size_t i = f->hint; l == NULL && i < f->nlines && i < f->hint + 2; i++)
        if (esc_eq(f->lines[i].key, f->lines[i].keylen, f->lines[i].plain, files[0], len))
            l = &f->lines[i];
    if (l == NULL)
        l = bsearch(files[0], f->lines, f->nlines, sizeof *f->lines, line_cmp);
    if (l == NULL)
        return false;
    f->hint = (size_t)(l - f->lines) + 1;
    /* Its outputs: n of them (3 fields each), each named so; the placeholders asked for, each
     * there (else the thumbnail is made again, for its hash); made from src. */
    bool same = l->tail == 3 * (unsigned)(n - 1) + 2 && (kinds & ~(unsigned)l->hashes) == 0 &&
                esc_eq(l->src, l->srclen, l->plain, src, strlen(src));
    for (int i = 1; same && i < n; i++) {
        size_t m;
        const char *s = field(l->key, 3 * i, &m);
        same = s != NULL && esc_cmp(s, m, files[i]) == 0;
    }
    return same;
}

void state_thumbs(g_folder_t *f, const g_site_t *site)
{
    char *v[MAX_FIELDS];
    for (size_t i = 0; i < f->nlines; i++) {
        g_thumb_t *t = thumb_from(v, split(f->lines[i].line, v), site);
        if (t != NULL)
            g_put(&f->thumbs, &f->nthumbs, t, g_thumb_cmp, g_thumb_free);
        else
            f->dirty = true; /* a line it cannot read (or no memory): written anew without it */
    }
    free(f->lines);
    free(f->raw);
    f->lines = NULL;
    f->raw = NULL;
    f->nlines = 0;
}

/* The next line of text at *p (NUL-terminated in place), or NULL at its end. */
static char *next_line(char **p)
{
    while (**p == '\n')
        (*p)++;
    if (**p == '\0')
        return NULL;
    char *line = *p, *nl = strchr(line, '\n');
    *p = nl ? nl + 1 : line + strlen(line);
    if (nl != NULL)
        *nl = '\0';
    return line;
}

/* Keeps the thumbnail's line at line as text, with what state_knows compares, found in one pass
 * over its bytes; *end: where it ends (its newline or the text's end). plain: nothing in the text
 * is escaped. False when it cannot (then it is parsed). */
static bool keep_line(g_folder_t *f, char *line, bool plain, size_t *cap, char **end)
{
    const char *v[KEY_FIELD + 2]; /* where fields 0 .. KEY_FIELD + 1 start */
    unsigned n = 0;
    char *p = line;
    for (;; p++) {
        if (n < KEY_FIELD + 2)
            v[n] = p;
        n++;
        while ((unsigned char)*p > '\n') /* (every byte below 0x20 but these is escaped) */
            p++;
        if (*p != '\t')
            break;
    }
    *end = p; /* at another byte: one that should have been escaped */
    if ((*p != '\n' && *p != '\0') || n < KEY_FIELD + 1 ||
        !grow(&f->lines, f->nlines, cap, sizeof *f->lines))
        return false;
    size_t keylen =
        n > KEY_FIELD + 1 ? (size_t)(v[KEY_FIELD + 1] - 1 - v[KEY_FIELD]) : strlen(v[KEY_FIELD]);
    size_t srclen = (size_t)(v[2] - 1 - v[1]);
    f->lines[f->nlines++] =
        (g_line_t){.key = v[KEY_FIELD],
                   .keylen = (unsigned)keylen,
                   .src = v[1],
                   .srclen = (unsigned)srclen,
                   .tail = n - KEY_FIELD - 1,
                   .hashes = (unsigned char)((v[6] - v[5] > 1 ? PLACEHOLDER_THUMBHASH : 0) |
                                             (v[7] - v[6] > 1 ? PLACEHOLDER_BLURHASH : 0)),
                   .plain = plain || (memchr(v[1], '%', srclen) == NULL &&
                                      memchr(v[KEY_FIELD], '%', keylen) == NULL),
                   .line = line};
    return true;
}

void state_parse(g_folder_t *f, const char *text, const g_site_t *site)
{
    char *copy = strdup(text), *v[MAX_FIELDS], *p = copy;
    if (copy == NULL) {
        f->dirty = true;
        return;
    }
    char *line = next_line(&p);
    int n = line ? split(line, v) : 0;
    /* Another signature (sizes, format, names) or state version: nothing of it holds. */
    if (n != 5 || strcmp(v[0], "thumbgen-gallery " STATE_VERSION) != 0 ||
        strcmp(v[1], site->signature) != 0) {
        free(copy);
        f->dirty = true;
        return;
    }
    char painted[4];
    snprintf(painted, sizeof painted, "%u", g_painted(site));
    if (strcmp(v[2], PAGE_VERSION) != 0 || strcmp(v[3], site->src_rel ? site->src_rel : "") != 0 ||
        strcmp(v[4], painted) != 0)
        f->dirty = true; /* the same records, shown another way: the page is written again */
    f->raw = copy;
    size_t cap = 0;
    bool sorted = true, kept = true, plain = strchr(p, '%') == NULL; /* (below the header) */
    while (*p != '\0') {
        char *end;
        if (*p == '\n') {
            p++;
            continue;
        }
        /* A thumbnail's line is looked up as text (state_knows) until needed as a record. */
        if (p[0] == 't' && p[1] == '\t' && kept && (kept = keep_line(f, p, plain, &cap, &end))) {
            p = *end ? (*end = '\0', end + 1) : end;
            continue;
        }
        if ((line = next_line(&p)) == NULL)
            break;
        n = split(line, v);
        void *item = NULL;
        if (strcmp(v[0], "t") == 0 && (item = thumb_from(v, n, site)) != NULL)
            g_put(&f->thumbs, &f->nthumbs, item, g_thumb_cmp, g_thumb_free);
        else if ((strcmp(v[0], "f") == 0 || strcmp(v[0], "c") == 0) &&
                 (item = problem_from(v, n, v[0][0] == 'c')) != NULL)
            g_put(&f->problems, &f->nproblems, item, g_problem_cmp, g_problem_free);
        else if (strcmp(v[0], "d") == 0 && (item = sub_from(v, n)) != NULL)
            g_put(&f->subs, &f->nsubs, item, g_sub_cmp, g_sub_free);
        else
            f->dirty = true; /* a record it cannot read: written anew without it */
    }
    /* The keys must ascend, for bsearch (a state written by hand may not: then it is parsed). */
    for (size_t i = 1; sorted && i < f->nlines; i++) {
        const g_line_t *a = &f->lines[i - 1], *b = &f->lines[i];
        if (a->plain && b->plain) {
            int c = memcmp(a->key, b->key, a->keylen < b->keylen ? a->keylen : b->keylen);
            sorted = c < 0 || (c == 0 && a->keylen < b->keylen); /* (names hold no NUL) */
            continue;
        }
        char key[NAME_MAX * 3 + 1];
        size_t k = f->lines[i].keylen < sizeof key ? f->lines[i].keylen : sizeof key - 1;
        memcpy(key, f->lines[i].key, k);
        key[k] = '\0';
        unescape(key);
        sorted = esc_cmp(f->lines[i - 1].key, f->lines[i - 1].keylen, key) < 0;
    }
    if (!kept || !sorted || f->nthumbs > 0 || f->nlines == 0)
        state_thumbs(f, site); /* (frees the text) */
}

char *state_format(const g_folder_t *f, const g_site_t *site, size_t *len)
{
    char *buf = NULL;
    FILE *out = open_memstream(&buf, len);
    if (out == NULL)
        return NULL;
    fputs("thumbgen-gallery " STATE_VERSION, out);
    put_field(out, site->signature);
    put_field(out, PAGE_VERSION);
    put_field(out, site->src_rel ? site->src_rel : "");
    fprintf(out, "\t%u\n", g_painted(site));
    bool ok = true;
    void **v = g_items(f->thumbs, f->nthumbs, &ok);
    for (size_t i = 0; ok && i < f->nthumbs; i++) {
        const g_thumb_t *t = v[i];
        fputc('t', out);
        put_field(out, t->src);
        put_field(out, t->kind);
        fprintf(out, "\t%.3f\t%d", t->duration, t->frames);
        put_field(out, t->thumbhash);
        put_field(out, t->blurhash);
        for (int k = 0; k < t->nouts; k++) {
            put_field(out, t->outs[k].file);
            fprintf(out, "\t%d\t%d", t->outs[k].w, t->outs[k].h);
        }
        fputc('\n', out);
    }
    free(v);
    v = ok ? g_items(f->problems, f->nproblems, &ok) : NULL;
    for (size_t i = 0; ok && i < f->nproblems; i++) {
        const g_problem_t *p = v[i];
        fputc(p->clash ? 'c' : 'f', out);
        put_field(out, p->src);
        put_field(out, p->text);
        fputc('\n', out);
    }
    free(v);
    v = ok ? g_items(f->subs, f->nsubs, &ok) : NULL;
    for (size_t i = 0; ok && i < f->nsubs; i++) {
        const g_sub_t *s = v[i];
        fputc('d', out);
        put_field(out, s->name);
        fprintf(out, "\t%llu\t%llu", (unsigned long long)s->count, (unsigned long long)s->problems);
        put_field(out, s->cover ? s->cover : "");
        fprintf(out, "\t%d\t%d", s->cover ? s->cw : 0, s->cover ? s->ch : 0);
        put_field(out, s->cover ? s->hash : "");
        fputc('\n', out);
    }
    free(v);
    if (fclose(out) != 0 || !ok)
        free(buf), buf = NULL;
    return buf;
}
