// Checks setsid/setpgid/getpgid/getsid rules and errors: EPERM, EACCES after exec, ESRCH for non-children, EINVAL.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, long result) {
    if (result == -1)
        printf("%s: %s\n", what, strerrorname_np(errno));
    else
        printf("%s: ok\n", what);
}

// A child that waits for a byte on its gate (so it stays a non-exec'd child of ours), then runs `body`.
struct kid {
    pid_t pid;
    int gate;
    int report;
};

static struct kid start(int (*body)(void)) {
    int gate[2], report[2];
    if (pipe(gate) != 0 || pipe(report) != 0) _exit(90);
    pid_t pid = fork();
    if (pid == 0) {
        close(gate[1]);
        close(report[0]);
        if (body) {
            int result = body();
            if (write(report[1], &result, sizeof result) != sizeof result) _exit(91);
        }
        char byte;
        _exit(read(gate[0], &byte, 1) == 1 ? 0 : 92);
    }
    close(gate[0]);
    close(report[1]);
    struct kid k = {pid, gate[1], report[0]};
    if (body) {
        int result;
        if (read(k.report, &result, sizeof result) != sizeof result) _exit(93);
    }
    return k;
}

static int finish(struct kid k) {
    if (write(k.gate, "x", 1) != 1) _exit(94);
    close(k.gate);
    close(k.report);
    int status = -1;
    waitpid(k.pid, &status, 0);
    return status;
}

// Bodies run in the child (which prints while the parent waits for the result).
static int leader_tries(void) {
    printf("child: setpgid(0, 0) to lead a group: %s\n", setpgid(0, 0) == 0 ? "ok" : strerrorname_np(errno));
    show("child: setsid as a group leader", setsid());
    return 0;
}

static int new_session_facts(void) {
    pid_t self = getpid();
    pid_t sid = setsid();
    printf("child: setsid returns own pid=%d getsid(0)=pid %d getpgrp()=pid %d\n", sid == self, getsid(0) == self,
           getpgrp() == self);
    show("child: setsid again (now a session leader)", setsid());
    show("child: setpgid(0, 0) as a session leader", setpgid(0, 0));
    show("child: setpgid(0, parent's group) from another session", setpgid(0, getpgid(getppid())));
    return 0;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t self = getpid();

    // setsid in a group leader fails; in a fresh child it succeeds and makes a session and group.
    struct kid k = start(leader_tries);
    finish(k);
    k = start(new_session_facts);
    printf("parent: getsid(child)=child %d getpgid(child)=child %d\n", getsid(k.pid) == k.pid,
           getpgid(k.pid) == k.pid);
    show("parent: setpgid(child in another session, itself)", setpgid(k.pid, k.pid));
    show("parent: setpgid(child in another session, our group)", setpgid(k.pid, getpgrp()));
    struct kid same = start(NULL);
    show("parent: setpgid(child, group of another session)", setpgid(same.pid, k.pid));
    show("parent: setpgid(child, nonexistent group)", setpgid(same.pid, 0x3ffffff0));
    show("parent: setpgid(child, -1)", setpgid(same.pid, -1));
    show("parent: setpgid(-1, 0)", setpgid(-1, 0));
    show("parent: setpgid(child, child) makes a group", setpgid(same.pid, same.pid));
    printf("parent: getpgid(child)=child %d\n", getpgid(same.pid) == same.pid);
    show("parent: setpgid(child, child) again", setpgid(same.pid, same.pid));
    show("parent: setpgid(child, our group) moves it back", setpgid(same.pid, getpgrp()));
    printf("parent: getpgid(child)=ours %d\n", getpgid(same.pid) == getpgrp());
    finish(same);
    finish(k);

    // setpgid on a child that has exec'd: EACCES. The CLOEXEC pipe reads EOF once the exec happened.
    int exec_done[2], input[2];
    if (pipe2(exec_done, O_CLOEXEC) != 0 || pipe(input) != 0) return 10;
    pid_t child = fork();
    if (child == 0) {
        close(exec_done[0]);
        close(input[1]);
        dup2(input[0], 0);
        close(input[0]);
        execl("/bin/cat", "cat", (char *)NULL);
        _exit(127);
    }
    close(exec_done[1]);
    close(input[0]);
    char byte;
    printf("exec: happened=%d\n", read(exec_done[0], &byte, 1) == 0);
    show("parent: setpgid(exec'd child, itself)", setpgid(child, child));
    show("parent: setpgid(exec'd child, our group)", setpgid(child, getpgrp()));
    close(input[1]);  // cat reads EOF and exits
    int status;
    waitpid(child, &status, 0);
    printf("exec: cat exited=%d code=%d\n", WIFEXITED(status), WEXITSTATUS(status));

    // Non-children: the parent, a grandchild, a nonexistent pid, a reaped child.
    show("setpgid(parent, parent)", setpgid(getppid(), getppid()));
    show("setpgid(parent, 0)", setpgid(getppid(), 0));
    int report[2], gate[2];
    if (pipe(report) != 0 || pipe(gate) != 0) return 11;
    child = fork();
    if (child == 0) {
        pid_t grandchild = fork();
        if (grandchild == 0) {
            _exit(read(gate[0], &byte, 1) == 1 ? 0 : 1);
        }
        if (write(report[1], &grandchild, sizeof grandchild) != sizeof grandchild) _exit(2);
        waitpid(grandchild, &status, 0);
        _exit(0);
    }
    pid_t grandchild = 0;
    if (read(report[0], &grandchild, sizeof grandchild) != sizeof grandchild) return 12;
    show("setpgid(grandchild, grandchild)", setpgid(grandchild, grandchild));
    printf("getpgid(grandchild)=ours %d getsid(grandchild)=ours %d\n", getpgid(grandchild) == getpgrp(),
           getsid(grandchild) == getsid(0));
    if (write(gate[1], "x", 1) != 1) return 13;
    waitpid(child, &status, 0);
    show("setpgid(nonexistent, 0)", setpgid(0x3ffffff0, 0));
    show("getpgid(nonexistent)", getpgid(0x3ffffff0));
    show("getsid(nonexistent)", getsid(0x3ffffff0));
    show("getpgid(reaped child)", getpgid(child));
    show("getsid(reaped child)", getsid(child));
    show("getpgid(-1)", getpgid(-1));
    show("getsid(-1)", getsid(-1));
    printf("getpgid(self)=getpgrp %d getsid(self)=getsid(0) %d\n", getpgid(self) == getpgrp(),
           getsid(self) == getsid(0));
    return 0;
}
