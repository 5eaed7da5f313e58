// Checks EINTR against SA_RESTART for read, nanosleep, waitpid and waitid interrupted by a child's signal (or a stop).
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t calls;

static void handler(int signal) {
    (void)signal;
    calls++;
}

static void set_usr1(int flags, void (*function)(int)) {
    struct sigaction action = {0};
    action.sa_handler = function;
    action.sa_flags = flags;
    sigaction(SIGUSR1, &action, NULL);
    calls = 0;
}

static void sleep_ms(int ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

// A child that, after `delay` ms, sends the parent `first` (and `second` 100 ms later, if any), then after another
// 100 ms writes "data" to `fd` (if >= 0) and exits with `code`.
static pid_t signaller(int delay, int first, int second, int fd, int code) {
    pid_t pid = fork();
    if (pid == 0) {
        sleep_ms(delay);
        kill(getppid(), first);
        if (second) {
            sleep_ms(100);
            kill(getppid(), second);
        }
        sleep_ms(100);
        if (fd >= 0 && write(fd, "data", 4) != 4) _exit(90);
        _exit(code);
    }
    return pid;
}

static void show(const char *what, long value) {
    if (value < 0) printf("%s: -1 %s handler_calls=%d\n", what, strerrorname_np(errno), (int)calls);
    else printf("%s: %ld handler_calls=%d\n", what, value, (int)calls);
}

static void read_case(const char *what, int flags, void (*function)(int), int second) {
    int fds[2];
    if (pipe(fds) != 0) _exit(10);
    set_usr1(flags, function);
    pid_t child = signaller(150, second ? SIGSTOP : SIGUSR1, second, fds[1], 0);
    char buffer[8];
    ssize_t got = read(fds[0], buffer, sizeof buffer);
    show(what, got);
    if (got < 0 && read(fds[0], buffer, sizeof buffer) != 4) _exit(11);  // the data still comes
    int status;
    waitpid(child, &status, 0);
    close(fds[0]);
    close(fds[1]);
}

static void sleep_case(const char *what, int flags, int second) {
    set_usr1(flags, handler);
    pid_t child = signaller(150, second ? SIGSTOP : SIGUSR1, second, -1, 0);
    struct timespec request = {1, 0}, remaining = {0, 0};
    double start = now_ms();
    int r = nanosleep(&request, second ? NULL : &remaining);
    int e = errno;
    double elapsed = now_ms() - start;
    errno = e;
    show(what, r);
    if (r != 0)
        printf("  remaining_positive=%d remaining_below_request=%d\n",
               remaining.tv_sec > 0 || remaining.tv_nsec > 0, remaining.tv_sec < 1);
    else printf("  slept_the_whole_time=%d\n", elapsed >= 990);
    int status;
    waitpid(child, &status, 0);
}

static void wait_case(const char *what, int flags, int use_waitid, int second) {
    set_usr1(flags, handler);
    pid_t child = signaller(150, second ? SIGSTOP : SIGUSR1, second, -1, 5);
    int status = 0;
    if (use_waitid) {
        siginfo_t info = {0};
        int r = waitid(P_PID, child, &info, WEXITED);
        show(what, r);
        if (r != 0) r = waitid(P_PID, child, &info, WEXITED);
        printf("  then: returns_child=%d si_status=%d\n", info.si_pid == child, info.si_status);
        return;
    }
    pid_t got = waitpid(child, &status, 0);
    if (got == child) printf("%s: the child handler_calls=%d\n", what, (int)calls);
    else show(what, got);
    if (got != child) got = waitpid(child, &status, 0);
    printf("  then: returns_child=%d code=%d\n", got == child, WEXITSTATUS(status));
}

// A waiter blocked in waitpid is killed by a signal whose action is to terminate; its own child lives on.
static void fatal_case(void) {
    int fds[2];
    if (pipe(fds) != 0) _exit(12);
    pid_t waiter = fork();
    if (waiter == 0) {
        pid_t sleeper = fork();
        if (sleeper == 0) {
            for (;;) pause();
        }
        if (write(fds[1], &sleeper, sizeof sleeper) != sizeof sleeper) _exit(13);
        int status;
        waitpid(sleeper, &status, 0);
        _exit(14);
    }
    pid_t sleeper;
    if (read(fds[0], &sleeper, sizeof sleeper) != sizeof sleeper) _exit(15);
    sleep_ms(150);
    kill(waiter, SIGTERM);
    int status;
    pid_t got = waitpid(waiter, &status, 0);
    printf("waitpid, SIGTERM with SIG_DFL: the waiter returns_child=%d killed_by=%s; its child alive=%d\n",
           got == waiter, WIFSIGNALED(status) ? sigabbrev_np(WTERMSIG(status)) : "none", kill(sleeper, 0) == 0);
    kill(sleeper, SIGKILL);
    close(fds[0]);
    close(fds[1]);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    read_case("read, handler without SA_RESTART", 0, handler, 0);
    read_case("read, handler with SA_RESTART (returns the data)", SA_RESTART, handler, 0);
    read_case("read, SIGUSR1 ignored (returns the data)", 0, SIG_IGN, 0);
    read_case("read across SIGSTOP and SIGCONT (returns the data)", 0, handler, SIGCONT);
    sleep_case("nanosleep(1 s), handler without SA_RESTART", 0, 0);
    sleep_case("nanosleep(1 s), handler with SA_RESTART (never restarted)", SA_RESTART, 0);
    sleep_case("nanosleep(1 s) across SIGSTOP and SIGCONT", 0, SIGCONT);
    wait_case("waitpid, handler without SA_RESTART", 0, 0, 0);
    wait_case("waitpid, handler with SA_RESTART (returns the child)", SA_RESTART, 0, 0);
    wait_case("waitpid across SIGSTOP and SIGCONT (returns the child)", 0, 0, SIGCONT);
    wait_case("waitid, handler without SA_RESTART", 0, 1, 0);
    wait_case("waitid, handler with SA_RESTART (returns the child)", SA_RESTART, 1, 0);
    fatal_case();
    return 0;
}
