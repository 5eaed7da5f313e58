// Checks waiting for signals from a child: sigtimedwait, sigwaitinfo, sigsuspend, pause and signalfd, with sender ids.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t calls;
static pid_t child;

static void handler(int signal) {
    (void)signal;
    calls++;
}

static void on_alarm(int signal) { (void)signal; }

static void sleep_ms(int ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

static const char *code_name(int code) {
    switch (code) {
    case SI_USER: return "SI_USER";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_TKILL: return "SI_TKILL";
    default: return "other";
    }
}

static const char *sender(pid_t pid) {
    static char buffer[32];
    if (pid == child) return "child";
    if (pid == getpid()) return "self";
    snprintf(buffer, sizeof buffer, "%d", (int)pid);
    return buffer;
}

// A child that sends the parent `signal` after `delay` ms: with sigqueue and `value` if it is not 0.
static void send_later(int delay, int signal, int value) {
    child = fork();
    if (child == 0) {
        sleep_ms(delay);
        if (value) sigqueue(getppid(), signal, (union sigval){.sival_int = value});
        else kill(getppid(), signal);
        _exit(0);
    }
}

static void reap(void) {
    int status;
    waitpid(child, &status, 0);
}

static void show_info(const char *what, int got, const siginfo_t *info) {
    if (got < 0) {
        printf("%s: -1 %s\n", what, strerrorname_np(errno));
        return;
    }
    printf("%s: %s si_code=%s si_pid=%s si_uid_is_uid=%d", what, sigabbrev_np(got), code_name(info->si_code),
           sender(info->si_pid), info->si_uid == getuid());
    if (info->si_code == SI_QUEUE) printf(" si_value=%d", info->si_value.sival_int);
    printf("\n");
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    sigset_t both, empty, usr1;
    sigemptyset(&empty);
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    both = usr1;
    sigaddset(&both, SIGUSR2);
    sigprocmask(SIG_BLOCK, &both, NULL);
    siginfo_t info;
    struct timespec timeout = {5, 0}, short_timeout = {0, 50 * 1000000L};
    // Waits without a timeout of their own run under alarm(3): a lost signal ends them with EINTR, not a hang.
    struct sigaction alarm_action = {0};
    alarm_action.sa_handler = on_alarm;
    sigaction(SIGALRM, &alarm_action, NULL);

    send_later(100, SIGUSR1, 0);
    show_info("sigtimedwait for the child's kill", sigtimedwait(&both, &info, &timeout), &info);
    reap();
    send_later(100, SIGUSR2, 77);
    alarm(3);
    show_info("sigwaitinfo for the child's sigqueue", sigwaitinfo(&both, &info), &info);
    alarm(0);
    reap();
    // The sender has exited and been reaped by the time the signal is taken.
    send_later(0, SIGUSR1, 0);
    reap();
    show_info("sigtimedwait for a signal from a child reaped since", sigtimedwait(&both, &info, &timeout), &info);
    show_info("sigtimedwait(50 ms) with nothing sent", sigtimedwait(&both, &info, &short_timeout), &info);
    struct timespec zero = {0, 0};
    show_info("sigtimedwait(0) with nothing sent", sigtimedwait(&both, &info, &zero), &info);
    raise(SIGUSR2);
    show_info("sigtimedwait(0) with USR2 pending", sigtimedwait(&both, &info, &zero), &info);
    struct timespec bad = {0, 1000000000L};
    show_info("sigtimedwait with tv_nsec=1e9", sigtimedwait(&both, &info, &bad), &info);

    // sigsuspend: the handler runs, -1 EINTR, and the old mask is back.
    struct sigaction action = {0};
    action.sa_handler = handler;
    sigaction(SIGUSR1, &action, NULL);
    send_later(100, SIGUSR1, 0);
    alarm(3);
    int r = sigsuspend(&empty);
    int e = errno;
    alarm(0);
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("sigsuspend: %d %s handler_calls=%d mask_restored=%d\n", r, strerrorname_np(e), (int)calls,
           sigismember(&now, SIGUSR1));
    reap();

    // sigtimedwait for USR2 is interrupted by a handled USR1.
    calls = 0;
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
    send_later(100, SIGUSR1, 0);
    r = sigtimedwait(&usr2, &info, &timeout);
    e = errno;
    printf("sigtimedwait for USR2, a handled USR1 comes: %d %s handler_calls=%d\n", r, strerrorname_np(e), (int)calls);
    reap();
    sigprocmask(SIG_BLOCK, &usr1, NULL);

    // pause: the same without a mask. (The child's delay is what makes sure pause is reached first.)
    calls = 0;
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
    send_later(150, SIGUSR1, 0);
    alarm(3);
    r = pause();
    e = errno;
    alarm(0);
    printf("pause: %d %s handler_calls=%d\n", r, strerrorname_np(e), (int)calls);
    reap();
    sigprocmask(SIG_BLOCK, &usr1, NULL);

    // signalfd: the sender's pid in ssi_pid, the value in ssi_int.
    int fd = signalfd(-1, &both, SFD_CLOEXEC);
    struct pollfd poll_fd = {fd, POLLIN, 0};
    printf("signalfd: created=%d readable_before=%d\n", fd >= 0, poll(&poll_fd, 1, 0));
    for (int queued = 0; queued <= 1; queued++) {
        send_later(100, queued ? SIGUSR2 : SIGUSR1, queued ? 99 : 0);
        printf("signalfd: readable_within_5s=%d", poll(&poll_fd, 1, 5000));
        struct signalfd_siginfo record;
        ssize_t got = read(fd, &record, sizeof record);
        printf(" read=%zd ssi_signo=%s ssi_code=%s ssi_pid=%s ssi_uid_is_uid=%d", got, sigabbrev_np(record.ssi_signo),
               code_name(record.ssi_code), sender(record.ssi_pid), record.ssi_uid == getuid());
        if (record.ssi_code == SI_QUEUE) printf(" ssi_int=%d", record.ssi_int);
        printf("\n");
        reap();
    }
    // A signal already pending when the signalfd is read: the self-sent one.
    kill(getpid(), SIGUSR1);
    struct signalfd_siginfo record;
    ssize_t got = read(fd, &record, sizeof record);
    printf("signalfd: self-sent read=%zd ssi_signo=%s ssi_code=%s ssi_pid=%s\n", got, sigabbrev_np(record.ssi_signo),
           code_name(record.ssi_code), sender(record.ssi_pid));
    printf("signalfd: readable_after=%d\n", poll(&poll_fd, 1, 0));
    return 0;
}
