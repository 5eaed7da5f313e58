// Checks a fork tree: 3 children each fork a grandchild; getppid relations hold at every level and wait() reaps all.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILDREN 3

// Grandchild: exits 1 if its parent is the child that forked it.
static void grandchild(pid_t child) { _exit(getppid() == child ? 1 : 2); }

// Child: reports facts as bits of its exit code (index in the high bits).
static void child(int index, pid_t top) {
    pid_t self = getpid();
    int bits = 0;
    if (getppid() == top) bits |= 1;
    pid_t gc = fork();
    if (gc < 0) _exit(99);
    if (gc == 0) grandchild(self);
    if (gc != self && gc != top) bits |= 2;
    int status = 0;
    pid_t got = wait(&status);
    if (got == gc) bits |= 4;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 1) bits |= 8;
    errno = 0;
    if (wait(&status) == -1 && errno == ECHILD) bits |= 16;
    _exit(index << 5 | bits);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t top = getpid();
    pid_t pids[CHILDREN];
    for (int i = 0; i < CHILDREN; i++) {
        pids[i] = fork();
        if (pids[i] < 0) return 10;
        if (pids[i] == 0) child(i, top);
    }
    printf("self first_child=%d\n", pids[0]);
    int distinct = pids[0] != pids[1] && pids[1] != pids[2] && pids[0] != pids[2];
    printf("child_pids_distinct=%d\n", distinct);
    int codes[CHILDREN] = {-1, -1, -1};
    int reaped = 0, foreign = 0;
    for (;;) {
        int status = 0;
        pid_t got = wait(&status);
        if (got == -1) {
            printf("final_wait_errno=%s\n", strerrorname_np(errno));
            break;
        }
        reaped++;
        int index = -1;
        for (int i = 0; i < CHILDREN; i++)
            if (pids[i] == got) index = i;
        if (index < 0 || !WIFEXITED(status)) {
            foreign++;
            continue;
        }
        codes[index] = WEXITSTATUS(status);
    }
    printf("reaped=%d foreign=%d\n", reaped, foreign);
    for (int i = 0; i < CHILDREN; i++) {
        int c = codes[i];
        printf("child %d: index_ok=%d ppid_is_top=%d grandchild_pid_new=%d wait_returns_grandchild=%d "
               "grandchild_ppid_is_child=%d then_echild=%d\n",
               i, c >> 5 == i, c & 1, c >> 1 & 1, c >> 2 & 1, c >> 3 & 1, c >> 4 & 1);
    }
    return 0;
}
