/**
 * Signals umbra sends with an exact siginfo: the siginfo waits here until the target's
 * signal-delivery stop (or a sigtimedwait, a signalfd read), where it is swapped in. Each record
 * sits in the queue the kernel put the signal in: a thread's own or its process's. A standard
 * signal is recorded only when the kernel really queued it (one of that number was not pending
 * there already), so records and the kernel's pending sets agree; realtime ones queue.
 * @module
 */

import { defaultAction, SIGRTMIN } from "../abi/signals.ts";
import type { Thread } from "../kernel/thread.ts";

/** The queue a signal waits in: a thread's own (its virtual tid) or its process's (SHARED). */
export type SignalQueue = number;
/** The process-wide queue. */
export const SHARED: SignalQueue = 0;

/** Injected signals not yet taken, per process, queue and signal. */
export class PendingSignals {
  readonly #pending = new Map<number, Map<string, Uint8Array[]>>();

  /** Records `siginfo`, queued by the kernel in `queue` of process `pid`. */
  add(pid: number, queue: SignalQueue, signal: number, siginfo: Uint8Array): void {
    let byKey = this.#pending.get(pid);
    if (!byKey) this.#pending.set(pid, byKey = new Map());
    const key = `${queue}:${signal}`;
    byKey.set(key, [...byKey.get(key) ?? [], siginfo.slice()]);
  }

  /** The oldest record for `signal` in `queue`, removed. */
  take(pid: number, queue: SignalQueue, signal: number): Uint8Array | undefined {
    const byKey = this.#pending.get(pid);
    const key = `${queue}:${signal}`;
    const records = byKey?.get(key);
    const siginfo = records?.shift();
    if (records?.length === 0) byKey!.delete(key);
    return siginfo;
  }

  /**
   * A dequeue umbra learned nothing about (a siginfo the kernel could not write): the standard
   * signals recorded in `queues` that the kernel no longer has pending there lose their records.
   */
  reconcile(
    pid: number,
    queues: readonly SignalQueue[],
    pending: (queue: SignalQueue, signal: number) => boolean,
  ): void {
    const byKey = this.#pending.get(pid);
    for (const key of [...byKey?.keys() ?? []]) {
      const [queue, signal] = key.split(":").map(Number);
      if (queues.includes(queue) && signal < SIGRTMIN && !pending(queue, signal)) byKey!.delete(key);
    }
  }

  /** The kernel discarded every pending `signal` of the process (it became ignored). */
  discard(pid: number, signal: number): void {
    const byKey = this.#pending.get(pid);
    for (const key of [...byKey?.keys() ?? []]) if (key.endsWith(`:${signal}`)) byKey!.delete(key);
  }

  /** A thread ended: its own queue goes with it. */
  forgetThread(pid: number, thread: number): void {
    const byKey = this.#pending.get(pid);
    for (const key of [...byKey?.keys() ?? []]) if (key.startsWith(`${thread}:`)) byKey!.delete(key);
  }

  /** Drops everything of a process that ended. */
  forget(pid: number): void {
    this.#pending.delete(pid);
  }
}

/** Bytes of a siginfo that carry data (kernel_siginfo); the rest of the 128 is padding. */
const SIGINFO_DATA = 48;
/** Byte ranges of si_signo, si_code, si_pid and si_uid: what identifies a forged siginfo. */
const FORGED_FIELDS: readonly [number, number][] = [[0, 4], [8, 12], [16, 24]];

/**
 * siginfos a program queued to itself with a code that kill, tkill or the kernel use (SI_USER,
 * SI_TKILL, CLD_*): their si_pid is whatever the program wrote, not a native pid to translate.
 */
export class ForgedSiginfos {
  readonly #forged = new Map<number, Uint8Array[]>();

  /** Records what process `pid` queued. */
  add(pid: number, siginfo: Uint8Array): void {
    this.#forged.set(pid, [...this.#forged.get(pid) ?? [], siginfo.slice(0, SIGINFO_DATA)]);
  }

  /** Whether `siginfo`, being delivered to process `pid`, is one it queued itself (the record goes). */
  take(pid: number, siginfo: Uint8Array): boolean {
    const records = this.#forged.get(pid);
    // What a signalfd record keeps of a siginfo too: si_signo, si_code, si_pid, si_uid.
    const same = (record: Uint8Array) =>
      FORGED_FIELDS.every(([from, to]) => record.slice(from, to).every((byte, i) => byte === siginfo[from + i]));
    const index = records?.findIndex(same) ?? -1;
    if (index < 0) return false;
    records!.splice(index, 1);
    if (records!.length === 0) this.#forged.delete(pid);
    return true;
  }

  /** Drops everything of a process that ended. */
  forget(pid: number): void {
    this.#forged.delete(pid);
  }
}

/** Whether a standard `signal` is pending natively in `queue` of `thread`'s process (then a second one merges). */
export function queuedNatively(
  readProc: (path: string) => string | null,
  thread: Thread,
  queue: SignalQueue,
  signal: number,
): boolean {
  const status = readProc(`${thread.process.common.nativePid}/task/${thread.nativeTid}/status`);
  return status !== null && maskHas(status, queue === SHARED ? "ShdPnd" : "SigPnd", signal);
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
