/* Signals a thread ignores never wake it: natively the kernel discards them when they are sent
 * (unless blocked). A child sends them while the parent waits in rt_sigtimedwait or epoll_wait;
 * each wait must run to its timeout, or return the signal only where it was blocked. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/** Forks a child that sends `signal` to this process after 50 ms. */
static pid_t send_later(int signal) {
  pid_t parent = getpid();
  pid_t child = fork();
  if (child == 0) {
    struct timespec pause = {0, 50000000};
    nanosleep(&pause, NULL);
    kill(parent, signal);
    _exit(0);
  }
  return child;
}

static void timed_wait(const char *what, int send, int wait_for) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, wait_for);
  struct timespec timeout = {0, 300000000};
  pid_t child = send_later(send);
  int got = sigtimedwait(&set, NULL, &timeout);
  printf("%s: %s\n", what, got > 0 ? sigabbrev_np(got) : strerrorname_np(errno));
  waitpid(child, NULL, 0);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  timed_wait("SIGURG (ignored by default) during sigtimedwait for USR1", SIGURG, SIGUSR1);
  signal(SIGUSR2, SIG_IGN);
  timed_wait("SIGUSR2 (SIG_IGN, not blocked) during sigtimedwait for it", SIGUSR2, SIGUSR2);
  sigset_t usr2;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  sigprocmask(SIG_BLOCK, &usr2, NULL);
  timed_wait("SIGUSR2 (SIG_IGN, blocked) during sigtimedwait for it", SIGUSR2, SIGUSR2);
  int epoll = epoll_create1(0);
  struct epoll_event events[1];
  pid_t child = send_later(SIGWINCH);
  int ready = epoll_wait(epoll, events, 1, 300);
  printf("SIGWINCH (ignored by default) during epoll_wait: %s\n", ready >= 0 ? "timed out" : strerrorname_np(errno));
  waitpid(child, NULL, 0);
  return 0;
}
