// Tries every way to signal a host process (pid in argv[1]); under umbra each must fail. Never run natively.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void result(const char *what, long value) {
    if (value < 0) printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else printf("%s: %ld\n", what, value);
}

static siginfo_t queued(int signal) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = signal;
    info.si_code = SI_QUEUE;
    info.si_pid = getpid();
    info.si_uid = getuid();
    return info;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 2 && !(argc == 3 && strcmp(argv[2], "broadcast") == 0)) return 2;
    pid_t host = atoi(argv[1]);
    if (argc == 3) {
        // Only where a broadcast that got out could reach nothing but this test's own processes (a pid namespace).
        result("kill(-1, 0)", kill(-1, 0));
        result("kill(-1, SIGTERM)", kill(-1, SIGTERM));
        return 0;
    }
    siginfo_t info;
    result("kill(host, 0)", kill(host, 0));
    result("kill(host, SIGTERM)", kill(host, SIGTERM));
    result("kill(-host, SIGTERM)", kill(-host, SIGTERM));
    result("killpg(host, SIGKILL)", killpg(host, SIGKILL));
    result("tkill(host, SIGTERM)", syscall(SYS_tkill, host, SIGTERM));
    result("tgkill(host, host, SIGTERM)", syscall(SYS_tgkill, host, host, SIGTERM));
    result("tgkill(self, host, SIGTERM)", syscall(SYS_tgkill, getpid(), host, SIGTERM));
    result("sigqueue(host, SIGTERM)", sigqueue(host, SIGTERM, (union sigval){.sival_int = 1}));
    info = queued(SIGKILL);
    result("rt_sigqueueinfo(host, SIGKILL)", syscall(SYS_rt_sigqueueinfo, host, SIGKILL, &info));
    info = queued(SIGKILL);
    result("rt_tgsigqueueinfo(host, host, SIGKILL)", syscall(SYS_rt_tgsigqueueinfo, host, host, SIGKILL, &info));
    long pidfd = syscall(SYS_pidfd_open, host, 0);
    result("pidfd_open(host)", pidfd < 0 ? -1 : 0);
    if (pidfd >= 0) {
        result("pidfd_send_signal(pidfd of host, SIGKILL)",
               syscall(SYS_pidfd_send_signal, (int)pidfd, SIGKILL, NULL, 0));
        close((int)pidfd);
    }
    // A /proc/<pid> directory fd works as a pidfd for pidfd_send_signal.
    char path[64];
    snprintf(path, sizeof path, "/proc/%d", (int)host);
    int proc = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (proc < 0) {
        result("open(/proc/host)", -1);
    } else {
        result("pidfd_send_signal(/proc/host fd, 0)", syscall(SYS_pidfd_send_signal, proc, 0, NULL, 0));
        result("pidfd_send_signal(/proc/host fd, SIGKILL)", syscall(SYS_pidfd_send_signal, proc, SIGKILL, NULL, 0));
        info = queued(SIGKILL);
        result("pidfd_send_signal(/proc/host fd, SIGKILL, info)",
               syscall(SYS_pidfd_send_signal, proc, SIGKILL, &info, 0));
        close(proc);
    }
    // Signal-driven I/O names its owner by pid: data arriving sends the owner SIGIO.
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair) != 0) return 3;
    int who = host;
    result("ioctl(FIOSETOWN, host)", ioctl(pair[0], FIOSETOWN, &who));
    result("fcntl(F_SETOWN, -host)", fcntl(pair[0], F_SETOWN, -host));
    struct f_owner_ex owner = {F_OWNER_PGRP, host};
    result("fcntl(F_SETOWN_EX, F_OWNER_PGRP host)", fcntl(pair[0], F_SETOWN_EX, &owner));
    owner = (struct f_owner_ex){F_OWNER_TID, host};
    result("fcntl(F_SETOWN_EX, F_OWNER_TID host)", fcntl(pair[0], F_SETOWN_EX, &owner));
    owner = (struct f_owner_ex){F_OWNER_PID, host};
    result("fcntl(F_SETOWN_EX, F_OWNER_PID host)", fcntl(pair[0], F_SETOWN_EX, &owner));
    result("fcntl(F_SETOWN, host)", fcntl(pair[0], F_SETOWN, host));
    fcntl(pair[0], F_SETFL, O_ASYNC | O_NONBLOCK);
    if (write(pair[1], "x", 1) != 1) return 4;  // SIGIO for the owner, if any
    // Waiting for it is no way in either.
    siginfo_t waited;
    result("waitid(P_PID, host)", waitid(P_PID, host, &waited, WEXITED | WNOHANG));
    return 0;
}
