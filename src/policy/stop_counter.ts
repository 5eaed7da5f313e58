/**
 * Counts the stops that reach the policy, by kind, and the policy's time on them: what
 * `Sandbox.stats` and `umbra exec --stats` report, and how the benchmark counts stops per row.
 * @module
 */

import { EventKind } from "../native/protocol.ts";

/** The events that are a program thread's stop (or end), by name. */
const STOP_NAMES: ReadonlyMap<number, string> = new Map([
  [EventKind.syscall, "syscall"],
  [EventKind.syscallExit, "syscall-exit"],
  [EventKind.fork, "fork"],
  [EventKind.vfork, "vfork"],
  [EventKind.clone, "clone"],
  [EventKind.exec, "exec"],
  [EventKind.exited, "exit"],
  [EventKind.signal, "signal"],
  [EventKind.groupStop, "group-stop"],
  [EventKind.continued, "continued"],
  [EventKind.interrupted, "interrupted"],
]);

/** A run's stops by kind and the policy's time on every event (ms, summed). */
export class StopCounter {
  readonly #stops = new Map<string, number>();
  #policyMs = 0;

  /** One event of `kind`, which the policy took `ms` to handle. */
  count(kind: number, ms: number): void {
    this.#policyMs += ms;
    const name = STOP_NAMES.get(kind);
    if (name !== undefined) this.#stops.set(name, (this.#stops.get(name) ?? 0) + 1);
  }

  /** The counts, most frequent first, and the policy's time in ns (a decimal string). */
  totals(): { stops: Record<string, number>; policyNs: string } {
    // Names compare by code unit: localeCompare's first call loads ICU data, ~9 ms at every close.
    const sorted = [...this.#stops].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
    return { stops: Object.fromEntries(sorted), policyNs: String(Math.round(this.#policyMs * 1e6)) };
  }
}
