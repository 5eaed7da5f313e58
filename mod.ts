/**
 * umbra runs real, unmodified Linux programs inside an emulated process world: virtual pids,
 * parent/group/session ids and exit statuses, driven from Deno.
 *
 * @example
 * ```ts
 * import { Sandbox } from "./mod.ts";
 * await using sandbox = await Sandbox.create();
 * const process = sandbox.spawn({ path: "/bin/sh", args: ["-c", "echo $$"] });
 * const status = await process.exited; // { kind: "exited", code: 0 }
 * ```
 * @module
 */

export {
  NamespaceError,
  type PausedProcess,
  Sandbox,
  type SandboxOptions,
  SandboxProcess,
  type SandboxStats,
  type ScheduleMode,
  type SpawnOptions,
  type StartedProcess,
  type StraceMode,
} from "./src/sandbox.ts";
export type { SyscallRecord } from "./src/policy/messages.ts";
export type { EventExitStatus, UmbraEvent } from "./src/report/events.ts";
export * from "./src/config/config.ts";
export type { ProcessEntry, SignalEntry } from "./src/report/report.ts";
export { type ProcessReport, runConfig, type RunOptions, type RunReport } from "./src/run.ts";
export { DataDirectoryError } from "./src/data_directory.ts";
export { describeExitStatus, type ExitStatus, shellExitCode } from "./src/kernel/exit_status.ts";
export { ProgramError } from "./src/program.ts";
export {
  EventsNotEnabledError,
  InvalidOptionError,
  NotPausedError,
  SandboxClosedError,
  SandboxFailedError,
  SpawnError,
  UsageError,
} from "./src/errors.ts";
export { LibraryError } from "./src/native/loader.ts";
