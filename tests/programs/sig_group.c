// Checks group signals: kill(-pgid) reaches exactly the 3 children of a group, kill(0) the caller's own group.
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct record {
    int index;
    int signo;
    int code;
    pid_t pid;
};

static pid_t self;
static int results[2], ready[2];

static const char *code_name(int code) {
    switch (code) {
    case SI_USER: return "SI_USER";
    case SI_TKILL: return "SI_TKILL";
    case SI_QUEUE: return "SI_QUEUE";
    default: return "other";
    }
}

static void result(const char *what, int value) {
    if (value == -1) printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else printf("%s: %d\n", what, value);
}

// A child (with `signal` blocked) that joins group `pgid` unless it is -1 (0: a new group of its own), says it is
// ready and, once its gate opens, reports whether `signal` is pending for it (signo 0: nothing).
struct kid {
    pid_t pid;
    int gate;
};

static struct kid start(int index, int signal, pid_t pgid) {
    int gate[2];
    if (pipe(gate) != 0) _exit(90);
    pid_t pid = fork();
    if (pid == 0) {
        close(gate[1]);
        if (pgid >= 0 && setpgid(0, pgid) != 0 && errno != EACCES) _exit(91);
        if (write(ready[1], "r", 1) != 1) _exit(92);
        char byte;
        if (read(gate[0], &byte, 1) != 0) _exit(93);  // EOF: the gate is open
        struct record r = {index, 0, 0, 0};
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, signal);
        siginfo_t info;
        struct timespec none = {0, 0};
        if (sigtimedwait(&set, &info, &none) > 0) {
            r.signo = info.si_signo;
            r.code = info.si_code;
            r.pid = info.si_pid;
        }
        if (write(results[1], &r, sizeof r) != sizeof r) _exit(94);
        _exit(0);
    }
    close(gate[0]);
    if (pgid >= 0) setpgid(pid, pgid == 0 ? pid : pgid);  // as a shell does, so there is no race
    char byte;
    if (read(ready[0], &byte, 1) != 1) _exit(95);
    return (struct kid){pid, gate[1]};
}

// Opens every gate, collects the reports and prints them in index order.
static void collect(const char *what, struct kid *kids, int count) {
    for (int i = 0; i < count; i++) close(kids[i].gate);
    struct record all[8] = {0};
    for (int i = 0; i < count; i++) {
        struct record r;
        if (read(results[0], &r, sizeof r) != sizeof r) _exit(96);
        all[r.index] = r;
    }
    for (int i = 0; i < count; i++) {
        if (all[i].signo == 0) printf("%s: kid%d received nothing\n", what, i);
        else
            printf("%s: kid%d received %s si_code=%s si_pid_is_sender=%d\n", what, i, sigabbrev_np(all[i].signo),
                   code_name(all[i].code), all[i].pid == self);
    }
    int status;
    for (int i = 0; i < count; i++) waitpid(kids[i].pid, &status, 0);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    // Our own group first, so that kill(0) natively stays within this program.
    result("setpgid(0, 0)", setpgid(0, 0));
    self = getpid();
    sigset_t both;
    sigemptyset(&both);
    sigaddset(&both, SIGUSR1);
    sigaddset(&both, SIGUSR2);
    sigprocmask(SIG_BLOCK, &both, NULL);  // inherited by every child
    if (pipe(results) != 0 || pipe(ready) != 0) return 10;

    // kill(-pgid): three children in a new group, a fourth in ours.
    struct kid kids[4];
    kids[0] = start(0, SIGUSR1, 0);
    kids[1] = start(1, SIGUSR1, kids[0].pid);
    kids[2] = start(2, SIGUSR1, kids[0].pid);
    kids[3] = start(3, SIGUSR1, -1);
    printf("group: leader_is_kid0=%d others_joined=%d kid3_in_ours=%d\n", getpgid(kids[0].pid) == kids[0].pid,
           getpgid(kids[1].pid) == kids[0].pid && getpgid(kids[2].pid) == kids[0].pid, getpgid(kids[3].pid) == self);
    result("kill(-pgid, 0)", kill(-kids[0].pid, 0));
    result("kill(-pgid, 65)", kill(-kids[0].pid, 65));
    result("kill(-pgid, SIGUSR1)", kill(-kids[0].pid, SIGUSR1));
    sigset_t pending;
    sigpending(&pending);
    printf("kill(-pgid): sender pending=%d\n", sigismember(&pending, SIGUSR1));
    collect("kill(-pgid)", kids, 4);
    result("kill(-pgid) after the group is gone", kill(-kids[0].pid, SIGUSR1));

    // kill(0): us and the two children in our group, not the one in its own group.
    kids[0] = start(0, SIGUSR2, -1);
    kids[1] = start(1, SIGUSR2, -1);
    kids[2] = start(2, SIGUSR2, 0);
    result("kill(0, 0)", kill(0, 0));
    result("kill(0, 65)", kill(0, 65));
    result("kill(0, SIGUSR2)", kill(0, SIGUSR2));
    sigpending(&pending);
    printf("kill(0): sender pending=%d\n", sigismember(&pending, SIGUSR2));
    collect("kill(0)", kids, 3);
    siginfo_t info;
    struct timespec none = {0, 0};
    if (sigtimedwait(&both, &info, &none) > 0)
        printf("kill(0): sender got %s si_code=%s si_pid_is_sender=%d\n", sigabbrev_np(info.si_signo),
               code_name(info.si_code), info.si_pid == self);
    // killpg is kill(-pgid); our own group by number works too.
    result("killpg(own group, SIGUSR2)", killpg(self, SIGUSR2));
    sigpending(&pending);
    printf("killpg: sender pending=%d\n", sigismember(&pending, SIGUSR2));
    sigtimedwait(&both, &info, &none);

    result("kill(-nonexistent group)", kill(-INT_MAX, SIGUSR1));
    result("kill(INT_MIN)", kill(INT_MIN, SIGUSR1));
    result("killpg(-5)", killpg(-5, SIGUSR1));
    return 0;
}
