/**
 * Sending signals: kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_open.
 * Ids are virtual and confined to the caller's host: an id outside the sandbox is ESRCH, and
 * no signal ever reaches a host process. Single targets are signalled natively by the caller
 * with translated ids; group and broadcast forms are expanded over the model and sent by umbra
 * with the caller's siginfo. A pidfd must refer to a sandbox process.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { SiCode, userSiginfo } from "../abi/siginfo.ts";
import { SIGRTMAX } from "../abi/signals.ts";
import { INIT_PID, type Process } from "../kernel/process.ts";
import type { Thread } from "../kernel/thread.ts";
import { fails, type Handler, int, native, type Outcome, returns, type SyscallContext, withArg } from "./context.ts";
import { resolvePidfd } from "./pidfd.ts";

function processOnHost(context: SyscallContext, pid: number): Process | undefined {
  return context.kernel.process(context.process.common.host, pid);
}

function threadOnHost(context: SyscallContext, tid: number): Thread | undefined {
  for (const process of context.kernel.host(context.process.common.host).processes.values()) {
    const thread = process.threads.get(tid);
    if (thread) return thread;
  }
  return undefined;
}

/** The processes kill(pid <= 0) reaches (kill(2)): a group, or everyone but the caller. */
function broadcastTargets(context: SyscallContext, pid: number): Process[] {
  const all = [...context.kernel.host(context.process.common.host).processes.values()];
  if (pid === -1) return all.filter((p) => p !== context.process);
  const group = pid === 0 ? context.process.common.group : -pid;
  return all.filter((p) => p.common.group === group);
}

/**
 * A signal for the sandbox's init (pid 1, which umbra plays): it exists, and like a pid
 * namespace's init it ignores every signal it has no handler for (it has none).
 */
function initTarget(signal: number): Outcome {
  return signal < 0 || signal > SIGRTMAX ? fails(Errno.EINVAL) : returns(0);
}

/**
 * A signal for a zombie: Linux accepts it and nothing happens. (Its native process is already
 * reaped, so a native call could reach an unrelated process that reused the pid.)
 */
function zombieTarget(signal: number): Outcome {
  return signal < 0 || signal > SIGRTMAX ? fails(Errno.EINVAL) : returns(0);
}

/**
 * Runs the syscall with native ids in place of virtual ones (`replacements`: argument index ->
 * native id) and, when it can matter, tells the policy once the signal is queued for `target`.
 */
function toNative(context: SyscallContext, target: Process, signal: number, replacements: [number, number][]): Outcome {
  const args = [...context.args];
  for (const [index, id] of replacements) args[index] = BigInt(id);
  if (signal === 0 || !context.native.watching(target)) return { kind: "rewrite", args };
  return {
    kind: "rewrite",
    args,
    exit: (result) => {
      if (result === 0n) context.native.signalled(target, signal);
      return result;
    },
  };
}

/** kill(2). */
export const kill: Handler = (context) => {
  const pid = int(context.args[0]);
  const signal = int(context.args[1]);
  if (pid === INIT_PID) return initTarget(signal);
  if (pid > 0) {
    // kill(2) takes any thread's id and signals its whole thread group.
    const process = processOnHost(context, pid) ?? threadOnHost(context, pid)?.process;
    if (!process) return fails(Errno.ESRCH);
    if (process.state.kind === "zombie") return zombieTarget(signal);
    return toNative(context, process, signal, [[0, process.common.nativePid]]);
  }
  const targets = broadcastTargets(context, pid);
  if (targets.length === 0) return fails(Errno.ESRCH);
  if (signal < 0 || signal > SIGRTMAX) return fails(Errno.EINVAL);
  if (signal === 0) return returns(0);
  // umbra sends for the caller, with the siginfo the caller's kill would have made.
  const siginfo = userSiginfo(signal, SiCode.SI_USER, context.process.id, context.kernel.uid);
  for (const process of targets) {
    if (process.state.kind === "runnable") context.native.inject(process, signal, siginfo);
  }
  return returns(0);
};

/** A zombie whose id is `tid`: its first thread, which Linux still finds until the reap. */
function zombieLeader(context: SyscallContext, tid: number): Process | undefined {
  const process = processOnHost(context, tid);
  return process?.state.kind === "zombie" ? process : undefined;
}

/** tkill(2). */
export const tkill: Handler = (context) => {
  const tid = int(context.args[0]);
  if (tid <= 0) return fails(Errno.EINVAL);
  const thread = threadOnHost(context, tid);
  if (!thread) return zombieLeader(context, tid) ? zombieTarget(int(context.args[1])) : fails(Errno.ESRCH);
  return toNative(context, thread.process, int(context.args[1]), [[0, thread.nativeTid]]);
};

/** tgkill(2) and rt_tgsigqueueinfo(2): (tgid, tid, signal, ...). */
function threadTarget(context: SyscallContext, zombies: boolean): Outcome {
  const tgid = int(context.args[0]);
  const tid = int(context.args[1]);
  if (tgid <= 0 || tid <= 0) return fails(Errno.EINVAL);
  const process = processOnHost(context, tgid);
  const thread = process?.threads.get(tid);
  if (zombies && tgid === tid && zombieLeader(context, tid)) return zombieTarget(int(context.args[2]));
  if (!process || !thread) return fails(Errno.ESRCH);
  return toNative(context, process, int(context.args[2]), [[0, process.common.nativePid], [1, thread.nativeTid]]);
}

/** tgkill(2). */
export const tgkill: Handler = (context) => threadTarget(context, true);

/** rt_sigqueueinfo(2). */
export const rt_sigqueueinfo: Handler = (context) => {
  const pid = int(context.args[0]);
  if (pid === INIT_PID) return initTarget(int(context.args[1]));
  const process = processOnHost(context, pid) ?? threadOnHost(context, pid)?.process;
  if (!process) return fails(Errno.ESRCH);
  if (process.state.kind === "zombie") return zombieTarget(int(context.args[1]));
  return toNative(context, process, int(context.args[1]), [[0, process.common.nativePid]]);
};

/**
 * rt_tgsigqueueinfo(2). (A zombie is ESRCH here; Linux would first check the siginfo, then
 * accept.)
 */
export const rt_tgsigqueueinfo: Handler = (context) => threadTarget(context, false);

/** pidfd_open(2): a pidfd for a sandbox process only. */
export const pidfd_open: Handler = (context) => {
  const pid = int(context.args[0]);
  if (pid <= 0) return fails(Errno.EINVAL);
  const process = processOnHost(context, pid);
  if (!process || process.state.kind === "zombie") return fails(Errno.ESRCH);
  return withArg(context, 0, BigInt(process.common.nativePid), (result) => {
    if (result >= 0n) context.process.common.pidfds.set(Number(result), process.id);
    return result;
  });
};

/**
 * pidfd_send_signal(2): only to a process of the caller's host. A pidfd (or /proc/<pid> fd) for
 * anything else is ESRCH: it cannot reach the host.
 */
export const pidfd_send_signal: Handler = (context) => {
  const signal = int(context.args[1]);
  const target = resolvePidfd(context, int(context.args[0]), true);
  if (target.kind !== "pidfd") return fails(Errno.EBADF);
  const process = target.process;
  if (!process) return fails(Errno.ESRCH);
  if (process.state.kind === "zombie") return zombieTarget(signal);
  if (signal === 0 || !context.native.watching(process)) return native();
  return native((result) => {
    if (result === 0n) context.native.signalled(process, signal);
    return result;
  });
};
