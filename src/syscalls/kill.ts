/**
 * Sending signals: kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_open.
 * Ids are virtual and confined to the caller's host: an id outside the sandbox is ESRCH, and
 * no signal ever reaches a host process. Single targets are signalled natively by the caller
 * with translated ids; group and broadcast forms are expanded over the model.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { SIGRTMAX } from "../abi/signals.ts";
import type { Process } from "../kernel/process.ts";
import type { Thread } from "../kernel/thread.ts";
import { fails, type Handler, int, type Outcome, returns, type SyscallContext } from "./context.ts";
import { rewriteArg } from "./wait.ts";

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

/** kill(2). */
export const kill: Handler = (context) => {
  const pid = int(context.args[0]);
  const signal = int(context.args[1]);
  if (pid > 0) {
    const process = processOnHost(context, pid);
    if (!process) return fails(Errno.ESRCH);
    return rewriteArg(context, 0, BigInt(process.common.nativePid));
  }
  const targets = broadcastTargets(context, pid);
  if (targets.length === 0) return fails(Errno.ESRCH);
  if (signal < 0 || signal > SIGRTMAX) return fails(Errno.EINVAL);
  if (signal === 0) return returns(0);
  for (const process of targets) {
    if (process.state.kind === "runnable") context.signal(0, process.common.nativePid, signal);
  }
  return returns(0);
};

/** tkill(2). */
export const tkill: Handler = (context) => {
  const tid = int(context.args[0]);
  if (tid <= 0) return fails(Errno.EINVAL);
  const thread = threadOnHost(context, tid);
  if (!thread) return fails(Errno.ESRCH);
  return rewriteArg(context, 0, BigInt(thread.nativeTid));
};

/** The native (tgid, tid) for a virtual pair, or an errno outcome. */
function threadPair(context: SyscallContext, tgid: number, tid: number): [number, number] | Outcome {
  if (tgid <= 0 || tid <= 0) return fails(Errno.EINVAL);
  const process = processOnHost(context, tgid);
  const thread = process?.threads.get(tid);
  if (!process || !thread) return fails(Errno.ESRCH);
  return [process.common.nativePid, thread.nativeTid];
}

/** tgkill(2). */
export const tgkill: Handler = (context) => {
  const pair = threadPair(context, int(context.args[0]), int(context.args[1]));
  if (!Array.isArray(pair)) return pair;
  const args = [...context.args];
  args[0] = BigInt(pair[0]);
  args[1] = BigInt(pair[1]);
  return { kind: "rewrite", args };
};

/** rt_sigqueueinfo(2). */
export const rt_sigqueueinfo: Handler = (context) => {
  const process = processOnHost(context, int(context.args[0]));
  if (!process) return fails(Errno.ESRCH);
  return rewriteArg(context, 0, BigInt(process.common.nativePid));
};

/** rt_tgsigqueueinfo(2). */
export const rt_tgsigqueueinfo: Handler = tgkill;

/** pidfd_open(2): a pidfd for a sandbox process only. */
export const pidfd_open: Handler = (context) => {
  const pid = int(context.args[0]);
  if (pid <= 0) return fails(Errno.EINVAL);
  const process = processOnHost(context, pid);
  if (!process) return fails(Errno.ESRCH);
  return rewriteArg(context, 0, BigInt(process.common.nativePid));
};
