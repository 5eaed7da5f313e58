/**
 * prctl(2) options umbra models: PR_SET/GET_PDEATHSIG (umbra's own PDEATHSIG on the native
 * process stays untouched), PR_SET/GET_CHILD_SUBREAPER (emulated), PR_SET/GET_DUMPABLE (recorded,
 * and applied natively too). Other options are not traced (the seccomp rule selects these values
 * of the first argument).
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { SIGRTMAX } from "../abi/signals.ts";
import { fails, type Handler, int, native, returns, type SyscallContext } from "./context.ts";

/** prctl options umbra emulates. */
export const PrctlOption = {
  PR_SET_PDEATHSIG: 1,
  PR_GET_PDEATHSIG: 2,
  PR_GET_DUMPABLE: 3,
  PR_SET_DUMPABLE: 4,
  PR_SET_CHILD_SUBREAPER: 36,
  PR_GET_CHILD_SUBREAPER: 37,
} as const;

function putInt(context: SyscallContext, address: bigint, value: number) {
  return context.memory.writeI32(context.thread.nativeTid, address, value) === 0 ? returns(0) : fails(Errno.EFAULT);
}

/** prctl(2). */
export const prctl: Handler = (context) => {
  const option = int(context.args[0]);
  const arg = context.args[1];
  switch (option) {
    case PrctlOption.PR_SET_PDEATHSIG: {
      if (arg > BigInt(SIGRTMAX)) return fails(Errno.EINVAL);
      context.thread.deathSignal = Number(arg);
      return returns(0);
    }
    case PrctlOption.PR_GET_PDEATHSIG:
      return putInt(context, arg, context.thread.deathSignal);
    case PrctlOption.PR_SET_CHILD_SUBREAPER:
      context.process.common.childSubreaper = arg !== 0n;
      return returns(0);
    case PrctlOption.PR_GET_CHILD_SUBREAPER:
      return putInt(context, arg, context.process.common.childSubreaper ? 1 : 0);
    case PrctlOption.PR_SET_DUMPABLE:
      if (arg !== 0n && arg !== 1n) return fails(Errno.EINVAL);
      context.process.common.dumpable = Number(arg);
      return native();
    case PrctlOption.PR_GET_DUMPABLE:
      return returns(context.process.common.dumpable);
    default:
      return native();
  }
};
