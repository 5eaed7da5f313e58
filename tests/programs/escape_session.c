// Escape attempts from a new session (argv[1]: a host process that leads its own group and session): setsid() and
// then group kills of the host's group and kill(-1, SIGKILL), by the first process and by a child in a session of its
// own. Each must reach no host process, with the errno Linux gives in a pid namespace of its own; the last child's
// kill(-1, SIGKILL) kills the rest of the sandbox (its parent), as it would in such a namespace. Never run natively on
// the host: only under umbra, or as `escape_session init ...` as pid 1 of a new pid namespace.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "escape.h"

static void attempt(const char *who, const char *what, long value) {
    char label[128];
    snprintf(label, sizeof label, "%s: %s", who, what);
    result(label, value);
}

/** The group kills a process in a new session tries; `who` labels its lines. */
static void group_kills(const char *who, pid_t victim) {
    attempt(who, "setsid() == getpid()", setsid() == getpid() ? 1 : -1);
    attempt(who, "getsid(0) == getpid()", getsid(0) == getpid() ? 1 : -1);
    attempt(who, "kill(-host, SIGKILL)", kill(-victim, SIGKILL));
    attempt(who, "kill(-host, SIGSTOP)", kill(-victim, SIGSTOP));
    attempt(who, "killpg(host, SIGKILL)", killpg(victim, SIGKILL));
    attempt(who, "kill(host, SIGKILL)", kill(victim, SIGKILL));
    attempt(who, "getpgid(host)", getpgid(victim));
    attempt(who, "getsid(host)", getsid(victim));
    attempt(who, "setpgid(0, host)", setpgid(0, victim));
}

static void waited(const char *who, pid_t child) {
    int status;
    if (waitpid(child, &status, 0) != child) printf("%s: waitpid: %s\n", who, strerrorname_np(errno));
    else if (WIFEXITED(status)) printf("%s: exited %d\n", who, WEXITSTATUS(status));
    else printf("%s: killed by %s\n", who, sigabbrev_np(WTERMSIG(status)));
}

static int attempts(int argc, char **argv) {
    if (argc != 2) return 2;
    pid_t victim = atoi(argv[1]);
    group_kills("first", victim);
    // Alone (but for init), so that kill(-1) has no target: ESRCH.
    attempt("first", "kill(-1, SIGKILL)", kill(-1, SIGKILL));
    pid_t child = fork();
    if (child == 0) {
        group_kills("child", victim);
        attempt("child", "kill(-1, 0)", kill(-1, 0)); // reaches its parent
        _exit(0);
    }
    waited("child", child);
    // A child in a session of its own kills everything it can: its parent, not the host.
    child = fork();
    if (child == 0) {
        attempt("killer", "setsid() == getpid()", setsid() == getpid() ? 1 : -1);
        attempt("killer", "kill(-1, SIGKILL)", kill(-1, SIGKILL));
        attempt("killer", "kill(host, SIGKILL)", kill(victim, SIGKILL));
        _exit(0);
    }
    waited("killer", child);
    return 0;
}
