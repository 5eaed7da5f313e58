/**
 * struct rusage (getrusage(2)) on x86_64: two timevals and fourteen longs, 144 bytes.
 * @module
 */

/** Size of struct rusage. */
export const RUSAGE_SIZE = 144;

/** Resource usage in struct rusage's terms; times in microseconds. */
export interface ResourceUsage {
  userMicros: bigint;
  systemMicros: bigint;
  /** ru_maxrss .. ru_nivcsw, in struct order. */
  longs: bigint[];
}

/** Index of ru_maxrss in `longs` (a maximum, not a sum, when usages are added). */
const MAXRSS = 0;

/** Zero usage. */
export function emptyUsage(): ResourceUsage {
  return { userMicros: 0n, systemMicros: 0n, longs: new Array(14).fill(0n) };
}

/** `a + b` as the kernel accumulates children's usage (maxrss: the maximum). */
export function addUsage(a: ResourceUsage, b: ResourceUsage): ResourceUsage {
  return {
    userMicros: a.userMicros + b.userMicros,
    systemMicros: a.systemMicros + b.systemMicros,
    longs: a.longs.map((value, i) => i === MAXRSS ? (value > b.longs[i] ? value : b.longs[i]) : value + b.longs[i]),
  };
}

/** Decodes the exited event's usage: micros in two args, the 14 longs in the payload. */
export function decodeUsage(userMicros: bigint, systemMicros: bigint, payload: Uint8Array): ResourceUsage {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const longs: bigint[] = [];
  for (let i = 0; i < 14; i++) longs.push(view.getBigInt64(8 * i, true));
  return { userMicros, systemMicros, longs };
}

/** Encodes struct rusage. */
export function encodeUsage(usage: ResourceUsage): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(RUSAGE_SIZE);
  const view = new DataView(bytes.buffer);
  view.setBigInt64(0, usage.userMicros / 1_000_000n, true);
  view.setBigInt64(8, usage.userMicros % 1_000_000n, true);
  view.setBigInt64(16, usage.systemMicros / 1_000_000n, true);
  view.setBigInt64(24, usage.systemMicros % 1_000_000n, true);
  usage.longs.forEach((value, i) => view.setBigInt64(32 + 8 * i, value, true));
  return bytes;
}

/** Clock ticks (USER_HZ = 100) for si_utime/si_stime. */
export function microsToTicks(micros: bigint): number {
  return Number(micros / 10_000n);
}
