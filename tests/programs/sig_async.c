// Checks signal-driven I/O: F_SETOWN/F_GETOWN with pids, groups and threads, O_ASYNC, F_SETSIG and its siginfo.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *code_name(int code) {
    switch (code) {
    case SI_USER: return "SI_USER";
    case SI_KERNEL: return "SI_KERNEL";
    case POLL_IN: return "POLL_IN";
    case POLL_OUT: return "POLL_OUT";
    default: return "other";
    }
}

static void result(const char *what, long value) {
    if (value < 0) printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else printf("%s: %ld\n", what, value);
}

static sigset_t waited;

// Takes one pending signal within 1 s and describes it: the band and fd of a F_SETSIG signal share si_pid's place.
static void take(const char *who, int fd, char *out, size_t size) {
    siginfo_t info;
    struct timespec timeout = {1, 0};
    int got = sigtimedwait(&waited, &info, &timeout);
    if (got < 0) {
        snprintf(out, size, "%s: nothing (%s)", who, strerrorname_np(errno));
        return;
    }
    if (info.si_code == POLL_IN || info.si_code == POLL_OUT)
        snprintf(out, size, "%s: %s si_code=%s si_fd_is_fd=%d si_band_has_POLLIN=%d", who, sigabbrev_np(got),
                 code_name(info.si_code), info.si_fd == fd, (info.si_band & POLLIN) != 0);
    else snprintf(out, size, "%s: %s si_code=%s", who, sigabbrev_np(got), code_name(info.si_code));
}

static void drain(int fd) {
    char buffer[64];
    while (read(fd, buffer, sizeof buffer) > 0) {
    }
}

static int data[2];
static pid_t thread_tid;
static int thread_ready[2];
static char thread_report[160];

static void *owner_thread(void *unused) {
    (void)unused;
    thread_tid = gettid();
    if (write(thread_ready[1], "r", 1) != 1) return NULL;
    take("thread", data[0], thread_report, sizeof thread_report);
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t self = getpid();
    sigemptyset(&waited);
    sigaddset(&waited, SIGIO);
    sigaddset(&waited, SIGUSR1);
    sigprocmask(SIG_BLOCK, &waited, NULL);
    if (pipe2(data, O_NONBLOCK) != 0 || pipe(thread_ready) != 0) return 10;
    char line[200];

    result("F_GETOWN initially", fcntl(data[0], F_GETOWN));
    result("F_SETOWN(self)", fcntl(data[0], F_SETOWN, self));
    printf("F_GETOWN is self=%d\n", fcntl(data[0], F_GETOWN) == self);
    result("F_SETFL O_ASYNC", fcntl(data[0], F_SETFL, O_ASYNC | O_NONBLOCK));
    if (write(data[1], "x", 1) != 1) return 11;
    take("write, default SIGIO", data[0], line, sizeof line);
    printf("%s\n", line);
    drain(data[0]);
    result("F_SETSIG(SIGUSR1)", fcntl(data[0], F_SETSIG, SIGUSR1));
    result("F_GETSIG", fcntl(data[0], F_GETSIG));
    if (write(data[1], "x", 1) != 1) return 12;
    take("write, F_SETSIG", data[0], line, sizeof line);
    printf("%s\n", line);
    drain(data[0]);

    // The owner is a child: it gets the signal, we do not.
    int ready[2], report[2];
    if (pipe(ready) != 0 || pipe(report) != 0) return 13;
    pid_t child = fork();
    if (child == 0) {
        if (write(ready[1], "r", 1) != 1) _exit(1);
        take("child", data[0], line, sizeof line);
        if (write(report[1], line, sizeof line) != sizeof line) _exit(2);
        _exit(0);
    }
    char byte;
    if (read(ready[0], &byte, 1) != 1) return 14;
    result("F_SETOWN(child)", fcntl(data[0], F_SETOWN, child));
    printf("F_GETOWN is child=%d\n", fcntl(data[0], F_GETOWN) == child);
    if (write(data[1], "x", 1) != 1) return 15;
    if (read(report[0], line, sizeof line) != sizeof line) return 16;
    printf("%s\n", line);
    int status;
    waitpid(child, &status, 0);
    drain(data[0]);
    sigset_t pending;
    sigpending(&pending);
    printf("owner child: parent pending=%d\n", sigismember(&pending, SIGUSR1));

    // A process group as the owner (negative), here our own.
    setpgid(0, 0);
    result("F_SETOWN(-own group)", fcntl(data[0], F_SETOWN, -self));
    printf("F_GETOWN is -group=%d\n", fcntl(data[0], F_GETOWN) == -self);
    struct f_owner_ex owner;
    fcntl(data[0], F_GETOWN_EX, &owner);
    printf("F_GETOWN_EX: type_is_PGRP=%d pid_is_group=%d\n", owner.type == F_OWNER_PGRP, owner.pid == self);
    if (write(data[1], "x", 1) != 1) return 17;
    take("group owner", data[0], line, sizeof line);
    printf("%s\n", line);
    drain(data[0]);

    // A thread as the owner, with F_SETOWN_EX.
    pthread_t thread;
    pthread_create(&thread, NULL, owner_thread, NULL);
    if (read(thread_ready[0], &byte, 1) != 1) return 18;
    owner = (struct f_owner_ex){F_OWNER_TID, thread_tid};
    result("F_SETOWN_EX(F_OWNER_TID, thread)", fcntl(data[0], F_SETOWN_EX, &owner));
    memset(&owner, 0, sizeof owner);
    fcntl(data[0], F_GETOWN_EX, &owner);
    printf("F_GETOWN_EX: type_is_TID=%d pid_is_thread=%d\n", owner.type == F_OWNER_TID, owner.pid == thread_tid);
    if (write(data[1], "x", 1) != 1) return 19;
    pthread_join(thread, NULL);
    printf("%s\n", thread_report);
    drain(data[0]);

    // Errors and clearing.
    result("F_SETOWN(nonexistent)", fcntl(data[0], F_SETOWN, 4000000));
    owner = (struct f_owner_ex){F_OWNER_PID, 4000000};
    result("F_SETOWN_EX(F_OWNER_PID, nonexistent)", fcntl(data[0], F_SETOWN_EX, &owner));
    result("F_SETOWN(0) clears", fcntl(data[0], F_SETOWN, 0));
    result("F_GETOWN after", fcntl(data[0], F_GETOWN));
    return 0;
}
