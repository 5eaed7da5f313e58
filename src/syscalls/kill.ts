/**
 * Sending signals: kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_open.
 * Ids are virtual and confined to the caller's host: an id outside the sandbox is ESRCH, and
 * no signal ever reaches a host process. Single targets are signalled natively by the caller
 * with translated ids; group and broadcast forms are expanded over the model and sent by umbra
 * with the caller's siginfo. A pidfd must refer to a sandbox process.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { carriesPid, SiCode, SIGINFO_SIZE, userSiginfo } from "../abi/siginfo.ts";
import { SIGRTMAX } from "../abi/signals.ts";
import { INIT_PID, type Process } from "../kernel/process.ts";
import type { Thread } from "../kernel/thread.ts";
import {
  fails,
  type Handler,
  int,
  native,
  NOWHERE,
  type Outcome,
  returns,
  type SyscallContext,
  withArg,
} from "./context.ts";
import { resolvePidfd } from "./pidfd.ts";

function processOnHost(context: SyscallContext, pid: number): Process | undefined {
  return context.kernel.process(context.process.common.host, pid);
}

function threadOnHost(context: SyscallContext, tid: number): Thread | undefined {
  return context.kernel.threadById(context.process.common.host, tid);
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
  return sendAll(context, broadcastTargets(context, pid), signal);
};

/** Signals process group `group` of the caller's host as kill(-group) does. */
function groupKill(context: SyscallContext, group: number, signal: number): Outcome {
  return sendAll(context, broadcastTargets(context, -group), signal);
}

/** umbra sends `signal` to `targets` for the caller, with the siginfo the caller's kill would have made. */
function sendAll(context: SyscallContext, targets: Process[], signal: number): Outcome {
  if (targets.length === 0) return fails(Errno.ESRCH);
  if (signal < 0 || signal > SIGRTMAX) return fails(Errno.EINVAL);
  if (signal === 0) return returns(0);
  const siginfo = userSiginfo(signal, SiCode.SI_USER, context.process.id, context.kernel.uid);
  for (const process of targets) {
    if (process.state.kind === "runnable") context.native.inject(process, signal, siginfo);
  }
  return returns(0);
}

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

/** tgkill(2): (tgid, tid, signal). */
export const tgkill: Handler = (context) => {
  const tgid = int(context.args[0]);
  const tid = int(context.args[1]);
  if (tgid <= 0 || tid <= 0) return fails(Errno.EINVAL);
  const process = processOnHost(context, tgid);
  const thread = process?.threads.get(tid);
  if (tgid === tid && zombieLeader(context, tid)) return zombieTarget(int(context.args[2]));
  if (!process || !thread) return fails(Errno.ESRCH);
  return toNative(context, process, int(context.args[2]), [[0, process.common.nativePid], [1, thread.nativeTid]]);
};

/**
 * rt_sigqueueinfo(2) and rt_tgsigqueueinfo(2) check the siginfo (EFAULT, E2BIG), their ids (EINVAL)
 * and who may use which si_code (EPERM) before they look for the target. So the kernel runs them:
 * with the native ids of a live target (`ids`: argument index -> native id), else with NOWHERE in
 * place of every positive id, whose lookup fails last; then umbra answers ESRCH, or for init or a
 * zombie what Linux does (`otherwise`). A siginfo the caller queues to itself with a kill-like or
 * kernel code keeps the si_pid it wrote.
 */
function queueInfo(
  context: SyscallContext,
  target: Process | undefined,
  ids: [number, number][],
  signalIndex: number,
  otherwise: Outcome,
): Outcome {
  const args = [...context.args];
  for (const [index, id] of ids) args[index] = BigInt(id);
  if (!target) {
    // The caller's own tid stays its own: the kernel's EPERM check compares it with the caller.
    for (let index = 0; index < signalIndex; index++) {
      const id = int(args[index]);
      if (id > 0) {
        args[index] = BigInt(
          id === context.thread.id && index === signalIndex - 1 ? context.thread.nativeTid : NOWHERE,
        );
      }
    }
  }
  const signal = int(args[signalIndex]);
  const info = context.memory.read(context.thread.nativeTid, args[signalIndex + 1], SIGINFO_SIZE);
  return {
    kind: "rewrite",
    args,
    exit: (result) => {
      if (!target) {
        if (result !== -BigInt(Errno.ESRCH)) return result;
        return otherwise.kind === "return" ? otherwise.value : result;
      }
      if (result !== 0n || signal === 0) return result;
      if (typeof info !== "number" && target === context.process) {
        const queued = info.slice();
        new DataView(queued.buffer).setInt32(0, signal, true); // the kernel sets si_signo
        if (carriesPid(queued)) context.native.forged(target, queued);
      }
      if (context.native.watching(target)) context.native.signalled(target, signal);
      return result;
    },
  };
}

/** rt_sigqueueinfo(2): (pid, signal, siginfo); a thread's id names its process. */
export const rt_sigqueueinfo: Handler = (context) => {
  const pid = int(context.args[0]);
  const signal = int(context.args[1]);
  if (pid === INIT_PID) return queueInfo(context, undefined, [], 1, initTarget(signal));
  const thread = threadOnHost(context, pid);
  const process = thread?.process ?? processOnHost(context, pid);
  if (process?.state.kind === "zombie") return queueInfo(context, undefined, [], 1, zombieTarget(signal));
  if (!process) return queueInfo(context, undefined, [], 1, fails(Errno.ESRCH));
  // The thread's own native id: the kernel allows a forged code only to the caller itself.
  const nativeId = thread?.nativeTid ?? process.common.nativePid;
  return queueInfo(context, process, [[0, nativeId]], 1, fails(Errno.ESRCH));
};

/** rt_tgsigqueueinfo(2): (tgid, tid, signal, siginfo). */
export const rt_tgsigqueueinfo: Handler = (context) => {
  const tgid = int(context.args[0]);
  const tid = int(context.args[1]);
  const signal = int(context.args[2]);
  const process = processOnHost(context, tgid);
  const thread = process?.threads.get(tid);
  if (tgid === tid && zombieLeader(context, tid)) return queueInfo(context, undefined, [], 2, zombieTarget(signal));
  if (!process || !thread) return queueInfo(context, undefined, [], 2, fails(Errno.ESRCH));
  return queueInfo(context, process, [[0, process.common.nativePid], [1, thread.nativeTid]], 2, fails(Errno.ESRCH));
};

/** pidfd_open(2) flags: PIDFD_THREAD (O_EXCL) and PIDFD_NONBLOCK (O_NONBLOCK). */
const PIDFD_OPEN_FLAGS = 0o200n | 0o4000n;

/**
 * pidfd_open(2): a pidfd for a sandbox process or (PIDFD_THREAD) thread only. The kernel checks
 * flags and the id; an id that is no live sandbox thread becomes NOWHERE (ESRCH). (A zombie is
 * ESRCH too: umbra reaped its native process already.)
 */
export const pidfd_open: Handler = (context) => {
  const pid = int(context.args[0]);
  if ((context.args[1] & ~PIDFD_OPEN_FLAGS & 0xffffffffn) !== 0n) return fails(Errno.EINVAL);
  if (pid <= 0) return fails(Errno.EINVAL);
  const thread = threadOnHost(context, pid);
  const process = thread?.process;
  return withArg(context, 0, BigInt(thread?.nativeTid ?? NOWHERE), (result) => {
    if (result >= 0n && process) context.process.common.pidfds.set(Number(result), process.id);
    return result;
  });
};

/** pidfd_send_signal(2) flags: PIDFD_SIGNAL_THREAD, _THREAD_GROUP, _PROCESS_GROUP; one at most. */
const PIDFD_SIGNAL_FLAGS = 7;
const PIDFD_SIGNAL_PROCESS_GROUP = 4;

/**
 * pidfd_send_signal(2): only to a process of the caller's host. A pidfd (or /proc/<pid> fd) for
 * anything else is ESRCH: it cannot reach the host.
 */
export const pidfd_send_signal: Handler = (context) => {
  const signal = int(context.args[1]);
  const flags = int(context.args[3]);
  // The kernel looks at the flags before the descriptor.
  const scope = flags & PIDFD_SIGNAL_FLAGS;
  if ((flags & ~PIDFD_SIGNAL_FLAGS) !== 0 || (scope & (scope - 1)) !== 0) return fails(Errno.EINVAL);
  const target = resolvePidfd(context, int(context.args[0]), true);
  if (target.kind !== "pidfd") return fails(Errno.EBADF);
  const process = target.process;
  if (!process) return fails(Errno.ESRCH);
  // The group the pidfd's pid leads: native groups never change (setpgid is the model's), so umbra sends.
  if (scope === PIDFD_SIGNAL_PROCESS_GROUP && context.args[2] === 0n) return groupKill(context, process.id, signal);
  if (process.state.kind === "zombie") return zombieTarget(signal);
  if (signal === 0 || !context.native.watching(process)) return native();
  return native((result) => {
    if (result === 0n) context.native.signalled(process, signal);
    return result;
  });
};
