// Checks wait errors: ECHILD without children or for non-children, EINVAL for bad options and id types, and more.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

// Raw syscalls, so that libc cannot check or rewrite arguments.
static long wait4_raw(pid_t pid, int options) {
    int status;
    return syscall(SYS_wait4, pid, &status, options, NULL);
}

static long waitid_raw(int idtype, int id, int options) {
    siginfo_t info;
    return syscall(SYS_waitid, idtype, id, &info, options, NULL);
}

static void show(const char *what, long result) {
    if (result == -1)
        printf("%s: %s\n", what, strerrorname_np(errno));
    else
        printf("%s: %ld\n", what, result);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t self = getpid();

    show("wait4(-1) without children", wait4_raw(-1, 0));
    show("wait4(0) without children", wait4_raw(0, 0));
    show("wait4(-1, WNOHANG) without children", wait4_raw(-1, WNOHANG));
    show("waitid(P_ALL) without children", waitid_raw(P_ALL, 0, WEXITED));
    show("wait4(parent)", wait4_raw(getppid(), 0));
    show("wait4(self)", wait4_raw(self, 0));
    show("wait4(-own group)", wait4_raw(-getpgrp(), 0));
    show("wait4(nonexistent)", wait4_raw(0x3ffffff0, 0));
    show("wait4(INT_MIN)", wait4_raw(INT_MIN, 0));
    show("waitid(P_PID, self)", waitid_raw(P_PID, self, WEXITED));
    show("waitid(P_PID, 0)", waitid_raw(P_PID, 0, WEXITED));
    show("waitid(P_PID, -1)", waitid_raw(P_PID, -1, WEXITED));
    show("waitid(P_PGID, -1)", waitid_raw(P_PGID, -1, WEXITED));
    show("waitid(P_PIDFD, -1)", waitid_raw(P_PIDFD, -1, WEXITED));
    show("waitid(P_PIDFD, not a pidfd)", waitid_raw(P_PIDFD, 0, WEXITED));
    show("waitid(P_PIDFD, closed fd)", waitid_raw(P_PIDFD, 999, WEXITED));

    // A child that runs until we write to its pipe, and its own child (our grandchild).
    int gate[2], report[2];
    if (pipe(gate) != 0 || pipe(report) != 0) return 10;
    pid_t child = fork();
    if (child == 0) {
        pid_t grandchild = fork();
        if (grandchild == 0) {
            char byte;
            if (read(gate[0], &byte, 1) != 1) _exit(1);
            _exit(0);
        }
        if (write(report[1], &grandchild, sizeof grandchild) != sizeof grandchild) _exit(2);
        int status;
        waitpid(grandchild, &status, 0);
        _exit(5);
    }
    pid_t grandchild = 0;
    if (read(report[0], &grandchild, sizeof grandchild) != sizeof grandchild) return 11;

    show("wait4(grandchild)", wait4_raw(grandchild, 0));
    show("waitid(P_PID, grandchild)", waitid_raw(P_PID, grandchild, WEXITED));
    int pidfd = (int)syscall(SYS_pidfd_open, grandchild, 0);
    show("waitid(P_PIDFD, grandchild's pidfd)", pidfd < 0 ? -2 : waitid_raw(P_PIDFD, pidfd, WEXITED));
    close(pidfd);

    // Bad options, with a live child present (so that ECHILD is not the answer).
    show("wait4(-1, WEXITED)", wait4_raw(-1, WEXITED));
    show("wait4(-1, WNOWAIT)", wait4_raw(-1, WNOWAIT));
    show("wait4(-1, unknown bit 0x100)", wait4_raw(-1, 0x100));
    show("wait4(child, WNOHANG|WUNTRACED|WCONTINUED|__WALL)", wait4_raw(child, WNOHANG | WUNTRACED | WCONTINUED | __WALL));
    show("waitid(P_ALL, no WEXITED|WSTOPPED|WCONTINUED)", waitid_raw(P_ALL, 0, WNOHANG));
    show("waitid(P_ALL, options 0)", waitid_raw(P_ALL, 0, 0));
    show("waitid(P_ALL, unknown bit 0x100)", waitid_raw(P_ALL, 0, WEXITED | WNOHANG | 0x100));
    show("waitid(idtype 42)", waitid_raw(42, 0, WEXITED | WNOHANG));
    show("waitid(idtype -1)", waitid_raw(-1, 0, WEXITED | WNOHANG));
    show("waitid(P_ALL, WNOHANG) while running", waitid_raw(P_ALL, 0, WEXITED | WNOHANG));

    // EFAULT for the status word: Linux reaps the child first, so it is gone afterwards.
    if (write(gate[1], "x", 1) != 1) return 12;
    siginfo_t probe;
    waitid(P_PID, child, &probe, WEXITED | WNOWAIT);
    show("wait4(child) with a bad status pointer", syscall(SYS_wait4, child, (void *)8, 0, NULL));
    show("wait4(child, WNOHANG) after the EFAULT", wait4_raw(child, WNOHANG));
    return 0;
}
