// Checks poll, select, epoll_wait and sem_timedwait (futex) timeouts, and a poll woken by a child after a sleep.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>
static double mono(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(void) {
  int p[2]; pipe(p);
  double s = mono();
  struct pollfd f = {p[0], POLLIN, 0};
  int r = poll(&f, 1, 1500);
  printf("poll=%d after~%.1f\n", r, mono() - s);
  s = mono();
  fd_set set; FD_ZERO(&set); FD_SET(p[0], &set);
  struct timeval tv = {2, 0};
  r = select(p[0] + 1, &set, NULL, NULL, &tv);
  printf("select=%d after~%.1f left=%ld\n", r, mono() - s, (long)tv.tv_sec);
  int ep = epoll_create1(0); struct epoll_event ev = {EPOLLIN, {0}}; epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
  s = mono(); r = epoll_wait(ep, &ev, 1, 3000); printf("epoll=%d after~%.1f\n", r, mono() - s);
  sem_t sem; sem_init(&sem, 0, 0);
  struct timespec abs; clock_gettime(CLOCK_REALTIME, &abs); abs.tv_sec += 4;
  s = mono(); r = sem_timedwait(&sem, &abs); printf("sem_timedwait=%d %s after~%.1f\n", r, r ? strerrorname_np(errno) : "-", mono() - s);
  if (fork() == 0) { usleep(500000); write(p[1], "x", 1); _exit(0); }
  s = mono(); r = poll(&f, 1, 100000); printf("poll ready=%d after~%.1f\n", r, mono() - s);
  return 0;
}
