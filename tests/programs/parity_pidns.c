// A program that makes its own pid namespace (as root: CAP_SYS_ADMIN in the host's user namespace). A child made with
// clone(CLONE_NEWPID|SIGCHLD) is pid 1 of the new namespace with parent 0; its own children are 2 and 3 there, see it
// as their parent, and are reaped by it; its parent sees it by its outer pid and reaps it. After unshare(CLONE_NEWPID)
// the next fork's child is pid 1 of the new namespace, and once that init has exited the namespace takes no more
// processes (fork: ENOMEM). An orphan in the new namespace is adopted by its init. An alarm ends anything that spins.
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *outcome(long result) { return result >= 0 ? "0" : strerrorname_np(errno); }

// pid 1 of a new namespace: forks two children (2 and 3), an orphan-maker whose child it then reaps, and exits 11.
static int namespace_init(const char *who) {
    printf("%s: getpid=%d getppid=%d\n", who, getpid(), getppid());
    for (int i = 0; i < 2; i++) {
        fflush(stdout);
        pid_t child = fork();
        if (child == 0) {
            printf("%s: child %d: getpid=%d getppid=%d\n", who, i, getpid(), getppid());
            fflush(stdout);
            _exit(20 + i);
        }
        int status;
        pid_t got = waitpid(child, &status, 0);
        printf("%s: fork=%d waitpid=%d code=%d\n", who, child, got, WEXITSTATUS(status));
    }
    // An orphan: its parent exits at once, init adopts and reaps it.
    int gate[2];
    if (pipe(gate) != 0) return 2;
    fflush(stdout);
    pid_t middle = fork();
    if (middle == 0) {
        pid_t orphan = fork();
        if (orphan == 0) {
            char byte;
            close(gate[1]);
            if (read(gate[0], &byte, 1) < 0) _exit(3);
            printf("%s: orphan: getpid=%d getppid=%d\n", who, getpid(), getppid());
            fflush(stdout);
            _exit(30);
        }
        _exit(0);
    }
    waitpid(middle, NULL, 0);
    close(gate[0]);
    close(gate[1]); // the orphan reads EOF after its parent is gone
    int status;
    pid_t got = wait(&status);
    printf("%s: wait for the orphan=%d code=%d\n", who, got, WEXITSTATUS(status));
    printf("%s: wait then: %s\n", who, outcome(wait(NULL)));
    fflush(stdout);
    return 11;
}

static void reap(const char *who, pid_t child, pid_t self) {
    int status;
    pid_t got = waitpid(child, &status, 0);
    printf("%s: outer view: child_pid_is_new=%d waitpid_is_child=%d exited=%d code=%d\n", who,
           child > self, got == child, WIFEXITED(status), WEXITSTATUS(status));
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    alarm(20);
    pid_t self = getpid();
    fflush(stdout);
    long child = syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, NULL, NULL, 0);
    if (child == 0) _exit(namespace_init("clone"));
    // Printed once the child is gone: its lines come first either way.
    if (child > 0) reap("clone", (pid_t)child, self);
    printf("clone(CLONE_NEWPID|SIGCHLD): %s\n", outcome(child));

    printf("unshare(CLONE_NEWPID): %s\n", outcome(unshare(CLONE_NEWPID)));
    printf("after unshare: getpid_unchanged=%d\n", getpid() == self);
    fflush(stdout);
    pid_t first = fork();
    if (first == 0) _exit(namespace_init("unshare"));
    if (first > 0) reap("unshare", first, self);
    printf("unshare: fork: %s\n", outcome(first));
    pid_t second = fork();
    if (second == 0) _exit(0);
    printf("unshare: fork after the namespace's init exited: %s\n", outcome(second));
    if (second > 0) waitpid(second, NULL, 0);
    printf("end: wait: %s\n", outcome(wait(NULL)));
    return 0;
}
