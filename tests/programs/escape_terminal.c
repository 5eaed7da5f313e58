// The terminal on stdin (run under tests/programs/in_pty.c): pushing keystrokes into it (ioctl TIOCSTI, also with
// high bits in the request and the syscall number, which the kernel drops), pasting into it (TIOCLINUX, a virtual
// console's selection paste), and hanging it up (vhangup); first as it comes (the controlling terminal of a session
// outside the sandbox, or of none), then after setsid and TIOCSCTTY, which take it as this process's own where it is
// no session's. Each attempt's result is printed; in_pty reports what reached the terminal. Never run natively on the
// host (as root there TIOCSTI reaches any terminal): only under umbra, or natively under tests/programs/native_host.c.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ESCAPE_NATIVE_HOST_ONLY
#include "escape.h"

/** What a shell reading the terminal would run: pushed one byte at a time, stopping at the first refusal. */
static const char keys[] = "echo escaped\n";

static void inject(const char *when) {
    char label[128];
    long rc = 0;
    for (const char *key = keys; *key && rc == 0; key++) rc = ioctl(0, TIOCSTI, key);
    snprintf(label, sizeof label, "%s: ioctl(0, TIOCSTI)", when);
    result(label, rc);
    snprintf(label, sizeof label, "%s: ioctl(0, 1<<32|TIOCSTI)", when);
    result(label, syscall(SYS_ioctl, 0, (1UL << 32) | TIOCSTI, "\n"));
    snprintf(label, sizeof label, "%s: syscall(1<<32|SYS_ioctl, 0, TIOCSTI)", when);
    result(label, syscall((1L << 32) | SYS_ioctl, 0, TIOCSTI, "\n"));
    char paste = 3; // TIOCL_PASTESEL
    snprintf(label, sizeof label, "%s: ioctl(0, TIOCLINUX, TIOCL_PASTESEL)", when);
    result(label, ioctl(0, TIOCLINUX, &paste));
    snprintf(label, sizeof label, "%s: vhangup()", when);
    result(label, vhangup());
}

static int attempts(int argc, char **argv) {
    (void)argv;
    if (argc != 1) return 2;
    result("isatty(0)", isatty(0));
    inject("as inherited");
    result("setsid() == getpid()", setsid() == getpid() ? 1 : -1);
    result("ioctl(0, TIOCSCTTY, 0)", ioctl(0, TIOCSCTTY, 0));
    inject("after TIOCSCTTY");
    return 0;
}
