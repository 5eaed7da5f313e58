/**
 * siginfo_t as the kernel lays it out on x86_64: the fields umbra reads or rewrites.
 * @module
 */

import { Signal } from "../abi/signals.ts";

/** si_code values for a signal sent by a process (si_pid/si_uid are valid). */
const SI_USER = 0;
const SI_QUEUE = -1;
const SI_TKILL = -6;
/** SIGCHLD codes CLD_EXITED..CLD_CONTINUED (si_pid names the child). */
const CLD_FIRST = 1;
const CLD_LAST = 6;

const OFFSET_SIGNO = 0;
const OFFSET_CODE = 8;
const OFFSET_PID = 16;

/** Whether the siginfo's si_pid names a process (a sender or a child). */
export function carriesPid(view: DataView): boolean {
  const code = view.getInt32(OFFSET_CODE, true);
  if (code === SI_USER || code === SI_QUEUE || code === SI_TKILL) return true;
  return view.getInt32(OFFSET_SIGNO, true) === Signal.SIGCHLD && code >= CLD_FIRST && code <= CLD_LAST;
}

/** si_pid. */
export function siginfoPid(view: DataView): number {
  return view.getInt32(OFFSET_PID, true);
}

/** Sets si_pid. */
export function setSiginfoPid(view: DataView, pid: number): void {
  view.setInt32(OFFSET_PID, pid, true);
}
