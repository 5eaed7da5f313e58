/**
 * An emulated process: the common part every state has, plus its state, Runnable or Zombie.
 * State transitions happen only in `Kernel` (kernel.ts).
 * @module
 */

import type { ExitStatus } from "./exit_status.ts";
import type { Thread, ThreadId } from "./thread.ts";

/** A virtual process id (the leader thread's id). */
export type ProcessId = number;

/** The sandbox's init: parent, group and session of every top-level process. */
export const INIT_PID: ProcessId = 1;

/** Resource usage collected when a process is reaped natively. */
export interface Usage {
  userMicros: number;
  systemMicros: number;
  maxRssKib: number;
  minorFaults: number;
  majorFaults: number;
  contextSwitches: number;
}

/** Parts of a process present in every state. */
export interface Common {
  readonly id: ProcessId;
  /** The host (pid namespace) the process lives in. */
  readonly host: string;
  /** getppid(); changes when the parent dies and the process is re-parented. */
  parent: ProcessId;
  /** getpgid(). */
  group: ProcessId;
  /** getsid(). */
  session: ProcessId;
  /** Signal sent to the parent on exit (null: none). */
  exitSignal: number | null;
  /** `<host>.<exe>.<pid>`. */
  name: string;
  /** Native pid (the leader's native tid). */
  nativePid: number;
  /** The program the process runs now (argv[0] of the last exec). */
  executable: string;
  /** True once the process has called execve successfully after its creation. */
  hasExeced: boolean;
}

/** The state of a process: running threads, or a zombie waiting to be reaped. */
export type ProcessState =
  | { kind: "runnable"; threads: Map<ThreadId, Thread> }
  | { kind: "zombie"; exitStatus: ExitStatus; usage: Usage };

/** An emulated process. */
export class Process {
  constructor(public readonly common: Common, public state: ProcessState) {}

  /** The process id. */
  get id(): ProcessId {
    return this.common.id;
  }

  /** The runnable state's threads; empty for a zombie. */
  get threads(): Map<ThreadId, Thread> {
    return this.state.kind === "runnable" ? this.state.threads : new Map();
  }
}
