// Checks SIGCHLD siginfo seen by a SA_SIGINFO handler (exit, kill, stop), and that 3 blocked SIGCHLDs coalesce into one.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t calls, last_signo, last_code, last_pid, last_status, last_uid;

static void on_sigchld(int signal, siginfo_t *info, void *context) {
    (void)context;
    calls++;
    last_signo = signal;
    last_code = info->si_code;
    last_pid = info->si_pid;
    last_status = info->si_status;
    last_uid = info->si_uid;
}

static const char *code_name(int code) {
    switch (code) {
    case CLD_EXITED: return "CLD_EXITED";
    case CLD_KILLED: return "CLD_KILLED";
    case CLD_DUMPED: return "CLD_DUMPED";
    case CLD_STOPPED: return "CLD_STOPPED";
    case CLD_CONTINUED: return "CLD_CONTINUED";
    default: return "other";
    }
}

static sigset_t chld_only, empty;

// Waits (without reaping) until `pid` has changed state, then lets the pending SIGCHLD run its handler once.
static void deliver(pid_t pid, int which) {
    siginfo_t info;
    if (waitid(P_PID, pid, &info, which | WNOWAIT) != 0) _exit(20);
    sigsuspend(&empty);
    sigprocmask(SIG_BLOCK, &chld_only, NULL);
}

static void show(const char *what, pid_t child) {
    printf("%s: calls=%d si_signo_is_sigchld=%d si_code=%s si_pid_is_child=%d si_status=%d si_uid_is_uid=%d\n", what,
           (int)calls, last_signo == SIGCHLD, code_name(last_code), last_pid == child, (int)last_status,
           (uid_t)last_uid == getuid());
    calls = 0;
}

static pid_t start_paused(void) {
    pid_t pid = fork();
    if (pid == 0) {
        sigprocmask(SIG_SETMASK, &empty, NULL);
        for (;;) pause();
    }
    return pid;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    sigemptyset(&empty);
    sigemptyset(&chld_only);
    sigaddset(&chld_only, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld_only, NULL);
    struct sigaction action = {0};
    action.sa_sigaction = on_sigchld;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGCHLD, &action, NULL);
    int status;

    pid_t child = fork();
    if (child == 0) _exit(3);
    deliver(child, WEXITED);
    show("exit 3", child);
    waitpid(child, &status, 0);

    child = start_paused();
    kill(child, SIGTERM);
    deliver(child, WEXITED);
    show("SIGTERM", child);
    waitpid(child, &status, 0);

    // Stop and continue notify the parent too (SA_NOCLDSTOP is not set).
    child = start_paused();
    kill(child, SIGSTOP);
    deliver(child, WSTOPPED);
    show("SIGSTOP", child);
    kill(child, SIGCONT);
    deliver(child, WCONTINUED);
    show("SIGCONT", child);
    kill(child, SIGKILL);
    deliver(child, WEXITED);
    show("SIGKILL", child);
    waitpid(child, &status, 0);

    // With SA_NOCLDSTOP, a stop sends nothing; the exit still does.
    action.sa_flags |= SA_NOCLDSTOP;
    sigaction(SIGCHLD, &action, NULL);
    child = start_paused();
    kill(child, SIGSTOP);
    siginfo_t info;
    waitid(P_PID, child, &info, WSTOPPED | WNOWAIT);
    sigset_t pending;
    sigpending(&pending);
    printf("SA_NOCLDSTOP: pending_after_stop=%d\n", sigismember(&pending, SIGCHLD));
    kill(child, SIGKILL);
    deliver(child, WEXITED);
    show("SA_NOCLDSTOP, SIGKILL", child);
    waitpid(child, &status, 0);
    action.sa_flags &= ~SA_NOCLDSTOP;
    sigaction(SIGCHLD, &action, NULL);

    // Coalescing: three exits while SIGCHLD is blocked leave one pending signal, from the first child.
    int gates[3][2];
    pid_t kids[3];
    for (int i = 0; i < 3; i++) {
        if (pipe(gates[i]) != 0) return 10;
        kids[i] = fork();
        if (kids[i] == 0) {
            char byte;
            _exit(read(gates[i][0], &byte, 1) == 1 ? 10 + i : 99);
        }
    }
    for (int i = 0; i < 3; i++) {
        if (write(gates[i][1], "x", 1) != 1) return 11;
        waitid(P_PID, kids[i], &info, WEXITED | WNOWAIT);
    }
    sigpending(&pending);
    printf("coalesced: pending=%d\n", sigismember(&pending, SIGCHLD));
    sigprocmask(SIG_UNBLOCK, &chld_only, NULL);
    sigprocmask(SIG_BLOCK, &chld_only, NULL);
    show("coalesced", kids[0]);
    int reaped = 0;
    while (waitpid(-1, &status, 0) > 0) reaped++;
    printf("coalesced: reaped=%d then=%s\n", reaped, strerrorname_np(errno));
    return 0;
}
