/**
 * The one syscall number -> handler table. Every syscall listed here is traced (seccomp
 * RET_TRACE); everything else runs natively without a stop. Gaps are explicit in `support`.
 * @module
 */

import { SYS, type SyscallName } from "../abi/syscalls.ts";
import * as clone from "./clone.ts";
import type { Handler } from "./context.ts";
import * as exec from "./exec.ts";
import * as ids from "./ids.ts";
import * as kill from "./kill.ts";
import * as wait from "./wait.ts";

/** One table row. */
export interface SyscallEntry {
  readonly name: SyscallName;
  readonly handler: Handler;
  /** `full`: Linux semantics on virtual ids. `partial`: see `note`. */
  readonly support: "full" | "partial";
  readonly note?: string;
}

function full(name: SyscallName, handler: Handler): SyscallEntry {
  return { name, handler, support: "full" };
}

function partial(name: SyscallName, handler: Handler, note: string): SyscallEntry {
  return { name, handler, support: "partial", note };
}

const ROWS: readonly SyscallEntry[] = [
  full("getpid", ids.getpid),
  full("getppid", ids.getppid),
  full("gettid", ids.gettid),
  full("getpgrp", ids.getpgrp),
  full("getpgid", ids.getpgid),
  full("getsid", ids.getsid),
  partial("setpgid", ids.setpgid, "emulated in the model; the native process group does not change"),
  partial("setsid", ids.setsid, "emulated in the model; the native session does not change"),
  full("set_tid_address", ids.set_tid_address),
  full("fork", clone.fork),
  full("vfork", clone.vfork),
  full("clone", clone.clone),
  partial("clone3", clone.clone3, "ENOSYS: libc falls back to clone(2)"),
  full("execve", exec.execve),
  full("execveat", exec.execveat),
  partial("wait4", wait.wait4, "native wait with pids translated; pgid forms are native"),
  partial("waitid", wait.waitid, "native wait with pids translated; P_PGID is native"),
  partial("kill", kill.kill, "siginfo of group/broadcast kills names umbra as sender"),
  full("tkill", kill.tkill),
  full("tgkill", kill.tgkill),
  full("rt_sigqueueinfo", kill.rt_sigqueueinfo),
  full("rt_tgsigqueueinfo", kill.rt_tgsigqueueinfo),
  full("pidfd_open", kill.pidfd_open),
];

/** Handlers by syscall number. */
export const SYSCALL_TABLE: ReadonlyMap<number, SyscallEntry> = new Map(ROWS.map((row) => [SYS[row.name], row]));

/** The 512-bit bitmap of traced syscall numbers libumbra's umbra_open takes. */
export function tracedBitmap(): Uint8Array<ArrayBuffer> {
  const bitmap = new Uint8Array(64);
  for (const nr of SYSCALL_TABLE.keys()) bitmap[nr >> 3] |= 1 << (nr & 7);
  return bitmap;
}
