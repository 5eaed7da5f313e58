// Row 3: fork + child _exit(0) + waitpid, in a loop (default 500).
#include "common.h"

int main(int argc, char **argv) {
    long n = count_arg(argc, argv, 500);
    long long start = now_ns();
    if (fork_exit_wait(n) != 0) return 1;
    report(now_ns() - start, n);
    return 0;
}
