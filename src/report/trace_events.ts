/**
 * A run in the Chrome trace-event JSON format (the "Trace Event Format" document), which
 * Perfetto's UI and chrome://tracing open: each host is a trace process, each of its processes a
 * thread track named by virtual pid and argv (ordered as the timeline nests them), each lifetime
 * a complete ("X") event, forks flow arrows from parent to child, and execs, signals and exits
 * instant ("i") events. Timestamps are µs of virtual time, with ns as decimals.
 * @module
 */

import type { TimelineInput } from "./events.ts";
import {
  buildModel,
  describeEnd,
  endOf,
  type Model,
  type Proc,
  programArgv,
  quoteArgv,
  type Sig,
} from "./lifelines.ts";

/** One event of the format (the fields umbra uses). */
export interface TraceEvent {
  /** What the event is (shown on its slice or marker). */
  name: string;
  /** Phase: "M" metadata, "X" complete, "i" instant, "s"/"f" flow start/end. */
  ph: "M" | "X" | "i" | "s" | "f";
  /** µs. */
  ts: number;
  /** The trace process: a host. */
  pid: number;
  /** The thread: a process of the host, by virtual pid (0 for a process's metadata). */
  tid: number;
  /** µs; "X" only. */
  dur?: number;
  /** Instant scope: "t" thread. */
  s?: "t";
  /** Flow id. */
  id?: number;
  /** Flow end binding: "e" binds to the enclosing slice. */
  bp?: "e";
  /** Category: process, fork, exec, signal or exit. */
  cat?: string;
  /** Details shown when the event is selected. */
  args?: Record<string, unknown>;
}

/** The whole document. */
export interface TraceDocument {
  /** Metadata first per host and process, then each process's events. */
  traceEvents: TraceEvent[];
  /** Show ns: virtual time has them. */
  displayTimeUnit: "ns";
  /** The run's title and stop time. */
  otherData: Record<string, string>;
}

/**
 * The run as a trace-event document. Host `n` (in order of appearance, from 1) is trace process
 * `n`; a process is the thread whose tid is its virtual pid, so equal pids on two hosts stay apart.
 */
export function traceEvents(input: TimelineInput): TraceDocument {
  const model = buildModel(input);
  const events: TraceEvent[] = [];
  const received = new Map<Proc, Sig[]>();
  for (const sig of model.signals) {
    if (!received.has(sig.to)) received.set(sig.to, []);
    received.get(sig.to)!.push(sig);
  }
  model.hosts.forEach((host, index) => {
    const pid = index + 1;
    events.push(meta("process_name", pid, 0, { name: host.name }));
    events.push(meta("process_sort_index", pid, 0, { sort_index: pid }));
    for (const proc of host.procs) events.push(...processEvents(proc, pid, model, received.get(proc) ?? []));
  });
  return {
    traceEvents: events,
    displayTimeUnit: "ns",
    otherData: { title: input.title, stopTime: `${input.stopTime} ns (virtual)` },
  };
}

/** {@linkcode traceEvents} as the text of trace.json. */
export function renderTraceEvents(input: TimelineInput): string {
  return JSON.stringify(traceEvents(input)) + "\n";
}

/** ns to µs, keeping ns as decimals. */
function us(ns: number): number {
  return ns / 1000;
}

function meta(name: string, pid: number, tid: number, args: Record<string, unknown>): TraceEvent {
  return { name, ph: "M", ts: 0, pid, tid, args };
}

function processEvents(proc: Proc, pid: number, model: Model, signals: Sig[]): TraceEvent[] {
  const tid = proc.pid;
  const argv = programArgv(proc);
  const instant = (name: string, ns: number, cat: string, args: Record<string, unknown>): TraceEvent => ({
    name,
    ph: "i",
    s: "t",
    ts: us(ns),
    pid,
    tid,
    cat,
    args,
  });
  const end = endOf(proc, model);
  const events: TraceEvent[] = [
    meta("thread_name", pid, tid, { name: `${proc.pid} ${quoteArgv(argv)}` }),
    // The timeline's order: each process under its parent.
    meta("thread_sort_index", pid, tid, { sort_index: proc.row }),
    {
      name: `${proc.pid} ${basename(argv[0] ?? proc.name)}`,
      ph: "X",
      ts: us(proc.start),
      dur: us(end - proc.start),
      pid,
      tid,
      cat: "process",
      args: { name: proc.name, parent: proc.parentPid, argv, end: describeEnd(proc) },
    },
  ];
  if (proc.parent) {
    // A flow arrow from the fork in the parent's lifetime to the start of the child's.
    const flow = { name: "fork", cat: "fork", ts: us(proc.start), pid, id: flowId(pid, proc.pid) };
    events.push({ ...flow, ph: "s", tid: proc.parent.pid }, { ...flow, ph: "f", bp: "e", tid });
  }
  for (const exec of proc.execs) {
    events.push(instant(`exec ${exec.path}`, exec.time, "exec", { path: exec.path, argv: exec.argv }));
  }
  for (const sig of signals) {
    events.push(instant(sig.signal, sig.time, "signal", { signal: sig.signal, from: sig.fromPid }));
  }
  if (proc.exit && proc.exit.status.kind !== "running") {
    events.push(instant(describeEnd(proc), proc.exit.time, "exit", { status: proc.exit.status }));
  }
  return events;
}

/** Flow ids are global in the format: one per (host, child). */
function flowId(host: number, pid: number): number {
  return host * 2 ** 32 + pid;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1) || path;
}
