/* A program to debug with gdb, natively and under umbra: breakpoint targets, an SSE argument and
 * a counter gdb changes, and a signal passed through the debugger whose siginfo must stay exact. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

volatile int counter = 0;
static volatile int sender = -1;

__attribute__((noinline)) int work(int x) {
  counter += x;
  return counter;
}

/* Its argument arrives in xmm0. */
__attribute__((noinline)) int fp(double x) { return (int)(x * 4); }

static void on_usr1(int sig, siginfo_t *info, void *context) {
  (void)sig;
  (void)context;
  sender = info->si_pid;
}

int main(void) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = on_usr1;
  action.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &action, NULL);
  printf("fp %d\n", fp(2.5));
  for (int i = 1; i <= 3; i++) work(i);
  kill(getpid(), SIGUSR1);
  printf("counter %d\n", counter);
  printf("sender is self: %s\n", sender == getpid() ? "yes" : "no");
  return 0;
}
