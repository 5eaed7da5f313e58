/**
 * getrusage(2): RUSAGE_CHILDREN comes from the model (the native children are umbra's);
 * RUSAGE_SELF and RUSAGE_THREAD are the kernel's own numbers and run natively.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { encodeUsage } from "../abi/rusage.ts";
import { fails, type Handler, int, native, returns } from "./context.ts";

const RUSAGE_CHILDREN = -1;

/** getrusage(2). */
export const getrusage: Handler = ({ args, memory, process, thread }) => {
  if (int(args[0]) !== RUSAGE_CHILDREN) return native();
  const bytes = encodeUsage(process.common.childrenUsage);
  return memory.write(thread.nativeTid, args[1], bytes) === 0 ? returns(0) : fails(Errno.EFAULT);
};
