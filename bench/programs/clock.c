// Row 8: clock_gettime(CLOCK_REALTIME) in a loop (default 20000000); the wall time is what counts
// (under virtual time the program's own clock is the virtual one).
#include "common.h"
#include <time.h>

int main(int argc, char **argv) {
    long n = count_arg(argc, argv, 20000000);
    struct timespec t;
    long long sum = 0;
    for (long i = 0; i < n; i++) {
        clock_gettime(CLOCK_REALTIME, &t);
        sum += t.tv_nsec & 1;
    }
    printf("%lld\n", sum >= 0 ? (long long)n : 0);
    return 0;
}
