/**
 * Signal dispositions: rt_sigaction(2) runs natively (the kernel delivers with its own copy) and
 * umbra records what the program installs.
 * @module
 */

import { SIGINFO_SIZE } from "../abi/siginfo.ts";
import { Signal, SIGRTMAX } from "../abi/signals.ts";
import { decodeSigaction } from "../kernel/signal_actions.ts";
import { type Handler, int, native } from "./context.ts";

/** Size of struct kernel_sigaction. */
export const SIGACTION_SIZE = 32;
const SIGSET_SIZE = 8n;

/**
 * rt_sigaction(2), observed: the tracer copies the new action at entry and lets the call run
 * (no round trip); umbra records it when it passes the kernel's own checks. The kernel sets the
 * action before it writes `oldact`, so even an EFAULT there leaves both in step.
 */
export const rt_sigaction: Handler = ({ args, observed, process }) => {
  const signal = int(args[0]);
  const valid = signal >= 1 && signal <= SIGRTMAX && signal !== Signal.SIGKILL && signal !== Signal.SIGSTOP;
  // A partly readable action (copied short) is EFAULT for the kernel: nothing changes.
  if (observed?.length === SIGACTION_SIZE && valid && args[3] === SIGSET_SIZE && process.state.kind === "runnable") {
    process.state.signalActions.set(signal, decodeSigaction(observed));
  }
  return native();
};

/**
 * rt_sigtimedwait(2) (sigwaitinfo, sigtimedwait): runs natively; the siginfo it returns gets
 * virtual ids, or the exact siginfo umbra injected with the signal.
 */
export const rt_sigtimedwait: Handler = ({ args, memory, native: services, process, thread }) => {
  if (args[1] === 0n) return native();
  return native((result) => {
    if (result <= 0n) return result;
    const bytes = memory.read(thread.nativeTid, args[1], SIGINFO_SIZE);
    if (typeof bytes === "number") return result;
    const siginfo = services.virtualSiginfo(process, Number(result), bytes);
    if (siginfo) memory.write(thread.nativeTid, args[1], siginfo);
    return result;
  });
};
