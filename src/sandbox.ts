/**
 * The Sandbox: the main-thread face of one emulated process world. It talks to the policy
 * Worker by messages; every method is async or returns promises.
 * @module
 */

import type { ScheduleMode } from "./policy/scheduler.ts";
import type { Worker } from "node:worker_threads";
import { join } from "node:path";
import type { ExitStatus } from "./kernel/exit_status.ts";
import { loadLibrary } from "./native/loader.ts";
import type { Command, Notice, SpawnCommand, SyscallRecord, WorkerSettings } from "./policy/messages.ts";
import { takePolicyWorker } from "./policy/worker_boot.ts";
import type { UmbraEvent } from "./report/events.ts";
import type { StraceMode } from "./report/strace.ts";
import { resolveProgram } from "./program.ts";
import { DEFAULT_EPOCH_NS } from "./kernel/clock.ts";
import { DebugRelay, type PausedProcess } from "./debug/relay.ts";
import { openDataDirectory } from "./data_directory.ts";
import {
  EventsNotEnabledError,
  InvalidOptionError,
  NotPausedError,
  SandboxClosedError,
  SandboxFailedError,
  SpawnError,
} from "./errors.ts";
import { checkSandboxOptions, checkSignal, checkSpawnOptions, type StreamMode } from "./sandbox_options.ts";
import { StdioPipes } from "./pipes.ts";

export type { ExitStatus } from "./kernel/exit_status.ts";
export type { UmbraEvent } from "./report/events.ts";
export type { SyscallRecord } from "./policy/messages.ts";
export type { PausedProcess } from "./debug/relay.ts";
export type { ScheduleMode } from "./policy/scheduler.ts";
export type { StraceMode } from "./report/strace.ts";

/**
 * Options for {@linkcode Sandbox.create}. Every one is checked before anything starts: a bad one
 * throws an {@linkcode InvalidOptionError} naming it.
 */
export interface SandboxOptions {
  /**
   * Where per-process output goes: `<dataDirectory>/hosts/<host>/<exe>.<pid>.stdout|.stderr`.
   * Without it, spawned programs inherit umbra's stdio unless told otherwise. A missing directory
   * is created (and marked as umbra's); an empty path, a symbolic link or anything that is not a
   * directory is refused with a DataDirectoryError. A sandbox never removes anything there.
   */
  dataDirectory?: string;
  /**
   * Live processes at most (1 to 16384); fork and clone fail with EAGAIN inside the sandbox
   * beyond it. @default 4096
   */
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
  /** CLOCK_REALTIME at the start of a virtual-time sandbox (1970 or later). @default 2000-01-01T00:00:00Z */
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
  /**
   * Report events (start, fork, exec, signal, exit) to `events()`; without it `events()` throws
   * an {@linkcode EventsNotEnabledError}. @default false
   */
  events?: boolean;
  /** Receives every syscall with its result (strace logging; slower: every call stops twice). */
  onSyscall?: (host: string, root: number, record: SyscallRecord) => void;
  /**
   * strace logging to files (needs `dataDirectory`): every syscall, signal and exit of each
   * top-level process and its descendants goes to `<dataDirectory>/hosts/<host>/<exe>.<pid>.strace`
   * as the run goes. `deterministic` prints addresses as `0x…` and orders lines by virtual time,
   * then thread, so that runs under the deterministic schedule repeat byte for byte.
   */
  strace?: StraceMode;
  /**
   * Where the strace logs go: `files` (one per top-level process in the data directory, above),
   * or `stderr` (every process's lines on umbra's stderr, as strace writes them; no data
   * directory needed). @default "files"
   */
  straceTo?: "files" | "stderr";
  /**
   * The syscalls (x86_64 numbers) the strace log files keep, as strace's `-e trace=`; signals and
   * ends are always logged. @default every one
   */
  straceCalls?: readonly number[];
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

/**
 * Options for {@linkcode Sandbox.spawn}. Every one is checked before anything starts: a bad one
 * throws an {@linkcode InvalidOptionError} naming it, and no process is made.
 */
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
   * directory. `stdin`, `stdout` and `stderr` override it stream by stream.
   * @default "files" with a data directory, else "inherit"
   */
  stdio?: "inherit" | "files";
  /**
   * `inherit`: umbra's stdin; `null`: /dev/null; `piped`: {@linkcode SandboxProcess.stdin} is a
   * WritableStream to it (close it to give the program end-of-file).
   * @default "null" with `stdio: "files"`, else "inherit"
   */
  stdin?: "inherit" | "null" | "piped";
  /**
   * `inherit`: umbra's stdout; `null`: /dev/null; `piped`: {@linkcode SandboxProcess.stdout} is a
   * ReadableStream of it, as with `Deno.Command` (it ends when every process holding the pipe
   * has closed it; unread, a full pipe blocks the writer, as natively). Pipes are named pipes
   * in a temporary directory, so `piped` needs write access there.
   * @default the data directory's file with `stdio: "files"`, else "inherit"
   */
  stdout?: "inherit" | "null" | "piped";
  /** As `stdout`, for stderr ({@linkcode SandboxProcess.stderr}). @default as `stdout` */
  stderr?: "inherit" | "null" | "piped";
  /** The host (pid namespace) to start in: a valid host name. @default "localhost" */
  host?: string;
  /** Virtual time (ns since the sandbox started, not negative) to start at. @default now */
  startTime?: bigint;
  /** Virtual time (ns, after `startTime`) at which the process gets `shutdownSignal`, if it still runs. */
  shutdownTime?: bigint;
  /** The signal sent at `shutdownTime`: a name (`SIGTERM`, `TERM`, `SIGRTMIN+1`) or 1 to 64. @default "SIGTERM" */
  shutdownSignal?: string | number;
  /**
   * Aborting it sends the process SIGTERM (as `Deno.Command` does), if it still runs. A signal
   * aborted already makes `spawn` throw its reason and start nothing (`Deno.Command` would
   * start the program and not kill it).
   */
  signal?: AbortSignal;
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
  /**
   * Resolves once the program runs (its execve succeeded), with its virtual pid; rejects with a
   * {@linkcode SpawnError} if it could not start.
   */
  readonly started: Promise<StartedProcess>;
  /** Resolves when the process has ended (it never rejects). */
  readonly exited: Promise<ExitStatus>;
  /**
   * With `pauseForDebugging`: resolves once the process is stopped before its first
   * instruction, saying where gdb can attach; rejects with a {@linkcode NotPausedError} if it
   * ends without having paused.
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
  readonly #pipes: StdioPipes | null;
  readonly #stdin: WritableStream<Uint8Array> | null;
  readonly #stdout: ReadableStream<Uint8Array> | null;
  readonly #stderr: ReadableStream<Uint8Array> | null;

  /** @internal */
  constructor(private readonly sandbox: Sandbox, private readonly host: string, pipes: StdioPipes | null = null) {
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
    this.#pipes = pipes;
    this.#stdin = pipes?.writable() ?? null;
    this.#stdout = pipes?.readable(1) ?? null;
    this.#stderr = pipes?.readable(2) ?? null;
  }

  /** The program's stdin, with `stdin: "piped"`; otherwise a getter that throws an {@linkcode InvalidOptionError}. */
  get stdin(): WritableStream<Uint8Array> {
    return this.#stdin ?? notPiped("stdin");
  }

  /** The program's stdout, with `stdout: "piped"`; otherwise a getter that throws an {@linkcode InvalidOptionError}. */
  get stdout(): ReadableStream<Uint8Array> {
    return this.#stdout ?? notPiped("stdout");
  }

  /** The program's stderr, with `stderr: "piped"`; otherwise a getter that throws an {@linkcode InvalidOptionError}. */
  get stderr(): ReadableStream<Uint8Array> {
    return this.#stderr ?? notPiped("stderr");
  }

  /**
   * Sends `signal` (name or number) to the process, as a host-side `kill`; with `group`, to every
   * process of its process group, as a terminal signals its foreground job (the sandbox's
   * programs have no terminal of their own: their session is the host's). An unknown signal
   * throws an {@linkcode InvalidOptionError}.
   */
  async kill(signal: string | number = "SIGTERM", options: { group?: boolean } = {}): Promise<void> {
    const number = checkSignal("signal", signal);
    const { pid } = await this.started;
    this.sandbox._post({ type: "signal", host: this.host, pid, signal: number, group: options.group === true });
  }

  /** @internal */
  _started(started: StartedProcess): void {
    this.#pid = started.pid;
    // The program has opened its stdio: the pipes' keepers may go.
    this.#pipes?.close();
    this.#resolveStarted(started);
  }

  /** @internal */
  _paused(paused: PausedProcess): void {
    this.#resolvePaused(paused);
  }

  /** @internal */
  _failed(message: string, errno: number): void {
    this.spawnError = message;
    this.#rejectStarted(new SpawnError(message, errno));
  }

  /** @internal */
  _exited(status: ExitStatus, time: bigint): void {
    this.exitTime = time;
    this.#pipes?.close();
    if (this.#pid === 0 && this.spawnError === null) {
      this.#rejectStarted(new SpawnError("the process ended before it started"));
    }
    this.#rejectPaused(new NotPausedError());
    this.#resolveExited(status);
  }
}

function notPiped(stream: "stdin" | "stdout" | "stderr"): never {
  throw new InvalidOptionError(stream, `is not piped (spawn it with ${stream}: "piped")`);
}

/** What a sandbox's run cost umbra ({@linkcode Sandbox.stats}). */
export interface SandboxStats {
  /**
   * Stops of program threads that reached the policy (each a ptrace stop, or a thread's end the
   * tracer reaped), by kind ("syscall", "syscall-exit", "fork", "exit", "signal"...), most first.
   */
  readonly stops: Readonly<Record<string, number>>;
  /** Real time the policy took to handle every event, in ns (its TypeScript, not the stops). */
  readonly policyNs: bigint;
}

/** One emulated process world. Create with {@linkcode Sandbox.create}; close to kill everything. */
export class Sandbox implements AsyncDisposable {
  readonly #worker: Worker;
  readonly #counter: Int32Array;
  readonly #interrupt: () => void;
  readonly #closeLibrary: () => void;
  #stats: SandboxStats | null = null;
  /**
   * Whether commands still go to the Worker: not once a close is posted (the Worker frees the
   * controller that `#interrupt` touches as it ends), nor after a failure ended it.
   */
  #posting = true;
  readonly #processes = new Map<number, SandboxProcess>();
  readonly #deadlines = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  /** Hosts made or being made, by name: what openHost awaits. */
  readonly #hosts = new Map<string, Promise<void>>();
  /** Hosts being made: their answers settle openHost's promise. */
  readonly #opening = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  readonly #subscribers = new Set<(event: UmbraEvent | null) => void>();
  readonly #debug = new DebugRelay((command) => this._post(command));
  #onSyscall: SandboxOptions["onSyscall"] | null = null;
  /** strace logging to files is on. */
  #strace = false;
  #events = false;
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

  /**
   * Starts the controller (tracer thread) and the policy Worker. Throws an
   * {@linkcode InvalidOptionError} for a bad option before anything starts, a `DataDirectoryError`
   * for an unusable data directory, a `NamespaceError` when the kernel refuses a host's
   * namespaces, a `LibraryError` when the native library cannot be loaded and a
   * {@linkcode SandboxFailedError} when the controller cannot start.
   */
  static async create(options: SandboxOptions = {}): Promise<Sandbox> {
    const seed = checkSandboxOptions(options);
    const schedule = options.schedule ?? "native";
    const dataDirectory = options.dataDirectory ?? null;
    if (dataDirectory !== null) openDataDirectory(dataDirectory);
    const library = await loadLibrary();
    const counter = new SharedArrayBuffer(4);
    const worker = takePolicyWorker();
    const settings: WorkerSettings = {
      commandCounter: counter,
      maxProcesses: options.maxProcesses ?? 4096,
      unblockedSyscallLatency: String(options.unblockedSyscallLatency ?? 1000n),
      time: options.time ?? "real",
      schedule,
      events: options.events ?? false,
      syscalls: options.onSyscall !== undefined,
      strace: options.strace,
      straceTo: options.straceTo ?? "files",
      straceCalls: options.straceCalls === undefined ? undefined : [...options.straceCalls],
      epochNs: String(options.epoch ? BigInt(options.epoch.getTime()) * 1_000_000n : DEFAULT_EPOCH_NS),
      seed,
    };
    worker.postMessage(settings);
    const notice = await new Promise<Notice>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    }).catch((error) => ({ type: "fatal", message: String(error?.message ?? error) }) as Notice);
    if (notice.type !== "ready") {
      await worker.terminate();
      library.close();
      const message = notice.type === "fatal" ? notice.message : `unexpected ${notice.type} from the policy worker`;
      throw new SandboxFailedError(message);
    }
    const handle = Deno.UnsafePointer.create(notice.handle);
    const interrupt = () => library.symbols.umbra_interrupt(handle);
    const sandbox = new Sandbox(worker, new Int32Array(counter), interrupt, () => library.close(), dataDirectory);
    sandbox.#onSyscall = options.onSyscall ?? null;
    sandbox.#strace = options.strace !== undefined;
    sandbox.#events = options.events === true;
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
   * when the kernel refuses, an {@linkcode InvalidOptionError} for a name that is not a host name
   * and a {@linkcode SandboxClosedError} once the sandbox is closed.
   */
  openHost(host: string): Promise<void> {
    try {
      checkSandboxOptions({ hosts: [host] });
      this.#checkOpen("openHost");
    } catch (error) {
      return Promise.reject(error);
    }
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
   * init, pid 1). Throws at once, having started nothing: a {@linkcode SandboxClosedError} or
   * {@linkcode SandboxFailedError} when the sandbox is closed or broken, an
   * {@linkcode InvalidOptionError} for a bad option, `signal.reason` for an aborted `signal`, and
   * a `ProgramError` for a program that does not exist or cannot be executed.
   *
   * @example
   * ```ts
   * import { Sandbox } from "./mod.ts";
   * await using sandbox = await Sandbox.create();
   * const process = sandbox.spawn({ path: "/bin/echo", args: ["hello"], stdout: "piped" });
   * const output = await new Response(process.stdout).text(); // "hello\n"
   * await process.exited;
   * ```
   */
  spawn(options: SpawnOptions): SandboxProcess {
    this.#checkOpen("spawn");
    const checked = checkSpawnOptions(options, this.#dataDirectory !== null);
    options.signal?.throwIfAborted();
    const path = resolveProgram(options.path, checked.env.PATH);
    const { host, stdio, ignored, terminal } = checked;
    let outputDirectory: string | null = null;
    let cwd = options.cwd ?? "";
    if (stdio.includes("file")) {
      outputDirectory = join(Deno.realPathSync(this.#dataDirectory!), "hosts", host);
      Deno.mkdirSync(outputDirectory, { recursive: true });
      cwd = options.cwd ?? outputDirectory;
    }
    const pipes = StdioPipes.open([stdio[0] === "piped", stdio[1] === "piped", stdio[2] === "piped"]);
    const id = this.#nextId++;
    const process = new SandboxProcess(this, host, pipes);
    const logDirectory = this.#strace && this.#dataDirectory !== null
      ? join(Deno.realPathSync(this.#dataDirectory), "hosts", host)
      : null;
    if (logDirectory !== null) Deno.mkdirSync(logDirectory, { recursive: true });
    this.#processes.set(id, process);
    this._post({
      type: "spawn",
      id,
      host,
      path,
      args: [options.argv0 ?? options.path, ...(options.args ?? [])],
      env: Object.entries(checked.env).map(([k, v]) => `${k}=${v}`),
      cwd,
      stdio: [0, 1, 2].map((fd) =>
        terminal?.stdio[fd] ? terminal.path : streamPath(stdio[fd], pipes?.path(fd) ?? null)
      ) as SpawnCommand["stdio"],
      outputDirectory,
      logDirectory,
      at: options.startTime === undefined ? undefined : String(options.startTime),
      pause: options.pauseForDebugging === true,
      ignored: String(ignored),
      terminal: terminal !== undefined,
    });
    if (checked.shutdown !== null) {
      const { signal, time } = checked.shutdown;
      this._post({ type: "signal-at", id, signal, at: String(time) });
    }
    const abort = options.signal;
    if (abort) {
      // As Deno.Command: an abort sends SIGTERM; one after the end (or a failed start) does nothing.
      const onAbort = () => process.kill("SIGTERM").catch(() => {});
      abort.addEventListener("abort", onAbort, { once: true });
      process.exited.then(() => abort.removeEventListener("abort", onAbort));
    }
    this.#updateRef();
    return process;
  }

  /** Throws if the sandbox starts nothing more. */
  #checkOpen(what: string): void {
    if (this.#closed) throw new SandboxClosedError(what);
    if (this.#failure) throw new SandboxFailedError(this.#failure);
  }

  /**
   * Runs `body` (spawns, deadlines, signals) as one step: virtual time does not jump until every
   * command it gave has reached the sandbox, so that, say, a run's stop time is known before its
   * first program can sleep past it. Returns what `body` returns.
   *
   * @example
   * ```ts
   * const stop = sandbox.together(() => {
   *   sandbox.spawn({ path: "/bin/sleep", args: ["1000"] });
   *   return sandbox.at(60_000_000_000n);
   * });
   * ```
   */
  together<T>(body: () => T): T {
    this._post({ type: "hold" });
    try {
      return body();
    } finally {
      this._post({ type: "release" });
    }
  }

  /**
   * The sandbox's events from now on (start, fork, exec, signal, exit), until it closes. Needs
   * `Sandbox.create({ events: true })`: without it, throws an {@linkcode EventsNotEnabledError}
   * at once (there would never be any).
   *
   * @example
   * ```ts
   * import { Sandbox } from "./mod.ts";
   * await using sandbox = await Sandbox.create({ events: true });
   * const events = sandbox.events();
   * await sandbox.spawn({ path: "/bin/true" }).exited;
   * await sandbox.close();
   * for await (const event of events) console.log(event.kind, event.time);
   * ```
   */
  events(): AsyncIterableIterator<UmbraEvent> {
    if (!this.#events) throw new EventsNotEnabledError();
    // Subscribed now, not at the first next(): "from now on" means from this call.
    const subscription = { queue: [] as (UmbraEvent | null)[], wake: null as (() => void) | null };
    const push = (event: UmbraEvent | null) => {
      subscription.queue.push(event);
      subscription.wake?.();
    };
    this.#subscribers.add(push);
    if (this.#closed) push(null);
    return this.#eventStream(subscription, push);
  }

  async *#eventStream(
    subscription: { queue: (UmbraEvent | null)[]; wake: (() => void) | null },
    push: (event: UmbraEvent | null) => void,
  ): AsyncIterableIterator<UmbraEvent> {
    const { queue } = subscription;
    try {
      while (true) {
        if (queue.length === 0) await new Promise<void>((resolve) => subscription.wake = resolve);
        subscription.wake = null;
        const event = queue.shift();
        if (event === null || event === undefined) return;
        yield event;
      }
    } finally {
      this.#subscribers.delete(push);
    }
  }

  /**
   * Resolves when the sandbox's clock reaches `time` (ns since it started). In virtual time the
   * world waits there until the code awaiting it has run on (to its next timer or I/O wait):
   * time does not jump and, under a deterministic or random schedule, no thread is chosen, so a
   * close, signal or spawn made at once happens at `time`, however slow the caller. Rejects with
   * an {@linkcode InvalidOptionError} for a time that is not a bigint of 0 or more, and with a
   * {@linkcode SandboxClosedError} or {@linkcode SandboxFailedError} when the clock will not
   * move any more.
   */
  at(time: bigint): Promise<void> {
    try {
      if (typeof time !== "bigint" || time < 0n) {
        throw new InvalidOptionError("time", `expected a bigint of 0 or more, not ${String(time)}`);
      }
      this.#checkOpen("at");
    } catch (error) {
      return Promise.reject(error);
    }
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

  /**
   * What the run cost umbra, once the sandbox has closed (null before, and after a failure):
   * the stops of program threads that reached the policy, by kind, and the policy's time on them.
   *
   * @example
   * ```ts
   * import { Sandbox } from "./mod.ts";
   * const sandbox = await Sandbox.create();
   * await sandbox.spawn({ path: "/bin/true" }).exited;
   * await sandbox.close();
   * console.log(sandbox.stats?.stops);
   * ```
   */
  get stats(): SandboxStats | null {
    return this.#stats;
  }

  /** Kills and reaps every process of the sandbox and stops its threads. A second call is harmless. */
  close(): Promise<void> {
    if (this.#closed) return this.#closed;
    this.#closed = new Promise((resolve) => this.#resolveClosed = resolve);
    if (this.#failure) this.#finish();
    else {
      this._post({ type: "close" });
      this.#posting = false;
    }
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

  /**
   * @internal Sends a command and wakes the Worker out of its blocking wait; after a close, drops
   * it (a late kill or release has nothing left to act on).
   */
  _post(command: Command): void {
    if (!this.#posting) return;
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
        this.#processes.get(notice.id)?._failed(notice.message, notice.errno);
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
      case "stats":
        this.#stats = { stops: notice.stops, policyNs: BigInt(notice.policyNs) };
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
        // The world waits at the deadline until the code awaiting it has run (a task later):
        // what it does there (close, signal, spawn) happens at that time, not after a jump.
        setTimeout(() => this._post({ type: "release" }), 0);
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
    this.#posting = false; // the Worker closed the controller before it said so
    console.error(`umbra: ${message}`);
    for (const process of this.#processes.values()) process._exited({ kind: "running" }, 0n);
    this.#processes.clear();
    if (this.#closed) this.#finish();
    else this.#updateRef();
  }

  #finish(): void {
    this.#posting = false;
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

/** The path the spawned child opens for a stream; null: the data directory's file. */
function streamPath(mode: StreamMode, pipe: string | null): string | null {
  if (mode === "file") return null;
  if (mode === "null") return "/dev/null";
  return mode === "piped" ? pipe! : "";
}
