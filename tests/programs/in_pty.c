/* Runs a command on a new pseudo-terminal (raw mode: no echo, no line editing, output as written) and reports what
 * reached the terminal: everything the command wrote (copied to stdout), then one line for the input it holds that
 * nobody typed (bytes pushed with TIOCSTI or pasted would wait there: the next reader, a shell, would run them) or
 * that it was hung up (vhangup). `ctty`: the terminal is the controlling terminal of the command's session, as a
 * user's shell's is; `free`: it is no session's, so that a process in the command may take it as its own (the
 * command then runs in a child of the session's leader: a leader without a controlling terminal takes any terminal it
 * opens, and Deno opens its terminal again). Exits as the command did (128 + N when signal N killed it).
 *   in_pty ctty|free command [args...] */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static void die(const char *what) {
  fprintf(stderr, "in_pty: %s: %s\n", what, strerror(errno));
  exit(125);
}

/** Copies what the command wrote so far to stdout; false once the master has nothing more (or fails). */
static int copy(int master, int timeout) {
  struct pollfd ready = {master, POLLIN, 0};
  if (poll(&ready, 1, timeout) <= 0 || !(ready.revents & POLLIN)) return 0;
  char buffer[4096];
  ssize_t got = read(master, buffer, sizeof buffer);
  if (got <= 0) return 0;
  return fwrite(buffer, 1, got, stdout) == (size_t)got;
}

int main(int argc, char **argv) {
  if (argc < 3 || (strcmp(argv[1], "ctty") != 0 && strcmp(argv[1], "free") != 0)) {
    fprintf(stderr, "usage: in_pty ctty|free command [args...]\n");
    return 2;
  }
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) die("posix_openpt");
  int slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) die("open the terminal");
  struct termios mode;
  if (tcgetattr(slave, &mode) != 0) die("tcgetattr");
  cfmakeraw(&mode);
  if (tcsetattr(slave, TCSANOW, &mode) != 0) die("tcsetattr");
  pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) {
    if (setsid() < 0) die("setsid");
    if (strcmp(argv[1], "ctty") == 0 && ioctl(slave, TIOCSCTTY, 0) != 0) die("TIOCSCTTY");
    if (strcmp(argv[1], "free") == 0) {
      pid_t command = fork();
      if (command < 0) die("fork");
      if (command > 0) {
        int status;
        if (waitpid(command, &status, 0) != command) die("waitpid");
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
      }
    }
    for (int fd = 0; fd < 3; fd++)
      if (dup2(slave, fd) != fd) die("dup2");
    execvp(argv[2], argv + 2);
    _exit(errno == ENOENT ? 127 : 126);
  }
  int status;
  pid_t ended;
  while ((ended = waitpid(child, &status, WNOHANG)) == 0) copy(master, 10);
  if (ended != child) die("waitpid");
  while (copy(master, 50)) continue; // what the command's last processes wrote
  fflush(stdout);
  // The terminal's file operations become hung-up ones for every descriptor open on it, this one too: EIO.
  int waiting;
  if (ioctl(slave, FIONREAD, &waiting) != 0) printf("pty: hung up (%s)\n", strerrorname_np(errno));
  else if (waiting == 0) printf("pty: nothing injected\n");
  else {
    char input[256];
    fcntl(slave, F_SETFL, O_NONBLOCK);
    ssize_t got = read(slave, input, sizeof input - 1);
    input[got < 0 ? 0 : got] = 0;
    for (char *c = input; *c; c++)
      if (*c == '\n') *c = '|';
    printf("pty: %d bytes injected: %s\n", waiting, input);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
