// Checks job-control waits: WUNTRACED/WSTOPPED report a stopped child, WCONTINUED a continued one, each once.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *code_name(int code) {
    switch (code) {
    case CLD_EXITED: return "CLD_EXITED";
    case CLD_KILLED: return "CLD_KILLED";
    case CLD_STOPPED: return "CLD_STOPPED";
    case CLD_CONTINUED: return "CLD_CONTINUED";
    default: return "other";
    }
}

static pid_t child;

static void show(const char *what, pid_t got, int status) {
    if (got == -1) {
        printf("%s: %s\n", what, strerrorname_np(errno));
        return;
    }
    if (got == 0) {
        printf("%s: 0\n", what);
        return;
    }
    printf("%s: returns_child=%d status=0x%x", what, got == child, status);
    if (WIFSTOPPED(status)) printf(" WIFSTOPPED WSTOPSIG=%s", sigabbrev_np(WSTOPSIG(status)));
    if (WIFCONTINUED(status)) printf(" WIFCONTINUED");
    if (WIFSIGNALED(status)) printf(" WIFSIGNALED WTERMSIG=%s", sigabbrev_np(WTERMSIG(status)));
    if (WIFEXITED(status)) printf(" WIFEXITED WEXITSTATUS=%d", WEXITSTATUS(status));
    printf("\n");
}

static void show_info(const char *what, int result, siginfo_t *info) {
    if (result != 0) {
        printf("%s: %s\n", what, strerrorname_np(errno));
        return;
    }
    if (info->si_pid == 0) {
        printf("%s: si_pid=0\n", what);
        return;
    }
    printf("%s: si_pid_is_child=%d si_code=%s si_status=%s\n", what, info->si_pid == child, code_name(info->si_code),
           sigabbrev_np(info->si_status));
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int status = 0;
    pid_t got;
    siginfo_t info;

    child = fork();
    if (child == 0)
        for (;;) pause();

    got = waitpid(child, &status, WNOHANG | WUNTRACED | WCONTINUED);
    show("running, WNOHANG|WUNTRACED|WCONTINUED", got, status);

    kill(child, SIGSTOP);
    got = waitpid(child, &status, WUNTRACED);
    show("SIGSTOP, waitpid(WUNTRACED)", got, status);
    got = waitpid(child, &status, WNOHANG | WUNTRACED);
    show("again, WNOHANG|WUNTRACED (reported once)", got, status);

    kill(child, SIGCONT);
    got = waitpid(child, &status, WCONTINUED);
    show("SIGCONT, waitpid(WCONTINUED)", got, status);
    got = waitpid(child, &status, WNOHANG | WCONTINUED);
    show("again, WNOHANG|WCONTINUED (reported once)", got, status);

    // (SIGSTOP, not SIGTSTP: Linux discards SIGTSTP in an orphaned process group, which depends on the launcher.)
    kill(child, SIGSTOP);
    memset(&info, 0, sizeof info);
    show_info("SIGSTOP, waitid(WSTOPPED|WNOWAIT)", waitid(P_PID, child, &info, WSTOPPED | WNOWAIT), &info);
    show_info("waitid(WSTOPPED) consumes it", waitid(P_PID, child, &info, WSTOPPED), &info);
    memset(&info, 0x55, sizeof info);
    show_info("waitid(WSTOPPED|WNOHANG) after", waitid(P_PID, child, &info, WSTOPPED | WNOHANG), &info);
    got = waitpid(child, &status, WNOHANG);
    show("waitpid(WNOHANG) without WUNTRACED ignores the stop", got, status);

    kill(child, SIGCONT);
    memset(&info, 0, sizeof info);
    show_info("SIGCONT, waitid(WCONTINUED)", waitid(P_PID, child, &info, WCONTINUED), &info);

    kill(child, SIGSTOP);
    got = waitpid(child, &status, WUNTRACED);
    show("SIGSTOP again", got, status);
    kill(child, SIGTERM);  // pending while stopped
    kill(child, SIGCONT);
    got = waitpid(child, &status, 0);
    show("SIGTERM while stopped, then SIGCONT: waitpid(0)", got, status);
    got = waitpid(child, &status, WNOHANG | WUNTRACED | WCONTINUED);
    show("after the reap", got, status);
    return 0;
}
