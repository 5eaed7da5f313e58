/**
 * A thread of an emulated process: its virtual tid, the native thread behind it, and the state
 * umbra keeps for it (a call it is parked in, a group stop, a syscall whose exit it waits for).
 * @module
 */

import type { Outcome } from "../syscalls/context.ts";
import type { Process } from "./process.ts";

/** A virtual thread id (its id in its host's pid namespace); a process's id is its leader's. */
export type ThreadId = number;

/**
 * What a handler wants done with a syscall's native result, at the syscall-exit stop: the
 * result the program sees, or the syscall run again from its entry.
 */
export type ExitHook = (result: bigint) => bigint | Restart;

/** Run the same syscall again from its entry (arguments as the program gave them). */
export interface Restart {
  restart: true;
}

/** A call that cannot finish yet: the thread stays stopped until `retry` gives an answer. */
export interface Blocked {
  /** Re-evaluates the call after a change; null while it must keep waiting. */
  retry(): Outcome | null;
  /** What the call returns when a signal interrupts it (e.g. ERESTARTSYS: restarted under SA_RESTART). */
  restartErrno: number;
  /** Virtual time at which `retry` must be asked again (a timeout or the end of a sleep). */
  wakeAt?: bigint;
  /** Runs just before a signal interrupts the call (e.g. to write a sleep's remaining time). */
  onInterrupt?: () => void;
}

/** A live thread. Owned by its process; indexed by native tid in the kernel. */
export class Thread {
  /** Set while the thread runs a syscall natively whose result the policy rewrites. */
  exitHook: ExitHook | null = null;
  /** The call umbra holds the thread in (at its seccomp stop), if any. */
  parked: Blocked | null = null;
  /** In a job-control group stop: the kernel holds it until SIGCONT. */
  groupStopped = false;
  /** Traced syscalls since the thread last blocked (busy threads are charged virtual time). */
  busySyscalls = 0;
  /** A native wait whose timeout runs on the virtual clock, across its restarts. */
  timedWait: { nr: number; deadline: bigint } | null = null;

  constructor(
    /** Virtual tid, as gettid() returns it. */
    public id: ThreadId,
    /** Native tid as umbra sees it; changes when a non-leader thread execs (it takes the leader's). */
    public nativeTid: number,
    /** The process this thread belongs to. */
    public process: Process,
  ) {}

  /** Whether the thread waits (parked, or stopped for job control): virtual time may jump. */
  get waiting(): boolean {
    return this.parked !== null || this.groupStopped;
  }
}
