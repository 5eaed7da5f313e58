// Makes argv[1] getppid calls: a long strace log from a thread whose virtual time never moves.
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
  long count = argc > 1 ? atol(argv[1]) : 0;
  for (long i = 0; i < count; i++) syscall(SYS_getppid);
  return 0;
}
