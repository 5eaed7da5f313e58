/* Calls that reach the whole machine, made with arguments that change nothing even natively
 * as root (bad magic numbers, a module that does not exist, an invalid clock, a NULL time).
 * Under umbra each must fail, as in a container: the sandbox's root has no capability over the
 * host (EPERM), or the kernel refuses the arguments first. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void report(const char *name, long result) {
  printf("%s: %s\n", name, result < 0 ? strerrorname_np(errno) : "0");
}

int main(void) {
  report("reboot", syscall(SYS_reboot, 0xdeadbeef, 0x12345678, 0, NULL));
  report("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0xffff0000UL));
  report("kexec_file_load", syscall(SYS_kexec_file_load, -1, -1, 0, NULL, 0xffff0000UL));
  report("init_module", syscall(SYS_init_module, NULL, 0, ""));
  report("finit_module", syscall(SYS_finit_module, -1, "", 0));
  report("delete_module", syscall(SYS_delete_module, "umbra_no_such_module", 04000));
  struct timespec now = {0, 0};
  report("clock_settime", syscall(SYS_clock_settime, CLOCK_MONOTONIC, &now));
  report("settimeofday", syscall(SYS_settimeofday, NULL, NULL));
  return 0;
}
