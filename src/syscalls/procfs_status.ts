/**
 * What /proc/<pid>/stat and /proc/<pid>/status (and their task/<tid> forms) say about ids and
 * state, as a pid namespace holding only the sandbox would say it: the native text with its pid,
 * parent, group, session and tracer fields replaced by virtual ones. Everything else (names,
 * memory, CPU times, signal masks) stays native.
 *
 * The state a process shows: a thread umbra holds in a ptrace stop ('t', "tracing stop") is a
 * thread parked in a call umbra emulates (a wait, a sleep): it sleeps, 'S', unless the process
 * is stopped by job control, 'T'; the reader itself (stopped in its open) runs, 'R'. ptrace is
 * umbra's, so the tracer pid is 0.
 *
 * A zombie has no native files left (umbra reaps natively at once): its stat, status, comm and
 * cmdline are made from the model, as Linux shows a zombie's (state Z, no memory, one thread,
 * empty cmdline, exit code).
 * @module
 */

import { basename } from "node:path";
import { waitStatusWord } from "../kernel/exit_status.ts";
import type { Process } from "../kernel/process.ts";
import type { Thread } from "../kernel/thread.ts";

/** The process (and, for a task/<tid> file, the thread) a stat or status file describes. */
export interface Subject {
  process: Process;
  thread: Thread | null;
}

/** The state letter a native tracing stop shows as, for the thread `reader` reading about `subject`. */
function stateOf({ process, thread }: Subject, reader: Thread): "R" | "S" | "T" {
  const described = thread ?? process.threads.get(process.id);
  if (described === reader) return "R";
  return process.state.kind === "runnable" && process.state.stopSignal !== null ? "T" : "S";
}

const STATE_NAMES = { R: "R (running)", S: "S (sleeping)", T: "T (stopped)" };

/** The names of the /proc files rewritten here. */
export const ID_FILES: readonly string[] = ["stat", "status"];

/**
 * `text` of the file `name` (one of ID_FILES) with virtual ids and state as thread `reader` sees
 * it, or null when it does not parse.
 */
export function virtualIdFile(name: string, text: string, subject: Subject, reader: Thread): string | null {
  return name === "stat" ? virtualStat(text, subject, reader) : virtualStatus(text, subject, reader);
}

/** stat: "pid (comm) state ppid pgrp session tty_nr tpgid ...", comm may hold spaces and parentheses. */
function virtualStat(text: string, subject: Subject, reader: Thread): string | null {
  const { process, thread } = subject;
  const open = text.indexOf(" (");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  const fields = text.slice(close + 2).split(" ");
  if (fields.length < 6) return null;
  const { parent, group, session } = process.common;
  if (fields[0] === "t") fields[0] = stateOf(subject, reader);
  fields[1] = String(parent);
  fields[2] = String(group);
  fields[3] = String(session);
  // tpgid: a terminal's foreground group is the host's, outside the sandbox (-1: no terminal).
  if (fields[5] !== "-1") fields[5] = "0";
  return `${thread?.id ?? process.id}${text.slice(open, close + 2)}${fields.join(" ")}`;
}

/** status: "Key:\tvalue" lines. */
function virtualStatus(text: string, subject: Subject, reader: Thread): string {
  const { process, thread } = subject;
  const { id, parent, group, session } = process.common;
  const pid = String(thread?.id ?? id);
  const values: Record<string, string> = {
    Tgid: String(id),
    Pid: pid,
    PPid: String(parent),
    TracerPid: "0",
    NStgid: String(id),
    NSpid: pid,
    NSpgid: String(group),
    NSsid: String(session),
  };
  return text.split("\n").map((line) => {
    const colon = line.indexOf(":");
    const key = line.slice(0, colon);
    if (key === "State" && line.includes("t (tracing stop)")) return `State:\t${STATE_NAMES[stateOf(subject, reader)]}`;
    return colon > 0 && key in values ? `${key}:\t${values[key]}` : line;
  }).join("\n");
}

/** The files of a zombie's /proc directory umbra makes up; the others are gone. */
export const ZOMBIE_FILES: readonly string[] = ["stat", "status", "comm", "cmdline"];

/**
 * The text of `name` (one of ZOMBIE_FILES) for zombie `process`. `credentials` are the reader's
 * own status lines "Uid:..." and "Gid:..." (sandboxed processes all run as umbra's user).
 */
export function zombieFile(name: string, process: Process, credentials: readonly string[]): string {
  const { id, parent, group, session, exitSignal, executable } = process.common;
  const comm = process.common.comm ?? basename(executable).slice(0, 15);
  const exitCode = process.state.kind === "zombie" ? waitStatusWord(process.state.exitStatus) : 0;
  switch (name) {
    case "comm":
      return `${comm}\n`;
    case "cmdline":
      return "";
    case "stat": {
      // Fields 3-52 of proc_pid_stat(5): a zombie has no memory, times or signals left to show.
      const fields = Array<number | string>(50).fill(0);
      fields[0] = "Z";
      fields[1] = parent;
      fields[2] = group;
      fields[3] = session;
      fields[5] = -1; // tpgid: no terminal
      fields[15] = 20; // priority
      fields[17] = 1; // num_threads
      fields[35] = exitSignal ?? 0;
      fields[49] = exitCode;
      return `${id} (${comm}) ${fields.join(" ")}\n`;
    }
    default: {
      const mask = "0000000000000000";
      return [
        `Name:\t${comm}`,
        "State:\tZ (zombie)",
        `Tgid:\t${id}`,
        "Ngid:\t0",
        `Pid:\t${id}`,
        `PPid:\t${parent}`,
        "TracerPid:\t0",
        ...credentials,
        "FDSize:\t0",
        "Groups:\t",
        `NStgid:\t${id}`,
        `NSpid:\t${id}`,
        `NSpgid:\t${group}`,
        `NSsid:\t${session}`,
        "Threads:\t1",
        `SigPnd:\t${mask}`,
        `ShdPnd:\t${mask}`,
        `SigBlk:\t${mask}`,
        `SigIgn:\t${mask}`,
        `SigCgt:\t${mask}`,
        "",
      ].join("\n");
    }
  }
}
