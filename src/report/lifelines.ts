/**
 * A run's processes over virtual time, as the timeline and the trace-event export draw them:
 * each process with its parent and children, the programs it ran, the signals it received and
 * how it ended; hosts in order of appearance, each process tree depth first.
 * @module
 */

import type { EventExitStatus, TimelineInput, UmbraEvent } from "./events.ts";

/** One program a process ran from an exec (or its start). */
export interface Program {
  /** Virtual time, ns. */
  time: number;
  /** The same time as the event wrote it (decimal ns). */
  text: string;
  /** The program's file. */
  path: string;
  /** As the program saw it; null when the report predates recorded argv. */
  argv: string[] | null;
}

/** One process as it is drawn. */
export interface Proc {
  /** The host it runs on. */
  host: string;
  /** Virtual pid. */
  pid: number;
  /** The parent's virtual pid as the event named it (1 for a configured process). */
  parentPid: number;
  /** umbra's name for it (`<host>.<exe>.<pid>`). */
  name: string;
  /** argv of a started (configured or top-level) process, else null. */
  argv: string[] | null;
  /** The parent's argv when this process was forked: it runs its parent's program until it execs. */
  inherited: string[] | null;
  /** How it appeared: started, forked, or first seen in another event. */
  origin: "start" | "fork" | "unknown";
  /** Virtual time it appeared, ns. */
  start: number;
  /** `start` as the event wrote it. */
  startText: string;
  /** Its parent, when that is a process of the run. */
  parent: Proc | null;
  /** In the order they appeared. */
  children: Proc[];
  /** The programs it exec'd, in order. */
  execs: Program[];
  /** Its exit event (status "running" for one still running at the stop), or null. */
  exit: { time: number; text: string; status: EventExitStatus } | null;
  /** Position in the drawing: host headers and processes share one row sequence. */
  row: number;
  /** Nesting: 0 for a process without a parent in the run. */
  depth: number;
}

/** A signal between two processes (or from outside: `fromPid` null). */
export interface Sig {
  /** Virtual time, ns. */
  time: number;
  /** `time` as the event wrote it. */
  text: string;
  /** Its name (`SIGCHLD`). */
  signal: string;
  /** The sender's virtual pid; null for a signal from outside the sandbox. */
  fromPid: number | null;
  /** The sender, when it is a process of the run. */
  from: Proc | null;
  /** The receiver. */
  to: Proc;
}

/** Everything a run shows, with rows assigned (`procs` in row order). */
export interface Model {
  /** The end of the time axis: the last event, or the stop time when nothing happened. */
  end: number;
  /** The run's stop time, ns. */
  stop: number;
  /** Hosts in order of appearance, each with its header row and its processes in row order. */
  hosts: { name: string; row: number; procs: Proc[] }[];
  /** Every process in row order. */
  procs: Proc[];
  /** Every signal in time order. */
  signals: Sig[];
  /** How many rows there are (host headers included). */
  rows: number;
}

/** Builds the model of a run from its events (in any order; sorted by time, stable). */
export function buildModel(input: TimelineInput): Model {
  const stop = toNs(input.stopTime);
  const events = input.events.map((event, index) => ({ event, index, time: toNs(event.time) }))
    .sort((a, b) => a.time - b.time || a.index - b.index);
  const procs: Proc[] = [];
  const signals: Sig[] = [];
  const current = new Map<string, Proc>();
  for (const { event, time } of events) applyEvent(event, time, current, procs, signals);
  // Programs that all ended early would otherwise be squeezed into the axis's first pixels.
  const last = events.reduce((max, e) => Math.max(max, e.time), 0);
  const end = Math.max(1, events.length > 0 ? last : stop);
  const { hosts, rows } = assignRows(procs);
  return { end, stop, hosts, procs: hosts.flatMap((host) => host.procs), signals, rows };
}

function toNs(text: string): number {
  const value = Number(text);
  return Number.isFinite(value) && value > 0 ? value : 0;
}

function applyEvent(event: UmbraEvent, time: number, current: Map<string, Proc>, procs: Proc[], sigs: Sig[]): void {
  const find = (pid: number) => current.get(`${event.host}/${pid}`) ?? null;
  const need = (pid: number) => find(pid) ?? create(current, procs, unknownProc(event.host, pid, time, event.time));
  switch (event.kind) {
    case "start":
    case "fork": {
      const parent = find(event.parent);
      const proc = newProc(event, time, parent);
      proc.inherited = parent && programArgv(parent);
      create(current, procs, proc);
      break;
    }
    case "exec":
      need(event.pid).execs.push({ time, text: event.time, path: event.path, argv: event.argv ?? null });
      break;
    case "exit":
      need(event.pid).exit = { time, text: event.time, status: event.status };
      break;
    case "signal": {
      const from = event.from === null ? null : find(event.from);
      sigs.push({ time, text: event.time, signal: event.signal, fromPid: event.from, from, to: need(event.to) });
      break;
    }
  }
}

function create(current: Map<string, Proc>, procs: Proc[], proc: Proc): Proc {
  current.set(`${proc.host}/${proc.pid}`, proc);
  procs.push(proc);
  proc.parent?.children.push(proc);
  return proc;
}

function newProc(event: UmbraEvent & { kind: "start" | "fork" }, time: number, parent: Proc | null): Proc {
  return {
    host: event.host,
    pid: event.pid,
    parentPid: event.parent,
    name: event.name,
    argv: event.kind === "start" ? event.argv : null,
    inherited: null,
    origin: event.kind,
    start: time,
    startText: event.time,
    parent,
    children: [],
    execs: [],
    exit: null,
    row: 0,
    depth: 0,
  };
}

function unknownProc(host: string, pid: number, time: number, text: string): Proc {
  const proc = newProc({ kind: "fork", time: text, host, pid, parent: 0, name: `pid ${pid}` }, time, null);
  proc.origin = "unknown";
  return proc;
}

/** Hosts in order of appearance, each a header row then its process trees depth first, siblings by pid. */
function assignRows(procs: Proc[]): { hosts: Model["hosts"]; rows: number } {
  const hosts: Model["hosts"] = [];
  const byHost = new Map<string, Proc[]>();
  for (const proc of procs) {
    if (!byHost.has(proc.host)) byHost.set(proc.host, []);
    byHost.get(proc.host)!.push(proc);
  }
  let row = 0;
  for (const [name, members] of byHost) {
    const group = { name, row: row++, procs: [] as Proc[] };
    // Depth first without recursion: a chain of 1,000 forks is 1,000 levels deep.
    const stack = sortByPid(members.filter((p) => !p.parent)).reverse().map((proc) => ({ proc, depth: 0 }));
    while (stack.length > 0) {
      const { proc, depth } = stack.pop()!;
      proc.row = row++;
      proc.depth = depth;
      group.procs.push(proc);
      for (const child of sortByPid(proc.children).reverse()) stack.push({ proc: child, depth: depth + 1 });
    }
    hosts.push(group);
  }
  return { hosts, rows: row };
}

function sortByPid(procs: Proc[]): Proc[] {
  return [...procs].sort((a, b) => a.pid - b.pid || a.start - b.start);
}

// ---------------------------------------------------------------------------------------------
// Text shared by the timeline and the trace export.

/**
 * The argv of the program a process ran last: its last exec's, its start's, or its parent's at
 * the fork (a fork runs its parent's program); `[path]` for an exec recorded without argv.
 */
export function programArgv(proc: Proc): string[] {
  const last = proc.execs.at(-1);
  if (last) return last.argv ?? [last.path];
  return proc.argv ?? proc.inherited ?? [proc.name];
}

/** argv as a shell would take it: words quoted only when they need it (`sh -c 'echo hi'`). */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map((arg) => /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`).join(" ");
}

/** `name (pid N)`. */
export function who(proc: Proc): string {
  return `${proc.name} (pid ${proc.pid})`;
}

/** How a process ended, in words, without the time. */
export function describeEnd(proc: Proc): string {
  const status = proc.exit?.status;
  if (!status || status.kind === "running") return "still running at stop";
  if (status.kind === "exited") return `exited with code ${status.code}`;
  return `killed by ${status.signal} (${status.number})${status.coreDumped ? ", core dumped" : ""}`;
}

/** When a process's lifeline ends: its exit (a process still running gets one at the stop), else the axis's end. */
export function endOf(proc: Proc, model: Model): number {
  return Math.max(proc.start, proc.exit?.time ?? model.end);
}
