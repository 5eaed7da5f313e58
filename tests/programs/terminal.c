/* A terminal of the program's own: forkpty(3) makes a pseudo-terminal and a child that leads a
 * new session with it as its controlling terminal (setsid, TIOCSCTTY), as a terminal emulator or
 * `script` does. The child reports what it sees; the parent reads it through the master. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static void child(void) {
  char line[512];
  int tty = open("/dev/tty", O_RDWR);
  const char *name = ttyname(0);
  snprintf(line, sizeof line,
           "child: leads its session=%d, foreground group=%d, /dev/tty opens=%d, on /dev/pts=%d, "
           "TIOCSCTTY again=%d\r\n",
           getsid(0) == getpid(), tcgetpgrp(0) == getpgrp(), tty >= 0,
           name != NULL && strncmp(name, "/dev/pts/", 9) == 0, ioctl(0, TIOCSCTTY, 0) == 0);
  if (write(1, line, strlen(line)) < 0) _exit(2);
  // Until the parent has read it: a pty drops what its slave wrote once the slave is closed.
  char go;
  if (read(0, &go, 1) != 1) _exit(3);
  _exit(0);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  int master;
  struct termios raw;
  memset(&raw, 0, sizeof raw);
  cfmakeraw(&raw);
  pid_t pid = forkpty(&master, NULL, &raw, NULL);
  if (pid < 0) {
    printf("forkpty: %s\n", strerrorname_np(errno));
    return 1;
  }
  if (pid == 0) child();
  char buffer[1024];
  size_t got = 0;
  while (got == 0 || buffer[got - 1] != '\n') {
    ssize_t n = read(master, buffer + got, sizeof buffer - 1 - got);
    if (n <= 0) break;
    got += (size_t)n;
  }
  buffer[got] = 0;
  if (write(master, "g", 1) != 1) return 2;
  int status;
  waitpid(pid, &status, 0);
  printf("%s", buffer);
  printf("parent: child exited=%d code=%d\n", WIFEXITED(status), WEXITSTATUS(status));
  return 0;
}
