/**
 * Signals umbra sends with an exact siginfo: the siginfo waits here until the target's
 * signal-delivery stop, where the tracer swaps it in. Standard signals coalesce (the first
 * siginfo stays), realtime ones queue, as in the kernel.
 * @module
 */

import { defaultAction, SIGRTMIN } from "../abi/signals.ts";
import type { Thread } from "../kernel/thread.ts";

/** Injected signals not yet delivered, per process and signal. */
export class PendingSignals {
  readonly #pending = new Map<number, Map<number, Uint8Array[]>>();

  /** Records `siginfo`; false when a standard signal of that number is already pending. */
  add(pid: number, signal: number, siginfo: Uint8Array): boolean {
    let bySignal = this.#pending.get(pid);
    if (!bySignal) this.#pending.set(pid, bySignal = new Map());
    const queue = bySignal.get(signal) ?? [];
    if (signal < SIGRTMIN && queue.length > 0) return false;
    queue.push(siginfo.slice());
    bySignal.set(signal, queue);
    return true;
  }

  /** The oldest injected siginfo for `signal`, removed. */
  take(pid: number, signal: number): Uint8Array | undefined {
    const queue = this.#pending.get(pid)?.get(signal);
    const siginfo = queue?.shift();
    if (queue?.length === 0) this.#pending.get(pid)!.delete(signal);
    return siginfo;
  }

  /** Drops everything of a process that ended. */
  forget(pid: number): void {
    this.#pending.delete(pid);
  }
}

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

/** Whether `signal` is pending for `thread` (its own queue or its process's), per the kernel. */
export function pendingNatively(readProc: (path: string) => string | null, thread: Thread, signal: number): boolean {
  const status = readProc(`${thread.process.common.nativePid}/task/${thread.nativeTid}/status`);
  return status !== null && (maskHas(status, "SigPnd", signal) || maskHas(status, "ShdPnd", signal));
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
