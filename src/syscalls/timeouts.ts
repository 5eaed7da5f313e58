/**
 * Waits with a timeout on the virtual clock (virtual time mode): poll, ppoll, select, pselect6,
 * epoll_wait, epoll_pwait, epoll_pwait2 and futex waits (sem_timedwait, timed condition waits).
 * The wait runs natively, so readiness, wake-ups and signals stay the kernel's; its timeout is cut
 * into real slices of at most 10 ms. When a slice runs out before the virtual deadline, umbra
 * restarts the call as the program made it (its memory put back); once the clock has reached the
 * deadline (a jump, when everyone waits), the call times out as Linux would say.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { decodeTimespec, encodeTimespec } from "../abi/timespec.ts";
import { int, native, type Outcome, type SyscallContext } from "./context.ts";
import type { Handler } from "./context.ts";

/** Real time one native slice of a timed wait lasts at most (unless Limits.waitSliceNs says otherwise). */
const SLICE_NS = 10_000_000n;
/** The kernel's "interrupted, to be restarted" results. */
const RESTARTS: ReadonlySet<bigint> = new Set(
  [Errno.ERESTARTSYS, Errno.ERESTARTNOINTR, Errno.ERESTARTNOHAND, Errno.ERESTART_RESTARTBLOCK].map(BigInt),
);
const NS_PER_MS = 1_000_000n;

/** How one syscall's timeout is replaced by a slice, and what its "timed out" looks like. */
interface Slicing {
  /** The arguments for a native wait of `sliceNs` (may write the slice into tracee memory). */
  args(sliceNs: bigint): readonly bigint[];
  /**
   * Puts back the memory `args` changed, before a restart or the return; before a restart, also
   * what the native call changed that the program must find as it left it (select's fd sets).
   */
  restore?(restarting: boolean): void;
  /** Writes what the program sees of the time left, when the call ends (select, ppoll). */
  finish?(leftNs: bigint): void;
  /** The native result of a slice that ran out. */
  timedOut: bigint;
}

/** Runs a wait with virtual timeout `timeoutNs` in real slices. */
function sliced(context: SyscallContext, timeoutNs: bigint, slicing: Slicing): Outcome {
  const { thread, nr } = context;
  const clock = context.kernel.clock;
  const deadline = thread.timedWait?.nr === nr ? thread.timedWait.deadline : clock.now + timeoutNs;
  const left = deadline - clock.now;
  // Unsliced (deterministic scheduling): the native wait never ends by itself before umbra
  // interrupts it at the deadline, however short the virtual time left.
  const unsliced = context.limits.waitSliceNs;
  const slice = left <= 0n ? 0n : unsliced ?? (left < SLICE_NS ? left : SLICE_NS);
  context.kernel.timedWait(thread, { nr, deadline });
  return {
    kind: "rewrite",
    args: slicing.args(slice),
    restore: true,
    exit: (ended) => {
      // Interrupted at or after its deadline (umbra's interrupt, under deterministic scheduling):
      // the wait timed out, as it would have natively by then.
      const result = RESTARTS.has(-ended) && clock.now >= deadline ? slicing.timedOut : ended;
      const restarting = result === slicing.timedOut && clock.now < deadline;
      slicing.restore?.(restarting);
      if (restarting) return { restart: true };
      context.kernel.timedWait(thread, null);
      slicing.finish?.(deadline > clock.now ? deadline - clock.now : 0n);
      // A stop and continue must restart the whole call (virtual deadline kept), not the kernel's
      // restart block with what is left of the real slice.
      return result === -BigInt(Errno.ERESTART_RESTARTBLOCK) ? -BigInt(Errno.ERESTARTNOHAND) : result;
    },
  };
}

/** Reads a valid timespec (timeval with `unit` 1000) in ns; undefined lets the kernel judge it. */
function readTimeout(context: SyscallContext, address: bigint, unit = 1n): bigint | undefined {
  const bytes = context.memory.read(context.thread.nativeTid, address, 16);
  return typeof bytes === "number" ? undefined : decodeTimespec(bytes, unit);
}

/** A wait whose timeout is an int of milliseconds in argument `index` (negative: forever). */
function millisecondWait(index: number): Handler {
  return (context) => {
    const timeout = int(context.args[index]);
    if (timeout <= 0) return native();
    return sliced(context, BigInt(timeout) * NS_PER_MS, {
      args: (slice) => withArgument(context, index, (slice + NS_PER_MS - 1n) / NS_PER_MS),
      timedOut: 0n,
    });
  };
}

function withArgument(context: SyscallContext, index: number, value: bigint): bigint[] {
  const args = [...context.args];
  args[index] = value;
  return args;
}

/**
 * A wait whose timeout is a struct in memory at argument `index`; the slice is written there and
 * the original put back. `sets`: fd_set arguments select may clear, saved and put back too.
 */
function memoryWait(index: number, unit: bigint, options: { writesLeft: boolean; sets?: number[] }): Handler {
  return (context) => {
    const address = context.args[index];
    if (address === 0n) return native();
    const timeout = readTimeout(context, address, unit);
    if (timeout === undefined) return native();
    const tid = context.thread.nativeTid;
    const original = encodeTimespec(timeout, unit);
    const saved = savedSets(context, options.sets ?? []);
    return sliced(context, timeout, {
      args: (slice) => {
        context.memory.write(tid, address, encodeTimespec(slice, unit));
        return context.args;
      },
      restore: (restarting) => {
        context.memory.write(tid, address, original);
        // The kernel's result sets are the program's answer; only a slice that ran out gives them back.
        if (restarting) { for (const [at, bytes] of saved) context.memory.write(tid, at, bytes); }
      },
      finish: options.writesLeft ? (left) => context.memory.write(tid, address, encodeTimespec(left, unit)) : undefined,
      timedOut: 0n,
    });
  };
}

/** The fd_sets (arguments `indexes`) of a select call, to put back before a restart. */
function savedSets(context: SyscallContext, indexes: number[]): [bigint, Uint8Array][] {
  const bytes = Math.ceil(Math.max(0, int(context.args[0])) / 64) * 8;
  const saved: [bigint, Uint8Array][] = [];
  for (const index of indexes) {
    const address = context.args[index];
    if (address === 0n || bytes === 0) continue;
    const set = context.memory.read(context.thread.nativeTid, address, bytes);
    if (typeof set !== "number") saved.push([address, set]);
  }
  return saved;
}

/** poll(2). */
export const poll: Handler = millisecondWait(2);
/** epoll_wait(2). */
export const epoll_wait: Handler = millisecondWait(3);
/** epoll_pwait(2). */
export const epoll_pwait: Handler = millisecondWait(3);
/** epoll_pwait2(2): timespec timeout. */
export const epoll_pwait2: Handler = memoryWait(3, 1n, { writesLeft: false });
/** ppoll(2): the kernel writes back the time left. */
export const ppoll: Handler = memoryWait(2, 1n, { writesLeft: true });
/** select(2): timeval timeout, time left written back, fd sets restored between slices. */
export const select: Handler = memoryWait(4, 1000n, { writesLeft: true, sets: [1, 2, 3] });
/** pselect6(2). */
export const pselect6: Handler = memoryWait(4, 1n, { writesLeft: true, sets: [1, 2, 3] });

const FUTEX_WAIT = 0;
const FUTEX_WAIT_BITSET = 9;
const FUTEX_PRIVATE_FLAG = 128;
const FUTEX_CLOCK_REALTIME = 256;
const FUTEX_CMD_MASK = 0x7f;
const FUTEX_BITSET_MATCH_ANY = 0xffffffffn;

/** The futex operations traced (waits, private or not, either clock). */
export const FUTEX_WAIT_OPS: readonly number[] = [FUTEX_WAIT, FUTEX_WAIT_BITSET].flatMap((cmd) => [
  cmd,
  cmd | FUTEX_PRIVATE_FLAG,
  cmd | FUTEX_CLOCK_REALTIME,
  cmd | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME,
]);

/**
 * futex(2) FUTEX_WAIT (relative timeout) and FUTEX_WAIT_BITSET with the match-any bitset
 * (absolute timeout on CLOCK_MONOTONIC or CLOCK_REALTIME): sliced as relative FUTEX_WAITs.
 * Other bitsets and untimed waits stay native.
 */
export const futex: Handler = (context) => {
  const op = int(context.args[1]);
  const address = context.args[3];
  if (address === 0n) return native();
  const value = readTimeout(context, address);
  if (value === undefined) return native();
  const clock = context.kernel.clock;
  let timeout = value;
  if ((op & FUTEX_CMD_MASK) === FUTEX_WAIT_BITSET) {
    if (BigInt.asUintN(32, context.args[5]) !== FUTEX_BITSET_MATCH_ANY) return native();
    timeout = value - (op & FUTEX_CLOCK_REALTIME ? clock.realtime : clock.now);
    if (timeout < 0n) timeout = 0n;
  }
  const tid = context.thread.nativeTid;
  const original = encodeTimespec(value);
  return sliced(context, timeout, {
    args: (slice) => {
      context.memory.write(tid, address, encodeTimespec(slice));
      return withArgument(context, 1, BigInt((op & FUTEX_PRIVATE_FLAG) | FUTEX_WAIT));
    },
    restore: () => context.memory.write(tid, address, original),
    timedOut: -BigInt(Errno.ETIMEDOUT),
  });
};
