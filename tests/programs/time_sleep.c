// Checks sleeps and timers on any clock: nanosleep interrupted by alarm (EINTR, time left), clock_nanosleep
// relative and absolute, setitimer/getitimer, alarm's return value, and that a clock-reading busy loop ends.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;
static void on_alarm(int signal) { (void)signal; alarms++; }

static double now(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction action = {0};
    action.sa_handler = on_alarm;
    sigaction(SIGALRM, &action, NULL);

    // A busy loop on the clock terminates.
    double start = now(CLOCK_MONOTONIC);
    long reads = 0;
    while (now(CLOCK_MONOTONIC) - start < 0.002) reads++;
    printf("busy loop ended: %d\n", reads > 0);

    alarm(1);
    struct timespec request = {3, 0}, left = {0, 0};
    int result = nanosleep(&request, &left);
    printf("nanosleep: %d %s left~%.0f alarms=%d\n", result, result ? strerrorname_np(errno) : "-",
           left.tv_sec + left.tv_nsec / 1e9, (int)alarms);

    start = now(CLOCK_MONOTONIC);
    request = (struct timespec){0, 300000000};
    clock_nanosleep(CLOCK_MONOTONIC, 0, &request, NULL);
    printf("clock_nanosleep relative: ~%.1f s\n", now(CLOCK_MONOTONIC) - start);

    struct timespec target;
    clock_gettime(CLOCK_REALTIME, &target);
    target.tv_sec += 1;
    result = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &target, NULL);
    printf("clock_nanosleep absolute: %d reached=%d\n", result, now(CLOCK_REALTIME) >= target.tv_sec);

    struct itimerval timer = {{0, 200000}, {0, 500000}}, current;
    setitimer(ITIMER_REAL, &timer, NULL);
    getitimer(ITIMER_REAL, &current);
    printf("getitimer: interval=%ld value_set=%d\n", (long)current.it_interval.tv_usec, current.it_value.tv_usec > 0);
    alarms = 0;
    while (alarms < 3) pause();
    printf("setitimer: 3 alarms\n");
    timer = (struct itimerval){{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &timer, NULL);

    alarm(10);
    printf("alarm returns previous: %u\n", alarm(0));
    struct timespec bad = {0, 1000000000};
    printf("bad timespec: %d %s\n", nanosleep(&bad, NULL), strerrorname_np(errno));
    // Clocks that cannot sleep say so before they look at the time asked for.
    static const clockid_t no_sleep[] = {CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE};
    for (int i = 0; i < 3; i++) {
        int error = clock_nanosleep(no_sleep[i], 0, &bad, NULL);
        printf("clock_nanosleep(clock %d): %s\n", (int)no_sleep[i], strerrorname_np(error));
    }
    return 0;
}
