/**
 * What the kernel says of a thread's signals (/proc/<pid>/task/<tid>/status: pending, blocked,
 * caught, ignored): whether one would interrupt a call umbra holds the thread in.
 * @module
 */

import { defaultAction } from "../abi/signals.ts";
import type { Thread } from "../kernel/thread.ts";

/** A signal mask line of /proc/<pid>/task/<tid>/status (SigPnd, SigBlk, ...), 0 when absent. */
function statusMask(status: string, field: string): bigint {
  return BigInt(`0x${new RegExp(`^${field}:\\s*([0-9a-f]+)`, "m").exec(status)?.[1] ?? "0"}`);
}

function maskHas(status: string, field: string, signal: number): boolean {
  return ((statusMask(status, field) >> BigInt(signal - 1)) & 1n) === 1n;
}

/**
 * Whether `signal`, now pending, would interrupt `thread` in a blocking call: not blocked by the
 * thread, and caught, or fatal or stopping by default. (Read from the kernel's /proc view.)
 */
export function wouldInterrupt(readProc: (path: string) => string | null, thread: Thread, signal: number): boolean {
  const status = readProc(`${thread.process.common.nativePid}/task/${thread.nativeTid}/status`);
  if (status === null) return false;
  if (maskHas(status, "SigBlk", signal)) return false;
  if (maskHas(status, "SigCgt", signal)) return true;
  if (maskHas(status, "SigIgn", signal)) return false;
  const action = defaultAction(signal);
  return action === "terminate" || action === "core" || action === "stop";
}

/**
 * Whether some signal `thread` does not block is pending for it (its own queue or its
 * process's), per the kernel: then a call that returns ERESTARTSYS is handled or restarted by
 * the kernel, never seen by the program.
 */
export function unblockedPending(readProc: (path: string) => string | null, thread: Thread): boolean {
  const status = readProc(`${thread.process.common.nativePid}/task/${thread.nativeTid}/status`);
  if (status === null) return true; // gone: nothing to decide
  return unblockedMask(status) !== 0n;
}

function unblockedMask(status: string): bigint {
  return (statusMask(status, "SigPnd") | statusMask(status, "ShdPnd")) & ~statusMask(status, "SigBlk");
}

/** Signals pending for `thread` (its own queue or its process's) that it does not block, per the kernel. */
export function unblockedPendingSignals(readProc: (path: string) => string | null, thread: Thread): number[] {
  const status = readProc(`${thread.process.common.nativePid}/task/${thread.nativeTid}/status`);
  if (status === null) return [];
  const pending = unblockedMask(status);
  const signals: number[] = [];
  for (let signal = 1; signal <= 64; signal++) if ((pending >> BigInt(signal - 1)) & 1n) signals.push(signal);
  return signals;
}

/** The signals `thread` blocks, per the kernel (SigBlk), as a mask (bit n-1 for signal n); 0 when it is gone. */
export function blockedSignals(readProc: (path: string) => string | null, thread: Thread): bigint {
  const status = readProc(`${thread.process.common.nativePid}/task/${thread.nativeTid}/status`);
  return status === null ? 0n : statusMask(status, "SigBlk");
}
