/**
 * gdb's remote protocol numbers signals its own way (gdb's `enum gdb_signal`, BSD-derived),
 * not Linux's: a stop reply says T1e for SIGUSR1 (Linux 10), and C1e passes it on.
 * @module
 */

/** gdb numbers of Linux signals 1-31 (index = Linux number); 143 is GDB_SIGNAL_UNKNOWN. */
const STANDARD = [
  0,
  1,
  2,
  3,
  4,
  5,
  6,
  10,
  8,
  9,
  30,
  11,
  31,
  13,
  14,
  15,
  143,
  20,
  19,
  17,
  18,
  21,
  22,
  16,
  24,
  25,
  26,
  27,
  28,
  23,
  32,
  12,
];
const UNKNOWN = 143;

/** gdb's number for Linux signal `signal`. */
export function gdbSignal(signal: number): number {
  if (signal >= 0 && signal < STANDARD.length) return STANDARD[signal];
  if (signal === 32) return 77; // GDB_SIGNAL_REALTIME_32
  if (signal >= 33 && signal <= 63) return 45 + signal - 33; // REALTIME_33..63
  if (signal === 64) return 78; // GDB_SIGNAL_REALTIME_64
  return UNKNOWN;
}

/** The Linux signal for gdb's number `gdb`, or 0 for one Linux does not have. */
export function linuxSignal(gdb: number): number {
  for (let signal = 1; signal <= 64; signal++) {
    if (gdbSignal(signal) === gdb && gdb !== UNKNOWN) return signal;
  }
  return 0;
}
