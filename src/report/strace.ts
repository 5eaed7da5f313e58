/**
 * strace-style log lines for the syscalls umbra intercepts: one line per call,
 * `<time> [<tid>] <name>(<args>) = <result>`, e.g.
 *
 * ```text
 * 00:00:01.000000500 [1001] kill(1000, SIGTERM) = 0
 * 00:00:01.000000500 [1001] wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], WNOHANG|__WALL, NULL) = 1002
 * 00:00:01.000000500 [1001] getpgid(77) = -1 ESRCH (No such process)
 * 00:00:02.000000000 [1001] nanosleep({tv_sec=1, tv_nsec=0}, 0x7ffd5c1e2a40) = ? <unfinished>
 * ```
 *
 * Registers are decoded by every syscall's decoder (signal names, flag names, wait options, clock ids). Structs
 * behind pointer arguments are decoded like strace does when the record carries their memory
 * ({@linkcode SyscallRecord.memory}; {@linkcode memoryCaptures} says what the policy reads and when): struct
 * sigaction, signal sets, wait statuses, struct rusage, siginfo_t, timespecs, timevals, itimerspecs and itimervals;
 * paths (and readlink's result) print as quoted C strings with strace's escapes (`"/tmp/a\tb\33"`), in full.
 * A pointer whose memory is absent (not read, unreadable, or not meaningful for the result, e.g. an output of a
 * failed call) prints as its address. Every syscall of src/syscalls/table.ts (and a few common others) has a
 * decoder; any other syscall prints its six registers in hex, and an unknown number prints as `syscall_<nr>`.
 *
 * `deterministic` mode replaces every address (pointer arguments, pointer results, handlers and other pointers
 * inside structs) by {@linkcode ADDRESS_TOKEN}, and the values inside structs that vary between runs (CPU times in
 * rusage and siginfo, CPU-time clocks, the time left on a timer) by {@linkcode VALUE_TOKEN}, so that two runs of
 * the same program on the same virtual schedule give byte-identical logs. NULL stays NULL, and file descriptors,
 * pids, tids, signals, flags and strings stay as they are (they are virtual or reproducible). Registers of syscalls
 * without a decoder are shown in hex; in deterministic mode those that look like user-space addresses (0x10000
 * up to 0x7fffffffffff) are replaced by the token as well.
 * @module
 */

import { errnoName } from "../abi/errno.ts";
import { signalName } from "../abi/signals.ts";
import { syscallName } from "../abi/syscalls.ts";
import { ClockId } from "../syscalls/time.ts";

/** One intercepted syscall, as umbra's policy saw it. */
export interface SyscallRecord {
  /** Virtual ns since the run started, as a decimal string. */
  time: string;
  /** Virtual tid of the calling thread. */
  tid: number;
  /** x86_64 syscall number. */
  nr: number;
  /** The six raw argument registers as decimal strings of u64 (fewer are read as 0; negative ones wrap). */
  args: string[];
  /** Raw return value as a decimal string of i64 (negative = -errno); null while blocked or never returned. */
  result: string | null;
  /**
   * The memory behind pointer arguments, by argument index, as lowercase hex (see {@linkcode memoryCaptures}):
   * what the call reads, copied at its entry, and what it wrote, copied at its end. Absent when not read.
   */
  memory?: Record<number, string>;
}

/**
 * `standard` prints addresses in hex; `deterministic` replaces them by {@linkcode ADDRESS_TOKEN} so that the log
 * does not vary between runs.
 */
export type StraceMode = "standard" | "deterministic";

/** What an address prints as in `deterministic` mode. */
export const ADDRESS_TOKEN = "0x…";

/** What a value inside a struct that varies between runs (a CPU time) prints as in `deterministic` mode. */
export const VALUE_TOKEN = "…";

/** The strace log file name of a process: `<exe>.<pid>.strace` (next to its `.stdout` and `.stderr`). */
export function straceFileName(exe: string, pid: number): string {
  return `${exe}.${pid}.strace`;
}

/**
 * Formats virtual ns since the run started as `HH:MM:SS.nnnnnnnnn` (hours are not wrapped at 24 and may have
 * more than two digits). Throws a RangeError for anything but a non-negative decimal integer.
 */
export function formatVirtualTime(ns: string | bigint): string {
  const value = typeof ns === "bigint" ? ns : parseDecimal(ns, "time");
  if (value < 0n) throw new RangeError(`strace: negative time ${value}`);
  const seconds = value / 1_000_000_000n;
  const fraction = value % 1_000_000_000n;
  const hours = seconds / 3600n;
  const minutes = (seconds / 60n) % 60n;
  return `${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds % 60n, 2)}.${pad(fraction, 9)}`;
}

/**
 * Formats one record as one strace-style line (no trailing newline):
 * `<HH:MM:SS.nnnnnnnnn> [<tid>] <name>(<args>) = <result>`. A null result prints `= ? <unfinished>` (`= ?` for
 * exit and exit_group, which never return); -1..-4095 print `-1 <ENAME> (<message>)`, and the kernel's restart
 * codes `? ERESTARTSYS (To be restarted if SA_RESTART is set)` and the like. Throws a RangeError when `time`, an
 * argument or the result is not a decimal integer.
 */
export function formatSyscall(record: SyscallRecord, mode: StraceMode): string {
  return `${formatVirtualTime(record.time)} [${record.tid}] ${formatCall(record, mode)}`;
}

/**
 * strace's line for a signal on its way to a thread (no time or thread):
 * `--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, ...} ---`, from its 128-byte siginfo.
 */
export function formatSignal(signal: number, info: Uint8Array, mode: StraceMode): string {
  const call: Call = { registers: [], result: null, d: mode === "deterministic", memory: new Map() };
  const name = signalName(signal) ?? String(signal);
  return `--- ${name} ${info.length >= SIGINFO_SIZE ? siginfo(info, call) : "{}"} ---`;
}

/**
 * strace's line for the end of a process (no time or thread): `+++ exited with 0 +++`, or
 * `+++ killed by SIGKILL +++` (`(core dumped)` when it did).
 */
export function formatExit(
  status: { kind: "exited"; code: number } | { kind: "signaled"; signal: string; coreDumped: boolean },
): string {
  return status.kind === "exited"
    ? `+++ exited with ${status.code} +++`
    : `+++ killed by ${status.signal}${status.coreDumped ? " (core dumped)" : ""} +++`;
}

/** {@linkcode formatSyscall} without the time and thread: `<name>(<args>) = <result>`. */
export function formatCall(record: Omit<SyscallRecord, "time" | "tid">, mode: StraceMode): string {
  const deterministic = mode === "deterministic";
  const registers: bigint[] = [];
  for (let i = 0; i < 6; i++) {
    const text = record.args[i];
    registers.push(text === undefined ? 0n : BigInt.asUintN(64, parseDecimal(text, `argument ${i}`)));
  }
  const name = syscallName(record.nr);
  const result = record.result === null ? null : BigInt.asIntN(64, parseDecimal(record.result, "result"));
  const decoder = DECODERS.get(name) ?? generic;
  const args = decoder(registers, deterministic);
  decodeStructs(name, args, { registers, result, d: deterministic, memory: parseMemory(record.memory) });
  return `${name}(${args.join(", ")}) = ${formatResult(name, registers, result, deterministic)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Values

function parseDecimal(text: string, what: string): bigint {
  if (!/^-?\d+$/.test(text)) throw new RangeError(`strace: ${what} is not a decimal integer: ${JSON.stringify(text)}`);
  return BigInt(text);
}

function pad(value: bigint, width: number): string {
  return value.toString().padStart(width, "0");
}

/** Formats one register (u64). */
type Arg = (value: bigint, deterministic: boolean) => string;

/** The argument list of one syscall from its six registers. */
type Decoder = (registers: readonly bigint[], deterministic: boolean) => string[];

const hex = (value: bigint): string => value === 0n ? "0" : `0x${value.toString(16)}`;

/** int (low 32 bits, signed): pids, tids, fds, counts. */
const int: Arg = (v) => BigInt.asIntN(32, v).toString();
/** unsigned int. */
const uint: Arg = (v) => BigInt.asUintN(32, v).toString();
/** long. */
const long: Arg = (v) => BigInt.asIntN(64, v).toString();
/** unsigned long, size_t. */
const ulong: Arg = (v) => v.toString();
/** A pointer: NULL, an address in hex, or the token in deterministic mode. */
const ptr: Arg = (v, deterministic) => v === 0n ? "NULL" : deterministic ? ADDRESS_TOKEN : hex(v);
/** A register of unknown meaning: hex; in deterministic mode what looks like a user-space address is hidden. */
const raw: Arg = (v, deterministic) => deterministic && v >= 0x10000n && v < 0x800000000000n ? ADDRESS_TOKEN : hex(v);
const pid = int;
const fd = int;

/** A signal number: its name, 0, or the number when it names no signal. */
const sig: Arg = (v) => {
  const n = Number(BigInt.asIntN(32, v));
  return (n !== 0 && signalName(n)) || String(n);
};

/** One value of a set: its name, else `fallback`. */
function oneOf(names: Readonly<Record<string, number>>, fallback: Arg = int, bits = 32): Arg {
  const byValue = new Map<bigint, string>();
  for (const [name, value] of Object.entries(names)) {
    const key = BigInt.asUintN(bits, BigInt(value));
    if (!byValue.has(key)) byValue.set(key, name);
  }
  return (v, d) => byValue.get(BigInt.asUintN(bits, v)) ?? fallback(v, d);
}

/**
 * Flags: the names of the set bits in table order joined by `|`, unknown bits last in hex; 0 prints `zero`.
 * Names may cover several bits (each is printed when all its bits are set).
 */
function flagsOf(names: Readonly<Record<string, number | bigint>>, bits = 32, zero = "0"): Arg {
  const entries = Object.entries(names).map(([name, value]) => [name, BigInt(value)] as const);
  return (v) => formatFlags(BigInt.asUintN(bits, v), entries, zero);
}

function formatFlags(value: bigint, entries: readonly (readonly [string, bigint])[], zero = "0"): string {
  if (value === 0n) return zero;
  const parts: string[] = [];
  let rest = value;
  for (const [name, bit] of entries) {
    if (bit !== 0n && (rest & bit) === bit) {
      parts.push(name);
      rest &= ~bit;
    }
  }
  if (rest !== 0n) parts.push(hex(rest));
  return parts.join("|");
}

/** A decoder that prints registers 0, 1, ... with the given formatters. */
function fixed(...formats: Arg[]): Decoder {
  return (registers, d) => formats.map((format, i) => format(registers[i], d));
}

/** Syscalls without a decoder: all six registers in hex. */
const generic: Decoder = (registers, d) => registers.map((v) => raw(v, d));

// ---------------------------------------------------------------------------------------------------------------
// Constants (Linux x86_64 uapi)

const WAIT_FLAGS_COMMON = {
  WEXITED: 0x4,
  WCONTINUED: 0x8,
  WNOWAIT: 0x1000000,
  __WNOTHREAD: 0x20000000,
  __WALL: 0x40000000,
  __WCLONE: 0x80000000,
};
/** wait4 options: bit 2 is WUNTRACED. */
const waitOptions = flagsOf({ WNOHANG: 0x1, WUNTRACED: 0x2, ...WAIT_FLAGS_COMMON });
/** waitid options: bit 2 is WSTOPPED. */
const waitidOptions = flagsOf({ WNOHANG: 0x1, WSTOPPED: 0x2, ...WAIT_FLAGS_COMMON });
const idtype = oneOf({ P_ALL: 0, P_PID: 1, P_PGID: 2, P_PIDFD: 3 });

const CLONE_FLAGS: Record<string, bigint> = {
  CLONE_VM: 0x100n,
  CLONE_FS: 0x200n,
  CLONE_FILES: 0x400n,
  CLONE_SIGHAND: 0x800n,
  CLONE_PIDFD: 0x1000n,
  CLONE_PTRACE: 0x2000n,
  CLONE_VFORK: 0x4000n,
  CLONE_PARENT: 0x8000n,
  CLONE_THREAD: 0x10000n,
  CLONE_NEWNS: 0x20000n,
  CLONE_SYSVSEM: 0x40000n,
  CLONE_SETTLS: 0x80000n,
  CLONE_PARENT_SETTID: 0x100000n,
  CLONE_CHILD_CLEARTID: 0x200000n,
  CLONE_DETACHED: 0x400000n,
  CLONE_UNTRACED: 0x800000n,
  CLONE_CHILD_SETTID: 0x1000000n,
  CLONE_NEWCGROUP: 0x2000000n,
  CLONE_NEWUTS: 0x4000000n,
  CLONE_NEWIPC: 0x8000000n,
  CLONE_NEWUSER: 0x10000000n,
  CLONE_NEWPID: 0x20000000n,
  CLONE_NEWNET: 0x40000000n,
  CLONE_IO: 0x80000000n,
};
const CLONE_ENTRIES = Object.entries(CLONE_FLAGS);
const CSIGNAL = 0xffn;

/** clone(2) flags: CLONE_* names and unknown bits in hex, then the exit signal of the low byte. */
const cloneFlags: Arg = (v) => {
  const signal = v & CSIGNAL;
  const flags = v & ~signal;
  const parts = flags === 0n ? [] : [formatFlags(flags, CLONE_ENTRIES)];
  if (signal !== 0n) parts.push(sig(signal, false));
  return parts.length === 0 ? "0" : parts.join("|");
};

const SIGNALS_HOW = oneOf({ SIG_BLOCK: 0, SIG_UNBLOCK: 1, SIG_SETMASK: 2 });

const CLOCKS: Record<string, number> = ClockId;
const CPUCLOCK_NAMES = ["CPUCLOCK_PROF", "CPUCLOCK_VIRT", "CPUCLOCK_SCHED"];
const CLOCKFD = 3;

/**
 * A clockid_t: CLOCK_* for the static clocks; negative ids are dynamic clocks, printed like strace as
 * `MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)`, `MAKE_THREAD_CPUCLOCK(tid, ...)` or `FD_TO_CLOCKID(fd)`.
 */
const clockid: Arg = (v) => {
  const id = Number(BigInt.asIntN(32, v));
  if (id >= 0) return Object.entries(CLOCKS).find(([, n]) => n === id)?.[0] ?? String(id);
  const who = ~(id >> 3);
  if ((id & 7) === CLOCKFD) return `FD_TO_CLOCKID(${who})`;
  const kind = CPUCLOCK_NAMES[id & 3] ?? String(id & 3);
  return (id & 4) ? `MAKE_THREAD_CPUCLOCK(${who}, ${kind})` : `MAKE_PROCESS_CPUCLOCK(${who}, ${kind})`;
};

const timerFlags = flagsOf({ TIMER_ABSTIME: 1 });
const timerfdCreateFlags = flagsOf({ TFD_CLOEXEC: 0x80000, TFD_NONBLOCK: 0x800 });
const timerfdSetFlags = flagsOf({ TFD_TIMER_ABSTIME: 1, TFD_TIMER_CANCEL_ON_SET: 2 });
const itimerWhich = oneOf({ ITIMER_REAL: 0, ITIMER_VIRTUAL: 1, ITIMER_PROF: 2 });
const signalfdFlags = flagsOf({ SFD_CLOEXEC: 0x80000, SFD_NONBLOCK: 0x800 });
const pidfdOpenFlags = flagsOf({ PIDFD_NONBLOCK: 0x800, PIDFD_THREAD: 0x80 });
const pidfdSignalFlags = flagsOf({
  PIDFD_SIGNAL_THREAD: 1,
  PIDFD_SIGNAL_THREAD_GROUP: 2,
  PIDFD_SIGNAL_PROCESS_GROUP: 4,
});
const rusageWho = oneOf({ RUSAGE_SELF: 0, RUSAGE_CHILDREN: -1, RUSAGE_THREAD: 1 });
const fdFlags = flagsOf({ O_CLOEXEC: 0x80000 });
const eventfdFlags = flagsOf({ EFD_SEMAPHORE: 1, EFD_CLOEXEC: 0x80000, EFD_NONBLOCK: 0x800 });
const pipeFlags = flagsOf({ O_NONBLOCK: 0x800, O_DIRECT: 0x4000, O_CLOEXEC: 0x80000, O_NOTIFICATION_PIPE: 0x80 });
const OPEN_FLAGS = flagsOf({
  O_CREAT: 0o100,
  O_EXCL: 0o200,
  O_NOCTTY: 0o400,
  O_TRUNC: 0o1000,
  O_APPEND: 0o2000,
  O_NONBLOCK: 0o4000,
  O_DSYNC: 0o10000,
  O_ASYNC: 0o20000,
  O_DIRECT: 0o40000,
  O_LARGEFILE: 0o100000,
  O_DIRECTORY: 0o200000,
  O_NOFOLLOW: 0o400000,
  O_NOATIME: 0o1000000,
  O_CLOEXEC: 0o2000000,
  __O_SYNC: 0o4000000,
  O_PATH: 0o10000000,
  __O_TMPFILE: 0o20000000,
});
/** open(2) flags: the access mode, then the other flags (`O_RDONLY|O_CLOEXEC`). */
const openFlags: Arg = (v, d) => {
  const access = ["O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"][Number(v & 3n)];
  const rest = BigInt.asUintN(32, v) & ~3n;
  return rest === 0n ? access : `${access}|${OPEN_FLAGS(rest, d)}`;
};
/** A file mode in octal, as strace prints it. */
const mode: Arg = (v) => v === 0n ? "0" : `0${BigInt.asUintN(32, v).toString(8)}`;
/** A directory descriptor: AT_FDCWD or the number. */
const dirfd = oneOf({ AT_FDCWD: -100 });
/** O_CREAT and __O_TMPFILE: the flags under which open(2) reads its mode. */
const USES_MODE = 0o20000100n;

/** open(2) and openat(2) (`first` is where the path is): the mode only when the flags use it, like strace. */
function opener(...first: Arg[]): Decoder {
  return (r, d) => {
    const args = [...first.map((format, i) => format(r[i], d)), openFlags(r[first.length], d)];
    if (r[first.length] & USES_MODE) args.push(mode(r[first.length + 1], d));
    return args;
  };
}

const AT_STAT_FLAGS = { AT_SYMLINK_NOFOLLOW: 0x100, AT_NO_AUTOMOUNT: 0x800, AT_EMPTY_PATH: 0x1000 };
const statFlags = flagsOf(AT_STAT_FLAGS);
const utimensatFlags = flagsOf({ AT_SYMLINK_NOFOLLOW: 0x100, AT_EMPTY_PATH: 0x1000 });
const AT_STATX_SYNC_TYPE = 0x6000n;
const statxSync = oneOf({ AT_STATX_SYNC_AS_STAT: 0, AT_STATX_FORCE_SYNC: 0x2000, AT_STATX_DONT_SYNC: 0x4000 }, hex);
/** statx(2) flags like strace: the sync type (AT_STATX_SYNC_AS_STAT for none), then the AT_* flags. */
const statxFlags: Arg = (v, d) => {
  const flags = BigInt.asUintN(32, v);
  const sync = statxSync(flags & AT_STATX_SYNC_TYPE, d);
  const rest = flags & ~AT_STATX_SYNC_TYPE;
  return rest === 0n ? sync : `${sync}|${statFlags(rest, d)}`;
};
/** statx(2) mask: the sets first (STATX_ALL, STATX_BASIC_STATS), then single fields. */
const statxMask = flagsOf({
  STATX_ALL: 0xfff,
  STATX_BASIC_STATS: 0x7ff,
  STATX_TYPE: 0x1,
  STATX_MODE: 0x2,
  STATX_NLINK: 0x4,
  STATX_UID: 0x8,
  STATX_GID: 0x10,
  STATX_ATIME: 0x20,
  STATX_MTIME: 0x40,
  STATX_CTIME: 0x80,
  STATX_INO: 0x100,
  STATX_SIZE: 0x200,
  STATX_BLOCKS: 0x400,
  STATX_BTIME: 0x800,
  STATX_MNT_ID: 0x1000,
  STATX_DIOALIGN: 0x2000,
  STATX_MNT_ID_UNIQUE: 0x4000,
  STATX_SUBVOL: 0x8000,
  STATX_WRITE_ATOMIC: 0x10000,
  STATX_DIO_READ_ALIGN: 0x20000,
});
/** access(2) modes: F_OK for 0. */
const accessMode = flagsOf({ R_OK: 4, W_OK: 2, X_OK: 1 }, 32, "F_OK");
const faccessat2Flags = flagsOf({ AT_SYMLINK_NOFOLLOW: 0x100, AT_EACCESS: 0x200, AT_EMPTY_PATH: 0x1000 });

const FUTEX_OPS: Record<number, string> = {
  0: "FUTEX_WAIT",
  1: "FUTEX_WAKE",
  2: "FUTEX_FD",
  3: "FUTEX_REQUEUE",
  4: "FUTEX_CMP_REQUEUE",
  5: "FUTEX_WAKE_OP",
  6: "FUTEX_LOCK_PI",
  7: "FUTEX_UNLOCK_PI",
  8: "FUTEX_TRYLOCK_PI",
  9: "FUTEX_WAIT_BITSET",
  10: "FUTEX_WAKE_BITSET",
  11: "FUTEX_WAIT_REQUEUE_PI",
  12: "FUTEX_CMP_REQUEUE_PI",
  13: "FUTEX_LOCK_PI2",
};
const FUTEX_PRIVATE_FLAG = 128;
const FUTEX_CLOCK_REALTIME = 256;
const FUTEX_CMD_MASK = 0x7f;

/** A futex op: `FUTEX_WAIT_BITSET|FUTEX_PRIVATE_FLAG|FUTEX_CLOCK_REALTIME`; an unknown command in decimal. */
const futexOp: Arg = (v) => {
  const op = Number(BigInt.asUintN(32, v));
  const parts = [FUTEX_OPS[op & FUTEX_CMD_MASK] ?? String(op & FUTEX_CMD_MASK)];
  if (op & FUTEX_PRIVATE_FLAG) parts.push("FUTEX_PRIVATE_FLAG");
  if (op & FUTEX_CLOCK_REALTIME) parts.push("FUTEX_CLOCK_REALTIME");
  const rest = op & ~(FUTEX_CMD_MASK | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
  if (rest) parts.push(hex(BigInt(rest)));
  return parts.join("|");
};
const bitset: Arg = (v) =>
  BigInt.asUintN(32, v) === 0xffffffffn ? "FUTEX_BITSET_MATCH_ANY" : hex(BigInt.asUintN(32, v));

/** futex: the arguments each command uses, like strace. */
const futex: Decoder = (r, d) => {
  const head = [ptr(r[0], d), futexOp(r[1], d)];
  const val = uint(r[2], d);
  const val2 = uint(r[3], d);
  switch (Number(r[1] & BigInt(FUTEX_CMD_MASK))) {
    case 0: // FUTEX_WAIT
      return [...head, val, ptr(r[3], d)];
    case 1: // FUTEX_WAKE
    case 2: // FUTEX_FD
      return [...head, val];
    case 3: // FUTEX_REQUEUE
      return [...head, val, val2, ptr(r[4], d)];
    case 4: // FUTEX_CMP_REQUEUE
    case 12: // FUTEX_CMP_REQUEUE_PI
      return [...head, val, val2, ptr(r[4], d), uint(r[5], d)];
    case 5: // FUTEX_WAKE_OP
      return [...head, val, val2, ptr(r[4], d), hex(BigInt.asUintN(32, r[5]))];
    case 6: // FUTEX_LOCK_PI
    case 13: // FUTEX_LOCK_PI2
      return [...head, ptr(r[3], d)];
    case 7: // FUTEX_UNLOCK_PI
    case 8: // FUTEX_TRYLOCK_PI
      return head;
    case 9: // FUTEX_WAIT_BITSET
      return [...head, val, ptr(r[3], d), bitset(r[5], d)];
    case 10: // FUTEX_WAKE_BITSET
      return [...head, val, bitset(r[5], d)];
    case 11: // FUTEX_WAIT_REQUEUE_PI
      return [...head, val, ptr(r[3], d), ptr(r[4], d)];
    default:
      return [...head, ...r.slice(2).map((v) => raw(v, d))];
  }
};

const PRCTL_OPTIONS: Record<string, number> = {
  PR_SET_PDEATHSIG: 1,
  PR_GET_PDEATHSIG: 2,
  PR_GET_DUMPABLE: 3,
  PR_SET_DUMPABLE: 4,
  PR_GET_KEEPCAPS: 7,
  PR_SET_KEEPCAPS: 8,
  PR_SET_NAME: 15,
  PR_GET_NAME: 16,
  PR_GET_SECCOMP: 21,
  PR_SET_SECCOMP: 22,
  PR_CAPBSET_READ: 23,
  PR_CAPBSET_DROP: 24,
  PR_GET_TIMERSLACK: 30,
  PR_SET_TIMERSLACK: 29,
  PR_SET_MM: 35,
  PR_SET_CHILD_SUBREAPER: 36,
  PR_GET_CHILD_SUBREAPER: 37,
  PR_SET_NO_NEW_PRIVS: 38,
  PR_GET_NO_NEW_PRIVS: 39,
  PR_GET_TID_ADDRESS: 40,
  PR_SET_THP_DISABLE: 41,
  PR_GET_THP_DISABLE: 42,
  PR_CAP_AMBIENT: 47,
  PR_GET_SPECULATION_CTRL: 52,
  PR_SET_SPECULATION_CTRL: 53,
  PR_SET_PTRACER: 0x59616d61,
  PR_SET_VMA: 0x53564d41,
};
const PRCTL_NAMES = new Map(Object.entries(PRCTL_OPTIONS).map(([name, n]) => [n, name]));
const dumpable = oneOf({ SUID_DUMP_DISABLE: 0, SUID_DUMP_USER: 1, SUID_DUMP_ROOT: 2 });
const seccompMode = oneOf({ SECCOMP_MODE_DISABLED: 0, SECCOMP_MODE_STRICT: 1, SECCOMP_MODE_FILTER: 2 });
const ptracer: Arg = (v, d) => v === 0xffffffffffffffffn ? "PR_SET_PTRACER_ANY" : pid(v, d);

/** The arguments after the option, per prctl option. */
const PRCTL_ARGS: Record<string, Arg[]> = {
  PR_SET_PDEATHSIG: [sig],
  PR_GET_PDEATHSIG: [ptr],
  PR_GET_DUMPABLE: [],
  PR_SET_DUMPABLE: [dumpable],
  PR_GET_KEEPCAPS: [],
  PR_SET_KEEPCAPS: [ulong],
  PR_SET_NAME: [ptr],
  PR_GET_NAME: [ptr],
  PR_GET_SECCOMP: [],
  PR_SET_SECCOMP: [seccompMode, ptr],
  PR_CAPBSET_READ: [ulong],
  PR_CAPBSET_DROP: [ulong],
  PR_GET_TIMERSLACK: [],
  PR_SET_TIMERSLACK: [ulong],
  PR_SET_CHILD_SUBREAPER: [ulong],
  PR_GET_CHILD_SUBREAPER: [ptr],
  PR_SET_NO_NEW_PRIVS: [ulong, ulong, ulong, ulong],
  PR_GET_NO_NEW_PRIVS: [ulong, ulong, ulong, ulong],
  PR_GET_TID_ADDRESS: [ptr],
  PR_SET_THP_DISABLE: [ulong, ulong, ulong, ulong],
  PR_GET_THP_DISABLE: [ulong, ulong, ulong, ulong],
  PR_SET_PTRACER: [ptracer],
};

/** prctl: the option's name and the arguments it uses; other options print all four in hex. */
const prctl: Decoder = (r, d) => {
  const name = PRCTL_NAMES.get(Number(BigInt.asIntN(32, r[0])));
  const rest = name === undefined ? undefined : PRCTL_ARGS[name];
  const head = name ?? int(r[0], d);
  if (!rest) return [head, ...r.slice(1, 5).map((v) => raw(v, d))];
  return [head, ...rest.map((format, i) => format(r[i + 1], d))];
};

const PTRACE_REQUESTS: Record<string, number> = {
  PTRACE_TRACEME: 0,
  PTRACE_PEEKTEXT: 1,
  PTRACE_PEEKDATA: 2,
  PTRACE_PEEKUSER: 3,
  PTRACE_POKETEXT: 4,
  PTRACE_POKEDATA: 5,
  PTRACE_POKEUSER: 6,
  PTRACE_CONT: 7,
  PTRACE_KILL: 8,
  PTRACE_SINGLESTEP: 9,
  PTRACE_GETREGS: 12,
  PTRACE_SETREGS: 13,
  PTRACE_GETFPREGS: 14,
  PTRACE_SETFPREGS: 15,
  PTRACE_ATTACH: 16,
  PTRACE_DETACH: 17,
  PTRACE_SYSCALL: 24,
  PTRACE_SETOPTIONS: 0x4200,
  PTRACE_GETEVENTMSG: 0x4201,
  PTRACE_GETSIGINFO: 0x4202,
  PTRACE_SETSIGINFO: 0x4203,
  PTRACE_GETREGSET: 0x4204,
  PTRACE_SETREGSET: 0x4205,
  PTRACE_SEIZE: 0x4206,
  PTRACE_INTERRUPT: 0x4207,
  PTRACE_LISTEN: 0x4208,
  PTRACE_PEEKSIGINFO: 0x4209,
  PTRACE_GETSIGMASK: 0x420a,
  PTRACE_SETSIGMASK: 0x420b,
  PTRACE_SECCOMP_GET_FILTER: 0x420c,
  PTRACE_SECCOMP_GET_METADATA: 0x420d,
  PTRACE_GET_SYSCALL_INFO: 0x420e,
};
const ptraceRequest = oneOf(PTRACE_REQUESTS, (v) => long(v, false), 64);

/** ptrace: TRACEME alone, ATTACH/KILL/INTERRUPT/LISTEN with the pid, resuming requests with the signal. */
const ptrace: Decoder = (r, d) => {
  const request = ptraceRequest(r[0], d);
  switch (request) {
    case "PTRACE_TRACEME":
      return [request];
    case "PTRACE_ATTACH":
    case "PTRACE_KILL":
    case "PTRACE_INTERRUPT":
    case "PTRACE_LISTEN":
      return [request, pid(r[1], d)];
    case "PTRACE_CONT":
    case "PTRACE_DETACH":
    case "PTRACE_SYSCALL":
    case "PTRACE_SINGLESTEP":
      return [request, pid(r[1], d), ptr(r[2], d), sig(r[3], d)];
    default:
      return [request, pid(r[1], d), ptr(r[2], d), ptr(r[3], d)];
  }
};

const seccompOp = oneOf({
  SECCOMP_SET_MODE_STRICT: 0,
  SECCOMP_SET_MODE_FILTER: 1,
  SECCOMP_GET_ACTION_AVAIL: 2,
  SECCOMP_GET_NOTIF_SIZES: 3,
});
const seccompFlags = flagsOf({
  SECCOMP_FILTER_FLAG_TSYNC: 1,
  SECCOMP_FILTER_FLAG_LOG: 2,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
  SECCOMP_FILTER_FLAG_NEW_LISTENER: 8,
  SECCOMP_FILTER_FLAG_TSYNC_ESRCH: 16,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 32,
});

const FCNTL_COMMANDS: Record<string, number> = {
  F_DUPFD: 0,
  F_GETFD: 1,
  F_SETFD: 2,
  F_GETFL: 3,
  F_SETFL: 4,
  F_GETLK: 5,
  F_SETLK: 6,
  F_SETLKW: 7,
  F_SETOWN: 8,
  F_GETOWN: 9,
  F_SETSIG: 10,
  F_GETSIG: 11,
  F_SETOWN_EX: 15,
  F_GETOWN_EX: 16,
  F_GETOWNER_UIDS: 17,
  F_OFD_GETLK: 36,
  F_OFD_SETLK: 37,
  F_OFD_SETLKW: 38,
  F_SETLEASE: 1024,
  F_GETLEASE: 1025,
  F_NOTIFY: 1026,
  F_DUPFD_CLOEXEC: 1030,
  F_SETPIPE_SZ: 1031,
  F_GETPIPE_SZ: 1032,
  F_ADD_SEALS: 1033,
  F_GET_SEALS: 1034,
};
const FCNTL_NAMES = new Map(Object.entries(FCNTL_COMMANDS).map(([name, n]) => [n, name]));
const ACCESS_MODES = ["O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"];
const STATUS_FLAGS = flagsOf({
  O_APPEND: 0x400,
  O_NONBLOCK: 0x800,
  O_DSYNC: 0x1000,
  O_ASYNC: 0x2000,
  O_DIRECT: 0x4000,
  O_LARGEFILE: 0x8000,
  O_NOATIME: 0x40000,
});
/** File status flags (F_SETFL): the access mode, then the other O_* flags. */
const statusFlags: Arg = (v, d) => {
  const flags = BigInt.asUintN(32, v);
  const rest = flags & ~3n;
  return rest === 0n
    ? ACCESS_MODES[Number(flags & 3n)]
    : `${ACCESS_MODES[Number(flags & 3n)]}|${STATUS_FLAGS(rest, d)}`;
};
const fdFlagsSet = flagsOf({ FD_CLOEXEC: 1 });

/** The third fcntl argument per command. */
const FCNTL_ARG: Record<string, Arg | null> = {
  F_DUPFD: int,
  F_DUPFD_CLOEXEC: int,
  F_GETFD: null,
  F_SETFD: fdFlagsSet,
  F_GETFL: null,
  F_SETFL: statusFlags,
  F_GETLK: ptr,
  F_SETLK: ptr,
  F_SETLKW: ptr,
  F_OFD_GETLK: ptr,
  F_OFD_SETLK: ptr,
  F_OFD_SETLKW: ptr,
  F_SETOWN: pid,
  F_GETOWN: null,
  F_SETSIG: sig,
  F_GETSIG: null,
  F_SETOWN_EX: ptr,
  F_GETOWN_EX: ptr,
  F_GETOWNER_UIDS: ptr,
  F_GETLEASE: null,
  F_GETPIPE_SZ: null,
  F_GET_SEALS: null,
};

/** fcntl: the command's name and the argument it uses (pids for F_SETOWN, negative for a process group). */
const fcntl: Decoder = (r, d) => {
  const name = FCNTL_NAMES.get(Number(BigInt.asIntN(32, r[1])));
  if (name === undefined) return [fd(r[0], d), int(r[1], d), raw(r[2], d)];
  const format = name in FCNTL_ARG ? FCNTL_ARG[name] : long;
  return format ? [fd(r[0], d), name, format(r[2], d)] : [fd(r[0], d), name];
};

const IOCTL_REQUESTS: Record<string, number> = {
  TCGETS: 0x5401,
  TCSETS: 0x5402,
  TCSETSW: 0x5403,
  TCSETSF: 0x5404,
  TIOCSCTTY: 0x540e,
  TIOCGPGRP: 0x540f,
  TIOCSPGRP: 0x5410,
  TIOCGWINSZ: 0x5413,
  TIOCSWINSZ: 0x5414,
  FIONREAD: 0x541b,
  FIONBIO: 0x5421,
  TIOCNOTTY: 0x5422,
  TIOCGSID: 0x5429,
  FIONCLEX: 0x5450,
  FIOCLEX: 0x5451,
  FIOASYNC: 0x5452,
  FIOSETOWN: 0x8901,
  SIOCSPGRP: 0x8902,
  FIOGETOWN: 0x8903,
  SIOCGPGRP: 0x8904,
};
const IOCTL_NAMES = new Map(Object.entries(IOCTL_REQUESTS).map(([name, n]) => [n, name]));
const IOCTL_NO_ARG = new Set(["TIOCNOTTY", "FIONCLEX", "FIOCLEX"]);

/** ioctl: the request's name (else hex) and its argument as a pointer (umbra's requests all take one). */
const ioctl: Decoder = (r, d) => {
  const request = Number(BigInt.asUintN(32, r[1]));
  const name = IOCTL_NAMES.get(request);
  if (name === undefined) return [fd(r[0], d), hex(BigInt(request)), raw(r[2], d)];
  if (IOCTL_NO_ARG.has(name)) return [fd(r[0], d), name];
  if (name === "TIOCSCTTY") return [fd(r[0], d), name, int(r[2], d)];
  return [fd(r[0], d), name, ptr(r[2], d)];
};

/** clone (x86_64 register order: flags, stack, parent_tid, child_tid, tls); the tid pointers and tls when used. */
const clone: Decoder = (r, d) => {
  const flags = r[0];
  const args = [`flags=${cloneFlags(flags, d)}`, `child_stack=${ptr(r[1], d)}`];
  if (flags & (CLONE_FLAGS.CLONE_PARENT_SETTID | CLONE_FLAGS.CLONE_PIDFD)) args.push(`parent_tid=${ptr(r[2], d)}`);
  if (flags & (CLONE_FLAGS.CLONE_CHILD_SETTID | CLONE_FLAGS.CLONE_CHILD_CLEARTID)) {
    args.push(`child_tidptr=${ptr(r[3], d)}`);
  }
  if (flags & CLONE_FLAGS.CLONE_SETTLS) args.push(`tls=${ptr(r[4], d)}`);
  return args;
};

/** Decoders by syscall name. */
const DECODERS = new Map<string, Decoder>(Object.entries({
  // ids
  getpid: fixed(),
  getppid: fixed(),
  gettid: fixed(),
  getpgrp: fixed(),
  getpgid: fixed(pid),
  getsid: fixed(pid),
  setpgid: fixed(pid, pid),
  setsid: fixed(),
  set_tid_address: fixed(ptr),
  getuid: fixed(),
  geteuid: fixed(),
  getgid: fixed(),
  getegid: fixed(),
  // processes
  fork: fixed(),
  vfork: fixed(),
  clone,
  clone3: fixed(ptr, ulong),
  execve: fixed(ptr, ptr, ptr),
  exit: fixed(int),
  exit_group: fixed(int),
  wait4: fixed(pid, ptr, waitOptions, ptr),
  waitid: fixed(idtype, pid, ptr, waitidOptions, ptr),
  // signals
  kill: fixed(pid, sig),
  tkill: fixed(pid, sig),
  tgkill: fixed(pid, pid, sig),
  rt_sigqueueinfo: fixed(pid, sig, ptr),
  rt_tgsigqueueinfo: fixed(pid, pid, sig, ptr),
  pidfd_open: fixed(pid, pidfdOpenFlags),
  pidfd_send_signal: fixed(fd, sig, ptr, pidfdSignalFlags),
  rt_sigaction: fixed(sig, ptr, ptr, ulong),
  rt_sigprocmask: fixed(SIGNALS_HOW, ptr, ptr, ulong),
  rt_sigtimedwait: fixed(ptr, ptr, ptr, ulong),
  rt_sigsuspend: fixed(ptr, ulong),
  rt_sigpending: fixed(ptr, ulong),
  rt_sigreturn: fixed(),
  sigaltstack: fixed(ptr, ptr),
  pause: fixed(),
  signalfd: fixed(fd, ptr, ulong),
  signalfd4: fixed(fd, ptr, ulong, signalfdFlags),
  // files (umbra traces these on its signalfd range)
  read: fixed(fd, ptr, ulong),
  write: fixed(fd, ptr, ulong),
  readv: fixed(fd, ptr, int),
  writev: fixed(fd, ptr, int),
  close: fixed(fd),
  dup: fixed(fd),
  dup2: fixed(fd, fd),
  dup3: fixed(fd, fd, fdFlags),
  open: opener(ptr),
  openat: opener(dirfd, ptr),
  openat2: fixed(dirfd, ptr, ptr, ulong),
  // paths (the pointers print as strings where the record has them)
  stat: fixed(ptr, ptr),
  lstat: fixed(ptr, ptr),
  fstat: fixed(fd, ptr),
  utimensat: fixed(dirfd, ptr, ptr, utimensatFlags),
  futimesat: fixed(dirfd, ptr, ptr),
  utimes: fixed(ptr, ptr),
  utime: fixed(ptr, ptr),
  newfstatat: fixed(dirfd, ptr, ptr, statFlags),
  statx: fixed(dirfd, ptr, statxFlags, statxMask, ptr),
  access: fixed(ptr, accessMode),
  faccessat: fixed(dirfd, ptr, accessMode),
  faccessat2: fixed(dirfd, ptr, accessMode, faccessat2Flags),
  chdir: fixed(ptr),
  readlink: fixed(ptr, ptr, ulong),
  readlinkat: fixed(dirfd, ptr, ptr, ulong),
  getdents: fixed(fd, ptr, uint),
  getdents64: fixed(fd, ptr, uint),
  pipe: fixed(ptr),
  pipe2: fixed(ptr, pipeFlags),
  eventfd2: fixed(uint, eventfdFlags),
  fcntl,
  ioctl,
  // process control
  prctl,
  getrusage: fixed(rusageWho, ptr),
  ptrace,
  process_vm_readv: fixed(pid, ptr, ulong, ptr, ulong, ulong),
  process_vm_writev: fixed(pid, ptr, ulong, ptr, ulong, ulong),
  seccomp: fixed(seccompOp, seccompFlags, ptr),
  io_uring_setup: fixed(uint, ptr),
  set_robust_list: fixed(ptr, ulong),
  reboot: fixed(raw, raw, raw, ptr),
  kexec_load: fixed(raw, ulong, ptr, raw),
  kexec_file_load: fixed(fd, fd, ulong, ptr, raw),
  init_module: fixed(ptr, ulong, ptr),
  finit_module: fixed(fd, ptr, raw),
  delete_module: fixed(ptr, raw),
  settimeofday: fixed(ptr, ptr),
  sched_yield: fixed(),
  restart_syscall: fixed(),
  getrandom: fixed(ptr, ulong, flagsOf({ GRND_NONBLOCK: 1, GRND_RANDOM: 2, GRND_INSECURE: 4 })),
  // time
  clock_gettime: fixed(clockid, ptr),
  clock_getres: fixed(clockid, ptr),
  clock_settime: fixed(clockid, ptr),
  gettimeofday: fixed(ptr, ptr),
  time: fixed(ptr),
  nanosleep: fixed(ptr, ptr),
  clock_nanosleep: fixed(clockid, timerFlags, ptr, ptr),
  alarm: fixed(uint),
  setitimer: fixed(itimerWhich, ptr, ptr),
  getitimer: fixed(itimerWhich, ptr),
  timer_create: fixed(clockid, ptr, ptr),
  timer_settime: fixed(int, timerFlags, ptr, ptr),
  timer_gettime: fixed(int, ptr),
  timer_getoverrun: fixed(int),
  timer_delete: fixed(int),
  timerfd_create: fixed(clockid, timerfdCreateFlags),
  timerfd_settime: fixed(fd, timerfdSetFlags, ptr, ptr),
  timerfd_gettime: fixed(fd, ptr),
  // timeouts
  poll: fixed(ptr, uint, int),
  ppoll: fixed(ptr, uint, ptr, ptr, ulong),
  select: fixed(int, ptr, ptr, ptr, ptr),
  pselect6: fixed(int, ptr, ptr, ptr, ptr, ptr),
  epoll_wait: fixed(fd, ptr, int, int),
  epoll_pwait: fixed(fd, ptr, int, int, ptr, ulong),
  epoll_pwait2: fixed(fd, ptr, int, ptr, ptr, ulong),
  futex,
}));

// ---------------------------------------------------------------------------------------------------------------
// Results

/** Syscalls whose result is an address. */
const ADDRESS_RESULTS = new Set(["brk", "mmap", "mremap", "shmat"]);
/** Syscalls that never return when they succeed. */
const NO_RETURN = new Set(["exit", "exit_group"]);

/** strerror(3) texts, and strace's texts for the kernel's restart codes. */
const MESSAGES: Record<string, string> = {
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  ESRCH: "No such process",
  EINTR: "Interrupted system call",
  EIO: "Input/output error",
  ENXIO: "No such device or address",
  E2BIG: "Argument list too long",
  ENOEXEC: "Exec format error",
  EBADF: "Bad file descriptor",
  ECHILD: "No child processes",
  EAGAIN: "Resource temporarily unavailable",
  ENOMEM: "Cannot allocate memory",
  EACCES: "Permission denied",
  EFAULT: "Bad address",
  EBUSY: "Device or resource busy",
  EEXIST: "File exists",
  ENODEV: "No such device",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  EINVAL: "Invalid argument",
  ENFILE: "Too many open files in system",
  EMFILE: "Too many open files",
  ENOTTY: "Inappropriate ioctl for device",
  ENOSPC: "No space left on device",
  ESPIPE: "Illegal seek",
  EROFS: "Read-only file system",
  EPIPE: "Broken pipe",
  ERANGE: "Numerical result out of range",
  EDEADLK: "Resource deadlock avoided",
  ENAMETOOLONG: "File name too long",
  ENOSYS: "Function not implemented",
  ENOTEMPTY: "Directory not empty",
  ELOOP: "Too many levels of symbolic links",
  ETIME: "Timer expired",
  EOVERFLOW: "Value too large for defined data type",
  ENOTSOCK: "Socket operation on non-socket",
  EOPNOTSUPP: "Operation not supported",
  ECONNREFUSED: "Connection refused",
  ECONNRESET: "Connection reset by peer",
  ETIMEDOUT: "Connection timed out",
  EINPROGRESS: "Operation now in progress",
  ECANCELED: "Operation canceled",
  EOWNERDEAD: "Owner died",
  ENOTRECOVERABLE: "State not recoverable",
  ERESTARTSYS: "To be restarted if SA_RESTART is set",
  ERESTARTNOINTR: "To be restarted",
  ERESTARTNOHAND: "To be restarted if no handler",
  ERESTART_RESTARTBLOCK: "Interrupted by signal",
};
const RESTART_CODES = new Set(["ERESTARTSYS", "ERESTARTNOINTR", "ERESTARTNOHAND", "ERESTART_RESTARTBLOCK"]);

function formatResult(name: string, registers: readonly bigint[], value: bigint | null, d: boolean): string {
  if (value === null) return NO_RETURN.has(name) ? "?" : "? <unfinished>";
  if (isError(value)) {
    const errno = errnoName(Number(-value));
    const message = MESSAGES[errno];
    const text = message === undefined ? errno : `${errno} (${message})`;
    return RESTART_CODES.has(errno) ? `? ${text}` : `-1 ${text}`;
  }
  if (ADDRESS_RESULTS.has(name)) return value === 0n ? "0" : d ? ADDRESS_TOKEN : hex(BigInt.asUintN(64, value));
  if (name === "fcntl") {
    const command = BigInt.asIntN(32, registers[1]);
    if (command === 1n && value !== 0n) return `${hex(value)} (flags ${fdFlagsSet(value, d)})`; // F_GETFD
    if (command === 3n) return `${hex(value)} (flags ${statusFlags(value, d)})`; // F_GETFL
  }
  return value.toString();
}

/** Whether a result is -errno (-4095..-1). */
function isError(value: bigint): boolean {
  return value < 0n && value >= -4095n;
}

/** EINTR and the kernel's restart codes: a signal interrupted the call. */
const INTERRUPTED = new Set([-4n, -512n, -513n, -514n, -516n]);

// ---------------------------------------------------------------------------------------------------------------
// Structs

/**
 * When strace logging reads a struct: `entry` what the call reads (before it runs), `exit` what it wrote (once it
 * succeeded), `interrupted` what it wrote when a signal interrupted it (EINTR or a restart code: a sleep's time
 * left).
 */
export type CaptureTime = "entry" | "exit" | "interrupted";

/** One struct (or string) strace logging reads behind a pointer argument. */
export interface MemoryCapture {
  /** Index of the pointer argument (a NULL pointer is not read). */
  readonly arg: number;
  /** Bytes to read; with a `kind`, the most to read (else it is not read). */
  readonly size: number;
  /** When to read it. */
  readonly at: CaptureTime;
  /**
   * Absent: `size` bytes. `string`: a NUL-terminated string, without its NUL (at most `size` bytes with it).
   * `result`: as many bytes as the call's result says it wrote (readlink's buffer). `strings`: a NULL-terminated
   * array of string pointers (execve's argv and envp): a u32 count of its pointers, then the first `size` strings,
   * each NUL-terminated (see {@linkcode STRINGS_MAX_COUNT} and {@linkcode STRING_MAX}).
   */
  readonly kind?: "string" | "result" | "strings";
}

/** Whether a capture at `at` applies to a call that ended with `result` (null: not ended). */
export function captureApplies(at: CaptureTime, result: bigint | null): boolean {
  if (at === "entry") return true;
  if (result === null) return false;
  return at === "exit" ? !isError(result) : INTERRUPTED.has(result);
}

/** One call, for struct formatters. */
interface Call {
  readonly registers: readonly bigint[];
  readonly result: bigint | null;
  readonly d: boolean;
  /** The memory the record carries, by argument index. */
  readonly memory: ReadonlyMap<number, Uint8Array>;
}

/** Formats a struct from at least `size` bytes; undefined prints the pointer instead. */
type StructFormat = (bytes: Uint8Array, call: Call) => string | undefined;

interface StructArg extends MemoryCapture {
  readonly format: StructFormat;
}

function parseMemory(memory: Record<number, string> | undefined): Map<number, Uint8Array> {
  const parsed = new Map<number, Uint8Array>();
  for (const [key, text] of Object.entries(memory ?? {})) {
    if (typeof text !== "string" || text.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(text)) continue; // ignored
    const bytes = new Uint8Array(text.length / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
    parsed.set(Number(key), bytes);
  }
  return parsed;
}

/** Replaces pointer arguments by the structs they point to, where the record has their memory. */
function decodeStructs(name: string, args: string[], call: Call): void {
  for (const struct of STRUCT_ARGS.get(name) ?? []) {
    const bytes = call.memory.get(struct.arg);
    if (call.registers[struct.arg] === 0n || !bytes || (!struct.kind && bytes.length < struct.size)) continue;
    if (!captureApplies(struct.at, call.result) || struct.arg >= args.length) continue;
    const text = struct.format(bytes, call);
    if (text !== undefined) args[struct.arg] = text;
  }
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const i32 = (bytes: Uint8Array, offset: number) => view(bytes).getInt32(offset, true);
const i64 = (bytes: Uint8Array, offset: number) => view(bytes).getBigInt64(offset, true);
const u64 = (bytes: Uint8Array, offset: number) => view(bytes).getBigUint64(offset, true);

/** A member of a signal set: the signal's name without `SIG`. */
const setMember = (n: number) => signalName(n)?.replace(/^SIG/, "") ?? String(n);

/** A 64-bit signal set like strace: `[USR1 CHLD]`, or `~[...]` listing the missing ones when most are in. */
function sigset(mask: bigint): string {
  const members: number[] = [];
  const missing: number[] = [];
  for (let n = 1; n <= 64; n++) ((mask >> BigInt(n - 1)) & 1n ? members : missing).push(n);
  return members.length * 2 > 64 ? `~[${missing.map(setMember).join(" ")}]` : `[${members.map(setMember).join(" ")}]`;
}
const sigsetArg: StructFormat = (bytes) => sigset(u64(bytes, 0));

/** A timespec (`tv_nsec`) or timeval (`tv_usec`) at `offset`; `vary`: its value changes between runs. */
function time(bytes: Uint8Array, offset: number, fraction: "tv_nsec" | "tv_usec", call: Call, vary = false): string {
  if (vary && call.d) return `{tv_sec=${VALUE_TOKEN}, ${fraction}=${VALUE_TOKEN}}`;
  return `{tv_sec=${i64(bytes, offset)}, ${fraction}=${i64(bytes, offset + 8)}}`;
}
const timespec: StructFormat = (bytes, call) => time(bytes, 0, "tv_nsec", call);
const timeval: StructFormat = (bytes, call) => time(bytes, 0, "tv_usec", call);

/** Whether a clock id names a CPU-time clock (its readings vary between runs). */
function isCpuClock(id: bigint): boolean {
  const n = Number(BigInt.asIntN(32, id));
  return n === ClockId.CLOCK_PROCESS_CPUTIME_ID || n === ClockId.CLOCK_THREAD_CPUTIME_ID || (n < 0 && (n & 7) !== 3);
}
/** A clock reading: CPU-time clocks vary. */
const clockValue: StructFormat = (bytes, call) => time(bytes, 0, "tv_nsec", call, isCpuClock(call.registers[0]));
/** A sleep's time left, only where the kernel writes it (not for TIMER_ABSTIME). */
const timeLeft: StructFormat = (bytes, call) => (call.registers[1] & 1n) === 0n ? timespec(bytes, call) : undefined;

/** A futex wait's timeout (FUTEX_WAIT, FUTEX_WAIT_BITSET). */
const futexTimeout: StructFormat = (bytes, call) => {
  const command = Number(call.registers[1] & BigInt(FUTEX_CMD_MASK));
  return command === 0 || command === 9 ? timespec(bytes, call) : undefined;
};

/** struct itimerspec (`tv_nsec`) or itimerval (`tv_usec`); `vary`: the time left changes between runs. */
function itimer(fraction: "tv_nsec" | "tv_usec", vary: (call: Call) => boolean): StructFormat {
  return (bytes, call) =>
    `{it_interval=${time(bytes, 0, fraction, call)}, it_value=${time(bytes, 16, fraction, call, vary(call))}}`;
}
const never = () => false;
const always = () => true;
/** ITIMER_VIRTUAL and ITIMER_PROF count CPU time. */
const cpuItimer = (call: Call) => BigInt.asIntN(32, call.registers[0]) !== 0n;
const itimerspecIn = itimer("tv_nsec", never);
/** A timer's current setting: the time left may count CPU time (umbra cannot tell the timer's clock here). */
const itimerspecOut = itimer("tv_nsec", always);
const itimervalIn = itimer("tv_usec", never);
const itimervalOut = itimer("tv_usec", cpuItimer);

const SA_FLAGS = flagsOf({
  SA_RESTORER: 0x04000000,
  SA_ONSTACK: 0x08000000,
  SA_RESTART: 0x10000000,
  SA_NODEFER: 0x40000000,
  SA_RESETHAND: 0x80000000,
  SA_SIGINFO: 0x4,
  SA_NOCLDSTOP: 0x1,
  SA_NOCLDWAIT: 0x2,
}, 64);
const SA_RESTORER = 0x04000000n;

/** struct kernel_sigaction: `{sa_handler=SIG_IGN, sa_mask=[USR1], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x…}`. */
const sigaction: StructFormat = (bytes, { d }) => {
  const handler = u64(bytes, 0);
  const flags = u64(bytes, 8);
  const name = handler === 0n ? "SIG_DFL" : handler === 1n ? "SIG_IGN" : ptr(handler, d);
  const fields = [`sa_handler=${name}`, `sa_mask=${sigset(u64(bytes, 24))}`, `sa_flags=${SA_FLAGS(flags, d)}`];
  if (flags & SA_RESTORER) fields.push(`sa_restorer=${ptr(u64(bytes, 16), d)}`);
  return `{${fields.join(", ")}}`;
};

/** A wait status like strace: `[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]`; only when a child was reported. */
const waitStatus: StructFormat = (bytes, { result }) => {
  if (result === null || result <= 0n) return undefined;
  let s = i32(bytes, 0) >>> 0;
  const low = s & 0x7f;
  const name = (n: number) => sig(BigInt(n), false);
  let text: string;
  if ((s & 0xff) === 0x7f) {
    const stop = (s >> 8) & 0xff;
    text = `{WIFSTOPPED(s) && WSTOPSIG(s) == ${name(stop & 0x7f)}${stop & 0x80 ? " | 0x80" : ""}}`;
    s &= ~0xff7f;
  } else if (low !== 0 && low !== 0x7f) {
    text = `{WIFSIGNALED(s) && WTERMSIG(s) == ${name(low)}${s & 0x80 ? " && WCOREDUMP(s)" : ""}}`;
    s &= ~0xff;
  } else if (low === 0) {
    text = `{WIFEXITED(s) && WEXITSTATUS(s) == ${(s >> 8) & 0xff}}`;
    s &= ~0xff00;
  } else if (s === 0xffff) {
    text = "{WIFCONTINUED(s)}";
    s = 0;
  } else return `[${hex(BigInt(s))}]`;
  s >>>= 0;
  if (s >>> 16) text += ` | ${hex(BigInt(s >>> 16))} << 16`;
  if (s & 0xffff) text += ` | ${hex(BigInt(s & 0xffff))}`;
  return `[${text}]`;
};

/** struct rusage, summarised like strace: the two times, then `...`; CPU times vary between runs. */
const rusage: StructFormat = (bytes, call) =>
  `{ru_utime=${time(bytes, 0, "tv_usec", call, true)}, ru_stime=${time(bytes, 16, "tv_usec", call, true)}, ...}`;
/** wait4's rusage: only when a child was reported. */
const waitUsage: StructFormat = (bytes, call) =>
  call.result !== null && call.result > 0n ? rusage(bytes, call) : undefined;
/** waitid's rusage: only when a child was reported (its siginfo has a signal). */
const waitidUsage: StructFormat = (bytes, call) => {
  const info = call.memory.get(2);
  return info && info.length >= 4 && i32(info, 0) !== 0 ? rusage(bytes, call) : undefined;
};

const SI_CODES = oneOf({
  SI_USER: 0,
  SI_KERNEL: 0x80,
  SI_QUEUE: -1,
  SI_TIMER: -2,
  SI_MESGQ: -3,
  SI_ASYNCIO: -4,
  SI_SIGIO: -5,
  SI_TKILL: -6,
  SI_DETHREAD: -7,
  SI_ASYNCNL: -60,
});
const CLD_CODES = oneOf({
  CLD_EXITED: 1,
  CLD_KILLED: 2,
  CLD_DUMPED: 3,
  CLD_TRAPPED: 4,
  CLD_STOPPED: 5,
  CLD_CONTINUED: 6,
}, SI_CODES);
const SIGCHLD = 17;

/**
 * siginfo_t like strace: `{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=1002, si_uid=0, si_status=3, si_utime=0,
 * si_stime=0}`; `{}` when it holds no signal. Pids are what the program sees (umbra writes virtual ones).
 */
const siginfo: StructFormat = (bytes, call) => {
  const { d } = call;
  const signo = i32(bytes, 0);
  if (signo === 0) return "{}";
  const errno = i32(bytes, 4);
  const code = i32(bytes, 8);
  const fields = [`si_signo=${sig(BigInt(signo), d)}`];
  if (errno !== 0) fields.push(`si_errno=${errnoName(errno)}`);
  const value = () => {
    const word = u64(bytes, 24);
    return [`si_int=${BigInt.asIntN(32, word)}`, `si_ptr=${word === 0n ? "NULL" : raw(word, d)}`];
  };
  if (signo === SIGCHLD && code >= 1 && code <= 6) {
    fields.push(`si_code=${CLD_CODES(BigInt(code), d)}`, `si_pid=${i32(bytes, 16)}`, `si_uid=${i32(bytes, 20)}`);
    const status = i32(bytes, 24);
    fields.push(`si_status=${code === 1 ? status : sig(BigInt(status), d)}`);
    fields.push(`si_utime=${d ? VALUE_TOKEN : i64(bytes, 32)}`, `si_stime=${d ? VALUE_TOKEN : i64(bytes, 40)}`);
  } else if (code === 0 || code === -6) { // SI_USER, SI_TKILL
    fields.push(`si_code=${SI_CODES(BigInt(code), d)}`, `si_pid=${i32(bytes, 16)}`, `si_uid=${i32(bytes, 20)}`);
  } else if (code === -2) { // SI_TIMER
    fields.push(`si_code=SI_TIMER`, `si_timerid=${hex(BigInt(i32(bytes, 16) >>> 0))}`);
    fields.push(`si_overrun=${i32(bytes, 20)}`, ...value());
  } else if (code < 0) { // SI_QUEUE and the other codes of sigqueue-like senders
    fields.push(`si_code=${SI_CODES(BigInt(code), d)}`, `si_pid=${i32(bytes, 16)}`, `si_uid=${i32(bytes, 20)}`);
    fields.push(...value());
  } else fields.push(`si_code=${SI_CODES(BigInt(code), d)}`);
  return `{${fields.join(", ")}}`;
};
/** rt_sigtimedwait's siginfo: only when a signal was taken. */
const takenSiginfo: StructFormat = (bytes, call) =>
  call.result !== null && call.result > 0n ? siginfo(bytes, call) : undefined;

/** C escapes strace uses in strings. */
const ESCAPES: Record<number, string> = {
  0x22: '\\"',
  0x5c: "\\\\",
  0x0c: "\\f",
  0x0a: "\\n",
  0x0d: "\\r",
  0x09: "\\t",
  0x0b: "\\v",
};

/**
 * Bytes as strace quotes a string: printable ASCII as is, C escapes, other bytes in octal (`\33`), with three
 * digits when an octal digit follows (`\0331`) so that it reads back the same.
 */
function quote(bytes: Uint8Array): string {
  let text = '"';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    const next = bytes[i + 1];
    if (ESCAPES[c]) text += ESCAPES[c];
    else if (c >= 0x20 && c < 0x7f) text += String.fromCharCode(c);
    else text += `\\${c.toString(8).padStart(next >= 0x30 && next <= 0x37 ? 3 : 1, "0")}`;
  }
  return `${text}"`;
}
const path: StructFormat = (bytes, call) => {
  const text = quote(bytes);
  // umbra's own preload library (virtual time) sits in a per-user cache under its content hash.
  return call.d && UMBRA_PRELOAD.test(text) ? `"${PRELOAD_TOKEN}"` : text;
};
const UMBRA_PRELOAD = /\/libumbra_preload-[0-9a-f]{64}\.so"$/;
const PRELOAD_TOKEN = "<umbra preload library>";
/** What readlink wrote: only when the record has exactly the bytes its result counts. */
const written: StructFormat = (bytes, { result }) => result === BigInt(bytes.length) ? quote(bytes) : undefined;

const SIGACTION_SIZE = 32;
const SIGSET_SIZE = 8;
const SIGINFO_SIZE = 128;
const TIMESPEC_SIZE = 16;
const ITIMER_SIZE = 32;
const RUSAGE_SIZE = 144;
/** PATH_MAX, NUL included: strace prints paths up to it in full. */
const PATH_MAX = 4096;

const atEntry = (arg: number, size: number, format: StructFormat): StructArg => ({ arg, size, at: "entry", format });
const atExit = (arg: number, size: number, format: StructFormat): StructArg => ({ arg, size, at: "exit", format });
const whenInterrupted = (arg: number, size: number, format: StructFormat): StructArg => ({
  arg,
  size,
  at: "interrupted",
  format,
});
const pathAt = (arg: number): StructArg => ({ arg, size: PATH_MAX, at: "entry", kind: "string", format: path });

/** The most pointers of a `strings` capture counted (a longer array prints as that many). */
export const STRINGS_MAX_COUNT = 65536;
/** The most bytes of one string of a `strings` capture (longer ones are cut, as strace cuts with `...`). */
export const STRING_MAX = 4096;
/** Strings execve's argv prints in full before `...` (strace prints them all; a bound keeps lines sane). */
const ARGV_SHOWN = 64;

/** A `strings` capture: the count of pointers, and the strings copied. */
function strings(bytes: Uint8Array): { count: number; texts: Uint8Array[] } | undefined {
  if (bytes.length < 4) return undefined;
  const count = view(bytes).getUint32(0, true);
  const texts: Uint8Array[] = [];
  for (let at = 4; at < bytes.length;) {
    const end = bytes.indexOf(0, at);
    if (end < 0) break;
    texts.push(bytes.subarray(at, end));
    at = end + 1;
  }
  return { count, texts };
}
/** argv as strace prints it: `["sh", "-c", "echo hi"]` (more than were copied: `...` at the end). */
const argvList: StructFormat = (bytes) => {
  const list = strings(bytes);
  if (!list) return undefined;
  const items = list.texts.map(quote);
  return `[${items.join(", ")}${list.count > items.length ? (items.length > 0 ? ", ..." : "...") : ""}]`;
};
/** envp (argument `arg`) as strace prints it: the address, and how many variables. */
const envCount = (arg: number): StructFormat => (bytes, call) => {
  const list = strings(bytes);
  if (!list) return undefined;
  return `${raw(call.registers[arg], call.d)} /* ${list.count} var${list.count === 1 ? "" : "s"} */`;
};
const argvAt = (arg: number): StructArg => ({ arg, size: ARGV_SHOWN, at: "entry", kind: "strings", format: argvList });
const envAt = (arg: number): StructArg => ({ arg, size: 0, at: "entry", kind: "strings", format: envCount(arg) });
const linkAt = (arg: number): StructArg => ({ arg, size: PATH_MAX, at: "exit", kind: "result", format: written });

/** The structs behind pointer arguments, by syscall name. */
const STRUCT_ARGS = new Map<string, readonly StructArg[]>(Object.entries({
  rt_sigaction: [atEntry(1, SIGACTION_SIZE, sigaction), atExit(2, SIGACTION_SIZE, sigaction)],
  rt_sigprocmask: [atEntry(1, SIGSET_SIZE, sigsetArg), atExit(2, SIGSET_SIZE, sigsetArg)],
  rt_sigpending: [atExit(0, SIGSET_SIZE, sigsetArg)],
  rt_sigsuspend: [atEntry(0, SIGSET_SIZE, sigsetArg)],
  rt_sigtimedwait: [
    atEntry(0, SIGSET_SIZE, sigsetArg),
    atExit(1, SIGINFO_SIZE, takenSiginfo),
    atEntry(2, TIMESPEC_SIZE, timespec),
  ],
  signalfd: [atEntry(1, SIGSET_SIZE, sigsetArg)],
  signalfd4: [atEntry(1, SIGSET_SIZE, sigsetArg)],
  rt_sigqueueinfo: [atEntry(2, SIGINFO_SIZE, siginfo)],
  rt_tgsigqueueinfo: [atEntry(3, SIGINFO_SIZE, siginfo)],
  pidfd_send_signal: [atEntry(2, SIGINFO_SIZE, siginfo)],
  wait4: [atExit(1, 4, waitStatus), atExit(3, RUSAGE_SIZE, waitUsage)],
  waitid: [atExit(2, SIGINFO_SIZE, siginfo), atExit(4, RUSAGE_SIZE, waitidUsage)], // siginfo `{}`: WNOHANG, none
  getrusage: [atExit(1, RUSAGE_SIZE, rusage)],
  nanosleep: [atEntry(0, TIMESPEC_SIZE, timespec), whenInterrupted(1, TIMESPEC_SIZE, timespec)],
  clock_nanosleep: [atEntry(2, TIMESPEC_SIZE, timespec), whenInterrupted(3, TIMESPEC_SIZE, timeLeft)],
  clock_gettime: [atExit(1, TIMESPEC_SIZE, clockValue)],
  clock_getres: [atExit(1, TIMESPEC_SIZE, timespec)],
  clock_settime: [atEntry(1, TIMESPEC_SIZE, timespec)],
  gettimeofday: [atExit(0, TIMESPEC_SIZE, timeval)],
  setitimer: [atEntry(1, ITIMER_SIZE, itimervalIn), atExit(2, ITIMER_SIZE, itimervalOut)],
  getitimer: [atExit(1, ITIMER_SIZE, itimervalOut)],
  timer_settime: [atEntry(2, ITIMER_SIZE, itimerspecIn), atExit(3, ITIMER_SIZE, itimerspecOut)],
  timer_gettime: [atExit(1, ITIMER_SIZE, itimerspecOut)],
  timerfd_settime: [atEntry(2, ITIMER_SIZE, itimerspecIn), atExit(3, ITIMER_SIZE, itimerspecOut)],
  timerfd_gettime: [atExit(1, ITIMER_SIZE, itimerspecOut)],
  select: [atEntry(4, TIMESPEC_SIZE, timeval)],
  pselect6: [atEntry(4, TIMESPEC_SIZE, timespec)],
  ppoll: [atEntry(2, TIMESPEC_SIZE, timespec), atEntry(3, SIGSET_SIZE, sigsetArg)],
  epoll_pwait: [atEntry(4, SIGSET_SIZE, sigsetArg)],
  epoll_pwait2: [atEntry(3, TIMESPEC_SIZE, timespec), atEntry(4, SIGSET_SIZE, sigsetArg)],
  futex: [atEntry(3, TIMESPEC_SIZE, futexTimeout)],
  execve: [pathAt(0), argvAt(1), envAt(2)],
  execveat: [pathAt(1), argvAt(2), envAt(3)],
  open: [pathAt(0)],
  openat: [pathAt(1)],
  openat2: [pathAt(1)],
  stat: [pathAt(0)],
  lstat: [pathAt(0)],
  newfstatat: [pathAt(1)],
  statx: [pathAt(1)],
  utimensat: [pathAt(1)],
  futimesat: [pathAt(1)],
  utimes: [pathAt(0)],
  utime: [pathAt(0)],
  access: [pathAt(0)],
  faccessat: [pathAt(1)],
  faccessat2: [pathAt(1)],
  chdir: [pathAt(0)],
  readlink: [pathAt(0), linkAt(1)],
  readlinkat: [pathAt(1), linkAt(2)],
}));

const CAPTURES = new Map<number, readonly MemoryCapture[]>();

/**
 * The structs and strings strace logging reads for syscall `nr` (x86_64 number), so that {@linkcode formatSyscall}
 * can decode them: which pointer argument, how many bytes, and when (see {@linkcode CaptureTime}). Empty for most
 * syscalls.
 */
export function memoryCaptures(nr: number): readonly MemoryCapture[] {
  let captures = CAPTURES.get(nr);
  if (!captures) {
    captures = (STRUCT_ARGS.get(syscallName(nr)) ?? []).map(({ arg, size, at, kind }) =>
      kind ? { arg, size, at, kind } : { arg, size, at }
    );
    CAPTURES.set(nr, captures);
  }
  return captures;
}
