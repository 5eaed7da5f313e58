/**
 * A thread of an emulated process: its virtual tid and the native thread behind it.
 * @module
 */

import type { Process } from "./process.ts";

/** A virtual thread id; a process's id is its leader thread's id. */
export type ThreadId = number;

/**
 * What a handler wants done with a syscall's native result, at the syscall-exit stop: the
 * result the program sees, or first another syscall run in the program's place (`inject`, for
 * syscalls the filter does not trace) whose result goes to `then`.
 */
export type ExitHook = (result: bigint) => bigint | Injection | Restart;

/** Run the same syscall again from its entry (arguments as the program gave them). */
export interface Restart {
  restart: true;
}

/** A syscall the program runs on umbra's behalf at a syscall-exit stop. */
export interface Injection {
  inject: { nr: number; args: readonly bigint[] };
  then: ExitHook;
}

/** A fork/vfork/clone in progress in its creating thread, as the program asked for it. */
export interface Creation {
  /** clone flags (fork and vfork expressed as clone flags). */
  flags: bigint;
  /** The virtual tid reserved for the child. */
  childId: number;
}

/** A live thread. Owned by its process; indexed by native tid in the kernel. */
export class Thread {
  /** Set while the thread runs a syscall natively whose result the policy rewrites. */
  exitHook: ExitHook | null = null;
  /** The fork/vfork/clone this thread is in, until its child is known. */
  creation: Creation | null = null;
  /** PR_SET_PDEATHSIG: sent to this thread's process when its parent thread exits (0: none). */
  deathSignal = 0;
  /** Set once the thread reached its exit (its children have passed on). */
  exiting = false;
  /** Traced syscalls since the thread last blocked (busy threads are charged virtual time). */
  busySyscalls = 0;
  /** A native wait whose timeout runs on the virtual clock, across its restarts. */
  timedWait: { nr: number; deadline: bigint } | null = null;

  constructor(
    /** Virtual tid, as gettid() returns it. */
    public id: ThreadId,
    /** Native tid; changes when a non-leader thread execs (it takes the leader's). */
    public nativeTid: number,
    /** The process this thread belongs to. */
    public process: Process,
  ) {}
}
