// waitid(P_PIDFD) honours the pidfd's PIDFD_NONBLOCK: on a running child, without WNOHANG it is EAGAIN at once (not a
// wait), with WNOHANG as Linux says; a plain pidfd with WNOHANG reports nothing (0, si_pid 0). Once the child is
// killed, both pidfds report it (WNOWAIT, then a reaping wait). An alarm ends a wait that blocks by mistake.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif

static pid_t child;

static void show(const char *what, int fd, int options) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_pid = 4242;
    int result = waitid(P_PIDFD, fd, &info, options);
    if (result != 0) {
        printf("%s: -1 %s\n", what, strerrorname_np(errno));
        return;
    }
    printf("%s: 0 si_pid=%s", what, info.si_pid == 0 ? "0" : info.si_pid == child ? "child" : "other");
    if (info.si_pid == child)
        printf(" code=%s status=%d", info.si_code == CLD_KILLED ? "CLD_KILLED" : "other", info.si_status);
    printf("\n");
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0); // what was printed shows when the alarm ends a wait that blocked
    alarm(10);
    child = fork();
    if (child == 0) {
        for (;;) pause();
    }
    int nonblocking = (int)syscall(SYS_pidfd_open, child, PIDFD_NONBLOCK);
    int plain = (int)syscall(SYS_pidfd_open, child, 0);
    if (nonblocking < 0 || plain < 0) return 2;
    printf("pidfd_open(child, PIDFD_NONBLOCK): O_NONBLOCK=%d\n", (fcntl(nonblocking, F_GETFL) & O_NONBLOCK) != 0);
    show("running: waitid(P_PIDFD, nonblocking, WEXITED)", nonblocking, WEXITED);
    show("running: waitid(P_PIDFD, nonblocking, WEXITED|WNOHANG)", nonblocking, WEXITED | WNOHANG);
    show("running: waitid(P_PIDFD, nonblocking, WSTOPPED)", nonblocking, WSTOPPED);
    show("running: waitid(P_PIDFD, plain, WEXITED|WNOHANG)", plain, WEXITED | WNOHANG);
    kill(child, SIGKILL);
    // Blocking wait through the plain pidfd without reaping, then through the non-blocking one (it has exited).
    show("killed: waitid(P_PIDFD, plain, WEXITED|WNOWAIT)", plain, WEXITED | WNOWAIT);
    show("killed: waitid(P_PIDFD, nonblocking, WEXITED)", nonblocking, WEXITED);
    show("reaped: waitid(P_PIDFD, nonblocking, WEXITED)", nonblocking, WEXITED);
    show("reaped: waitid(P_PIDFD, plain, WEXITED|WNOHANG)", plain, WEXITED | WNOHANG);
    return 0;
}
