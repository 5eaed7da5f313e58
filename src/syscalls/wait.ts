/**
 * wait4 and waitid, for now by translation: they run natively (the native parent is the
 * virtual parent) with virtual pids mapped to native ones and back, and reap the model's zombie.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { fails, type Handler, int, type Outcome, type SyscallContext } from "./context.ts";

const P_PID = 1n;
const SIGINFO_PID_OFFSET = 16n;

/** Maps a native child pid the kernel returned to its virtual pid and reaps a finished one. */
function reported(context: SyscallContext, nativePid: number, reaps: boolean): number {
  const process = context.kernel.processByNative(nativePid);
  if (!process) return nativePid;
  if (reaps && process.state.kind === "zombie") context.kernel.reap(process);
  return process.id;
}

/** The native pid of the caller's child `pid`, or undefined. */
function childNative(context: SyscallContext, pid: number): number | undefined {
  const child = context.kernel.process(context.process.common.host, pid);
  if (!child || child.common.parent !== context.process.id) return undefined;
  return child.common.nativePid;
}

const WNOWAIT = 0x01000000;

/** wait4(2). */
export const wait4: Handler = (context) => {
  const pid = int(context.args[0]);
  const reaps = (int(context.args[2]) & WNOWAIT) === 0;
  const exit = (result: bigint) => result > 0n ? BigInt(reported(context, Number(result), reaps)) : result;
  if (pid <= 0) return { kind: "native", exit };
  const nativePid = childNative(context, pid);
  if (nativePid === undefined) return fails(Errno.ECHILD);
  return rewriteArg(context, 0, BigInt(nativePid), exit);
};

/** waitid(2): P_PID ids are mapped; the si_pid the kernel writes is mapped back. */
export const waitid: Handler = (context) => {
  const [idtype, id, infop, options] = context.args;
  const reaps = (int(options) & WNOWAIT) === 0;
  const exit = (result: bigint) => {
    if (result === 0n && infop !== 0n) {
      const bytes = context.memory.read(context.thread.nativeTid, infop + SIGINFO_PID_OFFSET, 4);
      if (typeof bytes !== "number") {
        const nativePid = new DataView(bytes.buffer).getInt32(0, true);
        if (nativePid > 0) {
          context.memory.writeI32(
            context.thread.nativeTid,
            infop + SIGINFO_PID_OFFSET,
            reported(context, nativePid, reaps),
          );
        }
      }
    }
    return result;
  };
  if (idtype !== P_PID) return { kind: "native", exit };
  const nativePid = childNative(context, int(id));
  if (nativePid === undefined) return fails(Errno.ECHILD);
  return rewriteArg(context, 1, BigInt(nativePid), exit);
};

/** Runs the same syscall with argument `index` replaced. */
export function rewriteArg(
  context: SyscallContext,
  index: number,
  value: bigint,
  exit?: (result: bigint) => bigint,
): Outcome {
  const args = [...context.args];
  args[index] = value;
  return { kind: "rewrite", args, exit };
}
