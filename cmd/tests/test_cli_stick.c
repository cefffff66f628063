/* A destination on a USB stick: exFAT (exfat-fuse on a loop device) and FAT32 (fusefat), real
 * filesystems mounted through FUSE, which keep no user xattrs and no nanoseconds and refuse chmod
 * (FAT). They need root, FUSE and the Debian packages the README's test command installs; where
 * any is missing the test says so and is skipped. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"

static char loopdev[64]; /* the loop device exfat-fuse reads, "" when none is attached */
static bool mounted;
static bool exfat; /* else FAT32 */

/* Mounts the image (made by setup_mount) on test_dirs.dst; whether that worked. */
static bool mount_image(void)
{
    char cmd[1024];
    if (exfat)
        FMT(cmd, "mount.exfat-fuse '%s' '%s' >/dev/null 2>&1", loopdev, test_dirs.dst);
    else
        FMT(cmd, "fusefat -o rw+ '%s/fs.img' '%s' >/dev/null 2>&1", test_dirs.root, test_dirs.dst);
    return (!exfat || loopdev[0] != '\0') && system(cmd) == 0;
}

/* Unmounts and mounts again, so that what a rerun sees is what reached the image, not what
 * FUSE's caches remember. */
static void remount(void)
{
    shf("fusermount -u '%s'", test_dirs.dst);
    mounted = mount_image();
    assert_true(mounted);
}

/* Makes a fresh image of filesystem what ("exfat" or "fat") in test_dirs.root and mounts it on
 * test_dirs.dst; mounted says whether that worked. */
static int setup_mount(void **state, const char *what)
{
    setup_dirs(state);
    char cmd[1024];
    mkdir(test_dirs.dst, 0777);
    exfat = strcmp(what, "exfat") == 0;
    if (exfat) {
        FMT(cmd,
            "truncate -s 32M '%s/fs.img' && mkfs.exfat '%s/fs.img' >/dev/null 2>&1 && "
            "losetup -f --show '%s/fs.img' 2>/dev/null",
            test_dirs.root, test_dirs.root, test_dirs.root);
        FILE *p = popen(cmd, "r");
        if (p == NULL || fgets(loopdev, sizeof loopdev, p) == NULL)
            loopdev[0] = '\0';
        if (p != NULL)
            pclose(p);
        loopdev[strcspn(loopdev, "\n")] = '\0';
        mounted = mount_image();
    } else {
        FMT(cmd, "truncate -s 64M '%s/fs.img' && mkfs.vfat -F 32 '%s/fs.img' >/dev/null 2>&1",
            test_dirs.root, test_dirs.root);
        mounted = system(cmd) == 0 && mount_image();
    }
    return 0;
}

static int setup_exfat(void **state)
{
    return setup_mount(state, "exfat");
}

static int setup_fat(void **state)
{
    return setup_mount(state, "fat");
}

static int teardown_mount(void **state)
{
    char cmd[600];
    FMT(cmd, "fusermount -u '%s'", test_dirs.dst);
    int rc = mounted && system(cmd) != 0 ? -1 : 0;
    if (loopdev[0] != '\0') {
        FMT(cmd, "losetup -d '%s'", loopdev);
        if (system(cmd) != 0)
            rc = -1;
    }
    loopdev[0] = '\0';
    mounted = false;
    return teardown_dirs(state) != 0 ? -1 : rc;
}

/* Without nanoseconds or xattrs, an output's mtime is its source's, as far as the filesystem keeps
 * it (1 s on exFAT, 2 s on FAT). Every thumbnail is made (FAT refuses chmod: the kernel's vfat
 * with EPERM, fusefat with ENOSYS, so the mode is given at creation); after a remount a rerun
 * finds every one up to date rather than remaking each (fusefat sets the time anew on a rename),
 * also a source dated before 1980 or after 2107, which the filesystem cannot keep; and a source
 * changed since is remade. */
static void rerun_is_up_to_date(void)
{
    if (!mounted) {
        print_message("skipped: cannot mount %s here (needs root, FUSE and the README's "
                      "packages)\n",
                      exfat ? "an exFAT image" : "a FAT32 image");
        skip();
    }
    tg_tree_t tree;
    tree_list(TESTDATA "/photos", &tree);
    const char *src = test_dirs.src, *dst = test_dirs.dst;
    shf("cp -rp '%s/photos/.' '%s'", TESTDATA, src);
    assert_true(tree.ngood >= 3);
    shf("touch -d '1975-06-01 12:00:01' '%s/%s'", src, tree.good[1]);
    shf("touch -d '2110-01-01 00:00:01' '%s/%s'", src, tree.good[2]);
    expect_run(tg_run(THUMBGEN_BIN, src, dst, NULL), 0, tree.ngood, 0, 0, 0);
    assert_int_equal(count_outputs(dst, NULL), tree.ngood);

    remount();
    expect_run(tg_run(THUMBGEN_BIN, src, dst, NULL), 0, 0, tree.ngood, 0, 0);

    shf("touch -d '+1 hour' '%s/%s'", src, tree.good[0]);
    expect_run(tg_run(THUMBGEN_BIN, src, dst, NULL), 0, 1, tree.ngood - 1, 0, 0);
    tree_free(&tree);
}

static void exfat_rerun_is_up_to_date(void **state)
{
    (void)state;
    rerun_is_up_to_date();
}

static void fat_rerun_is_up_to_date(void **state)
{
    (void)state;
    rerun_is_up_to_date();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(exfat_rerun_is_up_to_date, setup_exfat, teardown_mount),
        cmocka_unit_test_setup_teardown(fat_rerun_is_up_to_date, setup_fat, teardown_mount),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
