// Path calls whose strings the strace log prints, through syscall(2) so that libc picks no other syscall: opens
// (one of a name with escapes), stats, access checks, chdir, and /proc/self read as the virtual pid (in full, and
// cut to a 2-byte buffer); a bad path pointer prints as its address.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  struct stat st;
  char statx_buffer[256];
  char link[64];
  long fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);
  syscall(SYS_close, fd);
  syscall(SYS_open, "/nonexistent/a\tb\n\"q\"\\\0331", O_RDONLY | O_CLOEXEC);
  syscall(SYS_openat, AT_FDCWD, "/nonexistent/new", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  syscall(SYS_stat, "/", &st);
  syscall(SYS_lstat, "/proc/self", &st);
  syscall(SYS_newfstatat, AT_FDCWD, "/proc/self", &st, AT_SYMLINK_NOFOLLOW);
  syscall(SYS_statx, AT_FDCWD, "/", AT_SYMLINK_NOFOLLOW, 0x7ff, statx_buffer);
  syscall(SYS_access, "/", R_OK | X_OK);
  syscall(SYS_faccessat, AT_FDCWD, "/nonexistent", F_OK);
  syscall(SYS_faccessat2, AT_FDCWD, "/", R_OK, AT_EACCESS);
  syscall(SYS_chdir, "/");
  long length = syscall(SYS_readlink, "/proc/self", link, sizeof link);
  syscall(SYS_readlinkat, AT_FDCWD, "/proc/self", link, 2);
  syscall(SYS_readlink, (char *)1, link, sizeof link);
  printf("self %.*s\n", (int)length, link);
  return 0;
}
