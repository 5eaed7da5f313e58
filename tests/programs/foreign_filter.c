/* A program's own seccomp filter, on top of umbra's: SECCOMP_RET_TRACE with no tracer of the
 * program's own fails the call with ENOSYS (natively nobody takes the stop), RET_ERRNO gives
 * its errno, everything else runs. Also opens /proc/<child>/stat while SIGCHLDs arrive: every
 * result is a descriptor or an error, never anything else. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t children;

static void on_child(int signal) {
  (void)signal;
  children++;
}

static const char *result(long value) {
  static char text[32];
  if (value < 0) return strerrorname_np(errno);
  snprintf(text, sizeof text, "%s", "ok");
  return text;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  struct sigaction action = {0};
  action.sa_handler = on_child;
  sigaction(SIGCHLD, &action, NULL);
  int odd = 0;
  for (int i = 0; i < 200; i++) {
    pid_t child = fork();
    if (child == 0) _exit(0);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", child);
    for (int j = 0; j < 5; j++) {
      int fd = open(path, O_RDONLY);
      if (fd >= 0) close(fd);
      if (fd < -1 || fd > 64 || (fd == -1 && errno != ENOENT && errno != EINTR)) odd++;
    }
    waitpid(child, NULL, 0);
  }
  printf("opens while children exit: odd results=%d\n", odd);

  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_wait4, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | 7),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog program = {sizeof filter / sizeof filter[0], filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) printf("no_new_privs: %s\n", strerrorname_np(errno));
  printf("seccomp: %s\n", result(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program)));
  printf("openat (RET_TRACE): %s\n", result(syscall(SYS_openat, AT_FDCWD, "/nonexistent", O_RDONLY)));
  pid_t child = fork();
  if (child == 0) _exit(3);
  printf("wait4 (RET_TRACE with data): %s\n", result(syscall(SYS_wait4, child, NULL, 0, NULL)));
  printf("getppid (RET_ERRNO): %s\n", result(syscall(SYS_getppid)));
  printf("getpid (allowed): %s\n", result(syscall(SYS_getpid)));
  siginfo_t info;
  const char *waited = result(waitid(P_PID, child, &info, WEXITED));
  printf("waitid (allowed): %s status=%d\n", waited, info.si_status);
  return 0;
}
