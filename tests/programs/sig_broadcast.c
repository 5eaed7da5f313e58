// Checks kill(-1): it reaches every process of the tree but the caller. Run natively only in a new pid namespace.
#define _GNU_SOURCE
#include <errno.h>
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

static int results[2], ready[2], gate[2], go[2];
static pid_t sender;

static const char *code_name(int code) {
    switch (code) {
    case SI_USER: return "SI_USER";
    case SI_TKILL: return "SI_TKILL";
    default: return "other";
    }
}

static void result(const char *what, int value) {
    if (value == -1) printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else printf("%s: %d\n", what, value);
}

// Reports whether SIGUSR1 is pending (signo 0: not). Every process of the tree has it blocked.
static void report(int index) {
    struct record r = {index, 0, 0, 0};
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    siginfo_t info;
    struct timespec none = {0, 0};
    if (sigtimedwait(&usr1, &info, &none) > 0) r = (struct record){index, info.si_signo, info.si_code, info.si_pid};
    if (write(results[1], &r, sizeof r) != sizeof r) _exit(94);
}

// A process that says it is ready, waits for the gate to open (EOF), then reports.
static void wait_and_report(int index) {
    if (write(ready[1], "r", 1) != 1) _exit(92);
    close(gate[1]);
    char byte;
    if (read(gate[0], &byte, 1) != 0) _exit(93);
    report(index);
}

static void await_ready(int count) {
    for (int i = 0; i < count; i++) {
        char byte;
        if (read(ready[0], &byte, 1) != 1) _exit(95);
    }
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    // Natively, kill(-1) as root reaches every process of the machine: only go on as the child of a pid namespace's
    // init (or of umbra's sandbox init, pid 1).
    if (getppid() != 1) {
        printf("refusing: not in a pid namespace of our own\n");
        return 2;
    }
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    if (pipe(results) != 0 || pipe(ready) != 0 || pipe(gate) != 0 || pipe(go) != 0) return 10;

    // The tree: top (index 0) with children 1 (the sender), 2 (in a group of its own) and 3, whose child 4 is in a
    // new session.
    sender = fork();
    if (sender == 0) {
        close(gate[1]);
        if (write(ready[1], "r", 1) != 1) _exit(92);
        char byte;
        if (read(go[0], &byte, 1) != 1) _exit(96);
        int r = kill(-1, SIGUSR1);
        int e = errno;
        sigset_t pending;
        sigpending(&pending);
        report(1);
        char line[128];
        snprintf(line, sizeof line, "sender: kill(-1, SIGUSR1)=%d%s%s own_pending=%d", r, r ? " " : "",
                 r ? strerrorname_np(e) : "",
                 sigismember(&pending, SIGUSR1));
        if (write(results[1], line, sizeof line) != sizeof line) _exit(97);
        _exit(0);
    }
    pid_t kids[4];
    kids[0] = fork();
    if (kids[0] == 0) {
        setpgid(0, 0);
        wait_and_report(2);
        _exit(0);
    }
    kids[1] = fork();
    if (kids[1] == 0) {
        pid_t grandchild = fork();
        if (grandchild == 0) {
            setsid();
            wait_and_report(4);
            _exit(0);
        }
        wait_and_report(3);
        int status;
        waitpid(grandchild, &status, 0);
        _exit(0);
    }
    await_ready(4);
    if (write(go[1], "g", 1) != 1) return 11;  // the sender goes
    char line[128];
    struct record r;
    // The sender's own report comes first, then its line; only then open the gate for the others.
    if (read(results[0], &r, sizeof r) != sizeof r) return 12;
    struct record all[5] = {0};
    all[r.index] = r;
    if (read(results[0], line, sizeof line) != sizeof line) return 13;
    printf("%s\n", line);
    close(gate[1]);
    for (int i = 0; i < 3; i++) {
        if (read(results[0], &r, sizeof r) != sizeof r) return 14;
        all[r.index] = r;
    }
    report(0);
    if (read(results[0], &r, sizeof r) != sizeof r) return 15;
    all[r.index] = r;
    const char *names[] = {"top", "sender", "child in its own group", "child", "grandchild in a new session"};
    for (int i = 0; i < 5; i++) {
        if (all[i].signo == 0) printf("%s: received nothing\n", names[i]);
        else
            printf("%s: received %s si_code=%s si_pid_is_sender=%d\n", names[i], sigabbrev_np(all[i].signo),
                   code_name(all[i].code), all[i].pid == sender);
    }
    int status;
    while (wait(&status) > 0) {
    }
    // Alone now: nobody else to signal.
    result("alone: kill(-1, 0)", kill(-1, 0));
    result("alone: kill(-1, SIGUSR1)", kill(-1, SIGUSR1));
    // With one child again: probes and invalid signals.
    pid_t child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    result("kill(-1, 0)", kill(-1, 0));
    result("kill(-1, 65)", kill(-1, 65));
    result("kill(-1, SIGKILL)", kill(-1, SIGKILL));
    waitpid(child, &status, 0);
    printf("child: killed_by=%s\n", WIFSIGNALED(status) ? sigabbrev_np(WTERMSIG(status)) : "none");
    return 0;
}
