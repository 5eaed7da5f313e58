/**
 * A thread of an emulated process: its virtual tid and the native thread behind it.
 * @module
 */

import type { Process } from "./process.ts";

/** A virtual thread id; a process's id is its leader thread's id. */
export type ThreadId = number;

/** What a handler wants done with a syscall's native result, at the syscall-exit stop. */
export type ExitHook = (result: bigint) => bigint;

/** A live thread. Owned by its process; indexed by native tid in the kernel. */
export class Thread {
  /** Set while the thread runs a syscall natively whose result the policy rewrites. */
  exitHook: ExitHook | null = null;
  /** The path of an execve in progress, read at its entry; named in the exec event. */
  execPath: string | null = null;

  constructor(
    /** Virtual tid, as gettid() returns it. */
    public id: ThreadId,
    /** Native tid; changes when a non-leader thread execs (it takes the leader's). */
    public nativeTid: number,
    /** The process this thread belongs to. */
    public process: Process,
  ) {}
}
