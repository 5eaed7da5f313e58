// A program queues siginfos to itself with kill's codes and a si_pid of its own choosing: it gets them back as written.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void) {
    sigset_t usr1; sigemptyset(&usr1); sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    struct timespec zero = {0, 0};
    for (int code = 0; code >= -6; code -= 6) {
        siginfo_t info; memset(&info, 0, sizeof info);
        info.si_signo = SIGUSR1; info.si_code = code; info.si_pid = 4000000;
        long r = syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, &info);
        siginfo_t w; memset(&w, 0, sizeof w);
        int got = sigtimedwait(&usr1, &w, &zero);
        printf("rt_sigqueueinfo(self, SIGUSR1, {code %d, si_pid 4000000}) = %ld; sigtimedwait = %d si_code=%d si_pid=%d\n", code, r, got, w.si_code, w.si_pid);
    }
    return 0;
}
