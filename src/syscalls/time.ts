/**
 * Time on the sandbox's virtual clock (virtual time mode only; in real mode none of these is
 * traced). Clock reads are answered from the model and cost CLOCK_READ_COST_NS; sleeps park the
 * thread until the clock reaches their end; ITIMER_REAL (alarm, setitimer) runs on the clock.
 * CPU-time clocks (process, thread, and the clock ids of other processes) stay native: they
 * measure real CPU time, which umbra does not simulate. ITIMER_VIRTUAL and ITIMER_PROF likewise.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { decodeTimespec, encodeItimer, encodeTimespec, NS_PER_SECOND } from "../abi/timespec.ts";
import { fails, type Handler, int, native, type Outcome, returns, type SyscallContext } from "./context.ts";

const NS_PER_MICRO = 1_000n;

/** Clock ids (clock_gettime(2)). */
export const ClockId = {
  CLOCK_REALTIME: 0,
  CLOCK_MONOTONIC: 1,
  CLOCK_PROCESS_CPUTIME_ID: 2,
  CLOCK_THREAD_CPUTIME_ID: 3,
  CLOCK_MONOTONIC_RAW: 4,
  CLOCK_REALTIME_COARSE: 5,
  CLOCK_MONOTONIC_COARSE: 6,
  CLOCK_BOOTTIME: 7,
  CLOCK_REALTIME_ALARM: 8,
  CLOCK_BOOTTIME_ALARM: 9,
  CLOCK_TAI: 11,
} as const;

/** Clocks with no nanosleep in the kernel (clock_nanosleep is EOPNOTSUPP). */
const NO_SLEEP_CLOCKS = new Set<number>([
  ClockId.CLOCK_MONOTONIC_RAW,
  ClockId.CLOCK_REALTIME_COARSE,
  ClockId.CLOCK_MONOTONIC_COARSE,
]);

const REALTIME_CLOCKS = new Set<number>([
  ClockId.CLOCK_REALTIME,
  ClockId.CLOCK_REALTIME_COARSE,
  ClockId.CLOCK_REALTIME_ALARM,
  ClockId.CLOCK_TAI,
]);
const MONOTONIC_CLOCKS = new Set<number>([
  ClockId.CLOCK_MONOTONIC,
  ClockId.CLOCK_MONOTONIC_RAW,
  ClockId.CLOCK_MONOTONIC_COARSE,
  ClockId.CLOCK_BOOTTIME,
  ClockId.CLOCK_BOOTTIME_ALARM,
]);

/** Reads virtual `clock` (the read costs time), or undefined for a clock that stays native. */
function reading(context: SyscallContext, clock: number): bigint | undefined {
  const time = context.kernel.clock;
  if (REALTIME_CLOCKS.has(clock)) return time.epochNs + time.read();
  if (MONOTONIC_CLOCKS.has(clock)) return time.read();
  return undefined;
}

/** The current reading of `clock` without reading it (no cost), for sleeps' bases. */
function peek(context: SyscallContext, clock: number): bigint | undefined {
  const time = context.kernel.clock;
  if (REALTIME_CLOCKS.has(clock)) return time.realtime;
  if (MONOTONIC_CLOCKS.has(clock)) return time.now;
  return undefined;
}

function put(context: SyscallContext, address: bigint, bytes: Uint8Array): Outcome {
  return context.memory.write(context.thread.nativeTid, address, bytes) === 0 ? returns(0) : fails(Errno.EFAULT);
}

/** Reads a struct timespec (or timeval with `unit` 1000), validated as the kernel does. */
function readDuration(context: SyscallContext, address: bigint, unit = 1n): bigint | Outcome {
  const bytes = context.memory.read(context.thread.nativeTid, address, 16);
  if (typeof bytes === "number") return fails(Errno.EFAULT);
  return decodeTimespec(bytes, unit) ?? fails(Errno.EINVAL);
}

/** clock_gettime(2). */
export const clock_gettime: Handler = (context) => {
  const value = reading(context, int(context.args[0]));
  if (value === undefined) return native();
  return put(context, context.args[1], encodeTimespec(value));
};

/** gettimeofday(2); the obsolete timezone comes back zeroed. */
export const gettimeofday: Handler = (context) => {
  const [tv, tz] = context.args;
  const now = reading(context, ClockId.CLOCK_REALTIME)!;
  if (tv !== 0n) {
    const outcome = put(context, tv, encodeTimespec(now, NS_PER_MICRO));
    if (outcome.kind === "return" && outcome.value !== 0n) return outcome;
  }
  return tz === 0n ? returns(0) : put(context, tz, new Uint8Array(8));
};

/** time(2). */
export const time: Handler = (context) => {
  const seconds = reading(context, ClockId.CLOCK_REALTIME)! / NS_PER_SECOND;
  const address = context.args[0];
  if (address !== 0n) {
    const outcome = put(context, address, encodeTimespec(seconds * NS_PER_SECOND).subarray(0, 8));
    if (outcome.kind === "return" && outcome.value !== 0n) return outcome;
  }
  return returns(seconds);
};

/**
 * A sleep until virtual time `end`. Interrupted by a handled signal it fails with EINTR and,
 * with `remaining`, writes the time left; with no handler (a stop and continue) it restarts.
 */
function sleepUntil(context: SyscallContext, end: bigint, remaining: bigint): Outcome {
  const clock = context.kernel.clock;
  if (clock.now >= end) return returns(0);
  return {
    kind: "block",
    blocked: {
      retry: () => clock.now >= end ? returns(0) : null,
      restartErrno: Errno.ERESTARTNOHAND,
      wakeAt: end,
      onInterrupt: () => {
        if (remaining === 0n) return;
        const left = end > clock.now ? end - clock.now : 0n;
        context.memory.write(context.thread.nativeTid, remaining, encodeTimespec(left));
      },
    },
  };
}

/** nanosleep(2). */
export const nanosleep: Handler = (context) => {
  const duration = readDuration(context, context.args[0]);
  if (typeof duration !== "bigint") return duration;
  return sleepUntil(context, context.kernel.clock.now + duration, context.args[1]);
};

const TIMER_ABSTIME = 1;

/** clock_nanosleep(2): relative or TIMER_ABSTIME on a virtual clock; CPU-time clocks stay native. */
export const clock_nanosleep: Handler = (context) => {
  const clock = int(context.args[0]);
  const flags = int(context.args[1]);
  if (peek(context, clock) === undefined) return native();
  // Readable clocks that cannot sleep: the kernel says so before it reads the time asked for.
  if (NO_SLEEP_CLOCKS.has(clock)) return fails(Errno.EOPNOTSUPP);
  const duration = readDuration(context, context.args[2]);
  if (typeof duration !== "bigint") return duration;
  if (flags & TIMER_ABSTIME) {
    // An absolute time on the clock read; realtime clocks count from the epoch.
    const end = duration - (REALTIME_CLOCKS.has(clock) ? context.kernel.clock.epochNs : 0n);
    return sleepUntil(context, end, 0n);
  }
  return sleepUntil(context, context.kernel.clock.now + duration, context.args[3]);
};

const ITIMER_REAL = 0;

/** The time left on ITIMER_REAL and its interval, as struct itimerval (timeval pairs). */
function itimerval(context: SyscallContext): Uint8Array<ArrayBuffer> {
  const timer = context.process.common.realTimer;
  const left = timer ? timer.deadline - context.kernel.clock.now : 0n;
  const interval = timer?.interval ?? 0n;
  return encodeItimer(interval, left, NS_PER_MICRO);
}

/** getitimer(2): ITIMER_REAL from the model; the CPU-time timers stay native. */
export const getitimer: Handler = (context) => {
  if (int(context.args[0]) !== ITIMER_REAL) return native();
  return put(context, context.args[1], itimerval(context));
};

/** setitimer(2): ITIMER_REAL on the virtual clock; the CPU-time timers stay native. */
export const setitimer: Handler = (context) => {
  if (int(context.args[0]) !== ITIMER_REAL) return native();
  const [, value, old] = context.args;
  if (value === 0n) return fails(Errno.EFAULT);
  const interval = readDuration(context, value, NS_PER_MICRO);
  if (typeof interval !== "bigint") return interval;
  const first = readDuration(context, value + 16n, NS_PER_MICRO);
  if (typeof first !== "bigint") return first;
  const previous = itimerval(context);
  if (old !== 0n && context.memory.write(context.thread.nativeTid, old, previous) !== 0) return fails(Errno.EFAULT);
  context.kernel.setRealTimer(context.process, first, interval);
  return returns(0);
};

/** alarm(2): returns the seconds left on the previous alarm (rounded as Linux does). */
export const alarm: Handler = (context) => {
  const timer = context.process.common.realTimer;
  const left = timer ? timer.deadline - context.kernel.clock.now : 0n;
  let seconds = left / NS_PER_SECOND;
  const micros = (left % NS_PER_SECOND) / NS_PER_MICRO;
  if ((seconds === 0n && micros > 0n) || micros >= 500_000n) seconds++;
  context.kernel.setRealTimer(context.process, BigInt.asUintN(32, context.args[0]) * NS_PER_SECOND, 0n);
  return returns(seconds);
};
