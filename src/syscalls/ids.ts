/**
 * Process groups and sessions: setpgid(2) and setsid(2) run natively (the ids are the host
 * namespace's own); the model records what they did.
 * @module
 */

import { type Handler, int, native } from "./context.ts";

/** setpgid(2). */
export const setpgid: Handler = (context) =>
  native((result) => {
    if (result !== 0n) return result;
    const pid = int(context.args[0]) || context.process.id;
    const target = context.kernel.process(context.process.common.host, pid);
    if (target) context.kernel.setProcessGroup(target, int(context.args[1]) || pid);
    return result;
  });

/** setsid(2). */
export const setsid: Handler = (context) =>
  native((result) => {
    if (result > 0n) context.kernel.newSession(context.process);
    return result;
  });
