// The CPU-time clock of a child (clock_getcpuclockid while it runs) answers while the child runs and after it has
// exited, until it is reaped (a zombie's clock still shows the CPU it used), and is EINVAL once it is reaped.
// RLIMIT_CPU set before fork (soft 1 s, hard 2 s) is inherited: a busy child gets SIGXCPU after about 1 s of CPU
// and dies of it (default action; RLIMIT_CORE 0, so no core file). Takes about 1 s.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long nanoseconds(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

static const char *outcome(int result) { return result == 0 ? "0" : strerrorname_np(result > 0 ? result : errno); }

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int gate[2];
    if (pipe(gate) != 0) return 2;
    pid_t child = fork();
    if (child == 0) {
        char byte;
        close(gate[1]);
        struct timespec start, now;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &start);
        volatile unsigned long spin = 0;
        do {
            for (int i = 0; i < 100000; i++) spin++;
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
        } while (nanoseconds(now) - nanoseconds(start) < 20000000LL);
        if (read(gate[0], &byte, 1) < 0) _exit(3);
        _exit(0);
    }
    close(gate[0]);
    clockid_t clock;
    printf("clock_getcpuclockid(child): %s\n", outcome(clock_getcpuclockid(child, &clock)));
    struct timespec running;
    printf("running: clock_gettime: %s\n", outcome(clock_gettime(clock, &running)));
    close(gate[1]);
    siginfo_t info;
    waitid(P_PID, child, &info, WEXITED | WNOWAIT);
    struct timespec zombie;
    int got = clock_gettime(clock, &zombie);
    printf("zombie: clock_gettime: %s at_least_20ms=%d\n", outcome(got), got == 0 && nanoseconds(zombie) >= 20000000LL);
    struct timespec resolution;
    printf("zombie: clock_getres: %s\n", outcome(clock_getres(clock, &resolution)));
    waitpid(child, NULL, 0);
    struct timespec reaped;
    printf("reaped: clock_gettime: %s\n", outcome(clock_gettime(clock, &reaped)));

    struct rlimit cpu = {1, 2};
    printf("setrlimit(RLIMIT_CPU, 1 s, 2 s): %s\n", outcome(setrlimit(RLIMIT_CPU, &cpu)));
    fflush(stdout);
    child = fork();
    if (child == 0) {
        struct rlimit none = {0, 0};
        setrlimit(RLIMIT_CORE, &none);
        struct rlimit inherited;
        getrlimit(RLIMIT_CPU, &inherited);
        if (inherited.rlim_cur != 1 || inherited.rlim_max != 2) _exit(4);
        volatile unsigned long spin = 0;
        for (;;) spin++;
    }
    int status;
    waitpid(child, &status, 0);
    printf("busy child: signaled=%d signal=%s\n", WIFSIGNALED(status),
           WIFSIGNALED(status) ? sigabbrev_np(WTERMSIG(status)) : "none");
    return 0;
}
