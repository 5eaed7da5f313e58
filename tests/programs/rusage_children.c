// Checks getrusage(RUSAGE_CHILDREN): zero before any child is reaped, then the reaped child's CPU time.
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long micros(struct timeval t) { return t.tv_sec * 1000000L + t.tv_usec; }

int main(void) {
    struct rusage usage;
    getrusage(RUSAGE_CHILDREN, &usage);
    printf("before: utime_zero=%d\n", micros(usage.ru_utime) == 0);
    pid_t child = fork();
    if (child == 0) {
        struct timespec start, now;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &start);
        volatile unsigned long spin = 0;
        do {
            for (int i = 0; i < 100000; i++) spin++;
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
        } while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < 60000000L);
        _exit(0);
    }
    getrusage(RUSAGE_CHILDREN, &usage);
    printf("child running: utime_zero=%d\n", micros(usage.ru_utime) == 0);
    int status;
    waitpid(child, &status, 0);
    getrusage(RUSAGE_CHILDREN, &usage);
    printf("after wait: cpu_at_least_40ms=%d maxrss_nonzero=%d\n", micros(usage.ru_utime) + micros(usage.ru_stime) >= 40000,
           usage.ru_maxrss > 0);
    getrusage(RUSAGE_SELF, &usage);
    printf("self: maxrss_nonzero=%d\n", usage.ru_maxrss > 0);
    printf("bad who: %d\n", getrusage(42, &usage));
    return 0;
}
