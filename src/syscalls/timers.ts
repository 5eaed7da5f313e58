/**
 * POSIX timers (timer_create(2) and friends) on the virtual clock, in virtual time mode. Timers on
 * CPU-time clocks stay native; umbra's ids start at VIRTUAL_TIMER_BASE so the two never mix.
 * A periodic timer whose periods end faster than the program runs sends one signal per jump of
 * the clock, the periods it missed counted as its overrun, as the kernel does.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { Signal, SIGRTMAX } from "../abi/signals.ts";
import type { PosixTimer } from "../kernel/process.ts";
import { fails, type Handler, int, native, returns, type SyscallContext } from "./context.ts";
import { currentItimerspec, newSetting } from "./timer_args.ts";

/** umbra's timer ids start here (the kernel's own, for CPU-time clocks, start at 0). */
export const VIRTUAL_TIMER_BASE = 0x4000_0000;

const SIGEV_SIGNAL = 0;
const SIGEV_NONE = 1;
const SIGEV_THREAD_ID = 4;
const TIMER_ABSTIME = 1;
/** Clocks umbra keeps: realtime (with the epoch) and monotonic ones. */
const REALTIME = new Set([0, 5, 8, 11]);
const MONOTONIC = new Set([1, 4, 6, 7, 9]);

/** The timer `id` of the caller, when it is one of umbra's. */
function timerOf(context: SyscallContext): PosixTimer | undefined {
  return context.process.common.posixTimers.get(int(context.args[0]));
}

function isVirtualId(id: number): boolean {
  return id >= VIRTUAL_TIMER_BASE;
}

/** timer_create(2). */
export const timer_create: Handler = (context) => {
  const clock = int(context.args[0]);
  if (!REALTIME.has(clock) && !MONOTONIC.has(clock)) return native();
  const [, event, idAddress] = context.args;
  const timers = context.process.common.posixTimers;
  let id = VIRTUAL_TIMER_BASE;
  while (timers.has(id)) id++; // the lowest free id, as the kernel hands them out
  let notify: PosixTimer["notify"] = "signal";
  let signal: number = Signal.SIGALRM;
  let value = BigInt(id);
  let thread: number | null = null;
  if (event !== 0n) {
    const bytes = context.memory.read(context.thread.nativeTid, event, 20);
    if (typeof bytes === "number") return fails(Errno.EFAULT);
    const view = new DataView(bytes.buffer);
    value = view.getBigUint64(0, true);
    signal = view.getInt32(8, true);
    const how = view.getInt32(12, true);
    if (how === SIGEV_NONE) notify = "none";
    else if (how !== SIGEV_SIGNAL && how !== SIGEV_THREAD_ID) return fails(Errno.EINVAL);
    if (notify === "signal" && (signal < 1 || signal > SIGRTMAX)) return fails(Errno.EINVAL);
    if (how === SIGEV_THREAD_ID) {
      thread = view.getInt32(16, true);
      if (!context.process.threads.has(thread)) return fails(Errno.EINVAL);
    }
  }
  if (context.memory.writeI32(context.thread.nativeTid, idAddress, id) !== 0) return fails(Errno.EFAULT);
  const kind = REALTIME.has(clock) ? "realtime" : "monotonic";
  const timer: PosixTimer = {
    id,
    clock: kind,
    notify,
    signal,
    value,
    thread,
    deadline: null,
    interval: 0n,
    overrun: 0,
    cancel: () => {},
  };
  context.kernel.addPosixTimer(context.process, timer);
  return returns(0);
};

/** timer_settime(2). */
export const timer_settime: Handler = (context) => {
  if (!isVirtualId(int(context.args[0]))) return native();
  const timer = timerOf(context);
  if (!timer) return fails(Errno.EINVAL);
  const setting = newSetting(context, timer, TIMER_ABSTIME);
  if ("kind" in setting) return setting;
  context.kernel.armPosixTimer(context.process, timer, setting.deadline, setting.interval);
  return returns(0);
};

/** timer_gettime(2). */
export const timer_gettime: Handler = (context) => {
  if (!isVirtualId(int(context.args[0]))) return native();
  const timer = timerOf(context);
  if (!timer) return fails(Errno.EINVAL);
  const written = context.memory.write(
    context.thread.nativeTid,
    context.args[1],
    currentItimerspec(context.kernel.clock, timer),
  );
  return written === 0 ? returns(0) : fails(Errno.EFAULT);
};

/** timer_getoverrun(2): the periods missed before the timer's last expiry. */
export const timer_getoverrun: Handler = (context) => {
  if (!isVirtualId(int(context.args[0]))) return native();
  const timer = timerOf(context);
  return timer ? returns(timer.overrun) : fails(Errno.EINVAL);
};

/** timer_delete(2). */
export const timer_delete: Handler = (context) => {
  if (!isVirtualId(int(context.args[0]))) return native();
  const timer = timerOf(context);
  if (!timer) return fails(Errno.EINVAL);
  context.kernel.deletePosixTimer(context.process, timer);
  return returns(0);
};
