// CPU-time clocks by pid (clock_getcpuclockid, pthread_getcpuclockid): a child's and a thread's read, clock_nanosleep
// and timer_create take them; a pid the program cannot see (argv[1], a host process) is EINVAL, as in a pid namespace.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void *spin(void *unused) {
    (void)unused;
    for (;;) pause();
    return NULL;
}

static const char *outcome(int result) { return result == 0 ? "0" : strerrorname_np(errno); }

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    pid_t child = fork();
    if (child == 0) {
        for (volatile long i = 0; i < 50000000; i++) {}
        pause();
    }
    usleep(200000);
    clockid_t clock;
    struct timespec value, zero = {0, 0};
    printf("clock_getcpuclockid(child): %d\n", clock_getcpuclockid(child, &clock));
    int result = clock_gettime(clock, &value);
    printf("child's CPU time: %s, more than 1 ms: %d\n", outcome(result), value.tv_sec > 0 || value.tv_nsec > 1000000);
    printf("clock_nanosleep(child's clock, 0): %d\n", clock_nanosleep(clock, 0, &zero, NULL));
    timer_t timer;
    struct sigevent none = {.sigev_notify = SIGEV_NONE};
    result = timer_create(clock, &none, &timer);
    printf("timer_create(child's clock): %s\n", outcome(result));
    if (result == 0) timer_delete(timer);
    pthread_t thread;
    pthread_create(&thread, NULL, spin, NULL);
    printf("pthread_getcpuclockid(thread): %d\n", pthread_getcpuclockid(thread, &clock));
    printf("thread's CPU time: %s\n", outcome(clock_gettime(clock, &value)));
    clockid_t host = ((~(clockid_t)atoi(argv[1])) << 3) | 2;
    printf("a host process's CPU time: %s\n", outcome(clock_gettime(host, &value)));
    printf("its resolution: %s\n", outcome(clock_getres(host, &value)));
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    return 0;
}
