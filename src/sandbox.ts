/**
 * The Sandbox: the main-thread face of one emulated process world. It talks to the policy
 * Worker by messages; every method is async or returns promises.
 * @module
 */

import { SCHEDULE_MODES, type ScheduleMode } from "./policy/scheduler.ts";
import { Worker } from "node:worker_threads";
import { join } from "node:path";
import type { ExitStatus } from "./kernel/exit_status.ts";
import { loadLibrary } from "./native/loader.ts";
import type { Command, Notice, SyscallRecord } from "./policy/messages.ts";
import type { UmbraEvent } from "./report/events.ts";
import { parseSignal } from "./abi/signals.ts";
import { resolveProgram } from "./program.ts";
import { DEFAULT_EPOCH_NS } from "./kernel/clock.ts";
import { DebugRelay, type PausedProcess } from "./debug/relay.ts";
import { openDataDirectory } from "./data_directory.ts";

export type { ExitStatus } from "./kernel/exit_status.ts";
export type { UmbraEvent } from "./report/events.ts";
export type { SyscallRecord } from "./policy/messages.ts";
export type { PausedProcess } from "./debug/relay.ts";
export type { ScheduleMode } from "./policy/scheduler.ts";

/** Options for {@linkcode Sandbox.create}. */
export interface SandboxOptions {
  /**
   * Where per-process output goes: `<dataDirectory>/hosts/<host>/<exe>.<pid>.stdout|.stderr`.
   * Without it, spawned programs inherit umbra's stdio unless told otherwise. A missing directory
   * is created (and marked as umbra's); an empty path, a symbolic link or anything that is not a
   * directory is refused with a DataDirectoryError. A sandbox never removes anything there.
   */
  dataDirectory?: string;
  /** Live processes at most; fork and clone fail with EAGAIN inside the sandbox beyond it. @default 4096 */
  maxProcesses?: number;
  /**
   * Virtual time (ns) a traced syscall that does not block costs a thread, charged by the
   * thousand to one that makes that many in a row, so that busy loops let the virtual clock
   * move; 0 charges nothing (Shadow's `unblocked_syscall_latency`). @default 1000n
   */
  unblockedSyscallLatency?: bigint;
  /**
   * `real`: programs see the host's clocks and sleep in real time. `virtual`: one simulated clock
   * per sandbox; sleeps fast-forward when every process waits. @default "real"
   */
  time?: "real" | "virtual";
  /** CLOCK_REALTIME at the start of a virtual-time sandbox. @default 2000-01-01T00:00:00Z */
  epoch?: Date;
  /**
   * Seeded randomness (an integer from 0 to 2^64 - 1): getrandom, /dev/urandom and /dev/random,
   * and the AT_RANDOM bytes of every exec come from it, per host and process, and address-space
   * randomisation is off, so a program's random bytes, hash seeds and heap and stack addresses
   * repeat from run to run; in virtual time rdtsc and rdtscp read the virtual clock. A virtual-time
   * sandbox is seeded with 1 unless told otherwise; a real-time one only when given a seed (then
   * rdtsc stays native). See docs/design.md, "Randomness and addresses".
   * @default undefined (1 in virtual time)
   */
  seed?: number | bigint;
  /**
   * How threads take turns. `native`: as the kernel schedules them, all at once. `deterministic`
   * (virtual time only): one thread runs at a time and the turn passes only at calls umbra sees,
   * so a run repeats exactly. `random`: the same, in an order drawn from `seed`, to find races
   * and then replay one exactly. @default "native"
   */
  schedule?: ScheduleMode;
  /** Report events (start, fork, exec, signal, exit) to `events()`. @default false */
  events?: boolean;
  /** Receives every syscall with its result (strace logging; slower: every call stops twice). */
  onSyscall?: (host: string, root: number, record: SyscallRecord) => void;
  /**
   * Hosts to make at once: each is a pid namespace (with mount, UTS, IPC and user namespaces)
   * whose pid 1 is umbra's init; `create` fails with a NamespaceError when they cannot be made.
   * Other hosts are made when a spawn first names them. @default ["localhost"]
   */
  hosts?: string[];
}

/**
 * The kernel refused the namespaces a sandbox's host needs (unprivileged user namespaces
 * switched off, a container's seccomp profile): the message says which step failed and what to
 * change.
 */
export class NamespaceError extends Error {
  /** "NamespaceError". */
  override name = "NamespaceError";
}

/** Options for {@linkcode Sandbox.spawn}. */
export interface SpawnOptions {
  /** The program: an absolute or relative path, or a name looked up in PATH. */
  path: string;
  /** Arguments after argv[0]. @default [] */
  args?: string[];
  /** argv[0]. @default path */
  argv0?: string;
  /** The program's environment, exactly. @default umbra's environment */
  env?: Record<string, string>;
  /** Working directory. @default the host folder with a data directory, else umbra's */
  cwd?: string;
  /**
   * `inherit`: umbra's stdin, stdout, stderr. `files`: stdin /dev/null, output to the data
   * directory. @default "files" with a data directory, else "inherit"
   */
  stdio?: "inherit" | "files";
  /** The host (pid namespace) to start in. @default "localhost" */
  host?: string;
  /** Virtual time (ns since the sandbox started) to start at. @default now */
  startTime?: bigint;
  /** Virtual time (ns) at which the process gets `shutdownSignal`, if it still runs. */
  shutdownTime?: bigint;
  /** The signal sent at `shutdownTime`. @default "SIGTERM" */
  shutdownSignal?: string | number;
  /**
   * Stop the program before its first instruction and serve gdb's remote protocol for it
   * (see {@linkcode SandboxProcess.paused}); it runs on when gdb continues or detaches, or on
   * {@linkcode PausedProcess.resume}.
   */
  pauseForDebugging?: boolean;
  /**
   * Signals (names or numbers) the program starts with ignored, as when a parent that ignores
   * them execs it (`nohup`): `umbra exec` passes its caller's. SIGKILL and SIGSTOP cannot be
   * ignored (a TypeError). @default [] (every disposition default)
   */
  ignoredSignals?: (string | number)[];
  /**
   * A terminal device (a pseudo-terminal's `/dev/pts/N`) to be the program's controlling
   * terminal: the program leads a session and process group of its own instead of joining its
   * host init's, and the stdio streams `stdio` marks (stdin, stdout, stderr) are opened on it;
   * the others stay umbra's. Not with `stdio: "files"`.
   */
  terminal?: { path: string; stdio: [boolean, boolean, boolean] };
}

/** Identity of a started process. */
export interface StartedProcess {
  /** Virtual pid. */
  pid: number;
  /** `<host>.<exe>.<pid>`. */
  name: string;
  /** Virtual time (ns since the sandbox started) of its first exec. */
  time: bigint;
}

/** A process started with {@linkcode Sandbox.spawn}. */
export class SandboxProcess {
  /** Resolves once the program runs (its execve succeeded), with its virtual pid; rejects if it could not start. */
  readonly started: Promise<StartedProcess>;
  /** Resolves when the process has ended (it never rejects). */
  readonly exited: Promise<ExitStatus>;
  /**
   * With `pauseForDebugging`: resolves once the process is stopped before its first
   * instruction, saying where gdb can attach; rejects if it ends without having paused.
   */
  readonly paused: Promise<PausedProcess>;
  /** Why the program could not be started, if it could not (set before `exited` resolves). */
  spawnError: string | null = null;
  /** Virtual time (ns) it ended, once `exited` resolved. */
  exitTime: bigint | null = null;
  #resolveStarted!: (started: StartedProcess) => void;
  #resolveExited!: (status: ExitStatus) => void;
  #rejectStarted!: (error: Error) => void;
  #resolvePaused!: (paused: PausedProcess) => void;
  #rejectPaused!: (error: Error) => void;
  #pid = 0;

  /** @internal */
  constructor(private readonly sandbox: Sandbox, private readonly host: string) {
    this.started = new Promise((resolve, reject) => {
      this.#resolveStarted = resolve;
      this.#rejectStarted = reject;
    });
    this.started.catch(() => {});
    this.exited = new Promise((resolve) => this.#resolveExited = resolve);
    this.paused = new Promise((resolve, reject) => {
      this.#resolvePaused = resolve;
      this.#rejectPaused = reject;
    });
    this.paused.catch(() => {});
  }

  /**
   * Sends `signal` (name or number) to the process, as a host-side `kill`; with `group`, to every
   * process of its process group, as a terminal signals its foreground job (the sandbox's
   * programs have no terminal of their own: their session is the host's).
   */
  async kill(signal: string | number = "SIGTERM", options: { group?: boolean } = {}): Promise<void> {
    const number = typeof signal === "number" ? signal : parseSignal(signal);
    if (number === undefined) throw new TypeError(`Unknown signal: ${signal}`);
    const { pid } = await this.started;
    this.sandbox._post({ type: "signal", host: this.host, pid, signal: number, group: options.group === true });
  }

  /** @internal */
  _started(started: StartedProcess): void {
    this.#pid = started.pid;
    this.#resolveStarted(started);
  }

  /** @internal */
  _paused(paused: PausedProcess): void {
    this.#resolvePaused(paused);
  }

  /** @internal */
  _failed(message: string): void {
    this.spawnError = message;
    this.#rejectStarted(new Error(message));
  }

  /** @internal */
  _exited(status: ExitStatus, time: bigint): void {
    this.exitTime = time;
    if (this.#pid === 0 && this.spawnError === null) {
      this.#rejectStarted(new Error("the process ended before it started"));
    }
    this.#rejectPaused(new Error("the process ended without pausing"));
    this.#resolveExited(status);
  }
}

/** One emulated process world. Create with {@linkcode Sandbox.create}; close to kill everything. */
export class Sandbox implements AsyncDisposable {
  readonly #worker: Worker;
  readonly #counter: Int32Array;
  readonly #interrupt: () => void;
  readonly #closeLibrary: () => void;
  readonly #processes = new Map<number, SandboxProcess>();
  readonly #deadlines = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  /** Hosts made or being made, by name: what openHost awaits. */
  readonly #hosts = new Map<string, Promise<void>>();
  /** Hosts being made: their answers settle openHost's promise. */
  readonly #opening = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  readonly #subscribers = new Set<(event: UmbraEvent | null) => void>();
  readonly #debug = new DebugRelay((command) => this._post(command));
  #onSyscall: SandboxOptions["onSyscall"] | null = null;
  readonly #dataDirectory: string | null;
  #nextId = 1;
  #closed: Promise<void> | null = null;
  #resolveClosed!: () => void;
  #failure: string | null = null;

  private constructor(
    worker: Worker,
    counter: Int32Array,
    interrupt: () => void,
    closeLibrary: () => void,
    dataDirectory: string | null,
  ) {
    this.#worker = worker;
    this.#counter = counter;
    this.#interrupt = interrupt;
    this.#closeLibrary = closeLibrary;
    this.#dataDirectory = dataDirectory;
    worker.on("message", (notice: Notice) => this.#onNotice(notice));
    worker.on("error", (error: Error) => this.#fail(`policy worker crashed: ${error.message}`));
    this.#updateRef();
  }

  /** Starts the controller (tracer thread) and the policy Worker. */
  static async create(options: SandboxOptions = {}): Promise<Sandbox> {
    const schedule = options.schedule ?? "native";
    if (!SCHEDULE_MODES.includes(schedule)) throw new TypeError(`Unknown schedule: ${schedule}`);
    if (schedule !== "native" && options.time !== "virtual") {
      throw new TypeError(`schedule "${schedule}" needs time "virtual"`);
    }
    const dataDirectory = options.dataDirectory ?? null;
    if (dataDirectory !== null) openDataDirectory(dataDirectory);
    const library = await loadLibrary();
    const counter = new SharedArrayBuffer(4);
    const worker = new Worker(new URL("./policy/worker.ts", import.meta.url), {
      workerData: {
        commandCounter: counter,
        maxProcesses: options.maxProcesses ?? 4096,
        unblockedSyscallLatency: String(options.unblockedSyscallLatency ?? 1000n),
        time: options.time ?? "real",
        schedule,
        events: options.events ?? false,
        syscalls: options.onSyscall !== undefined,
        epochNs: String(options.epoch ? BigInt(options.epoch.getTime()) * 1_000_000n : DEFAULT_EPOCH_NS),
        seed: sandboxSeed(options),
      },
    });
    const notice = await new Promise<Notice>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    }).catch((error) => ({ type: "fatal", message: String(error?.message ?? error) }) as Notice);
    if (notice.type !== "ready") {
      await worker.terminate();
      library.close();
      throw new Error(notice.type === "fatal" ? notice.message : `unexpected ${notice.type} from the policy worker`);
    }
    const handle = Deno.UnsafePointer.create(notice.handle);
    const interrupt = () => library.symbols.umbra_interrupt(handle);
    const sandbox = new Sandbox(worker, new Int32Array(counter), interrupt, () => library.close(), dataDirectory);
    sandbox.#onSyscall = options.onSyscall ?? null;
    try {
      for (const host of options.hosts ?? ["localhost"]) await sandbox.openHost(host);
    } catch (error) {
      await sandbox.close();
      throw error;
    }
    return sandbox;
  }

  /**
   * Makes `host` (its namespaces and init) now, if it is not yet; rejects with a NamespaceError
   * when the kernel refuses.
   */
  openHost(host: string): Promise<void> {
    let made = this.#hosts.get(host);
    if (!made) {
      made = new Promise<void>((resolve, reject) => this.#opening.set(host, { resolve, reject }));
      this.#hosts.set(host, made);
      this._post({ type: "open-host", host });
      this.#updateRef();
    }
    return made;
  }

  /**
   * Starts a program as a new top-level process (parent, group and session: the sandbox's
   * init, pid 1). Throws at once for a program that does not exist or cannot be executed.
   */
  spawn(options: SpawnOptions): SandboxProcess {
    if (this.#closed) throw new Error("Sandbox is closed");
    if (this.#failure) throw new Error(this.#failure);
    const env = options.env ?? Deno.env.toObject();
    const path = resolveProgram(options.path, env.PATH);
    const host = options.host ?? "localhost";
    const stdio = options.stdio ??
      (options.terminal === undefined && this.#dataDirectory !== null ? "files" : "inherit");
    let outputDirectory: string | null = null;
    let cwd = options.cwd ?? "";
    if (stdio === "files") {
      if (this.#dataDirectory === null) throw new TypeError('stdio "files" needs a sandbox data directory');
      outputDirectory = join(Deno.realPathSync(this.#dataDirectory), "hosts", host);
      Deno.mkdirSync(outputDirectory, { recursive: true });
      cwd = options.cwd ?? outputDirectory;
    }
    const ignored = ignoredMask(options.ignoredSignals ?? []);
    const terminal = options.terminal;
    if (terminal !== undefined && stdio === "files") throw new TypeError('a terminal cannot go with stdio "files"');
    const id = this.#nextId++;
    const process = new SandboxProcess(this, host);
    this.#processes.set(id, process);
    this._post({
      type: "spawn",
      id,
      host,
      path,
      args: [options.argv0 ?? options.path, ...(options.args ?? [])],
      env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      cwd,
      stdio: stdio === "files"
        ? ["/dev/null", "", ""]
        : terminal
        ? [0, 1, 2].map((fd) => terminal.stdio[fd] ? terminal.path : "") as [string, string, string]
        : ["", "", ""],
      outputDirectory,
      at: options.startTime === undefined ? undefined : String(options.startTime),
      pause: options.pauseForDebugging === true,
      ignored: String(ignored),
      terminal: terminal !== undefined,
    });
    if (options.shutdownTime !== undefined) {
      const signal = options.shutdownSignal ?? "SIGTERM";
      const number = typeof signal === "number" ? signal : parseSignal(signal);
      if (number === undefined) throw new TypeError(`Unknown signal: ${signal}`);
      this._post({ type: "signal-at", id, signal: number, at: String(options.shutdownTime) });
    }
    this.#updateRef();
    return process;
  }

  /**
   * The sandbox's events from now on (start, fork, exec, signal, exit), until it closes. Needs
   * `Sandbox.create({ events: true })`.
   *
   * @example
   * ```ts
   * for await (const event of sandbox.events()) console.log(event.kind, event.time);
   * ```
   */
  async *events(): AsyncIterableIterator<UmbraEvent> {
    const queue: (UmbraEvent | null)[] = [];
    let wake: (() => void) | null = null;
    const push = (event: UmbraEvent | null) => {
      queue.push(event);
      wake?.();
    };
    this.#subscribers.add(push);
    if (this.#closed) push(null);
    try {
      while (true) {
        if (queue.length === 0) await new Promise<void>((resolve) => wake = resolve);
        wake = null;
        const event = queue.shift();
        if (event === null || event === undefined) return;
        yield event;
      }
    } finally {
      this.#subscribers.delete(push);
    }
  }

  /** Resolves when the sandbox's virtual clock reaches `time` (ns since it started). */
  at(time: bigint): Promise<void> {
    const key = String(time);
    let waiting = this.#deadlines.get(key);
    if (!waiting) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => resolve = r);
      waiting = { promise, resolve };
      this.#deadlines.set(key, waiting);
      this._post({ type: "deadline-at", at: key });
      this.#updateRef();
    }
    return waiting.promise;
  }

  /** Why the sandbox failed (its policy or controller broke; everything was killed), or null. */
  get failure(): string | null {
    return this.#failure;
  }

  /** Kills and reaps every process of the sandbox and stops its threads. A second call is harmless. */
  close(): Promise<void> {
    if (this.#closed) return this.#closed;
    this.#closed = new Promise((resolve) => this.#resolveClosed = resolve);
    if (this.#failure) this.#finish();
    else this._post({ type: "close" });
    this.#updateRef();
    return this.#closed;
  }

  /**
   * Tells the sandbox that a signal came from outside (e.g. the terminal's Ctrl-C, which reaches
   * the programs too): programs parked in a call umbra holds (a wait, a virtual sleep) are
   * interrupted by what they got. umbra also checks on its own twice a second.
   */
  noticeOutsideSignals(): void {
    if (!this.#closed && !this.#failure) this._post({ type: "outside-signal" });
  }

  /** Same as {@linkcode Sandbox.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** @internal Sends a command and wakes the Worker out of its blocking wait. */
  _post(command: Command): void {
    // Count first, interrupt next, post last: the Worker waits for the message it was told of.
    Atomics.add(this.#counter, 0, 1);
    this.#interrupt();
    this.#worker.postMessage(command);
  }

  #onNotice(notice: Notice): void {
    switch (notice.type) {
      case "started":
        this.#processes.get(notice.id)?._started({ pid: notice.pid, name: notice.name, time: BigInt(notice.time) });
        break;
      case "spawn-failed":
        this.#processes.get(notice.id)?._failed(notice.message);
        break;
      case "exited":
        this.#debug.exited(notice.id, notice.status);
        this.#processes.get(notice.id)?._exited(notice.status, BigInt(notice.time));
        this.#processes.delete(notice.id);
        this.#updateRef();
        break;
      case "warning":
        console.error(`umbra: warning: ${notice.message}`);
        break;
      case "fatal":
        this.#fail(notice.message);
        break;
      case "closed":
        this.#finish();
        break;
      case "event":
        for (const subscriber of this.#subscribers) subscriber(notice.event);
        break;
      case "syscall":
        this.#onSyscall?.(notice.host, notice.root, notice.record);
        break;
      case "deadline":
        for (const [key, waiting] of this.#deadlines) {
          if (BigInt(key) <= BigInt(notice.time)) {
            waiting.resolve();
            this.#deadlines.delete(key);
          }
        }
        this.#updateRef();
        break;
      case "paused":
        this.#processes.get(notice.id)?._paused(this.#debug.paused(notice));
        break;
      case "host-opened": {
        const opening = this.#opening.get(notice.host);
        this.#opening.delete(notice.host);
        if (notice.error === null) opening?.resolve();
        else opening?.reject(new NamespaceError(notice.error));
        this.#updateRef();
        break;
      }
      case "debug-stop":
        this.#debug.stopped(notice.tid, notice.signal);
        break;
      case "debug-registers":
        this.#debug.registers(notice.tid, notice.bytes);
        break;
      case "ready":
        break;
    }
  }

  #fail(message: string): void {
    this.#failure = message;
    console.error(`umbra: ${message}`);
    for (const process of this.#processes.values()) process._exited({ kind: "running" }, 0n);
    this.#processes.clear();
    if (this.#closed) this.#finish();
    else this.#updateRef();
  }

  #finish(): void {
    this.#debug.close();
    for (const subscriber of this.#subscribers) subscriber(null);
    this.#worker.terminate().catch(() => {});
    this.#closeLibrary();
    this.#resolveClosed?.();
  }

  /** Keeps Deno alive while processes run (or a close is under way), not longer. */
  #updateRef(): void {
    const waiting = this.#processes.size > 0 || this.#deadlines.size > 0 || this.#opening.size > 0;
    if (waiting || (this.#closed && !this.#failure)) this.#worker.ref();
    else this.#worker.unref();
  }
}

/** SpawnOptions.ignoredSignals as a mask (bit N-1: signal N). */
function ignoredMask(signals: (string | number)[]): bigint {
  let mask = 0n;
  for (const signal of signals) {
    const number = typeof signal === "number" ? signal : parseSignal(signal);
    if (number === undefined || !Number.isInteger(number) || number < 1 || number > 64) {
      throw new TypeError(`Unknown signal: ${signal}`);
    }
    if (number === 9 || number === 19) throw new TypeError(`${signal} cannot be ignored`);
    mask |= 1n << BigInt(number - 1);
  }
  return mask;
}

/** The seed a sandbox runs with (decimal), or undefined: unseeded. */
function sandboxSeed(options: SandboxOptions): string | undefined {
  const seed = options.seed ?? ((options.time ?? "real") === "virtual" ? 1n : undefined);
  if (seed === undefined) return undefined;
  const value = BigInt(seed);
  if (typeof seed === "number" && !Number.isSafeInteger(seed) || value < 0n || value >= 1n << 64n) {
    throw new RangeError(`seed must be an integer from 0 to 2^64 - 1, not ${seed}`);
  }
  return String(value);
}
