// clone() with CLONE_UNTRACED (argv[1]: a host process): as a raw fork-like syscall, with CLONE_VM|CLONE_VFORK, as a
// thread, with the syscall number's high bits set, and through clone3. Each child must still be umbra's: traced (a
// call umbra's filter traces, wait4, answers as Linux would, not ENOSYS as for a tracee without its tracer), with
// its ids, and kill(host, SIGKILL) fails with ESRCH as in a pid namespace of its own. Never run natively on the host:
// only under umbra, or as `escape_untraced init ...` as pid 1 of a new pid namespace.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "escape.h"

static long raw(long nr, long a, long b, long c) {
    long value;
    __asm__ volatile("syscall" : "=a"(value) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return value;
}

/** What a child found out; the child's own view, checked by the parent. */
struct report {
    long pid, ppid, tid, kill_value, wait_value;
};

static pid_t victim;
static int report_pipe[2];
static volatile struct report shared;

/** The child's side: raw syscalls only (a thread made by clone shares the caller's TLS, errno included). */
static struct report look(void) {
    struct report r;
    r.pid = raw(SYS_getpid, 0, 0, 0);
    r.ppid = raw(SYS_getppid, 0, 0, 0);
    r.tid = raw(SYS_gettid, 0, 0, 0);
    r.kill_value = raw(SYS_kill, victim, SIGKILL, 0);
    r.wait_value = raw(SYS_wait4, -1, 0, WNOHANG);
    return r;
}

static void send_report(void) {
    struct report r = look();
    if (write(report_pipe[1], &r, sizeof r) != sizeof r) _exit(3);
    _exit(0);
}

static void check(const char *what, struct report r, long pid, long ppid, long tid) {
    printf("%s: getpid() %s, getppid() %s, gettid() %s, kill(host, SIGKILL) %s, wait4 %s\n", what,
           r.pid == pid ? "right" : "wrong", r.ppid == ppid ? "right" : "wrong", r.tid == tid ? "right" : "wrong",
           r.kill_value == -ESRCH ? "ESRCH" : r.kill_value == 0 ? "0" : strerrorname_np((int)-r.kill_value),
           r.wait_value >= 0 ? "0" : strerrorname_np((int)-r.wait_value));
}

static void reap(const char *what, long child) {
    struct report r;
    if (child < 0) {
        printf("%s: -1 %s\n", what, strerrorname_np(errno));
        return;
    }
    if (read(report_pipe[0], &r, sizeof r) != sizeof r) {
        printf("%s: no report\n", what);
    } else {
        check(what, r, child, getpid(), child);
    }
    int status;
    if (waitpid((pid_t)child, &status, 0) != child) printf("%s: waitpid: %s\n", what, strerrorname_np(errno));
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) printf("%s: status %#x\n", what, status);
}

static int in_vfork_child(void *arg) {
    (void)arg;
    shared = look();
    return 0;
}

static volatile int thread_done;

static int in_thread(void *arg) {
    (void)arg;
    shared = look();
    thread_done = 1;
    return 0;
}

static int attempts(int argc, char **argv) {
    if (argc != 2) return 2;
    victim = atoi(argv[1]);
    if (pipe(report_pipe) != 0) return 3;

    long child = syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
    if (child == 0) send_report();
    reap("clone(CLONE_UNTRACED|SIGCHLD)", child);

    // The same with the syscall number's high bits set (the kernel runs clone: the low 32 bits).
    child = raw((1L << 32) | SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0);
    if (child == 0) send_report();
    if (child < 0) errno = (int)-child, child = -1;
    reap("1<<32|clone(CLONE_UNTRACED|SIGCHLD)", child);

    size_t size = 256 * 1024;
    char *stack = malloc(size);
    if (!stack) return 4;
    memset((void *)&shared, 0, sizeof shared);
    child = clone(in_vfork_child, stack + size, CLONE_UNTRACED | CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
    if (child < 0) {
        printf("clone(CLONE_UNTRACED|CLONE_VM|CLONE_VFORK|SIGCHLD): -1 %s\n", strerrorname_np(errno));
    } else {
        check("clone(CLONE_UNTRACED|CLONE_VM|CLONE_VFORK|SIGCHLD)", shared, child, getpid(), child);
        int status;
        if (waitpid((pid_t)child, &status, 0) != child || status != 0) printf("vfork child: status %#x\n", status);
    }

    memset((void *)&shared, 0, sizeof shared);
    pid_t thread_tid = 0;
    int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_UNTRACED |
                CLONE_PARENT_SETTID;
    child = clone(in_thread, stack + size, flags, NULL, &thread_tid);
    if (child < 0) {
        printf("clone(thread|CLONE_UNTRACED): -1 %s\n", strerrorname_np(errno));
    } else {
        while (!thread_done) raw(SYS_sched_yield, 0, 0, 0); // (its stack is never used again)
        check("clone(thread|CLONE_UNTRACED)", shared, getpid(), getppid(), child);
        printf("clone(thread|CLONE_UNTRACED): parent tid %s\n", thread_tid == child ? "right" : "wrong");
    }

    // clone3 passes its flags in memory, out of the seccomp filter's sight: umbra refuses CLONE_UNTRACED there.
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_UNTRACED;
    args.exit_signal = SIGCHLD;
    child = syscall(SYS_clone3, &args, sizeof args);
    if (child == 0) send_report();
    reap("clone3(CLONE_UNTRACED)", child);
    return 0;
}
