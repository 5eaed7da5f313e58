/**
 * signalfd(2): the kernel fills a signalfd record's ssi_pid with the native sender. umbra moves
 * every new signalfd to a descriptor in a small reserved range (dup3 + close run in the program),
 * where the seccomp filter traces read(2), and rewrites what a read returns: virtual ids, or the
 * exact siginfo of a signal umbra injected. A signalfd that cannot move (descriptor limit below
 * the range, or all taken) keeps its place and native ids.
 * @module
 */

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

/** read(2) on a descriptor of the range: records from a signalfd get virtual ids. */
export const read: Handler = (context) => {
  const fd = int(context.args[0]);
  if (!context.process.common.signalfds.has(fd)) return native();
  const info = context.native.readProc(`${context.thread.nativeTid}/fdinfo/${fd}`);
  if (info === null || !/^sigmask:/m.test(info)) {
    context.process.common.signalfds.delete(fd); // closed and reused by the program
    return native();
  }
  const buffer = context.args[1];
  return native((result) => {
    if (result < BigInt(RECORD_SIZE)) return result;
    const bytes = context.memory.read(context.thread.nativeTid, buffer, Number(result));
    if (typeof bytes === "number") return result;
    for (let at = 0; at + RECORD_SIZE <= bytes.length; at += RECORD_SIZE) {
      virtualRecord(context, bytes.subarray(at, at + RECORD_SIZE));
    }
    context.memory.write(context.thread.nativeTid, buffer, bytes);
    return result;
  });
};

/** Rewrites one struct signalfd_siginfo in place. */
function virtualRecord(context: SyscallContext, record: Uint8Array): void {
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const signo = view.getUint32(0, true);
  const native = userSiginfo(signo, view.getInt32(8, true), view.getUint32(12, true), view.getUint32(16, true));
  const replacement = context.native.virtualSiginfo(context.process, signo, native);
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
