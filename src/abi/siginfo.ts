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
const OFFSET_ERRNO = 4;
const OFFSET_CODE = 8;
const OFFSET_PID = 16;
const OFFSET_UID = 20;
const OFFSET_STATUS = 24;
const OFFSET_UTIME = 32;
const OFFSET_STIME = 40;

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

/** Sets si_pid. */
export function setSiginfoPid(bytes: Uint8Array, pid: number): void {
  view(bytes).setInt32(OFFSET_PID, pid, true);
}

/** A siginfo from a process: SI_USER (kill) style, with sender pid and uid. */
export function userSiginfo(signo: number, code: number, pid: number, uid: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(SIGINFO_SIZE);
  const v = view(bytes);
  v.setInt32(OFFSET_SIGNO, signo, true);
  v.setInt32(OFFSET_CODE, code, true);
  v.setInt32(OFFSET_PID, pid, true);
  v.setInt32(OFFSET_UID, uid, true);
  return bytes;
}

/** The siginfo of a SIGCHLD-style child notification (CLD_* code), clock ticks for times. */
export function childSiginfo(
  signo: number,
  fields: { code: number; pid: number; uid: number; status: number; utimeTicks: number; stimeTicks: number },
): Uint8Array<ArrayBuffer> {
  const bytes = userSiginfo(signo, fields.code, fields.pid, fields.uid);
  const v = view(bytes);
  v.setInt32(OFFSET_ERRNO, 0, true);
  v.setInt32(OFFSET_STATUS, fields.status, true);
  v.setBigInt64(OFFSET_UTIME, BigInt(fields.utimeTicks), true);
  v.setBigInt64(OFFSET_STIME, BigInt(fields.stimeTicks), true);
  return bytes;
}

/** The part waitid(2) writes: si_signo, si_errno, si_code, si_pid, si_uid, si_status (24 bytes at 0). */
export function waitidSiginfo(fields: { signo: number; code: number; pid: number; uid: number; status: number }) {
  const bytes = new Uint8Array(OFFSET_STATUS + 4);
  const v = view(bytes);
  v.setInt32(OFFSET_SIGNO, fields.signo, true);
  v.setInt32(OFFSET_ERRNO, 0, true);
  v.setInt32(OFFSET_CODE, fields.code, true);
  v.setInt32(OFFSET_PID, fields.pid, true);
  v.setInt32(OFFSET_UID, fields.uid, true);
  v.setInt32(OFFSET_STATUS, fields.status, true);
  return bytes;
}

/** The fields of a siginfo that a signalfd record repeats. */
export interface SiginfoFields {
  signo: number;
  code: number;
  pid: number;
  uid: number;
  status: number;
  utime: bigint;
  stime: bigint;
}

/** Reads the fields signalfd(2) records carry (status and times are SIGCHLD's). */
export function siginfoFields(bytes: Uint8Array): SiginfoFields {
  const v = view(bytes);
  return {
    signo: v.getInt32(OFFSET_SIGNO, true),
    code: v.getInt32(OFFSET_CODE, true),
    pid: v.getInt32(OFFSET_PID, true),
    uid: v.getInt32(OFFSET_UID, true),
    status: v.getInt32(OFFSET_STATUS, true),
    utime: v.getBigInt64(OFFSET_UTIME, true),
    stime: v.getBigInt64(OFFSET_STIME, true),
  };
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
