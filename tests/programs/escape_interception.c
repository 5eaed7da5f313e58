// Attempts to take umbra's interception away (argv[1]: a host process), each in a child that afterwards checks its ids
// and signals the host: PTRACE_TRACEME, a seccomp filter that allows everything (filters only add restrictions),
// PR_SET_DUMPABLE 0, close_range over every descriptor, personality(PER_LINUX32), PR_SET_PTRACER, an io_uring (whose
// requests run without syscalls: its openat of /proc/<host>/mem must not succeed), and all of them before execve of
// kill -9 <host>. Errnos as in a pid namespace of its own. Never run natively on the host: only under
// umbra, or as `escape_interception init ...` as pid 1 of a new pid namespace.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/close_range.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "escape.h"

static pid_t victim;

static struct sock_filter allow_all_code[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
static struct sock_fprog allow_all = {1, allow_all_code};

static void traceme(void) {
    result("ptrace(PTRACE_TRACEME)", ptrace(PTRACE_TRACEME, 0, 0, 0));
    result("ptrace(PTRACE_TRACEME) again", ptrace(PTRACE_TRACEME, 0, 0, 0));
}

static void seccomp_allow_all(void) {
    result("prctl(PR_SET_NO_NEW_PRIVS, 1)", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    result("seccomp(SECCOMP_SET_MODE_FILTER, allow all)", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &allow_all));
    result("seccomp(SECCOMP_SET_MODE_FILTER, TSYNC, allow all)",
           syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &allow_all));
    result("prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, allow all)",
           prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &allow_all, 0, 0));
    result("prctl(PR_GET_SECCOMP)", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
}

static void not_dumpable(void) {
    result("prctl(PR_SET_DUMPABLE, 0)", prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
    result("prctl(PR_GET_DUMPABLE)", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
}

static void close_everything(void) {
    // Nothing to print with afterwards: the parent reports from the exit status.
    if (syscall(SYS_close_range, 0, ~0U, 0) != 0) _exit(99);
}

static void close_unshared(void) {
    result("close_range(3, ~0U, CLOSE_RANGE_UNSHARE)", syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_UNSHARE));
}

static void linux32(void) {
    result("personality(PER_LINUX32)", personality(PER_LINUX32));
    result("personality(query)", personality(0xffffffff));
}

static void any_tracer(void) {
    long value = prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
    // 0 with the Yama LSM, EINVAL without: either way natively, umbra does not trace this option.
    printf("prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY): %s\n", value == 0 || errno == EINVAL ? "0 or EINVAL" : "other");
}

/** Sets up an io_uring and has it open /proc/<host>/mem for writing, with no open syscall of the program's own. */
static void ring_open(void) {
    struct io_uring_params params;
    memset(&params, 0, sizeof params);
    long ring = syscall(SYS_io_uring_setup, 1, &params);
    if (ring < 0) {
        printf("io_uring: setup -1 %s\n", strerrorname_np(errno));
        return;
    }
    size_t sq_size = params.sq_off.array + params.sq_entries * sizeof(unsigned);
    size_t cq_size = params.cq_off.cqes + params.cq_entries * sizeof(struct io_uring_cqe);
    if (cq_size > sq_size) sq_size = cq_size;
    char *sq = mmap(NULL, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQ_RING);
    char *cq = params.features & IORING_FEAT_SINGLE_MMAP
                   ? sq
                   : mmap(NULL, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_CQ_RING);
    struct io_uring_sqe *sqes = mmap(NULL, params.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
                                     MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
    if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) _exit(60);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", (int)victim);
    memset(&sqes[0], 0, sizeof sqes[0]);
    sqes[0].opcode = IORING_OP_OPENAT;
    sqes[0].fd = AT_FDCWD;
    sqes[0].addr = (unsigned long)path;
    sqes[0].open_flags = O_RDWR;
    unsigned *tail = (unsigned *)(sq + params.sq_off.tail);
    ((unsigned *)(sq + params.sq_off.array))[0] = 0;
    __atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
    if (syscall(SYS_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) != 1) _exit(61);
    int opened = ((struct io_uring_cqe *)(cq + params.cq_off.cqes))[0].res;
    printf("io_uring: setup ok, openat(/proc/host/mem, O_RDWR) %s%s\n", opened < 0 ? "-1 " : "an fd",
           opened < 0 ? strerrorname_np(-opened) : "");
}

/**
 * Runs `trick` in a child, which then checks getpid() and getppid() against what its parent knows and signals the
 * host; it reports in its exit status, so that a trick may close stdout.
 */
static void in_child(const char *what, void (*trick)(void)) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) exit(3);
    pid_t parent = getpid();
    pid_t child = fork();
    if (child < 0) exit(4);
    if (child == 0) {
        pid_t self;
        if (read(pipe_fds[0], &self, sizeof self) != sizeof self) _exit(5);
        trick();
        int bits = (getpid() == self) | (getppid() == parent) << 1;
        bits |= (kill(victim, SIGKILL) == -1 && errno == ESRCH) << 2;
        bits |= (syscall(SYS_tgkill, victim, victim, SIGKILL) == -1 && errno == ESRCH) << 3;
        bits |= (kill(-victim, SIGKILL) == -1 && errno == ESRCH) << 4;
        _exit(bits);
    }
    if (write(pipe_fds[1], &child, sizeof child) != sizeof child) exit(6);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    int status;
    if (waitpid(child, &status, 0) != child) exit(7);
    if (!WIFEXITED(status)) {
        printf("%s: status %#x\n", what, status);
        return;
    }
    int bits = WEXITSTATUS(status);
    printf("%s, then: getpid() %s, getppid() %s, kill(host, SIGKILL) %s, tgkill(host, host, SIGKILL) %s, "
           "kill(-host, SIGKILL) %s\n",
           what, bits & 1 ? "right" : "wrong", bits & 2 ? "right" : "wrong", bits & 4 ? "ESRCH" : "not ESRCH",
           bits & 8 ? "ESRCH" : "not ESRCH", bits & 16 ? "ESRCH" : "not ESRCH");
}

static int attempts(int argc, char **argv) {
    if (argc != 2) return 2;
    victim = atoi(argv[1]);
    in_child("PTRACE_TRACEME", traceme);
    in_child("seccomp filter allowing everything", seccomp_allow_all);
    in_child("PR_SET_DUMPABLE 0", not_dumpable);
    in_child("close_range(0, ~0U, 0)", close_everything);
    in_child("close_range(3, ~0U, CLOSE_RANGE_UNSHARE)", close_unshared);
    in_child("personality(PER_LINUX32)", linux32);
    in_child("PR_SET_PTRACER", any_tracer);
    in_child("io_uring", ring_open);
    // All of them at once, then another program: kill -9 <host> (procps kill, or the shell's).
    pid_t child = fork();
    if (child == 0) {
        prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
            syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &allow_all) != 0 ||
            prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 || personality(PER_LINUX32) < 0 ||
            syscall(SYS_close_range, 3, ~0U, 0) != 0)
            _exit(120);
        char text[32];
        snprintf(text, sizeof text, "%d", (int)victim);
        if (access("/bin/kill", X_OK) == 0) execl("/bin/kill", "kill", "-9", text, (char *)NULL);
        char command[64];
        snprintf(command, sizeof command, "kill -9 %d", (int)victim);
        execl("/bin/sh", "sh", "-c", command, (char *)NULL);
        _exit(127);
    }
    int status;
    if (waitpid(child, &status, 0) != child) return 8;
    printf("all of them, then execve kill -9 host: %s %d\n", WIFEXITED(status) ? "exited" : "killed by",
           WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return 0;
}
