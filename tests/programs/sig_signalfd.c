// Checks signalfd reads in every shape: several records, readv, a dup, after fork and exec, a new mask; sender pids.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t self;

static const char *code_name(int code) {
    switch (code) {
    case SI_USER: return "SI_USER";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_TKILL: return "SI_TKILL";
    default: return "other";
    }
}

static const char *signal_name(int signal) {
    if (signal == SIGRTMIN) return "RTMIN";
    const char *name = sigabbrev_np(signal);
    return name ? name : "?";
}

static void show(const char *what, const struct signalfd_siginfo *record, pid_t sender) {
    printf("%s: ssi_signo=%s ssi_code=%s ssi_pid_is_sender=%d ssi_uid_is_uid=%d", what, signal_name(record->ssi_signo),
           code_name(record->ssi_code), (pid_t)record->ssi_pid == sender, record->ssi_uid == getuid());
    if (record->ssi_code == SI_QUEUE) printf(" ssi_int=%d", record->ssi_int);
    printf("\n");
}

static void show_read(const char *what, ssize_t got) {
    if (got < 0) printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else printf("%s: %zd bytes\n", what, got);
}

// A child that sends us `signal` (with sigqueue when `value` is not 0), then waits to be let go: senders are alive
// while their records are read, unless `reap` (then it has exited and been reaped already).
struct kid {
    pid_t pid;
    int gate;
};

static struct kid kids[8];
static int kid_count;
static int sent[2];

static pid_t from_child(int signal, int value, int reap) {
    int gate[2];
    if (pipe(gate) != 0) _exit(20);
    pid_t child = fork();
    if (child == 0) {
        close(gate[1]);
        for (int i = 0; i < kid_count; i++) close(kids[i].gate);  // the others' gates are theirs to close
        if (value) sigqueue(getppid(), signal, (union sigval){.sival_int = value});
        else kill(getppid(), signal);
        if (write(sent[1], "s", 1) != 1) _exit(22);
        char byte;
        if (read(gate[0], &byte, 1) < 0) _exit(21);
        _exit(0);
    }
    close(gate[0]);
    char byte;
    if (read(sent[0], &byte, 1) != 1) _exit(23);
    if (reap) {
        close(gate[1]);
        waitpid(child, NULL, 0);
    } else {
        kids[kid_count++] = (struct kid){child, gate[1]};
    }
    return child;
}

// Lets every waiting sender go and reaps it.
static void release(void) {
    for (int i = 0; i < kid_count; i++) {
        close(kids[i].gate);
        waitpid(kids[i].pid, NULL, 0);
    }
    kid_count = 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct signalfd_siginfo records[4];
    if (argc == 4 && strcmp(argv[1], "after") == 0) {
        // After exec: the signalfd is still open and still gives the sender's pid.
        int fd = atoi(argv[2]);
        pid_t sender = atoi(argv[3]);
        ssize_t got = read(fd, records, sizeof records);
        show_read("after exec: read", got);
        if (got > 0) show("after exec", &records[0], sender);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "lowest") == 0) {
        // Like open(2), signalfd returns the lowest free descriptor.
        sigset_t usr1;
        sigemptyset(&usr1);
        sigaddset(&usr1, SIGUSR1);
        int fd = signalfd(-1, &usr1, 0);
        int probe = dup(0);
        printf("signalfd is the lowest free descriptor=%d\n", fd < probe);
        return 0;
    }
    self = getpid();
    if (pipe(sent) != 0) return 9;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int fd = signalfd(-1, &set, SFD_NONBLOCK);
    printf("signalfd: ok=%d\n", fd >= 0);

    // Several records in one read, from different senders.
    pid_t first = from_child(SIGUSR1, 0, 0);
    pid_t second = from_child(SIGRTMIN, 5, 0);
    pid_t third = from_child(SIGRTMIN, 6, 0);
    ssize_t got = read(fd, records, sizeof records);
    show_read("one read of three pending", got);
    show("  record 0", &records[0], first);
    show("  record 1", &records[1], second);
    show("  record 2", &records[2], third);
    release();
    show_read("read with nothing pending (nonblocking)", read(fd, records, sizeof records));
    show_read("read into a buffer too small", read(fd, records, sizeof records[0] - 1));

    // readv.
    pid_t sender = from_child(SIGUSR2, 0, 0);
    struct iovec vector = {records, sizeof records[0]};
    show_read("readv", readv(fd, &vector, 1));
    show("  readv", &records[0], sender);
    release();

    // Through a duplicate at another number.
    int copy = dup(fd);
    int high = fcntl(fd, F_DUPFD, 200);
    sender = from_child(SIGUSR1, 0, 0);
    show_read("read through dup()", read(copy, records, sizeof records));
    show("  dup", &records[0], sender);
    sender = from_child(SIGUSR1, 0, 0);
    show_read("read through F_DUPFD 200", read(high, records, sizeof records));
    show("  F_DUPFD", &records[0], sender);
    release();
    close(copy);
    close(high);

    // A new mask for the same signalfd.
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    printf("signalfd(fd, USR2 only) returns fd=%d\n", signalfd(fd, &usr2, SFD_NONBLOCK) == fd);
    from_child(SIGUSR1, 0, 0);
    sender = from_child(SIGUSR2, 0, 0);
    got = read(fd, records, sizeof records);
    show_read("read after the new mask", got);
    show("  new mask", &records[0], sender);
    release();
    signalfd(fd, &set, SFD_NONBLOCK);
    struct timespec zero = {0, 0};
    while (sigtimedwait(&set, NULL, &zero) > 0) {
    }

    // The sender has exited and been reaped by the time its record is read.
    sender = from_child(SIGUSR1, 0, 1);
    show_read("read, the sender reaped since", read(fd, records, sizeof records));
    show("  reaped sender", &records[0], sender);

    // A forked child reads its own signals from the inherited signalfd.
    int sync[2];
    if (pipe(sync) != 0) return 10;
    pid_t child = fork();
    if (child == 0) {
        char byte;
        if (read(sync[0], &byte, 1) != 1) _exit(11);
        ssize_t n = read(fd, records, sizeof records);
        show_read("child: read of the inherited signalfd", n);
        if (n > 0) show("  child", &records[0], getppid());
        _exit(0);
    }
    kill(child, SIGUSR2);
    if (write(sync[1], "x", 1) != 1) return 12;
    int status;
    waitpid(child, &status, 0);

    // The signalfd survives exec (no FD_CLOEXEC): the new program reads it.
    sender = from_child(SIGUSR1, 0, 0);
    char number[16], sender_text[16];
    snprintf(number, sizeof number, "%d", fd);
    snprintf(sender_text, sizeof sender_text, "%d", (int)sender);
    fflush(stdout);
    char *args[] = {argv[0], "after", number, sender_text, NULL};
    execv("/proc/self/exe", args);
    printf("execv: %s\n", strerrorname_np(errno));
    return 1;
}
