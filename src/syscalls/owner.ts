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
import type { Process } from "../kernel/process.ts";
import { fails, type Handler, int, native, type Outcome, returns, type SyscallContext } from "./context.ts";
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
  const hostTable = host(context);
  const direct = hostTable.processes.get(id);
  if (direct) return direct.state.kind === "runnable" ? direct : undefined;
  for (const process of hostTable.processes.values()) if (process.threads.has(id)) return process;
  return undefined;
}

/** The process standing in for group `group`, or undefined when the sandbox has no such group. */
function groupStandIn(context: SyscallContext, group: number): Process | undefined {
  const members = [...host(context).processes.values()].filter((p) =>
    p.common.group === group && p.state.kind === "runnable"
  );
  return members.find((p) => p.id === group) ?? members.sort((a, b) => a.id - b.id)[0];
}

/** The native owner for a virtual F_SETOWN argument (pid, or -pgid), or undefined for ESRCH. */
function nativeOwner(context: SyscallContext, who: number): number | undefined {
  if (who === 0) return 0;
  const process = who > 0 ? processOf(context, who) : groupStandIn(context, -who);
  return process?.common.nativePid;
}

/** An exit hook that records the owner of the call's descriptor once the kernel accepted it. */
function remember(context: SyscallContext, owner: [number, number]): (result: bigint) => bigint {
  const fd = int(context.args[0]);
  return (result) => {
    if (result === 0n) context.process.common.fileOwners.set(fd, owner);
    return result;
  };
}

/** The owner the program set for the call's descriptor, if the kernel still has its stand-in. */
function recalled(context: SyscallContext, nativeId: number): [number, number] {
  const recorded = context.process.common.fileOwners.get(int(context.args[0]));
  const standIn = recorded && nativeOwner(context, recorded[0] === F_OWNER_PGRP ? -recorded[1] : recorded[1]);
  return recorded && standIn === nativeId ? recorded : [F_OWNER_PID, virtualOwner(context, nativeId)];
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

/**
 * Runs the call with `replacement` written over the `original` bytes at `address`, and puts the
 * program's bytes back when it returns.
 */
function withMemory(
  context: SyscallContext,
  address: bigint,
  original: Uint8Array,
  replacement: Uint8Array,
  after: (result: bigint) => bigint = (result) => result,
): Outcome {
  const tid = context.thread.nativeTid;
  if (context.memory.write(tid, address, replacement) !== 0) return fails(Errno.EFAULT);
  return native((result) => {
    context.memory.write(tid, address, original);
    return after(result);
  });
}

/** After the call, the int at `address` (a native owner) becomes virtual. */
function translateIntAfter(context: SyscallContext, address: bigint, offset = 0): Outcome {
  return native((result) => {
    if (result < 0n) return result;
    const tid = context.thread.nativeTid;
    const bytes = context.memory.read(tid, address + BigInt(offset), 4);
    if (typeof bytes !== "number") {
      context.memory.writeI32(tid, address + BigInt(offset), virtualOwner(context, int32(bytes)));
    }
    return result;
  });
}

/** fcntl(2) with an owner command (the seccomp rule selects them). */
export const fcntl: Handler = (context) => {
  const command = int(context.args[1]);
  const argument = context.args[2];
  switch (command) {
    case FcntlCommand.F_SETOWN: {
      const who = int(argument);
      const owner = nativeOwner(context, who);
      if (owner === undefined) return fails(Errno.ESRCH);
      const args = [...context.args];
      args[2] = BigInt(owner);
      return { kind: "rewrite", args, exit: remember(context, who < 0 ? [F_OWNER_PGRP, -who] : [F_OWNER_PID, who]) };
    }
    case FcntlCommand.F_GETOWN:
      return native((result) => {
        if (result <= 0n) return result;
        const [type, id] = recalled(context, Number(result));
        return BigInt(type === F_OWNER_PGRP ? -id : id);
      });
    case FcntlCommand.F_SETOWN_EX: {
      const original = context.memory.read(context.thread.nativeTid, argument, 8);
      if (typeof original === "number") return fails(Errno.EFAULT);
      const type = int32(original);
      const id = int32(original, 4);
      if (type === F_OWNER_TID) {
        const threads = [...host(context).processes.values()].flatMap((p) => [...p.threads.values()]);
        const thread = id > 0 ? threads.find((t) => t.id === id) : undefined;
        if (!thread) return id === 0 ? native() : fails(Errno.ESRCH);
        return withMemory(context, argument, original, bytesOf(F_OWNER_TID, thread.nativeTid));
      }
      if (type !== F_OWNER_PID && type !== F_OWNER_PGRP) return native(); // the kernel says EINVAL
      const owner = id === 0 ? 0 : nativeOwner(context, type === F_OWNER_PGRP ? -id : id);
      if (owner === undefined) return fails(Errno.ESRCH);
      return withMemory(context, argument, original, bytesOf(F_OWNER_PID, owner), remember(context, [type, id]));
    }
    case FcntlCommand.F_GETOWN_EX:
      return native((result) => {
        const tid = context.thread.nativeTid;
        const bytes = context.memory.read(tid, argument, 8);
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
  if (owner === undefined) return fails(Errno.ESRCH);
  return withMemory(context, address, original, bytesOf(owner));
};
