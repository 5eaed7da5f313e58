// A SIGCHLD that leaves the pending set without umbra seeing its siginfo (rt_sigtimedwait with no siginfo buffer, or
// SIG_IGN discarding it): the next child's SIGCHLD must still come, with its own siginfo.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
static void count(int s) { (void)s; }
static void child_exits(void) {
    pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, NULL, 0);
}
static long take(sigset_t *set, int with_info) {
    struct timespec zero = {0, 0};
    siginfo_t info;
    long got = syscall(SYS_rt_sigtimedwait, set, with_info ? &info : NULL, &zero, 8);
    return got < 0 ? -errno : got;
}
int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    for (int variant = 0; variant < 2; variant++) {
        pid_t tester = fork();
        if (tester == 0) {
            signal(SIGCHLD, count);
            sigset_t set;
            sigemptyset(&set);
            sigaddset(&set, SIGCHLD);
            sigprocmask(SIG_BLOCK, &set, NULL);
            child_exits();
            if (variant == 0) {
                printf("a child exits; rt_sigtimedwait(SIGCHLD, info NULL) = %ld\n", take(&set, 0));
            } else {
                signal(SIGCHLD, SIG_IGN); // discards the pending SIGCHLD
                signal(SIGCHLD, count);
                printf("a child exits; SIG_IGN and back; rt_sigtimedwait = %ld\n", take(&set, 1));
            }
            child_exits();
            printf("  another child exits: rt_sigtimedwait(SIGCHLD, &info) = %ld (Linux: 17)\n", take(&set, 1));
            _exit(0);
        }
        waitpid(tester, NULL, 0);
    }
    return 0;
}
