/**
 * siginfo_t as the kernel lays it out on x86_64 (128 bytes): the fields umbra reads or writes.
 * @module
 */

import { Signal } from "./signals.ts";

/** Size of siginfo_t. */
export const SIGINFO_SIZE = 128;

/** si_code values. */
export const SiCode = {
  SI_USER: 0,
  SI_KERNEL: 0x80,
  SI_QUEUE: -1,
  SI_TIMER: -2,
  SI_TKILL: -6,
  CLD_EXITED: 1,
  CLD_KILLED: 2,
  CLD_DUMPED: 3,
  CLD_TRAPPED: 4,
  CLD_STOPPED: 5,
  CLD_CONTINUED: 6,
} as const;

const OFFSET_SIGNO = 0;
const OFFSET_CODE = 8;
const OFFSET_PID = 16;
const OFFSET_UID = 20;
const OFFSET_STATUS = 24;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** si_signo. */
export function siginfoSigno(bytes: Uint8Array): number {
  return view(bytes).getInt32(OFFSET_SIGNO, true);
}

/** si_code. */
export function siginfoCode(bytes: Uint8Array): number {
  return view(bytes).getInt32(OFFSET_CODE, true);
}

/**
 * Whether the kernel filled si_pid with a native pid: the sender of kill/tkill/tgkill, or the
 * child of a SIGCHLD. (rt_sigqueueinfo's si_pid is whatever the sender wrote, virtual already.)
 */
export function carriesPid(bytes: Uint8Array): boolean {
  const code = siginfoCode(bytes);
  if (code === SiCode.SI_USER || code === SiCode.SI_TKILL) return true;
  return siginfoSigno(bytes) === Signal.SIGCHLD && code >= SiCode.CLD_EXITED && code <= SiCode.CLD_CONTINUED;
}

/** si_pid. */
export function siginfoPid(bytes: Uint8Array): number {
  return view(bytes).getInt32(OFFSET_PID, true);
}

/** A POSIX-timer style siginfo (SI_TIMER): timer id, overrun count and the sigevent's value. */
export function timerSiginfo(signo: number, timerId: number, overrun: number, value = 0n): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(SIGINFO_SIZE);
  const v = view(bytes);
  v.setInt32(OFFSET_SIGNO, signo, true);
  v.setInt32(OFFSET_CODE, SiCode.SI_TIMER, true);
  v.setInt32(OFFSET_PID, timerId, true); // si_tid shares si_pid's place
  v.setInt32(OFFSET_UID, overrun, true); // si_overrun shares si_uid's place
  v.setBigUint64(OFFSET_STATUS, BigInt.asUintN(64, value), true); // si_value follows
  return bytes;
}
