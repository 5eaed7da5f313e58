// Checks execve from a thread that is not the leader: the pid stays, and the new program's one thread has tid == pid.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

static char *self_path;
static const char *label;
static pthread_barrier_t barrier;

static int count_threads(void) {
    DIR *dir = opendir("/proc/self/task");
    if (!dir) return -1;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL)
        if (entry->d_name[0] != '.') count++;
    closedir(dir);
    return count;
}

static pid_t sleeper;

static void *idle(void *unused) {
    (void)unused;
    pthread_barrier_wait(&barrier);
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    struct timespec long_time = {60, 0};
    for (;;) sigtimedwait(&usr2, NULL, &long_time);
    return NULL;
}

static void *exec_from_thread(void *unused) {
    (void)unused;
    pthread_barrier_wait(&barrier);
    struct timespec moment = {0, 100 * 1000000L};  // so that the others are blocked in their calls by then
    nanosleep(&moment, NULL);
    char pid[16], ppid[16], tid[16], child[16];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    snprintf(ppid, sizeof ppid, "%d", (int)getppid());
    snprintf(tid, sizeof tid, "%d", (int)gettid());
    snprintf(child, sizeof child, "%d", (int)sleeper);
    printf("%s: exec from a thread: tid_differs_from_pid=%d\n", label, gettid() != getpid());
    char *args[] = {self_path, "after", (char *)label, pid, ppid, tid, child, NULL};
    execv("/proc/self/exe", args);
    printf("execv: %s\n", strerrorname_np(errno));
    _exit(1);
}

// Three threads: the leader waits for a child in waitpid, one waits in sigtimedwait, one execs.
static void exec_in_a_thread(void) {
    sleeper = fork();
    if (sleeper == 0) {
        for (;;) pause();
    }
    pthread_t threads[2];
    pthread_barrier_init(&barrier, NULL, 3);
    pthread_create(&threads[0], NULL, idle, NULL);
    pthread_create(&threads[1], NULL, exec_from_thread, NULL);
    pthread_barrier_wait(&barrier);
    int status;
    waitpid(sleeper, &status, 0);
    _exit(2);  // not reached: the exec replaces every thread
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    self_path = argv[0];
    if (argc > 1) {
        if (argc != 7 || strcmp(argv[1], "after") != 0) return 99;
        pid_t pid = atoi(argv[3]), ppid = atoi(argv[4]), old_tid = atoi(argv[5]), before = atoi(argv[6]);
        printf("%s: after exec: pid_unchanged=%d ppid_unchanged=%d tid_is_pid=%d tid_is_not_the_old_thread's=%d "
               "threads=%d\n",
               argv[2], getpid() == pid, getppid() == ppid, gettid() == getpid(), gettid() != old_tid,
               count_threads());
        printf("self %s pid=%d tid=%d ppid=%d\n", argv[2], (int)getpid(), (int)gettid(), (int)getppid());
        // The child forked before the exec is still ours.
        int status;
        kill(before, SIGTERM);
        pid_t got = waitpid(before, &status, 0);
        printf("%s: after exec: the child from before: returns_it=%d killed_by=%s\n", argv[2], got == before,
               WIFSIGNALED(status) ? sigabbrev_np(WTERMSIG(status)) : "none");
        // Still a working process: it can fork and wait.
        pid_t child = fork();
        if (child == 0) _exit(getppid() == pid ? 5 : 6);
        got = waitpid(child, &status, 0);
        printf("%s: after exec: fork and wait work: returns_child=%d code=%d\n", argv[2], got == child,
               WEXITSTATUS(status));
        return strcmp(argv[2], "child") == 0 ? 7 : 0;
    }

    // A child does it; its parent (us) waits for it by the same pid.
    label = "child";
    pid_t child = fork();
    if (child == 0) exec_in_a_thread();
    int status;
    pid_t got = waitpid(child, &status, 0);
    printf("parent: waitpid returns_child=%d exited=%d code=%d\n", got == child, WIFEXITED(status),
           WEXITSTATUS(status));
    got = waitpid(-1, &status, WNOHANG);
    printf("parent: nothing else to wait for: %d %s\n", got, got < 0 ? strerrorname_np(errno) : "");

    // Then this process itself.
    label = "top";
    exec_in_a_thread();
}
