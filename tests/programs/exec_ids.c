// Prints this process's ids (absolute ones on the `self` line), to be exec'd from other programs and environments.
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>

int main(void) {
    printf("ids: tid_is_pid=%d\n", gettid() == getpid());
    printf("self pid=%d ppid=%d tid=%d\n", (int)getpid(), (int)getppid(), (int)gettid());
    return 0;
}
