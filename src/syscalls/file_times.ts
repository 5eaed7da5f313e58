/**
 * File times in virtual time (traced only then). The kernel stamps files from the real clock;
 * the stat family runs natively and, at its exit, the times it wrote are mapped to the virtual
 * clock (src/kernel/file_times.ts): a stamp the kernel gave during the run reads as the virtual
 * time of the mark before it, any other as it is. Nothing is written to any file. The utime
 * family is traced only so that its stop takes a mark: a UTIME_NOW stamp then reads as the
 * virtual time of the call itself, not of the program's last call umbra saw.
 * @module
 */

import type { ExitHook } from "../kernel/thread.ts";
import { type Handler, native, type SyscallContext } from "./context.ts";

/** struct stat (x86_64): st_atim, st_mtim, st_ctim, each a struct timespec (i64 sec, i64 nsec). */
const STAT_TIMES = { from: 72, length: 48, fields: [{ at: 0 }, { at: 16 }, { at: 32 }] } as const;

/** statx(2) mask bits of the times. */
const STATX_ATIME = 0x20;
const STATX_MTIME = 0x40;
const STATX_CTIME = 0x80;
const STATX_BTIME = 0x800;

/**
 * struct statx: stx_mask (u32) at 0; stx_atime, stx_btime, stx_ctime, stx_mtime from 64, each a
 * struct statx_timestamp (i64 sec, u32 nsec, i32 reserved); a time counts when stx_mask has it.
 */
const STATX_TIMES = {
  from: 0,
  length: 128,
  fields: [
    { at: 64, bit: STATX_ATIME },
    { at: 80, bit: STATX_BTIME },
    { at: 96, bit: STATX_CTIME },
    { at: 112, bit: STATX_MTIME },
  ],
} as const;

interface Layout {
  readonly from: number;
  readonly length: number;
  readonly fields: readonly { readonly at: number; readonly bit?: number }[];
}

const NS_PER_SECOND = 1_000_000_000n;

/** Runs the call natively; at its exit, the times in the struct at `address` read virtual. */
function mapped(context: SyscallContext, address: bigint, layout: Layout): ReturnType<Handler> {
  const exit: ExitHook = (result) => {
    if (result !== 0n) return result;
    const tid = context.thread.nativeTid;
    const bytes = context.memory.read(tid, address + BigInt(layout.from), layout.length);
    if (typeof bytes === "number") return result;
    const view = new DataView(bytes.buffer);
    const mask = layout === STATX_TIMES ? view.getUint32(0, true) : 0;
    const now = context.kernel.fileTimes.realNow();
    let changed = false;
    for (const { at, bit } of layout.fields) {
      if (bit !== undefined && (mask & bit) === 0) continue;
      const seconds = view.getBigInt64(at, true);
      const nanos = bit === undefined ? view.getBigInt64(at + 8, true) : BigInt(view.getUint32(at + 8, true));
      const time = context.kernel.fileTimes.toVirtual(seconds * NS_PER_SECOND + nanos, now);
      if (time === undefined) continue;
      view.setBigInt64(at, time / NS_PER_SECOND, true);
      if (bit === undefined) view.setBigInt64(at + 8, time % NS_PER_SECOND, true);
      else view.setUint32(at + 8, Number(time % NS_PER_SECOND), true);
      changed = true;
    }
    if (changed) context.memory.write(tid, address + BigInt(layout.from), bytes);
    return result;
  };
  return native(exit);
}

/** stat(2), lstat(2), fstat(2): the struct is argument 1. */
export const stat: Handler = (context) => mapped(context, context.args[1], STAT_TIMES);

/** newfstatat(2) (fstatat): the struct is argument 2. */
export const newfstatat: Handler = (context) => mapped(context, context.args[2], STAT_TIMES);

/** statx(2): the struct is argument 4; only the times its mask reports. */
export const statx: Handler = (context) => mapped(context, context.args[4], STATX_TIMES);

/**
 * utimensat(2), futimesat(2), utimes(2), utime(2): native. Traced so that the call's stop takes a
 * mark (the policy marks when the clock moved since the last one): the times it sets to now read
 * as the virtual time of this call.
 */
export const utimes: Handler = () => native();
