// Checks POSIX timers: SIGEV_SIGNAL with a value, periodic expiries, timer_gettime, SIGEV_THREAD (glibc's helper
// thread), absolute CLOCK_REALTIME arming, timer_delete, and EINVAL for a deleted timer.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t fired, value, code;
static void on_timer(int signal, siginfo_t *info, void *context) {
    (void)signal;
    (void)context;
    fired++;
    value = info->si_value.sival_int;
    code = info->si_code;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static int thread_calls;
static void on_thread(union sigval v) {
    pthread_mutex_lock(&lock);
    thread_calls += v.sival_int;
    pthread_cond_signal(&done);
    pthread_mutex_unlock(&lock);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction action = {0};
    action.sa_sigaction = on_timer;
    action.sa_flags = SA_SIGINFO;
    sigaction(SIGRTMIN + 1, &action, NULL);

    struct sigevent event = {0};
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = SIGRTMIN + 1;
    event.sigev_value.sival_int = 42;
    timer_t timer;
    printf("create: %d\n", timer_create(CLOCK_MONOTONIC, &event, &timer));
    struct itimerspec spec = {{0, 200000000}, {0, 500000000}}, now;
    printf("settime: %d\n", timer_settime(timer, 0, &spec, NULL));
    timer_gettime(timer, &now);
    printf("gettime: interval_ms=%ld value_set=%d\n", now.it_interval.tv_nsec / 1000000, now.it_value.tv_nsec > 0);
    while (fired < 3) pause();
    printf("fired=3 value=%d code_is_SI_TIMER=%d\n", (int)value, code == SI_TIMER);
    printf("delete: %d\n", timer_delete(timer));
    printf("settime after delete: %d %s\n", timer_settime(timer, 0, &spec, NULL), strerrorname_np(errno));

    event.sigev_notify = SIGEV_THREAD;
    event.sigev_notify_function = on_thread;
    event.sigev_value.sival_int = 7;
    timer_t threaded;
    timer_create(CLOCK_REALTIME, &event, &threaded);
    struct timespec at;
    clock_gettime(CLOCK_REALTIME, &at);
    at.tv_sec += 2;
    spec = (struct itimerspec){{0, 0}, at};
    timer_settime(threaded, TIMER_ABSTIME, &spec, NULL);
    pthread_mutex_lock(&lock);
    while (thread_calls == 0) pthread_cond_wait(&done, &lock);
    pthread_mutex_unlock(&lock);
    struct timespec after;
    clock_gettime(CLOCK_REALTIME, &after);
    printf("SIGEV_THREAD ran with value %d, at the absolute time=%d\n", thread_calls, after.tv_sec >= at.tv_sec);
    timer_delete(threaded);
    return 0;
}
