// Every call that takes a pid, made against a host process (argv[1]: the victim), umbra itself (argv[2]) and pid 1
// (the sandbox's init): limits, priorities, affinity, scheduling, I/O priority, perf events, kcmp, pidfds, memory,
// robust lists, page migration, capabilities, signals, groups and sessions, /proc links and setns. The host's
// processes must not be there at all (ESRCH, ENOENT, or what Linux checks first); pid 1 is the sandbox's own init,
// not dumpable: its memory, descriptors and links are out of reach, signals from inside do not end it, and what it
// lets a process of the same owner change (its limits, nice value, affinity, policy, I/O priority) changes it, not the
// machine's pid 1; each change to it is undone where Linux lets it be (not the nice value: lowering it again would take
// CAP_SYS_NICE on the machine). Never run natively on the host: only under umbra, or natively under
// tests/programs/native_host.c, whose init is not dumpable either.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/ioprio.h>
#include <linux/kcmp.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define ESCAPE_NATIVE_HOST_ONLY
#include "escape.h"

static char label[128];

/** "<target>: <call>" for result(). */
static const char *on(const char *target, const char *call) {
    snprintf(label, sizeof label, "%s: %s", target, call);
    return label;
}

/** A descriptor a call returned, as a word (its number varies), closed again; or the error. */
static void descriptor(const char *target, const char *call, long fd) {
    if (fd < 0) result(on(target, call), fd);
    else {
        printf("%s: %s: a descriptor\n", target, call);
        close(fd);
    }
}

static void proc_links(const char *target, pid_t pid) {
    static const char *opened[] = {"mem", "environ", "fd/0"};
    static const char *linked[] = {"cwd", "root", "exe", "ns/pid"};
    char path[128], call[160], link[256];
    for (size_t i = 0; i < sizeof opened / sizeof *opened; i++) {
        snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, opened[i]);
        snprintf(call, sizeof call, "open(/proc/%s/%s, O_RDWR)", target, opened[i]);
        descriptor(target, call, open(path, O_RDWR | O_CLOEXEC));
    }
    for (size_t i = 0; i < sizeof linked / sizeof *linked; i++) {
        snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, linked[i]);
        snprintf(call, sizeof call, "readlink(/proc/%s/%s)", target, linked[i]);
        long length = readlink(path, link, sizeof link);
        if (length < 0) result(on(target, call), length);
        else printf("%s: %s: a link\n", target, call);
    }
    snprintf(path, sizeof path, "/proc/self/../%d/mem", (int)pid);
    descriptor(target, "open(/proc/self/../<pid>/mem, O_RDONLY)", open(path, O_RDONLY | O_CLOEXEC));
}

/** setns into each of the target's namespaces through /proc, then all of them at once through a pidfd. */
static void enter(const char *target, pid_t pid) {
    static const char *names[] = {"mnt", "pid", "pid_for_children", "net", "user", "uts", "ipc", "cgroup", "time"};
    char path[128], call[160];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, names[i]);
        snprintf(call, sizeof call, "setns(open(/proc/%s/ns/%s))", target, names[i]);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            printf("%s: %s: open -1 %s\n", target, call, strerrorname_np(errno));
            continue;
        }
        result(on(target, call), setns(fd, 0));
        close(fd);
    }
    int pidfd = syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0) {
        printf("%s: setns(pidfd, every namespace): pidfd_open -1 %s\n", target, strerrorname_np(errno));
        return;
    }
    int all = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP | CLONE_NEWUSER;
    result(on(target, "setns(pidfd, every namespace)"), setns(pidfd, all));
    close(pidfd);
}

/** A getter's result: whether it answered (the value itself is inherited from whoever started the test). */
static void answered(const char *target, const char *call, long value) {
    if (value < 0) result(on(target, call), value);
    else printf("%s: %s: a value\n", target, call);
}

/** Every pid-taking call against `pid`; with `undo`, each change is undone after (where Linux lets it be). */
static void calls(const char *target, pid_t pid, int undo) {
    result(on(target, "kill(pid, 0)"), kill(pid, 0));
    result(on(target, "getpgid"), getpgid(pid));
    result(on(target, "getsid"), getsid(pid));

    struct rlimit old = {64, 64}, lower;
    result(on(target, "prlimit64(RLIMIT_NOFILE, get)"), prlimit(pid, RLIMIT_NOFILE, NULL, &old));
    lower = (struct rlimit){64, old.rlim_max};
    result(on(target, "prlimit64(RLIMIT_NOFILE, soft 64)"), prlimit(pid, RLIMIT_NOFILE, &lower, NULL));
    if (undo) result(on(target, "prlimit64(RLIMIT_NOFILE, set back)"), prlimit(pid, RLIMIT_NOFILE, &old, NULL));

    errno = 0;
    int nice = getpriority(PRIO_PROCESS, pid);
    answered(target, "getpriority(PRIO_PROCESS)", errno ? -1 : nice + 20);
    result(on(target, "setpriority(PRIO_PROCESS, 19)"), setpriority(PRIO_PROCESS, pid, 19));

    cpu_set_t cpus, first;
    CPU_ZERO(&cpus);
    CPU_SET(0, &cpus);
    CPU_ZERO(&first);
    CPU_SET(0, &first);
    result(on(target, "sched_getaffinity"), sched_getaffinity(pid, sizeof cpus, &cpus));
    result(on(target, "sched_setaffinity(CPU 0)"), sched_setaffinity(pid, sizeof first, &first));
    if (undo) result(on(target, "sched_setaffinity(set back)"), sched_setaffinity(pid, sizeof cpus, &cpus));

    struct sched_param param = {0};
    int policy = sched_getscheduler(pid);
    answered(target, "sched_getscheduler", policy);
    result(on(target, "sched_getparam"), sched_getparam(pid, &param));
    result(on(target, "sched_setscheduler(SCHED_BATCH)"), sched_setscheduler(pid, SCHED_BATCH, &param));
    result(on(target, "sched_setparam(0)"), sched_setparam(pid, &param));
    if (undo) result(on(target, "sched_setscheduler(set back)"), sched_setscheduler(pid, policy, &param));

    long ioprio = syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, pid);
    answered(target, "ioprio_get(IOPRIO_WHO_PROCESS)", ioprio);
    result(on(target, "ioprio_set(IOPRIO_WHO_PROCESS, idle)"),
           syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, pid, IOPRIO_PRIO_VALUE(IOPRIO_CLASS_IDLE, 0)));
    if (undo) {
        result(on(target, "ioprio_set(IOPRIO_WHO_PROCESS, set back)"),
               syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, pid, ioprio));
    }

    // A software event, user space only: what perf_event_paranoid allows anyone for their own processes.
    struct perf_event_attr event = {.type = PERF_TYPE_SOFTWARE,
                                    .size = sizeof event,
                                    .config = PERF_COUNT_SW_TASK_CLOCK,
                                    .disabled = 1,
                                    .exclude_kernel = 1,
                                    .exclude_hv = 1};
    descriptor(target, "perf_event_open(task clock)", syscall(SYS_perf_event_open, &event, pid, -1, -1, 0));

    result(on(target, "kcmp(self, pid, KCMP_VM)"), syscall(SYS_kcmp, getpid(), pid, KCMP_VM, 0, 0));
    result(on(target, "kcmp(self, pid, KCMP_FILE, 0, 0)"), syscall(SYS_kcmp, getpid(), pid, KCMP_FILE, 0, 0));
    descriptor(target, "pidfd_open", syscall(SYS_pidfd_open, pid, 0));

    char buffer[8];
    struct iovec local = {buffer, sizeof buffer}, remote = {(void *)0x400000, sizeof buffer};
    result(on(target, "process_vm_readv"), process_vm_readv(pid, &local, 1, &remote, 1, 0));
    result(on(target, "process_vm_writev"), process_vm_writev(pid, &local, 1, &remote, 1, 0));
    result(on(target, "ptrace(PTRACE_SEIZE)"), ptrace(PTRACE_SEIZE, pid, 0, 0));

    void *head;
    size_t length;
    result(on(target, "get_robust_list"), syscall(SYS_get_robust_list, pid, &head, &length));

    unsigned long node0 = 1;
    result(on(target, "migrate_pages(node 0 -> node 0)"),
           syscall(SYS_migrate_pages, pid, 8 * sizeof node0 + 1, &node0, &node0));
    void *page = buffer;
    int status = 0;
    result(on(target, "move_pages(query)"), syscall(SYS_move_pages, pid, 1, &page, NULL, &status, 0));

    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, pid};
    struct __user_cap_data_struct data[2];
    result(on(target, "capget"), syscall(SYS_capget, &header, data));
    struct __user_cap_header_struct self = {_LINUX_CAPABILITY_VERSION_3, 0};
    syscall(SYS_capget, &self, data); // our own, so that a capset that went through would change nothing
    header = (struct __user_cap_header_struct){_LINUX_CAPABILITY_VERSION_3, pid};
    result(on(target, "capset(own sets)"), syscall(SYS_capset, &header, data));

    proc_links(target, pid);
}

static int attempts(int argc, char **argv) {
    if (argc != 3) return 2;
    pid_t host = atoi(argv[1]), umbra = atoi(argv[2]);
    // The host's processes would keep what was done to them, for the test to see from outside.
    calls("host", host, 0);
    calls("umbra", umbra, 0);
    calls("init", 1, 1);
    // The sandbox's init takes no signal from inside (it has no handlers), SIGKILL included, and stays.
    result("init: kill(1, SIGKILL)", kill(1, SIGKILL));
    result("init: kill(1, SIGTERM)", kill(1, SIGTERM));
    int pidfd = syscall(SYS_pidfd_open, 1, 0);
    result("init: pidfd_send_signal(SIGKILL)", syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0));
    result("init: pidfd_getfd(0)", syscall(SYS_pidfd_getfd, pidfd, 0, 0));
    close(pidfd);
    usleep(10000);
    result("init: still there, kill(1, 0)", kill(1, 0));
    result("getppid()", getppid());
    // Last: setns into the sandbox's own namespaces may move this process (mount namespace: to its root).
    enter("host", host);
    enter("umbra", umbra);
    enter("init", 1);
    return 0;
}
