// Forks children that stay alive until fork fails; prints how many were made and the errno, then reaps them all.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int most = argc > 1 ? atoi(argv[1]) : 100;
    int gate[2];
    if (pipe(gate) != 0) return 10;
    int made = 0, error = 0;
    while (made < most) {
        pid_t pid = fork();
        if (pid == -1) {
            error = errno;
            break;
        }
        if (pid == 0) {
            char byte;
            close(gate[1]);
            _exit(read(gate[0], &byte, 1) == 0 ? 0 : 1);
        }
        made++;
    }
    close(gate[1]);
    int reaped = 0, status;
    while (wait(&status) > 0) reaped += WIFEXITED(status) && WEXITSTATUS(status) == 0;
    printf("made=%d error=%s reaped=%d\n", made, error ? strerrorname_np(error) : "none", reaped);
    return 0;
}
