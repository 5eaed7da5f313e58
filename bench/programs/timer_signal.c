// Row 12: the signal timer resolution a program measures: a one-shot POSIX timer of 1 µs,
// then sigsuspend until its SIGALRM is handled, in a loop (default 2000); reports its own ns
// per round. Natively this is the timer's wake-up latency; traced, every signal is a stop.
#include "common.h"
#include <signal.h>
#include <string.h>

static volatile sig_atomic_t delivered;

static void on_alarm(int sig) {
    (void)sig;
    delivered++;
}

int main(int argc, char **argv) {
    long n = count_arg(argc, argv, 2000);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigset_t alarm_only, unblocked;
    sigemptyset(&alarm_only);
    sigaddset(&alarm_only, SIGALRM);
    if (sigaction(SIGALRM, &sa, NULL) != 0 || sigprocmask(SIG_BLOCK, &alarm_only, &unblocked) != 0) {
        perror("sigaction");
        return 1;
    }
    timer_t timer;
    struct sigevent event;
    memset(&event, 0, sizeof event);
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = SIGALRM;
    if (timer_create(CLOCK_MONOTONIC, &event, &timer) != 0) {
        perror("timer_create");
        return 1;
    }
    struct itimerspec soon = {{0, 0}, {0, 1000}};
    long long start = now_ns();
    for (long i = 0; i < n; i++) {
        if (timer_settime(timer, 0, &soon, NULL) != 0) {
            perror("timer_settime");
            return 1;
        }
        sigsuspend(&unblocked);
    }
    long long total = now_ns() - start;
    if (delivered != n) {
        fprintf(stderr, "delivered %ld of %ld signals\n", (long)delivered, n);
        return 1;
    }
    report(total, n);
    return 0;
}
