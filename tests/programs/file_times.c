// File times as a program reads them back (tests/file_times_test.ts): what it writes, sleeps, rewrites,
// touches and sets, against its own clock; and a file that was there before (argv[2]), which it only looks at.
// Usage: file_times DIR OLD_FILE. Each line says what it checked: `agree=1`, `within=1`, `same=1`.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }
static long long sx(struct statx_timestamp t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

static long long now(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return ns(t);
}

static void check(int ok, const char *what) {
  if (!ok) {
    perror(what);
    exit(1);
  }
}

static void put(int fd, const char *text) { check(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write"); }

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  check(chdir(argv[1]) == 0, "chdir");
  struct stat st;
  struct statx x;

  // Created and written; read back through the descriptor and by name, against time() and the clock.
  int fd = open("made", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  check(fd >= 0, "open");
  put(fd, "first\n");
  time_t t0 = time(NULL);
  long long c0 = now();
  check(fstat(fd, &st) == 0, "fstat");
  printf("written mtime=%lld ctime=%lld time=%lld agree=%d\n", ns(st.st_mtim), ns(st.st_ctim), (long long)t0,
         st.st_mtim.tv_sec == t0 && st.st_ctim.tv_sec == t0 && c0 / 1000000000LL == t0);
  long long birth = ns(st.st_mtim);

  // Another file, written again just after a stat (so the kernel stamps it fine-grained), then a sleep: it keeps
  // the time before the sleep, however close the sleep's jump of the clock came in real time.
  int early = open("early", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  check(early >= 0, "open early");
  put(early, "a\n");
  check(fstat(early, &st) == 0, "fstat early");
  put(early, "b\n");
  check(close(early) == 0, "close early");

  // A virtual 100 s later, written again.
  sleep(100);
  put(fd, "second\n");
  time_t t1 = time(NULL);
  check(stat("made", &st) == 0, "stat");
  printf("rewritten mtime=%lld ctime=%lld time=%lld agree=%d later=%d\n", ns(st.st_mtim), ns(st.st_ctim),
         (long long)t1, st.st_mtim.tv_sec == t1 && st.st_ctim.tv_sec == t1, st.st_mtim.tv_sec - t0 >= 100);
  check(close(fd) == 0, "close");

  // statx: the birth time is the creation's, the others the rewrite's.
  check(statx(AT_FDCWD, "made", 0, STATX_BASIC_STATS | STATX_BTIME, &x) == 0, "statx");
  printf("statx mtime=%lld ctime=%lld btime=%lld same=%d\n", sx(x.stx_mtime), sx(x.stx_ctime),
         (x.stx_mask & STATX_BTIME) ? sx(x.stx_btime) : -1LL,
         sx(x.stx_mtime) == ns(st.st_mtim) && (!(x.stx_mask & STATX_BTIME) || sx(x.stx_btime) == birth));

  check(stat("early", &st) == 0, "stat early");
  printf("early mtime=%lld ctime=%lld agree=%d\n", ns(st.st_mtim), ns(st.st_ctim),
         st.st_mtim.tv_sec == t0 && st.st_ctim.tv_sec == t0);

  // A virtual 50 s later, touched (UTIME_NOW): exactly between the clock reads around it.
  sleep(50);
  long long before = now();
  check(utimensat(AT_FDCWD, "made", NULL, 0) == 0, "utimensat");
  long long after = now();
  check(lstat("made", &st) == 0, "lstat");
  printf("touched mtime=%lld atime=%lld before=%lld after=%lld within=%d\n", ns(st.st_mtim), ns(st.st_atim), before,
         after, before <= ns(st.st_mtim) && ns(st.st_mtim) <= after && ns(st.st_atim) == ns(st.st_mtim));

  // Explicit times are kept as set: one in 2001, one in 2100 (past the host's now).
  struct timespec set[2] = {{978307200, 5}, {4102444800, 7}};
  check(utimensat(AT_FDCWD, "made", set, 0) == 0, "utimensat explicit");
  check(fstatat(AT_FDCWD, "made", &st, AT_SYMLINK_NOFOLLOW) == 0, "fstatat");
  printf("explicit atime=%lld mtime=%lld same=%d\n", ns(st.st_atim), ns(st.st_mtim),
         ns(st.st_atim) == 978307200000000005LL && ns(st.st_mtim) == 4102444800000000007LL);

  // A new file made after another virtual second is newer, as make and find -newer compare.
  sleep(1);
  int other = open("later", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  check(other >= 0, "open later");
  put(other, "x\n");
  close(other);
  struct stat a, b;
  check(stat("made", &a) == 0 && utimensat(AT_FDCWD, "made", (struct timespec[2]){{0, UTIME_OMIT}, {t1, 0}}, 0) == 0,
        "set made");
  check(stat("made", &a) == 0 && stat("later", &b) == 0, "stat both");
  printf("newer later=%lld made=%lld agree=%d\n", ns(b.st_mtim), ns(a.st_mtim), ns(b.st_mtim) > ns(a.st_mtim));

  // The file from before the run: only looked at.
  check(stat(argv[2], &st) == 0, "stat old");
  printf("old atime=%lld mtime=%lld\n", ns(st.st_atim), ns(st.st_mtim));
  return 0;
}
