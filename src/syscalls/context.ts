/**
 * What a syscall handler gets (the calling thread, its arguments, the kernel model, tracee
 * memory) and what it returns: an Outcome the policy turns into a reply.
 * @module
 */

import type { Kernel } from "../kernel/kernel.ts";
import type { Process } from "../kernel/process.ts";
import type { ExitHook, Thread } from "../kernel/thread.ts";
import type { TraceeMemory } from "../native/memory.ts";

/** Sends a native signal (kill when tgid is 0, else tgkill); returns 0 or -errno. */
export type NativeSignal = (tgid: number, tid: number, signal: number) => number;

/** The calling thread and everything a handler may use. Handlers keep no state of their own. */
export interface SyscallContext {
  readonly kernel: Kernel;
  readonly thread: Thread;
  readonly process: Process;
  /** The six raw argument registers. */
  readonly args: readonly bigint[];
  readonly memory: TraceeMemory;
  readonly signal: NativeSignal;
}

/** What to do with the syscall. */
export type Outcome =
  /** Skip the native syscall; the caller sees `value` (a negative errno for failure). */
  | { kind: "return"; value: bigint }
  /** Run it natively; `exit` may rewrite the result at the syscall-exit stop. */
  | { kind: "native"; exit?: ExitHook }
  /** Run syscall `nr` (default: the same one) natively with other arguments. */
  | { kind: "rewrite"; nr?: number; args: readonly bigint[]; exit?: ExitHook };

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

/** The low 32 bits of a register as a signed C int (pid_t, int flags). */
export function int(arg: bigint): number {
  return Number(BigInt.asIntN(32, arg));
}
