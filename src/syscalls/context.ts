/**
 * What a syscall handler gets (the calling thread, its arguments, the kernel model, tracee
 * memory, a few native services) and what it returns: an Outcome the policy turns into a reply.
 * @module
 */

import type { Kernel } from "../kernel/kernel.ts";
import type { Process } from "../kernel/process.ts";
import type { ExitHook, Thread } from "../kernel/thread.ts";
import type { TraceeMemory } from "../native/memory.ts";

/** Native services the policy lends handlers. */
export interface NativeServices {
  /** Sends a native signal from umbra (kill when tgid is 0, else tgkill); returns 0 or -errno. */
  signal(tgid: number, tid: number, signal: number): number;
  /** Tells the policy a native signal was queued for `process` (blocked calls may need interrupting). */
  signalled(process: Process, signal: number): void;
  /** Whether `signalled` could matter for `process` (a thread parked in a call, or stopped). */
  watching(process: Process): boolean;
  /** umbra's own duplicate of descriptor `fd` of process `nativePid` (closed when the sandbox ends), or -errno. */
  duplicateFd(nativePid: number, fd: number): number;
  /** Arms one of umbra's timerfd duplicates to fire after `ns` nanoseconds (0 disarms). */
  armTimerfd(fd: number, ns: bigint): void;
  /** Sets or clears a native wait's virtual deadline (it counts when time jumps). */
  timedWait(thread: Thread, wait: { nr: number; deadline: bigint } | null): void;
  /** Sends `signal` to `process` from umbra with exactly `siginfo` (as the kernel would have made it). */
  inject(process: Process, signal: number, siginfo: Uint8Array): void;
  /** The target of a /proc symbolic link, or null. */
  readProcLink(path: string): string | null;
  /** Reads a /proc file, or null when it cannot be read. */
  readProc(path: string): string | null;
  /** Whether what /proc/<path> names (links followed) is a file of umbra's procfs (the filesystem at /proc). */
  onProcfs(path: string): boolean;
  /**
   * The siginfo `thread` must see for a signal the kernel dequeued for it with `siginfo` (virtual
   * si_pid, the exact siginfo of a signal umbra injected), or null when it is right as it is.
   * `siginfo` null: the program dequeued `signal` without looking (sigwaitinfo with no siginfo).
   */
  virtualSiginfo(thread: Thread, signal: number, siginfo: Uint8Array | null): Uint8Array | null;
  /** `thread` dequeued a signal whose siginfo the kernel could not write (EFAULT): records catch up. */
  lostSiginfo(thread: Thread): void;
  /** `process` queued `siginfo` to itself with a kill-like or kernel code: its si_pid stays as written. */
  forged(process: Process, siginfo: Uint8Array): void;
  /** The kernel discarded `process`'s pending `signal` (its disposition became ignore). */
  discarded(process: Process, signal: number): void;
}

/** Sandbox-wide limits handlers enforce. */
export interface Limits {
  /** Live processes at most; fork/clone beyond it fail with EAGAIN. */
  maxProcesses: number;
}

/** The calling thread and everything a handler may use. Handlers keep no state of their own. */
export interface SyscallContext {
  readonly kernel: Kernel;
  readonly thread: Thread;
  readonly process: Process;
  /** The syscall number. */
  readonly nr: number;
  /** The six raw argument registers. */
  readonly args: readonly bigint[];
  /**
   * For an observed syscall (the table's `observe`): the memory its pointer argument pointed at,
   * copied by the tracer at entry (null: NULL or unreadable pointer). The thread runs on meanwhile,
   * so the handler must answer `native` without an exit hook.
   */
  readonly observed: Uint8Array | null;
  readonly memory: TraceeMemory;
  readonly native: NativeServices;
  readonly limits: Limits;
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

/** A fork/vfork/clone's child as the tracer must fix it up (see shim/protocol.zig flag_creation). */
export interface CreationFixups {
  /** The child's virtual tid. */
  childId: number;
  /** Where CLONE_PARENT_SETTID made the kernel store the tid in the caller (0: nowhere). */
  parentTidAddress: bigint;
  /** Where CLONE_CHILD_SETTID made the kernel store the tid in the child (0: nowhere). */
  childTidAddress: bigint;
}

/** How a natively run syscall ends. */
export interface NativeEnd {
  /** Rewrites the result at the syscall-exit stop (a policy round trip). */
  exit?: ExitHook;
  /** Replaces a non-error result with this value at the exit stop, in the tracer (no round trip). */
  exitValue?: bigint;
}

/** What to do with the syscall. */
export type Outcome =
  /** Skip the native syscall; the caller sees `value` (a negative errno for failure). */
  | { kind: "return"; value: bigint }
  /** Run it natively. */
  | ({ kind: "native" } & NativeEnd)
  /**
   * Run syscall `nr` (default: the same one) natively with other arguments. `restore` puts the
   * original number and arguments back at the exit stop (programs keep values in them), and in a
   * created child.
   */
  | (
    & { kind: "rewrite"; nr?: number; args: readonly bigint[]; restore?: boolean; creation?: CreationFixups }
    & NativeEnd
  )
  /** Park the thread until the call can finish (or a signal interrupts it). */
  | { kind: "block"; blocked: Blocked };

/** A handler: a thin ABI decoder that calls the model. */
export type Handler = (context: SyscallContext) => Outcome;

/** Returns `value` (number or bigint) to the caller without running the syscall. */
export function returns(value: number | bigint): Outcome {
  return { kind: "return", value: BigInt(value) };
}

/** Fails the syscall with errno `code` (positive) without running it. */
export function fails(code: number): Outcome {
  return { kind: "return", value: -BigInt(code) };
}

/** Runs the syscall natively, optionally rewriting its result. */
export function native(exit?: ExitHook): Outcome {
  return exit ? { kind: "native", exit } : { kind: "native" };
}

/** Runs the same syscall with argument `index` replaced. */
export function withArg(context: SyscallContext, index: number, value: bigint, exit?: ExitHook): Outcome {
  const args = [...context.args];
  args[index] = value;
  return { kind: "rewrite", args, exit };
}

/**
 * A native id no process or thread can have (above PID_MAX_LIMIT), small enough for a CPU clock
 * id's 29 bits: umbra puts it where a program named something outside the sandbox, so that the
 * kernel's own lookup fails (ESRCH, EINVAL) after its other checks.
 */
export const NOWHERE = 0x0fffffff;

/** The low 32 bits of a register as a signed C int (pid_t, int flags). */
export function int(arg: bigint): number {
  return Number(BigInt.asIntN(32, arg));
}
