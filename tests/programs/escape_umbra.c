// A child tries to signal, trace or read umbra itself (argv: umbra's pid, its other threads' ids comma-separated, its
// process group, its session): every call must fail as for a pid outside a pid namespace of its own, and umbra must
// not notice. Never run natively on the host: only under umbra, or as `escape_umbra init ...` as pid 1 of a new pid
// namespace.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "escape.h"

static siginfo_t queued(int signal) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = signal;
    info.si_code = SI_QUEUE;
    info.si_pid = getpid();
    info.si_uid = getuid();
    return info;
}

/** One line for a call made on each of umbra's other threads: its outcomes, each once. */
static void each_thread(const char *what, char *tids, pid_t umbra, int call) {
    char outcomes[256] = "";
    int count = 0;
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", tids);
    for (char *field = strtok(copy, ","); field; field = strtok(NULL, ",")) {
        pid_t tid = atoi(field);
        siginfo_t info = queued(SIGKILL);
        long value = call == 0   ? kill(tid, SIGKILL)
                     : call == 1 ? syscall(SYS_tkill, tid, SIGKILL)
                     : call == 2 ? syscall(SYS_tgkill, umbra, tid, SIGKILL)
                     : call == 3 ? syscall(SYS_rt_tgsigqueueinfo, umbra, tid, SIGKILL, &info)
                                 : ptrace(PTRACE_SEIZE, tid, 0, 0);
        const char *outcome = value < 0 ? strerrorname_np(errno) : "0";
        if (!strstr(outcomes, outcome)) {
            if (outcomes[0]) strcat(outcomes, " ");
            strcat(outcomes, outcome);
        }
        count++;
    }
    printf("%s: %s%s\n", what, count ? "" : "no threads ", outcomes);
}

static int attempts(int argc, char **argv) {
    if (argc != 5) return 2;
    pid_t umbra = atoi(argv[1]), group = atoi(argv[3]), session = atoi(argv[4]);
    char *tids = argv[2];
    // Its parent is init: signals it has no handler for do nothing, as for a pid namespace's init.
    result("kill(getppid(), SIGKILL)", kill(getppid(), SIGKILL));
    result("kill(getppid(), SIGTERM)", kill(getppid(), SIGTERM));
    pid_t child = fork();
    if (child == 0) {
        siginfo_t info;
        result("kill(umbra, 0)", kill(umbra, 0));
        result("kill(umbra, SIGSTOP)", kill(umbra, SIGSTOP));
        result("kill(umbra, SIGTERM)", kill(umbra, SIGTERM));
        result("kill(umbra, SIGKILL)", kill(umbra, SIGKILL));
        // 0 is a group or session led from outside this pid namespace: no number names it, and kill(-0) is our own group.
        if (group > 0) result("kill(-umbra's group, SIGKILL)", kill(-group, SIGKILL));
        else printf("kill(-umbra's group, SIGKILL): not in this pid namespace\n");
        if (session > 0) result("kill(-umbra's session, SIGKILL)", kill(-session, SIGKILL));
        else printf("kill(-umbra's session, SIGKILL): not in this pid namespace\n");
        result("tkill(umbra, SIGKILL)", syscall(SYS_tkill, umbra, SIGKILL));
        result("tgkill(umbra, umbra, SIGKILL)", syscall(SYS_tgkill, umbra, umbra, SIGKILL));
        result("tgkill(self, umbra, SIGKILL)", syscall(SYS_tgkill, getpid(), umbra, SIGKILL));
        result("sigqueue(umbra, SIGTERM)", sigqueue(umbra, SIGTERM, (union sigval){.sival_int = 1}));
        info = queued(SIGKILL);
        result("rt_sigqueueinfo(umbra, SIGKILL)", syscall(SYS_rt_sigqueueinfo, umbra, SIGKILL, &info));
        info = queued(SIGKILL);
        result("rt_tgsigqueueinfo(umbra, umbra, SIGKILL)",
               syscall(SYS_rt_tgsigqueueinfo, umbra, umbra, SIGKILL, &info));
        each_thread("kill(each umbra thread, SIGKILL)", tids, umbra, 0);
        each_thread("tkill(each umbra thread, SIGKILL)", tids, umbra, 1);
        each_thread("tgkill(umbra, each umbra thread, SIGKILL)", tids, umbra, 2);
        each_thread("rt_tgsigqueueinfo(umbra, each umbra thread, SIGKILL)", tids, umbra, 3);
        each_thread("ptrace(PTRACE_SEIZE, each umbra thread)", tids, umbra, 4);
        result("pidfd_open(umbra)", syscall(SYS_pidfd_open, umbra, 0));
        char path[64];
        snprintf(path, sizeof path, "/proc/%d", (int)umbra);
        result("open(/proc/umbra)", open(path, O_RDONLY | O_DIRECTORY));
        result("ptrace(PTRACE_ATTACH, umbra)", ptrace(PTRACE_ATTACH, umbra, 0, 0));
        result("ptrace(PTRACE_SEIZE, umbra)", ptrace(PTRACE_SEIZE, umbra, 0, 0));
        char buffer[8];
        struct iovec local = {buffer, sizeof buffer}, remote = {(void *)0x400000, sizeof buffer};
        result("process_vm_readv(umbra)", process_vm_readv(umbra, &local, 1, &remote, 1, 0));
        result("process_vm_writev(umbra)", process_vm_writev(umbra, &local, 1, &remote, 1, 0));
        _exit(0);
    }
    int status;
    if (waitpid(child, &status, 0) != child) return 3;
    printf("child: %s %d\n", WIFEXITED(status) ? "exited" : "killed by",
           WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return 0;
}
