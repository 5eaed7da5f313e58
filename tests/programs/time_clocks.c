// Prints every clock id's reading as a relation to the virtual epoch: realtime-like clocks near 2000-01-01,
// monotonic-like ones near 0, CPU-time clocks small (they stay the kernel's), plus gettimeofday and time.
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

static void show(const char *name, clockid_t id) {
    struct timespec t;
    if (clock_gettime(id, &t) != 0) {
        printf("%s: error\n", name);
        return;
    }
    double s = t.tv_sec + t.tv_nsec / 1e9;
    const char *where = s >= 946684800 && s < 946684800 + 60 ? "epoch" : s < 60 ? "near zero" : "host";
    printf("%s: %s\n", name, where);
}

int main(void) {
    show("CLOCK_REALTIME", CLOCK_REALTIME);
    show("CLOCK_REALTIME_COARSE", CLOCK_REALTIME_COARSE);
    show("CLOCK_TAI", CLOCK_TAI);
    show("CLOCK_MONOTONIC", CLOCK_MONOTONIC);
    show("CLOCK_MONOTONIC_RAW", CLOCK_MONOTONIC_RAW);
    show("CLOCK_MONOTONIC_COARSE", CLOCK_MONOTONIC_COARSE);
    show("CLOCK_BOOTTIME", CLOCK_BOOTTIME);
    show("CLOCK_PROCESS_CPUTIME_ID", CLOCK_PROCESS_CPUTIME_ID);
    show("CLOCK_THREAD_CPUTIME_ID", CLOCK_THREAD_CPUTIME_ID);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    printf("gettimeofday: %s\n", tv.tv_sec >= 946684800 && tv.tv_sec < 946684860 ? "epoch" : "host");
    time_t now = time(NULL);
    printf("time: %s\n", now >= 946684800 && now < 946684860 ? "epoch" : "host");
    return 0;
}
