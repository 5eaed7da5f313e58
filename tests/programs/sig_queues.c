// SIGCHLD from a child while one the program sent is pending merges into it (the first siginfo stays); a
// thread-directed and a process-wide SIGCHLD pending together each keep their own siginfo, the thread's own first.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
static void count(int s) { (void)s; }
static void check(const char *what, sigset_t *set) {
    struct timespec zero = {0, 0};
    siginfo_t w; memset(&w, 0, sizeof w);
    long got = syscall(SYS_rt_sigtimedwait, set, &w, &zero, 8);
    printf("%s: rt_sigtimedwait = %ld %s si_code=%d si_pid=%s si_status=%d\n", what, got, got < 0 ? strerrorname_np(errno) : "",
           w.si_code, w.si_pid == getpid() ? "self" : w.si_pid ? "child" : "0", w.si_status);
}
int main(void) {
    signal(SIGCHLD, count);
    sigset_t set; sigemptyset(&set); sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    for (int round = 0; round < 2; round++) {
        kill(getpid(), SIGCHLD);
        pid_t child = fork();
        if (child == 0) _exit(5);
        int status;
        waitpid(child, &status, 0);
        check(round == 0 ? "kill(self, SIGCHLD), a child exits, waitpid" : "again", &set);
        check("  and after", &set);
    }
    pid_t child = fork();
    if (child == 0) _exit(5);
    int status;
    waitpid(child, &status, 0);
    syscall(SYS_tgkill, getpid(), getpid(), SIGCHLD);
    check("child exits, waitpid, tgkill(self, self, SIGCHLD): the thread's own first", &set);
    check("  then the process's", &set);
    return 0;
}
