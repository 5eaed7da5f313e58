/**
 * Sending signals (kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_send_signal)
 * runs natively: ids are the host namespace's own, so the kernel confines and checks every
 * form. What umbra adds: a thread it holds parked in a call (a sleep on the virtual clock) sits
 * in a ptrace stop, where a queued signal wakes nothing; after a send, umbra looks whether one of
 * them must be interrupted.
 * @module
 */

import { type Handler, native } from "./context.ts";

/** Any of the kill family: native, then a look at the parked threads if there are any. */
export const sent: Handler = (context) => {
  if (!context.native.anyParked()) return native();
  return native((result) => {
    if (result === 0n) context.native.signalsSent();
    return result;
  });
};
