/**
 * signalfd(2): the kernel fills a signalfd record's ssi_pid with the native sender. umbra moves
 * every new signalfd to a descriptor in a small reserved range (dup3 + close run in the program),
 * where the seccomp filter traces read(2) and readv(2), and rewrites what a read returns:
 * virtual ids, or the exact siginfo of a signal umbra injected. dup(2) of a signalfd stays in the
 * range, as do fcntl F_DUPFD copies. Known gaps: the new descriptor's number is not the lowest
 * free one; a signalfd that cannot move (descriptor limit below the range, or all taken) and
 * copies made with dup2 or dup3 keep native ids.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { siginfoFields, userSiginfo } from "../abi/siginfo.ts";
import { SYS } from "../abi/syscalls.ts";
import type { Injection } from "../kernel/thread.ts";
import { type Handler, int, native, type SyscallContext } from "./context.ts";

/** The descriptors signalfds are moved to (below the usual 1024 soft limit). */
export const SIGNALFD_RANGE: readonly number[] = Array.from({ length: 16 }, (_, i) => 1000 + i);

const SFD_CLOEXEC = 0o2000000;
const O_CLOEXEC = 0o2000000;
const RECORD_SIZE = 128;

/** A free descriptor of the range in the calling process, or undefined. */
function freeSlot(context: SyscallContext): number | undefined {
  const tid = context.thread.nativeTid;
  return SIGNALFD_RANGE.find((fd) => context.native.readProcLink(`${tid}/fd/${fd}`) === null);
}

/** Moves the new signalfd `fd` into the range; the program sees the new number (or `fd`). */
function relocate(context: SyscallContext, fd: bigint, flags: number): bigint | Injection {
  const target = freeSlot(context);
  if (fd < 0n || target === undefined) return fd;
  const cloexec = (flags & SFD_CLOEXEC) !== 0;
  return {
    inject: { nr: SYS.dup3, args: [fd, BigInt(target), BigInt(cloexec ? O_CLOEXEC : 0), 0n, 0n, 0n] },
    then: (moved) => {
      if (moved !== BigInt(target)) return fd;
      return {
        inject: { nr: SYS.close, args: [fd, 0n, 0n, 0n, 0n, 0n] },
        then: () => {
          context.process.common.signalfds.set(target, cloexec);
          return BigInt(target);
        },
      };
    },
  };
}

/** signalfd4(2): a new signalfd (fd -1) is moved into the traced range. */
export const signalfd4: Handler = (context) => {
  if (int(context.args[0]) !== -1) return native();
  return native((result) => relocate(context, result, int(context.args[3])));
};

/** signalfd(2): as signalfd4 without flags. */
export const signalfd: Handler = (context) => {
  if (int(context.args[0]) !== -1) return native();
  return native((result) => relocate(context, result, 0));
};

/** Whether `fd` of the caller is a signalfd umbra placed (forgetting one the program closed). */
function isSignalfd(context: SyscallContext, fd: number): boolean {
  if (!context.process.common.signalfds.has(fd)) return false;
  const info = context.native.readProc(`${context.thread.nativeTid}/fdinfo/${fd}`);
  if (info !== null && /^sigmask:/m.test(info)) return true;
  context.process.common.signalfds.delete(fd); // closed and reused by the program
  return false;
}

/** Makes the whole signalfd records in `length` bytes at `address` virtual. */
function rewriteRecords(context: SyscallContext, address: bigint, length: number): void {
  if (length < RECORD_SIZE) return;
  const bytes = context.memory.read(context.thread.nativeTid, address, length - (length % RECORD_SIZE));
  if (typeof bytes === "number") return;
  for (let at = 0; at < bytes.length; at += RECORD_SIZE) virtualRecord(context, bytes.subarray(at, at + RECORD_SIZE));
  context.memory.write(context.thread.nativeTid, address, bytes);
}

/** read(2) on a descriptor of the range: records from a signalfd get virtual ids. */
export const read: Handler = (context) => {
  if (!isSignalfd(context, int(context.args[0]))) return native();
  return native((result) => {
    if (result === -BigInt(Errno.EFAULT)) context.native.lostSiginfo(context.thread); // dequeued, not written
    if (result > 0n) rewriteRecords(context, context.args[1], Number(result));
    return result;
  });
};

/** readv(2) on a descriptor of the range: each iovec's whole records get virtual ids. */
export const readv: Handler = (context) => {
  if (!isSignalfd(context, int(context.args[0]))) return native();
  const count = Math.min(Math.max(int(context.args[2]), 0), 1024);
  return native((result) => {
    const vectors = context.memory.read(context.thread.nativeTid, context.args[1], 16 * count);
    if (result <= 0n || typeof vectors === "number") return result;
    const view = new DataView(vectors.buffer);
    let left = Number(result);
    for (let i = 0; i < count && left > 0; i++) {
      const length = Math.min(Number(view.getBigUint64(16 * i + 8, true)), left);
      rewriteRecords(context, view.getBigUint64(16 * i, true), length);
      left -= length;
    }
    return result;
  });
};

/** fcntl(2) commands that duplicate a descriptor. */
export const F_DUPFD = 0;
/** fcntl(2) F_DUPFD_CLOEXEC. */
export const F_DUPFD_CLOEXEC = 1030;

/** Runs fcntl F_DUPFD[_CLOEXEC] from `lowest` and records a copy that lands in the range. */
function duplicateInRange(context: SyscallContext, command: number, lowest: number): ReturnType<Handler> {
  return {
    kind: "rewrite",
    nr: SYS.fcntl,
    args: [context.args[0], BigInt(command), BigInt(lowest), 0n, 0n, 0n],
    restore: true,
    exit: (result) => {
      if (SIGNALFD_RANGE.includes(Number(result))) {
        context.process.common.signalfds.set(Number(result), command === F_DUPFD_CLOEXEC);
      }
      return result;
    },
  };
}

/** dup(2) of a signalfd: the copy lands in the range too, so reads through it stay virtual. */
export const dup: Handler = (context) => {
  if (!isSignalfd(context, int(context.args[0]))) return native();
  return duplicateInRange(context, F_DUPFD, SIGNALFD_RANGE[0]);
};

/**
 * fcntl F_DUPFD / F_DUPFD_CLOEXEC of a signalfd: a lowest descriptor below the range is raised
 * to its start (still a descriptor >= the one asked for), so the copy stays virtual.
 */
export function duplicate(context: SyscallContext): ReturnType<Handler> {
  const lowest = int(context.args[2]);
  const last = SIGNALFD_RANGE[SIGNALFD_RANGE.length - 1];
  if (lowest > last || !isSignalfd(context, int(context.args[0]))) return native();
  return duplicateInRange(context, int(context.args[1]), Math.max(lowest, SIGNALFD_RANGE[0]));
}

/** Rewrites one struct signalfd_siginfo in place. */
function virtualRecord(context: SyscallContext, record: Uint8Array): void {
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const signo = view.getUint32(0, true);
  const native = userSiginfo(signo, view.getInt32(8, true), view.getUint32(12, true), view.getUint32(16, true));
  const replacement = context.native.virtualSiginfo(context.thread, signo, native);
  if (!replacement) return;
  const fields = siginfoFields(replacement);
  view.setInt32(8, fields.code, true);
  view.setUint32(12, fields.pid, true);
  view.setUint32(16, fields.uid, true);
  if (fields.code > 0) {
    // SIGCHLD codes: status and times come with it.
    view.setInt32(40, fields.status, true);
    view.setBigUint64(56, BigInt.asUintN(64, fields.utime), true);
    view.setBigUint64(64, BigInt.asUintN(64, fields.stime), true);
  }
}
