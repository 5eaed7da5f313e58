// /proc as a pid namespace. `escape <host pid> <scratch dir>` tries to open a host process's /proc
// files in every way it can think of (each must fail, and the host process stay untouched);
// `ns` opens its own, a child's, a thread's and a zombie's /proc files by the ids it knows and
// prints facts that hold in a pid namespace (run natively under unshare --pid --mount-proc); `hold` names itself and
// waits (a process of another sandbox host).
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *what, int fd) {
  if (fd >= 0) {
    printf("%s: opened\n", what);
    close(fd);
  } else {
    printf("%s: -1 %s\n", what, strerrorname_np(errno));
  }
}

// A call that does not open: "reached" when it succeeded.
static void reached(const char *what, long rc) {
  if (rc >= 0) printf("%s: reached\n", what);
  else printf("%s: -1 %s\n", what, strerrorname_np(errno));
}

static long openat2_(int dirfd, const char *path, unsigned long long flags, unsigned long long resolve) {
  struct open_how how = {.flags = flags, .resolve = resolve};
  return syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

// Binds /proc at <dir>/bind in a mount namespace of its own (a child), then opens through it.
static void through_bind_mount(const char *dir, int host) {
  pid_t child = fork();
  if (child == 0) {
    if (unshare(CLONE_NEWNS) != 0 && unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) _exit(2);
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) _exit(2);
    char target[4096], path[4200];
    snprintf(target, sizeof target, "%s/bind", dir);
    mkdir(target, 0700);
    if (mount("/proc", target, NULL, MS_BIND | MS_REC, NULL) != 0) _exit(2);
    snprintf(path, sizeof path, "%s/%d/oom_score_adj", target, host);
    int fd = open(path, O_WRONLY);
    if (fd >= 0) {
      printf("bind mount: opened\n");
      fflush(stdout);
      _exit(1);
    }
    printf("bind mount: -1 %s\n", strerrorname_np(errno));
    fflush(stdout);
    _exit(0);
  }
  int status;
  waitpid(child, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 2) printf("bind mount: unavailable\n"); // not allowed here
}

static int escape(int host, const char *dir) {
  char path[4200];
  int first = dup(0);
  close(first);
  int inherited = 0;
  for (int fd = first; fd < first + 256; fd++) inherited += fcntl(fd, F_GETFD) >= 0;
  snprintf(path, sizeof path, "/proc/%d/mem", host);
  report("mem O_RDWR", open(path, O_RDWR));
  snprintf(path, sizeof path, "/proc/%d/oom_score_adj", host);
  report("oom_score_adj O_WRONLY", open(path, O_WRONLY));
  report("openat(AT_FDCWD) status", openat(AT_FDCWD, path, O_RDONLY));
  snprintf(path, sizeof path, "//proc/./%d//status", host);
  report("unusual slashes", open(path, O_RDONLY));
  snprintf(path, sizeof path, "/proc/%d", host);
  report("directory O_PATH", open(path, O_PATH | O_DIRECTORY));
  int proc = open("/proc", O_RDONLY | O_DIRECTORY);
  snprintf(path, sizeof path, "%d/status", host);
  report("openat(/proc) status", openat(proc, path, O_RDONLY));
  report("openat2(/proc) status", (int)openat2_(proc, path, O_RDONLY, 0));
  snprintf(path, sizeof path, "self/../%d/oom_score_adj", host);
  report("openat(/proc) self/..", openat(proc, path, O_WRONLY));
  snprintf(path, sizeof path, "/proc/self/../%d/oom_score_adj", host);
  report("/proc/self/..", open(path, O_WRONLY));
  snprintf(path, sizeof path, "/proc/%d/../%d/oom_score_adj", getpid(), host);
  report("/proc/<self>/..", open(path, O_WRONLY));
  snprintf(path, sizeof path, "/proc/self/root/proc/%d/oom_score_adj", host);
  report("/proc/self/root", open(path, O_WRONLY));
  char link[4200];
  snprintf(link, sizeof link, "%s/link", dir);
  snprintf(path, sizeof path, "/proc/%d/oom_score_adj", host);
  unlink(link);
  if (symlink(path, link) != 0) return 1;
  report("symlink", open(link, O_WRONLY));
  snprintf(link, sizeof link, "%s/dirlink", dir);
  unlink(link);
  if (symlink("/proc", link) != 0) return 1;
  snprintf(path, sizeof path, "%s/dirlink/%d/oom_score_adj", dir, host);
  report("symlink to /proc", open(path, O_WRONLY));
  if (fchdir(proc) != 0) return 1;
  snprintf(path, sizeof path, "%d/oom_score_adj", host);
  report("chdir /proc", open(path, O_WRONLY));
  snprintf(path, sizeof path, "./self/../%d/oom_score_adj", host);
  report("chdir /proc self/..", open(path, O_WRONLY));
  if (chdir("/") != 0) return 1;
  // Calls that do not open but tell whether the pid exists, or where its files lead.
  struct stat st;
  snprintf(path, sizeof path, "/proc/%d", host);
  reached("stat", stat(path, &st));
  reached("lstat", lstat(path, &st));
  reached("fstatat(/proc)", fstatat(proc, path + strlen("/proc/"), &st, 0));
  reached("statx", statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &(struct statx){0}));
  reached("access", access(path, F_OK));
  reached("faccessat(/proc)", faccessat(proc, path + strlen("/proc/"), F_OK, 0));
  snprintf(path, sizeof path, "/proc/%d/exe", host);
  reached("readlink exe", readlink(path, link, sizeof link));
  reached("readlinkat(/proc) exe", readlinkat(proc, path + strlen("/proc/"), link, sizeof link));
  snprintf(path, sizeof path, "/proc/%d", host);
  reached("chdir", chdir(path));
  if (chdir("/") != 0) return 1;
  fflush(stdout);
  through_bind_mount(dir, host);
  // Every refused descriptor was closed: no more are open than at the start.
  close(proc);
  int left = 0;
  for (int fd = first; fd < first + 256; fd++) left += fcntl(fd, F_GETFD) >= 0;
  printf("descriptors left open: %d\n", left - inherited);
  report("own status", open("/proc/self/status", O_RDONLY));
  snprintf(path, sizeof path, "/proc/%d/status", getpid());
  report("own status by pid", open(path, O_RDONLY));
  return 0;
}

// Reads a /proc file of `pid` (or of `pid`'s task `tid` when tid > 0) into buf; returns -errno.
static int read_proc(char *buf, size_t size, const char *format, ...) {
  char path[256];
  va_list ap;
  va_start(ap, format);
  vsnprintf(path, sizeof path, format, ap);
  va_end(ap);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -errno;
  ssize_t n = read(fd, buf, size - 1);
  close(fd);
  if (n < 0) return -errno;
  buf[n] = 0;
  char *newline = strchr(buf, '\n');
  if (newline && newline[1] == 0) *newline = 0;
  return 0;
}

static long field(const char *status, const char *name) {
  const char *at = strstr(status, name);
  return at ? atol(at + strlen(name)) : -1;
}

static pthread_t thread;
static volatile pid_t thread_tid;
static int thread_go[2];

static void *thread_main(void *arg) {
  (void)arg;
  prctl(PR_SET_NAME, "procfs-thread");
  thread_tid = gettid();
  char c;
  if (read(thread_go[0], &c, 1) < 0) return NULL;
  return NULL;
}

static int ns(char **argv) {
  pid_t self = getpid();
  char buf[8192];
  int r = read_proc(buf, sizeof buf, "/proc/%d/cmdline", self);
  printf("own cmdline by pid: %s\n", r ? strerrorname_np(-r) : strcmp(buf, argv[0]) == 0 ? "mine" : "other");
  r = read_proc(buf, sizeof buf, "/proc/%d/stat", self);
  char comm[64];
  snprintf(comm, sizeof comm, " (%.15s) ", strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0]);
  printf("own stat by pid: %s\n", r ? strerrorname_np(-r) : strstr(buf, comm) ? "mine" : "other");
  printf("own stat pid field is getpid: %d\n", r == 0 && atol(buf) == self);
  r = read_proc(buf, sizeof buf, "/proc/%d/status", self);
  printf("own status Pid: is getpid: %d\n", r == 0 && field(buf, "\nPid:") == self);
  printf("own status TracerPid: %ld\n", r == 0 ? field(buf, "\nTracerPid:") : -1);
  printf("own status State: %.1s\n", r == 0 && strstr(buf, "\nState:\t") ? strstr(buf, "\nState:\t") + 8 : "?");

  int ready[2], go[2];
  if (pipe(ready) || pipe(go)) return 1;
  pid_t child = fork();
  if (child == 0) {
    prctl(PR_SET_NAME, "procfs-child");
    char c = 'x';
    if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1) _exit(1);
    _exit(5);
  }
  char c;
  if (read(ready[0], &c, 1) != 1) return 1;
  r = read_proc(buf, sizeof buf, "/proc/%d/comm", child);
  printf("child comm by pid: %s\n", r ? strerrorname_np(-r) : buf);
  r = read_proc(buf, sizeof buf, "/proc/%d/status", child);
  printf("child status Name: %s\n", r ? strerrorname_np(-r) : strstr(buf, "Name:\tprocfs-child") ? "procfs-child" : "other");
  printf("child status Pid: is child: %d\n", r == 0 && field(buf, "\nPid:") == child);
  printf("child status PPid: is getpid: %d\n", r == 0 && field(buf, "\nPPid:") == self);
  int proc = open("/proc", O_RDONLY | O_DIRECTORY);
  char path[64];
  snprintf(path, sizeof path, "%d/comm", child);
  int fd = openat(proc, path, O_RDONLY);
  ssize_t n = fd >= 0 ? read(fd, buf, 100) : -1;
  printf("child comm by openat(/proc): %.*s\n", n > 0 ? (int)n - 1 : 0, n > 0 ? buf : strerrorname_np(errno));
  if (fd >= 0) close(fd);
  fd = (int)openat2_(proc, path, O_RDONLY, RESOLVE_NO_SYMLINKS);
  n = fd >= 0 ? read(fd, buf, 100) : -1;
  printf("child comm by openat2(/proc): %.*s\n", n > 0 ? (int)n - 1 : 0, n > 0 ? buf : strerrorname_np(errno));
  if (fd >= 0) close(fd);
  if (fchdir(proc) != 0) return 1;
  r = read_proc(buf, sizeof buf, "./%d/comm", child);
  printf("child comm relative to cwd /proc: %s\n", r ? strerrorname_np(-r) : buf);
  if (chdir("/") != 0) return 1;

  // Calls that do not open take virtual ids too, and /proc/self and /proc/thread-self read as them.
  struct stat st;
  snprintf(path, sizeof path, "/proc/%d", child);
  printf("child stat is a directory: %d\n", stat(path, &st) == 0 && S_ISDIR(st.st_mode));
  printf("child access: %d\n", access(path, F_OK) == 0);
  printf("child faccessat(/proc): %d\n", faccessat(proc, path + strlen("/proc/"), F_OK, 0) == 0);
  printf("child statx: %d\n", statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &(struct statx){0}) == 0);
  printf("no such pid stat: %s\n", stat("/proc/999999", &st) == 0 ? "reached" : strerrorname_np(errno));
  char target[4096], own[4096];
  snprintf(path, sizeof path, "/proc/%d/exe", child);
  ssize_t length = readlink(path, target, sizeof target), own_length = readlink("/proc/self/exe", own, sizeof own);
  printf("child exe is own exe: %d\n", length > 0 && length == own_length && memcmp(target, own, length) == 0);
  snprintf(path, sizeof path, "/proc/%d", child);
  printf("chdir to child: %d\n", chdir(path) == 0 && read_proc(buf, sizeof buf, "comm") == 0 &&
                                      strcmp(buf, "procfs-child") == 0);
  if (chdir("/") != 0) return 1;
  char expected[64];
  snprintf(expected, sizeof expected, "%d", self);
  length = readlink("/proc/self", target, sizeof target);
  printf("/proc/self link is getpid: %d\n", length == (ssize_t)strlen(expected) && memcmp(target, expected, length) == 0);
  length = readlinkat(proc, "self", target, sizeof target);
  printf("readlinkat(/proc, self) is getpid: %d\n",
         length == (ssize_t)strlen(expected) && memcmp(target, expected, length) == 0);
  memset(target, 'x', 16);
  length = readlink("//proc/./self", target, 2);
  size_t cut = strlen(expected) < 2 ? strlen(expected) : 2;
  printf("/proc/self in 2 bytes: cut, rest untouched: %d\n",
         length == (ssize_t)cut && memcmp(target, expected, cut) == 0 && target[cut] == 'x');
  snprintf(expected, sizeof expected, "%d/task/%d", self, gettid());
  length = readlink("/proc/thread-self", target, sizeof target);
  printf("/proc/thread-self link is pid/task/tid: %d\n",
         length == (ssize_t)strlen(expected) && memcmp(target, expected, length) == 0);
  printf("/proc/self/ is no link: %s\n", readlink("/proc/self/", target, sizeof target) < 0 ? strerrorname_np(errno) : "link");

  if (pipe(thread_go) || pthread_create(&thread, NULL, thread_main, NULL)) return 1;
  while (thread_tid == 0) sched_yield();
  r = read_proc(buf, sizeof buf, "/proc/%d/task/%d/comm", self, thread_tid);
  printf("thread comm by pid/task/tid: %s\n", r ? strerrorname_np(-r) : buf);
  r = read_proc(buf, sizeof buf, "/proc/self/task/%d/comm", thread_tid);
  printf("thread comm by self/task/tid: %s\n", r ? strerrorname_np(-r) : buf);
  r = read_proc(buf, sizeof buf, "/proc/%d/comm", thread_tid);
  printf("thread comm by tid: %s\n", r ? strerrorname_np(-r) : buf);
  r = read_proc(buf, sizeof buf, "/proc/%d/task/%d/comm", thread_tid, self);
  printf("main comm by tid/task/pid: %s\n", r ? strerrorname_np(-r) : strncmp(comm + 2, buf, strlen(buf)) == 0 ? "mine" : buf);
  r = read_proc(buf, sizeof buf, "/proc/%d/task/%d/comm", child, thread_tid);
  printf("thread comm by child/task/tid: %s\n", r ? strerrorname_np(-r) : buf);
  if (write(thread_go[1], "x", 1) != 1) return 1;
  pthread_join(thread, NULL);

  r = read_proc(buf, sizeof buf, "/proc/%d/status", 999999);
  printf("no such pid: %s\n", r ? strerrorname_np(-r) : "opened");
  r = read_proc(buf, sizeof buf, "/proc/0%d/status", self);
  printf("leading zero: %s\n", r ? strerrorname_np(-r) : "opened");

  if (write(go[1], "x", 1) != 1) return 1;
  siginfo_t info;
  if (waitid(P_PID, child, &info, WEXITED | WNOWAIT) != 0) return 1;
  r = read_proc(buf, sizeof buf, "/proc/%d/stat", child);
  printf("zombie stat: %s\n", r ? strerrorname_np(-r) : strstr(buf, ") Z ") ? "Z" : "other");
  char *close_paren = r == 0 ? strrchr(buf, ')') : NULL;
  printf("zombie stat pid, ppid, exit code: %d %d %s\n", r == 0 && atol(buf) == child,
         close_paren && atol(close_paren + 4) == self, close_paren ? strrchr(buf, ' ') + 1 : "?");
  r = read_proc(buf, sizeof buf, "/proc/%d/status", child);
  printf("zombie status State: %s\n", r ? strerrorname_np(-r) : strstr(buf, "State:\tZ (zombie)") ? "Z (zombie)" : "other");
  printf("zombie status Pid, PPid: %d %d\n", r == 0 && field(buf, "\nPid:") == child, r == 0 && field(buf, "\nPPid:") == self);
  r = read_proc(buf, sizeof buf, "/proc/%d/comm", child);
  printf("zombie comm: %s\n", r ? strerrorname_np(-r) : buf);
  r = read_proc(buf, sizeof buf, "/proc/%d/cmdline", child);
  printf("zombie cmdline: %s\n", r ? strerrorname_np(-r) : buf[0] ? "text" : "empty");
  snprintf(path, sizeof path, "/proc/%d", child);
  printf("zombie directory: %d\n", stat(path, &st) == 0 && S_ISDIR(st.st_mode));
  snprintf(path, sizeof path, "/proc/%d/exe", child);
  printf("zombie exe: %s\n", readlink(path, target, sizeof target) < 0 ? strerrorname_np(errno) : "link");
  int listed = 0;
  DIR *all = opendir("/proc");
  for (struct dirent *entry; all && (entry = readdir(all));) listed += atol(entry->d_name) == child;
  if (all) closedir(all);
  printf("zombie listed: %d\n", listed);
  if (waitpid(child, NULL, 0) != child) return 1;
  r = read_proc(buf, sizeof buf, "/proc/%d/stat", child);
  printf("reaped child stat: %s\n", r ? strerrorname_np(-r) : "opened");

  // A process blocked in waitpid sleeps (under umbra it is parked in a ptrace stop, which must not show).
  pid_t watcher = fork();
  if (watcher == 0) {
    usleep(100000);
    r = read_proc(buf, sizeof buf, "/proc/%d/stat", getppid());
    char *end = r == 0 ? strrchr(buf, ')') : NULL;
    printf("parent in waitpid, stat state: %c\n", end ? end[2] : '?');
    r = read_proc(buf, sizeof buf, "/proc/%d/status", getppid());
    printf("parent in waitpid, status State: %.1s\n", r == 0 && strstr(buf, "\nState:\t") ? strstr(buf, "\nState:\t") + 8 : "?");
    _exit(0);
  }
  if (waitpid(watcher, NULL, 0) != watcher) return 1;
  return 0;
}

// Names itself and waits to be killed (a process of another sandbox host, found by the test from outside).
static int hold(void) {
  prctl(PR_SET_NAME, "procfs-hold");
  for (;;) pause();
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 2 && strcmp(argv[1], "hold") == 0) return hold();
  if (argc == 4 && strcmp(argv[1], "escape") == 0) return escape(atoi(argv[2]), argv[3]);
  if (argc == 2 && strcmp(argv[1], "ns") == 0) return ns(argv);
  fprintf(stderr, "usage: procfs escape <host pid> <dir> | procfs ns | procfs hold\n");
  return 2;
}
