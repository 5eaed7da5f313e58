/**
 * What timer_settime(2) and timerfd_settime(2) share: reading the new struct itimerspec, showing
 * a timer's current one, and turning a first expiry into a virtual deadline.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { decodeItimer, encodeItimer } from "../abi/timespec.ts";
import type { VirtualClock } from "../kernel/clock.ts";
import { fails, type Outcome, type SyscallContext } from "./context.ts";

/** The struct itimerspec at `address`, or the failure the kernel gives (EFAULT, EINVAL). */
export function readItimerspec(
  context: SyscallContext,
  address: bigint,
): { interval: bigint; value: bigint } | Outcome {
  const bytes = context.memory.read(context.thread.nativeTid, address, 32);
  if (typeof bytes === "number") return fails(Errno.EFAULT);
  return decodeItimer(bytes) ?? fails(Errno.EINVAL);
}

/** The struct itimerspec a virtual timer shows now (due but not yet fired: 1 ns left, as in Linux). */
export function currentItimerspec(clock: VirtualClock, timer: { deadline: bigint | null; interval: bigint }) {
  const now = clock.now;
  const left = timer.deadline === null ? 0n : timer.deadline > now ? timer.deadline - now : 1n;
  return encodeItimer(timer.interval, left);
}

/**
 * The virtual deadline of a first expiry `value` (0: disarm): relative to now, or absolute on the
 * timer's clock (a realtime clock counts from the epoch).
 */
export function firstDeadline(
  clock: VirtualClock,
  timerClock: "realtime" | "monotonic",
  value: bigint,
  absolute: boolean,
): bigint | null {
  if (value === 0n) return null;
  if (!absolute) return clock.now + value;
  return value - (timerClock === "realtime" ? clock.epochNs : 0n);
}
