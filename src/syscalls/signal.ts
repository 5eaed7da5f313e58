/**
 * Signal dispositions: rt_sigaction(2) runs natively (the kernel delivers with its own copy) and
 * umbra records what the program installs.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { SIGINFO_SIZE } from "../abi/siginfo.ts";
import { defaultAction, Signal, SIGRTMAX } from "../abi/signals.ts";
import { decodeSigaction, SIG_DFL, SIG_IGN } from "../kernel/signal_actions.ts";
import { type Handler, int, native } from "./context.ts";

/** Size of struct kernel_sigaction. */
export const SIGACTION_SIZE = 32;
const SIGSET_SIZE = 8n;

/**
 * rt_sigaction(2), observed: the tracer copies the new action at entry and lets the call run
 * (no round trip); umbra records it when it passes the kernel's own checks. The kernel sets the
 * action before it writes `oldact`, so even an EFAULT there leaves both in step.
 */
export const rt_sigaction: Handler = ({ args, observed, process, native: services }) => {
  const signal = int(args[0]);
  const valid = signal >= 1 && signal <= SIGRTMAX && signal !== Signal.SIGKILL && signal !== Signal.SIGSTOP;
  // A partly readable action (copied short) is EFAULT for the kernel: nothing changes.
  if (observed?.length === SIGACTION_SIZE && valid && args[3] === SIGSET_SIZE && process.state.kind === "runnable") {
    const action = decodeSigaction(observed);
    process.state.signalActions.set(signal, action);
    // An ignored signal's pending instances are discarded by the kernel, umbra's among them.
    const ignored = action.handler === SIG_IGN || (action.handler === SIG_DFL && defaultAction(signal) === "ignore");
    if (ignored) services.discarded(process, signal);
  }
  return native();
};

/**
 * rt_sigtimedwait(2) (sigwaitinfo, sigtimedwait): runs natively; the siginfo it returns gets
 * virtual ids, or the exact siginfo umbra injected with the signal.
 */
export const rt_sigtimedwait: Handler = ({ args, memory, native: services, thread }) => {
  return native((result) => {
    // The kernel dequeues before it writes the siginfo: EFAULT took a signal too.
    if (result === -BigInt(Errno.EFAULT)) services.lostSiginfo(thread);
    if (result <= 0n) return result;
    // Without a siginfo (sigwaitinfo(set, NULL)) the signal is gone all the same.
    const bytes = args[1] === 0n ? null : memory.read(thread.nativeTid, args[1], SIGINFO_SIZE);
    const siginfo = services.virtualSiginfo(thread, Number(result), typeof bytes === "number" ? null : bytes);
    if (siginfo) memory.write(thread.nativeTid, args[1], siginfo);
    return result;
  });
};
