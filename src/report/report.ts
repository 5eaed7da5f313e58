/**
 * report.json: one entry per process of a run (configured or forked), built from the run's
 * events, with the configured processes' expected and actual final states.
 * @module
 */

import type { EventExitStatus, UmbraEvent } from "./events.ts";

/** A signal one process sent or received. */
export interface SignalEntry {
  /** Virtual ns since the run started. */
  time: string;
  /** The signal's name, e.g. "SIGTERM". */
  signal: string;
  /** The other side: receiver for a sent signal, sender for a received one (null: outside the sandbox). */
  peer: number | null;
}

/** One process in report.json. Virtual times are ns since the run started (decimal strings). */
export interface ProcessEntry {
  /** The host it ran on. */
  host: string;
  /** Virtual pid. */
  pid: number;
  /** Virtual parent pid when it was created. */
  parent: number;
  /** `<host>.<exe>.<pid>`. */
  name: string;
  /** argv of a configured process; null for a forked one (it runs its parent's program until it execs). */
  argv: string[] | null;
  /** When it was started (configured) or forked. */
  startTime: string;
  /** Its execs: when, and which program. */
  execs: { time: string; path: string }[];
  /** When it ended (null: still running when the run stopped). */
  exitTime: string | null;
  /** How it ended. */
  exitStatus: EventExitStatus;
  /** Signals it sent to processes of the sandbox, as delivered. */
  signalsSent: SignalEntry[];
  /** Signals delivered to it. */
  signalsReceived: SignalEntry[];
}

/** Folds a run's events into one entry per process, in the order the processes appeared. */
export function processesFromEvents(events: readonly UmbraEvent[]): ProcessEntry[] {
  const entries = new Map<string, ProcessEntry>();
  const key = (host: string, pid: number) => `${host}/${pid}`;
  for (const event of events) {
    switch (event.kind) {
      case "start":
      case "fork":
        entries.set(key(event.host, event.pid), {
          host: event.host,
          pid: event.pid,
          parent: event.parent,
          name: event.name,
          argv: event.kind === "start" ? event.argv : null,
          startTime: event.time,
          execs: [],
          exitTime: null,
          exitStatus: { kind: "running" },
          signalsSent: [],
          signalsReceived: [],
        });
        break;
      case "exec":
        entries.get(key(event.host, event.pid))?.execs.push({ time: event.time, path: event.path });
        break;
      case "signal":
        if (event.from !== null) {
          entries.get(key(event.host, event.from))?.signalsSent.push({
            time: event.time,
            signal: event.signal,
            peer: event.to,
          });
        }
        entries.get(key(event.host, event.to))?.signalsReceived.push({
          time: event.time,
          signal: event.signal,
          peer: event.from,
        });
        break;
      case "exit": {
        const entry = entries.get(key(event.host, event.pid));
        if (entry) {
          entry.exitTime = event.time;
          entry.exitStatus = event.status;
        }
        break;
      }
    }
  }
  return [...entries.values()];
}
