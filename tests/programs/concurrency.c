/* Concurrency for the deterministic schedule: four threads take one mutex, three processes write
 * to one pipe, one file (argv[1]) and stdout, a loop forks children that signal their parent,
 * and the parent reaps them. Natively the interleavings differ from run to run. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int counter;
static char order[256];
static int order_len;
static volatile sig_atomic_t got;

static void *worker(void *arg) {
  long id = (long)arg;
  for (int i = 0; i < 20; i++) {
    pthread_mutex_lock(&lock);
    counter++;
    if (order_len < 255) order[order_len++] = (char)('a' + id);
    pthread_mutex_unlock(&lock);
    if (i % 5 == 0) sched_yield();
  }
  return NULL;
}

static void on_usr1(int sig) { (void)sig; got++; }

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  setvbuf(stdout, NULL, _IONBF, 0);
  pthread_t threads[4];
  for (long i = 0; i < 4; i++) pthread_create(&threads[i], NULL, worker, (void *)i);
  for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
  printf("mutex order %s counter %d\n", order, counter);

  int fds[2];
  pipe(fds);
  int file = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  for (int w = 0; w < 3; w++) {
    if (fork() == 0) {
      close(fds[0]);
      for (int i = 0; i < 5; i++) {
        char line[64];
        int n = snprintf(line, sizeof line, "w%d.%d ", w, i);
        write(fds[1], line, n);
        write(file, line, n);
        printf("stdout w%d.%d\n", w, i);
      }
      _exit(0);
    }
  }
  close(fds[1]);
  /* What the pipe carried, in the order the writes reached it, and how many reads took it. */
  char buffer[4096];
  size_t length = 0;
  int reads = 0;
  ssize_t n;
  while (length < sizeof buffer - 1 && (n = read(fds[0], buffer + length, sizeof buffer - 1 - length)) > 0) {
    length += (size_t)n;
    reads++;
  }
  buffer[length] = 0;
  printf("pipe: %s\n", buffer);
  fprintf(stderr, "pipe reads: %d\n", reads);
  while (wait(NULL) > 0) {}

  signal(SIGUSR1, on_usr1);
  pid_t parent = getpid();
  for (int i = 0; i < 4; i++) {
    pid_t child = fork();
    if (child == 0) {
      kill(parent, SIGUSR1);
      printf("child %d of loop %d\n", getpid(), i);
      _exit(i);
    }
  }
  int status;
  pid_t pid;
  while ((pid = wait(&status)) > 0) printf("reaped %d status %d\n", pid, WEXITSTATUS(status));
  /* Natively 1 to 4 of the signals arrive (a pending one absorbs the next): only say whether. */
  printf("signals %s\n", got > 0 ? "received" : "none");
  return 0;
}
