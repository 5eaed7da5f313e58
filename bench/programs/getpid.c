// Row 1: raw syscall(SYS_getpid) in a loop (default 100000); reports its own ns per call.
#include "common.h"
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = count_arg(argc, argv, 100000);
    long first = syscall(SYS_getpid);
    long long start = now_ns();
    for (long i = 0; i < n; i++) {
        if (syscall(SYS_getpid) != first) {
            fprintf(stderr, "getpid changed at call %ld\n", i);
            return 1;
        }
    }
    report(now_ns() - start, n);
    return 0;
}
