// Checks dispositions: sigaction round trips and errors, SA_RESETHAND, SA_NODEFER, SA_ONSTACK, fork copies, threads.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif
#define SA_UNSUPPORTED 0x00000400

// The kernel's struct sigaction (x86_64), for calls glibc would refuse or adjust.
struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

static long raw_sigaction(int signal, const struct kernel_sigaction *act, struct kernel_sigaction *old, size_t size) {
    return syscall(SYS_rt_sigaction, signal, act, old, size);
}

static void result(const char *what, long value) {
    if (value == -1) printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else printf("%s: %ld\n", what, value);
}

static const char *disposition(int signal) {
    struct sigaction old;
    if (sigaction(signal, NULL, &old) != 0) return strerrorname_np(errno);
    if (old.sa_handler == SIG_DFL) return "SIG_DFL";
    if (old.sa_handler == SIG_IGN) return "SIG_IGN";
    return "handler";
}

static void print_flags(unsigned long flags) {
    const struct {
        unsigned long bit;
        const char *name;
    } names[] = {{SA_SIGINFO, "SIGINFO"},     {SA_RESTART, "RESTART"}, {SA_NODEFER, "NODEFER"},
                 {SA_RESETHAND, "RESETHAND"}, {SA_ONSTACK, "ONSTACK"}, {SA_NOCLDSTOP, "NOCLDSTOP"},
                 {SA_NOCLDWAIT, "NOCLDWAIT"}};
    printf(" flags=");
    const char *separator = "";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(flags & names[i].bit)) continue;
        printf("%s%s", separator, names[i].name);
        separator = "|";
        flags &= ~names[i].bit;
    }
    flags &= ~(unsigned long)SA_RESTORER;
    if (flags) printf("%s0x%lx", separator, flags);
    if (!*separator) printf("0");
}

static volatile sig_atomic_t calls, depth, max_depth, in_handler_self_blocked, in_handler_mask_blocked, on_altstack;
static volatile sig_atomic_t altstack_flag;
static char *altstack;
static size_t altstack_size;

static void counting(int signal) {
    (void)signal;
    calls++;
}

static void info_counting(int signal, siginfo_t *info, void *context) {
    (void)signal, (void)info, (void)context;
    calls++;
}

// Raises its own signal again on the first call: nested at once with SA_NODEFER, after returning without.
static void reentering(int signal) {
    calls++;
    depth++;
    if (depth > max_depth) max_depth = depth;
    if (calls == 1) {
        sigset_t now;
        sigprocmask(SIG_BLOCK, NULL, &now);
        in_handler_self_blocked = sigismember(&now, signal);
        in_handler_mask_blocked = sigismember(&now, SIGTERM);
        raise(signal);
    }
    depth--;
}

static void where_am_i(int signal) {
    (void)signal;
    char local;
    on_altstack = &local >= altstack && &local < altstack + altstack_size;
    stack_t now;
    sigaltstack(NULL, &now);
    altstack_flag = now.ss_flags & SS_ONSTACK;
}

static void *thread_sets_disposition(void *unused) {
    (void)unused;
    struct sigaction action = {0};
    action.sa_handler = counting;
    action.sa_flags = SA_RESTART;
    sigaction(SIGHUP, &action, NULL);
    signal(SIGWINCH, SIG_IGN);
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction action, old;

    // Round trip through glibc.
    printf("SIGUSR1 initially: %s\n", disposition(SIGUSR1));
    memset(&action, 0, sizeof action);
    action.sa_sigaction = info_counting;
    action.sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER | SA_RESETHAND | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    sigaddset(&action.sa_mask, SIGUSR2);
    sigaddset(&action.sa_mask, SIGTERM);
    sigaddset(&action.sa_mask, SIGRTMIN + 3);
    sigaddset(&action.sa_mask, SIGKILL);
    sigaddset(&action.sa_mask, SIGSTOP);
    memset(&old, 0x55, sizeof old);
    result("sigaction(SIGUSR1, all flags)", sigaction(SIGUSR1, &action, &old));
    printf("  old: %s\n", old.sa_handler == SIG_DFL ? "SIG_DFL" : "other");
    memset(&old, 0, sizeof old);
    sigaction(SIGUSR1, NULL, &old);
    printf("  read back: same_handler=%d", old.sa_sigaction == info_counting);
    print_flags((unsigned int)old.sa_flags);
    printf(" mask USR2=%d TERM=%d RTMIN+3=%d INT=%d KILL=%d STOP=%d\n", sigismember(&old.sa_mask, SIGUSR2),
           sigismember(&old.sa_mask, SIGTERM), sigismember(&old.sa_mask, SIGRTMIN + 3),
           sigismember(&old.sa_mask, SIGINT), sigismember(&old.sa_mask, SIGKILL), sigismember(&old.sa_mask, SIGSTOP));
    action.sa_flags = SA_NOCLDSTOP | SA_NOCLDWAIT;
    action.sa_handler = SIG_IGN;
    sigemptyset(&action.sa_mask);
    sigaction(SIGCHLD, &action, NULL);
    sigaction(SIGCHLD, NULL, &old);
    printf("  SIGCHLD: ignored=%d", old.sa_handler == SIG_IGN);
    print_flags((unsigned int)old.sa_flags);
    printf("\n");
    signal(SIGCHLD, SIG_DFL);

    // The raw system call: the restorer comes back, unknown flag bits do not, and errors.
    struct kernel_sigaction raw = {0}, raw_old;
    raw.handler = (void *)counting;
    raw.flags = SA_RESTORER | SA_UNSUPPORTED | SA_RESTART;
    raw.restorer = (void *)0x1234;
    raw.mask = 1ull << (SIGUSR1 - 1);
    result("rt_sigaction(SIGUSR2, SA_UNSUPPORTED)", raw_sigaction(SIGUSR2, &raw, NULL, 8));
    memset(&raw_old, 0, sizeof raw_old);
    raw_sigaction(SIGUSR2, NULL, &raw_old, 8);
    printf("  read back: same_handler=%d restorer_kept=%d unsupported_bit_cleared=%d mask_kept=%d",
           raw_old.handler == (void *)counting, raw_old.restorer == (void *)0x1234,
           !(raw_old.flags & SA_UNSUPPORTED), raw_old.mask == raw.mask);
    print_flags(raw_old.flags);
    printf("\n");
    signal(SIGUSR2, SIG_DFL);
    raw.flags = SA_RESTART;
    result("rt_sigaction(SIGKILL, handler)", raw_sigaction(SIGKILL, &raw, NULL, 8));
    result("rt_sigaction(SIGSTOP, handler)", raw_sigaction(SIGSTOP, &raw, NULL, 8));
    raw.handler = SIG_IGN;
    result("rt_sigaction(SIGKILL, SIG_IGN)", raw_sigaction(SIGKILL, &raw, NULL, 8));
    raw.handler = SIG_DFL;
    result("rt_sigaction(SIGSTOP, SIG_DFL)", raw_sigaction(SIGSTOP, &raw, NULL, 8));
    memset(&raw_old, 0x55, sizeof raw_old);
    result("rt_sigaction(SIGKILL, read only)", raw_sigaction(SIGKILL, NULL, &raw_old, 8));
    printf("  SIGKILL: SIG_DFL=%d\n", raw_old.handler == SIG_DFL);
    result("rt_sigaction(0)", raw_sigaction(0, NULL, &raw_old, 8));
    result("rt_sigaction(65)", raw_sigaction(65, NULL, &raw_old, 8));
    result("rt_sigaction(-1)", raw_sigaction(-1, NULL, &raw_old, 8));
    result("rt_sigaction(SIGUSR1, sigsetsize 4)", raw_sigaction(SIGUSR1, NULL, &raw_old, 4));
    result("rt_sigaction(64, SIG_IGN)", raw_sigaction(64, &raw, NULL, 8));
    result("rt_sigaction(SIGUSR1, bad pointer)", raw_sigaction(SIGUSR1, (void *)8, NULL, 8));
    result("sigaction(SIGKILL) via glibc", sigaction(SIGKILL, &action, NULL));

    // SA_RESETHAND: one delivery, then SIG_DFL.
    memset(&action, 0, sizeof action);
    action.sa_handler = counting;
    action.sa_flags = SA_RESETHAND;
    sigaction(SIGUSR1, &action, NULL);
    calls = 0;
    raise(SIGUSR1);
    sigaction(SIGUSR1, NULL, &old);
    printf("SA_RESETHAND: calls=%d then=%s", (int)calls, disposition(SIGUSR1));
    print_flags((unsigned int)old.sa_flags);
    printf("\n");

    // SA_NODEFER: the handler's own signal is not blocked while it runs, so raising it again nests.
    for (int nodefer = 1; nodefer >= 0; nodefer--) {
        memset(&action, 0, sizeof action);
        action.sa_handler = reentering;
        action.sa_flags = nodefer ? SA_NODEFER : 0;
        sigaddset(&action.sa_mask, SIGTERM);
        sigaction(SIGUSR2, &action, NULL);
        calls = depth = max_depth = 0;
        raise(SIGUSR2);
        sigset_t now;
        sigprocmask(SIG_BLOCK, NULL, &now);
        printf("%s: calls=%d max_depth=%d in_handler: own_signal_blocked=%d sa_mask_blocked=%d after: blocked=%d\n",
               nodefer ? "SA_NODEFER" : "without SA_NODEFER", (int)calls, (int)max_depth,
               (int)in_handler_self_blocked, (int)in_handler_mask_blocked,
               sigismember(&now, SIGUSR2) || sigismember(&now, SIGTERM));
    }

    // SA_ONSTACK: the handler runs on the alternate stack only when asked to.
    altstack_size = 64 * 1024;
    altstack = malloc(altstack_size);
    stack_t stack = {.ss_sp = altstack, .ss_size = altstack_size, .ss_flags = 0};
    result("sigaltstack", sigaltstack(&stack, NULL));
    for (int onstack = 1; onstack >= 0; onstack--) {
        memset(&action, 0, sizeof action);
        action.sa_handler = where_am_i;
        action.sa_flags = onstack ? SA_ONSTACK : 0;
        sigaction(SIGURG, &action, NULL);
        on_altstack = altstack_flag = 0;
        raise(SIGURG);
        printf("%s: on_altstack=%d ss_flags_onstack=%d\n", onstack ? "SA_ONSTACK" : "without SA_ONSTACK",
               (int)on_altstack, altstack_flag != 0);
    }

    // fork copies dispositions; the copies are then independent.
    memset(&action, 0, sizeof action);
    action.sa_sigaction = info_counting;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaddset(&action.sa_mask, SIGINT);
    sigaction(SIGUSR1, &action, NULL);
    signal(SIGUSR2, SIG_IGN);
    signal(SIGTERM, counting);
    pid_t child = fork();
    if (child == 0) {
        sigaction(SIGUSR1, NULL, &old);
        printf("fork: child sees same_handler=%d", old.sa_sigaction == info_counting);
        print_flags((unsigned int)old.sa_flags);
        printf(" mask_INT=%d USR2=%s\n", sigismember(&old.sa_mask, SIGINT), disposition(SIGUSR2));
        calls = 0;
        raise(SIGUSR1);
        raise(SIGUSR2);
        printf("fork: child's handler ran=%d, ignored USR2 harmless=1\n", (int)calls);
        signal(SIGTERM, SIG_IGN);
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    printf("fork: child exited=%d; parent's SIGTERM still %s\n", WIFEXITED(status), disposition(SIGTERM));

    // Threads share one table: a thread's sigaction is the process's.
    pthread_t thread;
    pthread_create(&thread, NULL, thread_sets_disposition, NULL);
    pthread_join(thread, NULL);
    calls = 0;
    raise(SIGHUP);
    printf("threads: SIGHUP=%s (set by a thread) main's raise ran it=%d SIGWINCH=%s\n", disposition(SIGHUP),
           (int)calls, disposition(SIGWINCH));
    return 0;
}
