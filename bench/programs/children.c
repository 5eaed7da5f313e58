// Rows 14-16: many children at once. `children <forks> <live>` starts <live> children that
// block in read(2) on a pipe, then forks, _exits and waitpids <forks> more one by one (the
// cost per fork with that many processes alive), then closes the pipe so the live ones all end
// at once, and reaps them. Reports ns per fork of the one-by-one loop, or with <forks> 0 the
// whole run per live child.
#include "common.h"

static long count(const char *text) {
    long n = strtol(text, NULL, 10);
    if (n < 0) {
        fprintf(stderr, "bad count: %s\n", text);
        exit(2);
    }
    return n;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: children <forks> <live>\n");
        return 2;
    }
    long forks = count(argv[1]), live = count(argv[2]);
    long long start = now_ns();
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) {
        perror("pipe");
        return 1;
    }
    for (long i = 0; i < live; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            char byte;
            close(pipe_fds[1]);
            _exit(read(pipe_fds[0], &byte, 1) == 0 ? 0 : 1); // 0 at end of file
        }
    }
    close(pipe_fds[0]);
    long long loop_start = now_ns();
    if (fork_exit_wait(forks) != 0) return 1;
    long long loop_ns = now_ns() - loop_start;
    close(pipe_fds[1]);
    for (long i = 0; i < live; i++) {
        int status;
        if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "live child %ld: bad wait\n", i);
            return 1;
        }
    }
    if (forks > 0) report(loop_ns, forks);
    else report(now_ns() - start, live);
    return 0;
}
