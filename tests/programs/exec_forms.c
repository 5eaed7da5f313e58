// Checks the forms of exec (execve, execveat, fexecve, AT_EMPTY_PATH, a shebang script, an empty environment, errors).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char self_path[4096];
static char *empty_env[] = {NULL};
extern char **environ;

static long execveat_raw(int dirfd, const char *path, char **argv, char **envp, int flags) {
    return syscall(SYS_execveat, dirfd, path, argv, envp, flags);
}

// Runs `form` in a child, which execs this program in report mode (or fails and says why); prints how it ended.
static void attempt(const char *label, int form, const char *script) {
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        char pid[16], ppid[16];
        snprintf(pid, sizeof pid, "%d", (int)getpid());
        snprintf(ppid, sizeof ppid, "%d", (int)getppid());
        char *args[] = {self_path, "report", (char *)label, pid, ppid, NULL};
        int fd;
        char directory[4096];
        snprintf(directory, sizeof directory, "%s", self_path);
        switch (form) {
        case 0: execve(self_path, args, environ); break;
        case 1: execveat_raw(AT_FDCWD, self_path, args, environ, 0); break;
        case 2:
            fd = open(dirname(directory), O_RDONLY | O_DIRECTORY);
            execveat_raw(fd, basename(self_path), args, environ, 0);
            break;
        case 3:
            fd = open(self_path, O_RDONLY);
            execveat_raw(fd, "", args, environ, AT_EMPTY_PATH);
            break;
        case 4:
            fd = open(self_path, O_PATH | O_CLOEXEC);
            fexecve(fd, args, environ);
            break;
        case 5: execve(self_path, args, empty_env); break;
        case 6: {
            char *script_args[] = {(char *)script, pid, ppid, NULL};
            execve(script, script_args, environ);
            break;
        }
        case 7: execve("/nonexistent/program", args, environ); break;
        case 8:
            fd = open(self_path, O_RDONLY);
            execveat_raw(fd, "", args, environ, 0);
            break;
        case 9: execve(script, args, environ); break;  // the script without its execute bit
        case 10: execveat_raw(AT_FDCWD, self_path, args, environ, 0x12345); break;
        case 11: {
            char *args_then_fail[] = {self_path, "report", (char *)label, pid, ppid, "fail", NULL};
            execve(self_path, args_then_fail, environ);
            break;
        }
        }
        printf("%s: exec failed: %s; pid_unchanged=%d\n", label, strerrorname_np(errno), atoi(pid) == getpid());
        _exit(127);
    }
    int status;
    pid_t got = waitpid(child, &status, 0);
    printf("%s: waitpid returns_child=%d", label, got == child);
    if (WIFEXITED(status)) printf(" code=%d\n", WEXITSTATUS(status));
    else printf(" killed by %s\n", WIFSIGNALED(status) ? sigabbrev_np(WTERMSIG(status)) : "?");
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 5 && strcmp(argv[1], "report") == 0) {
        int env_count = 0;
        for (char **e = environ; *e; e++) env_count++;
        printf("%s: exec'd: pid_unchanged=%d ppid_unchanged=%d environment_empty=%d\n", argv[2],
               getpid() == atoi(argv[3]), getppid() == atoi(argv[4]), env_count == 0);
        if (argc == 6) raise(SIGUSR1);  // dies by a signal after the exec
        return 3;
    }
    if (argc > 1) return 99;
    if (readlink("/proc/self/exe", self_path, sizeof self_path - 1) <= 0) return 10;

    char directory[] = "/tmp/umbra-exec-forms-XXXXXX";
    if (!mkdtemp(directory)) return 11;
    char script[4200], plain[4200];
    snprintf(script, sizeof script, "%s/script.sh", directory);
    snprintf(plain, sizeof plain, "%s/plain.sh", directory);
    const char *text = "#!/bin/sh\n"
                       "echo \"script: exec'd: pid_unchanged=$([ $$ = $1 ] && echo 1 || echo 0)"
                       " ppid_unchanged=$([ $PPID = $2 ] && echo 1 || echo 0) args=$#\"\n"
                       "exit 4\n";
    for (int i = 0; i < 2; i++) {
        const char *path = i ? plain : script;
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, i ? 0644 : 0755);
        if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) return 12;
        close(fd);
    }

    attempt("execve", 0, NULL);
    attempt("execveat(AT_FDCWD, path)", 1, NULL);
    attempt("execveat(directory fd, name)", 2, NULL);
    attempt("execveat(fd, \"\", AT_EMPTY_PATH)", 3, NULL);
    attempt("fexecve(O_PATH fd)", 4, NULL);
    attempt("execve with an empty environment", 5, NULL);
    attempt("shebang script", 6, script);
    attempt("execve(nonexistent)", 7, NULL);
    attempt("execveat(fd, \"\") without AT_EMPTY_PATH", 8, NULL);
    attempt("execve(script without execute permission)", 9, plain);
    attempt("execveat(bad flags)", 10, NULL);
    attempt("execve, then raise(SIGUSR1)", 11, NULL);
    unlink(script);
    unlink(plain);
    rmdir(directory);
    return 0;
}
