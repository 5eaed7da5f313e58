/**
 * An emulated process: the common part every state has, plus its state, Runnable or Zombie.
 * State transitions happen only in `Kernel` (kernel.ts).
 * @module
 */

import type { ExitStatus } from "./exit_status.ts";
import type { SignalActions } from "./signal_actions.ts";
import type { Thread, ThreadId } from "./thread.ts";

/**
 * A virtual process id: the process's id in its host's pid namespace, which the kernel itself
 * gives (the leader thread's id).
 */
export type ProcessId = number;

/** A host's init (umbra-init): parent, group and session of every top-level process. */
export const INIT_PID: ProcessId = 1;

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
  /** Signal sent to the parent on exit (null: none). Children with another than SIGCHLD are "clone" children. */
  exitSignal: number | null;
  /** `<host>.<exe>.<pid>`. */
  name: string;
  /** Native pid (the leader's tid as umbra, outside the namespace, sees it). */
  nativePid: number;
  /** The program the process runs now (the path of the last exec). */
  executable: string;
  /** The top-level process this one descends from (its strace log is that one's). */
  logRoot: ProcessId;
  /** Its live and zombie children (those that name it as parent). */
  readonly children: Set<Process>;
  /** ITIMER_REAL (alarm, setitimer) on the virtual clock; not inherited by fork, kept by exec. */
  realTimer: RealTimer | null;
  /** POSIX timers (timer_create) on the virtual clock, by id; not inherited, deleted by exec. */
  posixTimers: Map<number, PosixTimer>;
  /** timerfds on the virtual clock, by descriptor (shared with fork children, like the file). */
  timerfds: Map<number, TimerFd>;
}

/** A timerfd umbra runs on the virtual clock, through its own duplicate of the descriptor. */
export interface TimerFd {
  readonly clock: "realtime" | "monotonic";
  /** umbra's duplicate of the timerfd; armed for 1 ns at each virtual expiry. */
  readonly umbraFd: number;
  readonly closeOnExec: boolean;
  deadline: bigint | null;
  interval: bigint;
  cancel: () => void;
}

/** A timer_create(2) timer on the virtual clock. */
export interface PosixTimer {
  readonly id: number;
  /** The clock it runs on (an absolute time counts from the epoch on realtime). */
  readonly clock: "realtime" | "monotonic";
  /** SIGEV_SIGNAL / SIGEV_THREAD_ID (a signal) or SIGEV_NONE (nothing). */
  readonly notify: "signal" | "none";
  readonly signal: number;
  /** sigev_value, passed in si_value. */
  readonly value: bigint;
  /** SIGEV_THREAD_ID: the virtual tid the signal goes to. */
  readonly thread: number | null;
  /** Armed: the next expiry and the period (0: one shot). */
  deadline: bigint | null;
  interval: bigint;
  /** Periods missed before its last expiry (timer_getoverrun). */
  overrun: number;
  cancel: () => void;
}

/** An armed ITIMER_REAL. */
export interface RealTimer {
  /** Virtual time of the next expiry. */
  deadline: bigint;
  /** Re-arm period (0: one shot). */
  interval: bigint;
  /** Expirations so far (SIGALRM's si_overrun, as Shadow reports it). */
  expirations: number;
  /** Disarms the clock timer. */
  cancel: () => void;
}

/** The state of a process: running threads, or a zombie waiting to be reaped. */
export type ProcessState =
  | {
    kind: "runnable";
    threads: Map<ThreadId, Thread>;
    /** Dispositions; one object shared by CLONE_SIGHAND processes. */
    signalActions: SignalActions;
    /** The signal that stopped the process (job control), or null while it runs. */
    stopSignal: number | null;
  }
  | {
    kind: "zombie";
    exitStatus: ExitStatus;
  };

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
