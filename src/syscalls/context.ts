/**
 * What a syscall handler gets (the calling thread, its arguments, the kernel model, tracee
 * memory, a few native services) and what it returns: an Outcome the policy turns into a reply.
 * @module
 */

import type { Kernel } from "../kernel/kernel.ts";
import type { Process } from "../kernel/process.ts";
import type { Blocked, ExitHook, Thread } from "../kernel/thread.ts";
import type { TraceeMemory } from "../native/memory.ts";

/** Native services the policy lends handlers. */
export interface NativeServices {
  /** Whether umbra holds any thread parked in a call (which a signal may have to interrupt). */
  anyParked(): boolean;
  /** A program sent signals: a call umbra holds a thread in may have to end. */
  signalsSent(): void;
  /** umbra's own duplicate of descriptor `fd` of process `nativePid` (closed when the sandbox ends), or -errno. */
  duplicateFd(nativePid: number, fd: number): number;
  /** Arms one of umbra's timerfd duplicates to fire after `ns` nanoseconds (0 disarms). */
  armTimerfd(fd: number, ns: bigint): void;
  /** The signals `thread` blocks now, as the kernel says (bit n-1 for signal n). */
  blockedSignals(thread: Thread): bigint;
  /** Whether process `nativePid` (a zombie umbra knows of) is still there natively, unreaped. */
  present(nativePid: number): boolean;
}

export type { Blocked } from "../kernel/thread.ts";

/** Sandbox-wide limits handlers enforce. */
export interface Limits {
  /** Live processes at most; fork/clone beyond it fail with EAGAIN. */
  maxProcesses: number;
  /**
   * Timed waits run natively in real slices of at most 10 ms and restart until the virtual
   * deadline. Under deterministic scheduling a slice must never run out at a moment real timing
   * picks: there every native wait lasts this long (ns, longer than any run) and umbra
   * interrupts it at its deadline. @default undefined (sliced)
   */
  waitSliceNs?: bigint;
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

/** How a natively run syscall ends. */
export interface NativeEnd {
  /** Sees (and may rewrite) the result at the syscall-exit stop (a policy round trip). */
  exit?: ExitHook;
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
  | ({ kind: "rewrite"; nr?: number; args: readonly bigint[]; restore?: boolean } & NativeEnd)
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

/** The low 32 bits of a register as a signed C int (pid_t, int flags). */
export function int(arg: bigint): number {
  return Number(BigInt.asIntN(32, arg));
}
