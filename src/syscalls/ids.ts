/**
 * Identity syscalls: getpid, getppid, gettid, getpgrp, getpgid, getsid, setpgid, setsid,
 * set_tid_address. All answered from the model on virtual ids; nothing native changes.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { INIT_PID, type Process } from "../kernel/process.ts";
import { fails, type Handler, int, returns, type SyscallContext } from "./context.ts";

/** The process `pid` names for the caller (0: the caller), live or zombie, on its host. */
function target(context: SyscallContext, pid: number): Process | undefined {
  if (pid === 0) return context.process;
  if (pid < 0) return undefined;
  return context.kernel.process(context.process.common.host, pid);
}

/** getpid(2). */
export const getpid: Handler = ({ process }) => returns(process.id);

/** getppid(2). */
export const getppid: Handler = ({ process }) => returns(process.common.parent);

/** gettid(2). */
export const gettid: Handler = ({ thread }) => returns(thread.id);

/** getpgrp(2). */
export const getpgrp: Handler = ({ process }) => returns(process.common.group);

/** The process a thread id other than a process id names (its thread group), on the caller's host. */
function threadOwner(context: SyscallContext, tid: number): Process | undefined {
  if (tid <= 0) return undefined;
  for (const process of context.kernel.host(context.process.common.host).processes.values()) {
    if (process.threads.has(tid)) return process;
  }
  return undefined;
}

/** getpgid(2): ESRCH for a pid that is not in the caller's sandbox host; init leads group 1. */
export const getpgid: Handler = (context) => {
  const pid = int(context.args[0]);
  if (pid === INIT_PID) return returns(INIT_PID);
  const process = target(context, pid) ?? threadOwner(context, pid);
  return process ? returns(process.common.group) : fails(Errno.ESRCH);
};

/** getsid(2); init leads session 1. */
export const getsid: Handler = (context) => {
  const pid = int(context.args[0]);
  if (pid === INIT_PID) return returns(INIT_PID);
  const process = target(context, pid) ?? threadOwner(context, pid);
  return process ? returns(process.common.session) : fails(Errno.ESRCH);
};

const PF_FORKNOEXEC = 0x40;

/**
 * Whether the kernel already cleared PF_FORKNOEXEC: an execve past its point of no return whose
 * exec event umbra has not seen yet (the caller may have learnt of it, e.g. by a CLOEXEC pipe).
 */
function execedNatively(context: SyscallContext, process: Process): boolean {
  const stat = context.native.readProc(`${process.common.nativePid}/stat`);
  if (stat === null) return false;
  const flags = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[6]);
  return (flags & PF_FORKNOEXEC) === 0;
}

/** setpgid(2), with Linux's checks in Linux's order (kernel/sys.c). */
export const setpgid: Handler = (context) => {
  const caller = context.process;
  const pid = int(context.args[0]) || caller.id;
  const pgid = int(context.args[1]) || pid;
  if (pgid < 0) return fails(Errno.EINVAL);
  // A zombie child still counts (Linux finds it until it is reaped); a thread other than a
  // process's first is EINVAL.
  const process = target(context, pid);
  if (!process) return fails(threadOwner(context, pid) ? Errno.EINVAL : Errno.ESRCH);
  if (process.common.parent === caller.id) {
    if (process.common.session !== caller.common.session) return fails(Errno.EPERM);
    if (process.common.hasExeced) return fails(Errno.EACCES);
    if (process.state.kind === "runnable" && execedNatively(context, process)) return fails(Errno.EACCES);
  } else if (process !== caller) {
    return fails(Errno.ESRCH);
  }
  if (process.common.session === process.id) return fails(Errno.EPERM);
  if (pgid !== pid) {
    let found = false;
    for (const other of context.kernel.host(caller.common.host).processes.values()) {
      if (other.common.group === pgid && other.common.session === caller.common.session) found = true;
    }
    if (!found) return fails(Errno.EPERM);
  }
  process.common.group = pgid;
  return returns(0);
};

/** setsid(2): EPERM when the caller already leads a process group. */
export const setsid: Handler = ({ kernel, process }) => {
  for (const other of kernel.host(process.common.host).processes.values()) {
    if (other.common.group === process.id) return fails(Errno.EPERM);
  }
  process.common.group = process.id;
  process.common.session = process.id;
  return returns(process.id);
};

/** set_tid_address(2): runs natively (the kernel must keep the address); returns the virtual tid. */
export const set_tid_address: Handler = ({ thread }) => ({ kind: "native", exitValue: BigInt(thread.id) });
