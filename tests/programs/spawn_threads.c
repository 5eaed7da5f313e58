// Checks posix_spawn of a shell (exit code via waitpid) and 4 pthreads (distinct tids, one shared pid).
#define _GNU_SOURCE
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define THREADS 4

static pid_t main_pid;
static pid_t tids[THREADS];
static pid_t pids[THREADS];
static pid_t ppids[THREADS];

static void *thread_main(void *arg) {
    int index = (int)(long)arg;
    tids[index] = (pid_t)syscall(SYS_gettid);
    pids[index] = getpid();
    ppids[index] = getppid();
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    main_pid = getpid();
    pid_t parent = getppid();

    pid_t child = 0;
    char *argv[] = {"sh", "-c", "exit 4", NULL};
    int error = posix_spawn(&child, "/bin/sh", NULL, NULL, argv, environ);
    printf("posix_spawn=%s\n", error ? strerrorname_np(error) : "ok");
    printf("self spawned=%d\n", child);
    int status = 0;
    pid_t got = waitpid(child, &status, 0);
    printf("spawn: waitpid_returns_child=%d exited=%d code=%d\n", got == child, WIFEXITED(status),
           WEXITSTATUS(status));

    char *missing[] = {"missing", NULL};
    error = posix_spawn(&child, "/nonexistent/missing", NULL, NULL, missing, environ);
    printf("posix_spawn_missing=%s\n", error ? strerrorname_np(error) : "ok");

    // The spawned shell checks that its $PPID is this process.
    char self_text[16];
    snprintf(self_text, sizeof self_text, "%d", main_pid);
    char *spawnp_argv[] = {"sh", "-c", "test \"$PPID\" = \"$1\"", "sh", self_text, NULL};
    error = posix_spawnp(&child, "sh", NULL, NULL, spawnp_argv, environ);
    got = waitpid(child, &status, 0);
    printf("spawnp: ok=%d waitpid_returns_child=%d shell_ppid_is_self=%d\n", error == 0, got == child, WIFEXITED(status) && WEXITSTATUS(status) == 0);

    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) pthread_create(&threads[i], NULL, thread_main, (void *)(long)i);
    for (int i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
    for (int i = 0; i < THREADS; i++) {
        int distinct = 1;
        for (int j = 0; j < i; j++)
            if (tids[j] == tids[i]) distinct = 0;
        printf("thread %d: tid_differs_from_pid=%d same_pid=%d same_ppid=%d tid_distinct=%d\n", i,
               tids[i] != main_pid, pids[i] == main_pid, ppids[i] == parent, distinct);
    }
    return 0;
}
