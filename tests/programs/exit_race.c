// Threads busy taking signals (argv[1] of them) while the main thread ends the process: a thread's signal stop, or
// any stop umbra is answering, may be cut short by the group exit's SIGKILL.
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
static volatile long taken;
static void on_signal(int s) { (void)s; taken++; }
static void *spin(void *arg) {
  (void)arg;
  for (;;) syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
  return NULL;
}
int main(int argc, char **argv) {
  signal(SIGUSR1, on_signal);
  int threads = argc > 1 ? atoi(argv[1]) : 4;
  for (int i = 0; i < threads; i++) pthread_create(&(pthread_t){0}, NULL, spin, NULL);
  usleep(20000);
  exit(0);
}
