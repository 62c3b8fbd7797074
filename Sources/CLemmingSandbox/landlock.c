// Landlock and openat2 system calls. The structures are declared here, not taken from
// <linux/landlock.h>, because the build machine's header may predate the ABI the kernel offers
// (Debian's describes ABI 2); the layouts are the kernel's UAPI (include/uapi/linux/landlock.h).

#define _GNU_SOURCE
#include "lemming_sandbox_internal.h"

#include <errno.h>
#include <string.h>

#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SYS_landlock_add_rule
#define SYS_landlock_add_rule 445
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

int lemming_landlock_abi(void) {
#if defined(__linux__)
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
    return abi > 0 ? (int)abi : 0;
#else
    return 0;
#endif
}

struct lemming_open_how {
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};

int lemming_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve) {
#if defined(__linux__)
    struct lemming_open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(unsigned int)flags;
    how.mode = (flags & O_CREAT) ? (uint64_t)mode : 0;
    how.resolve = resolve;
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
#else
    (void)dirfd; (void)path; (void)flags; (void)mode; (void)resolve;
    errno = ENOSYS;
    return -1;
#endif
}

#if defined(__linux__)

struct ll_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;  // ABI 4
    uint64_t scoped;              // ABI 6
};

struct ll_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

int ll_create_ruleset(int abi, int network, uint64_t *handled_fs) {
    uint64_t fs = LL_FS_ABI1;
    if (abi >= 2) fs |= LL_FS_REFER;
    if (abi >= 3) fs |= LL_FS_TRUNCATE;
    if (abi >= 5) fs |= LL_FS_IOCTL_DEV;
    struct ll_ruleset_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.handled_access_fs = fs;
    size_t size = sizeof(uint64_t);
    if (abi >= 4) {
        // Handled with no rule: every TCP bind and connect is refused.
        if (!network) attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
        size = 2 * sizeof(uint64_t);
    }
    if (abi >= 6) {
        // No signals to, and no abstract UNIX sockets of, processes outside the sandbox.
        attr.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
        size = 3 * sizeof(uint64_t);
    }
    *handled_fs = fs;
    return (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
}

int ll_add_path_rule(int ruleset, int parent, uint64_t access) {
    struct ll_path_beneath_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.allowed_access = access;
    attr.parent_fd = parent;
    return (int)syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &attr, 0);
}

int ll_restrict_self(int ruleset) {
    return (int)syscall(SYS_landlock_restrict_self, ruleset, 0);
}

#endif
