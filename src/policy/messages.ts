/**
 * Messages between the Sandbox (main thread) and the policy Worker.
 * @module
 */

import type { ExitStatus } from "../kernel/exit_status.ts";
import type { UmbraEvent } from "../report/events.ts";
import type { StraceMode, SyscallRecord } from "../report/strace.ts";
import type { ScheduleMode } from "./scheduler.ts";

export type { SyscallRecord } from "../report/strace.ts";

/** What a policy Worker runs with: its first message, before any command. */
export interface WorkerSettings {
  /** Counts the commands posted: the Worker waits until it has received as many. */
  commandCounter: SharedArrayBuffer;
  maxProcesses: number;
  /** ns, as a decimal string. */
  unblockedSyscallLatency: string;
  time: "real" | "virtual";
  schedule: ScheduleMode;
  events: boolean;
  /** Send every intercepted call as a `syscall` notice. */
  syscalls: boolean;
  strace: StraceMode | undefined;
  straceTo: "files" | "stderr";
  straceCalls: number[] | undefined;
  /** ns since 1970, as a decimal string. */
  epochNs: string;
  /** As a decimal string; undefined: not seeded. */
  seed: string | undefined;
}

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
  /**
   * stdin, stdout, stderr paths ("" inherits umbra's); a null stdout or stderr goes to
   * `<outputDirectory>/<exe>.<pid>.stdout|.stderr`, the pid being the process's own.
   */
  stdio: [string, string | null, string | null];
  /** Where null stdout and stderr go; null when neither is. */
  outputDirectory: string | null;
  /** strace logging to files: the directory of `<exe>.<pid>.strace` (null: no file for this process). */
  logDirectory: string | null;
  /** Virtual time (ns, decimal) to start at; absent: now. */
  at?: string;
  /** Stop before the program's first instruction and serve a gdb remote stub for it. */
  pause?: boolean;
  /** Signals the program starts with ignored, as a mask (bit N-1: signal N; decimal u64). */
  ignored?: string;
  /**
   * The program leads a session of its own and its stdio paths name a terminal, which becomes
   * its controlling terminal.
   */
  terminal?: boolean;
}

/** A gdb server's request for the thread it debugs (native tid): see src/policy/debug.ts. */
export type DebugCommand = { type: "debug"; tid: number } & DebugOp;

/** What a gdb server asks of its thread. */
export type DebugOp =
  | { op: "attach" | "detach" | "registers" | "interrupt" | "kill" }
  | { op: "set-registers"; bytes: Uint8Array }
  | { op: "resume"; step: boolean; signal: number };

/** Main thread -> Worker. */
export type Command =
  | SpawnCommand
  /** Signal a process, now or (for a spawn request's process) at virtual time `at`. */
  | { type: "signal"; host: string; pid: number; signal: number; group?: boolean }
  | { type: "signal-at"; id: number; signal: number; at: string }
  /** Make `host`'s namespaces and init now; answered by a `host-opened` notice. */
  | { type: "open-host"; host: string }
  /**
   * Report `deadline` when the virtual clock reaches `at` (the run's stop time), and hold the
   * world there (as a `hold` does) until the main thread's `release`.
   */
  | { type: "deadline-at"; at: string }
  /**
   * The commands up to the matching `release` belong together: no time jump in between, and no
   * thread chosen under deterministic scheduling.
   */
  | { type: "hold" }
  | { type: "release" }
  /** A signal reached umbra from outside (a terminal): look for ones its programs got too. */
  | { type: "outside-signal" }
  /** Let a process paused for debugging (native tid) run on, when no debugger holds it. */
  | { type: "resume-paused"; tid: number }
  | DebugCommand
  | { type: "close" };

/** Worker -> main thread. Times are virtual ns (decimal strings). */
export type Notice =
  | { type: "ready"; handle: bigint }
  | { type: "started"; id: number; pid: number; nativePid: number; name: string; time: string }
  | { type: "spawn-failed"; id: number; errno: number; message: string }
  | { type: "exited"; id: number; pid: number; status: ExitStatus; time: string }
  | { type: "deadline"; time: string }
  /** `host` is made (its namespaces and init), or could not be: `error` says why, in one line. */
  | { type: "host-opened"; host: string; error: string | null }
  /** A process stopped before its first instruction; gdb can attach through `socket`. */
  | { type: "paused"; id: number; pid: number; nativePid: number; name: string; path: string }
  /** The debugged thread stopped for its debugger (a SIGTRAP: breakpoint, step, interrupt). */
  | { type: "debug-stop"; tid: number; signal: number }
  /** The debugged thread's user_regs_struct, as asked for. */
  | { type: "debug-registers"; tid: number; bytes: Uint8Array }
  | { type: "event"; event: UmbraEvent }
  /** An intercepted syscall (strace logging): `root` is the virtual pid whose log it goes to. */
  | { type: "syscall"; host: string; root: number; record: SyscallRecord }
  | { type: "warning"; message: string }
  | { type: "fatal"; message: string }
  /** What the run cost, sent once before `closed`. */
  | { type: "stats"; stops: Record<string, number>; policyNs: string }
  | { type: "closed" };
