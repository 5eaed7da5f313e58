// Owners of signal-driven I/O at the edges (fcntl F_SETOWN/F_GETOWN/_EX, ioctl FIOSETOWN/SIOCSPGRP/FIOGETOWN/
// SIOCGPGRP/TIOCSPGRP): closed and unsuitable descriptors, read-only arguments, threads, empty groups and zombies.
// One line per call, ids by name, for a differential run against Linux in a pid namespace.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t self, child, zombie;
static volatile pid_t thread_tid;

static void *thread_main(void *unused) {
    (void)unused;
    thread_tid = (pid_t)syscall(SYS_gettid);
    for (;;) pause();
    return NULL;
}

static const char *name(long id) {
    static char out[8][32];
    static int next;
    char *o = out[next++ % 8];
    long a = id < 0 ? -id : id;
    const char *n = a == self ? "self" : a == child ? "child" : a == zombie ? "zombie" : a == thread_tid ? "thr" : NULL;
    if (n) snprintf(o, 32, "%s%s", id < 0 ? "-" : "", n);
    else snprintf(o, 32, "%ld", id);
    return o;
}

static long raw(long nr, long a, long b, long c) {
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return ret;
}

static void show(const char *what, long ret) {
    if (ret < 0 && ret > -4096) printf("%-45s = %s\n", what, strerrorname_np((int)-ret));
    else printf("%-45s = %ld\n", what, ret);
}

static void getown(int fd, const char *what) {
    char text[96];
    long ret = raw(SYS_fcntl, fd, F_GETOWN, 0);
    snprintf(text, sizeof text, "  %s F_GETOWN", what);
    printf("%-45s = %s\n", text, name(ret));
    struct f_owner_ex owner = {-7, -7};
    ret = raw(SYS_fcntl, fd, F_GETOWN_EX, (long)&owner);
    snprintf(text, sizeof text, "  %s F_GETOWN_EX", what);
    printf("%-45s = %ld {%d %s}\n", text, ret, owner.type, name(owner.pid));
}

int main(void) {
    setsid();
    self = getpid();
    child = fork();
    if (child == 0) { for (;;) pause(); }
    zombie = fork();
    if (zombie == 0) _exit(0);
    siginfo_t info;
    waitid(P_PID, zombie, &info, WEXITED | WNOWAIT);
    pthread_t thread;
    pthread_create(&thread, NULL, thread_main, NULL);
    while (!thread_tid) sched_yield();
    int pipes[2], sockets[2];
    pipe(pipes);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sockets);
    int *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ro[0] = F_OWNER_PID;
    ro[1] = 0;
    mprotect(ro, 4096, PROT_READ);
    int value;
    struct f_owner_ex ex;
    char text[96];

    printf("(a) TIOCSPGRP on a pipe and a socket, not terminals\n");
    value = self;
    show("ioctl(pipe, TIOCSPGRP, &self)", raw(SYS_ioctl, pipes[0], TIOCSPGRP, (long)&value));
    value = 12345;
    show("ioctl(socket, TIOCSPGRP, &12345)", raw(SYS_ioctl, sockets[0], TIOCSPGRP, (long)&value));
    show("ioctl(pipe, TIOCSPGRP, NULL)", raw(SYS_ioctl, pipes[0], TIOCSPGRP, 0));
    show("ioctl(9999, TIOCSPGRP, NULL)", raw(SYS_ioctl, 9999, TIOCSPGRP, 0));

    printf("(b) FIOSETOWN/SIOCSPGRP on a pipe, not a socket; on fd 9999\n");
    show("ioctl(pipe, FIOSETOWN, NULL)", raw(SYS_ioctl, pipes[0], FIOSETOWN, 0));
    value = 5000000;
    show("ioctl(pipe, SIOCSPGRP, &5000000)", raw(SYS_ioctl, pipes[0], SIOCSPGRP, (long)&value));
    value = self;
    show("ioctl(pipe, FIOSETOWN, &self)", raw(SYS_ioctl, pipes[0], FIOSETOWN, (long)&value));
    show("ioctl(9999, FIOSETOWN, NULL)", raw(SYS_ioctl, 9999, FIOSETOWN, 0));

    printf("(c) F_SETOWN on fd 9999 with a pid nobody has\n");
    show("fcntl(9999, F_SETOWN, 5000000)", raw(SYS_fcntl, 9999, F_SETOWN, 5000000));

    printf("(d) F_SETOWN of a group nobody is in (the pid exists)\n");
    snprintf(text, sizeof text, "fcntl(pipe, F_SETOWN, %s)", name(-child));
    show(text, raw(SYS_fcntl, pipes[0], F_SETOWN, -child));
    getown(pipes[0], "then");
    snprintf(text, sizeof text, "fcntl(pipe, F_SETOWN, %s)", name(-thread_tid));
    show(text, raw(SYS_fcntl, pipes[0], F_SETOWN, -thread_tid));

    printf("(e) F_SETOWN INT_MIN\n");
    show("fcntl(pipe, F_SETOWN, INT_MIN)", raw(SYS_fcntl, pipes[0], F_SETOWN, INT_MIN));

    printf("(f) F_SETOWN_EX with its f_owner_ex in read-only memory ({F_OWNER_PID 0})\n");
    show("fcntl(pipe, F_SETOWN_EX, ro)", raw(SYS_fcntl, pipes[0], F_SETOWN_EX, (long)ro));
    show("fcntl(9999, F_SETOWN_EX, NULL)", raw(SYS_fcntl, 9999, F_SETOWN_EX, 0));

    printf("(g) F_SETOWN_EX with a negative pid\n");
    ex = (struct f_owner_ex){F_OWNER_PID, -self};
    show("fcntl(pipe, F_SETOWN_EX, {PID -self})", raw(SYS_fcntl, pipes[0], F_SETOWN_EX, (long)&ex));
    ex = (struct f_owner_ex){F_OWNER_PGRP, -self};
    show("fcntl(pipe, F_SETOWN_EX, {PGRP -self})", raw(SYS_fcntl, pipes[0], F_SETOWN_EX, (long)&ex));

    printf("(h) F_SETOWN of a thread (not a process)\n");
    snprintf(text, sizeof text, "fcntl(pipe, F_SETOWN, thr)");
    show(text, raw(SYS_fcntl, pipes[0], F_SETOWN, thread_tid));
    getown(pipes[0], "then");

    printf("(i) F_SETOWN -self, then F_SETOWN_EX {TID self}\n");
    show("fcntl(pipe, F_SETOWN, -self)", raw(SYS_fcntl, pipes[0], F_SETOWN, -self));
    ex = (struct f_owner_ex){F_OWNER_TID, self};
    show("fcntl(pipe, F_SETOWN_EX, {TID self})", raw(SYS_fcntl, pipes[0], F_SETOWN_EX, (long)&ex));
    getown(pipes[0], "then");

    printf("(j) F_SETOWN_EX {PGRP 0}\n");
    ex = (struct f_owner_ex){F_OWNER_PGRP, 0};
    show("fcntl(pipe, F_SETOWN_EX, {PGRP 0})", raw(SYS_fcntl, pipes[0], F_SETOWN_EX, (long)&ex));
    getown(pipes[0], "then");

    printf("(k) a socket's group owner through SIOCGPGRP and FIOGETOWN\n");
    show("fcntl(socket, F_SETOWN, -self)", raw(SYS_fcntl, sockets[0], F_SETOWN, -self));
    value = 0;
    raw(SYS_ioctl, sockets[0], SIOCGPGRP, (long)&value);
    printf("%-45s = %s\n", "  then SIOCGPGRP", name(value));
    value = 0;
    raw(SYS_ioctl, sockets[0], FIOGETOWN, (long)&value);
    printf("%-45s = %s\n", "  then FIOGETOWN", name(value));

    printf("(l) F_SETOWN of a zombie\n");
    show("fcntl(pipe, F_SETOWN, zombie)", raw(SYS_fcntl, pipes[0], F_SETOWN, zombie));
    getown(pipes[0], "then");

    printf("(m) F_SETOWN_EX {TID zombie}\n");
    ex = (struct f_owner_ex){F_OWNER_TID, zombie};
    show("fcntl(pipe, F_SETOWN_EX, {TID zombie})", raw(SYS_fcntl, pipes[0], F_SETOWN_EX, (long)&ex));
    kill(child, SIGKILL);
    return 0;
}
