// Shared helpers for the benchmark programs: a monotonic clock and the result line format.
// Each program prints one line "ns_per_op=<float> total_ns=<int> ops=<int>" on stdout.
#ifndef UMBRA_BENCH_COMMON_H
#define UMBRA_BENCH_COMMON_H
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// CLOCK_MONOTONIC goes through the vDSO (no syscall), so umbra and strace never see it.
static inline long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// Parses argv[1] as a positive count, or returns fallback.
static inline long count_arg(int argc, char **argv, long fallback) {
    if (argc < 2) return fallback;
    long n = strtol(argv[1], NULL, 10);
    if (n <= 0) {
        fprintf(stderr, "bad count: %s\n", argv[1]);
        exit(2);
    }
    return n;
}

// Forks `n` children one by one, each _exiting at once, and reaps each (rows 3, 14 and 15).
// Returns 0, or 1 after saying on stderr what went wrong.
static inline int fork_exit_wait(long n) {
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) _exit(0);
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "child %ld: bad wait\n", i);
            return 1;
        }
    }
    return 0;
}

static inline void report(long long total_ns, long ops) {
    printf("ns_per_op=%.3f total_ns=%lld ops=%ld\n", (double)total_ns / (double)ops, total_ns, ops);
}
#endif
