// Row 4: fork + execve("/bin/true") + waitpid, in a loop (default 200).
#include "common.h"
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
    long n = count_arg(argc, argv, 200);
    char *child_argv[] = {"true", NULL};
    long long start = now_ns();
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            execve("/bin/true", child_argv, environ);
            _exit(127);
        }
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "child %ld: bad wait\n", i);
            return 1;
        }
    }
    report(now_ns() - start, n);
    return 0;
}
