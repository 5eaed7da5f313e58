/**
 * Listing /proc as a pid namespace that holds only the sandbox shows (see procfs.ts for paths):
 * getdents64(2) and getdents(2) on a descriptor of /proc keep the entries of the caller's host's
 * live processes, renamed to their virtual pids, and drop every other pid; on
 * /proc/<pid>/task the threads' virtual tids. So `ls /proc`, pgrep and pidof find sandbox
 * processes by the pids the sandbox knows, and nothing of the host.
 *
 * The records are rewritten in the program's buffer at the exit stop. A batch whose entries were
 * all dropped is not returned as such (0 would mean the end of the directory): the call starts
 * again. A renamed batch that no longer fits the buffer (a virtual id longer than the native one)
 * returns what fits and seeks the directory back to the first record left out; a small buffer
 * (which a longer native id might not fit) is replaced by stack scratch. Zombies have
 * no native entries (umbra reaps natively at once): they are listed after the native end.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { SYS } from "../abi/syscalls.ts";
import type { Process } from "../kernel/process.ts";
import type { ExitHook } from "../kernel/thread.ts";
import { concatBytes } from "../native/memory.ts";
import { type Handler, int, native, type SyscallContext } from "./context.ts";
import { stackScratch } from "./procfs.ts";

/** The layout of one directory record: linux_dirent64 or the legacy linux_dirent. */
interface RecordLayout {
  /** Offset of d_name. */
  name: number;
  /** Bytes after the name's NUL (the legacy record keeps d_type in its last byte). */
  trailer: number;
}

/** linux_dirent64: d_ino u64, d_off s64, d_reclen u16, d_type u8, d_name. */
const DIRENT64: RecordLayout = { name: 19, trailer: 0 };
/** linux_dirent: d_ino, d_off (unsigned long), d_reclen u16, d_name, NUL, pad, d_type. */
const DIRENT: RecordLayout = { name: 18, trailer: 1 };

const OFFSET_D_OFF = 8;
const OFFSET_D_RECLEN = 16;
const SEEK_SET = 0n;
const SEEK_CUR = 1n;
/** Stack scratch for the batch of a call with a smaller buffer than this. */
const SCRATCH_SIZE = 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** getdents64(2): descriptor argument 0, buffer 1, size 2. */
export const getdents64: Handler = (context) => listing(context, DIRENT64);

/** getdents(2): as getdents64, with the legacy record layout. */
export const getdents: Handler = (context) => listing(context, DIRENT);

/** What a /proc directory lists by number: processes (/proc) or one process's threads (task). */
type Scope = { kind: "processes" } | { kind: "threads"; process: Process };

function listing(context: SyscallContext, layout: RecordLayout): ReturnType<Handler> {
  const fd = int(context.args[0]);
  const scope = scopeOf(context, fd);
  if (scope === null) return native();
  const size = Number(BigInt.asUintN(32, context.args[2]));
  // A small buffer may be too small for a native record whose renamed one fits: the kernel reads
  // into stack scratch instead, from the position the directory is at now.
  const position = size < SCRATCH_SIZE ? positionOf(context, fd) : null;
  const scratch = position === null ? null : stackScratch(context, SCRATCH_SIZE);
  const hook = rewrite(context, layout, scope, scratch === null ? null : { scratch, position: position! });
  if (scratch === null) return native(hook);
  const args = [...context.args];
  args[1] = scratch;
  args[2] = BigInt(SCRATCH_SIZE);
  return { kind: "rewrite", args, restore: true, exit: hook };
}

/** The file position of descriptor `fd` of the caller (from /proc fdinfo), or null. */
function positionOf(context: SyscallContext, fd: number): bigint | null {
  const position = /^pos:\s*(\d+)/m.exec(context.native.readProc(`${context.thread.nativeTid}/fdinfo/${fd}`) ?? "");
  return position ? BigInt(position[1]) : null;
}

const TASK_DIRECTORY = /^\/proc\/(\d+)\/task$/;

/** Whether descriptor `fd` of the caller is /proc or a sandbox process's task directory. */
function scopeOf(context: SyscallContext, fd: number): Scope | null {
  const target = context.native.readProcLink(`${context.thread.nativeTid}/fd/${fd}`);
  if (target === "/proc") return { kind: "processes" };
  const task = target === null ? null : TASK_DIRECTORY.exec(target);
  const process = task ? context.kernel.thread(Number(task[1]))?.process : undefined;
  return process ? { kind: "threads", process } : null;
}

/**
 * The exit hook: renames and drops records; a batch that drops all runs the call again (0 would
 * end the listing); a batch that does not all fit seeks back to the first record left out. With
 * `small`, the kernel wrote into scratch, and a first record that does not fit the program's
 * buffer is EINVAL with the position put back, as Linux leaves it. Only lseek is injected: the
 * filter traces getdents itself.
 */
function rewrite(
  context: SyscallContext,
  layout: RecordLayout,
  scope: Scope,
  small: { scratch: bigint; position: bigint } | null,
): ExitHook {
  const [fd, buffer, size] = [context.args[0], context.args[1], Number(BigInt.asUintN(32, context.args[2]))];
  const tid = context.thread.nativeTid;
  const seek = (to: bigint, then: ExitHook) => ({
    inject: { nr: SYS.lseek, args: [fd, to, SEEK_SET, 0n, 0n, 0n] },
    then,
  });
  const hook: ExitHook = (result) => {
    if (result === 0n && scope.kind === "processes") {
      return { inject: { nr: SYS.lseek, args: [fd, 0n, SEEK_CUR, 0n, 0n, 0n] }, then: (at) => zombies(at) };
    }
    if (result <= 0n) return result;
    const bytes = context.memory.read(tid, small?.scratch ?? buffer, Number(result));
    if (typeof bytes === "number") return -BigInt(Errno.EFAULT);
    const filtered = filter(context, layout, scope, bytes, size);
    if (filtered === "too small") {
      return small ? seek(small.position, () => -BigInt(Errno.EINVAL)) : -BigInt(Errno.EINVAL);
    }
    const { kept, resumeAt } = filtered;
    if (kept.length === 0 && resumeAt === null) return { restart: true };
    if (context.memory.write(tid, buffer, kept) !== 0) return -BigInt(Errno.EFAULT);
    const length = BigInt(kept.length);
    return resumeAt === null ? length : seek(resumeAt, () => length);
  };
  /** At the native end: the zombies not listed yet (positions past ZOMBIES_AT count them), then the end. */
  const zombies = (at: bigint): ReturnType<ExitHook> => {
    const listed = at >= ZOMBIES_AT ? Number(at - ZOMBIES_AT) : 0;
    const host = context.kernel.host(context.process.common.host);
    const dead = [...host.processes.values()].filter((process) => process.state.kind === "zombie").slice(listed);
    const records: Uint8Array[] = [];
    let length = 0;
    for (const [i, process] of dead.entries()) {
      const record = zombieRecord(layout, String(process.id), ZOMBIES_AT + BigInt(listed + i + 1));
      if (length + record.length > size) break;
      records.push(record);
      length += record.length;
    }
    if (records.length === 0) return dead.length === 0 ? 0n : -BigInt(Errno.EINVAL); // none fits: as Linux
    if (context.memory.write(tid, buffer, concatBytes(...records)) !== 0) return -BigInt(Errno.EFAULT);
    const next = ZOMBIES_AT + BigInt(listed + records.length);
    return { inject: { nr: SYS.lseek, args: [fd, next, SEEK_SET, 0n, 0n, 0n] }, then: () => BigInt(length) };
  };
  return hook;
}

/**
 * Where /proc's listing goes on with the zombies (they have no native entries left): a position
 * past every pid (PID_MAX_LIMIT), at which the kernel lists nothing, plus how many were listed.
 */
const ZOMBIES_AT = 1n << 30n;
const DT_DIR = 4;

/** A directory record for a zombie's pid directory, at directory position `offset`. */
function zombieRecord(layout: RecordLayout, name: string, offset: bigint): Uint8Array {
  const encoded = encoder.encode(name);
  const length = (layout.name + encoded.length + 1 + layout.trailer + 7) & ~7;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, offset, true); // d_ino: any non-zero number
  view.setBigInt64(OFFSET_D_OFF, offset, true);
  view.setUint16(OFFSET_D_RECLEN, length, true);
  out.set(encoded, layout.name);
  if (layout.trailer > 0) out[length - 1] = DT_DIR;
  else out[layout.name - 1] = DT_DIR;
  return out;
}

/**
 * The records of `bytes` to show, renamed, within `size` bytes; `resumeAt` is the directory
 * position of the first record left out for want of room (null when all fitted).
 */
function filter(
  context: SyscallContext,
  layout: RecordLayout,
  scope: Scope,
  bytes: Uint8Array,
  size: number,
): { kept: Uint8Array; resumeAt: bigint | null } | "too small" {
  // A renamed record grows by 8 bytes at most, and the smallest record has 24.
  const out = new Uint8Array(Math.min(size, bytes.length * 2));
  const input = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let length = 0;
  let previousOffset: bigint | null = null;
  for (let at = 0; at + layout.name <= bytes.length;) {
    const recordLength = input.getUint16(at + OFFSET_D_RECLEN, true);
    if (recordLength < layout.name || at + recordLength > bytes.length) break; // not a record: leave the rest
    const record = bytes.subarray(at, at + recordLength);
    const nameEnd = record.indexOf(0, layout.name);
    const name = decoder.decode(record.subarray(layout.name, nameEnd < 0 ? record.length : nameEnd));
    const shown = /^\d+$/.test(name) ? virtualName(context, scope, Number(name)) : name;
    if (shown !== null) {
      const renamed = shown === name ? record : renamedRecord(record, layout, shown);
      if (length + renamed.length > size) {
        // Nothing fits: Linux's EINVAL (the record is lost, its position before this batch being unknown here).
        if (previousOffset === null) return "too small";
        return { kept: out.subarray(0, length), resumeAt: previousOffset };
      }
      out.set(renamed, length);
      length += renamed.length;
    }
    previousOffset = input.getBigInt64(at + OFFSET_D_OFF, true);
    at += recordLength;
  }
  return { kept: out.subarray(0, length), resumeAt: null };
}

/** The virtual id a numbered entry shows as, or null when it must not show. */
function virtualName(context: SyscallContext, scope: Scope, nativeId: number): string | null {
  const thread = context.kernel.thread(nativeId);
  if (!thread) return null;
  if (scope.kind === "threads") return thread.process === scope.process ? String(thread.id) : null;
  const process = thread.process;
  const visible = process.common.nativePid === nativeId && process.state.kind === "runnable" &&
    process.common.host === context.process.common.host;
  return visible ? String(process.id) : null;
}

/** `record` with its name replaced by `name` (d_ino, d_off and d_type kept), its length recomputed. */
function renamedRecord(record: Uint8Array, layout: RecordLayout, name: string): Uint8Array {
  const encoded = encoder.encode(name);
  const length = (layout.name + encoded.length + 1 + layout.trailer + 7) & ~7;
  const out = new Uint8Array(length);
  out.set(record.subarray(0, layout.name));
  out.set(encoded, layout.name);
  new DataView(out.buffer).setUint16(OFFSET_D_RECLEN, length, true);
  if (layout.trailer > 0) out[length - 1] = record[record.length - 1];
  return out;
}
