// The strace-style log formatter (src/report/strace.ts): exact lines for the syscalls umbra intercepts (ids, clone,
// wait4/waitid, kill and friends, prctl, signals, fcntl/ioctl owners, clocks, timers, timeouts, futex), errno names
// and messages, restart codes, unfinished calls, deterministic mode hiding addresses, and unknown syscalls; the
// structs behind pointers (sigaction, signal sets, wait statuses, rusage, siginfo, timespecs, itimers) and path
// strings (strace's escapes, readlink's result) from the memory a record carries; and real programs' logs under
// `umbra run` (exact decoded lines, deterministic mode byte-identical across runs).
import { deepEqual, equal, match, notEqual, throws } from "node:assert/strict";
import { basename } from "node:path";
import { SYS, type SyscallName } from "../src/abi/syscalls.ts";
import {
  ADDRESS_TOKEN,
  formatSyscall,
  formatVirtualTime,
  memoryCaptures,
  straceFileName,
  type StraceMode,
  type SyscallRecord,
  VALUE_TOKEN,
} from "../src/report/strace.ts";
import { SYSCALL_TABLE } from "../src/syscalls/table.ts";
import { compile, UMBRA, umbraTest } from "./_util.ts";

/** 1 s + 500 ns of virtual time. */
const TIME = "1000000500";
const PREFIX = "00:00:01.000000500 [1001]";
/** Stack-like addresses, as a program would pass them. */
const P1 = 0x7ffd5c1e2a3cn;
const P2 = 0x7ffd5c1e2a40n;

type Value = number | bigint;

/** A record as the policy produces it: registers as u64 decimal strings, the result as an i64 decimal string. */
function record(nr: number, args: Value[], result: Value | null, tid = 1001, time = TIME): SyscallRecord {
  const registers = [...args, ...Array(6 - args.length).fill(0)].map((v) => BigInt.asUintN(64, BigInt(v)).toString());
  return { time, tid, nr, args: registers, result: result === null ? null : BigInt(result).toString() };
}

/** The line for syscall `name`, without the time and tid prefix; `memory`: hex by argument index. */
function call(
  name: SyscallName,
  args: Value[],
  result: Value | null,
  mode: StraceMode = "standard",
  memory?: Record<number, string>,
): string {
  const line = formatSyscall({ ...record(SYS[name], args, result), ...(memory && { memory }) }, mode);
  equal(line.startsWith(`${PREFIX} `), true, line);
  return line.slice(PREFIX.length + 1);
}

/** A struct of `size` bytes as a record's hex: little-endian fields `[offset, 4 | 8, value]`, the rest zero. */
function struct(size: number, ...fields: [number, 4 | 8, Value][]): string {
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  for (const [offset, width, value] of fields) {
    if (width === 4) view.setUint32(offset, Number(BigInt.asUintN(32, BigInt(value))), true);
    else view.setBigUint64(offset, BigInt.asUintN(64, BigInt(value)), true);
  }
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Bytes as a record's hex: strings as UTF-8, numbers as single bytes. */
function bytes(...parts: (string | number)[]): string {
  const all = parts.flatMap((part) => typeof part === "string" ? [...new TextEncoder().encode(part)] : [part]);
  return all.map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A struct timespec (or timeval). */
const timespec = (seconds: Value, fraction: Value) => struct(16, [0, 8, seconds], [8, 8, fraction]);
/** A signal set of the given signals. */
const sigset = (...signals: number[]) => struct(8, [0, 8, signals.reduce((m, s) => m | (1n << BigInt(s - 1)), 0n)]);
/** A siginfo_t: signo, code, then pid, uid and the word at 24 (status or value), and utime/stime. */
const siginfo = (signo: number, code: number, pid = 0, uid = 0, word: Value = 0, utime = 0, stime = 0) =>
  struct(128, [0, 4, signo], [8, 4, code], [16, 4, pid], [20, 4, uid], [24, 8, word], [32, 8, utime], [40, 8, stime]);

Deno.test("time prints as HH:MM:SS.nnnnnnnnn with hours past 24", () => {
  equal(formatVirtualTime("0"), "00:00:00.000000000");
  equal(formatVirtualTime("1000000500"), "00:00:01.000000500");
  equal(formatVirtualTime("59999999999"), "00:00:59.999999999");
  equal(formatVirtualTime("3723000000004"), "01:02:03.000000004");
  equal(formatVirtualTime(`${(25n * 3600n + 61n) * 1_000_000_000n + 1n}`), "25:01:01.000000001");
  equal(formatVirtualTime(360000n * 3600n * 1_000_000_000n), "360000:00:00.000000000");
  throws(() => formatVirtualTime("-1"), RangeError);
  throws(() => formatVirtualTime("1.5"), RangeError);
});

Deno.test("whole lines: time, [tid], name(args) = result", () => {
  equal(
    formatSyscall(record(SYS.kill, [1000, 15], 0), "standard"),
    "00:00:01.000000500 [1001] kill(1000, SIGTERM) = 0",
  );
  equal(
    formatSyscall(record(SYS.getpid, [], 1000, 1000, "120000000000"), "deterministic"),
    "00:02:00.000000000 [1000] getpid() = 1000",
  );
});

Deno.test("kill, tkill, tgkill and queued signals: pids signed, signals by name, 0 and bad numbers as numbers", () => {
  equal(call("kill", [1000, 15], 0), "kill(1000, SIGTERM) = 0");
  equal(call("kill", [-1000, 0], 0), "kill(-1000, 0) = 0");
  equal(call("kill", [-1, 9], -1), "kill(-1, SIGKILL) = -1 EPERM (Operation not permitted)");
  equal(call("kill", [0, 99], -22), "kill(0, 99) = -1 EINVAL (Invalid argument)");
  equal(call("kill", [1000, -3], -22), "kill(1000, -3) = -1 EINVAL (Invalid argument)");
  equal(call("kill", [4242, 18], -3), "kill(4242, SIGCONT) = -1 ESRCH (No such process)");
  equal(call("tkill", [1002, 10], 0), "tkill(1002, SIGUSR1) = 0");
  equal(call("tgkill", [1000, 1001, 34], 0), "tgkill(1000, 1001, SIGRTMIN+2) = 0");
  equal(call("tgkill", [1000, 1001, 64], 0), "tgkill(1000, 1001, SIGRTMIN+32) = 0");
  equal(call("rt_sigqueueinfo", [1000, 12, P1], 0), "rt_sigqueueinfo(1000, SIGUSR2, 0x7ffd5c1e2a3c) = 0");
  equal(
    call("rt_tgsigqueueinfo", [1000, 1003, 32, P1], 0),
    "rt_tgsigqueueinfo(1000, 1003, SIGRTMIN, 0x7ffd5c1e2a3c) = 0",
  );
  equal(call("pidfd_open", [1002, 0x800], 3), "pidfd_open(1002, PIDFD_NONBLOCK) = 3");
  equal(call("pidfd_open", [1002, 0], 3), "pidfd_open(1002, 0) = 3");
  equal(call("pidfd_send_signal", [3, 15, 0, 0], 0), "pidfd_send_signal(3, SIGTERM, NULL, 0) = 0");
  equal(
    call("pidfd_send_signal", [3, 9, 0, 4], 0),
    "pidfd_send_signal(3, SIGKILL, NULL, PIDFD_SIGNAL_PROCESS_GROUP) = 0",
  );
});

Deno.test("ids and their errors", () => {
  equal(call("getpid", [], 1000), "getpid() = 1000");
  equal(call("getppid", [], 1), "getppid() = 1");
  equal(call("gettid", [], 1001), "gettid() = 1001");
  equal(call("getpgrp", [], 1000), "getpgrp() = 1000");
  equal(call("getpgid", [77], -3), "getpgid(77) = -1 ESRCH (No such process)");
  equal(call("getpgid", [0], 1000), "getpgid(0) = 1000");
  equal(call("getsid", [1002], 1000), "getsid(1002) = 1000");
  equal(call("setsid", [], -1), "setsid() = -1 EPERM (Operation not permitted)");
  equal(call("setsid", [], 1002), "setsid() = 1002");
  equal(call("set_tid_address", [0x7f19dc72ea10n], 1000), "set_tid_address(0x7f19dc72ea10) = 1000");
});

Deno.test("setpgid errors", () => {
  equal(call("setpgid", [0, 0], 0), "setpgid(0, 0) = 0");
  equal(call("setpgid", [1002, 1000], 0), "setpgid(1002, 1000) = 0");
  equal(call("setpgid", [1000, 77], -1), "setpgid(1000, 77) = -1 EPERM (Operation not permitted)");
  equal(call("setpgid", [-1, 0], -22), "setpgid(-1, 0) = -1 EINVAL (Invalid argument)");
  equal(call("setpgid", [0, -5], -22), "setpgid(0, -5) = -1 EINVAL (Invalid argument)");
  equal(call("setpgid", [99999, 0], -3), "setpgid(99999, 0) = -1 ESRCH (No such process)");
  equal(call("setpgid", [1002, 0], -13), "setpgid(1002, 0) = -1 EACCES (Permission denied)");
});

Deno.test("wait4 options", () => {
  equal(call("wait4", [-1, P1, 0x40000001, 0], 1002), "wait4(-1, 0x7ffd5c1e2a3c, WNOHANG|__WALL, NULL) = 1002");
  equal(call("wait4", [-1, P1, 1, 0], 0), "wait4(-1, 0x7ffd5c1e2a3c, WNOHANG, NULL) = 0");
  equal(call("wait4", [1002, 0, 0, 0], 1002), "wait4(1002, NULL, 0, NULL) = 1002");
  equal(
    call("wait4", [-1000, P1, 2 | 8, P2], 1003),
    "wait4(-1000, 0x7ffd5c1e2a3c, WUNTRACED|WCONTINUED, 0x7ffd5c1e2a40) = 1003",
  );
  equal(
    call("wait4", [0, P1, 0x80000000 | 0x20000000, 0], -10),
    "wait4(0, 0x7ffd5c1e2a3c, __WNOTHREAD|__WCLONE, NULL) = -1 ECHILD (No child processes)",
  );
  equal(
    call("wait4", [-1, P1, 1 | 0x100, 0], -22),
    "wait4(-1, 0x7ffd5c1e2a3c, WNOHANG|0x100, NULL) = -1 EINVAL (Invalid argument)",
  );
  equal(
    call("wait4", [-1, P1, 0, 0], -512),
    "wait4(-1, 0x7ffd5c1e2a3c, 0, NULL) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)",
  );
  equal(call("wait4", [-1, P1, 0, 0], null), "wait4(-1, 0x7ffd5c1e2a3c, 0, NULL) = ? <unfinished>");
});

Deno.test("waitid idtypes and options", () => {
  equal(call("waitid", [1, 1002, P1, 4, 0], 0), "waitid(P_PID, 1002, 0x7ffd5c1e2a3c, WEXITED, NULL) = 0");
  equal(
    call("waitid", [0, 0, P1, 4 | 2 | 8 | 1, 0], 0),
    "waitid(P_ALL, 0, 0x7ffd5c1e2a3c, WNOHANG|WSTOPPED|WEXITED|WCONTINUED, NULL) = 0",
  );
  equal(
    call("waitid", [2, 1000, P1, 4 | 0x1000000, P2], 0),
    "waitid(P_PGID, 1000, 0x7ffd5c1e2a3c, WEXITED|WNOWAIT, 0x7ffd5c1e2a40) = 0",
  );
  equal(call("waitid", [3, 5, P1, 4, 0], 0), "waitid(P_PIDFD, 5, 0x7ffd5c1e2a3c, WEXITED, NULL) = 0");
  equal(
    call("waitid", [7, 0, P1, 4, 0], -22),
    "waitid(7, 0, 0x7ffd5c1e2a3c, WEXITED, NULL) = -1 EINVAL (Invalid argument)",
  );
  equal(
    call("waitid", [0, 0, P1, 0x40000004, 0], -10),
    "waitid(P_ALL, 0, 0x7ffd5c1e2a3c, WEXITED|__WALL, NULL) = -1 ECHILD (No child processes)",
  );
});

Deno.test("clone flags, exit signal and the pointers the flags use; fork, vfork, clone3", () => {
  equal(
    call("clone", [0x4000 | 0x100 | 17, P1], 1003),
    "clone(flags=CLONE_VM|CLONE_VFORK|SIGCHLD, child_stack=0x7ffd5c1e2a3c) = 1003",
  );
  // glibc fork()
  equal(
    call("clone", [0x01200011, 0, 0, 0x7f19dc72ea10n, 0], 1002),
    "clone(flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_stack=NULL, child_tidptr=0x7f19dc72ea10) = 1002",
  );
  // glibc pthread_create (clone3 falls back to clone)
  equal(
    call("clone", [0x3d0f00, 0x7f19dbf2de70n, 0x7f19dbf2e990n, 0x7f19dbf2e990n, 0x7f19dbf2e6c0n], 1004),
    "clone(flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|" +
      "CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_stack=0x7f19dbf2de70, parent_tid=0x7f19dbf2e990, " +
      "child_tidptr=0x7f19dbf2e990, tls=0x7f19dbf2e6c0) = 1004",
  );
  equal(call("clone", [0, 0], 1005), "clone(flags=0, child_stack=NULL) = 1005");
  equal(call("clone", [10, 0], 1005), "clone(flags=SIGUSR1, child_stack=NULL) = 1005");
  equal(
    call("clone", [0x8000 | 0x1000, 0, P2], 1005),
    "clone(flags=CLONE_PIDFD|CLONE_PARENT, child_stack=NULL, parent_tid=0x7ffd5c1e2a40) = 1005",
  );
  equal(
    call("clone", [0x20000000 | 0x10000000 | 17, 0], -1),
    "clone(flags=CLONE_NEWUSER|CLONE_NEWPID|SIGCHLD, child_stack=NULL) = -1 EPERM (Operation not permitted)",
  );
  equal(
    call("clone", [0x100000199n, 0], -22),
    "clone(flags=CLONE_VM|0x100000000|153, child_stack=NULL) = -1 EINVAL (Invalid argument)",
  );
  equal(
    call("clone", [17, 0], -11),
    "clone(flags=SIGCHLD, child_stack=NULL) = -1 EAGAIN (Resource temporarily unavailable)",
  );
  equal(call("fork", [], 1002), "fork() = 1002");
  equal(call("vfork", [], 1002), "vfork() = 1002");
  equal(call("clone3", [P1, 88], -38), "clone3(0x7ffd5c1e2a3c, 88) = -1 ENOSYS (Function not implemented)");
});

Deno.test("prctl options", () => {
  equal(call("prctl", [1, 10], 0), "prctl(PR_SET_PDEATHSIG, SIGUSR1) = 0");
  equal(call("prctl", [1, 0], 0), "prctl(PR_SET_PDEATHSIG, 0) = 0");
  equal(call("prctl", [1, 65], -22), "prctl(PR_SET_PDEATHSIG, 65) = -1 EINVAL (Invalid argument)");
  equal(call("prctl", [2, P1], 0), "prctl(PR_GET_PDEATHSIG, 0x7ffd5c1e2a3c) = 0");
  equal(call("prctl", [3], 1), "prctl(PR_GET_DUMPABLE) = 1");
  equal(call("prctl", [4, 1], 0), "prctl(PR_SET_DUMPABLE, SUID_DUMP_USER) = 0");
  equal(call("prctl", [4, 0], 0), "prctl(PR_SET_DUMPABLE, SUID_DUMP_DISABLE) = 0");
  equal(call("prctl", [36, 1], 0), "prctl(PR_SET_CHILD_SUBREAPER, 1) = 0");
  equal(call("prctl", [37, P1], 0), "prctl(PR_GET_CHILD_SUBREAPER, 0x7ffd5c1e2a3c) = 0");
  equal(call("prctl", [15, P1], 0), "prctl(PR_SET_NAME, 0x7ffd5c1e2a3c) = 0");
  equal(call("prctl", [38, 1, 0, 0, 0], 0), "prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) = 0");
  equal(call("prctl", [22, 2, P1], 0), "prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, 0x7ffd5c1e2a3c) = 0");
  equal(call("prctl", [0x59616d61, -1], 0), "prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY) = 0");
  equal(call("prctl", [1000, 1, 0, 0, 0], -22), "prctl(1000, 0x1, 0, 0, 0) = -1 EINVAL (Invalid argument)");
});

Deno.test("signal dispositions, masks, waits and signalfds", () => {
  equal(call("rt_sigaction", [17, P1, P2, 8], 0), "rt_sigaction(SIGCHLD, 0x7ffd5c1e2a3c, 0x7ffd5c1e2a40, 8) = 0");
  equal(call("rt_sigaction", [32, 0, P2, 8], 0), "rt_sigaction(SIGRTMIN, NULL, 0x7ffd5c1e2a40, 8) = 0");
  equal(
    call("rt_sigaction", [9, P1, 0, 8], -22),
    "rt_sigaction(SIGKILL, 0x7ffd5c1e2a3c, NULL, 8) = -1 EINVAL (Invalid argument)",
  );
  equal(call("rt_sigprocmask", [0, P1, 0, 8], 0), "rt_sigprocmask(SIG_BLOCK, 0x7ffd5c1e2a3c, NULL, 8) = 0");
  equal(
    call("rt_sigprocmask", [1, P1, P2, 8], 0),
    "rt_sigprocmask(SIG_UNBLOCK, 0x7ffd5c1e2a3c, 0x7ffd5c1e2a40, 8) = 0",
  );
  equal(call("rt_sigprocmask", [2, 0, P2, 8], 0), "rt_sigprocmask(SIG_SETMASK, NULL, 0x7ffd5c1e2a40, 8) = 0");
  equal(call("rt_sigtimedwait", [P1, P2, 0, 8], 10), "rt_sigtimedwait(0x7ffd5c1e2a3c, 0x7ffd5c1e2a40, NULL, 8) = 10");
  equal(
    call("rt_sigtimedwait", [P1, 0, P2, 8], -11),
    "rt_sigtimedwait(0x7ffd5c1e2a3c, NULL, 0x7ffd5c1e2a40, 8) = -1 EAGAIN (Resource temporarily unavailable)",
  );
  equal(call("signalfd", [-1, P1, 8], 1000), "signalfd(-1, 0x7ffd5c1e2a3c, 8) = 1000");
  equal(
    call("signalfd4", [-1, P1, 8, 0x80800], 1000),
    "signalfd4(-1, 0x7ffd5c1e2a3c, 8, SFD_CLOEXEC|SFD_NONBLOCK) = 1000",
  );
  equal(call("read", [1000, P1, 128], 128), "read(1000, 0x7ffd5c1e2a3c, 128) = 128");
  equal(call("readv", [1000, P1, 2], 128), "readv(1000, 0x7ffd5c1e2a3c, 2) = 128");
  equal(call("dup", [1000], 4), "dup(1000) = 4");
  equal(call("dup", [77], -9), "dup(77) = -1 EBADF (Bad file descriptor)");
});

Deno.test("getrusage, ptrace, process_vm_*, seccomp", () => {
  equal(call("getrusage", [-1, P1], 0), "getrusage(RUSAGE_CHILDREN, 0x7ffd5c1e2a3c) = 0");
  equal(call("getrusage", [0, P1], 0), "getrusage(RUSAGE_SELF, 0x7ffd5c1e2a3c) = 0");
  equal(call("ptrace", [16, 1000], -1), "ptrace(PTRACE_ATTACH, 1000) = -1 EPERM (Operation not permitted)");
  equal(call("ptrace", [0], -1), "ptrace(PTRACE_TRACEME) = -1 EPERM (Operation not permitted)");
  equal(
    call("ptrace", [0x4206, 4242, 0, 0], -3),
    "ptrace(PTRACE_SEIZE, 4242, NULL, NULL) = -1 ESRCH (No such process)",
  );
  equal(call("ptrace", [7, 1002, 0, 10], -3), "ptrace(PTRACE_CONT, 1002, NULL, SIGUSR1) = -1 ESRCH (No such process)");
  equal(
    call("process_vm_readv", [1002, P1, 1, P2, 1, 0], 64),
    "process_vm_readv(1002, 0x7ffd5c1e2a3c, 1, 0x7ffd5c1e2a40, 1, 0) = 64",
  );
  equal(
    call("process_vm_writev", [4242, P1, 1, P2, 1, 0], -3),
    "process_vm_writev(4242, 0x7ffd5c1e2a3c, 1, 0x7ffd5c1e2a40, 1, 0) = -1 ESRCH (No such process)",
  );
  equal(
    call("seccomp", [1, 8, P1], -16),
    "seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, 0x7ffd5c1e2a3c) = -1 EBUSY (Device or resource busy)",
  );
  equal(
    call("seccomp", [1, 1 | 2, P1], 0),
    "seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC|SECCOMP_FILTER_FLAG_LOG, 0x7ffd5c1e2a3c) = 0",
  );
});

Deno.test("fcntl and ioctl commands umbra traces", () => {
  equal(call("fcntl", [3, 8, 1002], 0), "fcntl(3, F_SETOWN, 1002) = 0");
  equal(call("fcntl", [3, 8, -1000], 0), "fcntl(3, F_SETOWN, -1000) = 0");
  equal(call("fcntl", [3, 8, 4242], -3), "fcntl(3, F_SETOWN, 4242) = -1 ESRCH (No such process)");
  equal(call("fcntl", [3, 9], 1002), "fcntl(3, F_GETOWN) = 1002");
  equal(call("fcntl", [3, 15, P1], 0), "fcntl(3, F_SETOWN_EX, 0x7ffd5c1e2a3c) = 0");
  equal(call("fcntl", [3, 16, P1], 0), "fcntl(3, F_GETOWN_EX, 0x7ffd5c1e2a3c) = 0");
  equal(call("fcntl", [1000, 0, 10], 10), "fcntl(1000, F_DUPFD, 10) = 10");
  equal(call("fcntl", [1000, 1030, 0], 4), "fcntl(1000, F_DUPFD_CLOEXEC, 0) = 4");
  equal(call("fcntl", [3, 2, 1], 0), "fcntl(3, F_SETFD, FD_CLOEXEC) = 0");
  equal(call("fcntl", [3, 1], 1), "fcntl(3, F_GETFD) = 0x1 (flags FD_CLOEXEC)");
  equal(call("fcntl", [3, 1], 0), "fcntl(3, F_GETFD) = 0");
  equal(call("fcntl", [0, 3], 0x8000), "fcntl(0, F_GETFL) = 0x8000 (flags O_RDONLY|O_LARGEFILE)");
  equal(call("fcntl", [3, 4, 0x802], 0), "fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0");
  equal(call("fcntl", [3, 10, 29], 0), "fcntl(3, F_SETSIG, SIGIO) = 0");
  equal(call("fcntl", [3, 9999, 5], -22), "fcntl(3, 9999, 0x5) = -1 EINVAL (Invalid argument)");
  equal(call("ioctl", [0, 0x5410, P1], 0), "ioctl(0, TIOCSPGRP, 0x7ffd5c1e2a3c) = 0");
  equal(
    call("ioctl", [0, 0x5410, P1], -25),
    "ioctl(0, TIOCSPGRP, 0x7ffd5c1e2a3c) = -1 ENOTTY (Inappropriate ioctl for device)",
  );
  equal(call("ioctl", [5, 0x8901, P1], 0), "ioctl(5, FIOSETOWN, 0x7ffd5c1e2a3c) = 0");
  equal(call("ioctl", [5, 0x8902, P1], 0), "ioctl(5, SIOCSPGRP, 0x7ffd5c1e2a3c) = 0");
  equal(call("ioctl", [5, 0x8903, P1], 0), "ioctl(5, FIOGETOWN, 0x7ffd5c1e2a3c) = 0");
  equal(call("ioctl", [5, 0x8904, P1], 0), "ioctl(5, SIOCGPGRP, 0x7ffd5c1e2a3c) = 0");
  equal(
    call("ioctl", [5, 0xc0104004, P1], -25),
    "ioctl(5, 0xc0104004, 0x7ffd5c1e2a3c) = -1 ENOTTY (Inappropriate ioctl for device)",
  );
});

Deno.test("clock ids, sleeps and clocks", () => {
  equal(call("clock_gettime", [1, P1], 0), "clock_gettime(CLOCK_MONOTONIC, 0x7ffd5c1e2a3c) = 0");
  equal(call("clock_gettime", [0, P1], 0), "clock_gettime(CLOCK_REALTIME, 0x7ffd5c1e2a3c) = 0");
  equal(call("clock_gettime", [7, P1], 0), "clock_gettime(CLOCK_BOOTTIME, 0x7ffd5c1e2a3c) = 0");
  equal(call("clock_gettime", [11, P1], 0), "clock_gettime(CLOCK_TAI, 0x7ffd5c1e2a3c) = 0");
  equal(call("clock_gettime", [2, P1], 0), "clock_gettime(CLOCK_PROCESS_CPUTIME_ID, 0x7ffd5c1e2a3c) = 0");
  equal(call("clock_gettime", [10, P1], -22), "clock_gettime(10, 0x7ffd5c1e2a3c) = -1 EINVAL (Invalid argument)");
  // Dynamic clocks: (~pid << 3) | type, with 4 for a thread clock and 3 for a clock fd.
  equal(
    call("clock_gettime", [(~1002 << 3) | 2, P1], 0),
    "clock_gettime(MAKE_PROCESS_CPUCLOCK(1002, CPUCLOCK_SCHED), 0x7ffd5c1e2a3c) = 0",
  );
  equal(
    call("clock_gettime", [(~1003 << 3) | 4, P1], 0),
    "clock_gettime(MAKE_THREAD_CPUCLOCK(1003, CPUCLOCK_PROF), 0x7ffd5c1e2a3c) = 0",
  );
  equal(call("clock_gettime", [(~5 << 3) | 3, P1], 0), "clock_gettime(FD_TO_CLOCKID(5), 0x7ffd5c1e2a3c) = 0");
  equal(call("gettimeofday", [P1, 0], 0), "gettimeofday(0x7ffd5c1e2a3c, NULL) = 0");
  equal(call("time", [0], 946684800), "time(NULL) = 946684800");
  equal(call("nanosleep", [P1, 0], null), "nanosleep(0x7ffd5c1e2a3c, NULL) = ? <unfinished>");
  equal(call("nanosleep", [P1, P2], 0), "nanosleep(0x7ffd5c1e2a3c, 0x7ffd5c1e2a40) = 0");
  equal(
    call("nanosleep", [P1, P2], -516),
    "nanosleep(0x7ffd5c1e2a3c, 0x7ffd5c1e2a40) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)",
  );
  equal(
    call("clock_nanosleep", [0, 1, P1, 0], 0),
    "clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, 0x7ffd5c1e2a3c, NULL) = 0",
  );
  equal(
    call("clock_nanosleep", [1, 0, P1, P2], null),
    "clock_nanosleep(CLOCK_MONOTONIC, 0, 0x7ffd5c1e2a3c, 0x7ffd5c1e2a40) = ? <unfinished>",
  );
  equal(call("alarm", [5], 0), "alarm(5) = 0");
  equal(call("setitimer", [0, P1, 0], 0), "setitimer(ITIMER_REAL, 0x7ffd5c1e2a3c, NULL) = 0");
  equal(call("getitimer", [2, P1], 0), "getitimer(ITIMER_PROF, 0x7ffd5c1e2a3c) = 0");
});

Deno.test("POSIX timers and timerfds", () => {
  equal(call("timer_create", [1, 0, P1], 0), "timer_create(CLOCK_MONOTONIC, NULL, 0x7ffd5c1e2a3c) = 0");
  equal(call("timer_settime", [0, 1, P1, 0], 0), "timer_settime(0, TIMER_ABSTIME, 0x7ffd5c1e2a3c, NULL) = 0");
  equal(call("timer_settime", [0, 0, P1, P2], 0), "timer_settime(0, 0, 0x7ffd5c1e2a3c, 0x7ffd5c1e2a40) = 0");
  equal(call("timer_gettime", [1, P1], 0), "timer_gettime(1, 0x7ffd5c1e2a3c) = 0");
  equal(call("timer_getoverrun", [0], 0), "timer_getoverrun(0) = 0");
  equal(call("timer_delete", [7], -22), "timer_delete(7) = -1 EINVAL (Invalid argument)");
  equal(call("timerfd_create", [1, 0x80800], 3), "timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC|TFD_NONBLOCK) = 3");
  equal(call("timerfd_create", [0, 0], 3), "timerfd_create(CLOCK_REALTIME, 0) = 3");
  equal(
    call("timerfd_settime", [3, 3, P1, 0], 0),
    "timerfd_settime(3, TFD_TIMER_ABSTIME|TFD_TIMER_CANCEL_ON_SET, 0x7ffd5c1e2a3c, NULL) = 0",
  );
  equal(call("timerfd_gettime", [3, P1], 0), "timerfd_gettime(3, 0x7ffd5c1e2a3c) = 0");
});

Deno.test("timeouts: poll, select, epoll", () => {
  equal(call("poll", [P1, 2, 1000], 1), "poll(0x7ffd5c1e2a3c, 2, 1000) = 1");
  equal(call("poll", [0, 0, -1], null), "poll(NULL, 0, -1) = ? <unfinished>");
  equal(call("ppoll", [P1, 1, P2, 0, 8], 0), "ppoll(0x7ffd5c1e2a3c, 1, 0x7ffd5c1e2a40, NULL, 8) = 0");
  equal(call("select", [4, P1, 0, 0, P2], 0), "select(4, 0x7ffd5c1e2a3c, NULL, NULL, 0x7ffd5c1e2a40) = 0");
  equal(call("pselect6", [0, 0, 0, 0, P1, 0], 0), "pselect6(0, NULL, NULL, NULL, 0x7ffd5c1e2a3c, NULL) = 0");
  equal(
    call("epoll_wait", [4, P1, 16, -1], -4),
    "epoll_wait(4, 0x7ffd5c1e2a3c, 16, -1) = -1 EINTR (Interrupted system call)",
  );
  equal(call("epoll_pwait", [4, P1, 16, 500, 0, 8], 0), "epoll_pwait(4, 0x7ffd5c1e2a3c, 16, 500, NULL, 8) = 0");
  equal(
    call("epoll_pwait2", [4, P1, 16, P2, 0, 8], 2),
    "epoll_pwait2(4, 0x7ffd5c1e2a3c, 16, 0x7ffd5c1e2a40, NULL, 8) = 2",
  );
});

Deno.test("futex ops", () => {
  const word = 0x7f1cc0eafa4cn;
  equal(
    call("futex", [word, 128, 2, P1], -110),
    "futex(0x7f1cc0eafa4c, FUTEX_WAIT|FUTEX_PRIVATE_FLAG, 2, 0x7ffd5c1e2a3c) = -1 ETIMEDOUT (Connection timed out)",
  );
  equal(call("futex", [word, 0, 0, 0], null), "futex(0x7f1cc0eafa4c, FUTEX_WAIT, 0, NULL) = ? <unfinished>");
  equal(
    call("futex", [word, 9 | 128 | 256, 0, P1, 0, 0xffffffff], 0),
    "futex(0x7f1cc0eafa4c, FUTEX_WAIT_BITSET|FUTEX_PRIVATE_FLAG|FUTEX_CLOCK_REALTIME, 0, 0x7ffd5c1e2a3c, FUTEX_BITSET_MATCH_ANY) = 0",
  );
  equal(
    call("futex", [word, 9, 1, P1, 0, 4], -11),
    "futex(0x7f1cc0eafa4c, FUTEX_WAIT_BITSET, 1, 0x7ffd5c1e2a3c, 0x4) = -1 EAGAIN (Resource temporarily unavailable)",
  );
  equal(
    call("futex", [word, 1 | 128, 2147483647], 0),
    "futex(0x7f1cc0eafa4c, FUTEX_WAKE|FUTEX_PRIVATE_FLAG, 2147483647) = 0",
  );
  equal(call("futex", [word, 7 | 128], 0), "futex(0x7f1cc0eafa4c, FUTEX_UNLOCK_PI|FUTEX_PRIVATE_FLAG) = 0");
});

Deno.test("errno names, messages and restart codes", () => {
  const cases: [number, string][] = [
    [1, "-1 EPERM (Operation not permitted)"],
    [2, "-1 ENOENT (No such file or directory)"],
    [3, "-1 ESRCH (No such process)"],
    [4, "-1 EINTR (Interrupted system call)"],
    [9, "-1 EBADF (Bad file descriptor)"],
    [10, "-1 ECHILD (No child processes)"],
    [11, "-1 EAGAIN (Resource temporarily unavailable)"],
    [13, "-1 EACCES (Permission denied)"],
    [14, "-1 EFAULT (Bad address)"],
    [16, "-1 EBUSY (Device or resource busy)"],
    [22, "-1 EINVAL (Invalid argument)"],
    [38, "-1 ENOSYS (Function not implemented)"],
    [110, "-1 ETIMEDOUT (Connection timed out)"],
    [15, "-1 ENOTBLK"],
    [4000, "-1 E4000"],
    [4095, "-1 E4095"],
    [512, "? ERESTARTSYS (To be restarted if SA_RESTART is set)"],
    [513, "? ERESTARTNOINTR (To be restarted)"],
    [514, "? ERESTARTNOHAND (To be restarted if no handler)"],
    [516, "? ERESTART_RESTARTBLOCK (Interrupted by signal)"],
  ];
  for (const [errno, text] of cases) equal(call("getpgid", [5], -errno), `getpgid(5) = ${text}`);
  // Outside -4095..-1 a negative result is a value, not an error.
  equal(call("getpgid", [5], -4096), "getpgid(5) = -4096");
  equal(call("exit_group", [0], null), "exit_group(0) = ?");
  equal(call("exit", [3], null), "exit(3) = ?");
});

Deno.test("deterministic mode hides addresses and keeps everything else", () => {
  const d = "deterministic";
  equal(ADDRESS_TOKEN, "0x…");
  equal(call("wait4", [-1, P1, 0x40000001, 0], 1002, d), "wait4(-1, 0x…, WNOHANG|__WALL, NULL) = 1002");
  equal(call("rt_sigaction", [17, P1, P2, 8], 0, d), "rt_sigaction(SIGCHLD, 0x…, 0x…, 8) = 0");
  equal(
    call("clone", [0x3d0f00, 0x7f19dbf2de70n, 0x7f19dbf2e990n, 0x7f19dbf2e990n, 0x7f19dbf2e6c0n], 1004, d),
    "clone(flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|" +
      "CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_stack=0x…, parent_tid=0x…, child_tidptr=0x…, tls=0x…) = 1004",
  );
  equal(
    call("clone", [0x01200011, 0, 0, 0x7f19dc72ea10n], 1002, d),
    "clone(flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_stack=NULL, child_tidptr=0x…) = 1002",
  );
  equal(call("nanosleep", [P1, 0], null, d), "nanosleep(0x…, NULL) = ? <unfinished>");
  equal(call("read", [1000, P1, 128], 128, d), "read(1000, 0x…, 128) = 128");
  equal(call("futex", [0x7f1cc0eafa4cn, 128, 2, 0], 0, d), "futex(0x…, FUTEX_WAIT|FUTEX_PRIVATE_FLAG, 2, NULL) = 0");
  equal(call("fcntl", [3, 8, -1000], 0, d), "fcntl(3, F_SETOWN, -1000) = 0");
  equal(call("set_tid_address", [0x7f19dc72ea10n], 1000, d), "set_tid_address(0x…) = 1000");
  // Results that are addresses, and undecoded registers that look like addresses.
  equal(call("brk", [0], 0x5581a000n, d), "brk(0, 0, 0, 0, 0, 0) = 0x…");
  equal(call("brk", [0], 0x5581a000n), "brk(0, 0, 0, 0, 0, 0) = 0x5581a000");
  equal(
    call("mmap", [0, 4096, 3, 0x22, -1, 0], 0x7f19dc72e000n, d),
    "mmap(0, 0x1000, 0x3, 0x22, 0xffffffffffffffff, 0) = 0x…",
  );
  equal(call("mprotect", [0x7f19dc72e000n, 4096, 1], 0, d), "mprotect(0x…, 0x1000, 0x1, 0, 0, 0) = 0");
  // The same record in both modes differs only in its addresses.
  const r = record(SYS.wait4, [1002, P1, 0, 0], 1002);
  notEqual(formatSyscall(r, "standard"), formatSyscall(r, d));
  equal(formatSyscall(r, "standard").replace("0x7ffd5c1e2a3c", ADDRESS_TOKEN), formatSyscall(r, d));
});

Deno.test("unknown syscall numbers print as syscall_NNN with their registers in hex", () => {
  equal(call("getpid", [], 1000).startsWith("getpid("), true);
  const line = formatSyscall(record(999, [1, 0, 255, -1, 0, 0], -38), "standard");
  equal(line, `${PREFIX} syscall_999(0x1, 0, 0xff, 0xffffffffffffffff, 0, 0) = -1 ENOSYS (Function not implemented)`);
  equal(formatSyscall(record(500, [P1], 0), "deterministic"), `${PREFIX} syscall_500(0x…, 0, 0, 0, 0, 0) = 0`);
  equal(formatSyscall(record(500, [P1], 0), "standard"), `${PREFIX} syscall_500(0x7ffd5c1e2a3c, 0, 0, 0, 0, 0) = 0`);
});

Deno.test("every syscall umbra intercepts has its own decoder", () => {
  const generic = "(0, 0, 0, 0, 0, 0)";
  for (const [nr, entry] of SYSCALL_TABLE) {
    if (entry.deny !== undefined) continue; // refused in the filter: never traced, never logged
    const line = formatSyscall(record(nr, [], 0), "standard");
    equal(line.startsWith(`${PREFIX} ${entry.name}(`), true, line);
    equal(line.includes(generic), false, line);
  }
});

Deno.test("records: short and negative registers, bad input", () => {
  const short: SyscallRecord = { time: TIME, tid: 1001, nr: SYS.kill, args: ["-1", "9"], result: "0" };
  equal(formatSyscall(short, "standard"), `${PREFIX} kill(-1, SIGKILL) = 0`);
  const wrapped: SyscallRecord = { ...short, args: ["18446744073709551615", "9", "0", "0", "0", "0"] };
  equal(formatSyscall(wrapped, "standard"), `${PREFIX} kill(-1, SIGKILL) = 0`);
  // An i64 result given as its u64 bit pattern is still -errno.
  equal(
    formatSyscall({ ...short, result: "18446744073709551613" }, "standard"),
    `${PREFIX} kill(-1, SIGKILL) = -1 ESRCH (No such process)`,
  );
  throws(() => formatSyscall({ ...short, args: ["0x10", "9"] }, "standard"), RangeError);
  throws(() => formatSyscall({ ...short, result: "abc" }, "standard"), RangeError);
  throws(() => formatSyscall({ ...short, time: "" }, "standard"), RangeError);
});

Deno.test("straceFileName", () => {
  equal(straceFileName("sleep", 1000), "sleep.1000.strace");
  equal(straceFileName("my-server", 1002), "my-server.1002.strace");
});

Deno.test("sigaction structs: handler, mask, flags, restorer; the old action only when the call succeeded", () => {
  const restorer = 0x7f2c6d53f050n;
  const handler = 0x557080bd9259n;
  const action = struct(32, [0, 8, handler], [8, 8, 0x14000004], [16, 8, restorer], [24, 8, (1n << 9n) | (1n << 16n)]);
  const ignore = struct(32, [0, 8, 1], [8, 8, 0x04000000], [16, 8, restorer]);
  const dfl = struct(32);
  equal(
    call("rt_sigaction", [12, P1, P2, 8], 0, "standard", { 1: action, 2: dfl }),
    "rt_sigaction(SIGUSR2, {sa_handler=0x557080bd9259, sa_mask=[USR1 CHLD], " +
      "sa_flags=SA_RESTORER|SA_RESTART|SA_SIGINFO, sa_restorer=0x7f2c6d53f050}, " +
      "{sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0",
  );
  equal(
    call("rt_sigaction", [13, P1, 0, 8], 0, "deterministic", { 1: ignore }),
    "rt_sigaction(SIGPIPE, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x…}, NULL, 8) = 0",
  );
  equal(
    call("rt_sigaction", [12, P1, 0, 8], 0, "deterministic", { 1: action }),
    "rt_sigaction(SIGUSR2, {sa_handler=0x…, sa_mask=[USR1 CHLD], sa_flags=SA_RESTORER|SA_RESTART|SA_SIGINFO, " +
      "sa_restorer=0x…}, NULL, 8) = 0",
  );
  // Every flag in strace's order, unknown bits last; realtime signals in sets by umbra's names without SIG.
  const all = struct(32, [8, 8, 0xdc000007n | 0x400n], [24, 8, (1n << 31n) | (1n << 33n) | (1n << 63n)]);
  equal(
    call("rt_sigaction", [17, P1, 0, 8], 0, "standard", { 1: all }),
    "rt_sigaction(SIGCHLD, {sa_handler=SIG_DFL, sa_mask=[RTMIN RTMIN+2 RTMIN+32], sa_flags=SA_RESTORER|" +
      "SA_ONSTACK|SA_RESTART|SA_NODEFER|SA_RESETHAND|SA_SIGINFO|SA_NOCLDSTOP|SA_NOCLDWAIT|0x400, sa_restorer=NULL}, " +
      "NULL, 8) = 0",
  );
  // A failed call: its output is not shown even if the record has memory; an unread pointer stays an address.
  equal(
    call("rt_sigaction", [9, P1, P2, 8], -22, "standard", { 1: ignore, 2: dfl }),
    "rt_sigaction(SIGKILL, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x7f2c6d53f050}, " +
      "0x7ffd5c1e2a40, 8) = -1 EINVAL (Invalid argument)",
  );
  equal(call("rt_sigaction", [12, 8, 0, 8], -14), "rt_sigaction(SIGUSR2, 0x8, NULL, 8) = -1 EFAULT (Bad address)");
});

Deno.test("signal sets: members, the complement when most are in, masks, waits and signalfds", () => {
  equal(
    call("rt_sigprocmask", [0, P1, P2, 8], 0, "standard", { 1: sigset(10, 36), 2: sigset() }),
    "rt_sigprocmask(SIG_BLOCK, [USR1 RTMIN+4], [], 8) = 0",
  );
  const allBut = (...out: number[]) =>
    sigset(...Array.from({ length: 64 }, (_, i) => i + 1).filter((s) => !out.includes(s)));
  equal(
    call("rt_sigprocmask", [2, P1, 0, 8], 0, "standard", { 1: allBut(32, 33) }),
    "rt_sigprocmask(SIG_SETMASK, ~[RTMIN RTMIN+1], NULL, 8) = 0",
  );
  equal(
    call("rt_sigprocmask", [0, P1, 0, 8], 0, "standard", { 1: allBut() }),
    "rt_sigprocmask(SIG_BLOCK, ~[], NULL, 8) = 0",
  );
  equal(
    call("signalfd4", [-1, P1, 8, 0x80000], 1000, "standard", { 1: sigset(17) }),
    "signalfd4(-1, [CHLD], 8, SFD_CLOEXEC) = 1000",
  );
  const info = siginfo(10, 0, 1002, 0);
  equal(
    call("rt_sigtimedwait", [P1, P2, 0, 8], 10, "standard", { 0: sigset(10), 1: info }),
    "rt_sigtimedwait([USR1], {si_signo=SIGUSR1, si_code=SI_USER, si_pid=1002, si_uid=0}, NULL, 8) = 10",
  );
  equal(
    call("rt_sigtimedwait", [P1, P2, P1, 8], -11, "standard", { 0: sigset(10), 2: timespec(0, 500) }),
    "rt_sigtimedwait([USR1], 0x7ffd5c1e2a40, {tv_sec=0, tv_nsec=500}, 8) = -1 EAGAIN (Resource temporarily unavailable)",
  );
});

Deno.test("wait statuses and rusage: exited, signaled, core dumps, stopped, continued; only when a child is reported", () => {
  const status = (s: number) => struct(4, [0, 4, s]);
  const wait = (s: number, result: Value = 1002) =>
    call("wait4", [1002, P1, 0, 0], result, "standard", { 1: status(s) });
  equal(wait(3 << 8), "wait4(1002, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 1002");
  equal(wait(0), "wait4(1002, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 1002");
  equal(wait(9), "wait4(1002, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}], 0, NULL) = 1002");
  equal(wait(11 | 0x80), "wait4(1002, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}], 0, NULL) = 1002");
  equal(wait((19 << 8) | 0x7f), "wait4(1002, [{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}], 0, NULL) = 1002");
  equal(wait(0xffff), "wait4(1002, [{WIFCONTINUED(s)}], 0, NULL) = 1002");
  equal(wait(0x7f), "wait4(1002, [{WIFSTOPPED(s) && WSTOPSIG(s) == 0}], 0, NULL) = 1002");
  equal(
    wait(0x10000 | (5 << 8) | 0x7f),
    "wait4(1002, [{WIFSTOPPED(s) && WSTOPSIG(s) == SIGTRAP} | 0x1 << 16], 0, NULL) = 1002",
  );
  // WNOHANG with nothing to report, and errors: the pointer.
  equal(wait(0, 0), "wait4(1002, 0x7ffd5c1e2a3c, 0, NULL) = 0");
  equal(wait(0, -10), "wait4(1002, 0x7ffd5c1e2a3c, 0, NULL) = -1 ECHILD (No child processes)");
  const usage = struct(144, [0, 8, 1], [8, 8, 2500], [16, 8, 0], [24, 8, 750], [32, 8, 4096]);
  equal(
    call("wait4", [-1, P1, 0, P2], 1003, "standard", { 1: status(7 << 8), 3: usage }),
    "wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 7}], 0, {ru_utime={tv_sec=1, tv_usec=2500}, " +
      "ru_stime={tv_sec=0, tv_usec=750}, ...}) = 1003",
  );
  equal(
    call("wait4", [-1, P1, 0, P2], 1003, "deterministic", { 1: status(7 << 8), 3: usage }),
    `wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 7}], 0, {ru_utime={tv_sec=${VALUE_TOKEN}, tv_usec=…}, ` +
      "ru_stime={tv_sec=…, tv_usec=…}, ...}) = 1003",
  );
  equal(
    call("getrusage", [-1, P1], 0, "standard", { 1: usage }),
    "getrusage(RUSAGE_CHILDREN, {ru_utime={tv_sec=1, tv_usec=2500}, ru_stime={tv_sec=0, tv_usec=750}, ...}) = 0",
  );
});

Deno.test("siginfo: waitid's child states, queued and user signals, timers, nothing to report", () => {
  const waitid = (info: string, mode: StraceMode = "standard", result: Value = 0) =>
    call("waitid", [1, 1002, P1, 4, P2], result, mode, { 2: info, 4: struct(144, [8, 8, 12]) });
  equal(
    waitid(siginfo(17, 1, 1002, 0, 3)),
    "waitid(P_PID, 1002, {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=1002, si_uid=0, si_status=3, si_utime=0, " +
      "si_stime=0}, WEXITED, {ru_utime={tv_sec=0, tv_usec=12}, ru_stime={tv_sec=0, tv_usec=0}, ...}) = 0",
  );
  equal(
    waitid(siginfo(17, 2, 1002, 1000, 9, 7, 1), "deterministic"),
    "waitid(P_PID, 1002, {si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=1002, si_uid=1000, si_status=SIGKILL, " +
      "si_utime=…, si_stime=…}, WEXITED, {ru_utime={tv_sec=…, tv_usec=…}, ru_stime={tv_sec=…, tv_usec=…}, ...}) = 0",
  );
  equal(
    waitid(siginfo(17, 5, 1002, 0, 19)),
    "waitid(P_PID, 1002, {si_signo=SIGCHLD, si_code=CLD_STOPPED, si_pid=1002, si_uid=0, si_status=SIGSTOP, " +
      "si_utime=0, si_stime=0}, WEXITED, {ru_utime={tv_sec=0, tv_usec=12}, ru_stime={tv_sec=0, tv_usec=0}, ...}) = 0",
  );
  // WNOHANG, nothing to report: an empty siginfo and no rusage.
  equal(waitid(struct(128)), "waitid(P_PID, 1002, {}, WEXITED, 0x7ffd5c1e2a40) = 0");
  equal(
    waitid(struct(128), "standard", -10),
    "waitid(P_PID, 1002, 0x7ffd5c1e2a3c, WEXITED, 0x7ffd5c1e2a40) = -1 ECHILD (No child processes)",
  );
  equal(
    call("rt_sigqueueinfo", [1000, 12, P1], 0, "standard", { 2: siginfo(12, -1, 1000, 0, 42) }),
    "rt_sigqueueinfo(1000, SIGUSR2, {si_signo=SIGUSR2, si_code=SI_QUEUE, si_pid=1000, si_uid=0, si_int=42, si_ptr=0x2a}) = 0",
  );
  const pointer = siginfo(34, -1, 1000, 0, 0x7fff12345678n);
  equal(
    call("rt_tgsigqueueinfo", [1000, 1001, 34, P1], 0, "deterministic", { 3: pointer }),
    "rt_tgsigqueueinfo(1000, 1001, SIGRTMIN+2, {si_signo=SIGRTMIN+2, si_code=SI_QUEUE, si_pid=1000, si_uid=0, " +
      "si_int=305419896, si_ptr=0x…}) = 0",
  );
  equal(
    call("rt_sigqueueinfo", [1000, 10, P1], -1, "standard", { 2: siginfo(10, 0, 1000, 0) }),
    "rt_sigqueueinfo(1000, SIGUSR1, {si_signo=SIGUSR1, si_code=SI_USER, si_pid=1000, si_uid=0}) = -1 EPERM " +
      "(Operation not permitted)",
  );
  equal(
    call("pidfd_send_signal", [3, 15, P1, 0], 0, "standard", { 2: siginfo(15, -6, 1000, 0) }),
    "pidfd_send_signal(3, SIGTERM, {si_signo=SIGTERM, si_code=SI_TKILL, si_pid=1000, si_uid=0}, 0) = 0",
  );
  equal(
    call("rt_sigqueueinfo", [1000, 14, P1], 0, "standard", { 2: siginfo(14, -2, 3, 0) }),
    "rt_sigqueueinfo(1000, SIGALRM, {si_signo=SIGALRM, si_code=SI_TIMER, si_timerid=0x3, si_overrun=0, si_int=0, " +
      "si_ptr=NULL}) = 0",
  );
  equal(
    call("rt_sigqueueinfo", [1000, 11, P1], 0, "standard", { 2: siginfo(11, 1) }),
    "rt_sigqueueinfo(1000, SIGSEGV, {si_signo=SIGSEGV, si_code=1}) = 0",
  );
});

Deno.test("timespecs: sleeps (time left only when interrupted), clocks (CPU time varies), timers, timeouts", () => {
  const ms = timespec(0, 1000000);
  equal(
    call("nanosleep", [P1, P2], 0, "standard", { 0: ms }),
    "nanosleep({tv_sec=0, tv_nsec=1000000}, 0x7ffd5c1e2a40) = 0",
  );
  equal(
    call("nanosleep", [P1, 0], null, "deterministic", { 0: ms }),
    "nanosleep({tv_sec=0, tv_nsec=1000000}, NULL) = ? <unfinished>",
  );
  equal(
    call("nanosleep", [P1, P2], -516, "standard", { 0: timespec(5, 0), 1: timespec(3, 250) }),
    "nanosleep({tv_sec=5, tv_nsec=0}, {tv_sec=3, tv_nsec=250}) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)",
  );
  equal(
    call("nanosleep", [P1, P2], -4, "standard", { 0: timespec(5, 0), 1: timespec(3, 250) }),
    "nanosleep({tv_sec=5, tv_nsec=0}, {tv_sec=3, tv_nsec=250}) = -1 EINTR (Interrupted system call)",
  );
  equal(
    call("nanosleep", [P1, 0], -22, "standard", { 0: timespec(1, -1) }),
    "nanosleep({tv_sec=1, tv_nsec=-1}, NULL) = -1 EINVAL (Invalid argument)",
  );
  equal(
    call("clock_nanosleep", [1, 0, P1, P2], -514, "standard", { 2: timespec(1, 0), 3: timespec(0, 5) }),
    "clock_nanosleep(CLOCK_MONOTONIC, 0, {tv_sec=1, tv_nsec=0}, {tv_sec=0, tv_nsec=5}) = ? ERESTARTNOHAND " +
      "(To be restarted if no handler)",
  );
  // An absolute sleep leaves the time-left argument alone.
  equal(
    call("clock_nanosleep", [0, 1, P1, P2], -4, "standard", { 2: timespec(946684801, 0), 3: timespec(0, 5) }),
    "clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, {tv_sec=946684801, tv_nsec=0}, 0x7ffd5c1e2a40) = -1 EINTR " +
      "(Interrupted system call)",
  );
  const now = timespec(2, 1000);
  equal(
    call("clock_gettime", [1, P1], 0, "deterministic", { 1: now }),
    "clock_gettime(CLOCK_MONOTONIC, {tv_sec=2, tv_nsec=1000}) = 0",
  );
  equal(
    call("clock_gettime", [2, P1], 0, "standard", { 1: now }),
    "clock_gettime(CLOCK_PROCESS_CPUTIME_ID, {tv_sec=2, tv_nsec=1000}) = 0",
  );
  equal(
    call("clock_gettime", [2, P1], 0, "deterministic", { 1: now }),
    "clock_gettime(CLOCK_PROCESS_CPUTIME_ID, {tv_sec=…, tv_nsec=…}) = 0",
  );
  equal(
    call("clock_gettime", [(~1002 << 3) | 2, P1], 0, "deterministic", { 1: now }),
    "clock_gettime(MAKE_PROCESS_CPUCLOCK(1002, CPUCLOCK_SCHED), {tv_sec=…, tv_nsec=…}) = 0",
  );
  equal(call("clock_gettime", [1, 8], -14), "clock_gettime(CLOCK_MONOTONIC, 0x8) = -1 EFAULT (Bad address)");
  equal(
    call("clock_getres", [1, P1], 0, "standard", { 1: timespec(0, 1) }),
    "clock_getres(CLOCK_MONOTONIC, {tv_sec=0, tv_nsec=1}) = 0",
  );
  equal(
    call("gettimeofday", [P1, 0], 0, "deterministic", { 0: timespec(946684800, 2) }),
    "gettimeofday({tv_sec=946684800, tv_usec=2}, NULL) = 0",
  );
  const itimer = struct(32, [0, 8, 0], [8, 8, 0], [16, 8, 5], [24, 8, 250000]);
  equal(
    call("setitimer", [0, P1, P2], 0, "deterministic", { 1: itimer, 2: itimer }),
    "setitimer(ITIMER_REAL, {it_interval={tv_sec=0, tv_usec=0}, it_value={tv_sec=5, tv_usec=250000}}, " +
      "{it_interval={tv_sec=0, tv_usec=0}, it_value={tv_sec=5, tv_usec=250000}}) = 0",
  );
  equal(
    call("getitimer", [2, P1], 0, "deterministic", { 1: itimer }),
    "getitimer(ITIMER_PROF, {it_interval={tv_sec=0, tv_usec=0}, it_value={tv_sec=…, tv_usec=…}}) = 0",
  );
  equal(
    call("timer_settime", [0, 0, P1, P2], 0, "standard", { 2: itimer, 3: itimer }),
    "timer_settime(0, 0, {it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=5, tv_nsec=250000}}, " +
      "{it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=5, tv_nsec=250000}}) = 0",
  );
  equal(
    call("timerfd_gettime", [3, P1], 0, "deterministic", { 1: itimer }),
    "timerfd_gettime(3, {it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=…, tv_nsec=…}}) = 0",
  );
  equal(
    call("ppoll", [P1, 1, P2, P1, 8], 0, "standard", { 2: timespec(1, 0), 3: sigset(2) }),
    "ppoll(0x7ffd5c1e2a3c, 1, {tv_sec=1, tv_nsec=0}, [INT], 8) = 0",
  );
  equal(
    call("select", [4, P1, 0, 0, P2], 0, "standard", { 4: timespec(0, 100) }),
    "select(4, 0x7ffd5c1e2a3c, NULL, NULL, {tv_sec=0, tv_usec=100}) = 0",
  );
  equal(
    call("futex", [0x7f1cc0eafa4cn, 128, 2, P1], -110, "deterministic", { 3: timespec(0, 5000) }),
    "futex(0x…, FUTEX_WAIT|FUTEX_PRIVATE_FLAG, 2, {tv_sec=0, tv_nsec=5000}) = -1 ETIMEDOUT (Connection timed out)",
  );
});

Deno.test("path calls: paths as strings, AT_* flags, statx's sync type and mask, access modes, readlink's result", () => {
  const etc = bytes("/etc");
  equal(
    call("newfstatat", [-100, P1, P2, 0], 0, "standard", { 1: etc }),
    'newfstatat(AT_FDCWD, "/etc", 0x7ffd5c1e2a40, 0) = 0',
  );
  equal(
    call("newfstatat", [-100, P1, P2, 0x100], -2, "standard", { 1: bytes("/nope") }),
    'newfstatat(AT_FDCWD, "/nope", 0x7ffd5c1e2a40, AT_SYMLINK_NOFOLLOW) = -1 ENOENT (No such file or directory)',
  );
  equal(
    call("newfstatat", [3, P1, P2, 0x1900], 0, "standard", { 1: "" }),
    'newfstatat(3, "", 0x7ffd5c1e2a40, AT_SYMLINK_NOFOLLOW|AT_NO_AUTOMOUNT|AT_EMPTY_PATH) = 0',
  );
  equal(call("newfstatat", [-100, P1, P2, 0x10000], 0, "standard", { 1: etc }).endsWith(", 0x10000) = 0"), true);
  equal(call("stat", [P1, P2], 0, "standard", { 0: etc }), 'stat("/etc", 0x7ffd5c1e2a40) = 0');
  equal(call("lstat", [P1, P2], 0, "deterministic", { 0: etc }), 'lstat("/etc", 0x…) = 0');
  equal(
    call("statx", [-100, P1, 0, 0x7ff, P2], 0, "standard", { 1: etc }),
    'statx(AT_FDCWD, "/etc", AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS, 0x7ffd5c1e2a40) = 0',
  );
  equal(
    call("statx", [3, P1, 0x3000, 0xfff, P2], 0, "standard", { 1: "" }),
    'statx(3, "", AT_STATX_FORCE_SYNC|AT_EMPTY_PATH, STATX_ALL, 0x7ffd5c1e2a40) = 0',
  );
  equal(
    call("statx", [-100, P1, 0x4900, 0x17ff, P2], 0, "deterministic", { 1: etc }),
    'statx(AT_FDCWD, "/etc", AT_STATX_DONT_SYNC|AT_SYMLINK_NOFOLLOW|AT_NO_AUTOMOUNT, STATX_BASIC_STATS|STATX_MNT_ID, ' +
      "0x…) = 0",
  );
  equal(
    call("statx", [-100, P1, 0x6000, 0x80000203, P2], -22, "deterministic", { 1: etc }),
    'statx(AT_FDCWD, "/etc", 0x6000, STATX_TYPE|STATX_MODE|STATX_SIZE|0x80000000, 0x…) = -1 EINVAL (Invalid argument)',
  );
  equal(
    call("statx", [-100, P1, 0, 0, P2], 0, "deterministic", { 1: etc }).includes("AT_STATX_SYNC_AS_STAT, 0,"),
    true,
  );
  equal(call("access", [P1, 0], 0, "standard", { 0: etc }), 'access("/etc", F_OK) = 0');
  equal(
    call("access", [P1, 6], -13, "standard", { 0: etc }),
    'access("/etc", R_OK|W_OK) = -1 EACCES (Permission denied)',
  );
  equal(call("access", [P1, 15], -22, "standard", { 0: etc }).startsWith('access("/etc", R_OK|W_OK|X_OK|0x8)'), true);
  equal(call("faccessat", [-100, P1, 1], 0, "standard", { 1: etc }), 'faccessat(AT_FDCWD, "/etc", X_OK) = 0');
  equal(
    call("faccessat2", [5, P1, 4, 0x1300], 0, "standard", { 1: etc }),
    'faccessat2(5, "/etc", R_OK, AT_SYMLINK_NOFOLLOW|AT_EACCESS|AT_EMPTY_PATH) = 0',
  );
  equal(call("faccessat2", [-100, P1, 0, 0], 0, "standard", { 1: etc }), 'faccessat2(AT_FDCWD, "/etc", F_OK, 0) = 0');
  equal(call("chdir", [P1], 0, "deterministic", { 0: etc }), 'chdir("/etc") = 0');
  // readlink's buffer: what the result counts, only when the call succeeded.
  const self = { 0: bytes("/proc/self"), 1: bytes("1000") };
  equal(call("readlink", [P1, P2, 64], 4, "deterministic", self), 'readlink("/proc/self", "1000", 64) = 4');
  equal(call("readlink", [P1, P2, 64], 3, "standard", self), 'readlink("/proc/self", 0x7ffd5c1e2a40, 64) = 3');
  equal(
    call("readlink", [P1, P2, 64], -22, "standard", self),
    'readlink("/proc/self", 0x7ffd5c1e2a40, 64) = -1 EINVAL (Invalid argument)',
  );
  equal(
    call("readlinkat", [-100, P1, P2, 2], 2, "standard", { 1: bytes("/proc/self"), 2: bytes("10") }),
    'readlinkat(AT_FDCWD, "/proc/self", "10", 2) = 2',
  );
  equal(call("readlinkat", [3, P1, P2, 0], 0, "standard", { 1: bytes("x"), 2: "" }), 'readlinkat(3, "x", "", 0) = 0');
  // opens: the mode only with O_CREAT or O_TMPFILE, like strace.
  equal(call("open", [P1, 0], 3, "standard", { 0: bytes("/etc/hostname") }), 'open("/etc/hostname", O_RDONLY) = 3');
  equal(
    call("openat", [-100, P1, 0x80000, 0o777], 3, "deterministic", { 1: bytes("/etc/hostname") }),
    'openat(AT_FDCWD, "/etc/hostname", O_RDONLY|O_CLOEXEC) = 3',
  );
  equal(
    call("openat", [-100, P1, 0o1101, 0o644], 3, "standard", { 1: bytes("out") }),
    'openat(AT_FDCWD, "out", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3',
  );
  equal(call("openat", [3, P1, 0o20200002, 0o600], 4, "standard", { 1: bytes(".") }).endsWith(", 0600) = 4"), true);
  equal(
    call("openat2", [-100, P1, P2, 24], 3, "standard", { 1: etc }),
    'openat2(AT_FDCWD, "/etc", 0x7ffd5c1e2a40, 24) = 3',
  );
  // umbra's own preload library lives under its content hash in a per-user cache: deterministic logs hide that path.
  const preload = `/root/.cache/umbra/libumbra_preload-${"0123456789abcdef".repeat(4)}.so`;
  equal(
    call("openat", [-100, P1, 0x80000, 0], 3, "deterministic", { 1: bytes(preload) }),
    'openat(AT_FDCWD, "<umbra preload library>", O_RDONLY|O_CLOEXEC) = 3',
  );
  equal(
    call("openat", [-100, P1, 0x80000, 0], 3, "standard", { 1: bytes(preload) }),
    `openat(AT_FDCWD, "${preload}", O_RDONLY|O_CLOEXEC) = 3`,
  );
  // No memory (an unreadable path) prints the address; NULL stays NULL.
  equal(call("open", [P1, 0], -14, "standard"), "open(0x7ffd5c1e2a3c, O_RDONLY) = -1 EFAULT (Bad address)");
  equal(call("chdir", [P1], -14, "deterministic", {}), "chdir(0x…) = -1 EFAULT (Bad address)");
  equal(call("stat", [0, P2], -14, "standard", { 0: etc }), "stat(NULL, 0x7ffd5c1e2a40) = -1 EFAULT (Bad address)");
});

Deno.test("strings: strace's escapes, other bytes in octal (three digits before an octal digit), in full", () => {
  const path = (...parts: (string | number)[]) => {
    const line = call("chdir", [P1], 0, "standard", { 0: bytes(...parts) });
    equal(line.startsWith("chdir(") && line.endsWith(") = 0"), true, line);
    return line.slice("chdir(".length, -") = 0".length);
  };
  equal(path("/tmp/a b"), '"/tmp/a b"');
  equal(path('a"b\\c'), String.raw`"a\"b\\c"`);
  equal(path("\t\n\r\f\v"), String.raw`"\t\n\r\f\v"`);
  equal(path("x", 0x1b), String.raw`"x\33"`);
  equal(path("x", 0x1b, "1"), String.raw`"x\0331"`);
  equal(path("x", 0x1b, "8"), String.raw`"x\338"`);
  equal(path(0x01, 0x00, "7"), String.raw`"\1\0007"`);
  equal(path("~", 0x7f, 0xc3, 0xa9), String.raw`"~\177\303\251"`);
  const long = `/${"a".repeat(4000)}`;
  equal(path(long), `"${long}"`);
  // Malformed memory prints the pointer.
  equal(call("chdir", [P1], 0, "standard", { 0: "2f6" }), "chdir(0x7ffd5c1e2a3c) = 0");
  equal(call("chdir", [P1], 0, "standard", { 0: "zz" }), "chdir(0x7ffd5c1e2a3c) = 0");
});

Deno.test("struct memory that is missing, short or malformed prints the pointer; NULL stays NULL", () => {
  equal(call("nanosleep", [P1, 0], 0, "standard", {}), "nanosleep(0x7ffd5c1e2a3c, NULL) = 0");
  equal(call("nanosleep", [P1, 0], 0, "standard", { 0: "00ff" }), "nanosleep(0x7ffd5c1e2a3c, NULL) = 0");
  equal(call("nanosleep", [P1, 0], 0, "deterministic", { 0: "zz".repeat(16) }), "nanosleep(0x…, NULL) = 0");
  equal(call("nanosleep", [P1, 0], 0, "standard", { 0: "0".repeat(31) }), "nanosleep(0x7ffd5c1e2a3c, NULL) = 0");
  // Memory for a NULL pointer, or for an argument the syscall has no struct at, is ignored.
  equal(
    call("nanosleep", [0, 0], -14, "standard", { 0: timespec(1, 0) }),
    "nanosleep(NULL, NULL) = -1 EFAULT (Bad address)",
  );
  equal(call("kill", [1000, 15], 0, "standard", { 1: timespec(1, 0) }), "kill(1000, SIGTERM) = 0");
});

Deno.test("memoryCaptures: what the policy reads, and when", () => {
  deepEqual(memoryCaptures(SYS.rt_sigaction), [{ arg: 1, size: 32, at: "entry" }, { arg: 2, size: 32, at: "exit" }]);
  deepEqual(memoryCaptures(SYS.wait4), [{ arg: 1, size: 4, at: "exit" }, { arg: 3, size: 144, at: "exit" }]);
  deepEqual(memoryCaptures(SYS.waitid), [{ arg: 2, size: 128, at: "exit" }, { arg: 4, size: 144, at: "exit" }]);
  deepEqual(memoryCaptures(SYS.nanosleep), [{ arg: 0, size: 16, at: "entry" }, {
    arg: 1,
    size: 16,
    at: "interrupted",
  }]);
  deepEqual(memoryCaptures(SYS.rt_sigqueueinfo), [{ arg: 2, size: 128, at: "entry" }]);
  deepEqual(memoryCaptures(SYS.openat), [{ arg: 1, size: 4096, at: "entry", kind: "string" }]);
  deepEqual(memoryCaptures(SYS.readlinkat), [
    { arg: 1, size: 4096, at: "entry", kind: "string" },
    { arg: 2, size: 4096, at: "exit", kind: "result" },
  ]);
  deepEqual(memoryCaptures(SYS.kill), []);
  deepEqual(memoryCaptures(999), []);
});

/** A log's lines without their time: `[tid] name(args) = result`. */
function untimed(log: string): string[] {
  return log.split("\n").filter((line) => line !== "").map((line) => line.replace(/^\d\d+:\d\d:\d\d\.\d{9} /, ""));
}

/** The lines of the calls the program makes on purpose (not its loader's and libc's). */
const CHOSEN =
  /^\[\d+\] (rt_sigaction|wait4|waitid|kill|tgkill|nanosleep|clock_nanosleep|clock_gettime|rt_sigqueueinfo|setitimer|getrusage)\(/;

/**
 * tests/programs/strace_structs.c's calls as the deterministic log shows them. In standard mode `0x…` is an
 * address and `…` a number.
 */
const EXPECTED = [
  "[1000] rt_sigaction(SIGUSR2, {sa_handler=0x…, sa_mask=[USR1 CHLD], sa_flags=SA_RESTORER|SA_RESTART|SA_SIGINFO, " +
  "sa_restorer=0x…}, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0",
  "[1000] rt_sigaction(SIGPIPE, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x…}, NULL, 8) = 0",
  "[1000] rt_sigaction(SIGUSR2, NULL, {sa_handler=0x…, sa_mask=[USR1 CHLD], sa_flags=SA_RESTORER|SA_RESTART|" +
  "SA_SIGINFO, sa_restorer=0x…}, 8) = 0",
  "[1000] rt_sigaction(SIGUSR2, 0x…, NULL, 8) = -1 EFAULT (Bad address)",
  "[1000] wait4(1001, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, {ru_utime={tv_sec=…, tv_usec=…}, " +
  "ru_stime={tv_sec=…, tv_usec=…}, ...}) = 1001",
  "[1000] waitid(P_PID, 1002, {}, WNOHANG|WEXITED, NULL) = 0",
  "[1000] kill(1002, SIGKILL) = 0",
  "[1000] wait4(1002, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}], 0, NULL) = 1002",
  "[1000] waitid(P_PID, 1003, {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=1003, si_uid=0, si_status=0, " +
  "si_utime=…, si_stime=…}, WEXITED, NULL) = 0",
  "[1000] kill(1004, SIGSTOP) = 0",
  "[1000] wait4(1004, [{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}], WUNTRACED, NULL) = 1004",
  "[1000] kill(1004, SIGCONT) = 0",
  "[1000] wait4(1004, [{WIFCONTINUED(s)}], WCONTINUED, NULL) = 1004",
  "[1000] kill(1004, SIGTERM) = 0",
  "[1000] wait4(1004, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGTERM}], 0, NULL) = 1004",
  "[1000] nanosleep({tv_sec=0, tv_nsec=1000000}, 0x…) = 0",
  "[1000] clock_nanosleep(CLOCK_MONOTONIC, 0, {tv_sec=0, tv_nsec=1000000}, NULL) = 0",
  "[1000] nanosleep(0x…, NULL) = -1 EFAULT (Bad address)",
  "[1000] clock_gettime(CLOCK_MONOTONIC, {tv_sec=0, tv_nsec=2000000}) = 0",
  "[1000] clock_gettime(CLOCK_PROCESS_CPUTIME_ID, {tv_sec=…, tv_nsec=…}) = 0",
  "[1000] rt_sigqueueinfo(1000, SIGUSR2, {si_signo=SIGUSR2, si_code=SI_QUEUE, si_pid=1000, si_uid=0, si_int=42, " +
  "si_ptr=0x2a}) = 0",
  "[1000] tgkill(1000, 1000, SIGUSR2) = 0",
  "[1000] setitimer(ITIMER_REAL, {it_interval={tv_sec=0, tv_usec=0}, it_value={tv_sec=5, tv_usec=250000}}, NULL) = 0",
  "[1000] setitimer(ITIMER_REAL, {it_interval={tv_sec=0, tv_usec=0}, it_value={tv_sec=0, tv_usec=0}}, " +
  "{it_interval={tv_sec=0, tv_usec=0}, it_value={tv_sec=5, tv_usec=250000}}) = 0",
  "[1000] getrusage(RUSAGE_CHILDREN, {ru_utime={tv_sec=…, tv_usec=…}, ru_stime={tv_sec=…, tv_usec=…}, ...}) = 0",
];

/** An expected deterministic line as a pattern for the standard log: `0x…` any address, `…` any number. */
function standardPattern(line: string): RegExp {
  const parts = line.split(/(0x…|…)/).map((part) =>
    part === "0x…" ? "0x[0-9a-f]+" : part === "…" ? "\\d+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  );
  return new RegExp(`^${parts.join("")}$`);
}

umbraTest("a real program's log decodes its structs; deterministic mode repeats byte for byte", async () => {
  const program = await compile("strace_structs");
  const directory = await Deno.makeTempDir();
  try {
    const run = async (mode: StraceMode): Promise<string> => {
      const config = `general:\n  stop_time: 10s\nexperimental:\n  strace_logging_mode: ${mode}\n` +
        `hosts:\n  h:\n    processes:\n      - path: ${program}\n`;
      await Deno.writeTextFile(`${directory}/run.yaml`, config);
      const output = await new Deno.Command(UMBRA, {
        args: ["run", "run.yaml", "--data-directory", "out"],
        cwd: directory,
        stdout: "piped",
        stderr: "piped",
      }).output();
      equal(output.code, 0, new TextDecoder().decode(output.stderr));
      equal(await Deno.readTextFile(`${directory}/out/hosts/h/${basename(program)}.1000.stdout`), "got 42\n");
      return await Deno.readTextFile(`${directory}/out/hosts/h/${straceFileName(basename(program), 1000)}`);
    };
    const standard = untimed(await run("standard")).filter((line) => CHOSEN.test(line));
    equal(standard.length, EXPECTED.length, standard.join("\n"));
    EXPECTED.forEach((line, i) => match(standard[i], standardPattern(line)));
    const first = await run("deterministic");
    deepEqual(untimed(first).filter((line) => CHOSEN.test(line)), EXPECTED);
    // The program's own calls repeat byte for byte (its children's last calls race its kills, as natively,
    // and so does where a killed child's SIGCHLD lands among the parent's calls).
    const own = (log: string) => log.split("\n").filter((line) => / \[1000\] (?!---)/.test(line)).join("\n");
    equal(own(await run("deterministic")), own(first));
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

/** tests/programs/strace_paths.c's calls as the deterministic log shows them, from its first open on. */
const PATH_LINES = [
  '[1000] openat(AT_FDCWD, "/dev/null", O_RDONLY) = 3',
  String
    .raw`[1000] open("/nonexistent/a\tb\n\"q\"\\\0331", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)`,
  '[1000] openat(AT_FDCWD, "/nonexistent/new", O_WRONLY|O_CREAT|O_TRUNC, 0644) = -1 ENOENT (No such file or directory)',
  '[1000] stat("/", 0x…) = 0',
  '[1000] lstat("/proc/self", 0x…) = 0',
  '[1000] newfstatat(AT_FDCWD, "/proc/self", 0x…, AT_SYMLINK_NOFOLLOW) = 0',
  '[1000] statx(AT_FDCWD, "/", AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, 0x…) = 0',
  '[1000] access("/", R_OK|X_OK) = 0',
  '[1000] faccessat(AT_FDCWD, "/nonexistent", F_OK) = -1 ENOENT (No such file or directory)',
  '[1000] faccessat2(AT_FDCWD, "/", R_OK, AT_EACCESS) = 0',
  '[1000] chdir("/") = 0',
  '[1000] readlink("/proc/self", "1000", 64) = 4',
  '[1000] readlinkat(AT_FDCWD, "/proc/self", "10", 2) = 2',
  "[1000] readlink(0x…, 0x…, 64) = -1 EFAULT (Bad address)",
  // printf's fstat of stdout: every call is logged.
  '[1000] newfstatat(1, "", 0x…, AT_EMPTY_PATH) = 0',
];

const PATH_CALLS = /^\[\d+\] (open|openat|stat|lstat|newfstatat|statx|access|faccessat2?|chdir|readlink|readlinkat)\(/;

umbraTest("a real program's log prints its paths as strings, and /proc/self read as the virtual pid", async () => {
  const program = await compile("strace_paths");
  const directory = await Deno.makeTempDir();
  try {
    const run = async (mode: StraceMode): Promise<string[]> => {
      const config = `general:\n  stop_time: 10s\nexperimental:\n  strace_logging_mode: ${mode}\n` +
        `hosts:\n  h:\n    processes:\n      - path: ${program}\n`;
      await Deno.writeTextFile(`${directory}/run.yaml`, config);
      const output = await new Deno.Command(UMBRA, {
        args: ["run", "run.yaml", "--data-directory", mode],
        cwd: directory,
        stdout: "piped",
        stderr: "piped",
      }).output();
      equal(output.code, 0, new TextDecoder().decode(output.stderr));
      equal(await Deno.readTextFile(`${directory}/${mode}/hosts/h/${basename(program)}.1000.stdout`), "self 1000\n");
      const log = await Deno.readTextFile(`${directory}/${mode}/hosts/h/${straceFileName(basename(program), 1000)}`);
      const lines = untimed(log).filter((line) => PATH_CALLS.test(line));
      // The loader's opens come first.
      const first = lines.findIndex((line) => line.includes('"/dev/null"'));
      notEqual(first, -1, lines.join("\n"));
      return lines.slice(first);
    };
    deepEqual(await run("deterministic"), PATH_LINES);
    const standard = await run("standard");
    equal(standard.length, PATH_LINES.length, standard.join("\n"));
    PATH_LINES.forEach((line, i) => match(standard[i], standardPattern(line)));
    match(standard.at(-2)!, /^\[1000\] readlink\(0x1, 0x[0-9a-f]+, 64\)/);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});
