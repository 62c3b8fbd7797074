#ifndef LEMMING_SANDBOX_INTERNAL_H
#define LEMMING_SANDBOX_INTERNAL_H

#include "lemming_sandbox.h"

#include <fcntl.h>
#include <stdint.h>

// Landlock UAPI constants (include/uapi/linux/landlock.h), with the ABI that introduced each.
#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1

#define LL_FS_EXECUTE (1ULL << 0)
#define LL_FS_WRITE_FILE (1ULL << 1)
#define LL_FS_READ_FILE (1ULL << 2)
#define LL_FS_READ_DIR (1ULL << 3)
#define LL_FS_REMOVE_DIR (1ULL << 4)
#define LL_FS_REMOVE_FILE (1ULL << 5)
#define LL_FS_MAKE_CHAR (1ULL << 6)
#define LL_FS_MAKE_DIR (1ULL << 7)
#define LL_FS_MAKE_REG (1ULL << 8)
#define LL_FS_MAKE_SOCK (1ULL << 9)
#define LL_FS_MAKE_FIFO (1ULL << 10)
#define LL_FS_MAKE_BLOCK (1ULL << 11)
#define LL_FS_MAKE_SYM (1ULL << 12)
#define LL_FS_REFER (1ULL << 13)      // ABI 2
#define LL_FS_TRUNCATE (1ULL << 14)   // ABI 3
#define LL_FS_IOCTL_DEV (1ULL << 15)  // ABI 5
#define LL_FS_ABI1 ((1ULL << 13) - 1)

#define LL_NET_BIND_TCP (1ULL << 0)     // ABI 4
#define LL_NET_CONNECT_TCP (1ULL << 1)  // ABI 4

#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)  // ABI 6
#define LL_SCOPE_SIGNAL (1ULL << 1)                // ABI 6

/// The rights a rule on a single file may carry (the others apply to folders only).
#define LL_FS_FILE_RIGHTS (LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)

/// Creates a ruleset handling every file-system right of `abi`, TCP bind and connect unless
/// `network`, and the signal and abstract-socket scopes; stores the handled rights.
int ll_create_ruleset(int abi, int network, uint64_t *handled_fs);
int ll_add_path_rule(int ruleset, int parent, uint64_t access);
int ll_restrict_self(int ruleset);

#endif
