// The kernel's machine-wide files: /proc/sys, /proc/sysrq-trigger and /sys are read-only in the sandbox, mounted so
// before its user namespace was made (so locked): a harmless value is read, then written back unchanged, which fails
// with EROFS at the open (nothing is written; sysrq-trigger is only opened, never written). Unmounting them and
// remounting them writable fail too; those are tried in a private copy of the sandbox's mount namespace (same user
// namespace, same locks) and in a new user namespace, never in the sandbox's own, so that even a sandbox without its
// namespaces could not take /sys from the machine. Then the values are read again. Never run natively on the host (as
// root there the writes would go through): only under umbra, or natively under tests/programs/native_host.c, which
// makes the same read-only mounts.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ESCAPE_NATIVE_HOST_ONLY
#include "escape.h"

/** Harmless knobs: the same value written back changes nothing, even where the write went through. */
static const char *knobs[] = {"/proc/sys/kernel/printk_ratelimit", "/sys/kernel/rcu_expedited"};
/** The read-only mounts of directories (/proc/sysrq-trigger, a file, exists only with CONFIG_MAGIC_SYSRQ). */
static const char *mounts[] = {"/proc/sys", "/sys"};

static char values[2][64];

static void line(const char *who, const char *what, const char *path, long value) {
    char label[256];
    snprintf(label, sizeof label, "%s: %s(%s)", who, what, path);
    result(label, value);
}

/** Reads `path` into `value`; the line says whether it could. */
static int read_value(const char *who, const char *path, char *value, size_t size) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    long got = fd < 0 ? -1 : read(fd, value, size - 1);
    if (got >= 0) value[got] = 0;
    line(who, "read", path, got < 0 ? -1 : 0);
    if (fd >= 0) close(fd);
    return got > 0;
}

static void writes(const char *who) {
    for (size_t i = 0; i < sizeof knobs / sizeof *knobs; i++) {
        char now[64];
        if (!read_value(who, knobs[i], now, sizeof now)) continue;
        printf("%s: %s as first read: %s\n", who, knobs[i], strcmp(now, values[i]) == 0 ? "yes" : "no");
        int fd = open(knobs[i], O_WRONLY | O_CLOEXEC);
        line(who, "open for writing", knobs[i], fd);
        if (fd < 0) continue;
        line(who, "write the same value", knobs[i], write(fd, now, strlen(now)));
        close(fd);
    }
    int fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
    line(who, "open for writing", "/proc/sysrq-trigger", fd);
    if (fd >= 0) close(fd); // never written
}

static void remounts(const char *who) {
    // Nothing unmounted here may propagate anywhere.
    int rc = mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    line(who, "mount(MS_REC|MS_PRIVATE)", "/", rc);
    if (rc != 0) return;
    for (size_t i = 0; i < sizeof mounts / sizeof *mounts; i++) {
        line(who, "mount(MS_REMOUNT|MS_BIND, writable)", mounts[i],
             mount(NULL, mounts[i], NULL, MS_REMOUNT | MS_BIND, NULL));
        struct mount_attr attr = {.attr_clr = MOUNT_ATTR_RDONLY};
        line(who, "mount_setattr(clear MOUNT_ATTR_RDONLY)", mounts[i],
             syscall(SYS_mount_setattr, AT_FDCWD, mounts[i], 0, &attr, sizeof attr));
        line(who, "umount2(MNT_DETACH)", mounts[i], umount2(mounts[i], MNT_DETACH));
    }
    writes(who);
}

/** The same in a child in new namespaces (`flags`). */
static void nested(const char *who, int flags) {
    pid_t child = fork();
    if (child == 0) {
        char label[128];
        snprintf(label, sizeof label, "%s: unshare", who);
        int rc = unshare(flags);
        result(label, rc);
        if (rc == 0) remounts(who);
        _exit(0);
    }
    int status;
    if (waitpid(child, &status, 0) != child) printf("%s: waitpid: %s\n", who, strerrorname_np(errno));
    else printf("%s: child %s %d\n", who, WIFEXITED(status) ? "exited" : "killed by",
                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

static int attempts(int argc, char **argv) {
    (void)argv;
    if (argc != 1) return 2;
    for (size_t i = 0; i < sizeof knobs / sizeof *knobs; i++) {
        read_value("sandbox", knobs[i], values[i], sizeof values[i]);
    }
    writes("sandbox");
    nested("new mount namespace", CLONE_NEWNS);
    nested("new user namespace", CLONE_NEWUSER | CLONE_NEWNS);
    writes("sandbox");
    return 0;
}
