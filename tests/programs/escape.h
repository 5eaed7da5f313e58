// What every escape program shares: the result line, the refusal to run natively on the host, and the pid-namespace
// init that runs the native reference. Each program defines `attempts`.
#ifndef UMBRA_ESCAPE_H
#define UMBRA_ESCAPE_H
#include <errno.h>
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
 * True under umbra: with `init` (pid 1 of a pid namespace of its own), the only places where these attempts may run
 * (natively on the host, as root, a group or broadcast kill would reach the machine's processes). umbra's /proc says
 * what a pid namespace would, so the test says where it runs (UMBRA_ESCAPE=sandboxed) and the seccomp filter every
 * sandboxed process has (Seccomp: 2) confirms it.
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

#endif
