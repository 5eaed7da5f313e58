/**
 * timerfd(2) on the virtual clock (virtual time mode). The program's timerfd is a real one, so
 * read, poll and epoll behave natively; umbra keeps a duplicate of it (pidfd_getfd) and, at each
 * virtual expiry, arms that duplicate to fire after 1 ns: the program sees an expiration exactly
 * when the virtual clock says so. Known gap: a periodic timer read late shows one expiration, not
 * the number that passed (re-arming resets the count).
 * @module
 */

import { Errno } from "../abi/errno.ts";
import type { TimerFd } from "../kernel/process.ts";
import { fails, type Handler, int, native, returns, type SyscallContext, withArg } from "./context.ts";

const NS_PER_SECOND = 1_000_000_000n;
const CLOCK_MONOTONIC = 1n;
const REALTIME = new Set([0, 8]); // CLOCK_REALTIME, CLOCK_REALTIME_ALARM
const MONOTONIC = new Set([1, 7, 9]); // CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM
const TFD_CLOEXEC = 0o2000000;
const TFD_TIMER_ABSTIME = 1;

function itimerspec(interval: bigint, value: bigint): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(32);
  const view = new DataView(bytes.buffer);
  [interval, value].forEach((ns, i) => {
    view.setBigInt64(16 * i, ns / NS_PER_SECOND, true);
    view.setBigInt64(16 * i + 8, ns % NS_PER_SECOND, true);
  });
  return bytes;
}

function current(context: SyscallContext, timer: TimerFd): Uint8Array<ArrayBuffer> {
  const now = context.kernel.clock.now;
  const left = timer.deadline === null ? 0n : timer.deadline > now ? timer.deadline - now : 1n;
  return itimerspec(timer.interval, left);
}

/** timerfd_create(2): a native timerfd (on CLOCK_MONOTONIC) that umbra drives. */
export const timerfd_create: Handler = (context) => {
  const clock = int(context.args[0]);
  if (!REALTIME.has(clock) && !MONOTONIC.has(clock)) return native();
  const flags = int(context.args[1]);
  return withArg(context, 0, CLOCK_MONOTONIC, (result) => {
    if (result < 0n) return result;
    const fd = Number(result);
    const umbraFd = context.native.duplicateFd(context.process.common.nativePid, fd);
    if (umbraFd < 0) return result; // left native: real time
    context.process.common.timerfds.set(fd, {
      clock: REALTIME.has(clock) ? "realtime" : "monotonic",
      umbraFd,
      closeOnExec: (flags & TFD_CLOEXEC) !== 0,
      deadline: null,
      interval: 0n,
      cancel: () => {},
    });
    return result;
  });
};

/** The virtual timerfd behind the call's descriptor, if umbra drives it. */
function timerfdOf(context: SyscallContext): TimerFd | undefined {
  return context.process.common.timerfds.get(int(context.args[0]));
}

/** Arms `timer` to expire at virtual `deadline` (null disarms), then every `interval`. */
function arm(context: SyscallContext, timer: TimerFd, deadline: bigint | null, interval: bigint): void {
  const { clock } = context.kernel;
  timer.cancel();
  timer.cancel = () => {};
  timer.deadline = deadline;
  timer.interval = interval;
  context.native.armTimerfd(timer.umbraFd, 0n); // disarm; the kernel resets the count, as a settime does
  const schedule = (at: bigint) => {
    timer.cancel = clock.schedule(at, () => {
      context.native.armTimerfd(timer.umbraFd, 1n);
      if (timer.interval > 0n) schedule(timer.deadline = at + timer.interval);
      else timer.deadline = null;
    });
  };
  if (deadline !== null) schedule(deadline);
}

/** timerfd_settime(2). */
export const timerfd_settime: Handler = (context) => {
  const timer = timerfdOf(context);
  if (!timer) return native();
  const [, flags, value, old] = context.args;
  const bytes = context.memory.read(context.thread.nativeTid, value, 32);
  if (typeof bytes === "number") return fails(Errno.EFAULT);
  const view = new DataView(bytes.buffer);
  const parts = [0, 16].map((at) => [view.getBigInt64(at, true), view.getBigInt64(at + 8, true)]);
  for (const [seconds, nanos] of parts) {
    if (seconds < 0n || nanos < 0n || nanos >= NS_PER_SECOND) return fails(Errno.EINVAL);
  }
  if (old !== 0n && context.memory.write(context.thread.nativeTid, old, current(context, timer)) !== 0) {
    return fails(Errno.EFAULT);
  }
  const [interval, first] = parts.map(([seconds, nanos]) => seconds * NS_PER_SECOND + nanos);
  const clock = context.kernel.clock;
  let deadline: bigint | null = null;
  if (first > 0n) {
    deadline = (int(flags) & TFD_TIMER_ABSTIME)
      ? first - (timer.clock === "realtime" ? clock.epochNs : 0n)
      : clock.now + first;
  }
  arm(context, timer, deadline, interval);
  return returns(0);
};

/** timerfd_gettime(2). */
export const timerfd_gettime: Handler = (context) => {
  const timer = timerfdOf(context);
  if (!timer) return native();
  const written = context.memory.write(context.thread.nativeTid, context.args[1], current(context, timer));
  return written === 0 ? returns(0) : fails(Errno.EFAULT);
};
