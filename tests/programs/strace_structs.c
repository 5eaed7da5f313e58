// Calls whose structs the strace log decodes, each with known contents: sigaction with a mask and flags,
// wait4 for a child that exits with 3, one killed by SIGKILL, one stopped then continued then terminated,
// waitid (WNOHANG with nothing to report, then an exit), nanosleep {0, 1000000}, clock_nanosleep, clock
// reads, rt_sigqueueinfo with si_int 42, an itimer, getrusage, and bad pointers (EFAULT).
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_usr2(int signal, siginfo_t *info, void *context) {
  (void)signal;
  (void)context;
  if (info->si_code == SI_QUEUE) got = info->si_value.sival_int;
}

static pid_t child_pausing(void) {
  pid_t pid = fork();
  if (pid == 0) {
    for (;;) pause();
  }
  return pid;
}

int main(void) {
  struct sigaction action, old;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = on_usr2;
  sigemptyset(&action.sa_mask);
  sigaddset(&action.sa_mask, SIGUSR1);
  sigaddset(&action.sa_mask, SIGCHLD);
  action.sa_flags = SA_RESTART | SA_SIGINFO;
  sigaction(SIGUSR2, &action, &old);
  memset(&action, 0, sizeof action);
  action.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &action, NULL);
  syscall(SYS_rt_sigaction, SIGUSR2, NULL, &old, 8);
  syscall(SYS_rt_sigaction, SIGUSR2, (void *)8, NULL, 8); // EFAULT

  int status;
  struct rusage usage;
  pid_t pid = fork();
  if (pid == 0) _exit(3);
  wait4(pid, &status, 0, &usage);

  // Nothing to report yet, then killed.
  pid = child_pausing();
  siginfo_t info;
  memset(&info, 0, sizeof info);
  syscall(SYS_waitid, P_PID, pid, &info, WEXITED | WNOHANG, NULL);
  kill(pid, SIGKILL);
  wait4(pid, &status, 0, NULL);

  pid = fork();
  if (pid == 0) _exit(0);
  waitid(P_PID, pid, &info, WEXITED);

  // Stopped, continued (it keeps pausing), then terminated.
  pid = child_pausing();
  kill(pid, SIGSTOP);
  wait4(pid, &status, WUNTRACED, NULL);
  kill(pid, SIGCONT);
  wait4(pid, &status, WCONTINUED, NULL);
  kill(pid, SIGTERM);
  wait4(pid, &status, 0, NULL);

  struct timespec request = {0, 1000000}, left;
  syscall(SYS_nanosleep, &request, &left);
  clock_nanosleep(CLOCK_MONOTONIC, 0, &request, NULL);
  syscall(SYS_nanosleep, (void *)8, NULL); // EFAULT
  struct timespec now;
  syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &now);
  syscall(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, &now);

  siginfo_t queued;
  memset(&queued, 0, sizeof queued);
  queued.si_signo = SIGUSR2;
  queued.si_code = SI_QUEUE;
  queued.si_pid = getpid();
  queued.si_uid = getuid();
  queued.si_value.sival_int = 42;
  syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR2, &queued);
  syscall(SYS_tgkill, getpid(), gettid(), SIGUSR2);

  struct itimerval timer = {{0, 0}, {5, 250000}}, previous;
  setitimer(ITIMER_REAL, &timer, NULL);
  memset(&timer, 0, sizeof timer);
  setitimer(ITIMER_REAL, &timer, &previous);
  getrusage(RUSAGE_CHILDREN, &usage);
  printf("got %d\n", (int)got);
  return 0;
}
