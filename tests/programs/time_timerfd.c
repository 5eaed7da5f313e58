// Checks timerfd: a one-shot relative timer read blocks until it expires, a periodic timer through poll,
// timerfd_gettime, an absolute CLOCK_REALTIME timer, and disarming.
#define _GNU_SOURCE
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static double mono(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    struct itimerspec spec = {{0, 0}, {1, 500000000}}, now;
    double start = mono();
    printf("settime: %d\n", timerfd_settime(fd, 0, &spec, NULL));
    timerfd_gettime(fd, &now);
    printf("gettime: value_set=%d interval=0: %d\n", now.it_value.tv_sec == 1, now.it_interval.tv_sec == 0);
    uint64_t count = 0;
    ssize_t got = read(fd, &count, sizeof count);
    printf("read: %zd count=%llu after~%.1f\n", got, (unsigned long long)count, mono() - start);

    spec = (struct itimerspec){{0, 250000000}, {0, 250000000}};
    timerfd_settime(fd, 0, &spec, NULL);
    start = mono();
    int ticks = 0;
    while (ticks < 4) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, -1) == 1 && read(fd, &count, sizeof count) == sizeof count) ticks += (int)count;
    }
    printf("periodic: 4 ticks after~%.1f\n", mono() - start);
    spec = (struct itimerspec){{0, 0}, {0, 0}};
    timerfd_settime(fd, 0, &spec, NULL);
    timerfd_gettime(fd, &now);
    printf("disarmed: %d\n", now.it_value.tv_sec == 0 && now.it_value.tv_nsec == 0);

    int wall = timerfd_create(CLOCK_REALTIME, 0);
    struct timespec at;
    clock_gettime(CLOCK_REALTIME, &at);
    at.tv_sec += 2;
    spec = (struct itimerspec){{0, 0}, at};
    timerfd_settime(wall, TFD_TIMER_ABSTIME, &spec, NULL);
    read(wall, &count, sizeof count);
    struct timespec after;
    clock_gettime(CLOCK_REALTIME, &after);
    printf("absolute realtime: count=%llu reached=%d\n", (unsigned long long)count, after.tv_sec >= at.tv_sec);
    return 0;
}
