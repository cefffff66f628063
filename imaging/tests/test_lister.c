/* Unit tests of the rules every listing shares (core/claims.h: the clash rule, --shard) and of the
 * folder store's naming and freshness, which the lister asks before any decode. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/claims.h"
#include "store/mirror.h"
#include "store/store.h"

/* files[i] for names[i], as a source would fill them (relative path = name). */
static void fill(const thumb_opts_t *o, src_file_t *files, const char *const *names, size_t n)
{
    struct timespec zero = {0, 0};
    for (size_t i = 0; i < n; i++)
        src_file_init(&files[i], o, strdup(names[i]), 0, 0, &zero, 0);
}

static const char *owner_of(const src_file_t *files, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(files[i].name, name) == 0)
            return files[i].owner ? files[i].owner : "";
    fail_msg("%s not among the files", name);
    return NULL;
}

/* Settles the claims of names[0..n) in every rotation of their order: each time they end in name
 * order and names[i]'s owner is owners[i] ("" for none). */
static void owners_in_any_order(const char *const *names, const char *const *owners, size_t n)
{
    thumb_opts_t o;
    thumb_opts_default(&o);
    for (size_t r = 0; r < n; r++) {
        const char *order[16];
        src_file_t files[16];
        for (size_t i = 0; i < n; i++)
            order[i] = names[(i + r) % n];
        fill(&o, files, order, n);
        claims_settle(files, n);
        for (size_t i = 0; i < n; i++) {
            assert_true(i == 0 || strcmp(files[i - 1].name, files[i].name) < 0);
            assert_string_equal(owner_of(files, n, names[i]), owners[i]);
        }
        for (size_t i = 0; i < n; i++)
            src_file_free(&files[i]);
    }
}

/* For one output name: an image extension beats none, then byte order decides; whatever order
 * the source found the files in. Files with their own output name, or never an image (b.txt),
 * claim nothing; names are bytes, not letters (B.png). */
static void clash_rule(void **state)
{
    (void)state;
    const char *names[] = {"a.png", "a", "a.gif", "a.jpg", "b.txt", "b.png", "c.webp", "B.png"};
    const char *owners[] = {"a.gif", "a.gif", "", "a.gif", "", "", "", ""};
    owners_in_any_order(names, owners, sizeof names / sizeof names[0]);
}

/* What can be made ranks first: an image or RAW above a clip, a clip above a name without an
 * extension; a sidecar (an extension no family takes) owns no name, even sorting first. (Before:
 * IMG_0002.AAE owned IMG_0002.MOV's name, clip.json clip.mp4's.) */
static void clash_ranks_what_can_be_made(void **state)
{
    (void)state;
    const char *names[] = {"IMG_0002.AAE", "IMG_0002.MOV", "clip.json", "clip.mp4",
                           "r.mp4",        "r.dng",        "v",         "v.mkv",
                           "s.xmp",        "s.json"};
    const char *owners[] = {"", "", "", "", "r.dng", "", "v.mkv", "", "", ""};
    owners_in_any_order(names, owners, sizeof names / sizeof names[0]);
}

/* The output's extension is the format's: with WebP output, a.webp and a.png clash as well. */
static void clash_follows_the_format(void **state)
{
    (void)state;
    thumb_opts_t o;
    thumb_opts_default(&o);
    assert_true(parse_format("webp", &o.format));
    const char *names[] = {"a.webp", "a.png"};
    src_file_t files[2];
    fill(&o, files, names, 2);
    assert_string_equal(files[0].key, "./a.webp");
    claims_settle(files, 2);
    assert_string_equal(owner_of(files, 2, "a.webp"), "a.png");
    for (size_t i = 0; i < 2; i++)
        src_file_free(&files[i]);
}

/* --shard K/N is FNV-1a 64 of the relative path, modulo N: checked against the algorithm's
 * published test vectors, and every path falls in exactly one shard of N. */
static void shards(void **state)
{
    (void)state;
    assert_int_equal(shard_of("a", 1000003), (uint32_t)(0xaf63dc4c8601ec8cull % 1000003));
    assert_int_equal(shard_of("foobar", 4099), (uint32_t)(0x85944171f73967e8ull % 4099));
    assert_int_equal(shard_of("anything", 1), 0);
    assert_int_equal(shard_of("anything", 0), 0);
    unsigned counts[7] = {0};
    char rel[32];
    for (int i = 0; i < 7000; i++) {
        snprintf(rel, sizeof rel, "dir%d/img%d.jpg", i % 13, i);
        uint32_t k = shard_of(rel, 7);
        assert_true(k < 7);
        assert_int_equal(shard_of(rel, 7), k); /* the same path, the same shard */
        counts[k]++;
    }
    for (int k = 0; k < 7; k++) /* and no shard is starved: 1000 expected, 5 sigma either way */
        assert_true(counts[k] > 850 && counts[k] < 1150);
}

/* The folder store names outputs DST[/LABEL]/rel.ext and calls one up to date when it records its
 * source as it is now: that source's name, size and mtime to the nanosecond (docs/DESIGN.md,
 * "Identity and order"). */
static void folder_store_names_and_freshness(void **state)
{
    (void)state;
    char root[] = "/tmp/tg-lister-XXXXXX";
    assert_non_null(mkdtemp(root));
    char dst[64];
    snprintf(dst, sizeof dst, "%s/out", root);
    store_cfg_t cfg = {0};
    char err[256];
    store_t *s = store_open(dst, &cfg, err, sizeof err);
    assert_non_null(s);
    thumb_opts_t o;
    thumb_opts_default(&o);
    assert_true(parse_size_list("64,128x", &o));
    char src[96];
    snprintf(src, sizeof src, "%s/x/b.png", root);
    task_t *t = task_new(src, strlen(root) + 1);
    t->nouts = o.nsizes;
    assert_int_equal(s->ops->name(s, t, &o, err, sizeof err), 0);
    char want[128];
    snprintf(want, sizeof want, "%s/128x/x/b.jpg", dst);
    assert_string_equal(t->outs[1].dst, want);
    assert_false(s->ops->fresh(s, t, 1)); /* missing */
    t->mtime = (struct timespec){.tv_sec = 1600000000, .tv_nsec = 123456789};
    t->size = 1000;
    void *local = s->ops->thread_init ? s->ops->thread_init(s) : NULL;
    assert_int_equal(s->ops->put(s, local, t, t->outs[1].dst, "jpeg", 4, err, sizeof err), 0);
    struct stat st;
    assert_int_equal(stat(t->outs[1].dst, &st), 0);
    assert_int_equal(st.st_mtim.tv_sec, 1600000000); /* the source's seconds */
    struct timespec id = store_ident_time(t);        /* and its identity's hash */
    assert_int_equal(st.st_mtim.tv_nsec, id.tv_nsec);
    assert_true(s->ops->fresh(s, t, 1)); /* it records its source as it is */
    t->mtime.tv_nsec += 1;
    assert_false(s->ops->fresh(s, t, 1)); /* the source changed a nanosecond later */
    t->mtime.tv_sec -= 10;
    assert_false(s->ops->fresh(s, t, 1)); /* or went back in time (cp -p of an older file) */
    t->mtime.tv_sec += 10;
    t->mtime.tv_nsec -= 1;
    assert_true(s->ops->fresh(s, t, 1));
    /* Another source that maps to the same name (x/b.gif once x/b.png is gone), of the same
     * mtime (a camera's RAW+JPEG pair): not its output. */
    task_t *rival = task_new(src, strlen(root) + 1);
    char *dot = strrchr(rival->src, '.');
    memcpy(dot, ".gif", 4);
    rival->nouts = o.nsizes;
    rival->mtime = t->mtime;
    rival->size = t->size;
    assert_int_equal(s->ops->name(s, rival, &o, err, sizeof err), 0);
    assert_string_equal(rival->outs[1].dst, want);
    assert_false(s->ops->fresh(s, rival, 1));
    t->size++;
    assert_false(s->ops->fresh(s, t, 1)); /* and the size counts */
    task_free(rival);
    if (s->ops->thread_exit)
        s->ops->thread_exit(s, local);
    task_free(t);
    store_close(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

/* Where DST keeps neither nanoseconds nor xattrs (FAT, exFAT: 1980 to 2107), a source's time
 * outside that span is folded into it, whole spans apart, and one inside is kept as it is. */
static void kept_time_folds_into_fat_span(void **state)
{
    (void)state;
    struct tm lo_tm = {.tm_year = 80, .tm_mon = 0, .tm_mday = 2};    /* 1980-01-02 */
    struct tm hi_tm = {.tm_year = 207, .tm_mon = 11, .tm_mday = 31}; /* 2107-12-31 */
    int64_t lo = (int64_t)timegm(&lo_tm), hi = (int64_t)timegm(&hi_tm), day = 86400;
    const int64_t inside[] = {lo, 1600000000, hi - 2};
    for (size_t i = 0; i < sizeof inside / sizeof inside[0]; i++) {
        struct timespec k = store_kept_time((struct timespec){.tv_sec = inside[i], .tv_nsec = 7});
        assert_int_equal(k.tv_sec, inside[i]);
        assert_int_equal(k.tv_nsec, 7);
    }
    const int64_t outside[] = {lo - 1,  170000000 /* 1975 */,  0,         -day,
                               hi + 10, 4418000000 /* 2110 */, INT64_MIN, INT64_MAX};
    for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
        struct timespec k = store_kept_time((struct timespec){.tv_sec = outside[i], .tv_nsec = 7});
        assert_in_range(k.tv_sec, lo, hi - 1);
        assert_int_equal(k.tv_nsec, 7);
        struct timespec again = store_kept_time(k); /* as a rerun compares what FAT gave back */
        assert_int_equal(again.tv_sec, k.tv_sec);
        if (outside[i] < INT64_MIN + day || k.tv_sec - day < lo)
            continue;
        struct timespec before = store_kept_time((struct timespec){.tv_sec = outside[i] - day});
        assert_int_equal(before.tv_sec, k.tv_sec - day); /* two sources a day apart stay so */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clash_rule),
        cmocka_unit_test(clash_ranks_what_can_be_made),
        cmocka_unit_test(clash_follows_the_format),
        cmocka_unit_test(shards),
        cmocka_unit_test(folder_store_names_and_freshness),
        cmocka_unit_test(kept_time_folds_into_fat_span),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
