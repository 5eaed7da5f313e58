/* A fork bomb: every process forks forever. At the sandbox's live-process limit fork fails with
 * EAGAIN and they all spin; the first process says so once. Never run natively. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
  int first = getpid() == 1000, reported = 0;
  for (;;) {
    pid_t child = fork();
    if (child == 0) first = 0; /* the child forks on too */
    if (child < 0 && errno == EAGAIN && first && !reported) {
      printf("fork: EAGAIN\n");
      fflush(stdout);
      reported = 1;
    }
  }
}
