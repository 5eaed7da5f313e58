// Checks that wait4 and waitid report the resource usage of a child that burns ~50 ms of CPU, and RUSAGE_CHILDREN.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void burn(long ms) {
    struct timespec start, now;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &start);
    volatile unsigned long sink = 0;
    do {
        for (int i = 0; i < 100000; i++) sink += i;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    } while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < ms);
}

static long micros(struct timeval t) { return t.tv_sec * 1000000L + t.tv_usec; }

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct rusage before;
    getrusage(RUSAGE_CHILDREN, &before);
    printf("children_utime_before_zero=%d\n", micros(before.ru_utime) == 0);

    pid_t child = fork();
    if (child == 0) {
        burn(50);
        _exit(0);
    }
    struct rusage usage;
    memset(&usage, 0, sizeof usage);
    int status;
    pid_t got = wait4(child, &status, 0, &usage);
    printf("wait4: returns_child=%d ru_utime_nonzero=%d ru_utime_at_least_20ms=%d ru_utime_under_5s=%d ru_maxrss_nonzero=%d\n",
           got == child, micros(usage.ru_utime) > 0, micros(usage.ru_utime) >= 20000, micros(usage.ru_utime) < 5000000,
           usage.ru_maxrss > 0);
    struct rusage after;
    getrusage(RUSAGE_CHILDREN, &after);
    printf("children_utime_nonzero_after_reap=%d\n", micros(after.ru_utime) > 0);

    // waitid's fifth argument (raw syscall) carries the rusage too.
    child = fork();
    if (child == 0) {
        burn(50);
        _exit(0);
    }
    siginfo_t info;
    memset(&usage, 0, sizeof usage);
    long result = syscall(SYS_waitid, P_PID, child, &info, WEXITED, &usage);
    printf("waitid: result=%ld si_pid_is_child=%d ru_utime_nonzero=%d\n", result, info.si_pid == child,
           micros(usage.ru_utime) > 0);

    // A WNOHANG wait4 that finds nothing does not write the rusage.
    child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    struct rusage pattern;
    memset(&pattern, 0x55, sizeof pattern);
    usage = pattern;
    got = wait4(child, &status, WNOHANG, &usage);
    printf("wait4 WNOHANG while running: result=%d rusage_untouched=%d\n", got,
           memcmp(&usage, &pattern, sizeof usage) == 0);
    kill(child, SIGKILL);
    got = wait4(child, &status, 0, &usage);
    printf("killed: returns_child=%d WTERMSIG=%d\n", got == child, WTERMSIG(status));
    return 0;
}
