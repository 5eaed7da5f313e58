// Checks the siginfo a SA_SIGINFO handler sees (kill, raise, tgkill, sigqueue, a child, the kernel) and its ids.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t calls;
static siginfo_t last;
static volatile pid_t handler_pid, handler_ppid, handler_tid;

static void handler(int signal, siginfo_t *info, void *context) {
    (void)signal, (void)context;
    calls++;
    last = *info;
    handler_pid = getpid();
    handler_ppid = getppid();
    handler_tid = gettid();
}

static const char *code_name(int code) {
    switch (code) {
    case SI_USER: return "SI_USER";
    case SI_KERNEL: return "SI_KERNEL";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_TIMER: return "SI_TIMER";
    case SI_TKILL: return "SI_TKILL";
    default: return "other";
    }
}

static pid_t self, child;

// In the child: a second thread sends; the sender's pid is still the process's, not the thread's.
static void *send_from_thread(void *unused) {
    (void)unused;
    pid_t tid = gettid();
    if (write(3, &tid, sizeof tid) != sizeof tid) _exit(4);
    kill(getppid(), SIGUSR2);
    return NULL;
}

static void show(const char *what) {
    printf("%s: calls=%d signo=%s si_code=%s", what, (int)calls, sigabbrev_np(last.si_signo), code_name(last.si_code));
    if (last.si_pid == self) printf(" si_pid_is_self=1");
    else if (child && last.si_pid == child) printf(" si_pid_is_child=1");
    else printf(" si_pid=%d", (int)last.si_pid);
    printf(" si_uid_is_uid=%d", last.si_uid == getuid());
    if (last.si_code == SI_QUEUE) printf(" si_value=%d", last.si_value.sival_int);
    printf("\n");
    calls = 0;
    memset(&last, 0, sizeof last);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    self = getpid();
    pid_t parent = getppid();
    struct sigaction action = {0};
    action.sa_sigaction = handler;
    action.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &action, NULL);
    sigaction(SIGUSR2, &action, NULL);
    sigaction(SIGPIPE, &action, NULL);
    sigaction(SIGALRM, &action, NULL);

    kill(self, SIGUSR1);
    show("kill(self)");
    printf("handler ids: pid_same=%d ppid_same=%d tid_is_pid=%d\n", handler_pid == self, handler_ppid == parent,
           handler_tid == self);
    printf("self handler_pid=%d handler_ppid=%d handler_tid=%d\n", (int)handler_pid, (int)handler_ppid,
           (int)handler_tid);
    raise(SIGUSR1);
    show("raise");
    syscall(SYS_tgkill, self, gettid(), SIGUSR1);
    show("tgkill(self, self)");
    syscall(SYS_tkill, gettid(), SIGUSR1);
    show("tkill(self)");
    sigqueue(self, SIGUSR2, (union sigval){.sival_int = 31337});
    show("sigqueue(self, 31337)");

    // From a child: the sender's pid is the child's.
    int up[2], down[2];
    if (pipe(up) != 0 || pipe(down) != 0) return 10;
    sigset_t both, empty;
    sigemptyset(&empty);
    sigemptyset(&both);
    sigaddset(&both, SIGUSR1);
    sigaddset(&both, SIGUSR2);
    sigprocmask(SIG_BLOCK, &both, NULL);
    child = fork();
    if (child == 0) {
        char byte;
        pid_t mine = getpid();
        if (write(up[1], &mine, sizeof mine) != sizeof mine) _exit(1);
        kill(getppid(), SIGUSR1);
        if (read(down[0], &byte, 1) != 1) _exit(2);
        sigqueue(getppid(), SIGUSR2, (union sigval){.sival_int = 7});
        if (read(down[0], &byte, 1) != 1) _exit(3);
        syscall(SYS_tgkill, getppid(), getppid(), SIGUSR1);
        if (read(down[0], &byte, 1) != 1) _exit(5);
        pthread_t thread;
        dup2(up[1], 3);
        pthread_create(&thread, NULL, send_from_thread, NULL);
        pthread_join(thread, NULL);
        _exit(0);
    }
    pid_t reported;
    if (read(up[0], &reported, sizeof reported) != sizeof reported) return 11;
    printf("child: fork_result_is_getpid=%d\n", reported == child);
    alarm(2);  // a lost signal ends the wait as SIGALRM
    sigsuspend(&empty);
    alarm(0);
    show("kill(parent) from the child");
    if (write(down[1], "x", 1) != 1) return 12;
    alarm(2);  // a lost signal ends the wait as SIGALRM
    sigsuspend(&empty);
    alarm(0);
    show("sigqueue(parent, 7) from the child");
    if (write(down[1], "x", 1) != 1) return 13;
    alarm(2);  // a lost signal ends the wait as SIGALRM
    sigsuspend(&empty);
    alarm(0);
    show("tgkill(parent, parent) from the child");
    if (write(down[1], "x", 1) != 1) return 15;
    pid_t thread_tid;
    if (read(up[0], &thread_tid, sizeof thread_tid) != sizeof thread_tid) return 16;
    alarm(2);  // a lost signal ends the wait as SIGALRM
    sigsuspend(&empty);
    alarm(0);
    printf("kill(parent) from a thread of the child: thread_tid_differs=%d si_pid_is_not_the_thread=%d\n",
           thread_tid != child, last.si_pid != thread_tid);
    show("kill(parent) from a thread of the child");
    int status;
    waitpid(child, &status, 0);
    sigprocmask(SIG_UNBLOCK, &both, NULL);

    // Signals the kernel generates: SIGPIPE names the writer, a timer's SIGALRM nobody.
    int fds[2];
    if (pipe(fds) != 0) return 14;
    close(fds[0]);
    errno = 0;
    ssize_t written = write(fds[1], "x", 1);
    printf("write to a closed pipe: %zd %s\n", written, strerrorname_np(errno));
    show("SIGPIPE");
    struct itimerval timer = {.it_value = {0, 10000}};
    setitimer(ITIMER_REAL, &timer, NULL);
    while (calls == 0) pause();
    show("SIGALRM from setitimer");
    return 0;
}
