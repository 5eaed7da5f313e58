// times(): tms_cutime + tms_cstime are 0 while the only child runs and while it is an unreaped zombie, and more than
// 0 once a child that burned ~60 ms of CPU is reaped (as getrusage(RUSAGE_CHILDREN) says too); a child reaped by
// the kernel itself (SIGCHLD ignored) adds nothing. Facts only ("more than 0"), never the numbers.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void burn(long nanoseconds) {
    struct timespec start, now;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &start);
    volatile unsigned long spin = 0;
    do {
        for (int i = 0; i < 100000; i++) spin++;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    } while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < nanoseconds);
}

static clock_t children(void) {
    struct tms t;
    if (times(&t) == (clock_t)-1) return -1;
    return t.tms_cutime + t.tms_cstime;
}

static long rusage_children(void) {
    struct rusage usage;
    getrusage(RUSAGE_CHILDREN, &usage);
    return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000L + usage.ru_utime.tv_usec +
           usage.ru_stime.tv_usec;
}

int main(void) {
    struct tms t;
    clock_t now = times(&t);
    printf("times: returns_ticks=%d cutime+cstime=%ld\n", now != (clock_t)-1, (long)(t.tms_cutime + t.tms_cstime));
    int gate[2];
    if (pipe(gate) != 0) return 2;
    pid_t child = fork();
    if (child == 0) {
        char byte;
        close(gate[1]);
        burn(60000000L);
        if (read(gate[0], &byte, 1) < 0) _exit(3);
        _exit(0);
    }
    close(gate[0]);
    printf("child running: cutime+cstime=%ld\n", (long)children());
    close(gate[1]);
    siginfo_t info;
    waitid(P_PID, child, &info, WEXITED | WNOWAIT);
    printf("child a zombie: cutime+cstime=%ld rusage_children=%ld\n", (long)children(), rusage_children());
    int status;
    waitpid(child, &status, 0);
    clock_t reaped = children();
    long usage = rusage_children();
    printf("child reaped: exit=%d cutime+cstime>0=%d rusage_children>0=%d\n", WEXITSTATUS(status), reaped > 0,
           usage > 0);

    signal(SIGCHLD, SIG_IGN);
    child = fork();
    if (child == 0) {
        burn(60000000L);
        _exit(0);
    }
    int waited = waitpid(child, &status, 0);
    printf("SIGCHLD ignored: waitpid=%d cutime+cstime_unchanged=%d rusage_children_unchanged=%d\n", waited,
           children() == reaped, rusage_children() == usage);
    return 0;
}
