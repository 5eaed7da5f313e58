/**
 * wait4(2) and waitid(2) run natively: parents are the programs' own, in their host's pid
 * namespace, so the kernel answers every form and option itself. umbra only learns from the
 * result which zombie is gone, for the model's record.
 * @module
 */

import { SiCode, siginfoCode, siginfoPid } from "../abi/siginfo.ts";
import type { Process } from "../kernel/process.ts";
import { type Handler, int, native, type SyscallContext } from "./context.ts";

const WNOWAIT = 0x01000000;
/** Bytes of a siginfo up to and including si_pid. */
const SIGINFO_PID_END = 24;

/** The zombie `pid` of the caller's host, if the model has one. */
function zombie(context: SyscallContext, pid: number): Process | undefined {
  const process = context.kernel.process(context.process.common.host, pid);
  return process?.state.kind === "zombie" ? process : undefined;
}

/**
 * wait4(2): a positive result names the child reported; if the model has it as a zombie, the
 * report was its exit and it is reaped (a stopped or continued child is not a zombie).
 */
export const wait4: Handler = (context) =>
  native((result) => {
    const reaped = result > 0n ? zombie(context, Number(result)) : undefined;
    if (reaped) context.kernel.reap(reaped);
    return result;
  });

/**
 * waitid(2): the child is in the siginfo (CLD_EXITED, CLD_KILLED, CLD_DUMPED reap it unless
 * WNOWAIT). Without a siginfo to read (a NULL infop), the caller's zombies that are gone
 * natively were reaped.
 */
export const waitid: Handler = (context) =>
  native((result) => {
    if (result !== 0n || (int(context.args[3]) & WNOWAIT) !== 0) return result;
    const { memory, thread } = context;
    const bytes = context.args[2] === 0n ? null : memory.read(thread.nativeTid, context.args[2], SIGINFO_PID_END);
    if (bytes === null) {
      for (const child of [...context.process.common.children]) {
        if (child.state.kind === "zombie" && !context.native.present(child.common.nativePid)) {
          context.kernel.reap(child);
        }
      }
      return result;
    }
    if (typeof bytes === "number") return result;
    const code = siginfoCode(bytes);
    if (code < SiCode.CLD_EXITED || code > SiCode.CLD_DUMPED) return result;
    const reaped = zombie(context, siginfoPid(bytes));
    if (reaped) context.kernel.reap(reaped);
    return result;
  });
