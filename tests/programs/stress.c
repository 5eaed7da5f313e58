// Stress: `sequential N` forks, exits and reaps N children one at a time; `live N` keeps N children alive at once.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int sequential(int count) {
    int forked = 0, reaped = 0, codes_ok = 0, fork_errors = 0;
    for (int i = 0; i < count; i++) {
        pid_t pid = fork();
        if (pid == 0) _exit(i & 0x7f);
        if (pid < 0) {
            fork_errors++;
            continue;
        }
        forked++;
        int status;
        if (waitpid(pid, &status, 0) == pid) {
            reaped++;
            if (WIFEXITED(status) && WEXITSTATUS(status) == (i & 0x7f)) codes_ok++;
        }
    }
    int status;
    errno = 0;
    pid_t last = wait(&status);
    const char *error = strerrorname_np(errno);
    printf("sequential: forked=%d reaped=%d codes_ok=%d fork_errors=%d then=%d %s\n", forked, reaped, codes_ok,
           fork_errors, last, error);
    return 0;
}

static int compare(const void *a, const void *b) { return *(const pid_t *)a - *(const pid_t *)b; }

static int live(int count) {
    int gate[2], ready[2];
    if (pipe(gate) != 0 || pipe(ready) != 0) return 10;
    pid_t *pids = calloc(count, sizeof *pids);
    int forked = 0, fork_errors = 0;
    for (int i = 0; i < count; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            close(gate[1]);
            close(ready[0]);
            if (write(ready[1], "r", 1) != 1) _exit(98);
            char byte;
            _exit(read(gate[0], &byte, 1) == 1 ? 7 : 99);
        }
        if (pid < 0) {
            fork_errors++;
            continue;
        }
        pids[forked++] = pid;
    }
    close(ready[1]);
    close(gate[0]);
    // All children are alive and blocked once each has said it is ready.
    int ready_count = 0;
    char buffer[256];
    while (ready_count < forked) {
        ssize_t n = read(ready[0], buffer, sizeof buffer);
        if (n <= 0) break;
        ready_count += (int)n;
    }
    int none_done = waitpid(-1, NULL, WNOHANG) == 0;
    qsort(pids, forked, sizeof *pids, compare);
    int distinct = 1;
    for (int i = 1; i < forked; i++)
        if (pids[i] == pids[i - 1]) distinct = 0;
    printf("live: forked=%d fork_errors=%d ready=%d none_done_yet=%d pids_distinct=%d\n", forked, fork_errors,
           ready_count, none_done, distinct);
    // Release everyone at once: one byte each.
    char *bytes = malloc(forked);
    memset(bytes, 'x', forked);
    for (int written = 0; written < forked;) {
        ssize_t n = write(gate[1], bytes + written, forked - written);
        if (n <= 0) return 11;
        written += (int)n;
    }
    int reaped = 0, codes_ok = 0, known = 0;
    for (;;) {
        int status;
        pid_t pid = wait(&status);
        if (pid < 0) break;
        reaped++;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 7) codes_ok++;
        if (bsearch(&pid, pids, forked, sizeof *pids, compare)) known++;
    }
    const char *error = strerrorname_np(errno);
    printf("live: reaped=%d codes_ok=%d known=%d then=%s\n", reaped, codes_ok, known, error);
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 3) return 2;
    int count = atoi(argv[2]);
    if (strcmp(argv[1], "sequential") == 0) return sequential(count);
    if (strcmp(argv[1], "live") == 0) return live(count);
    return 2;
}
