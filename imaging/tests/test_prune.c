/* Unit tests of what --prune decides with: which names below DST thumbgen's naming can give
 * (store_mirror_rel, so nothing else is ever listed as removable), and the set of expected names
 * (hashset). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <cmocka.h>

#include "core/hashset.h"
#include "store/mirror.h"
#include "store/store.h"

static void mirror_names_one_size(void **state)
{
    (void)state;
    thumb_opts_t o;
    thumb_opts_default(&o);
    assert_string_equal(store_mirror_rel("a/b/c.jpg", &o), "a/b/c.jpg");
    assert_string_equal(store_mirror_rel("c.jpg", &o), "c.jpg");
    assert_null(store_mirror_rel("a/b/c.jpeg", &o)); /* not the format's extension */
    assert_null(store_mirror_rel("a/b/c.JPG", &o));
    assert_null(store_mirror_rel("a/b/c.png", &o));
    assert_null(store_mirror_rel("a/.b/c.jpg", &o)); /* hidden: never thumbgen's */
    assert_null(store_mirror_rel("a/.thumbgen-x1Y2z3", &o));
    assert_null(store_mirror_rel("a/b/.jpg", &o));
    assert_null(store_mirror_rel("a/b/c", &o));
    assert_true(parse_format("webp", &o.format));
    assert_string_equal(store_mirror_rel("a/c.webp", &o), "a/c.webp");
    assert_null(store_mirror_rel("a/c.jpg", &o));
}

static void mirror_names_sizes_and_templates(void **state)
{
    (void)state;
    thumb_opts_t o;
    thumb_opts_default(&o);
    assert_true(parse_size_list("128,512x", &o));
    /* Several sizes: a folder each, and what follows it stands for the source. */
    assert_string_equal(store_mirror_rel("128/a/c.jpg", &o), "a/c.jpg");
    assert_string_equal(store_mirror_rel("512x/c.jpg", &o), "c.jpg");
    assert_null(store_mirror_rel("256/a/c.jpg", &o)); /* a size not asked for: left alone */
    assert_null(store_mirror_rel("a/c.jpg", &o));
    assert_null(store_mirror_rel("128", &o));
    /* A template: only names it can give. */
    thumb_opts_default(&o);
    assert_true(parse_name_template("%s_thumb", &o));
    assert_string_equal(store_mirror_rel("a/c_thumb.jpg", &o), "a/c_thumb.jpg");
    assert_null(store_mirror_rel("a/c.jpg", &o));
    assert_null(store_mirror_rel("a/_thumb.jpg", &o)); /* %s is never empty */
    assert_true(parse_name_template("[%s]*%e%%", &o)); /* fnmatch's specials are literal */
    assert_string_equal(store_mirror_rel("[c]*png%.jpg", &o), "[c]*png%.jpg");
    assert_null(store_mirror_rel("[c]Xpng%.jpg", &o));
    assert_true(parse_size_list("128,512", &o));
    assert_true(parse_name_template("%s-%z", &o)); /* sizes share one folder, told by %z */
    assert_string_equal(store_mirror_rel("a/c-512.jpg", &o), "a/c-512.jpg");
    assert_null(store_mirror_rel("a/c-256.jpg", &o));
    assert_null(store_mirror_rel("128/a/c.jpg", &o));
}

/* Failure records: where store_name_mirror puts them, and the source a scan reads back from one. */
static void mirror_records(void **state)
{
    (void)state;
    thumb_opts_t o;
    thumb_opts_default(&o);
    task_t *t = task_new("/s/a/b c.png", 3);
    assert_non_null(t);
    t->nouts = 1;
    char err[200], buf[256];
    assert_int_equal(store_name_mirror("out", t, &o, err, sizeof err), 0);
    assert_string_equal(t->fail.dst, "out/a/" RECORD_PREFIX "b c.png");
    assert_string_equal(t->skip_dst, "out/a/" SKIP_RECORD_PREFIX "b c.png");
    assert_string_equal(
        store_mirror_record_rel("a/" SKIP_RECORD_PREFIX "b c.png", &o, buf, sizeof buf),
        "a/b c.png");
    assert_null(store_mirror_record_rel("a/" SKIP_RECORD_PREFIX, &o, buf, sizeof buf));
    assert_null(store_mirror_record_rel("a/.thumbgen-other.b", &o, buf, sizeof buf));
    assert_string_equal(store_mirror_record_rel("a/" RECORD_PREFIX "b c.png", &o, buf, sizeof buf),
                        "a/b c.png");
    assert_string_equal(store_mirror_record_rel(RECORD_PREFIX "x.gif", &o, buf, sizeof buf),
                        "x.gif");
    assert_null(store_mirror_record_rel("a/" RECORD_PREFIX, &o, buf, sizeof buf)); /* no name */
    assert_null(store_mirror_record_rel(".a/" RECORD_PREFIX "x.gif", &o, buf, sizeof buf));
    assert_null(store_mirror_record_rel("a/.thumbgen-gallery", &o, buf, sizeof buf));
    assert_null(store_mirror_rel("a/" RECORD_PREFIX "b.jpg", &o)); /* never a thumbnail */
    task_free(t);
    /* Several sizes: beside size 1's output, in its folder. */
    assert_true(parse_size_list("128,512x", &o));
    t = task_new("/s/a/c.png", 3);
    assert_non_null(t);
    t->nouts = 2;
    assert_int_equal(store_name_mirror("out", t, &o, err, sizeof err), 0);
    assert_string_equal(t->fail.dst, "out/128/a/" RECORD_PREFIX "c.png");
    assert_string_equal(
        store_mirror_record_rel("128/a/" RECORD_PREFIX "c.png", &o, buf, sizeof buf), "a/c.png");
    assert_null(store_mirror_record_rel("a/" RECORD_PREFIX "c.png", &o, buf, sizeof buf));
    task_free(t);
    /* A name too long for a record's: its start, cut between whole UTF-8 characters ("é" is 2
     * bytes, 221 are left for it), "~" and 16 hex digits of a hash of the whole name. */
    char name[300] = "";
    for (int i = 0; i < 125; i++)
        strcat(name, "\xc3\xa9");
    strcat(name, ".png");
    char path[320];
    snprintf(path, sizeof path, "/s/%s", name);
    thumb_opts_default(&o);
    t = task_new(path, 3);
    assert_non_null(t);
    t->nouts = 1;
    assert_int_equal(store_name_mirror("out", t, &o, err, sizeof err), 0);
    const char *recs[] = {t->fail.dst, t->skip_dst},
               *prefixes[] = {RECORD_PREFIX, SKIP_RECORD_PREFIX};
    for (int k = 0; k < 2; k++) {
        assert_non_null(recs[k]);
        const char *base = recs[k] + strlen("out/");
        assert_true(strlen(base) <= NAME_MAX);
        size_t np = strlen(prefixes[k]), kept = strlen(base) - np - 17;
        assert_int_equal(strncmp(base, prefixes[k], np), 0);
        assert_int_equal(kept % 2, 0); /* whole characters */
        assert_true(kept >= 218 && kept <= 221);
        assert_int_equal(strncmp(base + np, name, kept), 0);
        assert_int_equal(base[np + kept], '~');
        assert_int_equal(strspn(base + np + kept + 1, "0123456789abcdef"), 16);
    }
    task_free(t);
}

static void expected_hashes(void **state)
{
    (void)state;
    hashset_t s;
    hashset_init(&s);
    assert_false(hashset_maybe(&s, "x"));
    char key[64];
    for (int i = 0; i < 50000; i++) {
        snprintf(key, sizeof key, "dst/d%04d/f%03d.jpg", i / 100, i % 100);
        assert_int_equal(hashset_add(&s, key), 0);
    }
    assert_int_equal(hashset_add(&s, "dst/d0007/f042.jpg"), 0);
    assert_int_equal(s.n, 50000);
    for (int i = 0; i < 50000; i++) {
        snprintf(key, sizeof key, "dst/d%04d/f%03d.jpg", i / 100, i % 100);
        assert_true(hashset_maybe(&s, key));
        snprintf(key, sizeof key, "dst/d%04d/g%03d.jpg", i / 100, i % 100);
        assert_false(hashset_maybe(&s, key)); /* no collision among these */
    }
    hashset_free(&s);
    assert_false(hashset_maybe(&s, "dst/d0001/f001.jpg"));
}

/* Removing keys (the watched files' count) keeps every other key findable: removal shifts the
 * entries of a probe run back, leaving no hole that would hide one. Every other key goes, in a
 * table dense enough for long runs, then the rest. */
static void removed_hashes(void **state)
{
    (void)state;
    hashset_t s;
    hashset_init(&s);
    char key[64];
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "src/%d.jpg", i);
        assert_int_equal(hashset_add(&s, key), 0);
    }
    assert_false(hashset_remove(&s, "src/none.jpg"));
    for (int i = 0; i < 20000; i += 2) {
        snprintf(key, sizeof key, "src/%d.jpg", i);
        assert_true(hashset_remove(&s, key));
        assert_false(hashset_remove(&s, key));
    }
    assert_int_equal(s.n, 10000);
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "src/%d.jpg", i);
        assert_int_equal(hashset_maybe(&s, key), i % 2 == 1);
    }
    for (int i = 1; i < 20000; i += 2) {
        snprintf(key, sizeof key, "src/%d.jpg", i);
        assert_true(hashset_remove(&s, key));
    }
    assert_int_equal(s.n, 0);
    hashset_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mirror_names_one_size), cmocka_unit_test(mirror_names_sizes_and_templates),
        cmocka_unit_test(mirror_records),        cmocka_unit_test(expected_hashes),
        cmocka_unit_test(removed_hashes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
