/* Calls that take a pid, on the caller's own pid (as 0 and as getpid()) and on a child's: capget,
 * capset, getpriority/setpriority, sched_getaffinity, sched_getscheduler, prlimit64 (get and
 * set), ioprio_get. In a pid namespace of its own a program's pids are the kernel's: each call
 * answers as natively. Prints what each returned. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *result(long value) {
  static char text[64];
  if (value < 0) return strerrorname_np(errno);
  snprintf(text, sizeof text, "%ld", value);
  return text;
}

static void calls(const char *who, pid_t pid) {
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, pid};
  struct __user_cap_data_struct data[2];
  long rc = syscall(SYS_capget, &header, data);
  printf("%s: capget %s effective=%08x%08x\n", who, result(rc), rc == 0 ? data[1].effective : 0,
         rc == 0 ? data[0].effective : 0);
  // capset of a pid other than the caller's own is EPERM since Linux 2.6.24; of its own, it works.
  header.pid = pid;
  printf("%s: capset %s\n", who, result(rc == 0 ? syscall(SYS_capset, &header, data) : -1));
  errno = 0;
  int nice = getpriority(PRIO_PROCESS, pid);
  printf("%s: getpriority %s\n", who, errno ? strerrorname_np(errno) : result(nice));
  printf("%s: setpriority(5) %s\n", who, result(setpriority(PRIO_PROCESS, pid, 5)));
  errno = 0;
  nice = getpriority(PRIO_PROCESS, pid);
  printf("%s: getpriority again %s\n", who, errno ? strerrorname_np(errno) : result(nice));
  cpu_set_t set;
  long affinity = sched_getaffinity(pid, sizeof set, &set);
  printf("%s: sched_getaffinity %s cpus=%d\n", who, result(affinity), affinity == 0 ? CPU_COUNT(&set) : 0);
  printf("%s: sched_getscheduler %s\n", who, result(sched_getscheduler(pid)));
  struct rlimit limit;
  long got = prlimit(pid, RLIMIT_NOFILE, NULL, &limit);
  printf("%s: prlimit get %s\n", who, result(got));
  struct rlimit lower = {64, limit.rlim_max};
  printf("%s: prlimit set %s\n", who, result(got == 0 ? prlimit(pid, RLIMIT_NOFILE, &lower, NULL) : -1));
  long soft = prlimit(pid, RLIMIT_NOFILE, NULL, &limit) == 0 ? (long)limit.rlim_cur : -1;
  printf("%s: prlimit soft now %ld\n", who, soft);
  printf("%s: ioprio_get %s\n", who, result(syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, pid)));
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  calls("0", 0);
  calls("getpid()", getpid());
  int ready[2];
  if (pipe(ready) != 0) return 1;
  pid_t child = fork();
  if (child == 0) {
    close(ready[0]);
    if (write(ready[1], "r", 1) != 1) _exit(1);
    for (;;) pause();
  }
  char byte;
  if (read(ready[0], &byte, 1) != 1) return 1;
  calls("child", child);
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  return 0;
}
