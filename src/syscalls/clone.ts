/**
 * Process and thread creation. fork, vfork, clone and clone3 run natively, as the program asked
 * (the kernel gives the child its id in the host's pid namespace: the virtual id); umbra learns
 * of the child from the creator's fork event. The entry stop is only for what the kernel cannot
 * do for umbra: the sandbox's live-process limit, and keeping every child traced
 * (CLONE_UNTRACED is dropped).
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { Signal } from "../abi/signals.ts";
import { fails, type Handler, native, type Outcome, type SyscallContext, withArg } from "./context.ts";

/** clone(2) flags umbra reads or sets. */
export const CloneFlag = {
  CLONE_VM: 0x00000100n,
  CLONE_FS: 0x00000200n,
  CLONE_SIGHAND: 0x00000800n,
  CLONE_VFORK: 0x00004000n,
  CLONE_PARENT: 0x00008000n,
  CLONE_THREAD: 0x00010000n,
  CLONE_NEWNS: 0x00020000n,
  CLONE_UNTRACED: 0x00800000n,
  CLONE_NEWUSER: 0x10000000n,
} as const;

/** The clone flags fork(2) stands for. */
export const FORK_FLAGS = BigInt(Signal.SIGCHLD);
/** The clone flags vfork(2) stands for. */
export const VFORK_FLAGS = CloneFlag.CLONE_VM | CloneFlag.CLONE_VFORK | BigInt(Signal.SIGCHLD);

/**
 * The limit on live processes (a thread is not counted): EAGAIN past it, as RLIMIT_NPROC would
 * give. Otherwise the creation is under way until its child is known.
 */
function admit(context: SyscallContext, flags: bigint): Outcome | null {
  if ((flags & CloneFlag.CLONE_THREAD) !== 0n) return null;
  if (context.kernel.liveProcessCount >= context.limits.maxProcesses) {
    return fails(invalidFlags(flags) ? Errno.EINVAL : Errno.EAGAIN);
  }
  context.kernel.startCreation(context.thread);
  context.kernel.forgetReaped((zombie) => !context.native.present(zombie.common.nativePid));
  return null;
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
export const fork: Handler = (context) => admit(context, FORK_FLAGS) ?? native();
/** vfork(2). */
export const vfork: Handler = (context) => admit(context, VFORK_FLAGS) ?? native();

/** clone(2): CLONE_UNTRACED would hide the child from umbra; it goes. */
export const clone: Handler = (context) => {
  const flags = context.args[0];
  const refused = admit(context, flags);
  if (refused) return refused;
  if ((flags & CloneFlag.CLONE_UNTRACED) === 0n) return native();
  return withArg(context, 0, flags & ~CloneFlag.CLONE_UNTRACED);
};

/** Size of struct clone_args up to `exit_signal` (CLONE_ARGS_SIZE_VER0 is 64). */
const CLONE_ARGS_MIN = 64n;

/**
 * clone3(2): the flags are in memory. A program's clone_args with CLONE_UNTRACED are refused
 * (EINVAL is what the kernel itself answers for flags it does not take); the kernel checks the
 * rest. A sibling thread could set the flag between this look and the kernel's copy: its child
 * would escape umbra's model, never the namespace (it dies with the host).
 */
export const clone3: Handler = (context) => {
  const { args, memory, thread } = context;
  if (args[1] < CLONE_ARGS_MIN) return native();
  const read = memory.read(thread.nativeTid, args[0], 8);
  if (typeof read === "number") return native(); // EFAULT: the kernel says so
  const flags = new DataView(read.buffer, read.byteOffset, 8).getBigUint64(0, true);
  if ((flags & CloneFlag.CLONE_UNTRACED) !== 0n) return fails(Errno.EINVAL);
  return admit(context, flags) ?? native();
};
