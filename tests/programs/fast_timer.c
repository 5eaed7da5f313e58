/* A POSIX timer with a 1 ns period in one child, which then only takes its signals, while a
 * second child forks and reaps 50 children of its own and the parent sleeps 200 ms: both must
 * finish all the same (the first's signals are coalesced, as the kernel coalesces them; nothing
 * else starves, and in virtual time the clock still moves). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t signals;

static void on_alarm(int signal) {
  (void)signal;
  signals++;
}

static void ticking(void) {
  struct sigaction action = {0};
  action.sa_handler = on_alarm;
  sigaction(SIGUSR1, &action, NULL);
  struct sigevent event = {0};
  event.sigev_notify = SIGEV_SIGNAL;
  event.sigev_signo = SIGUSR1;
  timer_t timer;
  if (timer_create(CLOCK_MONOTONIC, &event, &timer) != 0) _exit(2);
  struct itimerspec every_ns = {{0, 1}, {0, 1}};
  if (timer_settime(timer, 0, &every_ns, NULL) != 0) _exit(3);
  for (;;) {
    struct timespec tick = {0, 1000000};
    nanosleep(&tick, NULL);
  }
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  pid_t ticker = fork();
  if (ticker == 0) ticking();
  pid_t worker = fork();
  if (worker == 0) {
    for (int i = 0; i < 50; i++) {
      pid_t child = fork();
      if (child == 0) _exit(0);
      if (waitpid(child, NULL, 0) != child) _exit(4);
    }
    _exit(0);
  }
  int status;
  waitpid(worker, &status, 0);
  printf("the worker forked and reaped 50 children: exited=%d code=%d\n", WIFEXITED(status), WEXITSTATUS(status));
  struct timespec sleep = {0, 200000000};
  printf("a 200 ms sleep: %s\n", nanosleep(&sleep, NULL) == 0 ? "ended" : strerrorname_np(errno));
  kill(ticker, SIGKILL);
  waitpid(ticker, &status, 0);
  printf("the ticker was killed: %s\n", WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "no");
  return 0;
}
