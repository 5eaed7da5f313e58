/**
 * Sending signals (kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_send_signal)
 * runs natively: ids are the host namespace's own, so the kernel confines and checks every
 * form. What umbra adds: a thread it holds parked in a call (a sleep on the virtual clock) sits
 * in a ptrace stop, where a queued signal wakes nothing; after a send, umbra looks whether one of
 * them must be interrupted.
 * @module
 */

import { SYS } from "../abi/syscalls.ts";
import { Signal } from "../abi/signals.ts";
import type { Process } from "../kernel/process.ts";
import { type Handler, int, native, type SyscallContext } from "./context.ts";

/**
 * Any of the kill family: native, then a look at the parked threads if there are any. A SIGKILL
 * is told to the kernel model with its targets at entry (the target may die before the sender's
 * call returns), and taken back if the call fails.
 */
export const sent: Handler = (context) => {
  const targets = sigkillTargets(context);
  if (targets.length > 0) context.kernel.sigkill(context.process, targets, true);
  if (!context.native.anyParked() && targets.length === 0) return native();
  return native((result) => {
    if (result === 0n && context.native.anyParked()) context.native.signalsSent();
    if (result !== 0n && targets.length > 0) context.kernel.sigkill(context.process, targets, false);
    return result;
  });
};

/** The processes a call of the kill family sends SIGKILL to (none for another signal, or pidfd_send_signal). */
function sigkillTargets(context: SyscallContext): Process[] {
  const { kernel, process, args, nr } = context;
  const host = process.common.host;
  const thread = (tid: bigint) => kernel.threadById(host, int(tid))?.process;
  const one = (target: Process | undefined) => target && target.state.kind === "runnable" ? [target] : [];
  switch (nr) {
    case SYS.kill:
      return int(args[1]) === Signal.SIGKILL ? kernel.killTargets(process, int(args[0])) : [];
    case SYS.tkill:
      return int(args[1]) === Signal.SIGKILL ? one(thread(args[0])) : [];
    case SYS.tgkill:
      return int(args[2]) === Signal.SIGKILL ? one(thread(args[1])) : [];
    case SYS.rt_sigqueueinfo:
      return int(args[1]) === Signal.SIGKILL && int(args[0]) > 0 ? one(kernel.process(host, int(args[0]))) : [];
    case SYS.rt_tgsigqueueinfo:
      return int(args[2]) === Signal.SIGKILL ? one(thread(args[1])) : [];
    default:
      return [];
  }
}
