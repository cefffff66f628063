/* The manifest's JSON string encoder: every string it writes is valid JSON holding valid UTF-8,
 * whatever bytes a file name holds; and the fields a family adds on its own. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "batch/manifest.h"

static void expect_json(const char *in, const char *want)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    json_str(f, in);
    fclose(f);
    assert_string_equal(buf, want);
    free(buf);
}

static void strings(void **state)
{
    (void)state;
    expect_json(NULL, "null");
    expect_json("a b/c.jpg", "\"a b/c.jpg\"");
    expect_json("q\"b\\n\n\x1f\x7f", "\"q\\\"b\\\\n\\u000a\\u001f\x7f\"");
    /* Valid UTF-8 as it is: 2, 3 and 4 bytes, the last code point of each length. */
    expect_json(
        "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xb7 \xdf\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf",
        "\"\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xb7 \xdf\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf\"");
}

/* Anything else, byte by byte as U+FFFD (the name's exact bytes go in a *_bytes field beside it;
 * \u00XX would read as Latin-1, a name that finds no file): a lone continuation byte, overlong
 * forms, a surrogate, past U+10FFFF, a lead byte that never leads, and a sequence cut short by
 * the end; utf8_valid says so of each, and not of valid UTF-8. */
static void invalid_utf8(void **state)
{
    (void)state;
    expect_json("\x80", "\"\\ufffd\"");
    expect_json("\xc0\xaf", "\"\\ufffd\\ufffd\"");
    expect_json("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
    expect_json("\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    expect_json("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
    expect_json("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    expect_json("\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    expect_json("a\xe2\x82", "\"a\\ufffd\\ufffd\"");
    assert_false(utf8_valid("a\xe2\x82"));
    assert_false(utf8_valid("caf\xe9.jpg"));
    assert_true(utf8_valid("caf\xc3\xa9.jpg"));
    assert_true(utf8_valid("\xf0\x9f\x93\xb7"));
}

/* The pairs a family put (meta_put) follow the fields every line has: a string escaped, a number
 * as the shortest decimal that reads back the same at 15 digits. */
static void more_fields(void **state)
{
    (void)state;
    task_t *t = task_new("a.mp4", 0);
    assert_non_null(t);
    t->status = TASK_SKIPPED;
    assert_int_equal(meta_put(&t->meta, "codec", "h\"264", 0), 0);
    assert_int_equal(meta_put(&t->meta, "fps", NULL, 29.97), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    manifest_task(f, "a.mp4", t, "skipped", NULL);
    fclose(f);
    assert_string_equal(buf,
                        "{\"src\":\"a.mp4\",\"status\":\"skipped\",\"dst\":null,\"width\":null,"
                        "\"height\":null,\"bytes\":null,\"error\":null,"
                        "\"codec\":\"h\\\"264\",\"fps\":29.97}\n");
    free(buf);
    task_free(t);
}

/* Every key a line of the manifest can hold, a line of each kind with every field it has: none
 * can be a family's (meta_put refuses it), so no line holds a key twice. */
static void own_keys_refused(void **state)
{
    (void)state;
    task_t *t = task_new("caf\xe9.gif", 0);
    assert_non_null(t);
    t->status = TASK_MADE;
    t->nouts = 2;
    for (int i = 0; i < 2; i++)
        t->outs[i] = (thumb_out_t){
            .len = 9, .width = 8, .height = 8, .frames = 3, .dst = strdup("out/caf\xe9.webp")};
    snprintf(t->meta.kind, sizeof t->meta.kind, "video");
    snprintf(t->meta.thumbhash, sizeof t->meta.thumbhash, "AAAA");
    snprintf(t->meta.blurhash, sizeof t->meta.blurhash, "LEHV6n");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    manifest_task(f, t->src, t, "made", NULL);
    t->status = TASK_SKIPPED;
    t->owner = strdup("caf\xe9.png");
    manifest_task(f, t->src, t, "skipped", NULL);
    free(t->owner), t->owner = NULL;
    t->reason = "gone";
    manifest_task(f, t->src, t, "skipped", NULL);
    manifest_removed(f, "out/x.jpg", false);
    manifest_dst_failure(f, "out", "cannot write");
    manifest_pages(f, 1, 2);
    manifest_watching(f, 3);
    fclose(f);
    char seen[64][16];
    int keys = 0;
    for (const char *p = buf; (p = strchr(p, '"')) != NULL; p++) {
        size_t n = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz_");
        if (n == 0 || n >= sizeof seen[0] || strncmp(p + 1 + n, "\":", 2) != 0)
            continue;
        char key[sizeof seen[0]];
        snprintf(key, sizeof key, "%.*s", (int)n, p + 1);
        task_meta_t m = {0};
        if (meta_put(&m, key, NULL, 1) != -1)
            fail_msg("the manifest writes \"%s\" of its own; meta_put takes it", key);
        int k = 0;
        while (k < keys && strcmp(seen[k], key) != 0)
            k++;
        if (k == keys && keys < 64)
            snprintf(seen[keys++], sizeof seen[0], "%s", key);
    }
    assert_int_equal(keys, 21); /* every key: the lines above hold each kind of field */
    free(buf);
    task_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strings),
        cmocka_unit_test(invalid_utf8),
        cmocka_unit_test(more_fields),
        cmocka_unit_test(own_keys_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
