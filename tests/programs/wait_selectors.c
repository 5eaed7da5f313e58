// Checks which child each wait form selects: waitpid(pid|-1|0|-pgid), WNOHANG, WNOWAIT, waitid P_ALL/P_PID/P_PGID/P_PIDFD.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static const char *err(void) { return strerrorname_np(errno); }

// A child that waits for one byte on its gate, then exits with `code`; `pgid` >= 0 moves it to that group first.
struct kid {
    pid_t pid;
    int gate;
};

static struct kid start(int code, pid_t pgid) {
    int fds[2];
    if (pipe(fds) != 0) _exit(90);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[1]);
        if (pgid >= 0 && setpgid(0, pgid) != 0 && errno != EACCES) _exit(91);
        char byte;
        if (read(fds[0], &byte, 1) != 1) _exit(92);
        _exit(code);
    }
    close(fds[0]);
    if (pgid >= 0) setpgid(pid, pgid == 0 ? pid : pgid);  // as a shell does, so there is no race
    return (struct kid){pid, fds[1]};
}

static void release(struct kid k) {
    if (write(k.gate, "x", 1) != 1) _exit(93);
    close(k.gate);
}

// Blocks until `pid` has exited, leaving it waitable.
static void await_zombie(pid_t pid) {
    siginfo_t info;
    if (waitid(P_PID, pid, &info, WEXITED | WNOWAIT) != 0) _exit(94);
}

// Prints which of the kids a wait returned, and its exit code.
static void show(const char *what, pid_t got, int *status, struct kid *kids, int count) {
    if (got == -1) {
        printf("%s: -1 %s\n", what, err());
        return;
    }
    if (got == 0) {
        printf("%s: 0\n", what);
        return;
    }
    for (int i = 0; i < count; i++)
        if (kids[i].pid == got) {
            printf("%s: kid%d code=%d\n", what, i, WEXITSTATUS(*status));
            return;
        }
    printf("%s: unknown pid\n", what);
}

static void show_info(const char *what, int result, siginfo_t *info, struct kid *kids, int count) {
    if (result != 0) {
        printf("%s: -1 %s\n", what, err());
        return;
    }
    for (int i = 0; i < count; i++)
        if (kids[i].pid == info->si_pid) {
            printf("%s: kid%d signo_is_sigchld=%d code_is_exited=%d status=%d\n", what, i, info->si_signo == SIGCHLD,
                   info->si_code == CLD_EXITED, info->si_status);
            return;
        }
    if (info->si_pid == 0)
        printf("%s: si_pid=0 si_signo=%d si_code=%d si_status=%d\n", what, info->si_signo, info->si_code,
               info->si_status);
    else
        printf("%s: unknown si_pid\n", what);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int status = 0;
    siginfo_t info;

    // waitpid(pid) picks that child even when another one finished first.
    struct kid a[2] = {start(11, -1), start(12, -1)};
    release(a[1]);
    await_zombie(a[1].pid);
    show("waitpid(pid) while running, WNOHANG", waitpid(a[0].pid, &status, WNOHANG), &status, a, 2);
    release(a[0]);
    show("waitpid(pid)", waitpid(a[0].pid, &status, 0), &status, a, 2);
    show("waitpid(-1)", waitpid(-1, &status, 0), &status, a, 2);
    show("waitpid(-1) with no children left", waitpid(-1, &status, 0), &status, a, 2);

    // waitpid(0): only children in the caller's process group, not a finished child in another group.
    struct kid b[2] = {start(21, -1), start(22, 0)};
    release(b[1]);
    await_zombie(b[1].pid);
    show("waitpid(0) with only another group's child finished, WNOHANG", waitpid(0, &status, WNOHANG), &status, b, 2);
    release(b[0]);
    show("waitpid(0)", waitpid(0, &status, 0), &status, b, 2);
    show("waitpid(0) again, WNOHANG", waitpid(0, &status, WNOHANG), &status, b, 2);
    show("waitpid(-1) reaps the other group's child", waitpid(-1, &status, 0), &status, b, 2);

    // waitpid(-pgid): two children moved into a new group (led by the first), one left in ours.
    struct kid c[3] = {start(31, 0), {0, -1}, start(33, -1)};
    c[1] = start(32, c[0].pid);
    printf("group: kid0_leads=%d kid1_joined=%d kid2_stayed=%d\n", getpgid(c[0].pid) == c[0].pid,
           getpgid(c[1].pid) == c[0].pid, getpgid(c[2].pid) == getpgrp());
    release(c[2]);
    await_zombie(c[2].pid);
    show("waitpid(-pgid) while the group runs, WNOHANG", waitpid(-c[0].pid, &status, WNOHANG), &status, c, 3);
    release(c[1]);
    show("waitpid(-pgid)", waitpid(-c[0].pid, &status, 0), &status, c, 3);
    release(c[0]);
    show("waitpid(-pgid) again", waitpid(-c[0].pid, &status, 0), &status, c, 3);
    show("waitpid(-pgid) with the group gone", waitpid(-c[0].pid, &status, 0), &status, c, 3);
    show("wait() reaps the last one", wait(&status), &status, c, 3);

    // WNOWAIT: waitid reports without reaping (twice), then a real wait reaps.
    struct kid d[1] = {start(41, -1)};
    release(d[0]);
    show_info("waitid(P_PID, WNOWAIT)", waitid(P_PID, d[0].pid, &info, WEXITED | WNOWAIT), &info, d, 1);
    show_info("waitid(P_ALL, WNOWAIT) again", waitid(P_ALL, 0, &info, WEXITED | WNOWAIT), &info, d, 1);
    show("waitpid(-1, WNOWAIT) is refused", waitpid(-1, &status, WNOWAIT), &status, d, 1);
    show("waitpid(pid) reaps", waitpid(d[0].pid, &status, 0), &status, d, 1);
    show("waitpid(pid) after the reap", waitpid(d[0].pid, &status, WNOHANG), &status, d, 1);

    // waitid selectors.
    struct kid e[4] = {start(51, -1), start(52, -1), start(53, 0), start(54, -1)};
    memset(&info, 0x55, sizeof info);
    show_info("waitid(P_ALL, WNOHANG) with all running", waitid(P_ALL, 0, &info, WEXITED | WNOHANG), &info, e, 4);
    release(e[0]);
    show_info("waitid(P_ALL)", waitid(P_ALL, 0, &info, WEXITED), &info, e, 4);
    release(e[1]);
    show_info("waitid(P_PID)", waitid(P_PID, e[1].pid, &info, WEXITED), &info, e, 4);
    release(e[2]);
    await_zombie(e[2].pid);
    memset(&info, 0x55, sizeof info);
    show_info("waitid(P_PGID, 0) with only another group's child finished, WNOHANG",
              waitid(P_PGID, 0, &info, WEXITED | WNOHANG), &info, e, 4);
    show_info("waitid(P_PGID, its group)", waitid(P_PGID, e[2].pid, &info, WEXITED), &info, e, 4);
    int pidfd = (int)syscall(SYS_pidfd_open, e[3].pid, 0);
    printf("pidfd_open=%s\n", pidfd >= 0 ? "ok" : err());
    memset(&info, 0x55, sizeof info);
    show_info("waitid(P_PIDFD) while running, WNOHANG", waitid(P_PIDFD, pidfd, &info, WEXITED | WNOHANG), &info, e,
              4);
    release(e[3]);
    show_info("waitid(P_PIDFD)", waitid(P_PIDFD, pidfd, &info, WEXITED), &info, e, 4);
    show_info("waitid(P_PIDFD) after the reap", waitid(P_PIDFD, pidfd, &info, WEXITED), &info, e, 4);
    close(pidfd);
    show_info("waitid(P_ALL) with no children", waitid(P_ALL, 0, &info, WEXITED), &info, e, 4);
    return 0;
}
