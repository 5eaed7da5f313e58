// What every escape program shares: the result line, the refusal to run natively on the host, and the pid-namespace
// init that runs the native reference (or the check that tests/programs/native_host.c runs it). Each program defines
// `attempts`; one that defines ESCAPE_NATIVE_HOST_ONLY first runs natively under native_host only (a pid namespace
// alone is no reference for it: as root there, its attempts on mounts, the kernel's files or the terminal would work).
#ifndef UMBRA_ESCAPE_H
#define UMBRA_ESCAPE_H
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((unused)) static void result(const char *what, long value) {
    if (value < 0) printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else printf("%s: %ld\n", what, value);
}

/**
 * True under umbra: with `init` (pid 1 of a pid namespace of its own) and native_host (below), the only places where
 * these attempts may run (natively on the host, as root, a group or broadcast kill would reach the machine's
 * processes). umbra's /proc says what a pid namespace would, so the test says where it runs (UMBRA_ESCAPE=sandboxed)
 * and the seccomp filter every sandboxed process has (Seccomp: 2) confirms it.
 */
static int under_umbra(void) {
    const char *where = getenv("UMBRA_ESCAPE");
    if (!where || strcmp(where, "sandboxed") != 0) return 0;
    FILE *status = fopen("/proc/self/status", "r");
    if (!status) return 0;
    char line[256];
    long mode = 0;
    while (fgets(line, sizeof line, status)) sscanf(line, "Seccomp: %ld", &mode);
    fclose(status);
    return mode == 2;
}

/** The inode number of the machine's first pid namespace (PROC_PID_INIT_INO), the same on every Linux. */
#define FIRST_PID_NAMESPACE 0xEFFFFFFCu

/**
 * True natively under tests/programs/native_host.c, the other place these attempts may run: the test says so
 * (UMBRA_ESCAPE=native_host), and this is pid 1000 of a pid namespace other than the machine's first, whose pid 1 (its
 * parent) is native_host's init.
 */
static int under_native_host(void) {
    const char *where = getenv("UMBRA_ESCAPE");
    if (!where || strcmp(where, "native_host") != 0 || getpid() != 1000 || getppid() != 1) return 0;
    struct stat namespace;
    if (stat("/proc/self/ns/pid", &namespace) != 0 || namespace.st_ino == FIRST_PID_NAMESPACE) return 0;
    FILE *comm = fopen("/proc/1/comm", "r");
    if (!comm) return 0;
    char name[32] = "";
    int got = fgets(name, sizeof name, comm) != NULL;
    fclose(comm);
    return got && strncmp(name, "native_host", strlen("native_host")) == 0;
}

static int attempts(int argc, char **argv);

/**
 * The native reference run, as pid 1 of a new pid namespace: the attempts run in a child (which, like umbra's pid
 * 1000, is not the namespace's init) and init reaps everything, orphans too; its status is the child's.
 */
__attribute__((unused)) static int init(int argc, char **argv) {
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
#ifndef ESCAPE_NATIVE_HOST_ONLY
    if (argc > 1 && strcmp(argv[1], "init") == 0) return init(argc - 1, argv + 1);
#endif
    if (!under_umbra() && !under_native_host()) {
        fprintf(stderr, "refusing to run outside umbra or a pid namespace of its own\n");
        return 100;
    }
    return attempts(argc, argv);
}

#endif
