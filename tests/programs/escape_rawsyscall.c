// Escape attempts with raw `syscall` instructions instead of libc (argv[1]: a host process, argv[2]: umbra's pid): the
// plain number, the number with high bits set (the kernel runs the low 32 bits: 1<<32|62 is kill), the x32 ABI and the
// i386 ABI (int 0x80). Each must be confined as in a pid namespace of its own. Never run natively on the host: only
// under umbra, or as `escape_rawsyscall init ...` as pid 1 of a new pid namespace.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "escape.h"

#define HIGH (1L << 32)
#define NEGATIVE_HIGH ((long)0xffffffff00000000UL)
#define X32 0x40000000L

static long raw(long nr, long a, long b, long c) {
    long value;
    __asm__ volatile("syscall" : "=a"(value) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return value;
}

static long int80(long nr, long a, long b) {
    long value;
    __asm__ volatile("int $0x80" : "=a"(value) : "a"(nr), "b"(a), "c"(b) : "memory");
    return value;
}

/** A raw result: the value, or -1 and the errno name. */
static void outcome(const char *what, long value) {
    errno = value < 0 && value > -4096 ? (int)-value : 0;
    result(what, value < 0 ? -1 : value);
}

static void same(const char *what, long value, long expected) {
    if (value < 0 && value > -4096) outcome(what, value);
    else printf("%s: %s\n", what, value == expected ? "same" : "differs");
}

static int attempts(int argc, char **argv) {
    if (argc != 3) return 2;
    long victim = atol(argv[1]), umbra = atol(argv[2]);
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return 3;
    long parent = getpid();
    pid_t child = fork();
    if (child < 0) return 4;
    if (child == 0) {
        long self;
        if (read(pipe_fds[0], &self, sizeof self) != sizeof self) _exit(5);
        same("syscall getpid() vs fork()", raw(SYS_getpid, 0, 0, 0), self);
        same("syscall gettid() vs fork()", raw(SYS_gettid, 0, 0, 0), self);
        same("syscall getppid() vs parent", raw(SYS_getppid, 0, 0, 0), parent);
        outcome("syscall kill(host, 0)", raw(SYS_kill, victim, 0, 0));
        outcome("syscall kill(host, SIGKILL)", raw(SYS_kill, victim, SIGKILL, 0));
        outcome("syscall kill(host, SIGSTOP)", raw(SYS_kill, victim, SIGSTOP, 0));
        outcome("syscall kill(-host, SIGKILL)", raw(SYS_kill, -victim, SIGKILL, 0));
        outcome("syscall tkill(host, SIGKILL)", raw(SYS_tkill, victim, SIGKILL, 0));
        outcome("syscall tgkill(host, host, SIGKILL)", raw(SYS_tgkill, victim, victim, SIGKILL));
        outcome("syscall kill(umbra, SIGTERM)", raw(SYS_kill, umbra, SIGTERM, 0));
        outcome("syscall kill(host | 1<<32, SIGKILL)", raw(SYS_kill, victim | HIGH, SIGKILL, 0));
        // The kernel takes the syscall number's low 32 bits; umbra must decide on the same number.
        same("syscall 1<<32|getpid() vs fork()", raw(HIGH | SYS_getpid, 0, 0, 0), self);
        same("syscall -1<<32|getpid() vs fork()", raw(NEGATIVE_HIGH | SYS_getpid, 0, 0, 0), self);
        outcome("syscall 1<<32|kill(host, SIGKILL)", raw(HIGH | SYS_kill, victim, SIGKILL, 0));
        outcome("syscall -1<<32|kill(host, SIGKILL)", raw(NEGATIVE_HIGH | SYS_kill, victim, SIGKILL, 0));
        outcome("syscall 1<<32|tgkill(host, host, SIGKILL)", raw(HIGH | SYS_tgkill, victim, victim, SIGKILL));
        outcome("syscall 1<<32|kill(umbra, SIGTERM)", raw(HIGH | SYS_kill, umbra, SIGTERM, 0));
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/stat", victim);
        outcome("syscall 1<<32|openat(/proc/host/stat)", raw(HIGH | SYS_openat, AT_FDCWD, (long)path, O_RDONLY));
        outcome("syscall x32 kill(host, SIGKILL)", raw(X32 | SYS_kill, victim, SIGKILL, 0));
        same("int 0x80 getpid() vs fork()", int80(20, 0, 0), self);
        outcome("int 0x80 kill(host, SIGKILL)", int80(37, victim, SIGKILL));
        _exit(0);
    }
    long value = child;
    if (write(pipe_fds[1], &value, sizeof value) != sizeof value) return 6;
    int status;
    if (waitpid(child, &status, 0) != child) return 7;
    printf("child: %s %d\n", WIFEXITED(status) ? "exited" : "killed by",
           WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return 0;
}
