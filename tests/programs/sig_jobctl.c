// Checks job control: SIGSTOP/SIGTSTP stop a child's progress, SIGCONT resumes it, and the parent's waits and SIGCHLDs.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int progress[2];

static void sleep_ms(int ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

static void on_cont(int signal) {
    (void)signal;
    if (write(progress[1], "C", 1) != 1) _exit(91);
}

// The child: a tick into the pipe every 10 ms, and a 'C' whenever its SIGCONT handler runs.
static pid_t start(void) {
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGCONT, on_cont);
        setpgid(0, 0);  // not an orphaned group (its parent is in another group of the session), so SIGTSTP stops
        for (;;) {
            if (write(progress[1], ".", 1) != 1) _exit(90);
            sleep_ms(10);
        }
    }
    setpgid(pid, pid);
    return pid;
}

// Empties the pipe; returns what was there.
static int drain(char *last) {
    char buffer[4096];
    int total = 0;
    ssize_t got;
    while ((got = read(progress[0], buffer, sizeof buffer)) > 0) {
        total += got;
        *last = buffer[got - 1];
    }
    return total;
}

static const char *code_name(int code) {
    switch (code) {
    case CLD_EXITED: return "CLD_EXITED";
    case CLD_KILLED: return "CLD_KILLED";
    case CLD_STOPPED: return "CLD_STOPPED";
    case CLD_CONTINUED: return "CLD_CONTINUED";
    default: return "other";
    }
}

static sigset_t chld;

// The SIGCHLD the parent has pending (blocked), if any within `ms`.
static void show_sigchld(const char *what, pid_t child, int ms) {
    siginfo_t info;
    struct timespec timeout = {ms / 1000, (ms % 1000) * 1000000L};
    if (sigtimedwait(&chld, &info, &timeout) < 0) {
        printf("%s: SIGCHLD none (%s)\n", what, strerrorname_np(errno));
        return;
    }
    printf("%s: SIGCHLD si_code=%s si_status=%s si_pid_is_child=%d\n", what, code_name(info.si_code),
           sigabbrev_np(info.si_status), info.si_pid == child);
}

static void show_wait(const char *what, pid_t child, pid_t got, int status) {
    printf("%s: returns_child=%d", what, got == child);
    if (WIFSTOPPED(status)) printf(" WIFSTOPPED WSTOPSIG=%s", sigabbrev_np(WSTOPSIG(status)));
    if (WIFCONTINUED(status)) printf(" WIFCONTINUED");
    if (WIFSIGNALED(status)) printf(" WIFSIGNALED WTERMSIG=%s", sigabbrev_np(WTERMSIG(status)));
    printf("\n");
}

// Stops the child with `stop`, checks it makes no progress, continues it and checks it does again.
static void stop_and_continue(pid_t child, int stop, int nocldstop) {
    const char *name = sigabbrev_np(stop);
    int status;
    char last = 0;
    kill(child, stop);
    // The SIGCHLD first: a wait that comes before the kernel has made it takes the stop signal
    // out of its si_status (a window ptrace widens: the tracer is told of the stop first).
    show_sigchld(name, child, nocldstop ? 100 : 2000);
    pid_t got = waitpid(child, &status, WUNTRACED);
    show_wait(name, child, got, status);
    drain(&last);
    sleep_ms(100);
    int during = drain(&last);
    printf("%s: progress_while_stopped=%d\n", name, during);
    kill(child, SIGCONT);
    show_sigchld("CONT", child, nocldstop ? 100 : 2000);
    got = waitpid(child, &status, WCONTINUED);
    show_wait("CONT", child, got, status);
    sleep_ms(100);
    int after = drain(&last);
    printf("CONT: progress_again=%d\n", after > 0);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (pipe2(progress, O_NONBLOCK) != 0) return 10;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    struct sigaction action = {0};
    action.sa_handler = SIG_DFL;
    action.sa_flags = 0;
    sigaction(SIGCHLD, &action, NULL);

    pid_t child = start();
    char first;
    struct timespec pause = {0, 50 * 1000000L};
    nanosleep(&pause, NULL);
    printf("running: progress=%d\n", drain(&first) > 0);
    stop_and_continue(child, SIGSTOP, 0);
    stop_and_continue(child, SIGTSTP, 0);
    char last = 0;
    drain(&last);
    // The SIGCONT handler ran in the child ('C' among the ticks) at each continue; checked once more here.
    kill(child, SIGSTOP);
    int status;
    waitpid(child, &status, WUNTRACED);
    show_sigchld("STOP", child, 2000);
    drain(&last);
    kill(child, SIGCONT);
    waitpid(child, &status, WCONTINUED);
    show_sigchld("CONT", child, 2000);
    sleep_ms(50);
    char buffer[4096];
    ssize_t got = read(progress[0], buffer, sizeof buffer);
    printf("CONT: child's SIGCONT handler ran=%d\n", got > 0 && memchr(buffer, 'C', got) != NULL);

    // With SA_NOCLDSTOP, stops and continues send no SIGCHLD; waits still see them.
    action.sa_flags = SA_NOCLDSTOP;
    sigaction(SIGCHLD, &action, NULL);
    stop_and_continue(child, SIGSTOP, 1);

    // SIGKILL ends a stopped child.
    kill(child, SIGSTOP);
    waitpid(child, &status, WUNTRACED);
    kill(child, SIGKILL);
    pid_t reaped = waitpid(child, &status, 0);
    show_wait("KILL while stopped", child, reaped, status);
    show_sigchld("KILL while stopped", child, 2000);
    return 0;
}
