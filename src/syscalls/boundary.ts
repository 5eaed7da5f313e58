/**
 * Calls that could reach a process outside the sandbox by its native pid, or take the sandbox's
 * interception away: ptrace, process_vm_readv/writev, seccomp user-notification listeners, and
 * io_uring.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { fails, type Handler, int, native, withArg } from "./context.ts";

const PTRACE_TRACEME = 0;
const PTRACE_ATTACH = 16;
const PTRACE_SEIZE = 0x4206;

/**
 * ptrace(2): every sandboxed process is umbra's tracee already, so attaching to one fails with
 * EPERM, as it would for any traced process; a pid outside the sandbox is ESRCH; a process can
 * trace nothing, so any other request is ESRCH too. (Tracers inside the sandbox: not supported.)
 */
export const ptrace: Handler = (context) => {
  const request = int(context.args[0]);
  if (request === PTRACE_TRACEME) return fails(Errno.EPERM);
  if (request !== PTRACE_ATTACH && request !== PTRACE_SEIZE) return fails(Errno.ESRCH);
  const target = context.kernel.process(context.process.common.host, int(context.args[1]));
  return target?.state.kind === "runnable" ? fails(Errno.EPERM) : fails(Errno.ESRCH);
};

/** process_vm_readv(2) and process_vm_writev(2): only on sandbox processes, by virtual pid. */
export const processVm: Handler = (context) => {
  const target = context.kernel.process(context.process.common.host, int(context.args[0]));
  if (target?.state.kind !== "runnable") return fails(Errno.ESRCH);
  return withArg(context, 0, BigInt(target.common.nativePid));
};

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
 * io_uring_setup(2): a ring runs its requests (an openat of /proc/<host pid>/mem, for one) in the
 * kernel without a syscall the filter could trace, past every check of umbra's. Refused with EPERM,
 * as where kernel.io_uring_disabled is 2; programs fall back to plain syscalls.
 */
export const io_uring_setup: Handler = () => fails(Errno.EPERM);
