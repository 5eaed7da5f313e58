// A process-wide signal arrives while the main thread waits for a child and a second thread could take it. Linux gives
// it to the waiting main thread (EINTR, the handler has no SA_RESTART); under umbra the main thread is stopped in its
// emulated wait, so the kernel may give it to the other thread, and the wait goes on. Either way the program must
// never see the kernel-internal ERESTARTSYS (errno 512).
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int caught;

static void count(int signal) {
    (void)signal;
    caught++;
}

static void *idle(void *unused) {
    (void)unused;
    for (;;) pause();
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = count; // no SA_RESTART
    sigaction(SIGUSR1, &action, NULL);
    pthread_t thread;
    if (pthread_create(&thread, NULL, idle, NULL) != 0) return 10;
    pid_t child = fork();
    if (child == 0) {
        usleep(100000);
        kill(getppid(), SIGUSR1);
        usleep(100000);
        _exit(3);
    }
    int status = 0;
    pid_t got = waitpid(child, &status, 0);
    int error = got < 0 ? errno : 0;
    printf("first waitpid: child or EINTR=%d\n", got == child || error == EINTR);
    if (got != child) {
        const char *name = strerrorname_np(error);
        if (error != EINTR) printf("first waitpid failed: errno %d %s\n", error, name ? name : "(not a user errno)");
        got = waitpid(child, &status, 0);
    }
    printf("child reaped=%d exit=%d\n", got == child, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    printf("handler ran once=%d\n", caught == 1);
    return 0;
}
