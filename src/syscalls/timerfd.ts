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
import { currentItimerspec, newSetting } from "./timer_args.ts";

const CLOCK_MONOTONIC = 1n;
const REALTIME = new Set([0, 8]); // CLOCK_REALTIME, CLOCK_REALTIME_ALARM
const MONOTONIC = new Set([1, 7, 9]); // CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM
const TFD_CLOEXEC = 0o2000000;
const TFD_TIMER_ABSTIME = 1;

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
    context.kernel.addTimerfd(context.process, fd, {
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

/** timerfd_settime(2). */
export const timerfd_settime: Handler = (context) => {
  const timer = timerfdOf(context);
  if (!timer) return native();
  const setting = newSetting(context, timer, TFD_TIMER_ABSTIME);
  if ("kind" in setting) return setting;
  context.native.armTimerfd(timer.umbraFd, 0n); // disarm; the kernel resets the count, as a settime does
  context.kernel.armTimerfd(timer, setting.deadline, setting.interval);
  return returns(0);
};

/** timerfd_gettime(2). */
export const timerfd_gettime: Handler = (context) => {
  const timer = timerfdOf(context);
  if (!timer) return native();
  const written = context.memory.write(
    context.thread.nativeTid,
    context.args[1],
    currentItimerspec(context.kernel.clock, timer),
  );
  return written === 0 ? returns(0) : fails(Errno.EFAULT);
};
