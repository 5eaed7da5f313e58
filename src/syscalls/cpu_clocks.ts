/**
 * CPU-time clock ids that name a process or thread by pid (clock_getcpuclockid(3),
 * pthread_getcpuclockid(3)): `(~pid << 3) | type`, with bit 2 for a thread. The kernel would read
 * the pid as a native one, so a sandboxed program could read a host process's CPU time; umbra
 * puts the native id of the sandbox process or thread in its place, and a number that names
 * neither becomes one no native process has (the kernel then answers EINVAL, as for a missing
 * pid). Pid 0 is the caller itself and stays. These ids are negative: in real time the filter
 * traces the clock calls only for negative ids (the vDSO serves the others in-process).
 * @module
 */

import { type Handler, int, NOWHERE, type SyscallContext } from "./context.ts";

const PER_THREAD = 4;

/** `handler`, with a pid-naming CPU clock id in argument `index` first made native. */
export function withCpuClocks(handler: Handler, index: number): Handler {
  return (context) => {
    const clock = int(context.args[index]);
    if (clock >= 0) return handler(context);
    const native = nativeClock(context, clock);
    if (native === clock) return handler(context);
    const args = [...context.args];
    args[index] = BigInt.asUintN(64, BigInt(native));
    const outcome = handler({ ...context, args });
    // The native call gets the native id; the program's register is put back at the exit stop.
    return outcome.kind === "native" ? { ...outcome, kind: "rewrite", args, restore: true } : outcome;
  };
}

/** The clock id with the native pid or tid of what `clock` names. */
function nativeClock(context: SyscallContext, clock: number): number {
  const id = ~(clock >> 3);
  if (id === 0) return clock;
  const host = context.process.common.host;
  const process = clock & PER_THREAD ? undefined : context.kernel.process(host, id);
  // A thread's id is no process's: its native tid gets the kernel's own EINVAL.
  const native = process?.state.kind === "runnable"
    ? process.common.nativePid
    : context.kernel.threadById(host, id)?.nativeTid ?? NOWHERE;
  return (~native << 3) | (clock & 7);
}
