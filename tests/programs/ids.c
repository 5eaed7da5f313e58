// Prints identity facts as "name=value" lines that hold the same natively and under umbra,
// plus one "self" line of absolute ids for checks that only make sense in the sandbox.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t main_pid;

static void *thread_main(void *arg) {
    (void)arg;
    pid_t tid = (pid_t)syscall(SYS_gettid);
    printf("thread_tid_differs=%d\n", tid != main_pid);
    printf("thread_pid_same=%d\n", getpid() == main_pid);
    fflush(stdout);
    return NULL;
}

int main(void) {
    main_pid = getpid();
    printf("self pid=%d ppid=%d pgrp=%d sid=%d\n", getpid(), getppid(), getpgrp(), getsid(0));
    printf("raw_getpid_same=%d\n", (pid_t)syscall(SYS_getpid) == main_pid);
    printf("gettid_is_pid=%d\n", (pid_t)syscall(SYS_gettid) == main_pid);
    printf("getpgid0_is_pgrp=%d\n", getpgid(0) == getpgrp());
    printf("getpgid_self_is_pgrp=%d\n", getpgid(main_pid) == getpgrp());
    int dummy;
    printf("set_tid_address_is_tid=%d\n", (pid_t)syscall(SYS_set_tid_address, &dummy) == main_pid);
    printf("getpgid_bad=%d\n", getpgid(-5) == -1);
    fflush(stdout);

    int fds[2];
    if (pipe(fds) != 0) return 10;
    pid_t child = fork();
    if (child == 0) {
        pid_t ids[2] = {getpid(), getppid()};
        if (write(fds[1], ids, sizeof ids) != sizeof ids) _exit(11);
        _exit(5);
    }
    pid_t seen[2];
    if (read(fds[0], seen, sizeof seen) != sizeof seen) return 12;
    printf("fork_return_is_child_pid=%d\n", child == seen[0]);
    printf("child_ppid_is_parent=%d\n", seen[1] == main_pid);
    printf("child_getpgid_is_pgrp=%d\n", getpgid(child) == getpgrp());
    printf("child_getsid_is_sid=%d\n", getsid(child) == getsid(0));
    int status = 0;
    pid_t waited = waitpid(child, &status, 0);
    printf("waitpid_returns_child=%d exited=%d code=%d\n", waited == child, WIFEXITED(status), WEXITSTATUS(status));
    printf("waitpid_again_fails=%d\n", waitpid(child, &status, WNOHANG) == -1);
    fflush(stdout);

    pthread_t thread;
    if (pthread_create(&thread, NULL, thread_main, NULL) != 0) return 13;
    pthread_join(thread, NULL);
    printf("done\n");
    return 3;
}
