// Checks masks and pending signals: per-thread masks pick the receiving thread, coalescing, realtime queues, order.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t calls, handled_by;
static volatile int values[16], signals[16];

static void note_thread(int signal) {
    (void)signal;
    calls++;
    handled_by = gettid();
}

static void note_value(int signal, siginfo_t *info, void *context) {
    (void)context;
    if (calls < 16) {
        signals[calls] = signal;
        values[calls] = info->si_value.sival_int;
    }
    calls++;
}

static void install(int signal, void (*handler)(int), int full_mask) {
    struct sigaction action = {0};
    action.sa_handler = handler;
    if (full_mask) sigfillset(&action.sa_mask);
    sigaction(signal, &action, NULL);
}

static void install_info(int signal) {
    struct sigaction action = {0};
    action.sa_sigaction = note_value;
    action.sa_flags = SA_SIGINFO;
    sigfillset(&action.sa_mask);  // one handler at a time: the order of the calls is the order of delivery
    sigaction(signal, &action, NULL);
}

static sigset_t only(int signal) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signal);
    return set;
}

static int pending(int signal) {
    sigset_t set;
    sigpending(&set);
    return sigismember(&set, signal);
}

static const char *name(int signal) {
    static char buffer[16];
    if (signal >= SIGRTMIN) {
        snprintf(buffer, sizeof buffer, "RTMIN+%d", signal - SIGRTMIN);
        return buffer;
    }
    return sigabbrev_np(signal);
}

static int ready[2];
static pthread_barrier_t barrier;
static volatile pid_t worker_tid;
static volatile int worker_inherited_block, worker_saw_pending;

// Unblocks SIGUSR1 only while it waits: the process-directed SIGUSR1 can go nowhere else.
static void *unblocking_worker(void *unused) {
    (void)unused;
    worker_tid = gettid();
    sigset_t now;
    pthread_sigmask(SIG_BLOCK, NULL, &now);
    worker_inherited_block = sigismember(&now, SIGUSR1);
    if (write(ready[1], "r", 1) != 1) _exit(90);
    sigset_t empty;
    sigemptyset(&empty);
    while (calls == 0) sigsuspend(&empty);
    return NULL;
}

// Blocks SIGUSR2 and sees the thread-directed SIGUSR2 sent to it pending, for it alone.
static void *blocking_worker(void *unused) {
    (void)unused;
    worker_tid = gettid();
    sigset_t usr2 = only(SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &usr2, NULL);
    pthread_barrier_wait(&barrier);  // main sends it SIGUSR2
    pthread_barrier_wait(&barrier);
    worker_saw_pending = pending(SIGUSR2);
    siginfo_t info;
    sigwaitinfo(&usr2, &info);
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (pipe(ready) != 0) return 10;
    sigset_t set, old;

    // sigprocmask basics.
    sigemptyset(&set);
    sigaddset(&set, SIGKILL);
    sigaddset(&set, SIGSTOP);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sigprocmask(SIG_BLOCK, NULL, &old);
    printf("sigprocmask: USR1 blocked=%d KILL blocked=%d STOP blocked=%d\n", sigismember(&old, SIGUSR1),
           sigismember(&old, SIGKILL), sigismember(&old, SIGSTOP));
    int r = sigprocmask(99, &set, NULL);
    printf("sigprocmask(99): %d %s\n", r, strerrorname_np(errno));

    // A process-directed signal goes to the thread that does not block it.
    install(SIGUSR1, note_thread, 0);
    pthread_t thread;
    pthread_create(&thread, NULL, unblocking_worker, NULL);
    char byte;
    if (read(ready[0], &byte, 1) != 1) return 11;
    kill(getpid(), SIGUSR1);
    pthread_join(thread, NULL);
    printf("process-directed USR1 with main blocking it: calls=%d handled_by_worker=%d worker_inherited_block=%d "
           "still_pending=%d\n",
           (int)calls, handled_by == worker_tid, worker_inherited_block, pending(SIGUSR1));

    // A thread-directed signal stays with its thread.
    pthread_barrier_init(&barrier, NULL, 2);
    pthread_create(&thread, NULL, blocking_worker, NULL);
    pthread_barrier_wait(&barrier);
    pthread_kill(thread, SIGUSR2);
    printf("pthread_kill(worker, USR2): pending in main=%d", pending(SIGUSR2));
    pthread_barrier_wait(&barrier);
    pthread_join(thread, NULL);
    printf(" pending in worker=%d\n", worker_saw_pending);

    // sigpending shows a blocked signal; unblocking delivers it.
    calls = 0;
    sigset_t usr2 = only(SIGUSR2);
    install(SIGUSR2, note_thread, 0);
    sigprocmask(SIG_BLOCK, &usr2, NULL);
    raise(SIGUSR2);
    printf("blocked USR2 raised: pending=%d calls=%d", pending(SIGUSR2), (int)calls);
    sigprocmask(SIG_UNBLOCK, &usr2, NULL);
    printf(" unblocked: pending=%d calls=%d\n", pending(SIGUSR2), (int)calls);

    // Standard signals coalesce: 3 sends while blocked, one delivery, with the first one's value.
    install_info(SIGUSR1);
    sigset_t usr1 = only(SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    calls = 0;
    for (int i = 1; i <= 3; i++) kill(getpid(), SIGUSR1);
    for (int i = 1; i <= 3; i++) sigqueue(getpid(), SIGUSR1, (union sigval){.sival_int = i});
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
    printf("USR1 sent 6 times while blocked: calls=%d\n", (int)calls);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    calls = 0;
    for (int i = 1; i <= 3; i++) sigqueue(getpid(), SIGUSR1, (union sigval){.sival_int = i});
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
    printf("USR1 queued 3 times while blocked: calls=%d value=%d\n", (int)calls, values[0]);

    // Realtime signals queue, each with its value, in order.
    int rt1 = SIGRTMIN + 1;
    install_info(rt1);
    install_info(SIGRTMIN);
    sigset_t rt = only(rt1);
    sigaddset(&rt, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &rt, NULL);
    calls = 0;
    for (int i = 1; i <= 3; i++) sigqueue(getpid(), rt1, (union sigval){.sival_int = i});
    printf("RTMIN+1 queued 3 times while blocked: pending=%d calls=%d\n", pending(rt1), (int)calls);
    sigprocmask(SIG_UNBLOCK, &rt, NULL);
    printf("  unblocked: calls=%d values=%d,%d,%d\n", (int)calls, values[0], values[1], values[2]);

    // Lower numbers first: RTMIN before RTMIN+1 whatever the sending order, and standard signals before both.
    sigprocmask(SIG_BLOCK, &rt, NULL);
    sigaddset(&rt, SIGUSR2);
    sigprocmask(SIG_BLOCK, &rt, NULL);
    install_info(SIGUSR2);
    calls = 0;
    sigqueue(getpid(), rt1, (union sigval){.sival_int = 10});
    sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 20});
    sigqueue(getpid(), rt1, (union sigval){.sival_int = 11});
    sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 21});
    sigqueue(getpid(), SIGUSR2, (union sigval){.sival_int = 30});
    sigprocmask(SIG_UNBLOCK, &rt, NULL);
    printf("order:");
    for (int i = 0; i < calls && i < 16; i++) printf(" %s=%d", name(signals[i]), values[i]);
    printf("\n");

    // sigwaitinfo takes the lowest pending signal first, too.
    sigprocmask(SIG_BLOCK, &rt, NULL);
    sigqueue(getpid(), rt1, (union sigval){.sival_int = 40});
    sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 50});
    printf("sigwaitinfo order:");
    for (int i = 0; i < 2; i++) {
        siginfo_t info;
        int got = sigwaitinfo(&rt, &info);
        printf(" %s=%d", name(got), info.si_value.sival_int);
    }
    printf("\n");
    return 0;
}
