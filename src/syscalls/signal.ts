/**
 * Signal dispositions: rt_sigaction(2) runs natively (the kernel delivers with its own copy) and
 * umbra records what the program installs.
 * @module
 */

import { SIGINFO_SIZE } from "../abi/siginfo.ts";
import { Signal, SIGRTMAX } from "../abi/signals.ts";
import { decodeSigaction } from "../kernel/signal_actions.ts";
import { type Handler, int, native } from "./context.ts";

const SIGACTION_SIZE = 32;
const SIGSET_SIZE = 8n;

/**
 * rt_sigaction(2). The new action is recorded at entry once it passes the kernel's own checks,
 * which saves a stop at the exit (a later EFAULT writing `oldact` would leave the model ahead).
 */
export const rt_sigaction: Handler = ({ args, memory, process, thread }) => {
  const signal = int(args[0]);
  const valid = signal >= 1 && signal <= SIGRTMAX && signal !== Signal.SIGKILL && signal !== Signal.SIGSTOP;
  if (args[1] === 0n || !valid || args[3] !== SIGSET_SIZE) return native();
  const bytes = memory.read(thread.nativeTid, args[1], SIGACTION_SIZE);
  if (typeof bytes === "number") return native(); // the kernel answers EFAULT itself
  if (process.state.kind === "runnable") process.state.signalActions.set(signal, decodeSigaction(bytes));
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
