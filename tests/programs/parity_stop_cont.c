// Job control seen by the parent: a child stopped with SIGSTOP, continued with SIGCONT, then killed with SIGTERM is
// reported by waitid(WSTOPPED|WCONTINUED|WEXITED) as stopped (SIGSTOP), continued (SIGCONT), then killed (SIGTERM),
// one step at a time, and the same by waitpid(WUNTRACED|WCONTINUED). 20 times with SIGCONT and SIGTERM sent back to
// back after the stop was reported, and 20 times with all three sent back to back, waitpid(WUNTRACED|WCONTINUED) never
// reports the child as still stopped after the SIGCONT: continued at most once, then killed by SIGTERM. The children
// wait in pause() or in short nanosleeps.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *code_name(int code) {
    switch (code) {
    case CLD_EXITED: return "exited";
    case CLD_KILLED: return "killed";
    case CLD_DUMPED: return "dumped";
    case CLD_STOPPED: return "stopped";
    case CLD_CONTINUED: return "continued";
    case CLD_TRAPPED: return "trapped";
    default: return "other";
    }
}

// A child that waits in pause(), or (`sleeps`) in 1 ms nanosleeps (a sleep umbra parks in virtual time).
static pid_t start(int sleeps) {
    pid_t child = fork();
    if (child == 0) {
        struct timespec nap = {0, 1000000};
        for (;;) sleeps ? nanosleep(&nap, NULL) : pause();
    }
    return child;
}

static void step_waitid(pid_t child, const char *sent) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (waitid(P_PID, child, &info, WSTOPPED | WCONTINUED | WEXITED) != 0) {
        printf("waitid after %s: %s\n", sent, strerrorname_np(errno));
        return;
    }
    printf("waitid after %s: %s %s from_child=%d\n", sent, code_name(info.si_code), sigabbrev_np(info.si_status),
           info.si_pid == child);
}

static void step_waitpid(pid_t child, const char *sent) {
    int status;
    if (waitpid(child, &status, WUNTRACED | WCONTINUED) != child) {
        printf("waitpid after %s: %s\n", sent, strerrorname_np(errno));
        return;
    }
    if (WIFSTOPPED(status)) printf("waitpid after %s: stopped %s\n", sent, sigabbrev_np(WSTOPSIG(status)));
    else if (WIFCONTINUED(status)) printf("waitpid after %s: continued\n", sent);
    else if (WIFSIGNALED(status)) printf("waitpid after %s: killed %s\n", sent, sigabbrev_np(WTERMSIG(status)));
    else printf("waitpid after %s: exited %d\n", sent, WEXITSTATUS(status));
}

// 20 rounds: SIGSTOP (and a wait for its report, if `wait_for_stop`), SIGCONT and SIGTERM back to back, then waits
// until the child is gone, counting what they report.
static void rounds(int wait_for_stop) {
    int stopped = 0, continued_twice = 0, killed_by_term = 0, other = 0;
    for (int round = 0; round < 20; round++) {
        pid_t child = start(round % 2);
        kill(child, SIGSTOP);
        int status;
        if (wait_for_stop && (waitpid(child, &status, WUNTRACED) != child || !WIFSTOPPED(status))) other++;
        kill(child, SIGCONT);
        kill(child, SIGTERM);
        int continued = 0, stopped_here = 0;
        for (;;) {
            if (waitpid(child, &status, WUNTRACED | WCONTINUED) != child) {
                other++;
                break;
            }
            if (WIFSTOPPED(status)) {
                stopped++;
                if (++stopped_here > 3) { // a wait that keeps saying "stopped": end the child, go on
                    kill(child, SIGKILL);
                    waitpid(child, &status, 0);
                    break;
                }
            } else if (WIFCONTINUED(status)) {
                if (++continued > 1) continued_twice++;
            } else {
                if (WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) killed_by_term++;
                else other++;
                break;
            }
        }
    }
    printf("%s back to back, 20 rounds: still_stopped=%d continued_twice=%d killed_by_SIGTERM=%d other=%d\n",
           wait_for_stop ? "stop reported, then SIGCONT and SIGTERM" : "SIGSTOP, SIGCONT and SIGTERM", stopped,
           continued_twice, killed_by_term, other);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    alarm(20);
    pid_t child = start(0);
    kill(child, SIGSTOP);
    step_waitid(child, "SIGSTOP");
    kill(child, SIGCONT);
    step_waitid(child, "SIGCONT");
    kill(child, SIGTERM);
    step_waitid(child, "SIGTERM");

    child = start(1);
    kill(child, SIGSTOP);
    step_waitpid(child, "SIGSTOP");
    kill(child, SIGCONT);
    step_waitpid(child, "SIGCONT");
    kill(child, SIGTERM);
    step_waitpid(child, "SIGTERM");

    rounds(1);
    rounds(0);
    return 0;
}
