/**
 * Signal dispositions: rt_sigaction(2) runs natively (the kernel delivers with its own copy) and
 * umbra records what the program installed once the kernel accepted it.
 * @module
 */

import { decodeSigaction } from "../kernel/signal_actions.ts";
import { type Handler, int, native } from "./context.ts";

const SIGACTION_SIZE = 32;

/** rt_sigaction(2). */
export const rt_sigaction: Handler = ({ args, memory, process, thread }) => {
  const signal = int(args[0]);
  if (args[1] === 0n) return native();
  const bytes = memory.read(thread.nativeTid, args[1], SIGACTION_SIZE);
  if (typeof bytes === "number") return native(); // the kernel answers EFAULT itself
  const action = decodeSigaction(bytes);
  return native((result) => {
    if (result === 0n && process.state.kind === "runnable") process.state.signalActions.set(signal, action);
    return result;
  });
};
