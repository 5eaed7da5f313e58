/**
 * The one syscall number -> handler table. Every syscall listed here is traced (seccomp
 * RET_TRACE), some only for the argument values in `when`; everything else runs natively
 * without a stop. Gaps are explicit in `support`.
 * @module
 */

import { SYS, type SyscallName } from "../abi/syscalls.ts";
import * as boundary from "./boundary.ts";
import * as clone from "./clone.ts";
import { withCpuClocks } from "./cpu_clocks.ts";
import { type Handler, native } from "./context.ts";
import * as host from "./host.ts";
import * as ids from "./ids.ts";
import * as owner from "./owner.ts";
import * as kill from "./kill.ts";
import { prctl, PrctlOption } from "./prctl.ts";
import * as procfs from "./procfs.ts";
import * as procfsListing from "./procfs_listing.ts";
import * as resource from "./resource.ts";
import * as signal from "./signal.ts";
import * as signalfd from "./signalfd.ts";
import * as time from "./time.ts";
import * as timeouts from "./timeouts.ts";
import * as timers from "./timers.ts";
import * as timerfd from "./timerfd.ts";
import * as wait from "./wait.ts";

/** One table row. */
export interface SyscallEntry {
  readonly name: SyscallName;
  readonly handler: Handler;
  /** `full`: Linux semantics on virtual ids. `partial`: see `note`. */
  readonly support: "full" | "partial";
  readonly note?: string;
  /** Trace only when argument `arg` (its low 32 bits) is one of `values`. */
  readonly when?: { arg: number; values: readonly number[] };
  /**
   * Only observe: the tracer reports the call with `length` bytes copied from pointer argument
   * `arg` and lets it run on, with no policy round trip.
   */
  readonly observe?: { arg: number; length: number };
  /** Traced only in virtual time mode... */
  readonly virtualTime?: true;
  /** ...and in real time only when this argument (a clock id) is negative: a CPU clock by pid. */
  readonly realTimeNegative?: number;
}

/** What the clock calls do with CPU-time clocks (see cpu_clocks.ts). */
const CPU_CLOCK_NOTE = "CPU-time clocks are native; a clock id naming a pid takes the virtual pid";

/** A clock call whose clock id is argument 0: traced in real time too when it names a pid. */
function cpuClock(row: SyscallEntry): SyscallEntry {
  return { ...row, realTimeNegative: 0 };
}

function timed(name: SyscallName, handler: Handler, note?: string): SyscallEntry {
  return note
    ? { name, handler, support: "partial", note, virtualTime: true }
    : { name, handler, support: "full", virtualTime: true };
}

function full(name: SyscallName, handler: Handler, when?: SyscallEntry["when"]): SyscallEntry {
  return { name, handler, support: "full", when };
}

function observed(name: SyscallName, handler: Handler, observe: NonNullable<SyscallEntry["observe"]>): SyscallEntry {
  return { name, handler, support: "full", observe };
}

function partial(name: SyscallName, handler: Handler, note: string, when?: SyscallEntry["when"]): SyscallEntry {
  return { name, handler, support: "partial", note, when };
}

/** What open(2) and friends do differently: /proc as a pid namespace of the sandbox (see procfs.ts). */
const PROCFS_NOTE =
  "/proc/<pid> takes virtual ids; other pids are ENOENT; stat and status read virtual, other files native";

/** What listing /proc shows (see procfs_listing.ts). */
const PROCFS_LISTING_NOTE = "on /proc: the host's processes (zombies too) by virtual pid, no other pids";

/** What the path calls that do not open do differently (see procfs.ts). */
const PROCFS_PATH_NOTE =
  "/proc/<pid> takes virtual ids, other pids are ENOENT; /proc/self and thread-self read virtual";

const ROWS: readonly SyscallEntry[] = [
  full("getpid", ids.getpid),
  full("getppid", ids.getppid),
  full("gettid", ids.gettid),
  full("getpgrp", ids.getpgrp),
  full("getpgid", ids.getpgid),
  full("getsid", ids.getsid),
  partial("setpgid", ids.setpgid, "emulated in the model; the native process group does not change"),
  partial("setsid", ids.setsid, "emulated in the model; the native session does not change"),
  full("set_tid_address", ids.set_tid_address),
  full("fork", clone.fork),
  full("vfork", clone.vfork),
  full("clone", clone.clone),
  partial("clone3", clone.clone3, "ENOSYS: libc falls back to clone(2)"),
  full("wait4", wait.wait4),
  full("waitid", wait.waitid),
  full("kill", kill.kill),
  full("tkill", kill.tkill),
  full("tgkill", kill.tgkill),
  full("rt_sigqueueinfo", kill.rt_sigqueueinfo),
  full("rt_tgsigqueueinfo", kill.rt_tgsigqueueinfo),
  full("pidfd_open", kill.pidfd_open),
  full("pidfd_send_signal", kill.pidfd_send_signal),
  observed("rt_sigaction", signal.rt_sigaction, { arg: 1, length: signal.SIGACTION_SIZE }),
  partial("rt_sigtimedwait", signal.rt_sigtimedwait, "native wait; the returned siginfo is made virtual"),
  full("signalfd", signalfd.signalfd),
  full("signalfd4", signalfd.signalfd4),
  partial("read", signalfd.read, "traced only on the signalfd range", { arg: 0, values: signalfd.SIGNALFD_RANGE }),
  partial("readv", signalfd.readv, "traced only on the signalfd range", { arg: 0, values: signalfd.SIGNALFD_RANGE }),
  partial("dup", signalfd.dup, "traced only on the signalfd range", { arg: 0, values: signalfd.SIGNALFD_RANGE }),
  full("prctl", prctl, { arg: 0, values: Object.values(PrctlOption) }),
  full("getrusage", resource.getrusage, { arg: 0, values: [-1] }),
  partial("ptrace", boundary.ptrace, "no tracing inside the sandbox: attach is EPERM or ESRCH"),
  ...(["reboot", "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module"] as const).map((
    name,
  ) => partial(name, host.denied, "reaches the whole machine: EPERM")),
  partial("settimeofday", host.denied, "the host's clock: EPERM"),
  partial("clock_settime", host.denied, "the host's clocks: EPERM"),
  full("process_vm_readv", boundary.processVm),
  full("process_vm_writev", boundary.processVm),
  partial("seccomp", boundary.seccomp, "no user-notification listeners (EBUSY)"),
  partial("io_uring_setup", boundary.io_uring_setup, "EPERM, as with io_uring disabled: its requests bypass umbra"),
  partial("open", procfs.open, PROCFS_NOTE),
  partial("openat", procfs.openat, PROCFS_NOTE),
  partial("openat2", procfs.openat2, PROCFS_NOTE),
  ...(["stat", "lstat", "access", "faccessat", "faccessat2", "chdir", "readlink", "readlinkat"] as const).map((name) =>
    partial(name, procfs[name], PROCFS_PATH_NOTE)
  ),
  partial("getdents64", procfsListing.getdents64, PROCFS_LISTING_NOTE),
  partial("getdents", procfsListing.getdents, PROCFS_LISTING_NOTE),
  partial("newfstatat", procfs.newfstatat, `${PROCFS_PATH_NOTE}; traced only for a path (not fstat's AT_EMPTY_PATH)`, {
    arg: 3,
    values: procfs.PATH_STAT_FLAGS,
  }),
  partial("statx", procfs.statx, `${PROCFS_PATH_NOTE}; traced only for a path (not AT_EMPTY_PATH)`, {
    arg: 2,
    values: procfs.PATH_STATX_FLAGS,
  }),
  partial("fcntl", owner.fcntl, "process-group owners stand for one process of the group", {
    arg: 1,
    values: Object.values(owner.FcntlCommand),
  }),
  partial("ioctl", owner.ioctl, "TIOCSPGRP does not change the host terminal", {
    arg: 1,
    values: Object.values(owner.IoctlRequest),
  }),
  cpuClock(timed("clock_gettime", withCpuClocks(time.clock_gettime, 0), CPU_CLOCK_NOTE)),
  cpuClock({ name: "clock_getres", handler: withCpuClocks(() => native(), 0), support: "full", virtualTime: true }),
  timed("gettimeofday", time.gettimeofday),
  timed("time", time.time),
  timed("nanosleep", time.nanosleep),
  cpuClock(timed("clock_nanosleep", withCpuClocks(time.clock_nanosleep, 0), CPU_CLOCK_NOTE)),
  timed("alarm", time.alarm),
  timed("setitimer", time.setitimer, "ITIMER_VIRTUAL and ITIMER_PROF are native (CPU time)"),
  timed("getitimer", time.getitimer, "ITIMER_VIRTUAL and ITIMER_PROF are native (CPU time)"),
  cpuClock(timed("timer_create", withCpuClocks(timers.timer_create, 0), `${CPU_CLOCK_NOTE}; overruns are not counted`)),
  timed("timer_settime", timers.timer_settime),
  timed("timer_gettime", timers.timer_gettime),
  timed("timer_getoverrun", timers.timer_getoverrun, "always 0"),
  timed("timer_delete", timers.timer_delete),
  timed("timerfd_create", timerfd.timerfd_create, "CPU-time clocks are native"),
  timed("timerfd_settime", timerfd.timerfd_settime, "a periodic timer read late shows one expiration"),
  timed("timerfd_gettime", timerfd.timerfd_gettime),
  timed("poll", timeouts.poll),
  timed("ppoll", timeouts.ppoll),
  timed("select", timeouts.select),
  timed("pselect6", timeouts.pselect6),
  timed("epoll_wait", timeouts.epoll_wait),
  timed("epoll_pwait", timeouts.epoll_pwait),
  timed("epoll_pwait2", timeouts.epoll_pwait2),
  {
    ...timed("futex", timeouts.futex, "timed waits only; a bitset other than match-any keeps real time"),
    when: { arg: 1, values: timeouts.FUTEX_WAIT_OPS },
  },
];

/** Handlers by syscall number. */
export const SYSCALL_TABLE: ReadonlyMap<number, SyscallEntry> = new Map(ROWS.map((row) => [SYS[row.name], row]));

const ANY_ARGUMENT = 0xffffffff;
const OBSERVE_FLAG = 0x80000000;
/** A rule's value count meaning "trace when the argument is negative" (shim/seccomp.zig negative_rule). */
const NEGATIVE_RULE = 0x80000000;

/** What the traced set depends on. */
export interface TableOptions {
  /** Trace the time syscalls (virtual time). */
  virtualTime: boolean;
  /**
   * Let the tracer only observe the `observe` rows (the default); false traces them like any other row, with a
   * policy round trip, so that their results can be seen (strace logging).
   */
  observe?: boolean;
}

/** The seccomp rules libumbra's umbra_open takes (shim/seccomp.zig gives the encoding). */
export function filterRules(options: TableOptions): Uint32Array<ArrayBuffer> {
  const rows = ROWS.filter((row) => !row.virtualTime || options.virtualTime || row.realTimeNegative !== undefined);
  const words = [rows.length];
  for (const row of rows) {
    const values = row.when?.values ?? [];
    const observe = row.observe && options.observe !== false
      ? (OBSERVE_FLAG | (row.observe.arg << 16) | row.observe.length) >>> 0
      : 0;
    if (row.virtualTime && !options.virtualTime) {
      words.push(SYS[row.name], row.realTimeNegative!, NEGATIVE_RULE, observe);
      continue;
    }
    words.push(SYS[row.name], row.when ? row.when.arg : ANY_ARGUMENT, values.length, observe);
    words.push(...values.map((v) => v >>> 0));
  }
  return new Uint32Array(words);
}
