/* Failure records under --watch (docs/DESIGN.md, "Identity and order"), in the folder store: each
 * is written as its source fails and goes as it is made or removed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"
#include "watcher.h"

#define BIN THUMBGEN_BIN

/* --watch: a broken file's record is written as it fails; saved again with other broken bytes
 * (a new identity) it is tried again, saved as an image it is made and its record goes, and a
 * broken file deleted loses its record (--prune), as does a text file without an extension (its
 * record says "not an image"). */
static void watch_records(void **state)
{
    (void)state;
    tg_dirs_t d;
    dirs_make(&d, "failrec-watch");
    tg_record_t broken = record_of(&d, REC, "broken.jpg"), gone = record_of(&d, REC, "gone.jpg");
    tg_record_t notes = record_of(&d, SKIPREC, "notes");
    write_png(at(d.src, "a.png"), 40, 20);
    write_broken(broken.src);
    write_broken(gone.src);
    shf("echo 'some notes' > '%s'", notes.src);
    char *argv[] = {BIN, d.src, d.dst, "--watch", "--prune", "-j", "2", NULL};
    watcher_t w;
    watcher_start(&w, d.root, argv);
    while (seen_count(&w, "broken.jpg\"", "not a recognised image format") == 0 ||
           seen_count(&w, "gone.jpg\"", "not a recognised image format") == 0 ||
           seen_count(&w, "notes\"", "not an image") == 0)
        expect(&w, "\"error\":\"not a", NULL); /* the first pass's, in any order */
    assert_int_equal(access(broken.rec, F_OK), 0);
    assert_int_equal(access(notes.rec, F_OK), 0);

    write_broken(broken.src);
    expect(&w, "broken.jpg\"", "\"failed\"", "not a recognised image format", NULL);
    assert_int_equal(seen_count(&w, "broken.jpg\"", "failed before"), 0);
    write_png(broken.src, 30, 30);
    expect(&w, "broken.jpg\"", "\"made\"", NULL);
    assert_int_equal(access(broken.rec, F_OK), -1);

    assert_int_equal(unlink(gone.src), 0);
    expect(&w, "\"removed\"", REC "gone.jpg", NULL);
    assert_int_equal(unlink(notes.src), 0);
    expect(&w, "\"removed\"", SKIPREC "notes", NULL);
    kill(w.pid, SIGINT);
    watcher_finish(&w, NULL);
    assert_int_equal(access(gone.rec, F_OK), -1);
    assert_int_equal(access(notes.rec, F_OK), -1);
    dirs_remove(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(watch_records),
    };
    return cmocka_run_group_tests(tests, NULL, watcher_teardown);
}
