// Tries to reach a host process (pid in argv[1]) with ptrace and process_vm_readv, and to install a seccomp listener.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/seccomp.h>
int main(int argc, char **argv) {
  pid_t host = atoi(argv[1]);
  long r = ptrace(PTRACE_SEIZE, host, 0, 0); printf("seize host: %ld %s\n", r, r ? strerrorname_np(errno) : "");
  r = ptrace(PTRACE_ATTACH, host, 0, 0); printf("attach host: %ld %s\n", r, r ? strerrorname_np(errno) : "");
  r = ptrace(PTRACE_TRACEME, 0, 0, 0); printf("traceme: %ld %s\n", r, r ? strerrorname_np(errno) : "");
  char buf[8]; struct iovec l = {buf, 8}, rm = {(void*)0x400000, 8};
  r = process_vm_readv(host, &l, 1, &rm, 1, 0); printf("vm_readv host: %ld %s\n", r, r < 0 ? strerrorname_np(errno) : "");
  r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, NULL); printf("listener: %ld %s\n", r, r < 0 ? strerrorname_np(errno) : "");
  return 0;
}
