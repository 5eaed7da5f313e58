// What a seeded run must repeat: one line per source of randomness or address, each a
// `name value` pair (tests/seed_test.ts compares them across runs and seeds).
//   seeded           everything below, once
//   seeded rdtsc     rdtsc and rdtscp values around a 1 s sleep, and the clock they should follow
//   seeded segv      a genuine SIGSEGV (a write through NULL)
//   seeded spin      how many rdtsc reads until the TSC has moved by 10 ms worth
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

static void hex(const char *name, const unsigned char *bytes, size_t length) {
  printf("%s ", name);
  for (size_t i = 0; i < length; i++) printf("%02x", bytes[i]);
  printf("\n");
}

static void device(const char *path) {
  unsigned char bytes[32];
  int fd = open(path, O_RDONLY);
  if (fd < 0 || read(fd, bytes, sizeof bytes) != (ssize_t)sizeof bytes) {
    printf("%s unreadable\n", path);
    return;
  }
  close(fd);
  hex(path, bytes, sizeof bytes);
}

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "segv") == 0) {
    fflush(stdout);
    *(volatile int *)0 = 1;
    return 0;
  }
  if (argc > 1 && strcmp(argv[1], "spin") == 0) {
    uint64_t start = __rdtsc();
    long spins = 0;
    while (__rdtsc() - start < 10000000u) spins++;
    printf("spins %ld\n", spins);
    return 0;
  }
  if (argc > 1 && strcmp(argv[1], "rdtsc") == 0) {
    unsigned aux = 7;
    uint64_t a = __rdtsc(), b = __rdtsc(), c = __rdtscp(&aux);
    uint64_t t0 = now_ns();
    sleep(1);
    uint64_t t1 = now_ns();
    uint64_t d = __rdtsc();
    printf("tsc %llu %llu %llu %llu\n", (unsigned long long)a, (unsigned long long)b, (unsigned long long)c,
           (unsigned long long)d);
    printf("aux %u\n", aux);
    printf("clock %llu %llu\n", (unsigned long long)t0, (unsigned long long)t1);
    return 0;
  }
  unsigned char bytes[32];
  if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes) return 1;
  hex("getrandom", bytes, sizeof bytes);
  if (getrandom(bytes, 16, GRND_NONBLOCK | GRND_RANDOM) != 16) return 1;
  hex("getrandom-again", bytes, 16);
  device("/dev/urandom");
  device("/dev/random");
  hex("at_random", (const unsigned char *)getauxval(AT_RANDOM), 16);
  void *heap = malloc(100);
  int local = 0;
  printf("heap %p\n", heap);
  printf("stack %p\n", (void *)&local);
  printf("main %p\n", (void *)main);
  uint64_t tsc = __rdtsc();
  printf("rdtsc-nonzero %d\n", tsc != 0);
  // Errors as Linux gives them.
  long rc = syscall(SYS_getrandom, bytes, 1, 0x80);
  printf("einval %ld %d\n", rc, rc < 0 ? errno : 0);
  rc = syscall(SYS_getrandom, (void *)8, 16, 0);
  printf("efault %ld %d\n", rc, rc < 0 ? errno : 0);
  rc = syscall(SYS_getrandom, bytes, 16, 6); // GRND_RANDOM | GRND_INSECURE
  printf("einval-flags %ld %d\n", rc, rc < 0 ? errno : 0);
  free(heap);
  return 0;
}
