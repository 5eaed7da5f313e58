/**
 * Calls that would take umbra's interception away: seccomp user-notification listeners, and
 * io_uring. (What names a process is the kernel's business now: the host's pid namespace
 * holds only the sandbox.)
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { fails, type Handler, int, native } from "./context.ts";

const SECCOMP_SET_MODE_FILTER = 1;
const SECCOMP_FILTER_FLAG_NEW_LISTENER = 1n << 3n;

/**
 * seccomp(2): a program may add filters of its own (they only restrict it further), but not a
 * user-notification listener: its SECCOMP_RET_USER_NOTIF would outrank umbra's RET_TRACE and let
 * a supervisor in the sandbox run calls natively past umbra. Refused with EBUSY, as when a
 * listener exists already.
 */
export const seccomp: Handler = (context) => {
  const operation = int(context.args[0]);
  if (operation === SECCOMP_SET_MODE_FILTER && (context.args[1] & SECCOMP_FILTER_FLAG_NEW_LISTENER) !== 0n) {
    return fails(Errno.EBUSY);
  }
  return native();
};

/**
 * io_uring_setup(2): a ring runs its requests in the kernel without a syscall the filter could
 * see: a timeout would run on the real clock, a file's times would escape the virtual ones.
 * Refused with EPERM, as where kernel.io_uring_disabled is 2; programs fall back to plain
 * syscalls.
 */
export const io_uring_setup: Handler = () => fails(Errno.EPERM);
