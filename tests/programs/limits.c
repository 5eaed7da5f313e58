// Forks children that stay alive until fork fails; prints how many were made and the errno, then reaps them all.
// With a second argument `invalid`, each fork comes after a clone the kernel refuses (EINVAL: CLONE_SIGHAND without
// CLONE_VM), which must not count as a process.
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int most = argc > 1 ? atoi(argv[1]) : 100;
    int gate[2];
    if (pipe(gate) != 0) return 10;
    int made = 0, error = 0, invalid = argc > 2 && strcmp(argv[2], "invalid") == 0;
    while (made < most) {
        if (invalid && (syscall(SYS_clone, CLONE_SIGHAND | SIGCHLD, 0, 0, 0, 0) != -1 || errno != EINVAL)) return 11;
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
