/**
 * What a file descriptor names when a syscall takes a pidfd: a sandbox process, a process
 * outside the sandbox, or no process at all.
 * @module
 */

import type { Process } from "../kernel/process.ts";
import type { SyscallContext } from "./context.ts";

/** The result of looking at a descriptor passed as a pidfd. */
export type PidfdTarget =
  /** No such descriptor. */
  | { kind: "bad-fd" }
  /** A descriptor that is no pidfd (and, where allowed, no /proc/<pid> directory). */
  | { kind: "not-pidfd" }
  /** A pidfd; `process` is the sandbox process it names, undefined for anything else. */
  | { kind: "pidfd"; process: Process | undefined };

const PROC_DIRECTORY = /^\/proc\/(\d+)$/;

/**
 * Resolves `fd` of the calling thread. A pidfd names the process recorded at pidfd_open (its
 * /proc view loses a process umbra already reaped natively) or the one /proc reports. With
 * `procDirectories`, an open /proc/<pid> directory counts as a pidfd (pidfd_send_signal(2)).
 */
export function resolvePidfd(context: SyscallContext, fd: number, procDirectories = false): PidfdTarget {
  const tid = context.thread.nativeTid;
  const info = context.native.readProc(`${tid}/fdinfo/${fd}`);
  if (info === null) return { kind: "bad-fd" };
  const pid = /^Pid:\s*(-?\d+)/m.exec(info);
  if (pid) {
    const recorded = context.process.common.pidfds.get(fd);
    const process = recorded !== undefined
      ? context.kernel.process(context.process.common.host, recorded)
      : context.kernel.processByNative(Number(pid[1]));
    return { kind: "pidfd", process: onHost(context, process) };
  }
  const directory = procDirectories ? PROC_DIRECTORY.exec(context.native.readProcLink(`${tid}/fd/${fd}`) ?? "") : null;
  if (!directory) return { kind: "not-pidfd" };
  return { kind: "pidfd", process: onHost(context, context.kernel.processByNative(Number(directory[1]))) };
}

function onHost(context: SyscallContext, process: Process | undefined): Process | undefined {
  return process?.common.host === context.process.common.host ? process : undefined;
}
