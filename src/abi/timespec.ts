/**
 * struct timespec and struct timeval (two i64s: seconds and a fraction), and struct itimerspec /
 * struct itimerval (interval, then value), as bytes.
 * @module
 */

/** Nanoseconds per second. */
export const NS_PER_SECOND = 1_000_000_000n;

/** A struct timespec for `ns` (`unit` 1000: a struct timeval, in microseconds). */
export function encodeTimespec(ns: bigint, unit = 1n): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setBigInt64(0, ns / NS_PER_SECOND, true);
  view.setBigInt64(8, (ns % NS_PER_SECOND) / unit, true);
  return bytes;
}

/** The ns of a struct timespec (timeval with `unit` 1000), or undefined for one the kernel refuses (EINVAL). */
export function decodeTimespec(bytes: Uint8Array, unit = 1n): bigint | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const seconds = view.getBigInt64(0, true);
  const fraction = view.getBigInt64(8, true);
  if (seconds < 0n || fraction < 0n || fraction * unit >= NS_PER_SECOND) return undefined;
  return seconds * NS_PER_SECOND + fraction * unit;
}

/** A struct itimerspec (itimerval with `unit` 1000): interval, then value. */
export function encodeItimer(interval: bigint, value: bigint, unit = 1n): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(32);
  bytes.set(encodeTimespec(interval, unit), 0);
  bytes.set(encodeTimespec(value, unit), 16);
  return bytes;
}

/** The interval and value of a struct itimerspec (itimerval with `unit` 1000), or undefined when one is invalid. */
export function decodeItimer(bytes: Uint8Array, unit = 1n): { interval: bigint; value: bigint } | undefined {
  const interval = decodeTimespec(bytes.subarray(0, 16), unit);
  const value = decodeTimespec(bytes.subarray(16, 32), unit);
  return interval === undefined || value === undefined ? undefined : { interval, value };
}
