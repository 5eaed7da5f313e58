/**
 * Messages between the Sandbox (main thread) and the policy Worker.
 * @module
 */

import type { ExitStatus } from "../kernel/exit_status.ts";
import type { UmbraEvent } from "../report/events.ts";
import type { SyscallRecord } from "../report/strace.ts";

export type { SyscallRecord } from "../report/strace.ts";

/** Start a program as a new top-level process of `host`. */
export interface SpawnCommand {
  type: "spawn";
  /** Request id chosen by the sandbox, echoed in the answers. */
  id: number;
  host: string;
  path: string;
  args: string[];
  /** `NAME=value` strings, exactly the program's environment. */
  env: string[];
  /** Working directory ("" keeps umbra's). */
  cwd: string;
  /** stdin, stdout, stderr paths ("" inherits umbra's). */
  stdio: [string, string, string];
  /**
   * When set, stdout and stderr go to `<outputDirectory>/<exe>.<pid>.stdout|.stderr` instead,
   * named after the virtual pid the policy reserves for the process.
   */
  outputDirectory: string | null;
  /** Virtual time (ns, decimal) to start at; absent: now. */
  at?: string;
}

/** Main thread -> Worker. */
export type Command =
  | SpawnCommand
  /** Signal a process, now or (for a spawn request's process) at virtual time `at`. */
  | { type: "signal"; host: string; pid: number; signal: number }
  | { type: "signal-at"; id: number; signal: number; at: string }
  /** Report `deadline` when the virtual clock reaches `at` (the run's stop time). */
  | { type: "deadline-at"; at: string }
  | { type: "close" };

/** Worker -> main thread. Times are virtual ns (decimal strings). */
export type Notice =
  | { type: "ready"; handle: bigint }
  | { type: "started"; id: number; pid: number; nativePid: number; name: string; time: string }
  | { type: "spawn-failed"; id: number; errno: number; message: string }
  | { type: "exited"; id: number; pid: number; status: ExitStatus; time: string }
  | { type: "deadline"; time: string }
  | { type: "event"; event: UmbraEvent }
  /** An intercepted syscall (strace logging): `root` is the virtual pid whose log it goes to. */
  | { type: "syscall"; host: string; root: number; record: SyscallRecord }
  | { type: "warning"; message: string }
  | { type: "fatal"; message: string }
  | { type: "closed" };
