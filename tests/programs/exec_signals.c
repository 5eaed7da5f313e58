// Checks what execve keeps: handled signals become SIG_DFL, ignored stay ignored (flags cleared), mask, pending.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void handler(int signal) { (void)signal; }

static void info_handler(int signal, siginfo_t *info, void *context) { (void)signal, (void)info, (void)context; }

static const char *disposition(int signal) {
    struct sigaction old;
    if (sigaction(signal, NULL, &old) != 0) return strerrorname_np(errno);
    if (old.sa_handler == SIG_DFL) return "SIG_DFL";
    if (old.sa_handler == SIG_IGN) return "SIG_IGN";
    return "handler";
}

static const char *code_name(int code) {
    switch (code) {
    case SI_USER: return "SI_USER";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_TKILL: return "SI_TKILL";
    default: return "other";
    }
}

static void after(pid_t pid, pid_t ppid) {
    printf("after exec: pid_unchanged=%d ppid_unchanged=%d\n", getpid() == pid, getppid() == ppid);
    printf("self pid=%d ppid=%d\n", (int)getpid(), (int)getppid());
    printf("after exec: USR1=%s TERM=%s (were handled) USR2=%s CHLD=%s (were ignored) HUP=%s\n", disposition(SIGUSR1),
           disposition(SIGTERM), disposition(SIGUSR2), disposition(SIGCHLD), disposition(SIGHUP));
    sigset_t mask, pending;
    sigprocmask(SIG_BLOCK, NULL, &mask);
    sigpending(&pending);
    printf("after exec: blocked HUP=%d RTMIN+2=%d USR1=%d; pending HUP=%d RTMIN+2=%d\n", sigismember(&mask, SIGHUP),
           sigismember(&mask, SIGRTMIN + 2), sigismember(&mask, SIGUSR1), sigismember(&pending, SIGHUP),
           sigismember(&pending, SIGRTMIN + 2));
    stack_t stack;
    sigaltstack(NULL, &stack);
    printf("after exec: sigaltstack disabled=%d\n", (stack.ss_flags & SS_DISABLE) != 0);

    // The pending signals kept their siginfo. (Raw rt_sigtimedwait: glibc reports SI_TKILL as SI_USER.)
    sigset_t both;
    sigemptyset(&both);
    sigaddset(&both, SIGHUP);
    sigaddset(&both, SIGRTMIN + 2);
    struct timespec zero = {0, 0};
    for (int i = 0; i < 2; i++) {
        siginfo_t info;
        int got = (int)syscall(SYS_rt_sigtimedwait, &both, &info, &zero, _NSIG / 8);
        if (got < 0) {
            printf("after exec: dequeue: -1 %s\n", strerrorname_np(errno));
            continue;
        }
        printf("after exec: dequeued %s si_code=%s si_pid_is_self=%d", got == SIGHUP ? "HUP" : "RTMIN+2",
               code_name(info.si_code), info.si_pid == getpid());
        if (info.si_code == SI_QUEUE) printf(" si_value=%d", info.si_value.sival_int);
        printf("\n");
    }

    // SIGCHLD is still ignored in effect: children are reaped at once.
    pid_t child = fork();
    if (child == 0) _exit(3);
    int status;
    pid_t got = waitpid(child, &status, 0);
    printf("after exec: ignored SIGCHLD reaps children: waitpid=%d %s\n", got, got < 0 ? strerrorname_np(errno) : "");

    // exec clears every sa_flags, of ignored signals too: SA_NOCLDWAIT no longer reaps children after a second exec.
    struct sigaction action = {0};
    sigaction(SIGUSR2, NULL, &action);
    printf("after exec: ignored USR2 kept SA_RESTART=%d\n", (action.sa_flags & SA_RESTART) != 0);
    action.sa_handler = SIG_DFL;
    action.sa_flags = SA_NOCLDWAIT;
    sigaction(SIGCHLD, &action, NULL);
    child = fork();
    if (child == 0) _exit(3);
    got = waitpid(child, &status, 0);
    printf("SA_NOCLDWAIT: waitpid=%d %s\n", got, got < 0 ? strerrorname_np(errno) : "");
    fflush(stdout);
    char *args[] = {"exec_signals", "again", NULL};
    execv("/proc/self/exe", args);
    printf("execv: %s\n", strerrorname_np(errno));
    _exit(1);
}

static void again(void) {
    struct sigaction action;
    sigaction(SIGCHLD, NULL, &action);
    printf("second exec: CHLD %s SA_NOCLDWAIT=%d\n", action.sa_handler == SIG_DFL ? "SIG_DFL" : "other",
           (action.sa_flags & SA_NOCLDWAIT) != 0);
    pid_t child = fork();
    if (child == 0) _exit(3);
    int status;
    pid_t got = waitpid(child, &status, 0);
    printf("second exec: waitpid returns_child=%d code=%d\n", got == child, WEXITSTATUS(status));
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 4 && strcmp(argv[1], "after") == 0) after(atoi(argv[2]), atoi(argv[3]));
    if (argc == 2 && strcmp(argv[1], "again") == 0) {
        again();
        return 0;
    }
    if (argc > 1) return 99;
    struct sigaction action = {0};
    action.sa_handler = handler;
    action.sa_flags = SA_RESTART | SA_ONSTACK;
    sigaction(SIGUSR1, &action, NULL);
    sigaction(SIGHUP, &action, NULL);
    action.sa_sigaction = info_handler;
    action.sa_flags = SA_SIGINFO;
    sigaction(SIGTERM, &action, NULL);
    action.sa_handler = SIG_IGN;
    action.sa_flags = SA_RESTART;
    sigaction(SIGUSR2, &action, NULL);
    signal(SIGCHLD, SIG_IGN);
    static char stack_memory[64 * 1024];
    stack_t stack = {.ss_sp = stack_memory, .ss_size = sizeof stack_memory, .ss_flags = 0};
    sigaltstack(&stack, NULL);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGRTMIN + 2);
    sigprocmask(SIG_BLOCK, &block, NULL);
    raise(SIGHUP);
    sigqueue(getpid(), SIGRTMIN + 2, (union sigval){.sival_int = 42});
    sigset_t pending;
    sigpending(&pending);
    printf("before exec: USR1=%s USR2=%s CHLD=%s; pending HUP=%d RTMIN+2=%d\n", disposition(SIGUSR1),
           disposition(SIGUSR2), disposition(SIGCHLD), sigismember(&pending, SIGHUP),
           sigismember(&pending, SIGRTMIN + 2));
    char pid[16], ppid[16];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    snprintf(ppid, sizeof ppid, "%d", (int)getppid());
    char *args[] = {argv[0], "after", pid, ppid, NULL};
    execv("/proc/self/exe", args);
    printf("execv: %s\n", strerrorname_np(errno));
    return 1;
}
