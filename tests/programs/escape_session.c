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

__attribute__((unused)) static void result(const char *what, long value) {
    if (value < 0) printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else printf("%s: %ld\n", what, value);
}

/**
 * True under umbra (traced, with a virtual pid): with `init` (pid 1 of a pid namespace of its own), the only places
 * where these attempts may run (natively on the host, as root, a group or broadcast kill would reach the machine's
 * processes).
 */
static int under_umbra(void) {
    FILE *status = fopen("/proc/self/status", "r");
    if (!status) return 0;
    char line[256];
    long native = -1, tracer = 0;
    while (fgets(line, sizeof line, status))
        if (sscanf(line, "Pid: %ld", &native) != 1) sscanf(line, "TracerPid: %ld", &tracer);
    fclose(status);
    return tracer != 0 && native != getpid();
}

static int attempts(int argc, char **argv);

/**
 * The native reference run, as pid 1 of a new pid namespace: the attempts run in a child (which, like umbra's pid
 * 1000, is not the namespace's init) and init reaps everything, orphans too; its status is the child's.
 */
static int init(int argc, char **argv) {
    if (getpid() != 1) return 99; // not a pid namespace of its own
    pid_t child = fork();
    if (child == 0) _exit(attempts(argc, argv));
    int code = 98, status;
    pid_t pid;
    while ((pid = wait(&status)) > 0)
        if (pid == child) code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return code;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "init") == 0) return init(argc - 1, argv + 1);
    if (!under_umbra()) {
        fprintf(stderr, "refusing to run outside umbra or a pid namespace of its own\n");
        return 100;
    }
    return attempts(argc, argv);
}

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
