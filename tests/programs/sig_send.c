// Checks kill, tkill, tgkill, sigqueue, rt_[tg]sigqueueinfo and pidfd_send_signal to a child, probes and errors.
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t parent, child, thread_tid;
static int to_child[2], from_child[2];

static const char *code_name(int code) {
    switch (code) {
    case SI_USER: return "SI_USER";
    case SI_KERNEL: return "SI_KERNEL";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_TKILL: return "SI_TKILL";
    default: return "other";
    }
}

static const char *signal_name(int signal) {
    static char buffer[16];
    if (signal >= SIGRTMIN && signal <= SIGRTMAX) {
        snprintf(buffer, sizeof buffer, "RTMIN+%d", signal - SIGRTMIN);
        return buffer;
    }
    const char *name = sigabbrev_np(signal);
    return name ? name : "?";
}

// The child's reports go to the parent, which prints them after its own line for the call (one writer, one order).
#define REPORT 256

static void send_report(const char *text) {
    char buffer[REPORT] = {0};
    snprintf(buffer, sizeof buffer, "%s", text);
    if (write(from_child[1], buffer, REPORT) != REPORT) _exit(80);
}

// One received signal: signal, code, sender relation, uid relation, and the value if queued.
static void report(const char *who, const siginfo_t *info, const char *before) {
    char sender[32], text[REPORT];
    if (info->si_pid == parent) snprintf(sender, sizeof sender, "parent");
    else snprintf(sender, sizeof sender, "%d", (int)info->si_pid);
    int n = snprintf(text, sizeof text, "%s  %s received %s si_code=%s si_pid=%s si_uid_is_uid=%d", before, who,
                     signal_name(info->si_signo), code_name(info->si_code), sender, info->si_uid == getuid());
    if (info->si_code == SI_QUEUE) snprintf(text + n, sizeof text - n, " si_value=%d", info->si_value.sival_int);
    send_report(text);
}

// rt_sigtimedwait without a timeout. (glibc's sigwaitinfo reports SI_TKILL as SI_USER.)
static int wait_signal(const sigset_t *set, siginfo_t *info) {
    return (int)syscall(SYS_rt_sigtimedwait, set, info, NULL, _NSIG / 8);
}

static sigset_t waited;  // what the child's main thread waits for

static void *receiver_thread(void *unused) {
    (void)unused;
    pid_t tid = gettid();
    if (write(from_child[1], &tid, sizeof tid) != sizeof tid) _exit(81);
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    for (;;) {
        siginfo_t info;
        if (wait_signal(&usr2, &info) < 0) continue;
        report("thread", &info, "");
    }
    return NULL;
}

// The child: every test signal stays blocked; the main thread takes USR1 and realtime signals on command, the second
// thread takes SIGUSR2 whenever it comes.
static void run_child(void) {
    close(to_child[1]);
    close(from_child[0]);
    sigset_t all;
    sigemptyset(&all);
    sigaddset(&all, SIGUSR1);
    sigaddset(&all, SIGUSR2);
    for (int i = 0; i < 4; i++) sigaddset(&all, SIGRTMIN + i);
    sigprocmask(SIG_BLOCK, &all, NULL);
    waited = all;
    sigdelset(&waited, SIGUSR2);
    pthread_t thread;
    pthread_create(&thread, NULL, receiver_thread, NULL);
    for (;;) {
        char command;
        if (read(to_child[0], &command, 1) != 1) _exit(0);
        siginfo_t info;
        if (command == 'w') {
            if (wait_signal(&waited, &info) < 0) _exit(82);
            report("main thread", &info, "");
        } else if (command == 'p') {
            // A thread-directed SIGUSR2 for the main thread: pending here, and the other thread never sees it.
            sigset_t pending, usr2;
            sigpending(&pending);
            sigemptyset(&usr2);
            sigaddset(&usr2, SIGUSR2);
            char before[64];
            snprintf(before, sizeof before, "  main thread: USR2 pending=%d\n", sigismember(&pending, SIGUSR2));
            if (wait_signal(&usr2, &info) < 0) _exit(83);
            report("main thread", &info, before);
        }
    }
}

// Prints the child's next report, or that none came within 2 s (a lost signal fails the test without hanging it).
static void await_ack(void) {
    char buffer[REPORT];
    struct pollfd ready = {from_child[0], POLLIN, 0};
    if (poll(&ready, 1, 2000) != 1) {
        printf("  (nothing received)\n");
        return;
    }
    if (read(from_child[0], buffer, REPORT) != REPORT) _exit(84);
    buffer[REPORT - 1] = 0;
    printf("%s\n", buffer);
}

static void command(char c) {
    if (write(to_child[1], &c, 1) != 1) _exit(85);
}

static void result(const char *what, long value) {
    if (value == -1) printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else printf("%s: %ld\n", what, value);
}

static siginfo_t queued(int signal, int code, int value, pid_t pid) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = signal;
    info.si_code = code;
    info.si_pid = pid;
    info.si_uid = getuid();
    info.si_value.sival_int = value;
    return info;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    parent = getpid();
    if (pipe(to_child) != 0 || pipe(from_child) != 0) return 10;
    child = fork();
    if (child == 0) run_child();
    close(to_child[0]);
    close(from_child[1]);
    if (read(from_child[0], &thread_tid, sizeof thread_tid) != sizeof thread_tid) return 11;
    printf("thread: tid_differs_from_child=%d\n", thread_tid != child);
    long r;


    result("kill(child, SIGUSR1)", kill(child, SIGUSR1));
    command('w');
    await_ack();
    result("tkill(child, SIGUSR1)", syscall(SYS_tkill, child, SIGUSR1));
    command('w');
    await_ack();
    result("tgkill(child, child, SIGUSR1)", syscall(SYS_tgkill, child, child, SIGUSR1));
    command('w');
    await_ack();
    union sigval value = {.sival_int = 1234};
    result("sigqueue(child, SIGRTMIN, 1234)", sigqueue(child, SIGRTMIN, value));
    command('w');
    await_ack();
    siginfo_t info = queued(SIGRTMIN + 1, SI_QUEUE, 77, parent);
    result("rt_sigqueueinfo(child, SIGRTMIN+1, SI_QUEUE 77)", syscall(SYS_rt_sigqueueinfo, child, SIGRTMIN + 1, &info));
    command('w');
    await_ack();
    // The sender fills in si_pid; Linux passes it on as given.
    info = queued(SIGRTMIN + 2, SI_QUEUE, 78, 4242);
    result("rt_sigqueueinfo(child, SIGRTMIN+2, si_pid=4242)", syscall(SYS_rt_sigqueueinfo, child, SIGRTMIN + 2, &info));
    command('w');
    await_ack();

    // Thread-directed signals reach exactly the thread named.
    result("tgkill(child, thread, SIGUSR2)", syscall(SYS_tgkill, child, thread_tid, SIGUSR2));
    await_ack();
    info = queued(SIGUSR2, SI_QUEUE, 9, parent);
    result("rt_tgsigqueueinfo(child, thread, SIGUSR2, 9)",
           syscall(SYS_rt_tgsigqueueinfo, child, thread_tid, SIGUSR2, &info));
    await_ack();
    result("tgkill(child, child, SIGUSR2)", syscall(SYS_tgkill, child, child, SIGUSR2));
    command('p');
    await_ack();
    result("kill(child, SIGUSR2) goes to the thread waiting for it", kill(child, SIGUSR2));
    await_ack();
    result("tkill(thread, SIGUSR2)", syscall(SYS_tkill, thread_tid, SIGUSR2));
    await_ack();
    // A thread's id names its process in kill(), as Linux has always allowed.
    result("kill(thread, 0)", kill(thread_tid, 0));
    result("kill(thread, SIGUSR2)", kill(thread_tid, SIGUSR2));
    await_ack();
    // (EINVAL before Linux 6.9, ENOENT since.)
    r = syscall(SYS_pidfd_open, thread_tid, 0);
    if (r >= 0) close((int)r);
    printf("pidfd_open(thread): fails=%d\n", r < 0);

    int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
    printf("pidfd_open(child): ok=%d\n", pidfd >= 0);
    result("pidfd_send_signal(pidfd, SIGUSR1, NULL)", syscall(SYS_pidfd_send_signal, pidfd, SIGUSR1, NULL, 0));
    command('w');
    await_ack();
    info = queued(SIGRTMIN + 3, SI_QUEUE, 55, parent);
    result("pidfd_send_signal(pidfd, SIGRTMIN+3, SI_QUEUE 55)",
           syscall(SYS_pidfd_send_signal, pidfd, SIGRTMIN + 3, &info, 0));
    command('w');
    await_ack();

    // Probes and errors while the child runs.
    result("kill(child, 0)", kill(child, 0));
    result("tkill(child, 0)", syscall(SYS_tkill, child, 0));
    result("tgkill(child, thread, 0)", syscall(SYS_tgkill, child, thread_tid, 0));
    result("pidfd_send_signal(pidfd, 0)", syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0));
    result("kill(child, 65)", kill(child, 65));
    result("kill(child, -1)", kill(child, -1));
    result("tkill(child, 65)", syscall(SYS_tkill, child, 65));
    result("tgkill(child, child, 65)", syscall(SYS_tgkill, child, child, 65));
    result("sigqueue(child, 65)", sigqueue(child, 65, value));
    info = queued(SIGUSR1, SI_QUEUE, 0, parent);
    result("rt_sigqueueinfo(child, 0 with SI_QUEUE)", syscall(SYS_rt_sigqueueinfo, child, 0, &info));
    result("rt_sigqueueinfo(child, 65)", syscall(SYS_rt_sigqueueinfo, child, 65, &info));
    result("pidfd_send_signal(pidfd, 65)", syscall(SYS_pidfd_send_signal, pidfd, 65, NULL, 0));
    result("pidfd_send_signal(pidfd, SIGUSR1, flags=0x100)",
           syscall(SYS_pidfd_send_signal, pidfd, SIGUSR1, NULL, 0x100));
    result("pidfd_send_signal(a pipe, SIGUSR1)", syscall(SYS_pidfd_send_signal, to_child[1], SIGUSR1, NULL, 0));
    result("pidfd_send_signal(-1, SIGUSR1)", syscall(SYS_pidfd_send_signal, -1, SIGUSR1, NULL, 0));
    result("tkill(0, SIGUSR1)", syscall(SYS_tkill, 0, SIGUSR1));
    result("tkill(-1, SIGUSR1)", syscall(SYS_tkill, -1, SIGUSR1));
    result("tgkill(0, child, SIGUSR1)", syscall(SYS_tgkill, 0, child, SIGUSR1));
    result("tgkill(child, 0, SIGUSR1)", syscall(SYS_tgkill, child, 0, SIGUSR1));
    result("tgkill(child, -1, SIGUSR1)", syscall(SYS_tgkill, child, -1, SIGUSR1));
    result("tgkill(child, parent, SIGUSR1)", syscall(SYS_tgkill, child, parent, SIGUSR1));
    result("tgkill(parent, thread, SIGUSR1)", syscall(SYS_tgkill, parent, thread_tid, SIGUSR1));
    info = queued(SIGUSR1, SI_USER, 0, parent);
    result("rt_sigqueueinfo(child, SIGUSR1, SI_USER)", syscall(SYS_rt_sigqueueinfo, child, SIGUSR1, &info));
    info = queued(SIGUSR1, SI_TKILL, 0, parent);
    result("rt_sigqueueinfo(child, SIGUSR1, SI_TKILL)", syscall(SYS_rt_sigqueueinfo, child, SIGUSR1, &info));
    info = queued(SIGUSR2, SI_USER, 0, parent);
    result("rt_tgsigqueueinfo(child, thread, SIGUSR2, SI_USER)",
           syscall(SYS_rt_tgsigqueueinfo, child, thread_tid, SIGUSR2, &info));

    // A zombie can still be probed and signalled; once reaped it is gone.
    close(to_child[1]);  // the child exits
    siginfo_t exited;
    if (waitid(P_PID, child, &exited, WEXITED | WNOWAIT) != 0) return 12;
    result("zombie: kill(child, 0)", kill(child, 0));
    result("zombie: kill(child, SIGUSR1)", kill(child, SIGUSR1));
    result("zombie: kill(child, 65)", kill(child, 65));
    result("zombie: sigqueue(child, SIGUSR1)", sigqueue(child, SIGUSR1, value));
    result("zombie: pidfd_send_signal(pidfd, 0)", syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0));
    result("zombie: pidfd_send_signal(pidfd, SIGUSR1)", syscall(SYS_pidfd_send_signal, pidfd, SIGUSR1, NULL, 0));
    r = syscall(SYS_pidfd_open, child, 0);
    printf("zombie: pidfd_open(child): ok=%d\n", r >= 0);
    if (r >= 0) close((int)r);
    int status;
    result("waitpid(child) reaps it", waitpid(child, &status, 0) == child);
    result("reaped: kill(child, 0)", kill(child, 0));
    result("reaped: kill(child, SIGUSR1)", kill(child, SIGUSR1));
    result("reaped: tkill(child, 0)", syscall(SYS_tkill, child, 0));
    result("reaped: tgkill(child, child, 0)", syscall(SYS_tgkill, child, child, 0));
    result("reaped: sigqueue(child, SIGUSR1)", sigqueue(child, SIGUSR1, value));
    result("reaped: pidfd_send_signal(pidfd, 0)", syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0));
    result("reaped: pidfd_open(child)", syscall(SYS_pidfd_open, child, 0));
    result("kill(getppid(), 0)", kill(getppid(), 0));
    result("kill(INT_MAX, 0)", kill(INT_MAX, 0));
    result("kill(INT_MAX, 65)", kill(INT_MAX, 65));
    result("tkill(INT_MAX, 0)", syscall(SYS_tkill, INT_MAX, 0));
    result("pidfd_open(0)", syscall(SYS_pidfd_open, 0, 0));
    result("pidfd_open(-1)", syscall(SYS_pidfd_open, -1, 0));
    close(pidfd);
    return 0;
}
