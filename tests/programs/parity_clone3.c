// clone3 called directly (raw syscall, x86-64): a plain child with exit_signal SIGCHLD (its parent, its SIGCHLD, its
// status), CLONE_PIDFD (a close-on-exec pidfd that waitid(P_PIDFD) reaps through), CLONE_PARENT_SETTID,
// CLONE_VM|CLONE_VFORK on a stack of its own (the parent resumes after the child's exit and sees its write),
// CLONE_CLEAR_SIGHAND, set_tid (as Linux answers in this pid namespace), a thread made with
// CLONE_THREAD|CLONE_VM|CLONE_SIGHAND that does only raw syscalls and exits (CLONE_CHILD_CLEARTID wakes the parent),
// and the arguments Linux refuses: bad sizes, bad pointers, bad exit signals and flag combinations.
// CLONE_UNTRACED: a child natively; umbra refuses it (EINVAL), a documented decision (every child stays traced).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

// clone3(args, size); in the child, fn(arg) on the stack it was given (or its copy of the parent's), then exit(2) with
// fn's result. Returns the raw result (-errno on failure).
long clone3_call(struct clone_args *args, size_t size, int (*fn)(void *), void *arg);
__asm__(".text\n"
        ".globl clone3_call\n"
        ".type clone3_call, @function\n"
        "clone3_call:\n"
        "    mov %rdx, %r8\n"
        "    mov %rcx, %r9\n"
        "    mov $435, %eax\n"
        "    syscall\n"
        "    test %rax, %rax\n"
        "    jz 1f\n"
        "    ret\n"
        "1:  xor %ebp, %ebp\n"
        "    and $-16, %rsp\n"
        "    mov %r9, %rdi\n"
        "    call *%r8\n"
        "    mov %eax, %edi\n"
        "    mov $60, %eax\n"
        "    syscall\n"
        "    hlt\n");

// Raw syscalls for the children that share the parent's memory and TLS (no errno, no libc state).
static long raw0(long number) {
    long result;
    __asm__ volatile("syscall" : "=a"(result) : "a"(number) : "rcx", "r11", "memory");
    return result;
}

static pid_t parent;
static volatile int shared_word;
static volatile pid_t thread_tid, thread_pid;

static int child_exit_code(void *arg) { return (int)(long)arg; }

static int child_checks_parent(void *arg) { return raw0(SYS_getppid) == parent ? (int)(long)arg : 99; }

static int child_writes(void *arg) {
    shared_word = (int)(long)arg;
    return 5;
}

static int child_handler_is_default(void *arg) {
    (void)arg;
    struct sigaction old;
    sigaction(SIGUSR2, NULL, &old);
    return old.sa_handler == SIG_DFL ? 0 : 1;
}

static int thread_main(void *arg) {
    (void)arg;
    thread_tid = (pid_t)raw0(SYS_gettid);
    thread_pid = (pid_t)raw0(SYS_getpid);
    return 0;
}

static void on_usr2(int signal) { (void)signal; }

static const char *error_name(long result) { return result < 0 ? strerrorname_np((int)-result) : "0"; }

// Reaps `child` (any exit signal) and prints how it ended.
static void reap(const char *what, long child) {
    int status;
    pid_t got = waitpid((pid_t)child, &status, __WALL);
    if (got != child) {
        printf("%s: waitpid: %s\n", what, strerrorname_np(errno));
        return;
    }
    if (WIFEXITED(status)) printf("%s: child exited=1 code=%d\n", what, WEXITSTATUS(status));
    else printf("%s: child status=0x%x\n", what, status);
}

// A call that should fail: prints its error; a child it made after all exits at once and is reaped.
static void refused(const char *what, struct clone_args *args, size_t size) {
    long result = clone3_call(args, size, child_exit_code, (void *)6L);
    if (result > 0) {
        reap(what, result); // one line, "<what>: child exited=1 code=6"
    } else {
        printf("%s: %s\n", what, error_name(result));
    }
}

static char stack[1 << 16] __attribute__((aligned(16)));

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    parent = getpid();
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);

    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.exit_signal = SIGCHLD;
    long child = clone3_call(&args, sizeof args, child_checks_parent, (void *)3L);
    printf("plain: %s\n", child > 0 ? "child" : error_name(child));
    if (child > 0) {
        reap("plain", child);
        siginfo_t info;
        struct timespec none = {0, 0};
        int got = sigtimedwait(&chld, &info, &none);
        printf("plain: SIGCHLD=%d from_child=%d CLD_EXITED=%d\n", got == SIGCHLD, info.si_pid == child,
               info.si_code == CLD_EXITED);
    }

    int pidfd = -1;
    pid_t parent_tid = 0;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_PIDFD | CLONE_PARENT_SETTID;
    args.pidfd = (uint64_t)(uintptr_t)&pidfd;
    args.parent_tid = (uint64_t)(uintptr_t)&parent_tid;
    args.exit_signal = SIGCHLD;
    child = clone3_call(&args, sizeof args, child_exit_code, (void *)4L);
    printf("CLONE_PIDFD|CLONE_PARENT_SETTID: %s\n", child > 0 ? "child" : error_name(child));
    if (child > 0) {
        printf("CLONE_PIDFD: pidfd_open=%d cloexec=%d parent_tid_is_child=%d\n", pidfd >= 0,
               pidfd >= 0 && (fcntl(pidfd, F_GETFD) & FD_CLOEXEC) != 0, parent_tid == child);
        siginfo_t info;
        memset(&info, 0, sizeof info);
        int waited = waitid(P_PIDFD, pidfd, &info, WEXITED);
        printf("CLONE_PIDFD: waitid(P_PIDFD): %s si_pid_is_child=%d CLD_EXITED=%d status=%d\n",
               waited == 0 ? "0" : strerrorname_np(errno), info.si_pid == child, info.si_code == CLD_EXITED,
               info.si_status);
        printf("CLONE_PIDFD: reaped: waitpid=%s\n", waitpid((pid_t)child, NULL, WNOHANG) < 0 ? strerrorname_np(errno) : "?");
        close(pidfd);
    }
    sigtimedwait(&chld, NULL, &(struct timespec){0, 0});

    memset(&args, 0, sizeof args);
    args.flags = CLONE_VM | CLONE_VFORK;
    args.exit_signal = SIGCHLD;
    args.stack = (uint64_t)(uintptr_t)stack;
    args.stack_size = sizeof stack;
    shared_word = 0;
    child = clone3_call(&args, sizeof args, child_writes, (void *)1234L);
    // Read before anything else: with CLONE_VFORK the parent runs only once the child has exited.
    int seen = shared_word;
    printf("CLONE_VM|CLONE_VFORK: %s parent_sees_child_write=%d\n", child > 0 ? "child" : error_name(child),
           seen == 1234);
    if (child > 0) reap("CLONE_VM|CLONE_VFORK", child);
    sigtimedwait(&chld, NULL, &(struct timespec){0, 0});

    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_usr2;
    sigaction(SIGUSR2, &action, NULL);
    memset(&args, 0, sizeof args);
    args.flags = CLONE_CLEAR_SIGHAND;
    args.exit_signal = SIGCHLD;
    child = clone3_call(&args, sizeof args, child_handler_is_default, NULL);
    printf("CLONE_CLEAR_SIGHAND: %s\n", child > 0 ? "child" : error_name(child));
    if (child > 0) reap("CLONE_CLEAR_SIGHAND (0: handler reset)", child);
    sigtimedwait(&chld, NULL, &(struct timespec){0, 0});

    memset(&args, 0, sizeof args);
    args.exit_signal = 0;
    child = clone3_call(&args, sizeof args, child_exit_code, (void *)8L);
    printf("exit_signal 0: %s\n", child > 0 ? "child" : error_name(child));
    if (child > 0) {
        int status;
        printf("exit_signal 0: waitpid without __WALL: %s\n",
               waitpid((pid_t)child, &status, WNOHANG) < 0 ? strerrorname_np(errno) : "a child");
        reap("exit_signal 0", child);
        struct timespec none = {0, 0};
        printf("exit_signal 0: SIGCHLD=%d\n", sigtimedwait(&chld, NULL, &none) == SIGCHLD);
    }

    // A thread: raw syscalls only, its exit clears child_tid (CLONE_CHILD_SETTID wrote its tid there first: the word
    // starts non-zero, so the parent cannot take "not yet written" for "cleared") and wakes the futex.
    static volatile pid_t child_tid_word;
    pid_t thread_parent_tid = 0;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
                 CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
    args.child_tid = (uint64_t)(uintptr_t)&child_tid_word;
    args.parent_tid = (uint64_t)(uintptr_t)&thread_parent_tid;
    args.stack = (uint64_t)(uintptr_t)stack;
    args.stack_size = sizeof stack;
    child_tid_word = -1;
    long tid = clone3_call(&args, sizeof args, thread_main, NULL);
    printf("thread: %s\n", tid > 0 ? "created" : error_name(tid));
    if (tid > 0) {
        // CLONE_PARENT_SETTID wrote the tid before clone3 returned; the thread clears child_tid at its exit.
        for (;;) {
            pid_t word = child_tid_word;
            if (word == 0) break;
            syscall(SYS_futex, &child_tid_word, FUTEX_WAIT, word, NULL, NULL, 0);
        }
        printf("thread: tid_is_result=%d tid_differs_from_pid=%d same_pid=%d parent_tid_written=%d cleared=1\n",
               thread_tid == tid, thread_tid != parent, thread_pid == parent, thread_parent_tid == tid);
        printf("thread: waitpid(-1, __WALL|WNOHANG): %s\n",
               waitpid(-1, NULL, __WALL | WNOHANG) < 0 ? strerrorname_np(errno) : "something");
    }

    // set_tid: choosing the new pid needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN over the pid namespace's owner.
    pid_t wanted[3] = {5000, 5000, 5000};
    memset(&args, 0, sizeof args);
    args.exit_signal = SIGCHLD;
    args.set_tid = (uint64_t)(uintptr_t)wanted;
    args.set_tid_size = 1;
    refused("set_tid {5000}", &args, sizeof args);
    wanted[0] = parent;
    refused("set_tid {own pid}", &args, sizeof args);
    args.set_tid_size = 3;
    refused("set_tid_size 3", &args, sizeof args);
    args.set_tid_size = 1;
    args.set_tid = 0;
    refused("set_tid_size 1, set_tid NULL", &args, sizeof args);
    args.set_tid_size = 0;
    args.set_tid = (uint64_t)(uintptr_t)wanted;
    refused("set_tid without size", &args, sizeof args);

    memset(&args, 0, sizeof args);
    args.exit_signal = SIGCHLD;
    refused("size 0", &args, 0);
    refused("size 63", &args, 63);
    refused("size 4097", &args, 4097);
    refused("bad pointer", (struct clone_args *)8, sizeof args);
    struct {
        struct clone_args args;
        uint64_t extra;
    } longer;
    memset(&longer, 0, sizeof longer);
    longer.args.exit_signal = SIGCHLD;
    longer.extra = 1;
    refused("size +8, non-zero", &longer.args, sizeof longer);
    args.exit_signal = 65;
    refused("exit_signal 65", &args, sizeof args);
    args.exit_signal = SIGCHLD;
    args.flags = SIGCHLD;
    refused("flags with CSIGNAL bits", &args, sizeof args);
    args.flags = 1ULL << 40;
    refused("unknown flag 1<<40", &args, sizeof args);
    args.flags = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;
    args.stack = (uint64_t)(uintptr_t)stack;
    args.stack_size = sizeof stack;
    refused("CLONE_THREAD with exit_signal", &args, sizeof args);
    args.flags = CLONE_SIGHAND;
    refused("CLONE_SIGHAND without CLONE_VM", &args, sizeof args);
    args.flags = CLONE_CLEAR_SIGHAND | CLONE_SIGHAND | CLONE_VM;
    refused("CLONE_CLEAR_SIGHAND|CLONE_SIGHAND", &args, sizeof args);
    args.flags = 0;
    args.stack_size = 0;
    refused("stack without size", &args, sizeof args);
    args.stack = 0;
    args.flags = CLONE_INTO_CGROUP;
    args.cgroup = 999;
    refused("CLONE_INTO_CGROUP, fd not open", &args, sizeof args);
    args.flags = CLONE_UNTRACED;
    args.cgroup = 0;
    refused("CLONE_UNTRACED", &args, sizeof args);
    sigtimedwait(&chld, NULL, &(struct timespec){0, 0});
    printf("end: waitpid(-1, __WALL|WNOHANG): %s\n",
           waitpid(-1, NULL, __WALL | WNOHANG) < 0 ? strerrorname_np(errno) : "something");
    return 0;
}
