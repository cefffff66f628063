#include "decoder/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Landlock rights newer than Debian 12's kernel headers. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#define LL_NET_BIND_TCP (1ULL << 0)
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX (1ULL << 0)
#define LL_SCOPE_SIGNAL (1ULL << 1)

/* struct landlock_ruleset_attr as of ABI 6; older kernels are given a shorter prefix. */
typedef struct {
    uint64_t fs, net, scoped;
} ll_attr_t;

/* Applies Landlock; returns the ABI used, or 0 when the kernel has none. */
static int landlock(void)
{
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 1)
        return 0;
    ll_attr_t a = {0};
    a.fs =
        LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
        LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
        LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
        LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
    if (abi >= 2)
        a.fs |= LANDLOCK_ACCESS_FS_REFER;
    if (abi >= 3)
        a.fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
    size_t size = sizeof a.fs;
    if (abi >= 4) {
        a.net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
        size = 2 * sizeof(uint64_t);
    }
    if (abi >= 6) {
        a.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
        size = sizeof a;
    }
    int fd = (int)syscall(SYS_landlock_create_ruleset, &a, size, 0);
    if (fd < 0)
        return 0;
    long r = syscall(SYS_landlock_restrict_self, fd, 0);
    close(fd);
    return r == 0 ? (int)abi : 0;
}

/* The seccomp filter: allow everything except what a decoder never needs. */
static int seccomp_filter(void)
{
    scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
    if (f == NULL)
        return ENOMEM;
    static const int denied[] = {
        SCMP_SYS(socket),
        SCMP_SYS(socketpair),
        SCMP_SYS(connect),
        SCMP_SYS(bind),
        SCMP_SYS(listen),
        SCMP_SYS(accept),
        SCMP_SYS(accept4),
        SCMP_SYS(execve),
        SCMP_SYS(execveat),
        SCMP_SYS(ptrace),
        SCMP_SYS(process_vm_readv),
        SCMP_SYS(process_vm_writev),
        SCMP_SYS(fork),
        SCMP_SYS(vfork),
        SCMP_SYS(kill),
        SCMP_SYS(io_uring_setup),
        SCMP_SYS(io_uring_enter),
        SCMP_SYS(io_uring_register),
        SCMP_SYS(creat),
        SCMP_SYS(mkdir),
        SCMP_SYS(mkdirat),
        SCMP_SYS(unlink),
        SCMP_SYS(unlinkat),
        SCMP_SYS(rmdir),
        SCMP_SYS(rename),
        SCMP_SYS(renameat),
        SCMP_SYS(renameat2),
        SCMP_SYS(link),
        SCMP_SYS(linkat),
        SCMP_SYS(symlink),
        SCMP_SYS(symlinkat),
        SCMP_SYS(chmod),
        SCMP_SYS(fchmodat),
        SCMP_SYS(chown),
        SCMP_SYS(lchown),
        SCMP_SYS(fchownat),
        SCMP_SYS(truncate),
        SCMP_SYS(mknod),
        SCMP_SYS(mknodat),
        SCMP_SYS(mount),
        SCMP_SYS(umount2),
        SCMP_SYS(pivot_root),
        SCMP_SYS(chroot),
        SCMP_SYS(setns),
        SCMP_SYS(unshare),
        SCMP_SYS(bpf),
        SCMP_SYS(perf_event_open),
        SCMP_SYS(userfaultfd),
        SCMP_SYS(keyctl),
        SCMP_SYS(add_key),
        SCMP_SYS(request_key),
        SCMP_SYS(init_module),
        SCMP_SYS(finit_module),
        SCMP_SYS(delete_module),
        SCMP_SYS(kexec_load),
        SCMP_SYS(reboot),
        SCMP_SYS(swapon),
        SCMP_SYS(swapoff),
        SCMP_SYS(setuid),
        SCMP_SYS(setgid),
        SCMP_SYS(setreuid),
        SCMP_SYS(setregid),
        SCMP_SYS(setresuid),
        SCMP_SYS(setresgid),
        SCMP_SYS(setgroups),
        SCMP_SYS(name_to_handle_at),
        SCMP_SYS(open_by_handle_at),
        SCMP_SYS(fanotify_init),
        SCMP_SYS(move_mount),
        SCMP_SYS(open_tree),
        SCMP_SYS(fsopen),
        SCMP_SYS(fsmount),
    };
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof denied / sizeof denied[0]; i++)
        rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), denied[i], 0);
    /* Calls whose flags live in memory seccomp cannot read: ENOSYS sends libc to the old call. */
    static const int flags_in_memory[] = {SCMP_SYS(clone3), SCMP_SYS(openat2)};
    for (size_t i = 0; rc == 0 && i < 2; i++)
        rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), flags_in_memory[i], 0);
    /* clone: threads only. */
    if (rc == 0)
        rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                              SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
    /* open and openat: read-only, never creating or truncating. */
    static const struct {
        int nr;
        unsigned arg;
    } opens[] = {{SCMP_SYS(open), 1}, {SCMP_SYS(openat), 2}};
    static const struct {
        scmp_datum_t mask, value;
    } writes[] = {{O_ACCMODE, O_WRONLY},
                  {O_ACCMODE, O_RDWR},
                  {O_CREAT, O_CREAT},
                  {O_TRUNC, O_TRUNC},
                  {O_ACCMODE, 3}};
    for (size_t i = 0; rc == 0 && i < 2; i++)
        for (size_t k = 0; rc == 0 && k < sizeof writes / sizeof writes[0]; k++) {
            struct scmp_arg_cmp cmp = {opens[i].arg, SCMP_CMP_MASKED_EQ, writes[k].mask,
                                       writes[k].value};
            rc = seccomp_rule_add_array(f, SCMP_ACT_ERRNO(EPERM), opens[i].nr, 1, &cmp);
        }
    if (rc == 0)
        rc = seccomp_load(f);
    seccomp_release(f);
    return rc < 0 ? -rc : rc;
}

int sandbox_apply(char *desc, size_t desc_size)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return errno;
    int abi = landlock();
    int rc = seccomp_filter();
    if (rc != 0)
        return rc;
    if (abi > 0)
        snprintf(desc, desc_size, "no_new_privs, seccomp filter, Landlock ABI %d", abi);
    else
        snprintf(desc, desc_size, "no_new_privs, seccomp filter (no Landlock in this kernel)");
    return 0;
}
