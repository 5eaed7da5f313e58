/* The thread-group leader ends first (the exit syscall of one thread, not exit_group); its
 * other thread sleeps 100 ms, prints and ends the process. The process lives on until then,
 * a zombie leader and a live thread, as natively. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void *later(void *unused) {
  (void)unused;
  struct timespec pause = {0, 100000000};
  nanosleep(&pause, NULL);
  printf("the other thread: still here after the leader ended\n");
  fflush(stdout);
  return NULL;
}

int main(void) {
  pthread_t thread;
  if (pthread_create(&thread, NULL, later, NULL) != 0) return 1;
  printf("the leader: ending\n");
  fflush(stdout);
  syscall(SYS_exit, 0);
  return 2;
}
