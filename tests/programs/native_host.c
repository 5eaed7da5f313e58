/* The native reference for differential tests: runs a program untraced in a world made as umbra
 * makes a host's. A pid namespace whose pid 1 is a small init (this program) that reaps every
 * orphan, with its own /proc, the program as pid 1000 in a session of its own; a user namespace
 * (identity-mapped for root, after /proc/sys, /proc/sysrq-trigger, /proc/irq, /proc/bus and
 * /sys went read-only; umbra's own uid and gid otherwise) with new mount, UTS and IPC namespaces,
 * the caller's capability bounding set kept (a new user namespace starts with a full one).
 * Like umbra-init, the init is not dumpable (once the id maps are written): no program may read its
 * memory, descriptors or links in /proc, or ptrace it.
 * Exits as the program did (128 + N when signal N killed it).
 *   native_host program [args...] */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int to_parent[2], to_child[2];
static char **program;
static unsigned long long bounding_set;

static void die(const char *what) {
  fprintf(stderr, "native_host: %s: %s\n", what, strerror(errno));
  _exit(125);
}

static void write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, text, strlen(text)) < 0) die(path);
  close(fd);
}

static void read_only(const char *path) {
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) != 0) {
    if (errno == ENOENT) return;
    die(path);
  }
  struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
  if (syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof attr) != 0) die(path);
}

/* pid 1: set up as umbra-init does, then fork the program and reap until it has ended. */
static int init_main(int root) {
  char go;
  if (!root && read(to_child[0], &go, 1) != 1) die("maps");
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) die("mount /");
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) die("mount /proc");
  write_file("/proc/sys/kernel/ns_last_pid", "999");
  if (root) {
    const char *paths[] = {"/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/sys"};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) read_only(paths[i]);
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC) != 0) die("unshare");
    if (write(to_parent[1], "M", 1) != 1 || read(to_child[0], &go, 1) != 1) die("maps");
  }
  for (int cap = 0; cap < 64; cap++) {
    if (!(bounding_set >> cap & 1) && prctl(PR_CAPBSET_READ, cap) == 1) prctl(PR_CAPBSET_DROP, cap);
  }
  // Not before: a non-dumpable process's /proc files belong to root, and the parent of an
  // unprivileged run writes the id maps there.
  prctl(PR_SET_DUMPABLE, 0);
  setsid();
  pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) {
    execvp(program[0], program);
    _exit(errno == ENOENT ? 127 : 126);
  }
  int status = 0, code = 0;
  for (;;) {
    pid_t pid = waitpid(-1, &status, __WALL);
    if (pid < 0) break;
    if (pid == child) code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  }
  return code;
}

static char stack[1 << 16];
static int root_mode;

static int start(void *unused) {
  (void)unused;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  return init_main(root_mode);
}

static void maps(pid_t pid, const char *uids, const char *gids) {
  char path[64];
  if (!root_mode) {
    snprintf(path, sizeof path, "/proc/%d/setgroups", pid);
    write_file(path, "deny");
  }
  snprintf(path, sizeof path, "/proc/%d/uid_map", pid);
  write_file(path, uids);
  snprintf(path, sizeof path, "/proc/%d/gid_map", pid);
  write_file(path, gids);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: native_host program [args...]\n");
    return 2;
  }
  program = argv + 1;
  root_mode = geteuid() == 0;
  for (int cap = 0; cap < 64; cap++) {
    if (prctl(PR_CAPBSET_READ, cap) == 1) bounding_set |= 1ULL << cap;
  }
  if (pipe(to_parent) != 0 || pipe(to_child) != 0) die("pipe");
  int flags = CLONE_NEWPID | CLONE_NEWNS | SIGCHLD;
  if (!root_mode) flags |= CLONE_NEWUSER | CLONE_NEWUTS | CLONE_NEWIPC;
  pid_t init = clone(start, stack + sizeof stack, flags, NULL);
  if (init < 0) die("clone");
  if (root_mode) {
    char request;
    if (read(to_parent[0], &request, 1) == 1) maps(init, "0 0 4294967295", "0 0 4294967295");
  } else {
    char uids[64], gids[64];
    snprintf(uids, sizeof uids, "%d %d 1", getuid(), getuid());
    snprintf(gids, sizeof gids, "%d %d 1", getgid(), getgid());
    maps(init, uids, gids);
  }
  if (write(to_child[1], "G", 1) != 1) die("go");
  int status;
  if (waitpid(init, &status, 0) < 0) die("waitpid");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
