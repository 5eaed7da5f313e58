/* The thread-group leader ends first (the exit syscall of one thread, not exit_group); its
 * other thread sleeps 100 ms (or argv[1] seconds), prints and ends the process. The process
 * lives on until then, a zombie leader and a live thread, as natively. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static struct timespec nap = {0, 100000000};

static void *later(void *unused) {
  (void)unused;
  nanosleep(&nap, NULL);
  printf("the other thread: still here after the leader ended\n");
  fflush(stdout);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc > 1) nap = (struct timespec){atoi(argv[1]), 0};
  pthread_t thread;
  if (pthread_create(&thread, NULL, later, NULL) != 0) return 1;
  printf("the leader: ending\n");
  fflush(stdout);
  syscall(SYS_exit, 0);
  return 2;
}
