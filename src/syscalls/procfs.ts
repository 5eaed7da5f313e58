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
 *    that is no live process or thread of the host fails with ENOENT without running the call
 *    (zombies too: umbra reaps natively at once, so their native pid may be a host process's).
 * 2. After every successful open, the new descriptor's target (/proc/<tid>/fd/<fd>) must not be
 *    /proc/<n>[/...] for an n that is no live sandbox thread of the caller's host, nor a file of
 *    /proc's filesystem reached through another path (a bind mount): otherwise umbra closes it
 *    (close(2) injected into the program at the exit stop) and the call fails with ENOENT. This
 *    catches what the lexical step cannot see: symlinks, `/proc/self/../<n>`, `..` after a
 *    mapped pid, dirfds and working directories inside /proc.
 *
 * Limits: between the kernel installing a refused descriptor and umbra closing it, another thread
 * of the same process could use it (it would have to guess its number); a procfs mounted afresh
 * at another path (which needs CAP_SYS_ADMIN) is not recognised; stat, readlink, access, chdir and
 * execve on /proc paths are not checked (they reveal, they do not open); listing /proc shows host
 * pids, and file contents (Pid:, PPid:, stat) show native numbers.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { SYS } from "../abi/syscalls.ts";
import { concatBytes } from "../native/memory.ts";
import type { Process } from "../kernel/process.ts";
import type { ExitHook } from "../kernel/thread.ts";
import { fails, type Handler, int, native, type Outcome, type SyscallContext } from "./context.ts";

/** Longest path read from the program (PATH_MAX, NUL included). */
const PATH_MAX = 4096;
/** The x86_64 System V red zone below the stack pointer, which the program may be using. */
const RED_ZONE = 128n;
const AT_FDCWD = -100;
const SLASH = 0x2f;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** open(2): the path is argument 0, relative to the working directory. */
export const open: Handler = (context) => confine(context, 0, AT_FDCWD);

/** openat(2): the path is argument 1, relative to directory descriptor argument 0. */
export const openat: Handler = (context) => confine(context, 1, int(context.args[0]));

/** openat2(2): as openat. */
export const openat2: Handler = (context) => confine(context, 1, int(context.args[0]));

/** A path that names a pid directory of /proc, split into its parts. */
interface PidPath {
  /** Starts with `/proc`; otherwise relative to a directory that must be /proc. */
  absolute: boolean;
  /** The pid component: digits, or `self`. */
  pid: string;
  /** The task component after `task/`, if it is digits. */
  task: string | null;
  /** Everything after the last component taken (from its `/` on, or empty). */
  rest: Uint8Array;
}

function confine(context: SyscallContext, index: number, dirfd: number): Outcome {
  const check = native(postCheck(context));
  const path = context.memory.readCString(context.thread.nativeTid, context.args[index], PATH_MAX);
  if (typeof path === "number") return check; // a bad pointer or an overlong path: the kernel says so
  const parsed = parsePidPath(path);
  if (parsed === null) return check;
  if (!parsed.absolute && !relativeToProc(context, dirfd)) return check;
  if (parsed.pid === "self" && parsed.task === null) return check; // the kernel resolves it natively
  const target = resolve(context, parsed);
  if (target === null) return fails(Errno.ENOENT);
  const prefix = `${parsed.absolute ? "/proc/" : ""}${target}`;
  const rewritten = concatBytes(encoder.encode(prefix), parsed.rest);
  if (equalBytes(rewritten, path)) return check;
  const address = placeOnStack(context, rewritten);
  if (address === null) return fails(Errno.ENOMEM);
  const args = [...context.args];
  args[index] = address;
  return { kind: "rewrite", args, restore: true, exit: postCheck(context) };
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
  if (!/^\d+$/.test(pid) && !(absolute && pid === "self")) return null;
  let end = next.value.end;
  let task: string | null = null;
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

/** `<native pid>[/task/<native tid>]` for the parsed ids, or null when they name nothing in the sandbox. */
function resolve(context: SyscallContext, path: PidPath): string | null {
  let process: Process;
  let head: number;
  if (path.pid === "self") {
    process = context.process;
    head = process.common.nativePid;
  } else {
    const found = byVirtualId(context, path.pid);
    if (!found) return null;
    ({ process, native: head } = found);
  }
  if (path.task === null) return String(head);
  const tid = canonical(path.task);
  const thread = tid === null ? undefined : process.threads.get(tid);
  const task = thread?.nativeTid ?? (tid === process.id ? process.common.nativePid : null);
  return task === null ? null : `${head}/task/${task}`;
}

/** The live process or thread with virtual id `digits` on the caller's host, with its native id. */
function byVirtualId(context: SyscallContext, digits: string): { process: Process; native: number } | undefined {
  const id = canonical(digits);
  if (id === null) return undefined;
  const host = context.process.common.host;
  const process = context.kernel.process(host, id);
  if (process?.state.kind === "runnable") return { process, native: process.common.nativePid };
  for (const candidate of context.kernel.host(host).processes.values()) {
    const thread = candidate.threads.get(id);
    if (thread) return { process: candidate, native: thread.nativeTid };
  }
  return undefined;
}

/** A pid as the kernel parses a /proc name (no leading zeros, no overflow), or null. */
function canonical(digits: string): number | null {
  if (!/^(0|[1-9]\d{0,9})$/.test(digits)) return null;
  const value = Number(digits);
  return value <= 0x7fffffff ? value : null;
}

/**
 * Writes `path` and a NUL into the caller's stack below the red zone (16-byte aligned) and
 * returns its address; null when the stack pointer or the memory is out of reach.
 */
function placeOnStack(context: SyscallContext, path: Uint8Array): bigint | null {
  const tid = context.thread.nativeTid;
  // /proc/<tid>/syscall of a thread stopped in a syscall: "nr arg0 ... arg5 sp pc".
  const fields = context.native.readProc(`${tid}/syscall`)?.trim().split(" ");
  if (!fields || fields.length !== 9) return null;
  const sp = BigInt(fields[7]);
  const bytes = concatBytes(path, new Uint8Array(1));
  const address = (sp - RED_ZONE - BigInt(bytes.length)) & ~15n;
  return context.memory.write(tid, address, bytes) === 0 ? address : null;
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
