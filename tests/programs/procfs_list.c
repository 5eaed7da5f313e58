// Lists /proc and /proc/self/task and prints what each numbered entry is to the program (itself, its children, its
// threads, or other), for a differential run against Linux in a pid namespace of its own: readdir, and raw
// getdents64 with a buffer that holds one record (entries must neither be lost nor repeated).
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t children[2];
static volatile pid_t thread_tid;
static int thread_go[2];

static void *thread_main(void *arg) {
  (void)arg;
  thread_tid = gettid();
  char c;
  if (read(thread_go[0], &c, 1) < 0) return NULL;
  return NULL;
}

static const char *role(long id, int tasks) {
  static char other[64];
  if (tasks) {
    if (id == getpid()) return "main thread";
    if (id == thread_tid) return "thread";
  } else {
    if (id == getpid()) return "self";
    if (id == children[0]) return "child 0";
    if (id == children[1]) return "child 1";
  }
  snprintf(other, sizeof other, "other %ld", id);
  return other;
}

static int compare(const void *a, const void *b) { return strcmp(*(const char **)a, *(const char **)b); }

/** Prints the sorted roles of the numbered entries of `path`, and how many named entries it has. */
static void list(const char *path, int tasks) {
  DIR *dir = opendir(path);
  if (!dir) {
    printf("%s: cannot open\n", path);
    return;
  }
  const char *roles[64];
  int count = 0, named = 0;
  for (struct dirent *entry; (entry = readdir(dir));) {
    char *end;
    long id = strtol(entry->d_name, &end, 10);
    if (*end != 0 || end == entry->d_name) named++;
    else if (count < 64) roles[count++] = strdup(role(id, tasks));
  }
  closedir(dir);
  qsort(roles, count, sizeof roles[0], compare);
  printf("%s:", path);
  for (int i = 0; i < count; i++) printf(" [%s]", roles[i]);
  printf(" and %s named entries\n", named > 10 ? "many" : "few");
}

/** getdents64 with room for about one record at a time: counts numbered and named entries. */
static void one_by_one(void) {
  int fd = open("/proc", O_RDONLY | O_DIRECTORY);
  char buffer[40] __attribute__((aligned(8)));
  int numbered = 0, named = 0, calls = 0;
  long n;
  while ((n = syscall(SYS_getdents64, fd, buffer, sizeof buffer)) > 0) {
    calls++;
    for (long at = 0; at < n;) {
      struct dirent64 *entry = (struct dirent64 *)(buffer + at);
      if (strspn(entry->d_name, "0123456789") == strlen(entry->d_name)) numbered++;
      else named++;
      at += entry->d_reclen;
    }
  }
  printf("one record at a time: %d numbered, %s named, ended with %ld\n", numbered, named > 10 ? "many" : "few", n);
  n = syscall(SYS_getdents64, fd, buffer, 8);
  printf("buffer too small at the end: %ld\n", n);
  lseek(fd, 0, SEEK_SET);
  n = syscall(SYS_getdents64, fd, buffer, 8);
  printf("buffer too small: %s\n", n < 0 ? "EINVAL" : "returned");
  close(fd);
}

/** The legacy getdents(2) record: d_type is the record's last byte. */
struct linux_dirent {
  unsigned long d_ino;
  unsigned long d_off;
  unsigned short d_reclen;
  char d_name[];
};

/** /proc/self/task through the legacy getdents(2): the threads by role, and whether d_type says directory. */
static void legacy(void) {
  int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY);
  char buffer[256] __attribute__((aligned(8)));
  const char *roles[8];
  int count = 0, directories = 0;
  long n;
  while ((n = syscall(SYS_getdents, fd, buffer, sizeof buffer)) > 0) {
    for (long at = 0; at < n;) {
      struct linux_dirent *entry = (struct linux_dirent *)(buffer + at);
      char *end;
      long id = strtol(entry->d_name, &end, 10);
      if (*end == 0 && end != entry->d_name && count < 8) {
        roles[count++] = strdup(role(id, 1));
        directories += buffer[at + entry->d_reclen - 1] == DT_DIR;
      }
      at += entry->d_reclen;
    }
  }
  close(fd);
  qsort(roles, count, sizeof roles[0], compare);
  printf("legacy getdents of /proc/self/task:");
  for (int i = 0; i < count; i++) printf(" [%s]", roles[i]);
  printf(", %d directories\n", directories);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  int go[2];
  if (pipe(go) || pipe(thread_go)) return 1;
  for (int i = 0; i < 2; i++) {
    children[i] = fork();
    if (children[i] == 0) {
      char c;
      close(go[1]);
      _exit(read(go[0], &c, 1) < 0);
    }
  }
  if (pthread_create(&(pthread_t){0}, NULL, thread_main, NULL)) return 1;
  while (thread_tid == 0) sched_yield();
  list("/proc", 0);
  list("/proc/self/task", 1);
  legacy();
  one_by_one();
  close(go[1]);
  for (int i = 0; i < 2; i++) waitpid(children[i], NULL, 0);
  list("/proc", 0);
  return 0;
}
