// Signals to pid 1 (the host's init) are permission-checked as any other: as root (capable in the host's user
// namespace) kill(1, 0), sigqueue(1, 0) and pidfd_send_signal(pidfd of 1, 0) succeed; after setuid to an unprivileged
// user (65534) they and sigqueue(1, SIGUSR1) are EPERM, while pidfd_open(1) still works. /proc/1 exists, its comm is
// readable (its text is init's name: not printed) and its exe link is not (init is not dumpable). Run as root.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *outcome(long result) { return result >= 0 ? "0" : strerrorname_np(errno); }

static void probe(const char *who) {
    printf("%s: kill(1, 0): %s\n", who, outcome(kill(1, 0)));
    printf("%s: sigqueue(1, 0): %s\n", who, outcome(sigqueue(1, 0, (union sigval){.sival_int = 1})));
    int pidfd = (int)syscall(SYS_pidfd_open, 1, 0);
    printf("%s: pidfd_open(1): %s\n", who, outcome(pidfd));
    if (pidfd >= 0) {
        printf("%s: pidfd_send_signal(pidfd of 1, 0): %s\n", who,
               outcome(syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0)));
        close(pidfd);
    }
    struct stat st;
    printf("%s: stat(/proc/1): %s\n", who, outcome(stat("/proc/1", &st)));
    int fd = open("/proc/1/comm", O_RDONLY);
    char comm[64] = "";
    long got = fd >= 0 ? read(fd, comm, sizeof comm) : -1;
    printf("%s: read(/proc/1/comm): %s non_empty=%d\n", who, outcome(got), got > 1 && comm[got - 1] == '\n');
    if (fd >= 0) close(fd);
    fd = open("/proc/1/status", O_RDONLY);
    printf("%s: open(/proc/1/status): %s\n", who, outcome(fd));
    if (fd >= 0) close(fd);
    char link[256];
    printf("%s: readlink(/proc/1/exe): %s\n", who, outcome(readlink("/proc/1/exe", link, sizeof link)));
    printf("%s: getppid()=1: %d\n", who, getppid() == 1);
}

int main(void) {
    if (geteuid() != 0) {
        printf("run as root\n");
        return 2;
    }
    probe("root");
    if (setgid(65534) != 0 || setuid(65534) != 0) {
        perror("setuid");
        return 2;
    }
    probe("nobody");
    // A real signal, refused before it could reach init (which would ignore it anyway: no handler).
    printf("nobody: sigqueue(1, SIGUSR1): %s\n", outcome(sigqueue(1, SIGUSR1, (union sigval){.sival_int = 2})));
    printf("nobody: kill(1, SIGTERM): %s\n", outcome(kill(1, SIGTERM)));
    return 0;
}
