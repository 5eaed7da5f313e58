// vfork games (argv[1]: a host process): a vfork child that signals the host before _exit and before execve, one that
// execs kill -9 <host> (procps kill, and a shell's), and last one that makes a session of its own and kills everything
// with kill(-1, SIGKILL): the sandbox (its parent, waiting in vfork), never the host. Errnos as in a pid namespace of
// its own. Never run natively on the host: only under umbra, or as `escape_vfork init ...` as pid 1 of a new pid
// namespace.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "escape.h"

/** What the vfork child saw (it shares the parent's memory until it execs or exits). */
static volatile long child_pid, child_ppid, kill_value, kill_errno, tgkill_value, tgkill_errno;

/** `what: value` or `what: -1 ERRNO`, in one write (also from a vfork child, whose parent may be dead by then). */
static void line(const char *what, long value, int error) {
    if (value < 0) dprintf(1, "%s: -1 %s\n", what, strerrorname_np(error));
    else dprintf(1, "%s: %ld\n", what, value);
}

static void report(const char *what, pid_t child, pid_t parent) {
    printf("%s: getpid() %s, getppid() %s\n", what, child_pid == child ? "right" : "wrong",
           child_ppid == parent ? "right" : "wrong");
    char label[128];
    snprintf(label, sizeof label, "%s: kill(host, SIGKILL)", what);
    line(label, kill_value, (int)kill_errno);
    snprintf(label, sizeof label, "%s: tgkill(host, host, SIGKILL)", what);
    line(label, tgkill_value, (int)tgkill_errno);
}

static void status_line(const char *what, pid_t child) {
    int status;
    if (waitpid(child, &status, 0) != child) printf("%s: waitpid: %s\n", what, strerrorname_np(errno));
    else if (WIFEXITED(status)) printf("%s: exited %d\n", what, WEXITSTATUS(status));
    else printf("%s: killed by %s\n", what, sigabbrev_np(WTERMSIG(status)));
}

static void kill_host(pid_t victim) {
    child_pid = getpid();
    child_ppid = getppid();
    kill_value = kill(victim, SIGKILL);
    kill_errno = errno;
    tgkill_value = syscall(SYS_tgkill, victim, victim, SIGKILL);
    tgkill_errno = errno;
}

static int attempts(int argc, char **argv) {
    if (argc != 2) return 2;
    pid_t victim = atoi(argv[1]), self = getpid();
    char victim_text[32], shell_command[64];
    snprintf(victim_text, sizeof victim_text, "%d", (int)victim);
    snprintf(shell_command, sizeof shell_command, "kill -9 %d", (int)victim);

    pid_t child = vfork();
    if (child == 0) {
        kill_host(victim);
        _exit(0);
    }
    report("vfork child before _exit", child, self);
    status_line("vfork child before _exit", child);

    child = vfork();
    if (child == 0) {
        kill_host(victim);
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    report("vfork child before execve", child, self);
    status_line("vfork child before execve", child);

    // procps kill if there is one, else the shell's (both report ESRCH on stderr and exit 1).
    const char *kill_path = access("/bin/kill", X_OK) == 0 ? "/bin/kill" : NULL;
    child = vfork();
    if (child == 0) {
        if (kill_path) execl(kill_path, "kill", "-9", victim_text, (char *)NULL);
        else execl("/bin/sh", "sh", "-c", shell_command, (char *)NULL);
        _exit(127);
    }
    status_line("vfork child execve kill -9 host", child);

    child = vfork();
    if (child == 0) {
        execl("/bin/sh", "sh", "-c", shell_command, (char *)NULL);
        _exit(127);
    }
    status_line("vfork child execve sh -c 'kill -9 host'", child);

    // Last: the parent waits in vfork, and is the one process this child's kill(-1) reaches.
    child = vfork();
    if (child == 0) {
        long session = setsid();
        long killed = kill(-1, SIGKILL);
        int error = errno;
        long host = kill(victim, SIGKILL);
        int host_error = errno;
        dprintf(1, "vfork child: setsid() == getpid(): %d\n", session == getpid());
        line("vfork child: kill(-1, SIGKILL)", killed, error);
        line("vfork child: kill(host, SIGKILL)", host, host_error);
        _exit(0);
    }
    printf("parent: survived kill(-1, SIGKILL)\n");
    return 0;
}
