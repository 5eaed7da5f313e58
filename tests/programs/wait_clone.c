// Checks __WCLONE and __WALL with clone() children whose exit signal is 0 or SIGUSR1 instead of SIGCHLD.
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t sigchld_count, sigusr1_count;

static void on_signal(int signal) {
    if (signal == SIGCHLD) sigchld_count++;
    if (signal == SIGUSR1) sigusr1_count++;
}

static int gate[2];

static int child_main(void *arg) {
    char byte;
    if (read(gate[0], &byte, 1) != 1) return 99;
    return (int)(long)arg;
}

static pid_t start(int exit_signal, int code) {
    size_t size = 256 * 1024;
    char *stack = malloc(size);
    pid_t pid = clone(child_main, stack + size, exit_signal, (void *)(long)code);
    return pid;  // the stack stays allocated: it is the child's copy that runs on it
}

static void release(void) {
    if (write(gate[1], "x", 1) != 1) _exit(90);
}

static void show(const char *what, pid_t got, pid_t child, int status) {
    if (got == -1)
        printf("%s: %s\n", what, strerrorname_np(errno));
    else if (got == 0)
        printf("%s: 0\n", what);
    else
        printf("%s: returns_child=%d exited=%d code=%d\n", what, got == child, WIFEXITED(status), WEXITSTATUS(status));
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction action = {0};
    action.sa_handler = on_signal;
    action.sa_flags = SA_RESTART;
    sigaction(SIGCHLD, &action, NULL);
    sigaction(SIGUSR1, &action, NULL);
    if (pipe(gate) != 0) return 10;
    int status = 0;
    pid_t got;

    // Exit signal 0: invisible to plain waits, seen with __WCLONE or __WALL; no SIGCHLD.
    pid_t quiet = start(0, 21);
    printf("clone(exit signal 0)=%s\n", quiet > 0 ? "ok" : strerrorname_np(errno));
    got = waitpid(quiet, &status, WNOHANG);
    show("waitpid(pid, WNOHANG)", got, quiet, status);
    got = waitpid(-1, &status, WNOHANG);
    show("waitpid(-1, WNOHANG)", got, quiet, status);
    got = waitpid(quiet, &status, WNOHANG | __WCLONE);
    show("waitpid(pid, WNOHANG|__WCLONE) while running", got, quiet, status);
    got = waitpid(-1, &status, WNOHANG | __WALL);
    show("waitpid(-1, WNOHANG|__WALL) while running", got, quiet, status);
    release();
    got = waitpid(quiet, &status, __WCLONE);
    show("waitpid(pid, __WCLONE)", got, quiet, status);
    printf("sigchld_count=%d sigusr1_count=%d\n", (int)sigchld_count, (int)sigusr1_count);

    // Exit signal SIGUSR1: the parent gets SIGUSR1, and __WALL reaps it.
    pid_t loud = start(SIGUSR1, 22);
    got = waitpid(-1, &status, WNOHANG);
    show("SIGUSR1 child: waitpid(-1, WNOHANG)", got, loud, status);
    siginfo_t info;
    memset(&info, 0x55, sizeof info);
    int result = waitid(P_PID, loud, &info, WEXITED | WNOHANG);
    printf("SIGUSR1 child: waitid(P_PID, WNOHANG)=%s\n", result == 0 ? "0" : strerrorname_np(errno));
    result = waitid(P_PID, loud, &info, WEXITED | WNOHANG | __WCLONE);
    printf("SIGUSR1 child: waitid(P_PID, WNOHANG|__WCLONE) while running=%s si_pid=%d\n",
           result == 0 ? "0" : strerrorname_np(errno), info.si_pid);
    release();
    result = waitid(P_ALL, 0, &info, WEXITED | __WALL);
    printf("SIGUSR1 child: waitid(P_ALL, __WALL) si_pid_is_child=%d si_signo=%s si_code_is_exited=%d si_status=%d\n",
           info.si_pid == loud, sigabbrev_np(info.si_signo), info.si_code == CLD_EXITED, info.si_status);
    printf("sigchld_count=%d sigusr1_count=%d\n", (int)sigchld_count, (int)sigusr1_count);

    // A normal fork child is not a clone child: __WCLONE does not see it, __WALL does.
    pid_t normal = fork();
    if (normal == 0) {
        char byte;
        _exit(read(gate[0], &byte, 1) == 1 ? 23 : 99);
    }
    got = waitpid(-1, &status, WNOHANG | __WCLONE);
    show("fork child: waitpid(-1, WNOHANG|__WCLONE)", got, normal, status);
    release();
    got = waitpid(-1, &status, __WALL);
    show("fork child: waitpid(-1, __WALL)", got, normal, status);
    printf("sigchld_count=%d sigusr1_count=%d\n", (int)sigchld_count, (int)sigusr1_count);
    got = waitpid(-1, &status, __WALL);
    show("waitpid(-1, __WALL) with no children", got, 0, status);
    return 0;
}
