// Checks PR_SET_DUMPABLE/PR_GET_DUMPABLE: 0 and 1 accepted, 2 and 5 refused; fork inherits it, exec resets it to 1.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void set(int value) {
    int r = prctl(PR_SET_DUMPABLE, value, 0, 0, 0);
    const char *error = r == 0 ? "" : strerrorname_np(errno);
    int now = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    if (r == 0) printf("PR_SET_DUMPABLE %d: 0, now %d\n", value, now);
    else printf("PR_SET_DUMPABLE %d: -1 %s, still %d\n", value, error, now);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 3 && strcmp(argv[1], "after") == 0) {
        printf("after exec: PR_GET_DUMPABLE=%d pid_unchanged=%d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0),
               getpid() == atoi(argv[2]));
        return 0;
    }
    if (argc > 1) return 99;
    printf("initially: PR_GET_DUMPABLE=%d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    set(0);
    set(1);
    set(2);
    set(5);
    set(-1);
    set(0);
    // Not dumpable, the process still works as usual: ids, children, waits.
    pid_t self = getpid();
    pid_t child = fork();
    if (child == 0) {
        printf("fork: child PR_GET_DUMPABLE=%d ppid_is_parent=%d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0),
               getppid() == self);
        _exit(4);
    }
    int status;
    pid_t got = waitpid(child, &status, 0);
    printf("fork: waitpid returns_child=%d code=%d\n", got == child, WEXITSTATUS(status));
    char pid[16];
    snprintf(pid, sizeof pid, "%d", (int)self);
    char *args[] = {argv[0], "after", pid, NULL};
    execv("/proc/self/exe", args);
    printf("execv: %s\n", strerrorname_np(errno));
    return 1;
}
