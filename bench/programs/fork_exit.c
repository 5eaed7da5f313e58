// Row 3: fork + child _exit(0) + waitpid, in a loop (default 500).
#include "common.h"
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = count_arg(argc, argv, 500);
    long long start = now_ns();
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) _exit(0);
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "child %ld: bad wait\n", i);
            return 1;
        }
    }
    report(now_ns() - start, n);
    return 0;
}
