// The sandbox launcher: confines this process, then executes the program (see
// SandboxLauncher.swift). Written in C because every step is a raw system call on packed kernel
// structures, and because it must run before anything else of the process starts.

#define _GNU_SOURCE
#include "lemming_sandbox_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__linux__)
#include <dirent.h>
#include <grp.h>
#include <signal.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

extern char **environ;

#define MAX_RULES 256

/// The user and group a sandboxed program runs as when LeMMing runs as root.
#define UNPRIVILEGED_ID 65534

struct rule {
    const char *path;
    uint64_t access;  // before masking by the handled rights
    int required;     // a missing path is an error (the workspace) rather than skipped (/lib32)
};

struct policy {
    struct rule rules[MAX_RULES];
    int rule_count;
    int landlock;  // 1: required, 0: another layer confines the file system (bubblewrap)
    int network;
    long long cpu, fsize, nproc, as, nofile;  // -1: leave as it is
    char *const *program;                     // program path, then its arguments
};

static int fail(int status, const char *what, const char *detail) {
    fprintf(stderr, "lemming sandbox: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    return status;
}

static int parse_number(const char *text, long long *value) {
    char *end = NULL;
    errno = 0;
    long long number = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || number < 0) return -1;
    *value = number;
    return 0;
}

#define READ_RIGHTS (LL_FS_READ_FILE | LL_FS_READ_DIR)
#define WRITE_RIGHTS                                                                                       \
    (READ_RIGHTS | LL_FS_WRITE_FILE | LL_FS_TRUNCATE | LL_FS_REMOVE_DIR | LL_FS_REMOVE_FILE | LL_FS_MAKE_DIR | \
     LL_FS_MAKE_REG | LL_FS_MAKE_SYM | LL_FS_MAKE_FIFO | LL_FS_MAKE_SOCK | LL_FS_REFER)
#define EXEC_RIGHTS (READ_RIGHTS | LL_FS_EXECUTE)

static int parse(int argc, char *const argv[], struct policy *policy) {
    memset(policy, 0, sizeof *policy);
    policy->landlock = 1;
    policy->cpu = policy->fsize = policy->nproc = policy->as = policy->nofile = -1;
    int index = 0;
    while (index < argc) {
        const char *option = argv[index];
        if (strcmp(option, "--") == 0) {
            if (index + 1 >= argc) return fail(125, "no program after --", NULL);
            policy->program = argv + index + 1;
            return 0;
        }
        if (strcmp(option, "--network") == 0) {
            policy->network = 1;
            index += 1;
            continue;
        }
        if (strcmp(option, "--no-landlock") == 0) {
            policy->landlock = 0;
            index += 1;
            continue;
        }
        if (index + 1 >= argc) return fail(125, "option without a value", option);
        const char *value = argv[index + 1];
        index += 2;
        uint64_t access = 0;
        int required = 0;
        if (strcmp(option, "--read") == 0) {
            access = READ_RIGHTS;
        } else if (strcmp(option, "--write") == 0) {
            access = WRITE_RIGHTS;
            required = 1;
        } else if (strcmp(option, "--exec") == 0) {
            access = EXEC_RIGHTS;
        } else {
            long long number = 0;
            if (parse_number(value, &number) != 0) return fail(125, "not a number", value);
            if (strcmp(option, "--cpu") == 0) policy->cpu = number;
            else if (strcmp(option, "--fsize") == 0) policy->fsize = number;
            else if (strcmp(option, "--nproc") == 0) policy->nproc = number;
            else if (strcmp(option, "--as") == 0) policy->as = number;
            else if (strcmp(option, "--nofile") == 0) policy->nofile = number;
            else return fail(125, "unknown option", option);
            continue;
        }
        if (value[0] != '/') return fail(125, "paths must be absolute", value);
        if (policy->rule_count == MAX_RULES) return fail(125, "too many paths", NULL);
        policy->rules[policy->rule_count++] = (struct rule){value, access, required};
    }
    return fail(125, "no -- before the program", NULL);
}

static int apply_landlock(const struct policy *policy) {
    int abi = lemming_landlock_abi();
    if (abi < 1) return fail(125, "Landlock is not available in this kernel", NULL);
    uint64_t handled = 0;
    int ruleset = ll_create_ruleset(abi, policy->network, &handled);
    if (ruleset < 0) return fail(125, "could not create the Landlock ruleset", strerror(errno));
    for (int index = 0; index < policy->rule_count; index++) {
        const struct rule *rule = &policy->rules[index];
        // O_PATH follows symlinks: the rule is on the inode the path names (/bin -> /usr/bin).
        int descriptor = open(rule->path, O_PATH | O_CLOEXEC);
        if (descriptor < 0) {
            if (!rule->required && (errno == ENOENT || errno == ENOTDIR)) continue;
            close(ruleset);
            return fail(125, "cannot open a sandbox path", rule->path);
        }
        struct stat status;
        uint64_t access = rule->access & handled;
        if (fstat(descriptor, &status) == 0 && !S_ISDIR(status.st_mode)) access &= LL_FS_FILE_RIGHTS;
        if (ll_add_path_rule(ruleset, descriptor, access) != 0) {
            int code = errno;
            close(descriptor);
            close(ruleset);
            return fail(125, "could not add a Landlock rule", strerror(code));
        }
        close(descriptor);
    }
    if (ll_restrict_self(ruleset) != 0) {
        int code = errno;
        close(ruleset);
        return fail(125, "could not enforce the Landlock ruleset", strerror(code));
    }
    close(ruleset);
    return 0;
}

/// The seccomp filter. Without network, `socket(2)` fails with EACCES for every family: Landlock
/// covers only TCP, not UDP, raw, netlink or UNIX-socket paths. With network, only UNIX sockets
/// are refused: connecting to a daemon's socket by its path (a container engine's, say) is not
/// something Landlock (up to ABI 7) can stop, and CAP_DAC_OVERRIDE would pass its file mode.
/// Always: io_uring, which would bypass this filter, is unavailable, and system calls of other
/// architectures (x32, i386) kill the process.
static int apply_seccomp(const struct policy *policy) {
#if defined(__x86_64__)
#define LEMMING_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define LEMMING_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif
#if defined(LEMMING_AUDIT_ARCH)
    // With network, jump over the refusal of every family to the AF_UNIX check.
    unsigned int skip_refusal = policy->network ? 1 : 0;
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, LEMMING_AUDIT_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),  // the x32 ABI
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        // socket(2): without network every family is refused; with it, AF_UNIX only. The
        // domain is the low word of the first argument (both architectures are little-endian).
        BPF_STMT(BPF_JMP | BPF_JA, skip_refusal),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog program = {(unsigned short)(sizeof filter / sizeof filter[0]), filter};
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) != 0) {
        return fail(125, "could not install the system call filter", strerror(errno));
    }
    return 0;
#else
    (void)policy;
    return fail(125, "no system call filter for this architecture", NULL);
#endif
}

/// The tasks (threads) of `uid` now running: RLIMIT_NPROC counts them all, not only ours.
static long long count_tasks(uid_t uid) {
    DIR *proc = opendir("/proc");
    if (proc == NULL) return 0;
    long long total = 0;
    struct dirent *entry;
    char path[300], line[256];
    while ((entry = readdir(proc)) != NULL) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
        snprintf(path, sizeof path, "/proc/%s/status", entry->d_name);
        FILE *file = fopen(path, "re");
        if (file == NULL) continue;
        long long threads = 0;
        int matches = 0;
        while (fgets(line, sizeof line, file) != NULL) {
            unsigned long real = 0;
            if (sscanf(line, "Uid: %lu", &real) == 1) matches = (uid_t)real == uid;
            sscanf(line, "Threads: %lld", &threads);
        }
        fclose(file);
        if (matches) total += threads;
    }
    closedir(proc);
    return total;
}

static int set_limit(int resource, long long value, long long hard_extra) {
    if (value < 0) return 0;
    struct rlimit current;
    if (getrlimit(resource, &current) != 0) return -1;
    rlim_t soft = (rlim_t)value;
    rlim_t hard = (rlim_t)(value + hard_extra);
    if (current.rlim_max != RLIM_INFINITY && hard > current.rlim_max) hard = current.rlim_max;
    if (soft > hard) soft = hard;
    struct rlimit limit = {soft, hard};
    return setrlimit(resource, &limit);
}

static int apply_limits(const struct policy *policy, uid_t target) {
    long long nproc = policy->nproc;
    if (nproc >= 0) nproc += count_tasks(target);
    struct rlimit none = {0, 0};
    // The CPU limit's soft value sends SIGXCPU; one second later the hard value kills.
    if (set_limit(RLIMIT_CPU, policy->cpu, 1) != 0 || set_limit(RLIMIT_FSIZE, policy->fsize, 0) != 0 ||
        set_limit(RLIMIT_NPROC, nproc, 0) != 0 || set_limit(RLIMIT_AS, policy->as, 0) != 0 ||
        set_limit(RLIMIT_NOFILE, policy->nofile, 0) != 0 || setrlimit(RLIMIT_CORE, &none) != 0) {
        return fail(125, "could not set the resource limits", strerror(errno));
    }
    return 0;
}

/// As root: keeps only CAP_DAC_OVERRIDE (so the program can use the root-owned workspace) and
/// becomes nobody. Root's other powers (loading kernel modules, mounting, raw sockets, signalling
/// any process, changing the mode or owner of root's files) are what no Landlock rule covers, and
/// RLIMIT_NPROC does not apply to user id 0.
static int drop_root(void) {
    if (geteuid() != 0) return 0;
    for (int cap = 0; cap <= 63; cap++) {
        if (cap == CAP_DAC_OVERRIDE) continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
            return fail(125, "could not drop capabilities", strerror(errno));
        }
    }
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 || setgroups(0, NULL) != 0 ||
        setresgid(UNPRIVILEGED_ID, UNPRIVILEGED_ID, UNPRIVILEGED_ID) != 0 ||
        setresuid(UNPRIVILEGED_ID, UNPRIVILEGED_ID, UNPRIVILEGED_ID) != 0) {
        return fail(125, "could not switch to an unprivileged user", strerror(errno));
    }
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    uint32_t bit = 1U << CAP_DAC_OVERRIDE;
    data[0].effective = data[0].permitted = data[0].inheritable = bit;
    if (syscall(SYS_capset, &header, data) != 0 ||
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_DAC_OVERRIDE, 0, 0) != 0 ||
        prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) {
        return fail(125, "could not limit capabilities", strerror(errno));
    }
    return 0;
}

int lemming_sandbox_exec(int argc, char *const argv[]) {
    struct policy policy;
    int status = parse(argc, argv, &policy);
    if (status != 0) return status;
    uid_t target = geteuid() == 0 ? UNPRIVILEGED_ID : getuid();
    if ((status = apply_limits(&policy, target)) != 0) return status;
    if ((status = drop_root()) != 0) return status;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return fail(125, "could not set no_new_privs", strerror(errno));
    if (policy.landlock && (status = apply_landlock(&policy)) != 0) return status;
    if ((status = apply_seccomp(&policy)) != 0) return status;
    // Nothing opened before the sandbox (which Landlock does not check) reaches the program, and
    // it starts with default signal actions and no blocked signals (LeMMing ignores SIGPIPE).
    syscall(SYS_close_range, 3U, ~0U, 0U);
    for (int number = 1; number < NSIG; number++) {
        if (number != SIGKILL && number != SIGSTOP) signal(number, SIG_DFL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(policy.program[0], policy.program, environ);
    int code = errno;
    return fail(code == ENOENT ? 127 : 126, policy.program[0], strerror(code));
}

#else

int lemming_sandbox_exec(int argc, char *const argv[]) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "lemming sandbox: not available on this system\n");
    return 125;
}

#endif
