/* A gallery folder's page: HTML5, UTF-8, inline CSS, nothing fetched from elsewhere, and no script
 * but the placeholders' (paint.c).
 * Every link is relative to the page and percent-encoded (every byte but A-Z a-z 0-9 - . _ ~ and
 * the slashes), so the pages work from file:// and from a bucket served as a static website; text
 * is HTML-escaped, each byte of a name that is not UTF-8 shown as U+FFFD. Each image has its width
 * and height (nothing moves as images arrive) and loads lazily. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "gallery/model.h"

/* Light and dark (prefers-color-scheme), a grid that fills a phone's width with two columns and a
 * wide screen with many; each thumbnail centred in a square tile, so that rows line up. */
static const char CSS[] =
    ":root{color-scheme:light dark;--bg:#fafafa;--fg:#1d1d1f;--mute:#6e6e73;--tile:#e9e9ec;"
    "--acc:#0a58ca}"
    "@media(prefers-color-scheme:dark){:root{--bg:#121214;--fg:#ececf0;--mute:#9a9aa2;"
    "--tile:#26262b;--acc:#8ab4f8}}"
    "body{margin:0 auto;max-width:1600px;padding:12px 16px 32px;background:var(--bg);"
    "color:var(--fg);font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif}"
    "a{color:var(--acc);text-decoration:none}a:hover{text-decoration:underline}"
    "nav{color:var(--mute);overflow-wrap:anywhere}"
    "h1{font-size:1.5em;margin:.2em 0;overflow-wrap:anywhere}"
    "h2{font-size:1.1em;margin:1.5em 0 .4em}"
    ".n{color:var(--mute);margin:0 0 14px}"
    ".g{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:12px;"
    "margin-bottom:16px}"
    "figure{margin:0;min-width:0}"
    ".t{position:relative;display:flex;align-items:center;justify-content:center;"
    "aspect-ratio:1;background:var(--tile);border-radius:8px;overflow:hidden}"
    ".t img{max-width:100%;max-height:100%;width:auto;height:auto}"
    ".t b{position:absolute;right:6px;bottom:6px;padding:1px 6px;border-radius:4px;"
    "background:#000a;color:#fff;font-size:12px}"
    "figcaption{margin-top:4px;font-size:13px;line-height:1.3;overflow:hidden;"
    "overflow-wrap:anywhere;display:-webkit-box;-webkit-box-orient:vertical;"
    "-webkit-line-clamp:2}"
    "figcaption small{color:var(--mute)}"
    ".d .t{aspect-ratio:4/3}.d figcaption{font-weight:600}"
    ".t i{color:var(--mute);font-size:13px}"
    "ul{padding-left:1.2em}li{margin:.2em 0;overflow-wrap:anywhere}";

/* Writes s as HTML text (or an attribute value in double quotes). */
static void text(FILE *o, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n = *p >= 0x80 ? utf8_len(p) : 1;
        if (n == 0 || *p < 0x20 || *p == 0x7f)
            fputs("\xef\xbf\xbd", o); /* U+FFFD REPLACEMENT CHARACTER */
        else if (*p == '&')
            fputs("&amp;", o);
        else if (*p == '<')
            fputs("&lt;", o);
        else if (*p == '>')
            fputs("&gt;", o);
        else if (*p == '"')
            fputs("&quot;", o);
        else
            fwrite(p, 1, (size_t)n, o);
        p += n ? n : 1;
    }
}

/* Writes path percent-encoded (its slashes kept). */
static void url(FILE *o, const char *path)
{
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/", *p))
            fputc(*p, o);
        else
            fprintf(o, "%%%02X", *p);
}

static void ups(FILE *o, int n)
{
    while (n-- > 0)
        fputs("../", o);
}

/* The link from the page of folder `from` to `to`, both relative to DST (to: a file's path). */
static void href(FILE *o, const char *from, int depth, const char *to)
{
    int common = 0;
    const char *f = from, *t = to;
    while (*f) { /* a whole component of from that to's folders start with */
        size_t n = strcspn(f, "/");
        if (strncmp(f, t, n) != 0 || t[n] != '/')
            break;
        common++;
        f += n + (f[n] == '/');
        t += n + 1;
    }
    ups(o, depth - common);
    url(o, t);
}

/* 65 -> "1:05", 3725 -> "1:02:05". */
static void duration(FILE *o, double secs)
{
    long s = secs < 0 ? 0 : (long)(secs + 0.5);
    if (s >= 3600)
        fprintf(o, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        fprintf(o, "%ld:%02ld", s / 60, s % 60);
}

/* An image, with hash (NULL or "": none), the placeholder of the kind the pages paint: true when
 * it carries one. Such an image has its box before it loads (it would have none, its size being
 * auto for the tile to fit it, and nothing to paint on): its long side is its own or the tile's,
 * the other side follows from its width and height. */
static bool img(FILE *o, const char *folder, int depth, const char *path, int w, int h,
                const char *alt, const g_site_t *site, const char *hash)
{
    unsigned kind = hash && hash[0] ? g_painted(site) : 0;
    char css[16];
    bool paint = paint_css(kind, hash, site->opts->format, css, sizeof css);
    fputs("<img src=\"", o);
    href(o, folder, depth, path);
    fprintf(o, "\" width=%d height=%d loading=lazy alt=\"", w, h);
    text(o, alt);
    if (paint) {
        fprintf(o, "\" style=\"%s:min(100%%,%dpx)%s%s\" data-%s=\"", w >= h ? "width" : "height",
                w >= h ? w : h, css[0] ? ";background:" : "", css,
                kind == PLACEHOLDER_THUMBHASH ? "thumbhash" : "blurhash");
        text(o, hash);
    }
    fputs("\">", o);
    return paint;
}

/* The link to t's source beside SRC (the page is depth folders below DST). */
static void original(FILE *o, const g_folder_t *f, const g_site_t *site, const g_thumb_t *t)
{
    ups(o, f->depth);
    url(o, site->src_rel);
    fputc('/', o);
    if (f->rel[0]) {
        url(o, f->rel);
        fputc('/', o);
    }
    url(o, t->src);
}

/* t's figure; *painted is set when it carries a placeholder. */
static bool thumb(FILE *o, const g_folder_t *f, const g_site_t *site, const g_thumb_t *t,
                  bool *painted)
{
    int small = g_smallest(t), large = g_largest(t);
    char *sp = g_out_path(site, f->rel, t, small), *lp = g_out_path(site, f->rel, t, large);
    bool ok = sp != NULL && lp != NULL;
    /* The tile opens the largest size, or with one size the original where there is a link. */
    bool to_large = ok && t->nouts > 1, to_orig = !to_large && site->src_rel != NULL;
    fputs("<figure>", o);
    if (to_large || to_orig) {
        fputs("<a class=t href=\"", o);
        if (to_large)
            href(o, f->rel, f->depth, lp);
        else
            original(o, f, site, t);
        fputs("\">", o);
    } else {
        fputs("<span class=t>", o);
    }
    if (ok)
        *painted |= img(o, f->rel, f->depth, sp, t->outs[small].w, t->outs[small].h, t->src, site,
                        g_painted_hash(site, t));
    if (strcmp(t->kind, "video") == 0) {
        fputs("<b>\xe2\x96\xb6 ", o); /* U+25B6 BLACK RIGHT-POINTING TRIANGLE */
        duration(o, t->duration);
        fputs("</b>", o);
    }
    fputs(to_large || to_orig ? "</a>" : "</span>", o);
    fputs("<figcaption>", o);
    if (to_large && site->src_rel != NULL) { /* the second link: the original */
        fputs("<a href=\"", o);
        original(o, f, site, t);
        fputs("\">", o);
        text(o, t->src);
        fputs("</a>", o);
    } else {
        text(o, t->src);
    }
    fputs("</figcaption></figure>\n", o);
    free(sp);
    free(lp);
    return ok;
}

/* A subfolder's figure; *painted is set when its cover carries a placeholder. */
static void sub(FILE *o, const g_folder_t *f, const g_site_t *site, const g_sub_t *s, bool *painted)
{
    fputs("<figure><a class=t href=\"", o);
    url(o, s->name);
    fputs("/index.html\">", o);
    if (s->cover != NULL)
        *painted |= img(o, f->rel, f->depth, s->cover, s->cw, s->ch, "", site, s->hash);
    else
        fputs("<i>no thumbnails</i>", o);
    fputs("</a><figcaption><a href=\"", o);
    url(o, s->name);
    fputs("/index.html\">", o);
    text(o, s->name);
    fputs("</a> <small>", o);
    if (s->count > 0 || s->problems == 0)
        fprintf(o, "%llu", (unsigned long long)s->count);
    if (s->problems > 0)
        fprintf(o, "%s%llu not shown", s->count > 0 ? " \xc2\xb7 " : "",
                (unsigned long long)s->problems);
    fputs("</small></figcaption></figure>\n", o);
}

static void plural(FILE *o, uint64_t n, const char *one, const char *many)
{
    fprintf(o, "%llu %s", (unsigned long long)n, n == 1 ? one : many);
}

static void problems(FILE *o, g_problem_t **v, size_t n, bool clash)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += v[i]->clash == clash;
    if (k == 0)
        return;
    fprintf(o, "<h2>%s (%zu)</h2>\n<ul>\n", clash ? "Skipped: name clash" : "Failed", k);
    for (size_t i = 0; i < n; i++) {
        if (v[i]->clash != clash)
            continue;
        fputs("<li><b>", o);
        text(o, v[i]->src);
        fputs("</b>: ", o);
        if (clash) {
            fputs("its thumbnail's name belongs to ", o);
            text(o, g_base_name(v[i]->text));
        } else {
            text(o, v[i]->text);
        }
        fputs("</li>\n", o);
    }
    fputs("</ul>\n", o);
}

/* Orders thumbnails by their sources' names, as a file manager lists them. */
static int by_src(const void *a, const void *b)
{
    const g_thumb_t *x = *(g_thumb_t *const *)a, *y = *(g_thumb_t *const *)b;
    int c = strcmp(x->src, y->src);
    return c ? c : strcmp(x->key, y->key);
}

static void breadcrumb(FILE *o, const g_folder_t *f, const g_site_t *site)
{
    fputs("<nav><a href=\"", o);
    ups(o, f->depth);
    fputs("index.html\">", o);
    text(o, site->title);
    fputs("</a>", o);
    const char *p = f->rel;
    for (int i = 1; i < f->depth; i++) {
        size_t n = strcspn(p, "/");
        fputs(" / <a href=\"", o);
        ups(o, f->depth - i);
        fputs("index.html\">", o);
        char *name = strndup(p, n);
        text(o, name ? name : "?");
        free(name);
        fputs("</a>", o);
        p += n + 1;
    }
    fputs("</nav>\n", o);
}

char *page_html(const g_folder_t *f, const g_site_t *site, size_t *len)
{
    char *buf = NULL;
    FILE *o = open_memstream(&buf, len);
    if (o == NULL)
        return NULL;
    bool ok = true, ok2 = true, ok3 = true;
    g_thumb_t **thumbs = (g_thumb_t **)g_items(f->thumbs, f->nthumbs, &ok);
    g_sub_t **subs = (g_sub_t **)g_items(f->subs, f->nsubs, &ok2);
    g_problem_t **probs = (g_problem_t **)g_items(f->problems, f->nproblems, &ok3);
    ok = ok && ok2 && ok3;
    if (ok && f->nthumbs > 1)
        qsort(thumbs, f->nthumbs, sizeof *thumbs, by_src);
    const char *name = f->depth ? g_base_name(f->rel) : site->title;
    fputs("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
          "<meta name=viewport content=\"width=device-width,initial-scale=1\">"
          "<meta name=color-scheme content=\"light dark\"><title>",
          o);
    text(o, name);
    fprintf(o, "</title><style>%s</style></head><body>\n", CSS);
    if (f->depth > 0)
        breadcrumb(o, f, site);
    fputs("<h1>", o);
    text(o, name);
    fputs("</h1>\n<p class=n>", o);
    uint64_t all = f->nthumbs, below = 0, clashes = 0;
    for (size_t i = 0; ok && i < f->nsubs; i++)
        all += subs[i]->count, below += subs[i]->problems;
    for (size_t i = 0; ok && i < f->nproblems; i++)
        clashes += probs[i]->clash;
    plural(o, f->nthumbs, "thumbnail", "thumbnails");
    if (f->nsubs > 0) {
        fprintf(o, " here, %llu in all (", (unsigned long long)all);
        plural(o, f->nsubs, "folder", "folders");
        fputc(')', o);
    }
    if (f->nproblems > clashes)
        fprintf(o, " \xc2\xb7 %llu failed", (unsigned long long)(f->nproblems - clashes));
    if (clashes > 0)
        fprintf(o, " \xc2\xb7 %llu skipped (name clash)", (unsigned long long)clashes);
    if (below > 0)
        fprintf(o, " \xc2\xb7 %llu not shown in subfolders", (unsigned long long)below);
    fputs("</p>\n", o);
    bool both = f->nsubs > 0 && f->nthumbs > 0; /* then each grid says what it holds */
    bool painted = false;
    if (ok && f->nsubs > 0) {
        fputs(both ? "<h2>Folders</h2>\n<div class=\"g d\">\n" : "<div class=\"g d\">\n", o);
        for (size_t i = 0; i < f->nsubs; i++)
            sub(o, f, site, subs[i], &painted);
        fputs("</div>\n", o);
    }
    if (ok && f->nthumbs > 0) {
        fputs(both ? "<h2>Here</h2>\n<div class=g>\n" : "<div class=g>\n", o);
        for (size_t i = 0; ok && i < f->nthumbs; i++)
            ok = thumb(o, f, site, thumbs[i], &painted);
        fputs("</div>\n", o);
    }
    if (ok && f->nproblems > 0) {
        fputs("<section>", o);
        problems(o, probs, f->nproblems, false);
        problems(o, probs, f->nproblems, true);
        fputs("</section>\n", o);
    }
    if (painted) /* (a page without placeholders has no script) */
        paint_script(o, g_painted(site));
    fputs("</body></html>\n", o);
    free(thumbs);
    free(subs);
    free(probs);
    if (fclose(o) != 0 || !ok)
        free(buf), buf = NULL;
    return buf;
}
