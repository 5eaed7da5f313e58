/**
 * strace logs written as a run goes: one file per top-level process (its descendants log there
 * too), in the policy worker, so memory stays bounded and a cut run keeps every line up to the
 * moment it was cut.
 *
 * In `standard` mode lines go out in the order umbra saw the calls end. In `deterministic` mode
 * they go out by virtual time, then thread, once nothing earlier can come (the worker says when:
 * see {@linkcode StraceLog.release}), so that threads which ran at once still give one order.
 * Lines wait in memory only until then, or until HOLD_MAX of them wait in one log (a program
 * that never moves virtual time), and every loop of the worker writes what was released.
 * @module
 */

import { formatVirtualTime, type StraceMode } from "../report/strace.ts";

/** One line waiting for its place. */
interface Line {
  time: bigint;
  tid: number;
  text: string;
}

/**
 * Lines one log may hold back waiting for virtual time to move, at most; then they go out in
 * their order so far. Time stands still only while no thread reads the clock, sleeps or spins.
 */
const HOLD_MAX = 1024;

/** Lines kept back for a root not opened yet (its spawn has not been seen to start), at most. */
const PENDING_MAX = 4096;

/** Later than any line: the earliest time of a log holding none. */
const NEVER = 2n ** 64n;

/** Where a log's bytes go: a file of its own, or the one stream every log shares. */
type Sink = (bytes: Uint8Array) => void;

/** One top-level process's log. */
interface LogFile {
  write: Sink | null;
  /** Lines not released yet (deterministic mode: their order is not known yet). */
  lines: Line[];
  /** The earliest time among `lines` (deterministic mode): no release below it needs a sort. */
  earliest: bigint;
  /** Released lines, formatted, for the next write. */
  ready: string[];
}

/** The strace logs of one sandbox. */
export class StraceLog {
  readonly #files = new Map<string, LogFile>();
  readonly #opened: Deno.FsFile[] = [];
  /** Logs with lines not released: a release visits only these (a run may have thousands of logs). */
  readonly #held = new Set<LogFile>();
  /** Logs with released lines not written yet. */
  readonly #released = new Set<LogFile>();
  readonly #encoder = new TextEncoder();

  /** `shared`: every log goes there (strace's own way, on stderr), no file per process. */
  constructor(readonly mode: StraceMode, private readonly shared: Sink | null = null) {}

  /** The log of top-level process `root` of `host` goes to `path` (created, or truncated). */
  open(host: string, root: number, path: string): void {
    const log = this.#log(host, root);
    if (log.write !== null) return;
    const file = Deno.openSync(path, { write: true, create: true, truncate: true });
    this.#opened.push(file);
    log.write = (bytes) => writeAll(file, bytes);
    if (log.lines.length > 0) this.#held.add(log);
  }

  /** A line of the log of `root`: `text` by thread `tid` at virtual time `time` (ns). */
  add(host: string, root: number, time: bigint, tid: number, text: string): void {
    const log = this.#log(host, root);
    if (log.write === null && log.lines.length >= PENDING_MAX) return; // a root never opened: no file for it
    log.lines.push({ time, tid, text });
    if (time < log.earliest) log.earliest = time;
    this.#held.add(log);
    if (this.mode === "deterministic" && log.write !== null && log.lines.length >= HOLD_MAX) this.#release(log);
  }

  /**
   * Lets lines go out: every line in standard mode; in deterministic mode those earlier than
   * `floor`, the virtual time below which no line can come any more (no floor: every line).
   */
  release(floor?: bigint): void {
    if (this.#held.size === 0) return; // the usual case, every loop of the worker: no copy of an empty set
    for (const log of [...this.#held]) {
      if (log.write === null) continue; // kept until its file opens
      if (this.mode === "deterministic" && floor !== undefined && log.earliest >= floor) continue;
      this.#release(log, floor);
    }
  }

  #release(log: LogFile, floor?: bigint): void {
    this.#held.delete(log);
    let ready = log.lines;
    log.lines = [];
    log.earliest = NEVER;
    if (this.mode === "deterministic") {
      // Stable: one thread's lines at one time keep their order.
      ready = ready.sort((a, b) => a.time < b.time ? -1 : a.time > b.time ? 1 : a.tid - b.tid);
      const cut = floor === undefined ? -1 : ready.findIndex((line) => line.time >= floor);
      if (cut >= 0) {
        log.lines = ready.slice(cut);
        log.earliest = log.lines[0].time;
        ready = ready.slice(0, cut);
        this.#held.add(log);
      }
    }
    if (ready.length === 0) return;
    for (const line of ready) log.ready.push(`${formatVirtualTime(line.time)} [${line.tid}] ${line.text}\n`);
    this.#released.add(log);
  }

  /** Writes the released lines. */
  flush(): void {
    for (const log of this.#released) {
      log.write!(this.#encoder.encode(log.ready.join("")));
      log.ready = [];
    }
    this.#released.clear();
  }

  /** Writes everything left and closes the files. */
  close(): void {
    this.release();
    this.flush();
    for (const file of this.#opened.splice(0)) file.close();
    this.#files.clear();
    this.#held.clear();
  }

  #log(host: string, root: number): LogFile {
    let key = `${host}/${root}`;
    let log = this.#files.get(key);
    if (!log) {
      // With one shared stream, deterministic order holds across every log: they are one.
      if (this.shared) key = "";
      log = this.#files.get(key) ?? { write: this.shared, lines: [], earliest: NEVER, ready: [] };
      this.#files.set(key, log);
    }
    return log;
  }
}

/** Writes every byte to `file` (a file of the log's, or umbra's stderr). */
export function writeAll(file: { writeSync(bytes: Uint8Array): number }, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) done += file.writeSync(bytes.subarray(done));
}
