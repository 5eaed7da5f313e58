// Checks wait status words and waitid siginfo for children that exit, are killed, and dump core.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *code_name(int code) {
    switch (code) {
    case CLD_EXITED: return "CLD_EXITED";
    case CLD_KILLED: return "CLD_KILLED";
    case CLD_DUMPED: return "CLD_DUMPED";
    case CLD_STOPPED: return "CLD_STOPPED";
    case CLD_CONTINUED: return "CLD_CONTINUED";
    default: return "other";
    }
}

static char core_dir[] = "/tmp/umbra-core-XXXXXX";

// Child behaviours.
enum { EXIT, EXIT_256, RAISE_TERM, PAUSE, ABORT_WITH_CORE };

static pid_t start(int behaviour, int code) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    switch (behaviour) {
    case EXIT: _exit(code);
    case EXIT_256: _exit(256 + code);
    case RAISE_TERM: raise(SIGTERM); _exit(1);
    case PAUSE: for (;;) pause();
    case ABORT_WITH_CORE: {
        struct rlimit limit = {RLIM_INFINITY, RLIM_INFINITY};
        if (setrlimit(RLIMIT_CORE, &limit) != 0 || chdir(core_dir) != 0) _exit(2);
        prctl(PR_SET_DUMPABLE, 1);
        signal(SIGABRT, SIG_DFL);
        abort();
    }
    }
    _exit(3);
}

// Reports the siginfo (without reaping), then the status word (reaping).
static void report(const char *what, pid_t pid) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int result = waitid(P_PID, pid, &info, WEXITED | WNOWAIT);
    if (result != 0) {
        printf("%s: waitid %s\n", what, strerrorname_np(errno));
    } else {
        printf("%s: si_signo_is_sigchld=%d si_code=%s si_status=%d si_pid_is_child=%d si_uid_is_uid=%d si_errno=%d\n",
               what, info.si_signo == SIGCHLD, code_name(info.si_code), info.si_status, info.si_pid == pid,
               info.si_uid == getuid(), info.si_errno);
    }
    int status = -1;
    pid_t got = waitpid(pid, &status, 0);
    printf("%s: waitpid_returns_child=%d status=0x%x", what, got == pid, status);
    if (WIFEXITED(status)) printf(" WIFEXITED WEXITSTATUS=%d", WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        printf(" WIFSIGNALED WTERMSIG=%s WCOREDUMP=%d", sigabbrev_np(WTERMSIG(status)), WCOREDUMP(status) ? 1 : 0);
    printf("\n");
}

// Removes the core files the dumping child left, and their folder; returns how many there were.
static int clean_core_dir(void) {
    int count = 0;
    DIR *dir = opendir(core_dir);
    if (!dir) return -1;
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        if (entry->d_name[0] == '.') continue;
        char path[600];
        snprintf(path, sizeof path, "%s/%s", core_dir, entry->d_name);
        if (unlink(path) == 0) count++;
    }
    closedir(dir);
    rmdir(core_dir);
    return count;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    report("exit 0", start(EXIT, 0));
    report("exit 7", start(EXIT, 7));
    report("exit 255", start(EXIT, 255));
    report("exit 256+5", start(EXIT_256, 5));
    report("raise SIGTERM", start(RAISE_TERM, 0));
    pid_t pid = start(PAUSE, 0);
    kill(pid, SIGKILL);
    report("killed by SIGKILL", pid);
    pid = start(PAUSE, 0);
    kill(pid, SIGUSR1);
    report("killed by SIGUSR1", pid);
    if (!mkdtemp(core_dir)) return 10;
    report("abort with a core limit", start(ABORT_WITH_CORE, 0));
    printf("core files written=%d\n", clean_core_dir());
    return 0;
}
