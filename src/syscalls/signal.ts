/**
 * Signal dispositions: rt_sigaction(2) runs natively (the kernel delivers with its own copy) and
 * umbra records what the program installs.
 * @module
 */

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
export const rt_sigaction: Handler = ({ args, kernel, observed, process }) => {
  const signal = int(args[0]);
  const valid = signal >= 1 && signal <= SIGRTMAX && signal !== Signal.SIGKILL && signal !== Signal.SIGSTOP;
  // A partly readable action (copied short) is EFAULT for the kernel: nothing changes.
  if (observed?.length === SIGACTION_SIZE && valid && args[3] === SIGSET_SIZE && process.state.kind === "runnable") {
    kernel.setSignalAction(process, signal, decodeSigaction(observed));
  }
  return native();
};

/**
 * rt_sigtimedwait(2) (sigwaitinfo, sigtimedwait) runs natively, but a traced thread gets even the
 * signals it ignores queued (so that its tracer sees them), and may dequeue one here. Natively
 * the kernel discards an ignored signal when it is sent, unless the thread blocked it: such a
 * result is taken back and the call runs again.
 */
export const rt_sigtimedwait: Handler = ({ kernel, native: services, process, thread }) => {
  const blocked = services.blockedSignals(thread);
  return native((result) => {
    if (result <= 0n || !kernel.ignores(process, Number(result))) return result;
    return ((blocked >> (result - 1n)) & 1n) === 1n ? result : { restart: true };
  });
};
