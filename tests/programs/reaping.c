// Checks reaping rules: SIGCHLD ignored or SA_NOCLDWAIT leave no zombies (waits end in ECHILD); orphans go to a subreaper.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handled;

static void on_sigchld(int signal) {
    (void)signal;
    handled++;
}

static const char *err(void) { return strerrorname_np(errno); }

static void pause_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

// Forks `count` children that exit with 0 once `gate` gets a byte each.
static void start(pid_t *pids, int count, int gate) {
    for (int i = 0; i < count; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            char byte;
            _exit(read(gate, &byte, 1) == 1 ? 0 : 99);
        }
    }
}

// A child reaped by the kernel at its exit is released a moment after the parent's wait() has
// stopped counting it (natively too, under load): give them up to a second to be gone.
static int all_gone(pid_t *pids, int count) {
    for (int tries = 0; tries < 1000; tries++) {
        int gone = 1;
        for (int i = 0; i < count && gone; i++)
            if (kill(pids[i], 0) == 0 || errno != ESRCH) gone = 0;
        if (gone) return 1;
        usleep(1000);
    }
    return 0;
}

// Children of a parent that does not want zombies: the blocking wait returns ECHILD once all exited.
static void no_zombies(const char *what) {
    int gate[2];
    if (pipe(gate) != 0) _exit(10);
    pid_t pids[3];
    start(pids, 3, gate[0]);
    int status;
    pid_t got = waitpid(pids[0], &status, WNOHANG);
    printf("%s: waitpid(first, WNOHANG) while running=%d\n", what, got);
    if (write(gate[1], "xxx", 3) != 3) _exit(11);
    errno = 0;
    got = wait(&status);
    const char *error = err();
    printf("%s: wait()=%d %s all_gone=%d\n", what, got, error, all_gone(pids, 3));
    got = waitpid(pids[1], &status, WNOHANG);
    error = err();
    printf("%s: waitpid(second, WNOHANG)=%d %s\n", what, got, error);
    close(gate[0]);
    close(gate[1]);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction action = {0};

    action.sa_handler = SIG_IGN;
    sigaction(SIGCHLD, &action, NULL);
    no_zombies("SIG_IGN");

    action.sa_handler = on_sigchld;
    action.sa_flags = SA_NOCLDWAIT | SA_RESTART;
    sigaction(SIGCHLD, &action, NULL);
    handled = 0;
    no_zombies("SA_NOCLDWAIT with a handler");
    printf("SA_NOCLDWAIT with a handler: handler_ran=%d\n", handled > 0);

    action.sa_handler = SIG_DFL;
    action.sa_flags = SA_NOCLDWAIT;
    sigaction(SIGCHLD, &action, NULL);
    no_zombies("SA_NOCLDWAIT with SIG_DFL");

    // Back to the default: a child stays a zombie until waited for.
    action.sa_handler = SIG_DFL;
    action.sa_flags = 0;
    sigaction(SIGCHLD, &action, NULL);
    pid_t child = fork();
    if (child == 0) _exit(6);
    siginfo_t info;
    waitid(P_PID, child, &info, WEXITED | WNOWAIT);
    pause_ms(20);
    printf("default: zombie_still_signalable=%d\n", kill(child, 0) == 0);
    int status;
    pid_t got = waitpid(child, &status, 0);
    printf("default: waitpid_returns_child=%d code=%d\n", got == child, WEXITSTATUS(status));

    // SIGCHLD ignored only after the child became a zombie: the zombie stays (Linux does not reap it then).
    child = fork();
    if (child == 0) _exit(8);
    waitid(P_PID, child, &info, WEXITED | WNOWAIT);
    action.sa_handler = SIG_IGN;
    sigaction(SIGCHLD, &action, NULL);
    got = waitpid(child, &status, 0);
    printf("ignored late: waitpid_returns_child=%d code=%d\n", got == child, WEXITSTATUS(status));
    action.sa_handler = SIG_DFL;
    sigaction(SIGCHLD, &action, NULL);

    // Orphans: with this process a subreaper, a grandchild whose parent exits is re-parented here.
    pid_t top = getpid();
    printf("PR_SET_CHILD_SUBREAPER=%s\n", prctl(PR_SET_CHILD_SUBREAPER, 1) == 0 ? "ok" : err());
    int is_subreaper = 0;
    prctl(PR_GET_CHILD_SUBREAPER, &is_subreaper);
    printf("PR_GET_CHILD_SUBREAPER=%d\n", is_subreaper);
    int report[2], hello[2];
    if (pipe(report) != 0 || pipe(hello) != 0) return 12;
    pid_t middle = fork();
    if (middle == 0) {
        pid_t self = getpid();
        pid_t grandchild = fork();
        if (grandchild == 0) {
            // Tell the middle process whether it is our parent; it exits once it knows.
            int was_middle = getppid() == self;
            if (write(hello[1], &was_middle, sizeof was_middle) != sizeof was_middle) _exit(98);
            for (int i = 0; i < 5000 && getppid() == self; i++) pause_ms(1);
            int facts[2] = {was_middle, getppid() == top};
            if (write(report[1], facts, sizeof facts) != sizeof facts) _exit(98);
            _exit(4);
        }
        int was_middle = 0;
        if (read(hello[0], &was_middle, sizeof was_middle) != sizeof was_middle) _exit(96);
        if (write(report[1], &grandchild, sizeof grandchild) != sizeof grandchild) _exit(97);
        _exit(3);
    }
    close(report[1]);
    pid_t grandchild = 0;
    if (read(report[0], &grandchild, sizeof grandchild) != sizeof grandchild) return 13;
    got = waitpid(middle, &status, 0);
    printf("orphan: waitpid(middle) returns_middle=%d code=%d\n", got == middle, WEXITSTATUS(status));
    int facts[2] = {0, 0};
    if (read(report[0], facts, sizeof facts) != sizeof facts) return 14;
    printf("orphan: ppid_was_middle=%d ppid_became_top=%d\n", facts[0], facts[1]);
    printf("orphan: getpgid_still_ours=%d\n", getpgid(grandchild) == getpgrp());
    got = wait(&status);
    printf("orphan: wait()_returns_grandchild=%d code=%d\n", got == grandchild, WEXITSTATUS(status));
    errno = 0;
    got = wait(&status);
    const char *error = err();
    printf("orphan: wait() afterwards=%d %s\n", got, error);
    return 0;
}
