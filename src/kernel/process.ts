/**
 * An emulated process: the common part every state has, plus its state, Runnable or Zombie.
 * State transitions happen only in `Kernel` (kernel.ts).
 * @module
 */

import type { ResourceUsage } from "../abi/rusage.ts";
import type { ExitStatus } from "./exit_status.ts";
import type { SignalActions } from "./signal_actions.ts";
import type { Thread, ThreadId } from "./thread.ts";

/** A virtual process id (the leader thread's id). */
export type ProcessId = number;

/** The sandbox's init: parent, group and session of every top-level process. */
export const INIT_PID: ProcessId = 1;

/**
 * An owner of signal-driven I/O as the program set it: [F_OWNER_* type, id], and whether the
 * kernel holds none for it (a zombie, or a group nobody is in: Linux accepts both, and they get
 * no signal).
 */
export type FileOwner = [type: number, id: number, virtualOnly?: boolean];

/** Parts of a process present in every state. */
export interface Common {
  readonly id: ProcessId;
  /** The host (pid namespace) the process lives in. */
  readonly host: string;
  /** getppid(); changes when the parent dies and the process is re-parented. */
  parent: ProcessId;
  /** The parent's thread that created this process (PR_SET_PDEATHSIG and __WNOTHREAD follow it). */
  parentThread: ThreadId;
  /** getpgid(). */
  group: ProcessId;
  /** getsid(). */
  session: ProcessId;
  /** Signal sent to the parent on exit (null: none). Children with another than SIGCHLD are "clone" children. */
  exitSignal: number | null;
  /** `<host>.<exe>.<pid>`. */
  name: string;
  /** Native pid (the leader's native tid). */
  nativePid: number;
  /** The program the process runs now (the path of the last exec). */
  executable: string;
  /** True once the process has called execve successfully after its creation. */
  hasExeced: boolean;
  /** Its comm (task name) as its leader thread exited, read then: a zombie's /proc shows it. */
  comm: string | null;
  /** The top-level process this one descends from (its strace log is that one's). */
  logRoot: ProcessId;
  /** PR_SET_CHILD_SUBREAPER. */
  childSubreaper: boolean;
  /** PR_GET_DUMPABLE: 1 (SUID_DUMP_USER) or 0; inherited by fork, 1 again after exec. */
  dumpable: number;
  /** Usage of reaped children (and theirs), for RUSAGE_CHILDREN and the parent's wait. */
  childrenUsage: ResourceUsage;
  /**
   * pidfds this process opened (fd -> virtual pid). A pidfd's own /proc view loses its process
   * once umbra has reaped it natively, while the virtual zombie still waits for its parent.
   */
  pidfds: Map<number, ProcessId>;
  /** signalfds umbra placed (fd -> whether close-on-exec); reads from them get virtual ids. */
  signalfds: Map<number, boolean>;
  /**
   * Owners set with F_SETOWN/F_SETOWN_EX, as the program named them (fd -> [F_OWNER_* type, id]):
   * a process group has no native counterpart, so F_GETOWN must answer from here.
   */
  fileOwners: Map<number, FileOwner>;
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
    /** A stop or continue the parent has not collected with wait yet (WUNTRACED / WCONTINUED). */
    jobReport: JobReport | null;
  }
  | {
    kind: "zombie";
    exitStatus: ExitStatus;
    /** The process's own usage plus its reaped children's, as wait4 reports it. */
    usage: ResourceUsage;
    /** The process's own usage (SIGCHLD's si_utime/si_stime). */
    ownUsage: ResourceUsage;
  };

/** A job-control state change waiting to be reported by wait. */
export type JobReport = { kind: "stopped"; signal: number } | { kind: "continued" };

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
