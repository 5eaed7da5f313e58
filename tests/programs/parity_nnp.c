// no_new_privs is the program's own: PR_GET_NO_NEW_PRIVS is 0 at the start (umbra installs its filter without it) and
// 1 once the program sets it (it cannot be cleared). A set-user-ID helper (argv[1], owned by 65534, mode 4755, on a
// filesystem mounted without nosuid) gains its owner's uid when a child that did setuid(1000) execs it, and when root
// does; with no_new_privs set first, it runs with the caller's uid. Run as root.
//   parity_nnp <helper>
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *outcome(int result) { return result >= 0 ? "0" : strerrorname_np(errno); }

// Runs the helper in a child: after setuid(uid) unless uid is 0, after PR_SET_NO_NEW_PRIVS if `nnp`.
static void run_helper(const char *helper, const char *what, uid_t uid, int nnp) {
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(3);
        if (uid != 0 && setuid(uid) != 0) _exit(4);
        execl(helper, helper, what, (char *)NULL);
        printf("%s: execl: %s\n", what, strerrorname_np(errno));
        fflush(stdout);
        _exit(5);
    }
    int status;
    waitpid(child, &status, 0);
    printf("%s: exited=%d code=%d\n", what, WIFEXITED(status), WEXITSTATUS(status));
}

int main(int argc, char **argv) {
    if (argc != 2 || geteuid() != 0) {
        printf("usage: parity_nnp <helper>, as root\n");
        return 2;
    }
    printf("start: PR_GET_NO_NEW_PRIVS=%d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    run_helper(argv[1], "uid 1000", 1000, 0);
    run_helper(argv[1], "root", 0, 0);
    run_helper(argv[1], "uid 1000, no_new_privs", 1000, 1);
    printf("PR_SET_NO_NEW_PRIVS(1): %s\n", outcome(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)));
    printf("then: PR_GET_NO_NEW_PRIVS=%d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    printf("PR_SET_NO_NEW_PRIVS(0): %s\n", outcome(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0)));
    printf("PR_SET_NO_NEW_PRIVS(2): %s\n", outcome(prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0)));
    printf("still: PR_GET_NO_NEW_PRIVS=%d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    run_helper(argv[1], "uid 1000, inherited no_new_privs", 1000, 0);
    return 0;
}
