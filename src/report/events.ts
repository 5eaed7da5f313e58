/**
 * What happened in a run, as umbra reports it: starts, forks, execs, signals and exits with
 * their virtual times. The timeline and report.json are made from these.
 * @module
 */

/** How a process ended (as ExitStatus in src/kernel/exit_status.ts). */
export type EventExitStatus =
  | { kind: "exited"; code: number }
  | { kind: "signaled"; signal: string; number: number; coreDumped: boolean }
  | { kind: "running" };

/** One event. Virtual times are ns since the run started, as decimal strings. */
export type UmbraEvent =
  /** A configured or top-level process exec'd its program. */
  | { kind: "start"; time: string; host: string; pid: number; parent: number; name: string; argv: string[] }
  /** A process created by fork or clone (parent: its virtual parent). */
  | { kind: "fork"; time: string; host: string; pid: number; parent: number; name: string }
  /** A process exec'd `path` with `argv` (absent in reports of older umbra versions). */
  | { kind: "exec"; time: string; host: string; pid: number; path: string; argv?: string[] }
  /** A signal delivered to `to`; `from` is the sender, null for one from outside the sandbox. */
  | { kind: "signal"; time: string; host: string; from: number | null; to: number; signal: string }
  | { kind: "exit"; time: string; host: string; pid: number; status: EventExitStatus };

/** What the timeline shows. */
export interface TimelineInput {
  title: string;
  stopTime: string;
  events: UmbraEvent[];
}
