// A fresh procfs (argv[1]: a host process, the victim; argv[2]: umbra): mount -t proc at a scratch directory, with
// mount(2) and with the new mount API, from the sandbox's namespaces, from a new pid namespace, and from a new user
// namespace. As root in a user namespace of its own, where /proc/sys is read-only and locked, the kernel refuses each
// (EPERM: /proc is not fully visible there, its mount_too_revealing rule). Had one succeeded, it would show only the
// sandbox's (or the nested namespace's) processes: every procfs the program can reach is searched for the victim and
// umbra, and the pids it lists are printed. The sandbox's /proc covers the host's: unmounting it (locked) fails too,
// tried only in the nested namespaces (a private copy of the mounts), so that even a sandbox without its namespaces
// could not take /proc from the machine. Never run natively on the host: only under umbra, or natively under
// tests/programs/native_host.c.
#define _GNU_SOURCE
#include <dirent.h>
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

static pid_t host, umbra;

/** Whether `directory` (a procfs) lists the victim or umbra, or has their entries; and its numbered entries. */
static void search(const char *who, const char *directory) {
    char path[512], pids[256] = "";
    int found = 0;
    DIR *listing = opendir(directory);
    if (!listing) {
        printf("%s: opendir(%s): %s\n", who, directory, strerrorname_np(errno));
        return;
    }
    for (struct dirent *entry; (entry = readdir(listing));) {
        char *end;
        long pid = strtol(entry->d_name, &end, 10);
        if (*end || end == entry->d_name) continue;
        if (pid == host || pid == umbra) found = 1;
        if (strlen(pids) < sizeof pids - 16) snprintf(pids + strlen(pids), sizeof pids - strlen(pids), " %ld", pid);
    }
    closedir(listing);
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%d/stat", directory, i == 0 ? (int)host : (int)umbra);
        if (access(path, F_OK) == 0 || errno != ENOENT) found = 1;
    }
    printf("%s: %s lists%s; host or umbra there: %s\n", who, directory, pids, found ? "yes" : "no");
}

/** Every procfs in this mount namespace (/proc/self/mountinfo), searched. */
static void search_all(const char *who) {
    FILE *mounts = fopen("/proc/self/mountinfo", "r");
    if (!mounts) {
        printf("%s: mountinfo: %s\n", who, strerrorname_np(errno));
        return;
    }
    char line[4096], point[1024], type[64], searched[1024] = "";
    while (fgets(line, sizeof line, mounts)) {
        char *separator = strstr(line, " - ");
        if (!separator || sscanf(line, "%*s %*s %*s %*s %1023s", point) != 1) continue;
        if (sscanf(separator, " - %63s", type) != 1 || strcmp(type, "proc") != 0) continue;
        // Bind mounts of parts of a procfs (/proc/sys, /proc/irq, ...) hold no process directories: their root is.
        // One procfs covering another at the same place: the path reaches the top one only.
        if (strncmp(point, "/proc/", 6) == 0 || strcmp(point, searched) == 0) continue;
        search(who, point);
        snprintf(searched, sizeof searched, "%s", point);
    }
    fclose(mounts);
}

/** mount(2), then fsopen/fsconfig/fsmount, of a procfs at `scratch`; a mount that succeeds is searched and undone. */
static void mount_proc(const char *who, const char *scratch) {
    char what[256];
    int rc = mount("proc", scratch, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    snprintf(what, sizeof what, "%s: mount(proc, scratch)", who);
    result(what, rc);
    if (rc == 0) {
        search(who, scratch);
        umount2(scratch, MNT_DETACH);
    }
    int context = syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC);
    snprintf(what, sizeof what, "%s: fsopen(proc)", who);
    if (context < 0) {
        result(what, context);
        return;
    }
    printf("%s: a descriptor\n", what);
    snprintf(what, sizeof what, "%s: fsconfig(FSCONFIG_CMD_CREATE)", who);
    result(what, syscall(SYS_fsconfig, context, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    int attributes = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
    int mounted = syscall(SYS_fsmount, context, FSMOUNT_CLOEXEC, attributes);
    snprintf(what, sizeof what, "%s: fsmount", who);
    if (mounted < 0) result(what, mounted);
    else {
        printf("%s: a descriptor\n", what);
        snprintf(what, sizeof what, "/proc/self/fd/%d", mounted);
        search(who, what);
        close(mounted);
    }
    close(context);
}

/** The procfs at /proc unmounted, to uncover the one beneath (the host's); then every procfs searched again. */
static void uncover(const char *who) {
    char what[256];
    snprintf(what, sizeof what, "%s: umount2(/proc, MNT_DETACH)", who);
    result(what, umount2("/proc", MNT_DETACH));
    search_all(who);
}

/** In a child made after unshare(`flags`): its pid there, then the mounts. */
static void nested(const char *who, int flags, const char *scratch) {
    char what[256];
    snprintf(what, sizeof what, "%s: unshare", who);
    if (unshare(flags) != 0) {
        result(what, -1);
        return;
    }
    result(what, 0);
    pid_t child = fork();
    if (child == 0) {
        // Nothing mounted or unmounted here may reach another mount namespace, whatever it shared.
        snprintf(what, sizeof what, "%s: mount(/, MS_REC|MS_PRIVATE)", who);
        int rc = mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
        result(what, rc);
        if (rc != 0) _exit(0);
        snprintf(what, sizeof what, "%s: getpid()", who);
        result(what, getpid());
        mount_proc(who, scratch);
        uncover(who);
        _exit(0);
    }
    int status;
    if (waitpid(child, &status, 0) != child) printf("%s: waitpid: %s\n", who, strerrorname_np(errno));
    else printf("%s: child %s %d\n", who, WIFEXITED(status) ? "exited" : "killed by",
                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

static int attempts(int argc, char **argv) {
    if (argc != 3) return 2;
    host = atoi(argv[1]);
    umbra = atoi(argv[2]);
    char scratch[] = "/tmp/umbra-escape-proc-XXXXXX";
    if (!mkdtemp(scratch)) return 3;
    search_all("sandbox");
    mount_proc("sandbox", scratch);
    pid_t child = fork();
    if (child == 0) {
        nested("new pid namespace", CLONE_NEWPID | CLONE_NEWNS, scratch);
        _exit(0);
    }
    waitpid(child, NULL, 0);
    child = fork();
    if (child == 0) {
        nested("new user namespace", CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS, scratch);
        _exit(0);
    }
    waitpid(child, NULL, 0);
    search_all("sandbox");
    rmdir(scratch);
    return 0;
}
