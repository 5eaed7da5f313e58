// select and pselect6 with a timeout (sliced on the virtual clock): the sets the kernel returns are the answer, so an
// empty pipe's read end comes back cleared and its write end set; with nothing ready, all come back cleared.
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/select.h>
#include <unistd.h>

static void show(const char *what, int result, int pipe_read, int pipe_write, fd_set *reads, fd_set *writes) {
    printf("%s: %d read=%d write=%d\n", what, result, FD_ISSET(pipe_read, reads) != 0, FD_ISSET(pipe_write, writes) != 0);
}

int main(void) {
    int fds[2];
    if (pipe(fds) != 0) return 1;
    fd_set reads, writes;
    FD_ZERO(&reads);
    FD_ZERO(&writes);
    FD_SET(fds[0], &reads);
    FD_SET(fds[1], &writes);
    struct timeval timeout = {1, 0};
    int result = select(fds[1] + 1, &reads, &writes, NULL, &timeout);
    show("select, write end ready", result, fds[0], fds[1], &reads, &writes);
    FD_ZERO(&reads);
    FD_ZERO(&writes);
    FD_SET(fds[0], &reads);
    struct timespec wait = {0, 50000000};
    result = pselect(fds[0] + 1, &reads, NULL, NULL, &wait, NULL);
    show("pselect, nothing ready", result, fds[0], fds[1], &reads, &writes);
    return 0;
}
