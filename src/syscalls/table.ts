/**
 * The one syscall number -> handler table. Every syscall listed here is traced (seccomp
 * RET_TRACE), some only for the argument values in `when`, or refused in the filter itself
 * (`deny`); everything else runs natively without a stop. Gaps are explicit in `support`.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { SYS, type SyscallName } from "../abi/syscalls.ts";
import * as boundary from "./boundary.ts";
import * as clone from "./clone.ts";
import * as fileTimes from "./file_times.ts";
import { fails, type Handler } from "./context.ts";
import * as ids from "./ids.ts";
import * as kill from "./kill.ts";
import * as random from "./random.ts";
import * as signal from "./signal.ts";
import * as time from "./time.ts";
import * as timeouts from "./timeouts.ts";
import * as timers from "./timers.ts";
import * as timerfd from "./timerfd.ts";

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
  /** Traced only in virtual time mode. */
  readonly virtualTime?: true;
  /** Traced only with seeded randomness. */
  readonly seeded?: true;
  /**
   * Traced only to map what it reads (file times): it costs a busy thread no virtual time, so
   * that tracing it leaves a program's times as they were.
   */
  readonly uncharged?: true;
  /**
   * Refused in the filter with this errno (for the `when` values, or always), never traced: the
   * handler is never asked.
   */
  readonly deny?: number;
}

/** ioctl(2) requests the filter refuses. */
export const IoctlRequest = {
  /** Pushes a byte into the terminal's input queue, as if typed. */
  TIOCSTI: 0x5412,
  /** Linux console requests, pasting the selection among them. */
  TIOCLINUX: 0x541c,
} as const;

function timed(name: SyscallName, handler: Handler, note?: string): SyscallEntry {
  return note
    ? { name, handler, support: "partial", note, virtualTime: true }
    : { name, handler, support: "full", virtualTime: true };
}

/** A virtual-time row for file times (src/syscalls/file_times.ts). */
function fileTimed(name: SyscallName, handler: Handler): SyscallEntry {
  return { ...timed(name, handler), uncharged: true };
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

/** A call the filter refuses with EPERM (for the `when` values, or always). */
function denied(name: SyscallName, note: string, when?: SyscallEntry["when"]): SyscallEntry {
  return { name, handler: () => fails(Errno.EPERM), support: "partial", note, when, deny: Errno.EPERM };
}

const ROWS: readonly SyscallEntry[] = [
  full("fork", clone.fork),
  full("vfork", clone.vfork),
  full("clone", clone.clone),
  partial("clone3", clone.clone3, "CLONE_UNTRACED is EINVAL (umbra keeps every child traced)"),
  full("setpgid", ids.setpgid),
  full("setsid", ids.setsid),
  ...(["kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal"] as const).map((name) =>
    timed(name, kill.sent)
  ),
  observed("rt_sigaction", signal.rt_sigaction, { arg: 1, length: signal.SIGACTION_SIZE }),
  full("rt_sigtimedwait", signal.rt_sigtimedwait),
  partial("seccomp", boundary.seccomp, "no user-notification listeners (EBUSY)"),
  partial("io_uring_setup", boundary.io_uring_setup, "EPERM, as with io_uring disabled: its requests bypass umbra"),
  denied("ioctl", "TIOCSTI and TIOCLINUX (terminal input injection) are EPERM", {
    arg: 1,
    values: [IoctlRequest.TIOCSTI, IoctlRequest.TIOCLINUX],
  }),
  denied("vhangup", "EPERM: the terminal is not the sandbox's to hang up"),
  timed("clock_gettime", time.clock_gettime, "CPU-time clocks are native"),
  timed("gettimeofday", time.gettimeofday),
  timed("time", time.time),
  timed("nanosleep", time.nanosleep),
  timed("clock_nanosleep", time.clock_nanosleep, "CPU-time clocks are native"),
  timed("alarm", time.alarm),
  timed("setitimer", time.setitimer, "ITIMER_VIRTUAL and ITIMER_PROF are native (CPU time)"),
  timed("getitimer", time.getitimer, "ITIMER_VIRTUAL and ITIMER_PROF are native (CPU time)"),
  timed("timer_create", timers.timer_create, "CPU-time clocks are native"),
  timed("timer_settime", timers.timer_settime),
  timed("timer_gettime", timers.timer_gettime),
  timed("timer_getoverrun", timers.timer_getoverrun),
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
  { name: "getrandom", handler: random.getrandom, support: "full", seeded: true },
  ...(["stat", "lstat", "fstat"] as const).map((name) => fileTimed(name, fileTimes.stat)),
  fileTimed("newfstatat", fileTimes.newfstatat),
  fileTimed("statx", fileTimes.statx),
  ...(["utimensat", "futimesat", "utimes", "utime"] as const).map((name) => fileTimed(name, fileTimes.utimes)),
  {
    ...timed("futex", timeouts.futex, "timed waits only; a bitset other than match-any keeps real time"),
    when: { arg: 1, values: timeouts.FUTEX_WAIT_OPS },
  },
];

/** Handlers by syscall number. */
export const SYSCALL_TABLE: ReadonlyMap<number, SyscallEntry> = new Map(ROWS.map((row) => [SYS[row.name], row]));

const ANY_ARGUMENT = 0xffffffff;
const OBSERVE_FLAG = 0x80000000;
/** A rule's action word for a refusal: DENY_FLAG | errno (shim/seccomp.zig `deny_flag`). */
const DENY_FLAG = 0x40000000;
/** Action bit: a call whose argument misses the rule's values is traced, not allowed. */
const TRACE_OTHERWISE_FLAG = 0x20000000;

/** What the traced set depends on. */
export interface TableOptions {
  /** Trace the time syscalls (virtual time). */
  virtualTime: boolean;
  /** Trace getrandom (seeded randomness). */
  seeded?: boolean;
  /**
   * Let the tracer only observe the `observe` rows (the default); false traces them like any other row, with a
   * policy round trip, so that their results can be seen (strace logging).
   */
  observe?: boolean;
  /**
   * Syscalls traced whatever their arguments, with no handler (deterministic scheduling: where
   * the turn may pass, and calls that may sleep). @default none
   */
  switchPoints?: ReadonlySet<number>;
}

/**
 * The row that handles syscall `nr` with these arguments under `options`, if one does: a row of
 * the other time mode, or whose `when` values the arguments miss, does not (with strace logging
 * the filter traces every call, those too), and a refused call never reaches the policy.
 */
export function activeEntry(nr: number, args: readonly bigint[], options: TableOptions): SyscallEntry | undefined {
  const entry = SYSCALL_TABLE.get(nr);
  if (!entry || entry.deny !== undefined || !included(entry, options)) return undefined;
  if (entry.when && !entry.when.values.includes(Number(BigInt.asIntN(32, args[entry.when.arg])))) return undefined;
  return entry;
}

/** Whether `row` is in the traced set under `options` (its time mode and seeding). */
function included(row: SyscallEntry, options: TableOptions): boolean {
  return (!row.virtualTime || options.virtualTime) && (!row.seeded || options.seeded === true);
}

/** The seccomp rules libumbra's umbra_open takes (shim/seccomp.zig gives the encoding). */
export function filterRules(options: TableOptions): Uint32Array<ArrayBuffer> {
  const rows = ROWS.filter((row) => included(row, options));
  const switchPoints = options.switchPoints ?? new Set<number>();
  const unruled = [...switchPoints].filter((nr) => !rows.some((row) => SYS[row.name] === nr));
  const words = [rows.length + unruled.length];
  for (const row of rows) {
    const values = row.when?.values ?? [];
    const observe = row.observe && options.observe !== false
      ? (OBSERVE_FLAG | (row.observe.arg << 16) | row.observe.length) >>> 0
      : 0;
    const action = row.deny !== undefined ? (DENY_FLAG | row.deny) >>> 0 : observe;
    const otherwise = row.when && switchPoints.has(SYS[row.name]) ? TRACE_OTHERWISE_FLAG : 0;
    words.push(SYS[row.name], row.when ? row.when.arg : ANY_ARGUMENT, values.length, (action | otherwise) >>> 0);
    words.push(...values.map((v) => v >>> 0));
  }
  for (const nr of unruled) words.push(nr, ANY_ARGUMENT, 0, 0);
  return new Uint32Array(words);
}
