/**
 * The wait family's core (wait4(2), waitid(2)): which children a wait may report, and what it
 * reports. The syscall handlers normalise their ABI forms into a WaitTarget and WaitOptions.
 * @module
 */

import { emptyUsage, type ResourceUsage } from "../abi/rusage.ts";
import { SiCode } from "../abi/siginfo.ts";
import { Signal } from "../abi/signals.ts";
import { childReport, waitStatusWord } from "./exit_status.ts";
import type { Kernel } from "./kernel.ts";
import type { JobReport, Process } from "./process.ts";
import type { Thread } from "./thread.ts";

/** Whose state changes a wait is after. */
export type WaitTarget =
  | { kind: "any" }
  | { kind: "pid"; pid: number }
  | { kind: "group"; group: number };

/** What a wait reports and how. */
export interface WaitOptions {
  /** WEXITED (always on for wait4). */
  exited: boolean;
  /** WSTOPPED / WUNTRACED. */
  stopped: boolean;
  /** WCONTINUED. */
  continued: boolean;
  /** WNOHANG. */
  noHang: boolean;
  /** WNOWAIT: report without reaping. */
  noWait: boolean;
  /** __WNOTHREAD: only children of the calling thread. */
  callerThreadOnly: boolean;
  /** Default: children whose exit signal is SIGCHLD; __WCLONE: the others; __WALL: all. */
  children: "normal" | "clone" | "all";
}

/** A reported state change. */
export interface WaitResult {
  child: Process;
  /** The wait(2) status word. */
  statusWord: number;
  /** waitid's si_code (CLD_*) and si_status. */
  code: number;
  status: number;
  /** The child's usage including its reaped children (wait4's rusage). */
  usage: ResourceUsage;
}

/** What a wait finds now. */
export type WaitFinding =
  | { kind: "found"; result: WaitResult }
  /** Eligible children exist but none has a state change to report. */
  | { kind: "pending" }
  /** No eligible child (ECHILD). */
  | { kind: "none" };

function matches(child: Process, caller: Thread, target: WaitTarget, options: WaitOptions): boolean {
  if (target.kind === "pid" && child.id !== target.pid) return false;
  if (target.kind === "group" && child.common.group !== target.group) return false;
  if (options.callerThreadOnly && child.common.parentThread !== caller.id) return false;
  if (options.children === "all") return true;
  const isClone = child.common.exitSignal !== Signal.SIGCHLD;
  return isClone === (options.children === "clone");
}

/** Looks for a child of `caller`'s process to report, in creation order, and reaps it unless WNOWAIT. */
export function wait(kernel: Kernel, caller: Thread, target: WaitTarget, options: WaitOptions): WaitFinding {
  let eligible = false;
  const children = kernel.children(caller.process).sort((a, b) => a.id - b.id);
  for (const child of children) {
    if (!matches(child, caller, target, options)) continue;
    // A zombie counts only for a wait that takes exits (wait_consider_task): without WEXITED, a
    // wait with nothing else to wait for is ECHILD.
    if (child.state.kind === "zombie" && !options.exited) continue;
    eligible = true;
    if (child.state.kind === "zombie") {
      const exit = child.state.exitStatus;
      const result: WaitResult = {
        child,
        statusWord: waitStatusWord(exit),
        ...childReport(exit),
        usage: child.state.usage,
      };
      if (!options.noWait) kernel.reap(child, caller.process);
      return { kind: "found", result };
    }
    const report = child.state.jobReport;
    if (!report || (report.kind === "stopped" ? !options.stopped : !options.continued)) continue;
    if (!options.noWait) child.state.jobReport = null;
    return { kind: "found", result: jobResult(child, report) };
  }
  return eligible ? { kind: "pending" } : { kind: "none" };
}

function jobResult(child: Process, report: JobReport): WaitResult {
  // A stopped or continued child reports no usage of its own through wait4 (only exits do).
  const usage = emptyUsage();
  if (report.kind === "stopped") {
    return { child, statusWord: (report.signal << 8) | 0x7f, code: SiCode.CLD_STOPPED, status: report.signal, usage };
  }
  return { child, statusWord: 0xffff, code: SiCode.CLD_CONTINUED, status: Signal.SIGCONT, usage };
}
