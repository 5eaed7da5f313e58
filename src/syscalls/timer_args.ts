/**
 * What timer_settime(2) and timerfd_settime(2) share: reading the new struct itimerspec, showing
 * a timer's current one, and turning a first expiry into a virtual deadline.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { decodeItimer, encodeItimer } from "../abi/timespec.ts";
import type { VirtualClock } from "../kernel/clock.ts";
import { fails, int, type Outcome, type SyscallContext } from "./context.ts";

/** The struct itimerspec at `address`, or the failure the kernel gives (EFAULT, EINVAL). */
function readItimerspec(
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
function firstDeadline(
  clock: VirtualClock,
  timerClock: "realtime" | "monotonic",
  value: bigint,
  absolute: boolean,
): bigint | null {
  if (value === 0n) return null;
  if (!absolute) return clock.now + value;
  return value - (timerClock === "realtime" ? clock.epochNs : 0n);
}

/**
 * The settime calls' common part, arguments (id, flags, new, old): reads the new value, writes
 * `timer`'s current one to `old` (when given) and returns the new first deadline and interval,
 * or the failure. `absoluteFlag` is the flags bit for an absolute first expiry.
 */
export function newSetting(
  context: SyscallContext,
  timer: { clock: "realtime" | "monotonic"; deadline: bigint | null; interval: bigint },
  absoluteFlag: number,
): { deadline: bigint | null; interval: bigint } | Outcome {
  const [, flags, value, old] = context.args;
  const spec = readItimerspec(context, value);
  if ("kind" in spec) return spec;
  const clock = context.kernel.clock;
  if (old !== 0n && context.memory.write(context.thread.nativeTid, old, currentItimerspec(clock, timer)) !== 0) {
    return fails(Errno.EFAULT);
  }
  const absolute = (int(flags) & absoluteFlag) !== 0;
  return { deadline: firstDeadline(clock, timer.clock, spec.value, absolute), interval: spec.interval };
}
