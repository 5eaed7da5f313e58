/**
 * Signal-driven I/O owners (and fcntl F_DUPFD of signalfds, see signalfd.ts): fcntl F_SETOWN/F_GETOWN/F_SETOWN_EX/F_GETOWN_EX and ioctl
 * FIOSETOWN/SIOCSPGRP/FIOGETOWN/SIOCGPGRP name the process (or group, or thread) that gets
 * SIGIO/SIGURG. The kernel would take those ids as native ones, so umbra translates them: an id
 * outside the sandbox is ESRCH and no such signal can reach a host process. Process groups are
 * umbra's own (natively every sandboxed process shares umbra's group), so a group owner is
 * approximated by one process of the group: its leader if alive, else its lowest pid.
 * TIOCSPGRP (a terminal's foreground group) is accepted for a sandbox group without changing the
 * host terminal, and refused with EPERM for anything else.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import type { FileOwner, Process } from "../kernel/process.ts";
import { fails, type Handler, int, native, type Outcome, returns, type SyscallContext } from "./context.ts";
import { stackScratch } from "./procfs.ts";
import { duplicate, F_DUPFD, F_DUPFD_CLOEXEC } from "./signalfd.ts";

/** fcntl commands umbra translates. */
export const FcntlCommand = {
  F_DUPFD,
  F_DUPFD_CLOEXEC,
  F_SETOWN: 8,
  F_GETOWN: 9,
  F_SETOWN_EX: 15,
  F_GETOWN_EX: 16,
} as const;
/** ioctl requests umbra translates or guards. */
export const IoctlRequest = {
  TIOCSPGRP: 0x5410,
  FIOSETOWN: 0x8901,
  SIOCSPGRP: 0x8902,
  FIOGETOWN: 0x8903,
  SIOCGPGRP: 0x8904,
} as const;

const F_OWNER_TID = 0;
const F_OWNER_PID = 1;
const F_OWNER_PGRP = 2;

function host(context: SyscallContext) {
  return context.kernel.host(context.process.common.host);
}

/** The live process a positive id names (a thread id names its process), or undefined. */
function processOf(context: SyscallContext, id: number): Process | undefined {
  const direct = host(context).processes.get(id);
  if (direct) return direct.state.kind === "runnable" ? direct : undefined;
  return context.kernel.threadById(context.process.common.host, id)?.process;
}

/** The process standing in for group `group`, or undefined when the sandbox has no such group. */
function groupStandIn(context: SyscallContext, group: number): Process | undefined {
  const members = [...host(context).processes.values()].filter((p) =>
    p.common.group === group && p.state.kind === "runnable"
  );
  return members.find((p) => p.id === group) ?? members.sort((a, b) => a.id - b.id)[0];
}

/**
 * The native owner for a virtual F_SETOWN argument (pid, or -pgid), or undefined for ESRCH. A
 * thread's id stays the thread's: as a process owner it names no process, as on Linux.
 */
function nativeOwner(context: SyscallContext, who: number): number | undefined {
  if (who === 0) return 0;
  if (who < 0) return groupStandIn(context, -who)?.common.nativePid;
  const process = processOf(context, who);
  return process?.threads.get(who)?.nativeTid ?? process?.common.nativePid;
}

/** What the descriptor of the call (argument 0) is: a socket, a terminal, something else, or not open. */
function kindOf(context: SyscallContext): "socket" | "terminal" | "other" | "closed" {
  const target = context.native.readProcLink(`${context.thread.nativeTid}/fd/${int(context.args[0])}`);
  if (target === null) return "closed";
  if (target.startsWith("socket:")) return "socket";
  return /^\/dev\/(pts\/|tty|console)/.test(target) ? "terminal" : "other";
}

/** Runs the call with `replacement` in stack scratch in place of its argument 2 (the program's memory stays). */
function withScratch(
  context: SyscallContext,
  replacement: Uint8Array,
  after: (result: bigint) => bigint = (result) => result,
): Outcome {
  const address = stackScratch(context, replacement.length);
  if (address === null || context.memory.write(context.thread.nativeTid, address, replacement) !== 0) {
    return fails(Errno.EFAULT);
  }
  const args = [...context.args];
  args[2] = address;
  return { kind: "rewrite", args, restore: true, exit: after };
}

/**
 * An exit hook that records the owner of the call's descriptor once the kernel accepted it (null:
 * an owner the kernel reports as it is, so nothing to recall).
 */
function remember(context: SyscallContext, owner: FileOwner | null): (result: bigint) => bigint {
  const fd = int(context.args[0]);
  return (result) => {
    if (result !== 0n) return result;
    if (owner) context.process.common.fileOwners.set(fd, owner);
    else context.process.common.fileOwners.delete(fd);
    return result;
  };
}

/**
 * Whether `who` (pid, or -pgid) names something Linux would accept as an owner that the kernel
 * here cannot hold: a zombie (umbra reaped it natively), or a group nobody is in whose number is a
 * process's or thread's.
 */
function virtualOnly(context: SyscallContext, who: number): boolean {
  const id = Math.abs(who);
  const process = host(context).processes.get(id);
  if (who > 0) return process?.state.kind === "zombie";
  return process !== undefined || processOf(context, id) !== undefined;
}

/** An owner the kernel holds none for, as F_GETOWN_EX reports it now: [type, id]. */
function virtualReport(context: SyscallContext, owner: FileOwner): [number, number] {
  const [type, id] = owner;
  // A zombie owner shows until it is reaped; an empty group shows as none.
  const alive = type !== F_OWNER_PGRP && host(context).processes.get(id) !== undefined;
  return [type, alive ? id : 0];
}

/** The owner the program set for the call's descriptor, if the kernel still has its stand-in. */
function recalled(context: SyscallContext, nativeId: number): [number, number] {
  const recorded = context.process.common.fileOwners.get(int(context.args[0]));
  const standIn = recorded && nativeOwner(context, recorded[0] === F_OWNER_PGRP ? -recorded[1] : recorded[1]);
  return recorded && standIn === nativeId ? [recorded[0], recorded[1]] : [F_OWNER_PID, virtualOwner(context, nativeId)];
}

/** The virtual id of a native owner the kernel reports. */
function virtualOwner(context: SyscallContext, nativeId: number): number {
  if (nativeId === 0) return 0;
  const thread = context.kernel.thread(Math.abs(nativeId));
  if (!thread) return 0;
  return thread.nativeTid === thread.process.common.nativePid ? thread.process.id : thread.id;
}

function int32(bytes: Uint8Array, offset = 0): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(offset, true);
}

function bytesOf(...values: number[]): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(4 * values.length);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setInt32(4 * i, value, true));
  return bytes;
}

/** After the call, the int at `address` (a native owner, as F_GETOWN gives it) becomes virtual. */
function translateIntAfter(context: SyscallContext, address: bigint): Outcome {
  return native((result) => {
    if (result < 0n) return result;
    const tid = context.thread.nativeTid;
    const bytes = context.memory.read(tid, address, 4);
    if (typeof bytes === "number") return result;
    const recorded = context.process.common.fileOwners.get(int(context.args[0]));
    if (int32(bytes) === 0 && !recorded?.[2]) return result;
    const [type, id] = int32(bytes) === 0
      ? virtualReport(context, recorded!)
      : recalled(context, Math.abs(int32(bytes)));
    context.memory.writeI32(tid, address, type === F_OWNER_PGRP ? -id : id);
    return result;
  });
}

/** fcntl(2) with an owner command (the seccomp rule selects them). */
export const fcntl: Handler = (context) => {
  const command = int(context.args[1]);
  const argument = context.args[2];
  // The kernel looks at the descriptor first.
  if (command !== FcntlCommand.F_DUPFD && command !== FcntlCommand.F_DUPFD_CLOEXEC && kindOf(context) === "closed") {
    return native();
  }
  switch (command) {
    case FcntlCommand.F_SETOWN: {
      const who = int(argument);
      if (who === -0x80000000) return fails(Errno.EINVAL); // -INT_MIN does not exist
      const owner = nativeOwner(context, who);
      if (owner === undefined && !virtualOnly(context, who)) return fails(Errno.ESRCH);
      const args = [...context.args];
      args[2] = BigInt(owner ?? 0);
      const recorded: FileOwner = who < 0 ? [F_OWNER_PGRP, -who] : [F_OWNER_PID, who];
      if (owner === undefined) recorded.push(true);
      return { kind: "rewrite", args, exit: remember(context, recorded) };
    }
    case FcntlCommand.F_GETOWN:
      return native((result) => {
        const recorded = context.process.common.fileOwners.get(int(context.args[0]));
        if (result === 0n && recorded?.[2]) {
          const [type, id] = virtualReport(context, recorded);
          return BigInt(type === F_OWNER_PGRP ? -id : id);
        }
        if (result <= 0n) return result;
        const [type, id] = recalled(context, Number(result));
        return BigInt(type === F_OWNER_PGRP ? -id : id);
      });
    case FcntlCommand.F_SETOWN_EX: {
      const original = context.memory.read(context.thread.nativeTid, argument, 8);
      if (typeof original === "number") return fails(Errno.EFAULT);
      const type = int32(original);
      const id = int32(original, 4);
      if (type !== F_OWNER_TID && type !== F_OWNER_PID && type !== F_OWNER_PGRP) return native(); // EINVAL
      if (id === 0) return native(remember(context, null)); // no owner: nothing to translate
      if (id < 0) return fails(Errno.ESRCH); // no pid is negative
      if (type === F_OWNER_TID) {
        const thread = context.kernel.threadById(context.process.common.host, id);
        if (!thread && virtualOnly(context, id)) {
          return withScratch(context, bytesOf(F_OWNER_TID, 0), remember(context, [type, id, true]));
        }
        if (!thread) return fails(Errno.ESRCH);
        return withScratch(context, bytesOf(F_OWNER_TID, thread.nativeTid), remember(context, null));
      }
      const who = type === F_OWNER_PGRP ? -id : id;
      const owner = nativeOwner(context, who);
      if (owner === undefined && !virtualOnly(context, who)) return fails(Errno.ESRCH);
      return withScratch(
        context,
        bytesOf(owner === undefined ? type : F_OWNER_PID, owner ?? 0),
        remember(context, owner === undefined ? [type, id, true] : [type, id]),
      );
    }
    case FcntlCommand.F_GETOWN_EX:
      return native((result) => {
        const tid = context.thread.nativeTid;
        const bytes = context.memory.read(tid, argument, 8);
        const recorded = context.process.common.fileOwners.get(int(context.args[0]));
        if (result === 0n && recorded?.[2] && typeof bytes !== "number" && int32(bytes, 4) === 0) {
          context.memory.write(tid, argument, bytesOf(...virtualReport(context, recorded)));
          return result;
        }
        if (result < 0n || typeof bytes === "number" || int32(bytes, 4) === 0) return result;
        const [type, id] = int32(bytes) === F_OWNER_TID
          ? [F_OWNER_TID, virtualOwner(context, int32(bytes, 4))]
          : recalled(context, int32(bytes, 4));
        context.memory.write(tid, argument, bytesOf(type, id));
        return result;
      });
    case FcntlCommand.F_DUPFD:
    case FcntlCommand.F_DUPFD_CLOEXEC:
      return duplicate(context);
    default:
      return native();
  }
};

/** ioctl(2) owner and foreground-group requests (the seccomp rule selects them). */
export const ioctl: Handler = (context) => {
  const request = Number(BigInt.asUintN(32, context.args[1]));
  const address = context.args[2];
  // The kernel looks at the descriptor, then at whether it takes the request: owners are
  // sockets', the foreground group a terminal's (anything else is EBADF or ENOTTY, untouched).
  const kind = kindOf(context);
  if (kind !== (request === IoctlRequest.TIOCSPGRP ? "terminal" : "socket")) return native();
  if (request === IoctlRequest.FIOGETOWN || request === IoctlRequest.SIOCGPGRP) {
    return translateIntAfter(context, address);
  }
  const original = context.memory.read(context.thread.nativeTid, address, 4);
  if (typeof original === "number") return fails(Errno.EFAULT);
  const value = int32(original);
  if (request === IoctlRequest.TIOCSPGRP) {
    return groupStandIn(context, value) ? returns(0) : fails(Errno.EPERM);
  }
  const owner = nativeOwner(context, value);
  if (owner === undefined && !virtualOnly(context, value)) return fails(Errno.ESRCH);
  const recorded: FileOwner = value < 0 ? [F_OWNER_PGRP, -value] : [F_OWNER_PID, value];
  if (owner === undefined) recorded.push(true);
  return withScratch(context, bytesOf(owner ?? 0), remember(context, recorded));
};
