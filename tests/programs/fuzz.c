// A deterministic syscall fuzzer for the calls umbra emulates or watches: kill, tkill, tgkill, rt_sigqueueinfo,
// rt_tgsigqueueinfo, pidfd_send_signal, pidfd_open, rt_sigtimedwait (zero timeout), wait4, waitid, rt_sigaction,
// rt_sigprocmask, setpgid, getpgid, getsid, setsid, getpid, getppid, gettid, getpgrp, set_tid_address, getrusage,
// prctl (death signal, child subreaper), clone (only flag combinations Linux refuses with EINVAL before it creates
// anything), and stat, statx, access, readlink, chdir and getdents64 on /proc paths of its ids. Arguments come from
// sets of interesting values (bad pointers, NULL, valid buffers, bad signal numbers, siginfos with any si_code, bad
// descriptors, random flag bits, bad sizes) chosen by a fixed-seed xorshift generator: `fuzz <seed> [calls]`. One
// line per call, `<index> <name>(<args>) = <ret> <errno>` plus what the call wrote, with every id printed by name
// (self, thr, c0..c3, z, probe), so a native run and a run under umbra print the same lines.
//
// Safety: pids come only from the fuzzer itself, its thread, its own children, its own group, and numbers no process
// can have (beyond PID_MAX_LIMIT); never -1 or 1. The signals it sends (kill, the siginfo calls, pidfds) are handled
// (counted) or ignored by default, and rt_sigaction never makes them fatal; only the fuzzer's own children get
// SIGKILL, at the end. Waits that could block on a live child get WNOHANG; rt_sigtimedwait gets a zero timeout, or
// none only when it fails before waiting. Run natively inside a new pid namespace anyway.
//
// Determinism: the thread blocks every signal, so a process-wide signal the main thread blocks stays pending for it
// (for rt_sigtimedwait to take) instead of going to whichever thread runs first. CPU times and usage are never
// printed, only whether they were written.
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif
#define PIDFD_THREAD_FLAG O_EXCL
#define PIDFD_SIGNAL_THREAD 1
#define PIDFD_SIGNAL_THREAD_GROUP 2
#define PIDFD_SIGNAL_PROCESS_GROUP 4

// ---- The generator ----

static uint64_t state;

static uint64_t rnd(void) {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1DULL;
}

static uint64_t below(uint64_t n) { return rnd() % n; }

static int chance(int percent) { return (int)below(100) < percent; }

// ---- Names: every id and pointer is printed by what it is, never by its value ----

struct named {
    long long value;
    const char *name;
};

static struct named ids[32];
static int id_count;

static void name_id(long long value, const char *name) {
    ids[id_count].value = value;
    ids[id_count].name = name;
    id_count++;
}

static char scratch[16][96];
static int scratch_next;

static char *next_scratch(void) {
    scratch_next = (scratch_next + 1) % 16;
    return scratch[scratch_next];
}

// The probes' pids, long reaped: a pending SIGCHLD still names one.
static long long probe_pids[512];
static int probe_count;

// An id (pid, tid, pgid) by name; other numbers as they are (they are the same in both runs).
static const char *id_name(long long value) {
    for (int i = id_count - 1; i >= 0; i--)
        if (ids[i].value == value) return ids[i].name;
    for (int i = 0; i < probe_count; i++)
        if (probe_pids[i] == value) return "probe";
    char *out = next_scratch();
    snprintf(out, 96, "%lld", value);
    return out;
}

static const char *errno_name(long result, int code) {
    if (result != -1) return "0";
    const char *name = strerrorname_np(code);
    if (name) return name;
    char *out = next_scratch();
    snprintf(out, 96, "errno%d", code);
    return out;
}

// ---- The world the fuzzer makes at the start ----

static pid_t self;
static volatile pid_t thread_tid;
static pid_t kids[4]; // c0..c2 sleep in pause(); c3 is stopped
static pid_t zombie;
static int pidfds[2]; // of c0 and c3
static volatile int caught[65];
static uint64_t libc_restorer;

static void count(int signal) { caught[signal]++; }

// Signals the fuzzer may deliver: all have handlers or ignore by default.
static const int deliverable[] = {SIGUSR1, SIGUSR2, SIGWINCH, SIGURG, SIGCHLD, 34, 35, 64};
// Of those, the ones whose default action would kill: rt_sigaction never sets them to SIG_DFL.
static int kills_by_default(int signal) {
    return signal == SIGUSR1 || signal == SIGUSR2 || signal == 34 || signal == 35 || signal == 64;
}

static int is_deliverable(int signal) {
    for (size_t i = 0; i < sizeof deliverable / sizeof deliverable[0]; i++)
        if (deliverable[i] == signal) return 1;
    return 0;
}

struct kernel_sigaction {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    uint64_t mask;
};

static long raw_sigaction(int signal, const struct kernel_sigaction *act, struct kernel_sigaction *old) {
    return syscall(SYS_rt_sigaction, signal, act, old, 8);
}

static void install(int signal) {
    struct kernel_sigaction act = {(uint64_t)(uintptr_t)count, SA_RESTART | SA_RESTORER, libc_restorer, 0};
    if (raw_sigaction(signal, &act, NULL) != 0) {
        perror("rt_sigaction");
        exit(2);
    }
}

// The thread blocks every signal: a signal for the whole process that the main thread blocks stays pending for
// it (rt_sigtimedwait, a later unblock) instead of going to whichever thread the scheduler runs first.
static void *thread_main(void *unused) {
    (void)unused;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, NULL);
    thread_tid = (pid_t)syscall(SYS_gettid);
    for (;;) pause();
    return NULL;
}

static void sleeper(int stop) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != self) _exit(1);
    if (stop) raise(SIGSTOP);
    for (;;) pause();
}

static void setup(void) {
    // Its own session and group, so that kill(0) and kill(-pgid) reach nothing but the fuzzer and its children.
    if (setsid() < 0) {
        perror("setsid");
        exit(2);
    }
    self = getpid();
    name_id(self, "self");
    name_id(-(long long)self, "-self");

    // Dispositions and mask as a fresh process has them: SIG_IGN and blocked signals are inherited natively (Deno
    // starts its children with signals 32 and 33 ignored), while umbra starts programs with everything reset.
    uint64_t empty = 0;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty, NULL, 8);
    for (int signal = 1; signal <= 64; signal++) {
        struct kernel_sigaction default_action = {0, 0, 0, 0};
        if (signal != SIGKILL && signal != SIGSTOP) raw_sigaction(signal, &default_action, NULL);
    }

    struct sigaction libc_action;
    memset(&libc_action, 0, sizeof libc_action);
    libc_action.sa_handler = count;
    libc_action.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &libc_action, NULL);
    struct kernel_sigaction old;
    raw_sigaction(SIGUSR1, NULL, &old);
    libc_restorer = old.restorer;
    for (size_t i = 0; i < sizeof deliverable / sizeof deliverable[0]; i++) install(deliverable[i]);

    fflush(stdout);
    static const char *kid_names[] = {"c0", "c1", "c2", "c3"};
    static const char *kid_groups[] = {"-c0", "-c1", "-c2", "-c3"};
    for (int i = 0; i < 4; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            exit(2);
        }
        if (pid == 0) sleeper(i == 3);
        kids[i] = pid;
        name_id(pid, kid_names[i]);
        name_id(-(long long)pid, kid_groups[i]);
    }
    siginfo_t info;
    if (waitid(P_PID, kids[3], &info, WSTOPPED | WNOWAIT) != 0 || info.si_code != CLD_STOPPED) {
        perror("waitid c3");
        exit(2);
    }
    zombie = fork();
    if (zombie == 0) _exit(7);
    name_id(zombie, "z");
    name_id(-(long long)zombie, "-z");
    if (waitid(P_PID, zombie, &info, WEXITED | WNOWAIT) != 0) {
        perror("waitid z");
        exit(2);
    }
    pidfds[0] = (int)syscall(SYS_pidfd_open, kids[0], 0);
    pidfds[1] = (int)syscall(SYS_pidfd_open, kids[3], 0);
    if (pidfds[0] < 0 || pidfds[1] < 0) {
        perror("pidfd_open");
        exit(2);
    }
    pthread_t thread;
    if (pthread_create(&thread, NULL, thread_main, NULL) != 0) exit(2);
    while (thread_tid == 0) sched_yield();
    name_id(thread_tid, "thr");
    printf("setup: children=4 zombie=1 thread=1 pidfds=2\n");
}

// ---- Argument sets ----

// Pids: the fuzzer's own ids, its children and groups, and numbers no process can have. Never -1, never 1.
static long long pick_pid(void) {
    switch (below(17)) {
    case 0: return self;
    case 1: return thread_tid;
    case 2: return kids[0];
    case 3: return kids[1];
    case 4: return kids[2];
    case 5: return kids[3];
    case 6: return zombie;
    case 7: return 0;
    case 8: return -(long long)self;
    case 9: return -(long long)kids[below(4)];
    case 10: return 0x3fffffff;
    case 11: return -0x3fffffff;
    case 12: return INT_MIN;
    case 13: return INT_MAX;
    case 14: return 5000000; // beyond PID_MAX_LIMIT
    case 15: return -0x3ffffff0 - (long long)below(3); // groups nobody leads
    default: return ((long long)1 << 32) | (unsigned)self; // high bits the kernel drops: self
    }
}

static const char *pid_arg(long long value) {
    if (value == (((long long)1 << 32) | (unsigned)self)) return "hi|self";
    return id_name(value);
}

static long long pick_signal_to_send(void) {
    switch (below(14)) {
    case 0:
    case 1: return 0;
    case 2:
    case 3:
    case 4:
    case 5: return deliverable[below(sizeof deliverable / sizeof deliverable[0])];
    case 6: return -1;
    case 7: return 65;
    case 8: return 1000;
    case 9: return INT_MIN;
    case 10: return INT_MAX;
    case 11: return ((long long)1 << 32) | SIGUSR1; // the kernel takes an int: SIGUSR1
    case 12: return 0xffffffffLL;                   // -1 as an int
    default: return -(long long)below(70);
    }
}

static long long pick_any_signal(void) {
    switch (below(12)) {
    case 0: return 0;
    case 1: return -1;
    case 2: return SIGKILL;
    case 3: return SIGSTOP;
    case 4: return 65;
    case 5: return 1000;
    case 6: return INT_MIN;
    case 7: return ((long long)1 << 32) | SIGCHLD;
    case 8:
    case 9: return deliverable[below(sizeof deliverable / sizeof deliverable[0])];
    default: return 1 + (long long)below(64);
    }
}

// Pointers. Buffers are filled with a sentinel before each call, so what a call wrote shows.
enum pointer_kind { NULL_POINTER, VALID, BAD, READ_ONLY, EDGE };

struct pointer {
    uint64_t value;
    const char *name;
    enum pointer_kind kind;
};

static uint8_t *read_only_page; // holds harmless content: a sigaction with SIG_IGN, a mask blocking SIGHUP
static uint8_t *none_page;      // PROT_NONE
static uint8_t *edge_page;      // read-write, followed by a PROT_NONE page
static uint64_t unmapped;       // never mapped
#define SENTINEL 0xab

static struct pointer pick_pointer(uint8_t *buffer) {
    switch (below(20)) {
    case 0:
    case 1:
    case 2: return (struct pointer){0, "NULL", NULL_POINTER};
    case 3: return (struct pointer){1, "1", BAD};
    case 4: return (struct pointer){UINT64_MAX, "-1", BAD};
    case 5: return (struct pointer){0x1000, "0x1000", BAD};
    case 6: return (struct pointer){(uint64_t)(uintptr_t)none_page, "none", BAD};
    case 7: return (struct pointer){unmapped, "unmapped", BAD};
    case 8: return (struct pointer){0xffff888000000000ULL, "kernel", BAD};
    case 9: return (struct pointer){0x0000800000000000ULL, "2^47", BAD};
    case 10: return (struct pointer){(uint64_t)(uintptr_t)read_only_page, "ro", READ_ONLY};
    case 11: return (struct pointer){(uint64_t)(uintptr_t)edge_page + 4096 - 2, "edge", EDGE};
    default: return (struct pointer){(uint64_t)(uintptr_t)buffer, "buf", VALID};
    }
}

static uint8_t buffer_a[512] __attribute__((aligned(16)));
static uint8_t buffer_b[512] __attribute__((aligned(16)));

static void fill(uint8_t *buffer) { memset(buffer, SENTINEL, 512); }

static int touched(const uint8_t *bytes, size_t length) {
    for (size_t i = 0; i < length; i++)
        if (bytes[i] != SENTINEL) return 1;
    return 0;
}

// Wait options: known bits, one of them wrong for the call now and then, and random bits.
static int pick_wait_options(void) {
    static const int bits[] = {WNOHANG, WUNTRACED, WEXITED, WCONTINUED, WNOWAIT, __WNOTHREAD, __WALL, __WCLONE};
    int options = 0;
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
        if (chance(30)) options |= bits[i];
    if (chance(15)) options |= 1 << below(32);
    return options;
}

// ---- Output ----

static char line[1024];
static size_t used;

static void put(const char *format, ...) __attribute__((format(printf, 1, 2)));
static void put(const char *format, ...) {
    va_list list;
    va_start(list, format);
    used += vsnprintf(line + used, sizeof line - used, format, list);
    va_end(list);
}

static void begin(int index, const char *name) {
    used = 0;
    put("%d %s(", index, name);
}

// errno right after the call under test.
static int call_errno;
#define CALL(...) (errno = 0, call_result = syscall(__VA_ARGS__), call_errno = errno, call_result)
static long call_result;

static void result(long value, const char *shown) {
    put(") = %s %s", shown, errno_name(value, call_errno));
}

static void end(void) { printf("%s\n", line); }

// ---- The calls ----


// Whether a wait on this pid (wait4 form) could block on a child that runs or is stopped. (A wait for the zombie
// alone never blocks: it reports it, or is ECHILD once it is reaped or without WEXITED.)
static int wait4_may_block(long long pid) {
    int as_int = (int)pid;
    if (as_int == 0 || as_int < -1) return as_int != INT_MIN;
    for (int i = 0; i < 4; i++)
        if (as_int == kids[i]) return 1;
    return 0;
}

static void print_wait_status(const struct pointer *status, long ret) {
    if (status->kind == VALID && touched(buffer_a, 4)) {
        int word;
        memcpy(&word, buffer_a, 4);
        put(" status=0x%x", word);
        if (ret > 0 && touched(buffer_a + 4, 4)) put(" status_overrun");
    }
}

static void fuzz_wait4(int index) {
    long long pid = pick_pid();
    int options = pick_wait_options();
    fill(buffer_a);
    fill(buffer_b);
    struct pointer status = pick_pointer(buffer_a);
    struct pointer usage = pick_pointer(buffer_b);
    if (!(options & WNOHANG) && wait4_may_block(pid)) options |= WNOHANG;
    long ret = CALL(SYS_wait4, pid, status.value, (long)options, usage.value);
    begin(index, "wait4");
    put("%s, %s, 0x%x, %s", pid_arg(pid), status.name, (unsigned)options, usage.name);
    result(ret, ret > 0 ? id_name(ret) : (ret == 0 ? "0" : "-1"));
    print_wait_status(&status, ret);
    if (usage.kind == VALID) put(" rusage=%s", touched(buffer_b, sizeof(struct rusage)) ? "written" : "untouched");
    end();
}

// For P_PIDFD: pidfds and other descriptors. For the others, pids (descriptor numbers would be small pids that
// exist natively in the pid namespace), and now and then 999 or -1.
static long long pick_waitid_id(int idtype) {
    if (idtype != P_PIDFD) return chance(10) ? (chance(50) ? 999 : -1) : pick_pid();
    {
        switch (below(7)) {
        case 0:
        case 1: return pidfds[0];
        case 2:
        case 3: return pidfds[1];
        case 4: return 0; // /dev/null, not a pidfd
        case 5: return 999; // not open
        default: return -1;
        }
    }
}

static const char *waitid_id_name(int idtype, long long id) {
    if (idtype == P_PIDFD) {
        if (id == pidfds[0]) return "pidfd(c0)";
        if (id == pidfds[1]) return "pidfd(c3)";
        char *out = next_scratch();
        snprintf(out, 96, "fd %lld", id);
        return out;
    }
    return pid_arg(id);
}

static void fuzz_waitid(int index) {
    static const int idtypes[] = {P_ALL, P_PID, P_PGID, P_PIDFD, P_ALL, P_PID, P_PGID, P_PIDFD, 4, -1, 99};
    int idtype = idtypes[below(sizeof idtypes / sizeof idtypes[0])];
    long long id = pick_waitid_id(idtype);
    int options = pick_wait_options();
    if (chance(50)) options |= WEXITED;
    fill(buffer_a);
    fill(buffer_b);
    struct pointer info = pick_pointer(buffer_a);
    struct pointer usage = pick_pointer(buffer_b);
    int id_int = (int)id;
    int may_block = idtype == P_ALL || idtype == P_PGID || (idtype == P_PIDFD && (id_int == pidfds[0] || id_int == pidfds[1]));
    if (idtype == P_PID) {
        for (int i = 0; i < 4; i++) may_block |= id_int == kids[i];
    }
    if (may_block) options |= WNOHANG;
    long ret = CALL(SYS_waitid, (long)idtype, id, info.value, (long)options, usage.value);
    begin(index, "waitid");
    put("%d, %s, %s, 0x%x, %s", idtype, waitid_id_name(idtype, id), info.name, (unsigned)options, usage.name);
    result(ret, ret == 0 ? "0" : "-1");
    if (info.kind == VALID) {
        siginfo_t got;
        memcpy(&got, buffer_a, sizeof got);
        if (!touched(buffer_a, sizeof got)) {
            put(" info=untouched");
        } else {
            // The fields waitid writes, and whether it left the rest alone.
            put(" signo=%d errno=%d code=%d pid=%s uid=%s status=%d", got.si_signo, got.si_errno, got.si_code,
                id_name(got.si_pid), got.si_uid == getuid() ? "uid" : (got.si_uid == 0xabababab ? "untouched" : "other"),
                got.si_status);
            uint8_t rest[sizeof got];
            memcpy(rest, buffer_a, sizeof got);
            memset(rest + 0, SENTINEL, 12);  // signo, errno, code
            memset(rest + 16, SENTINEL, 12); // pid, uid, status
            put(" rest=%s", touched(rest, sizeof rest) ? "written" : "untouched");
        }
    }
    if (usage.kind == VALID) put(" rusage=%s", touched(buffer_b, sizeof(struct rusage)) ? "written" : "untouched");
    end();
}

static void fuzz_kill(int index) {
    long long pid = pick_pid();
    long long signal = pick_signal_to_send();
    long ret = CALL(SYS_kill, pid, signal);
    begin(index, "kill");
    put("%s, %lld", pid_arg(pid), signal);
    result(ret, ret == 0 ? "0" : "-1");
    end();
}

static long long pick_tid(void) {
    switch (below(8)) {
    case 0: return 0;
    case 1: return -0x3ffffff5;
    case 2: return INT_MIN;
    default: return pick_pid();
    }
}

static void fuzz_tkill(int index) {
    long long tid = pick_tid();
    long long signal = pick_signal_to_send();
    long ret = CALL(SYS_tkill, tid, signal);
    begin(index, "tkill");
    put("%s, %lld", pid_arg(tid), signal);
    result(ret, ret == 0 ? "0" : "-1");
    end();
}

static void fuzz_tgkill(int index) {
    long long tgid = pick_tid();
    long long tid = chance(40) ? tgid : pick_tid();
    if (chance(25)) {
        tgid = self;
        tid = chance(50) ? thread_tid : self;
    }
    long long signal = pick_signal_to_send();
    long ret = CALL(SYS_tgkill, tgid, tid, signal);
    begin(index, "tgkill");
    put("%s, %s, %lld", pid_arg(tgid), pid_arg(tid), signal);
    result(ret, ret == 0 ? "0" : "-1");
    end();
}

static const char *handler_name(uint64_t handler) {
    if (handler == (uint64_t)(uintptr_t)SIG_DFL) return "DFL";
    if (handler == (uint64_t)(uintptr_t)SIG_IGN) return "IGN";
    if (handler == (uint64_t)(uintptr_t)count) return "count";
    if (handler == 0x1000) return "0x1000";
    return "other";
}

static const char *restorer_name(uint64_t restorer) {
    if (restorer == 0) return "0";
    if (restorer == libc_restorer) return "libc";
    if (restorer == 0x2000) return "0x2000";
    return "other";
}

static void fuzz_rt_sigaction(int index) {
    long long signal = pick_any_signal();
    int as_int = (int)signal;
    fill(buffer_a);
    fill(buffer_b);
    struct pointer act = pick_pointer(buffer_a);
    struct pointer old = pick_pointer(buffer_b);
    static const long long sizes[] = {8, 8, 8, 8, 8, 8, 8, 0, 4, 7, 16, 128, -1};
    long long size = sizes[below(sizeof sizes / sizeof sizes[0])];
    struct kernel_sigaction wanted = {0};
    if (act.kind == VALID || act.kind == EDGE) {
        // A disposition that cannot hurt: a signal the fuzzer may deliver gets the counter (with the libc
        // restorer) or SIG_IGN, or SIG_DFL when that ignores; any other signal anything.
        static const uint64_t flag_bits[] = {SA_NOCLDSTOP, SA_NOCLDWAIT, SA_SIGINFO, SA_ONSTACK,
                                             SA_RESTART,   SA_NODEFER,   SA_RESETHAND, 0x00000400};
        for (size_t i = 0; i < sizeof flag_bits / sizeof flag_bits[0]; i++)
            if (chance(25)) wanted.flags |= flag_bits[i];
        if (chance(10)) wanted.flags |= (uint64_t)1 << below(64);
        wanted.mask = rnd();
        if (is_deliverable(as_int)) {
            int choice = (int)below(kills_by_default(as_int) ? 2 : 3);
            wanted.handler = choice == 0 ? (uint64_t)(uintptr_t)count : choice == 1 ? 1 : 0;
            wanted.flags &= ~(uint64_t)SA_RESETHAND;
            if (wanted.handler == (uint64_t)(uintptr_t)count) {
                wanted.flags |= SA_RESTORER;
                wanted.restorer = libc_restorer;
            } else if (chance(50)) {
                wanted.flags |= SA_RESTORER;
                wanted.restorer = 0x2000;
            }
        } else {
            static const uint64_t handlers[] = {0, 1, 0x1000};
            wanted.handler = chance(30) ? (uint64_t)(uintptr_t)count : handlers[below(3)];
            if (chance(60)) {
                wanted.flags |= SA_RESTORER;
                wanted.restorer = chance(70) ? libc_restorer : 0x2000;
            }
        }
        if (act.kind == VALID) memcpy(buffer_a, &wanted, sizeof wanted);
        else memcpy(edge_page + 4096 - 2, &wanted, 2);
    }
    long ret = CALL(SYS_rt_sigaction, signal, act.value, old.value, size);
    begin(index, "rt_sigaction");
    put("%lld, %s", signal, act.name);
    if (act.kind == VALID)
        put("{%s 0x%llx %s 0x%llx}", handler_name(wanted.handler), (unsigned long long)wanted.flags,
            restorer_name(wanted.restorer), (unsigned long long)wanted.mask);
    put(", %s, %lld", old.name, size);
    result(ret, ret == 0 ? "0" : "-1");
    if (old.kind == VALID) {
        if (!touched(buffer_b, sizeof(struct kernel_sigaction))) {
            put(" old=untouched");
        } else {
            struct kernel_sigaction got;
            memcpy(&got, buffer_b, sizeof got);
            put(" old={%s 0x%llx %s 0x%llx}", handler_name(got.handler), (unsigned long long)got.flags,
                restorer_name(got.restorer), (unsigned long long)got.mask);
        }
    }
    end();
}

static void fuzz_rt_sigprocmask(int index) {
    static const long long hows[] = {SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK, SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK,
                                     3,         -1,          100,         ((long long)1 << 32) | SIG_BLOCK};
    long long how = hows[below(sizeof hows / sizeof hows[0])];
    fill(buffer_a);
    fill(buffer_b);
    struct pointer set = pick_pointer(buffer_a);
    struct pointer old = pick_pointer(buffer_b);
    static const long long sizes[] = {8, 8, 8, 8, 8, 8, 0, 4, 16, -1};
    long long size = sizes[below(sizeof sizes / sizeof sizes[0])];
    uint64_t mask = chance(30) ? ~(uint64_t)0 : rnd();
    if (set.kind == VALID) memcpy(buffer_a, &mask, 8);
    if (set.kind == EDGE) memcpy(edge_page + 4096 - 2, &mask, 2);
    long ret = CALL(SYS_rt_sigprocmask, how, set.value, old.value, size);
    begin(index, "rt_sigprocmask");
    put("%lld, %s", how, set.name);
    if (set.kind == VALID) put("{0x%llx}", (unsigned long long)mask);
    put(", %s, %lld", old.name, size);
    result(ret, ret == 0 ? "0" : "-1");
    if (old.kind == VALID) {
        if (!touched(buffer_b, 8)) {
            put(" old=untouched");
        } else {
            uint64_t got;
            memcpy(&got, buffer_b, 8);
            put(" old=0x%llx", (unsigned long long)got);
        }
    }
    end();
}

static void fuzz_setpgid(int index) {
    long long pid = chance(20) ? 0 : pick_pid();
    long long pgid = chance(20) ? 0 : pick_pid();
    long ret = CALL(SYS_setpgid, pid, pgid);
    begin(index, "setpgid");
    put("%s, %s", pid_arg(pid), pid_arg(pgid));
    result(ret, ret == 0 ? "0" : "-1");
    end();
}

static void fuzz_getpgid_getsid(int index, int session) {
    long long pid = pick_pid();
    long ret = CALL(session ? SYS_getsid : SYS_getpgid, pid);
    begin(index, session ? "getsid" : "getpgid");
    put("%s", pid_arg(pid));
    result(ret, ret >= 0 ? id_name(ret) : "-1");
    end();
}

static void fuzz_prctl(int index) {
    static const int options[] = {PR_SET_PDEATHSIG, PR_GET_PDEATHSIG, PR_SET_CHILD_SUBREAPER,
                                  PR_GET_CHILD_SUBREAPER};
    int option = options[below(4)];
    int getter = option == PR_GET_PDEATHSIG || option == PR_GET_CHILD_SUBREAPER;
    fill(buffer_a);
    struct pointer where = {0, "", NULL_POINTER};
    uint64_t arg;
    const char *arg_name;
    char number[64];
    if (getter || chance(10)) {
        where = pick_pointer(buffer_a);
        arg = where.value;
        arg_name = where.name;
    } else {
        static const uint64_t values[] = {0, 1, 2, 9, 10, 15, 19, 64, 65, 1000, UINT64_MAX, (1ULL << 32) | 10,
                                          0x80000000ULL};
        // Any death signal: it would fire only if the parent (timeout(1) natively, init under umbra) died first.
        arg = chance(50) ? values[below(sizeof values / sizeof values[0])] : below(70);
        snprintf(number, sizeof number, "%llu", (unsigned long long)arg);
        arg_name = number;
    }
    long ret = CALL(SYS_prctl, (long)option, arg, chance(20) ? rnd() : 0, 0, 0);
    begin(index, "prctl");
    put("%d, %s", option, arg_name);
    result(ret, ret >= 0 ? "0" : "-1");
    if (where.kind == VALID) {
        if (!touched(buffer_a, 4)) {
            put(" value=untouched");
        } else {
            int value;
            memcpy(&value, buffer_a, 4);
            put(" value=%d", value);
        }
    }
    end();
}

// Whether Linux refuses these legacy clone flags with EINVAL before anything else (copy_process's first checks).
static int refused(uint64_t flags) {
    if ((flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS)) return 1;
    if ((flags & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS)) return 1;
    if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND)) return 1;
    if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM)) return 1;
    return 0;
}

static void fuzz_clone(int index) {
    uint64_t flags = (uint32_t)rnd();
    switch (below(5)) {
    case 0: flags |= CLONE_NEWNS | CLONE_FS; break;
    case 1: flags |= CLONE_NEWUSER | CLONE_FS; break;
    case 2: flags = (flags | CLONE_THREAD) & ~(uint64_t)CLONE_SIGHAND; break;
    case 3: flags = (flags | CLONE_SIGHAND) & ~(uint64_t)CLONE_VM; break;
    default: flags = (flags | CLONE_PIDFD | CLONE_PARENT_SETTID | CLONE_SIGHAND) & ~(uint64_t)CLONE_VM; break;
    }
    if (chance(10)) flags |= (uint64_t)rnd() << 32; // the kernel takes the low 32 bits
    if (!refused(flags)) {
        printf("refusing to call clone(0x%llx)\n", (unsigned long long)flags);
        exit(3);
    }
    fill(buffer_a);
    int sentinel_tid;
    memcpy(&sentinel_tid, buffer_a, 4);
    long ret = CALL(SYS_clone, flags, 0, buffer_a, buffer_a + 8, 0);
    if (ret == 0) _exit(99); // cannot happen: refused() holds
    begin(index, "clone");
    put("0x%llx, 0, buf, buf+8, 0", (unsigned long long)flags);
    result(ret, ret > 0 ? "child?" : "-1");
    put(" tid_memory=%s", touched(buffer_a, 16) ? "written" : "untouched");
    end();
}

// /proc paths of the ids the fuzzer knows (not the zombie's: umbra has reaped it natively, so its directory is gone),
// of numbers no process has, and of self and thread-self; the calls that name a path, with bad pointers and sizes.
static const char *const proc_suffixes[] = {"", "/", "/stat", "/status", "/exe", "/task", "/task/", "/..", "/comm"};

static const char *proc_path(char *path, size_t size) {
    static char shown[128];
    const char *suffix = proc_suffixes[below(sizeof proc_suffixes / sizeof proc_suffixes[0])];
    long long id;
    switch (below(8)) {
    case 0: id = self; break;
    case 1: id = thread_tid; break;
    case 2:
    case 3: id = kids[below(4)]; break;
    case 4: id = 5000000; break;
    case 5: id = -(long long)self; break;
    case 6:
        snprintf(path, size, "/proc/self%s", suffix);
        snprintf(shown, sizeof shown, "%s", path);
        return shown;
    default:
        snprintf(path, size, "/proc/thread-self%s", suffix);
        snprintf(shown, sizeof shown, "%s", path);
        return shown;
    }
    snprintf(path, size, "/proc/%lld%s", id, suffix);
    snprintf(shown, sizeof shown, "/proc/%s%s", id_name(id), suffix);
    return shown;
}

// What a readlink of /proc wrote: ids by name (`self`, `self/task/thr`), other text as it is.
static void put_link(const char *text, long length) {
    char copy[256];
    snprintf(copy, sizeof copy, "%.*s", (int)length, text);
    char *task = strstr(copy, "/task/");
    if (strspn(copy, "0123456789") == strlen(copy) && copy[0]) put(" \"%s\"", id_name(atoll(copy)));
    else if (task && task != copy && strspn(copy, "0123456789") == (size_t)(task - copy))
        put(" \"%s/task/%s\"", id_name(atoll(copy)), id_name(atoll(task + 6)));
    else put(" \"%s\"", copy);
}

static void fuzz_proc(int index) {
    char path[128];
    const char *shown = proc_path(path, sizeof path);
    struct pointer name = chance(10) ? pick_pointer(NULL) : (struct pointer){(uint64_t)(uintptr_t)path, shown, VALID};
    if (name.kind == VALID && name.value != (uint64_t)(uintptr_t)path) name = (struct pointer){0, "NULL", NULL_POINTER};
    fill(buffer_a);
    long ret;
    switch (below(6)) {
    case 0:
        ret = CALL(SYS_stat, name.value, buffer_a);
        begin(index, "stat");
        put("%s, buf", name.name);
        result(ret, ret == 0 ? "0" : "-1");
        if (ret == 0) put(" %s", S_ISDIR(((struct stat *)buffer_a)->st_mode) ? "dir" : "file");
        break;
    case 1: {
        int mode = chance(20) ? (int)rnd() : (int)below(8);
        ret = CALL(SYS_access, name.value, mode);
        begin(index, "access");
        put("%s, %d", name.name, mode);
        result(ret, ret == 0 ? "0" : "-1");
        break;
    }
    case 2: {
        static const long long sizes[] = {0, 1, 2, 3, 64, 255, -1};
        long long size = sizes[below(sizeof sizes / sizeof sizes[0])];
        // /proc/self links to the pid, whose digits differ (2 natively, 1000 under umbra): a size of 2 or 3 would
        // cut one and not the other.
        if ((size == 2 || size == 3) && strcmp(path, "/proc/self") == 0) size = 64;
        struct pointer buffer = pick_pointer(buffer_a);
        ret = CALL(SYS_readlink, name.value, buffer.value, size);
        begin(index, "readlink");
        put("%s, %s, %lld", name.name, buffer.name, size);
        result(ret, ret >= 0 ? (ret < size ? "n" : "size") : "-1");
        // A link cut to the buffer shows part of an id, whose digits differ: only a whole one prints.
        if (ret >= 0 && buffer.kind == VALID && ret < size) put_link((const char *)buffer_a, ret);
        if (ret >= 0 && buffer.kind == VALID) put(" then=%s", touched(buffer_a + ret, 8) ? "changed" : "kept");
        break;
    }
    case 3: {
        static const int flags[] = {0, AT_SYMLINK_NOFOLLOW, AT_NO_AUTOMOUNT, AT_STATX_DONT_SYNC, 0x7fff0000};
        int flag = flags[below(sizeof flags / sizeof flags[0])];
        ret = CALL(SYS_statx, AT_FDCWD, name.value, flag, STATX_TYPE, buffer_a);
        begin(index, "statx");
        put("AT_FDCWD, %s, 0x%x, STATX_TYPE, buf", name.name, flag);
        result(ret, ret == 0 ? "0" : "-1");
        if (ret == 0) put(" %s", S_ISDIR(((struct statx *)buffer_a)->stx_mode) ? "dir" : "file");
        break;
    }
    case 4: {
        ret = CALL(SYS_chdir, name.value);
        begin(index, "chdir");
        put("%s", name.name);
        result(ret, ret == 0 ? "0" : "-1");
        if (chdir("/") != 0) put(" back=failed");
        break;
    }
    default: {
        // A directory listed with a small buffer: every thread once, by name. Not /proc itself: natively the
        // namespace's init (timeout(1)) is pid 1 there, which umbra's init has no directory for.
        if (strstr(path, "/..")) shown = strcpy(path, "/proc/self/task");
        int fd = open(path, O_RDONLY | O_DIRECTORY);
        static const unsigned sizes[] = {8, 24, 48, 512};
        unsigned size = sizes[below(4)];
        char names[256] = "";
        long total = 0, n;
        while (fd >= 0 && (n = CALL(SYS_getdents64, fd, buffer_b, size)) > 0) {
            for (long at = 0; at < n;) {
                struct dirent64 *entry = (struct dirent64 *)(buffer_b + at);
                if (strspn(entry->d_name, "0123456789") == strlen(entry->d_name) && strlen(names) < 200) {
                    strcat(names, " ");
                    strcat(names, id_name(atoll(entry->d_name)));
                }
                total++;
                at += entry->d_reclen;
            }
        }
        ret = fd < 0 ? -1 : call_result;
        if (fd < 0) call_errno = errno;
        begin(index, "getdents64");
        put("open(%s), %u", shown, size);
        result(ret, ret == 0 ? "0" : "-1");
        if (fd >= 0) put(" entries=%ld numbered:%s", total, names);
        if (fd >= 0) close(fd);
        break;
    }
    }
    end();
}

// ---- Signals with a siginfo, pidfds, waiting for a signal, resource usage, ids ----

// A siginfo as a sender writes it: signo (the call's signal, mostly), si_code from the ones the kernel checks (a
// sender may use codes >= 0 and SI_TKILL only for itself) and others, si_pid and si_uid, and a value. The bytes past
// the 48 the kernel keeps are zero or the sentinel: for a code whose layout the kernel does not know they must be
// zero (E2BIG). `shown` gets the fields by name.
static void make_siginfo(uint8_t *buffer, long long signal, char *shown, size_t size) {
    static const int codes[] = {SI_QUEUE, SI_QUEUE, SI_QUEUE, SI_USER, SI_KERNEL, SI_TKILL, SI_TIMER, SI_MESGQ,
                                SI_ASYNCIO, -7 /* SI_DETHREAD */, -60 /* SI_ASYNCNL */, -8, 1, 2, 3, 6, 7, 100};
    int zero_tail = chance(50);
    if (zero_tail) memset(buffer, 0, 512);
    else fill(buffer);
    int signo = chance(85) ? (int)signal : (chance(50) ? 0 : SIGURG);
    int error = chance(80) ? 0 : (int)below(200);
    int code = chance(10) ? (int)rnd() : codes[below(sizeof codes / sizeof codes[0])];
    long long pid;
    switch (below(6)) {
    case 0: pid = 0; break;
    case 1: pid = thread_tid; break;
    case 2: pid = kids[below(4)]; break;
    case 3: pid = 4000000; break;
    default: pid = self; break;
    }
    unsigned uid = chance(70) ? getuid() : 4242;
    int value = (int)below(1000);
    memcpy(buffer + 0, &signo, 4);
    memcpy(buffer + 4, &error, 4);
    memcpy(buffer + 8, &code, 4);
    int pid_int = (int)pid;
    memcpy(buffer + 16, &pid_int, 4);
    memcpy(buffer + 20, &uid, 4);
    memcpy(buffer + 24, &value, 4);
    snprintf(shown, size, "{%d %d %d %s %s %d %s}", signo, error, code, id_name(pid), uid == getuid() ? "uid" : "4242",
             value, zero_tail ? "zeros" : "sentinel");
}

// A siginfo argument: mostly one made here, now and then a bad pointer.
static struct pointer pick_siginfo(long long signal, char *shown, size_t size) {
    struct pointer where = chance(65) ? (struct pointer){(uint64_t)(uintptr_t)buffer_a, "buf", VALID}
                                      : pick_pointer(buffer_a);
    snprintf(shown, size, "%s", where.name);
    if (where.kind == VALID) make_siginfo(buffer_a, signal, shown, size);
    return where;
}

static void fuzz_rt_sigqueueinfo(int index) {
    long long pid = pick_pid();
    long long signal = pick_signal_to_send();
    char shown[128];
    struct pointer info = pick_siginfo(signal, shown, sizeof shown);
    long ret = CALL(SYS_rt_sigqueueinfo, pid, signal, info.value);
    begin(index, "rt_sigqueueinfo");
    put("%s, %lld, %s", pid_arg(pid), signal, shown);
    result(ret, ret == 0 ? "0" : "-1");
    end();
}

static void fuzz_rt_tgsigqueueinfo(int index) {
    long long tgid = pick_tid();
    long long tid = chance(40) ? tgid : pick_tid();
    if (chance(35)) {
        tgid = self;
        tid = chance(50) ? thread_tid : self;
    }
    long long signal = pick_signal_to_send();
    char shown[128];
    struct pointer info = pick_siginfo(signal, shown, sizeof shown);
    long ret = CALL(SYS_rt_tgsigqueueinfo, tgid, tid, signal, info.value);
    begin(index, "rt_tgsigqueueinfo");
    put("%s, %s, %lld, %s", pid_arg(tgid), pid_arg(tid), signal, shown);
    result(ret, ret == 0 ? "0" : "-1");
    end();
}

// Descriptors for pidfd_send_signal besides pidfds[]: opened once, after setup.
static int self_pidfd, self_thread_pidfd, proc_self_fd, proc_c0_fd, memory_fd;

static void open_more_fds(void) {
    char path[64];
    self_pidfd = (int)syscall(SYS_pidfd_open, self, 0);
    self_thread_pidfd = (int)syscall(SYS_pidfd_open, self, PIDFD_THREAD_FLAG);
    snprintf(path, sizeof path, "/proc/%d", (int)self);
    proc_self_fd = open(path, O_RDONLY | O_DIRECTORY);
    snprintf(path, sizeof path, "/proc/%d", (int)kids[0]);
    proc_c0_fd = open(path, O_RDONLY | O_DIRECTORY);
    memory_fd = memfd_create("fuzz", 0);
    if (self_pidfd < 0 || self_thread_pidfd < 0 || proc_self_fd < 0 || proc_c0_fd < 0 || memory_fd < 0) {
        perror("more fds");
        exit(2);
    }
}

static int pick_signal_fd(const char **name) {
    switch (below(14)) {
    case 0:
    case 1: *name = "pidfd(c0)"; return pidfds[0];
    case 2:
    case 3: *name = "pidfd(c3)"; return pidfds[1];
    case 4:
    case 5: *name = "pidfd(self)"; return self_pidfd;
    case 6: *name = "thread_pidfd(self)"; return self_thread_pidfd;
    case 7: *name = "proc(self)"; return proc_self_fd;
    case 8: *name = "proc(c0)"; return proc_c0_fd;
    case 9: *name = "memfd"; return memory_fd;
    case 10: *name = "fd -1"; return -1;
    case 11: *name = "fd 9999"; return 9999;
    default: {
        int fd = (int)below(3);
        *name = fd == 0 ? "fd 0" : fd == 1 ? "fd 1" : "fd 2";
        return fd;
    }
    }
}

static void fuzz_pidfd_send_signal(int index) {
    const char *fd_name;
    int fd = pick_signal_fd(&fd_name);
    long long signal =
        chance(40) ? deliverable[below(sizeof deliverable / sizeof deliverable[0])] : pick_signal_to_send();
    char shown[128] = "NULL";
    struct pointer info = {0, "NULL", NULL_POINTER};
    if (chance(60)) info = pick_siginfo(signal, shown, sizeof shown);
    static const long long flag_values[] = {0, 0, 0, 0, 0, PIDFD_SIGNAL_THREAD, PIDFD_SIGNAL_THREAD_GROUP,
                                            PIDFD_SIGNAL_PROCESS_GROUP, 3, 6, 8, 0x80000000LL, (1LL << 32)};
    long long flags = chance(8) ? (long long)rnd() : flag_values[below(sizeof flag_values / sizeof flag_values[0])];
    // umbra sends to a process group itself, only with the siginfo kill makes (a documented limit).
    if ((flags & PIDFD_SIGNAL_PROCESS_GROUP) && info.kind != NULL_POINTER) {
        info = (struct pointer){0, "NULL", NULL_POINTER};
        snprintf(shown, sizeof shown, "NULL");
    }
    long ret = CALL(SYS_pidfd_send_signal, fd, signal, info.value, flags);
    begin(index, "pidfd_send_signal");
    put("%s, %lld, %s, 0x%llx", fd_name, signal, shown, (unsigned long long)flags);
    result(ret, ret == 0 ? "0" : "-1");
    end();
}

static void fuzz_pidfd_open(int index) {
    // Not the zombie: umbra has reaped its native process, so it has no pidfd to give (a documented limit).
    long long pid = chance(15) ? thread_tid : pick_pid();
    if (pid == zombie) pid = kids[0];
    static const long long flag_values[] = {0, 0, 0, O_NONBLOCK, PIDFD_THREAD_FLAG, O_NONBLOCK | PIDFD_THREAD_FLAG,
                                            1, O_CLOEXEC, (1LL << 32)};
    long long flags = chance(8) ? (long long)rnd() : flag_values[below(sizeof flag_values / sizeof flag_values[0])];
    long ret = CALL(SYS_pidfd_open, pid, flags);
    begin(index, "pidfd_open");
    put("%s, 0x%llx", pid_arg(pid), (unsigned long long)flags);
    result(ret, ret >= 0 ? "fd" : "-1");
    if (ret >= 0) {
        // What the pidfd reaches: signal 0 checks the target without sending.
        long sent = CALL(SYS_pidfd_send_signal, ret, 0, NULL, 0);
        put(" signal0=%s", sent == 0 ? "0" : errno_name(sent, call_errno));
        close((int)ret);
    }
    end();
}

// rt_sigtimedwait never blocks: a zero timeout, or arguments the kernel refuses before it waits. A signal the main
// thread blocks stays pending until it is taken here (the thread blocks all).
static void fuzz_rt_sigtimedwait(int index) {
    fill(buffer_a);
    fill(buffer_b);
    struct pointer set = chance(80) ? (struct pointer){(uint64_t)(uintptr_t)buffer_a, "buf", VALID}
                                    : pick_pointer(buffer_a);
    static const long long sizes[] = {0, 4, 16, -1};
    long long size = chance(85) ? 8 : sizes[below(sizeof sizes / sizeof sizes[0])];
    uint64_t mask = 0;
    if (set.kind == VALID) {
        switch (below(5)) {
        case 0: mask = ~(uint64_t)0; break;
        case 1: mask = 1ULL << (deliverable[below(sizeof deliverable / sizeof deliverable[0])] - 1); break;
        case 2: mask = rnd(); break;
        default:
            for (size_t i = 0; i < sizeof deliverable / sizeof deliverable[0]; i++)
                if (chance(60)) mask |= 1ULL << (deliverable[i] - 1);
            break;
        }
        memcpy(buffer_a, &mask, 8);
    }
    struct pointer info = pick_pointer(buffer_b);
    // The timeout: zero, an invalid one, or a bad pointer; NULL (wait for ever) only when the call fails before.
    static uint8_t timeout_buffer[16];
    long long timespec[2] = {0, 0};
    const char *timeout_name = "{0 0}";
    uint64_t timeout = (uint64_t)(uintptr_t)timeout_buffer;
    int fails_before = size != 8 || (set.kind != VALID && set.kind != READ_ONLY);
    switch (below(fails_before ? 15 : 14)) {
    case 0: timespec[1] = 1000000000; timeout_name = "{0 1e9}"; break;
    case 1: timespec[0] = -1; timeout_name = "{-1 0}"; break;
    case 2: timespec[1] = -1; timeout_name = "{0 -1}"; break;
    case 3: {
        struct pointer bad = pick_pointer(NULL);
        if (bad.kind == BAD || bad.kind == EDGE) {
            timeout = bad.value;
            timeout_name = bad.name;
        }
        break;
    }
    case 14: timeout = 0; timeout_name = "NULL"; break;
    default: break;
    }
    memcpy(timeout_buffer, timespec, sizeof timespec);
    long ret = CALL(SYS_rt_sigtimedwait, set.value, info.value, timeout, size);
    begin(index, "rt_sigtimedwait");
    put("%s", set.name);
    if (set.kind == VALID) put("{0x%llx}", (unsigned long long)mask);
    put(", %s, %s, %lld", info.name, timeout_name, size);
    result(ret, ret > 0 ? "signal" : (ret == 0 ? "0" : "-1"));
    if (ret > 0) put(" %ld", ret);
    if (info.kind == VALID) {
        if (!touched(buffer_b, sizeof(siginfo_t))) {
            put(" info=untouched");
        } else {
            int signo, error, code, pid;
            unsigned uid;
            memcpy(&signo, buffer_b + 0, 4);
            memcpy(&error, buffer_b + 4, 4);
            memcpy(&code, buffer_b + 8, 4);
            memcpy(&pid, buffer_b + 16, 4);
            memcpy(&uid, buffer_b + 20, 4);
            put(" info={signo=%d errno=%d code=%d pid=%s uid=", signo, error, code, id_name(pid));
            if (uid == getuid()) put("uid");
            else put("%u", uid);
            if (signo == SIGCHLD && code >= CLD_EXITED && code <= CLD_CONTINUED) {
                // A child's SIGCHLD: its status; its CPU times vary.
                int status;
                memcpy(&status, buffer_b + 24, 4);
                put(" status=%d", status);
            } else {
                put(" data=");
                for (int i = 24; i < 48; i += 4) {
                    unsigned word;
                    memcpy(&word, buffer_b + i, 4);
                    put("%s%x", i == 24 ? "" : ".", word);
                }
                put(" pad=%s", touched(buffer_b + 12, 4) ? "written" : "kept");
            }
            uint8_t zeros[128 - 48] = {0};
            put(" tail=%s}", memcmp(buffer_b + 48, zeros, sizeof zeros) == 0 ? "zeros" : "other");
        }
    }
    end();
}

static void fuzz_getrusage(int index) {
    static const long long whos[] = {RUSAGE_SELF, RUSAGE_SELF, RUSAGE_CHILDREN, RUSAGE_CHILDREN, RUSAGE_CHILDREN,
                                     RUSAGE_THREAD, RUSAGE_THREAD, 2, -2, -3, INT_MIN, INT_MAX,
                                     (1LL << 32) | 0xffffffffLL, (1LL << 32) | RUSAGE_THREAD};
    long long who = whos[below(sizeof whos / sizeof whos[0])];
    fill(buffer_b);
    struct pointer usage = pick_pointer(buffer_b);
    long ret = CALL(SYS_getrusage, who, usage.value);
    begin(index, "getrusage");
    put("%lld, %s", who, usage.name);
    result(ret, ret == 0 ? "0" : "-1");
    // Only whether it wrote: times and counts differ from run to run.
    if (usage.kind == VALID) put(" usage=%s", touched(buffer_b, sizeof(struct rusage)) ? "written" : "untouched");
    if (usage.kind == VALID && touched(buffer_b + sizeof(struct rusage), 8)) put(" overrun");
    end();
}

// The simple id calls: getpid, getppid, gettid, getpgrp, setsid (EPERM while the fuzzer leads a group, which it
// does until setpgid moves it) and set_tid_address (the kernel keeps any address; it writes there only at exit).
static void fuzz_ids(int index) {
    static uint32_t tid_word;
    long ret;
    switch (below(7)) {
    case 0:
        ret = CALL(SYS_getpid);
        begin(index, "getpid");
        break;
    case 1:
        ret = CALL(SYS_getppid);
        begin(index, "getppid");
        break;
    case 2:
        ret = CALL(SYS_gettid);
        begin(index, "gettid");
        break;
    case 3:
    case 4:
        ret = CALL(SYS_getpgrp);
        begin(index, "getpgrp");
        break;
    case 5:
        ret = CALL(SYS_setsid);
        begin(index, "setsid");
        break;
    default: {
        struct pointer where = pick_pointer((uint8_t *)&tid_word);
        if (where.kind == READ_ONLY || where.kind == EDGE) where = (struct pointer){0, "NULL", NULL_POINTER};
        ret = CALL(SYS_set_tid_address, where.value);
        begin(index, "set_tid_address");
        put("%s", where.name);
        break;
    }
    }
    result(ret, ret >= 0 ? id_name(ret) : "-1");
    end();
}

// A short-lived child and a blocking wait for it: shows whether SIGCHLD's disposition (SIG_IGN, SA_NOCLDWAIT) as
// the fuzz left it makes children reap themselves, the same way in both runs.
static void probe(int index) {
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) _exit(5);
    name_id(child, "probe");
    if (probe_count < (int)(sizeof probe_pids / sizeof probe_pids[0])) probe_pids[probe_count++] = child;
    int status = 0;
    long ret = CALL(SYS_wait4, child, &status, 0, NULL);
    begin(index, "probe");
    put("fork+wait4");
    result(ret, ret > 0 ? id_name(ret) : "-1");
    if (ret > 0) put(" status=0x%x", status);
    end();
    id_count--;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
    int calls = argc > 2 ? atoi(argv[2]) : 3000;
    state = seed * 0x9E3779B97F4A7C15ULL + 1;

    read_only_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    none_page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    edge_page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (read_only_page == MAP_FAILED || none_page == MAP_FAILED || edge_page == MAP_FAILED) return 2;
    // Far below where the kernel places mappings (a freed page would be reused by later mmaps, e.g. a
    // thread's stack), and checked to be unmapped.
    unmapped = 0x100000000000ULL;
    if (msync((void *)(uintptr_t)unmapped, 4096, MS_ASYNC) == 0 || errno != ENOMEM) return 2;
    struct kernel_sigaction ignore = {1, 0, 0, 0};
    memcpy(read_only_page, &ignore, sizeof ignore); // as a sigaction: SIG_IGN; as a mask: SIGHUP
    mprotect(read_only_page, 4096, PROT_READ);
    mprotect(edge_page + 4096, 4096, PROT_NONE);

    setup();
    open_more_fds();
    for (int i = 0; i < calls; i++) {
        switch (below(39)) {
        case 0:
        case 1:
        case 2: fuzz_kill(i); break;
        case 3:
        case 4: fuzz_tkill(i); break;
        case 5:
        case 6: fuzz_tgkill(i); break;
        case 7:
        case 8:
        case 9: fuzz_wait4(i); break;
        case 10:
        case 11:
        case 12: fuzz_waitid(i); break;
        case 13:
        case 14:
        case 15: fuzz_rt_sigaction(i); break;
        case 16:
        case 17: fuzz_rt_sigprocmask(i); break;
        case 18:
        case 19: fuzz_setpgid(i); break;
        case 20: fuzz_getpgid_getsid(i, 0); break;
        case 21: fuzz_getpgid_getsid(i, 1); break;
        case 22:
        case 23: fuzz_prctl(i); break;
        case 24:
        case 25: fuzz_clone(i); break;
        case 26:
        case 27: fuzz_proc(i); break;
        case 28:
        case 29: fuzz_rt_sigqueueinfo(i); break;
        case 30: fuzz_rt_tgsigqueueinfo(i); break;
        case 31:
        case 32: fuzz_pidfd_send_signal(i); break;
        case 33:
        case 34: fuzz_rt_sigtimedwait(i); break;
        case 35: fuzz_getrusage(i); break;
        case 36: fuzz_ids(i); break;
        case 37: fuzz_pidfd_open(i); break;
        default:
            if (chance(20)) probe(i);
            else fuzz_getpgid_getsid(i, (int)below(2));
            break;
        }
    }

    // Back to a known state, then end the children.
    uint64_t empty = 0;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty, NULL, 8);
    install(SIGCHLD);
    prctl(PR_SET_PDEATHSIG, 0);
    for (int i = 0; i < 4; i++) {
        kill(kids[i], SIGKILL);
        int status = 0;
        pid_t got = waitpid(kids[i], &status, 0);
        printf("end: waitpid(%s) = %s status=0x%x\n", id_name(kids[i]), got > 0 ? id_name(got) : "-1", status);
    }
    int status = 0;
    pid_t got = waitpid(zombie, &status, WNOHANG);
    printf("end: waitpid(z) = %s %s status=0x%x\n", got > 0 ? id_name(got) : "-1",
           errno_name(got, errno), status);
    got = waitpid(-1, &status, WNOHANG);
    printf("end: waitpid(-1) = %ld %s\n", (long)got, errno_name(got, errno));
    probe(calls);
    printf("done\n");
    return 0;
}
