/**
 * getrandom(2) from the seed (seeded sandboxes only; otherwise it is not traced): each process
 * draws its own stream (src/kernel/random.ts), written into its buffer as the kernel would.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { fails, type Handler, returns } from "./context.ts";

/** getrandom flags. */
export const GetrandomFlag = { GRND_NONBLOCK: 1, GRND_RANDOM: 2, GRND_INSECURE: 4 } as const;
const KNOWN_FLAGS = GetrandomFlag.GRND_NONBLOCK | GetrandomFlag.GRND_RANDOM | GetrandomFlag.GRND_INSECURE;
/** The most one call hands out (the kernel's cap is INT_MAX; a caller loops for more, as natively after a signal). */
const CALL_MAX = 32 * 1024 * 1024;
const PAGE = 4096;

/**
 * getrandom(buf, buflen, flags). Flags as Linux checks them (unknown bits, or GRND_INSECURE with
 * GRND_RANDOM: EINVAL); the pool is never short of entropy, so none blocks. A buffer that is
 * unwritable from the start is EFAULT; one that becomes unwritable part way gets the bytes up to
 * there, and the call returns their count, as the kernel's copy does.
 */
export const getrandom: Handler = (context) => {
  const random = context.kernel.random;
  if (!random) return { kind: "native" };
  const [buffer, lengthArg, flagsArg] = context.args;
  const flags = Number(flagsArg & 0xffffffffn);
  if ((flags & ~KNOWN_FLAGS) !== 0) return fails(Errno.EINVAL);
  if ((flags & GetrandomFlag.GRND_INSECURE) !== 0 && (flags & GetrandomFlag.GRND_RANDOM) !== 0) {
    return fails(Errno.EINVAL);
  }
  const length = lengthArg < BigInt(CALL_MAX) ? Number(lengthArg) : CALL_MAX;
  if (length === 0) return returns(0);
  const bytes = random.getrandom(context.process.common, length);
  let written = 0;
  while (written < length) {
    // Up to the next page boundary, so that a fault ends the copy where the kernel's would.
    const at = buffer + BigInt(written);
    const chunk = Math.min(length - written, PAGE - Number(at % BigInt(PAGE)));
    if (context.memory.write(context.thread.nativeTid, at, bytes.subarray(written, written + chunk)) < 0) break;
    written += chunk;
  }
  if (written < length) random.unread(context.process.common, length - written);
  return written === 0 ? fails(Errno.EFAULT) : returns(written);
};
