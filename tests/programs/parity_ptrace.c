// ptrace among the program's own processes. Natively PTRACE_TRACEME, and PTRACE_ATTACH or PTRACE_SEIZE of a sibling
// or a child, succeed (the tracer then takes the attach stop and detaches, silently); under umbra every process is
// already umbra's tracee, so the kernel refuses them (EPERM), a documented decision (docs/design.md). Either way the
// child that tried PTRACE_TRACEME runs on, exits (or aborts) and is waited for as usual, and the targets end as they
// would.
// PTRACE_ATTACH of pid 1 (init, not dumpable) and of the caller itself are EPERM everywhere.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *outcome(long result) { return result == 0 ? "0" : strerrorname_np(errno); }

// After a successful attach: the stop it causes (SIGSTOP for ATTACH; SEIZE none until asked), then detach.
static void let_go(pid_t target, int seized) {
    if (seized) {
        ptrace(PTRACE_INTERRUPT, target, 0, 0);
    }
    int status;
    waitpid(target, &status, __WALL);
    ptrace(PTRACE_DETACH, target, 0, 0);
}

static void show_end(const char *who, pid_t child) {
    int status;
    pid_t got = waitpid(child, &status, 0);
    if (got != child) printf("%s: waitpid: %s\n", who, strerrorname_np(errno));
    else if (WIFEXITED(status)) printf("%s: waitpid: exited %d\n", who, WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) printf("%s: waitpid: killed %s\n", who, sigabbrev_np(WTERMSIG(status)));
    else printf("%s: waitpid: status 0x%x\n", who, status);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    alarm(20);
    pid_t child = fork();
    if (child == 0) {
        printf("PTRACE_TRACEME: %s\n", outcome(ptrace(PTRACE_TRACEME, 0, 0, 0)));
        printf("after PTRACE_TRACEME: runs on\n");
        _exit(5);
    }
    show_end("child that tried PTRACE_TRACEME", child);

    // One that aborts after its PTRACE_TRACEME: natively its tracer (this process) sees the SIGABRT stop first and
    // passes the signal on; either way the wait ends with the child killed by SIGABRT (no core: RLIMIT_CORE 0).
    child = fork();
    if (child == 0) {
        struct rlimit none = {0, 0};
        setrlimit(RLIMIT_CORE, &none);
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        abort();
    }
    int status;
    while (waitpid(child, &status, 0) == child && WIFSTOPPED(status)) {
        ptrace(PTRACE_CONT, child, 0, WSTOPSIG(status));
    }
    printf("child that tried PTRACE_TRACEME and aborted: killed=%d %s\n", WIFSIGNALED(status),
           WIFSIGNALED(status) ? sigabbrev_np(WTERMSIG(status)) : "");

    pid_t target = fork();
    if (target == 0) {
        for (;;) pause();
    }
    pid_t sibling = fork();
    if (sibling == 0) {
        long attached = ptrace(PTRACE_ATTACH, target, 0, 0);
        printf("PTRACE_ATTACH(sibling): %s\n", outcome(attached));
        if (attached == 0) let_go(target, 0);
        long seized = ptrace(PTRACE_SEIZE, target, 0, 0);
        printf("PTRACE_SEIZE(sibling): %s\n", outcome(seized));
        if (seized == 0) let_go(target, 1);
        _exit(0);
    }
    show_end("sibling that tried to trace", sibling);
    long seized = ptrace(PTRACE_SEIZE, target, 0, 0);
    printf("PTRACE_SEIZE(child): %s\n", outcome(seized));
    if (seized == 0) let_go(target, 1);
    printf("PTRACE_ATTACH(1): %s\n", outcome(ptrace(PTRACE_ATTACH, 1, 0, 0)));
    printf("PTRACE_ATTACH(self): %s\n", outcome(ptrace(PTRACE_ATTACH, getpid(), 0, 0)));
    kill(target, SIGTERM);
    show_end("target", target);
    printf("then: waitpid(-1, __WALL): %s\n", waitpid(-1, NULL, __WALL) < 0 ? strerrorname_np(errno) : "a child");
    return 0;
}
