/**
 * Process and thread creation. fork, vfork and clone run natively, rewritten so that umbra's
 * tracer thread is the native parent of every sandboxed process (CLONE_PARENT): it reaps at once
 * and no native zombie ever stays. The argument registers are restored afterwards in parent and
 * child. The caller sees the child's virtual tid; the virtual parent follows Linux (the caller,
 * or the caller's parent under the program's own CLONE_PARENT). clone3 answers ENOSYS: glibc
 * (posix_spawn, pthread_create) then falls back to clone, whose flags are in registers.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { Signal } from "../abi/signals.ts";
import { SYS } from "../abi/syscalls.ts";
import { fails, type Handler, type SyscallContext } from "./context.ts";

/** clone(2) flags umbra reads or sets. */
export const CloneFlag = {
  CLONE_VM: 0x00000100n,
  CLONE_FS: 0x00000200n,
  CLONE_SIGHAND: 0x00000800n,
  CLONE_VFORK: 0x00004000n,
  CLONE_PARENT: 0x00008000n,
  CLONE_THREAD: 0x00010000n,
  CLONE_PARENT_SETTID: 0x00100000n,
  CLONE_CHILD_CLEARTID: 0x00200000n,
  CLONE_UNTRACED: 0x00800000n,
  CLONE_NEWUSER: 0x10000000n,
  CLONE_NEWNS: 0x00020000n,
  CLONE_CHILD_SETTID: 0x01000000n,
} as const;

/** The clone flags fork(2) stands for. */
export const FORK_FLAGS = BigInt(Signal.SIGCHLD);
/** The clone flags vfork(2) stands for. */
export const VFORK_FLAGS = CloneFlag.CLONE_VM | CloneFlag.CLONE_VFORK | BigInt(Signal.SIGCHLD);

/**
 * Starts a creation: checks the process limit, reserves the child's virtual tid, remembers what
 * the program asked for, and runs clone with CLONE_PARENT added (never CLONE_UNTRACED). The
 * tracer restores the registers, gives the caller the virtual tid and fixes up the tid memory
 * by itself. `flags` are the program's clone flags.
 */
function create(context: SyscallContext, flags: bigint): ReturnType<Handler> {
  const { kernel, thread, args } = context;
  const isThread = (flags & CloneFlag.CLONE_THREAD) !== 0n;
  if (!isThread && kernel.liveProcessCount >= context.limits.maxProcesses) {
    return fails(invalidFlags(flags) ? Errno.EINVAL : Errno.EAGAIN);
  }
  let native = flags & ~CloneFlag.CLONE_UNTRACED;
  if (!isThread) native |= CloneFlag.CLONE_PARENT;
  const isClone = context.nr === SYS.clone;
  const childId = kernel.reserveId(thread.process.common.host);
  thread.creation = { flags, childId };
  return {
    kind: "rewrite",
    nr: SYS.clone,
    args: isClone ? [native, args[1], args[2], args[3], args[4], args[5]] : [native, 0n, 0n, 0n, 0n, 0n],
    restore: !isClone || native !== args[0],
    exitValue: BigInt(childId),
    creation: {
      childId,
      parentTidAddress: isClone && (flags & CloneFlag.CLONE_PARENT_SETTID) ? args[2] : 0n,
      childTidAddress: isClone && (flags & CloneFlag.CLONE_CHILD_SETTID) ? args[3] : 0n,
    },
  };
}

/**
 * Flag combinations Linux refuses (EINVAL) before it counts processes (EAGAIN), for a process (not
 * a thread) made by a process that is not init: the limit must not change the errno.
 */
function invalidFlags(flags: bigint): boolean {
  const all = (mask: bigint) => (flags & mask) === mask;
  const { CLONE_NEWNS, CLONE_NEWUSER, CLONE_FS, CLONE_SIGHAND, CLONE_VM } = CloneFlag;
  return all(CLONE_NEWNS | CLONE_FS) || all(CLONE_NEWUSER | CLONE_FS) ||
    ((flags & CLONE_SIGHAND) !== 0n && (flags & CLONE_VM) === 0n);
}

/** fork(2). */
export const fork: Handler = (context) => create(context, FORK_FLAGS);
/** vfork(2): the parent stays suspended natively until the child execs or exits. */
export const vfork: Handler = (context) => create(context, VFORK_FLAGS);
/** clone(2). */
export const clone: Handler = (context) => create(context, context.args[0]);

/** clone3(2): ENOSYS, so that libc falls back to clone(2). */
export const clone3: Handler = () => fails(Errno.ENOSYS);
