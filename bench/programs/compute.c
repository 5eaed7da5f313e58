// Row 2: a pure compute loop (default 1e9 iterations) without syscalls; the empty asm with the
// counter as an in/out operand keeps the compiler from folding or vectorising the loop.
#include "common.h"

int main(int argc, char **argv) {
    long n = count_arg(argc, argv, 1000000000L);
    long long start = now_ns();
    unsigned long acc = 0;
    for (long i = 0; i < n; i++) {
        acc += (unsigned long)i;
        __asm__ volatile("" : "+r"(acc));
    }
    report(now_ns() - start, n);
    return acc == 42 ? 3 : 0; // uses acc; never 42 for the default count
}
