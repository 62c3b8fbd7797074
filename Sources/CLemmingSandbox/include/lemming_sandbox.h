#ifndef LEMMING_SANDBOX_H
#define LEMMING_SANDBOX_H

#include <stdint.h>
#include <sys/types.h>

/// The highest Landlock ABI version the running kernel supports, or 0 when Landlock is missing
/// (not built in, disabled at boot, or not Linux).
int lemming_landlock_abi(void);

/// `openat2(2)`: opens `path` below the directory `dirfd` with `flags`, `mode` and the
/// `RESOLVE_*` bits of `resolve`. Returns the descriptor, or -1 with `errno` set (`ENOSYS` where
/// the kernel is older than 5.6).
int lemming_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve);

/// The `RESOLVE_*` flags of `openat2(2)` (linux/openat2.h).
enum {
    LEMMING_RESOLVE_NO_XDEV = 0x01,
    LEMMING_RESOLVE_NO_MAGICLINKS = 0x02,
    LEMMING_RESOLVE_NO_SYMLINKS = 0x04,
    LEMMING_RESOLVE_BENEATH = 0x08,
};

/// The sandbox launcher (see SandboxLauncher.swift for the protocol).
///
/// `argv[0]` is the first policy option (the launcher's own name and hidden argument are already
/// removed). Confines the calling process and executes the program; returns only on failure,
/// with the exit status to use (125: the sandbox could not be set up; 126: the program could not
/// be executed; 127: it was not found), after writing one line to stderr.
int lemming_sandbox_exec(int argc, char *const argv[]);

#endif
