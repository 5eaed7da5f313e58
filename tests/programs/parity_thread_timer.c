// POSIX timers that name a thread: timer_create with SIGEV_THREAD_ID for another thread of the process delivers every
// expiration to that thread (gettid in the handler; the main thread, which does not block the signal, gets none), with
// SI_TIMER and the timer's value; a tid of another process or of no thread is EINVAL. glibc's SIGEV_THREAD timers (a
// helper thread it makes, signalled by SIGEV_THREAD_ID) run their function, in the program and in a forked child.
// Facts only, no times: the same in real and in virtual time.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

static pid_t gettid_raw(void) { return (pid_t)syscall(SYS_gettid); }

static volatile pid_t target_tid;
static volatile int hits, hits_elsewhere, bad_info;
static volatile int stop_target;

static void on_usr1(int signal, siginfo_t *info, void *context) {
    (void)signal;
    (void)context;
    if (gettid_raw() == target_tid) hits++;
    else hits_elsewhere++;
    if (info->si_code != SI_TIMER || info->si_value.sival_int != 77) bad_info++;
}

static void *target(void *unused) {
    (void)unused;
    target_tid = gettid_raw();
    while (!stop_target) pause();
    return NULL;
}

static const char *outcome(int result) { return result == 0 ? "0" : strerrorname_np(errno); }

static int create(pid_t tid, timer_t *timer) {
    struct sigevent event;
    memset(&event, 0, sizeof event);
    event.sigev_notify = SIGEV_THREAD_ID;
    event.sigev_signo = SIGUSR1;
    event.sigev_value.sival_int = 77;
    event.sigev_notify_thread_id = tid;
    return timer_create(CLOCK_MONOTONIC, &event, timer);
}

static int notify_pipe[2];
static volatile pid_t notify_tid;

static void notified(union sigval value) {
    notify_tid = gettid_raw();
    char byte = (char)value.sival_int;
    if (write(notify_pipe[1], &byte, 1) != 1) _exit(9);
}

// A glibc SIGEV_THREAD timer, armed for 10 ms: whether its function ran (in a thread of its own) with the value.
static void sigev_thread(const char *who) {
    if (pipe(notify_pipe) != 0) _exit(2);
    struct sigevent event;
    memset(&event, 0, sizeof event);
    event.sigev_notify = SIGEV_THREAD;
    event.sigev_notify_function = notified;
    event.sigev_value.sival_int = 42;
    timer_t timer;
    int created = timer_create(CLOCK_MONOTONIC, &event, &timer);
    printf("%s: timer_create(SIGEV_THREAD): %s\n", who, outcome(created));
    if (created != 0) return;
    struct itimerspec spec = {{0, 0}, {0, 10000000}};
    printf("%s: timer_settime: %s\n", who, outcome(timer_settime(timer, 0, &spec, NULL)));
    char byte = 0;
    long got = read(notify_pipe[0], &byte, 1);
    printf("%s: function ran=%d value=%d in_another_thread=%d\n", who, got == 1, byte,
           notify_tid != 0 && notify_tid != gettid_raw());
    timer_delete(timer);
    close(notify_pipe[0]);
    close(notify_pipe[1]);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    alarm(10); // a timer that never fires ends the run, with what was printed
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_usr1;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGUSR1, &action, NULL);
    pthread_t thread;
    if (pthread_create(&thread, NULL, target, NULL) != 0) return 2;
    while (target_tid == 0) sched_yield();

    timer_t timer;
    int created = create(target_tid, &timer);
    printf("timer_create(SIGEV_THREAD_ID, other thread): %s\n", outcome(created));
    struct itimerspec spec = {{0, 10000000}, {0, 10000000}};
    int armed = created == 0 ? timer_settime(timer, 0, &spec, NULL) : -1;
    printf("timer_settime(10 ms, every 10 ms): %s\n", created == 0 ? outcome(armed) : "skipped");
    // The main thread sleeps with SIGUSR1 unblocked: a signal for the process would mostly come here.
    while (armed == 0 && hits + hits_elsewhere < 5) {
        struct timespec nap = {0, 2000000};
        nanosleep(&nap, NULL);
    }
    if (created == 0) timer_delete(timer);
    printf("expirations: at_least_5=%d all_in_the_named_thread=%d elsewhere=%d info_ok=%d\n", hits >= 5,
           hits_elsewhere == 0, hits_elsewhere, bad_info == 0);

    printf("timer_create(SIGEV_THREAD_ID, own thread): %s\n", outcome(create(gettid_raw(), &timer)));
    timer_delete(timer);
    pid_t child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    printf("timer_create(SIGEV_THREAD_ID, another process): %s\n", outcome(create(child, &timer)));
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    printf("timer_create(SIGEV_THREAD_ID, no such thread): %s\n", outcome(create(5000000, &timer)));
    printf("timer_create(SIGEV_THREAD_ID, tid 0): %s\n", outcome(create(0, &timer)));

    sigev_thread("program");
    fflush(stdout);
    child = fork();
    if (child == 0) {
        sigev_thread("forked child");
        fflush(stdout);
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    printf("forked child: exited=%d code=%d\n", WIFEXITED(status), WEXITSTATUS(status));
    stop_target = 1;
    pthread_kill(thread, SIGUSR1);
    pthread_join(thread, NULL);
    return 0;
}
