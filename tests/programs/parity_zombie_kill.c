// Checks that a child that has exited but is not yet reaped (a zombie) can still be named until its parent waits:
// kill(child, 0), kill(child, SIGUSR1), sigqueue(child, 0) and pidfd_open(child) succeed, 200 times in a row, whether
// the parent learned of the exit from SIGCHLD (sigwaitinfo), from waitid(WNOWAIT), from the end of a pipe the child
// held (it is exiting or a zombie), or not at all (it runs, exits or is a zombie); once reaped, all are ESRCH.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 200

// Failures of each call over the rounds, and the errno of the last one.
struct tally {
    int kill0, kill_usr1, sigqueue0, pidfd_open, reaped_kill, reaped_pidfd_open;
    int last_errno;
};

static void count(int ok, int *failures, struct tally *tally) {
    if (!ok) {
        (*failures)++;
        tally->last_errno = errno;
    }
}

enum mode { BY_SIGNAL, BY_WNOWAIT, BY_PIPE, AT_ONCE };
static const char *const mode_names[] = {"after SIGCHLD", "after waitid(WNOWAIT)", "after the pipe's end", "at once"};

static void round_once(enum mode mode, struct tally *tally) {
    int gate[2];
    if (pipe(gate) != 0) _exit(2);
    pid_t child = fork();
    if (child < 0) {
        perror("fork");
        _exit(2);
    }
    if (child == 0) _exit(7);
    close(gate[1]);
    if (mode == BY_PIPE) {
        char byte;
        if (read(gate[0], &byte, 1) != 0) _exit(6);
    }
    close(gate[0]);
    if (mode == BY_SIGNAL) {
        sigset_t chld;
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        siginfo_t info;
        if (sigwaitinfo(&chld, &info) != SIGCHLD || info.si_pid != child) _exit(3);
    } else if (mode == BY_WNOWAIT) {
        siginfo_t info;
        if (waitid(P_PID, child, &info, WEXITED | WNOWAIT) != 0 || info.si_pid != child) _exit(4);
    }
    count(kill(child, 0) == 0, &tally->kill0, tally);
    count(kill(child, SIGUSR1) == 0, &tally->kill_usr1, tally);
    count(sigqueue(child, 0, (union sigval){.sival_int = 1}) == 0, &tally->sigqueue0, tally);
    int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
    count(pidfd >= 0, &tally->pidfd_open, tally);
    if (pidfd >= 0) close(pidfd);
    int status;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 7) _exit(5);
    if (kill(child, 0) == 0 || errno != ESRCH) tally->reaped_kill++;
    if (syscall(SYS_pidfd_open, child, 0) >= 0 || errno != ESRCH) tally->reaped_pidfd_open++;
}

int main(void) {
    // SIGCHLD blocked: it stays pending for sigwaitinfo (and, in the other rounds, is taken before the next round).
    // SIGUSR1 blocked too, and so in the children: one that still runs when it arrives ("at once") exits as it would.
    sigset_t chld, blocked;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    blocked = chld;
    sigaddset(&blocked, SIGUSR1);
    sigprocmask(SIG_BLOCK, &blocked, NULL);
    for (enum mode mode = BY_SIGNAL; mode <= AT_ONCE; mode++) {
        struct tally tally = {0};
        for (int i = 0; i < ROUNDS; i++) {
            round_once(mode, &tally);
            struct timespec none = {0, 0};
            while (sigtimedwait(&chld, NULL, &none) == SIGCHLD) {}
        }
        printf("%s: rounds=%d kill(child, 0) failures=%d kill(child, SIGUSR1) failures=%d "
               "sigqueue(child, 0) failures=%d pidfd_open(child) failures=%d%s%s\n",
               mode_names[mode], ROUNDS, tally.kill0, tally.kill_usr1,
               tally.sigqueue0, tally.pidfd_open, tally.last_errno ? " last_errno=" : "",
               tally.last_errno ? strerrorname_np(tally.last_errno) : "");
        printf("%s: once reaped, kill and pidfd_open not ESRCH=%d\n", mode_names[mode],
               tally.reaped_kill + tally.reaped_pidfd_open);
    }
    return 0;
}
