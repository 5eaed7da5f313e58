// Checks an orphan without a subreaper: its parent exits, it gets a new parent that is not us (umbra: the sandbox init, 1).
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void pause_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t top = getpid();
    int report[2], hello[2];
    if (pipe(report) != 0 || pipe(hello) != 0) return 10;
    pid_t middle = fork();
    if (middle == 0) {
        close(report[0]);
        pid_t self = getpid();
        pid_t grandchild = fork();
        if (grandchild == 0) {
            int facts[6] = {getppid() == self};
            if (write(hello[1], "x", 1) != 1) _exit(98);
            for (int i = 0; i < 5000 && getppid() == self; i++) pause_ms(1);
            pid_t parent = getppid();
            facts[1] = parent != self;
            facts[2] = parent != top;
            facts[3] = parent;
            facts[4] = getpgrp() == getpgid(top);
            facts[5] = getsid(0) == getsid(top);
            if (write(report[1], facts, sizeof facts) != sizeof facts) _exit(97);
            _exit(0);  // closes the last write end of `report`: the top process sees EOF
        }
        char byte;
        if (read(hello[0], &byte, 1) != 1) _exit(96);
        _exit(3);
    }
    close(report[1]);
    int status = 0;
    pid_t got = waitpid(middle, &status, 0);
    printf("waitpid(middle): returns_middle=%d code=%d\n", got == middle, WEXITSTATUS(status));
    int facts[6] = {0};
    if (read(report[0], facts, sizeof facts) != sizeof facts) return 11;
    printf("orphan: ppid_was_middle=%d ppid_changed=%d ppid_is_not_top=%d same_group=%d same_session=%d\n", facts[0],
           facts[1], facts[2], facts[4], facts[5]);
    printf("self orphan_ppid=%d\n", facts[3]);
    char byte;
    printf("orphan gone (EOF)=%d\n", read(report[0], &byte, 1) == 0);
    errno = 0;
    got = wait(&status);
    const char *error = strerrorname_np(errno);
    printf("wait() for the orphan=%d %s\n", got, error);
    return 0;
}
