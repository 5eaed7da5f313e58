// Checks PR_SET_PDEATHSIG: when a child's parent exits, the child gets the signal (SI_USER from the dead parent).
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t top;

// Runs a middle process whose child sets `signal` as its parent-death signal; returns the child's pid, reported by
// the child through `report` once the middle process is gone.
static pid_t scenario(int signal, int report[2]) {
    int ready[2];
    if (pipe(ready) != 0 || pipe(report) != 0) _exit(10);
    pid_t middle = fork();
    if (middle == 0) {
        pid_t self = getpid();
        pid_t child = fork();
        if (child == 0) {
            close(report[0]);
            sigset_t wanted;
            sigemptyset(&wanted);
            sigaddset(&wanted, SIGUSR1);
            sigprocmask(SIG_BLOCK, &wanted, NULL);
            prctl(PR_SET_PDEATHSIG, signal);
            int current = 0;
            prctl(PR_GET_PDEATHSIG, &current);
            int facts[8] = {current == signal, getppid() == self};
            if (write(ready[1], "x", 1) != 1) _exit(98);
            // Wait for the signal (blocked, so it stays pending for sigtimedwait), at most 5 s.
            struct timespec limit = {5, 0};
            siginfo_t info;
            memset(&info, 0, sizeof info);
            int received = sigtimedwait(&wanted, &info, &limit);
            facts[2] = received;
            facts[3] = info.si_code;
            facts[4] = info.si_pid == self;
            facts[5] = getppid() == top;
            // A fork of ours does not inherit the parent-death signal.
            pid_t grandchild = fork();
            if (grandchild == 0) {
                int inherited = -1;
                prctl(PR_GET_PDEATHSIG, &inherited);
                _exit(inherited);
            }
            int status;
            waitpid(grandchild, &status, 0);
            facts[6] = WEXITSTATUS(status);
            if (write(report[1], facts, sizeof facts) != sizeof facts) _exit(97);
            _exit(0);
        }
        char byte;
        if (read(ready[0], &byte, 1) != 1) _exit(96);
        if (write(report[1], &child, sizeof child) != sizeof child) _exit(95);
        _exit(3);  // the child's parent dies here
    }
    close(report[1]);
    close(ready[0]);
    close(ready[1]);
    pid_t child = 0;
    if (read(report[0], &child, sizeof child) != sizeof child) _exit(11);
    int status;
    waitpid(middle, &status, 0);
    return child;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    // A subreaper, so that the orphaned child is re-parented here on any machine and can be waited for.
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    top = getpid();

    int report[2];
    pid_t child = scenario(SIGUSR1, report);
    int facts[8] = {0};
    if (read(report[0], facts, sizeof facts) != sizeof facts) return 12;
    printf("SIGUSR1: set=%d ppid_was_middle=%d received=%s si_code_is_SI_USER=%d si_pid_is_dead_parent=%d "
           "reparented_to_top=%d fork_inherits=%d\n",
           facts[0], facts[1], facts[2] > 0 ? sigabbrev_np(facts[2]) : "none", facts[3] == SI_USER, facts[4], facts[5],
           facts[6]);
    close(report[0]);
    int status;
    pid_t got = waitpid(child, &status, 0);
    printf("SIGUSR1: subreaper_reaps_child=%d code=%d\n", got == child, WEXITSTATUS(status));

    // SIGKILL as the parent-death signal: the subreaper sees the child killed.
    child = scenario(SIGKILL, report);
    got = waitpid(child, &status, 0);
    printf("SIGKILL: subreaper_reaps_child=%d signaled=%d WTERMSIG=%s\n", got == child, WIFSIGNALED(status),
           WIFSIGNALED(status) ? sigabbrev_np(WTERMSIG(status)) : "none");
    char byte;
    printf("SIGKILL: child reported nothing=%d\n", read(report[0], &byte, 1) == 0);
    close(report[0]);
    errno = 0;
    got = wait(&status);
    const char *error = strerrorname_np(errno);
    printf("wait() afterwards=%d %s\n", got, error);
    return 0;
}
