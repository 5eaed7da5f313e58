/**
 * Process and thread creation: fork, vfork, clone run natively (ptrace attaches the child);
 * the caller sees the child's virtual tid. clone3 answers ENOSYS: glibc (posix_spawn,
 * pthread_create) then falls back to clone, whose flags the tracer reads from registers.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { Signal } from "../abi/signals.ts";
import { fails, type Handler, native } from "./context.ts";

/** clone(2) flags umbra reads. */
export const CloneFlag = {
  CLONE_VM: 0x00000100n,
  CLONE_VFORK: 0x00004000n,
  CLONE_PARENT: 0x00008000n,
  CLONE_THREAD: 0x00010000n,
  CLONE_PARENT_SETTID: 0x00100000n,
  CLONE_CHILD_CLEARTID: 0x00200000n,
  CLONE_CHILD_SETTID: 0x01000000n,
} as const;

/** The clone flags fork(2) and vfork(2) stand for. */
export const FORK_FLAGS = BigInt(Signal.SIGCHLD);
/** vfork(2) as clone flags. */
export const VFORK_FLAGS = CloneFlag.CLONE_VM | CloneFlag.CLONE_VFORK | BigInt(Signal.SIGCHLD);

function creation(flagsOf: (args: readonly bigint[]) => bigint): Handler {
  return ({ kernel, memory, thread, args }) =>
    native((result) => {
      if (result <= 0n) return result;
      const child = kernel.thread(Number(result));
      if (!child) return result;
      // clone(flags, stack, parent_tid, child_tid, tls): the kernel stored the native tid there.
      if (flagsOf(args) & CloneFlag.CLONE_PARENT_SETTID) memory.writeI32(thread.nativeTid, args[2], child.id);
      return BigInt(child.id);
    });
}

/** fork(2). */
export const fork: Handler = creation(() => FORK_FLAGS);
/** vfork(2). */
export const vfork: Handler = creation(() => VFORK_FLAGS);
/** clone(2). */
export const clone: Handler = creation((args) => args[0]);

/** clone3(2): ENOSYS, so that libc falls back to clone(2). */
export const clone3: Handler = () => fails(Errno.ENOSYS);
