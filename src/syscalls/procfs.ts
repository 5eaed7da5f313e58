/**
 * /proc as a pid namespace that holds only the sandbox. Programs see virtual pids, but /proc is
 * the host's: `/proc/<getpid()>/status` would name whatever host process has that number, and
 * `/proc/<host pid>/mem` would reach a process outside the sandbox. Two layers:
 *
 * 1. At the entry of open(2), openat(2) and openat2(2), a path of the lexical form
 *    `/proc/<n>[/task/<m>][/rest]` (also relative to a directory descriptor or working directory
 *    that is /proc, and `/proc/self/task/<m>`) has its virtual ids mapped to the native pid/tid of
 *    the live sandbox process or thread on the caller's host. The new path is written into the
 *    caller's stack below the red zone (as PRoot does; the stack pointer comes from
 *    /proc/<tid>/syscall) and passed instead, the registers restored at the exit stop. A number
 *    that is no live process or thread of the host becomes 0, which names nothing, so the call
 *    fails as Linux fails it for a missing pid. A zombie's native pid is gone (umbra reaps
 *    natively at once; the number may be a host process's by now): its directory stands in as
 *    the reader's own, and its stat, status, comm and cmdline are made up (procfs_status.ts).
 * 2. After every successful open, the new descriptor's target (/proc/<tid>/fd/<fd>) must not be
 *    /proc/<n>[/...] for an n that is no live sandbox thread of the caller's host, nor a file of
 *    /proc's filesystem reached through another path (a bind mount): otherwise umbra closes it
 *    (close(2) injected into the program at the exit stop) and the call fails with ENOENT. This
 *    catches what the lexical step cannot see: symlinks, `/proc/self/../<n>`, `..` after a
 *    mapped pid, dirfds and working directories inside /proc.
 *
 * 3. stat, lstat, newfstatat, statx, access, faccessat(2), chdir, readlink and readlinkat map the
 *    path as in 1 (no descriptor to check), and the links /proc/self and /proc/thread-self read as
 *    the caller's virtual ids.
 *
 * 4. A plain read-only open of a stat or status file gets a copy with virtual ids
 *    (procfs_status.ts) in a memfd; listings are procfs_listing.ts's.
 *
 * Limits: between the kernel installing a refused descriptor and umbra closing it, another thread
 * of the same process could use it (it would have to guess its number); a procfs mounted afresh
 * at another path (which needs CAP_SYS_ADMIN) is not recognised; layer 3 is lexical only (a stat
 * through a symlink or with AT_EMPTY_PATH and a path reveals whether a host pid exists, it opens
 * nothing), and execve of a /proc path is not mapped; /proc/1 (umbra's init) does not exist;
 * file contents other than stat and status show native numbers.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { SYS } from "../abi/syscalls.ts";
import { concatBytes } from "../native/memory.ts";
import type { Process } from "../kernel/process.ts";
import type { ExitHook, Thread } from "../kernel/thread.ts";
import { ID_FILES, type Subject, virtualIdFile, ZOMBIE_FILES, zombieFile } from "./procfs_status.ts";
import { fails, type Handler, int, native, type Outcome, type SyscallContext } from "./context.ts";

/** Longest path read from the program (PATH_MAX, NUL included). */
const PATH_MAX = 4096;
/** The x86_64 System V red zone below the stack pointer, which the program may be using. */
const RED_ZONE = 128n;
const AT_FDCWD = -100;
/** Longest text of /proc/thread-self: `<pid>/task/<tid>` with 7-digit ids. */
const NATIVE_LINK_MAX = 32;
const SLASH = 0x2f;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** open(2): the path is argument 0, relative to the working directory. */
export const open: Handler = (context) => confine(context, 0, AT_FDCWD, context.args[1]);

/** openat(2): the path is argument 1, relative to directory descriptor argument 0. */
export const openat: Handler = (context) => confine(context, 1, int(context.args[0]), context.args[2]);

/** openat2(2): as openat. */
export const openat2: Handler = (context) => confine(context, 1, int(context.args[0]));

/** stat(2): the path is argument 0. */
export const stat: Handler = (context) => mapPath(context, 0, AT_FDCWD);

/** lstat(2): as stat. */
export const lstat: Handler = stat;

/** access(2): as stat. */
export const access: Handler = stat;

/** chdir(2): as stat (a working directory in a refused pid's directory would fail the next open anyway). */
export const chdir: Handler = stat;

/** newfstatat(2): the path is argument 1, relative to directory descriptor argument 0. */
export const newfstatat: Handler = (context) => mapPath(context, 1, int(context.args[0]));

/** statx(2): as newfstatat. */
export const statx: Handler = newfstatat;

/** faccessat(2): as newfstatat. */
export const faccessat: Handler = newfstatat;

/** faccessat2(2): as newfstatat. */
export const faccessat2: Handler = newfstatat;

/** readlink(2): path argument 0, buffer 1, size 2; /proc/self and /proc/thread-self read as virtual ids. */
export const readlink: Handler = (context) => readLink(context, 0, AT_FDCWD);

/** readlinkat(2): path argument 1 relative to directory descriptor 0, buffer 2, size 3. */
export const readlinkat: Handler = (context) => readLink(context, 1, int(context.args[0]));

/**
 * Flag values of newfstatat(2) (argument 3) that take a path: stat(2) and lstat(2) as glibc makes
 * them. AT_EMPTY_PATH (fstat) stays untraced, the hot case; with a non-empty path it goes unmapped.
 */
export const PATH_STAT_FLAGS: readonly number[] = [0, 0x100, 0x800, 0x900];

/** statx(2) flag values (argument 2) that take a path: PATH_STAT_FLAGS with each sync mode. */
export const PATH_STATX_FLAGS: readonly number[] = PATH_STAT_FLAGS.flatMap((flags) => [
  flags,
  flags | 0x2000, // AT_STATX_FORCE_SYNC
  flags | 0x4000, // AT_STATX_DONT_SYNC
]);

/** A path that names a pid directory of /proc, split into its parts. */
interface PidPath {
  /** Starts with `/proc`; otherwise relative to a directory that must be /proc. */
  absolute: boolean;
  /** The pid component: digits, `self` or `thread-self`. */
  pid: string;
  /** The task component after `task/`, if it is digits (never after thread-self). */
  task: string | null;
  /** Everything after the last component taken (from its `/` on, or empty). */
  rest: Uint8Array;
}

/**
 * An open: the path mapped, and the new descriptor checked at the exit stop. `flags` are its open
 * flags, when in a register (not openat2's).
 */
function confine(context: SyscallContext, index: number, dirfd: number, flags?: bigint): Outcome {
  return mapPath(context, index, dirfd, postCheck(context), flags);
}

/**
 * Maps the virtual ids of a /proc pid path in argument `index` (relative to `dirfd`) to native
 * ones: the call runs natively, on a rewritten path if need be, and ends with `exit`. An open for
 * reading (`flags`) of a stat or status file gets a virtual copy instead (see snapshot).
 */
function mapPath(
  context: SyscallContext,
  index: number,
  dirfd: number,
  exit?: ExitHook,
  flags?: bigint,
  path = readPath(context, index),
): Outcome {
  if (typeof path === "number") return native(exit); // a bad pointer or an overlong path: the kernel says so
  const parsed = parsePidPath(path);
  if (parsed === null) return native(exit);
  if (!parsed.absolute && !relativeToProc(context, dirfd)) return native(exit);
  const file = flags !== undefined && (flags & NOT_PLAIN_READ) === 0n ? idFile(parsed.rest) : null;
  // The kernel resolves these by itself, unless umbra must show a file's ids.
  if ((parsed.pid === "self" && parsed.task === null || parsed.pid === "thread-self") && file === null) {
    return native(exit);
  }
  const target = resolve(context, parsed);
  const cloexec = flags !== undefined && (flags & O_CLOEXEC) !== 0n;
  if (target?.zombie) return zombie(context, index, path, parsed, target, exit, flags);
  if (target !== null && file !== null) {
    const text = context.native.readProc(`${target.path}/${file}`);
    const shown = text === null ? null : virtualIdFile(file, text, target.subject, context.thread);
    const copy = shown === null ? null : snapshot(context, shown, file, cloexec);
    if (copy !== null) return copy;
  }
  // A pid the sandbox lacks becomes /proc/0, which never exists: the kernel checks the call's other
  // arguments first and then fails the lookup, as for any missing name.
  return rewrite(context, index, path, parsed, target?.path ?? MISSING, exit);
}

/**
 * A zombie's /proc directory (its native one is gone): stat, status, comm and cmdline opened for
 * reading are made up (procfs_status.ts); the directory itself and those files otherwise stand in
 * as the reader's own (a stat, an access), and its other files are missing.
 */
function zombie(
  context: SyscallContext,
  index: number,
  path: Uint8Array,
  parsed: PidPath,
  target: Resolved,
  exit: ExitHook | undefined,
  flags: bigint | undefined,
): Outcome {
  const names = [...componentsOf(parsed.rest)].map((component) => component.name);
  const file = names.length === 1 && ZOMBIE_FILES.includes(names[0]) ? names[0] : null;
  if (file !== null && flags !== undefined && (flags & NOT_PLAIN_READ) === 0n) {
    const credentials = (context.native.readProc(`${context.thread.nativeTid}/status`) ?? "").split("\n")
      .filter((line) => line.startsWith("Uid:") || line.startsWith("Gid:"));
    const text = zombieFile(file, target.subject.process, credentials);
    const copy = snapshot(context, text, file, (flags & O_CLOEXEC) !== 0n);
    if (copy !== null) return copy;
  }
  return rewrite(context, index, path, parsed, names.length === 0 || file !== null ? target.path : MISSING, exit);
}

/** The call on `path` with its pid part replaced by `head` (native ids), the rest kept. */
function rewrite(
  context: SyscallContext,
  index: number,
  path: Uint8Array,
  parsed: PidPath,
  head: string,
  exit: ExitHook | undefined,
): Outcome {
  const prefix = `${parsed.absolute ? "/proc/" : ""}${head}`;
  const rewritten = concatBytes(encoder.encode(prefix), parsed.rest);
  if (equalBytes(rewritten, path)) return native(exit);
  const address = placeOnStack(context, rewritten);
  if (address === null) return fails(Errno.ENOMEM);
  const args = [...context.args];
  args[index] = address;
  return { kind: "rewrite", args, restore: true, exit };
}

/** The path in argument `index`, or -errno when the kernel could not read it either. */
function readPath(context: SyscallContext, index: number): Uint8Array | number {
  return context.memory.readCString(context.thread.nativeTid, context.args[index], PATH_MAX);
}

/** A /proc entry no process has. */
const MISSING = "0";

/** Open flags that make an open other than a plain read: O_WRONLY, O_RDWR, O_PATH, O_DIRECTORY, O_CREAT. */
const NOT_PLAIN_READ = 0o3n | 0o10000000n | 0o200000n | 0o100n;
const O_CLOEXEC = 0o2000000n;
const MFD_CLOEXEC = 1n;
const SEEK_SET = 0n;

/** The stat or status file `rest` names (`/stat`, `//status`, ...), or null. */
function idFile(rest: Uint8Array): string | null {
  const names = [...componentsOf(rest)].map((component) => component.name);
  return names.length === 1 && ID_FILES.includes(names[0]) ? names[0] : null;
}

/**
 * Opens `shown` as the text of /proc file `file`: the open becomes memfd_create, and the text is
 * written into it and rewound by calls injected at its exit. The text goes on the caller's stack
 * first. Null when the stack is out of reach (the open then runs as usual).
 */
function snapshot(context: SyscallContext, shown: string, file: string, cloexec: boolean): Outcome | null {
  const name = encoder.encode(file);
  const skip = (name.length + 16) & ~15; // the name, its NUL, then the text 16-byte aligned
  const content = encoder.encode(shown);
  const block = new Uint8Array(skip + content.length);
  block.set(name);
  block.set(content, skip);
  const address = placeOnStack(context, block);
  if (address === null) return null;
  const length = BigInt(content.length);
  const at = address + BigInt(skip);
  return {
    kind: "rewrite",
    nr: SYS.memfd_create,
    args: [address, cloexec ? MFD_CLOEXEC : 0n, 0n, 0n, 0n, 0n],
    restore: true,
    exit: (fd) => {
      if (fd < 0n) return fd;
      return {
        inject: { nr: SYS.write, args: [fd, at, length, 0n, 0n, 0n] },
        then: () => ({ inject: { nr: SYS.lseek, args: [fd, 0n, SEEK_SET, 0n, 0n, 0n] }, then: () => fd }),
      };
    },
  };
}

/**
 * readlink(2) and readlinkat(2): the path is mapped; the links /proc/self and /proc/thread-self
 * read as the caller's virtual pid (`<pid>/task/<tid>`), cut to the buffer's size as Linux does.
 */
function readLink(context: SyscallContext, index: number, dirfd: number): Outcome {
  const path = readPath(context, index);
  const link = typeof path === "number" ? null : selfLink(context, path, dirfd);
  if (link === null) return mapPath(context, index, dirfd, undefined, undefined, path);
  const { process, thread, memory } = context;
  const [buffer, size] = [context.args[index + 1], Number(BigInt.asIntN(32, context.args[index + 2]))];
  const text = encoder.encode(link === "self" ? `${process.id}` : `${process.id}/task/${thread.id}`);
  // The native link text may be longer: the bytes it covers past the virtual one get their old values back.
  const before = size > 0 ? memory.read(thread.nativeTid, buffer, Math.min(size, NATIVE_LINK_MAX)) : null;
  return native((result) => {
    if (result < 0n || before === null || typeof before === "number") return result;
    const length = Math.min(text.length, size);
    const bytes = before.slice(0, Math.max(Number(result), length));
    bytes.set(text.subarray(0, length));
    if (memory.write(thread.nativeTid, buffer, bytes) !== 0) return -BigInt(Errno.EFAULT);
    return BigInt(length);
  });
}

/** Which of /proc's own links `path` (relative to `dirfd`) names: the link itself, not a path through it. */
function selfLink(context: SyscallContext, path: Uint8Array, dirfd: number): "self" | "thread-self" | null {
  const names = [...componentsOf(path)].map((component) => component.name);
  const last = names.at(-1);
  if (path.at(-1) === SLASH || (last !== "self" && last !== "thread-self")) return null;
  if (path[0] === SLASH) return names.length === 2 && names[0] === "proc" ? last : null;
  return names.length === 1 && relativeToProc(context, dirfd) ? last : null;
}

/**
 * Splits `/proc/<pid>[/task/<tid>][rest]` (or, relative, `<pid>[/task/<tid>][rest]`), skipping
 * empty and `.` components lexically; null for any other path.
 */
function parsePidPath(path: Uint8Array): PidPath | null {
  const absolute = path[0] === SLASH;
  const components = componentsOf(path);
  let next = components.next();
  if (absolute) {
    if (next.done || next.value.name !== "proc") return null;
    next = components.next();
  }
  if (next.done) return null;
  const pid = next.value.name;
  if (!/^\d+$/.test(pid) && !(absolute && (pid === "self" || pid === "thread-self"))) return null;
  let end = next.value.end;
  let task: string | null = null;
  if (pid === "thread-self") return { absolute, pid, task, rest: path.subarray(end) };
  const taskDirectory = components.next();
  if (!taskDirectory.done && taskDirectory.value.name === "task") {
    const tid = components.next();
    if (!tid.done && /^\d+$/.test(tid.value.name)) {
      task = tid.value.name;
      end = tid.value.end;
    }
  }
  return { absolute, pid, task, rest: path.subarray(end) };
}

/** The components of `path` with the offset just past each, without empty and `.` ones. */
function* componentsOf(path: Uint8Array): Generator<{ name: string; end: number }> {
  let at = 0;
  while (at < path.length) {
    while (at < path.length && path[at] === SLASH) at++;
    const start = at;
    while (at < path.length && path[at] !== SLASH) at++;
    if (at === start) return;
    const name = decoder.decode(path.subarray(start, at));
    if (name !== ".") yield { name, end: at };
  }
}

/** Whether directory descriptor `dirfd` of the caller (or its working directory) is /proc. */
function relativeToProc(context: SyscallContext, dirfd: number): boolean {
  const tid = context.thread.nativeTid;
  const link = context.native.readProcLink(dirfd === AT_FDCWD ? `${tid}/cwd` : `${tid}/fd/${dirfd}`);
  return link === "/proc";
}

/** Where parsed ids lead: `<native pid>[/task/<native tid>]`, and the process or thread its files describe. */
interface Resolved {
  path: string;
  subject: Subject;
  /** The pid is a zombie's: `path` is the reader's own directory, to stand in for the gone one. */
  zombie?: true;
}

/** The native path for the parsed ids, or null when they name nothing in the sandbox. */
function resolve(context: SyscallContext, path: PidPath): Resolved | null {
  let process: Process;
  let head: number;
  let named: Thread | null = null;
  if (path.pid === "self" || path.pid === "thread-self") {
    process = context.process;
    head = process.common.nativePid;
  } else {
    const found = byVirtualId(context, path.pid);
    if (!found) {
      const id = canonical(path.pid);
      const dead = id === null ? undefined : context.kernel.process(context.process.common.host, id);
      if (dead?.state.kind !== "zombie" || path.task !== null) return null;
      return { path: String(context.process.common.nativePid), subject: { process: dead, thread: null }, zombie: true };
    }
    ({ process, native: head, thread: named } = found);
  }
  if (path.pid === "thread-self") {
    return { path: `${head}/task/${context.thread.nativeTid}`, subject: { process, thread: context.thread } };
  }
  if (path.task === null) return { path: String(head), subject: { process, thread: named } };
  const tid = canonical(path.task);
  const thread = tid === null ? undefined : process.threads.get(tid);
  if (thread) return { path: `${head}/task/${thread.nativeTid}`, subject: { process, thread } };
  // The process's own id names its first thread's directory even after that thread ended.
  return tid === process.id ? { path: `${head}/task/${head}`, subject: { process, thread: null } } : null;
}

/**
 * The live process or thread with virtual id `digits` on the caller's host, with its native id;
 * `thread` is set when the id is a thread's other than the process's own.
 */
function byVirtualId(
  context: SyscallContext,
  digits: string,
): { process: Process; native: number; thread: Thread | null } | undefined {
  const id = canonical(digits);
  if (id === null) return undefined;
  const host = context.process.common.host;
  const process = context.kernel.process(host, id);
  if (process?.state.kind === "runnable") return { process, native: process.common.nativePid, thread: null };
  const thread = context.kernel.threadById(host, id);
  return thread && { process: thread.process, native: thread.nativeTid, thread };
}

/** A pid as the kernel parses a /proc name (no leading zeros, no overflow), or null. */
function canonical(digits: string): number | null {
  if (!/^(0|[1-9]\d{0,9})$/.test(digits)) return null;
  const value = Number(digits);
  return value <= 0x7fffffff ? value : null;
}

/**
 * Where `length` bytes fit in the caller's stack below the red zone (16-byte aligned): scratch
 * memory for a call umbra rewrites; null when the stack pointer is out of reach.
 */
export function stackScratch(context: SyscallContext, length: number): bigint | null {
  // /proc/<tid>/syscall of a thread stopped in a syscall: "nr arg0 ... arg5 sp pc".
  const fields = context.native.readProc(`${context.thread.nativeTid}/syscall`)?.trim().split(" ");
  if (!fields || fields.length !== 9) return null;
  return (BigInt(fields[7]) - RED_ZONE - BigInt(length)) & ~15n;
}

/** Writes `path` and a NUL into stack scratch; returns its address, or null when out of reach. */
function placeOnStack(context: SyscallContext, path: Uint8Array): bigint | null {
  const bytes = concatBytes(path, new Uint8Array(1));
  const address = stackScratch(context, bytes.length);
  return address !== null && context.memory.write(context.thread.nativeTid, address, bytes) === 0 ? address : null;
}

/**
 * The exit hook of every open: a descriptor that reaches a pid directory outside the sandbox is
 * closed in the program and the call fails with ENOENT.
 */
function postCheck(context: SyscallContext): ExitHook {
  return (result) => {
    if (result < 0n || reachable(context, Number(result))) return result;
    return {
      inject: { nr: SYS.close, args: [result, 0n, 0n, 0n, 0n, 0n] },
      then: () => -BigInt(Errno.ENOENT),
    };
  };
}

const PID_DIRECTORY = /^\/proc\/(\d+)(?:\/|$)/;

/** Whether descriptor `fd` the caller just opened stays inside the sandbox's view of /proc. */
function reachable(context: SyscallContext, fd: number): boolean {
  const link = `${context.thread.nativeTid}/fd/${fd}`;
  const target = context.native.readProcLink(link);
  if (target === null) return true; // already closed by another thread: nothing to check
  const pid = PID_DIRECTORY.exec(target);
  if (pid) return context.kernel.thread(Number(pid[1]))?.process.common.host === context.process.common.host;
  if (target === "/proc" || target.startsWith("/proc/")) return true;
  return !context.native.onProcfs(link);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
