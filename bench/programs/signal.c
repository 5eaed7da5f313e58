// Row 7: kill(pid, SIGUSR1) to itself with a handler installed, in a loop (default 10000);
// reports its own ns per signal. The pid is read once, so the loop times kill + delivery only.
#include "common.h"
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t delivered;

static void on_usr1(int sig) {
    (void)sig;
    delivered++;
}

int main(int argc, char **argv) {
    long n = count_arg(argc, argv, 10000);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) != 0) {
        perror("sigaction");
        return 1;
    }
    pid_t pid = getpid();
    long long start = now_ns();
    for (long i = 0; i < n; i++) {
        if (kill(pid, SIGUSR1) != 0) {
            perror("kill");
            return 1;
        }
    }
    long long total = now_ns() - start;
    if (delivered != n) {
        fprintf(stderr, "delivered %ld of %ld signals\n", (long)delivered, n);
        return 1;
    }
    report(total, n);
    return 0;
}
