// Checks vfork: the parent is suspended until the child _exits or execs, and sees memory the child wrote.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int shared;
static volatile int exec_errno;

static void pause_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void report(const char *what, pid_t child) {
    int status = 0;
    pid_t got = waitpid(child, &status, 0);
    printf("%s: waitpid_returns_child=%d exited=%d code=%d\n", what, got == child, WIFEXITED(status),
           WEXITSTATUS(status));
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t self = getpid();

    // 1. The child sleeps, then writes: the parent only runs after _exit, so it sees the write.
    shared = 0;
    pid_t child = vfork();
    if (child == 0) {
        pause_ms(50);
        shared = getppid() == self ? 42 : 41;
        _exit(7);
    }
    printf("self first_child=%d\n", child);
    printf("exit: parent_sees_child_write=%d child_saw_parent=%d\n", shared != 0, shared == 42);
    report("exit", child);

    // 2. vfork + execve("/bin/true"): the parent resumes at the exec, after the child's earlier write.
    shared = 0;
    child = vfork();
    if (child == 0) {
        pause_ms(50);
        shared = 1;
        char *argv[] = {"true", NULL};
        char *envp[] = {NULL};
        execve("/bin/true", argv, envp);
        _exit(127);
    }
    printf("exec: parent_sees_child_write=%d\n", shared == 1);
    report("exec", child);

    // 3. A failed execve in the child: the errno is visible in the shared memory.
    exec_errno = 0;
    child = vfork();
    if (child == 0) {
        char *argv[] = {"missing", NULL};
        char *envp[] = {NULL};
        execve("/nonexistent/missing", argv, envp);
        exec_errno = errno;
        _exit(127);
    }
    printf("failed exec: child_errno=%s\n", exec_errno ? strerrorname_np(exec_errno) : "none");
    report("failed exec", child);
    return 0;
}
