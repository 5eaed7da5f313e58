/**
 * `umbra run`: one configured run in a virtual-time sandbox. Every process starts at its
 * start_time, gets its shutdown_signal at its shutdown_time, and whatever still runs at the
 * run's stop_time is killed and recorded as "running". Each process's end is checked against its
 * expected_final_state. Outputs land in the data directory: processed-config.yaml, report.json,
 * timeline.html, trace.json, and hosts/<host>/<exe>.<pid>.stdout|.stderr|.strace (strace logging on).
 * @module
 */

import type { ScheduleMode } from "./policy/scheduler.ts";
import { basename, join } from "node:path";
import { type Config, type ExpectedFinalState, type ProcessConfig, processedConfigYaml } from "./config/config.ts";
import type { UmbraEvent } from "./report/events.ts";
import { type ProcessEntry, processesFromEvents } from "./report/report.ts";
import { writeViews } from "./report/views.ts";
import { SYS } from "./abi/syscalls.ts";
import { describeExitStatus, type ExitStatus } from "./kernel/exit_status.ts";
import { resolveProgram } from "./program.ts";
import { Sandbox, type SandboxProcess, type SandboxStats } from "./sandbox.ts";
import { prepareDataDirectory } from "./data_directory.ts";
import { UsageError } from "./errors.ts";

/** One process in report.json: what happened to it, and for a configured one what was expected. */
export interface ProcessReport extends Omit<ProcessEntry, "pid"> {
  /** Virtual pid; null for a configured process that never started. */
  pid: number | null;
  /** null for a process the config did not name (forked during the run). */
  expectedFinalState: ExpectedFinalState | null;
  /** Whether it ended as expected (null: nothing was expected). */
  ok: boolean | null;
  /** Why a configured process could not start, if so. */
  error: string | null;
}

/** What a run produced (report.json). */
export interface RunReport {
  /** Where the outputs are. */
  dataDirectory: string;
  /** The run's stop_time in virtual ns (decimal string). */
  stopTime: string;
  /** general.seed: every random byte the run's programs got came from it (decimal string); null: unseeded. */
  seed: string | null;
  /** experimental.schedule: how the run's threads took turns (with `seed`, a run to replay). */
  schedule: ScheduleMode;
  /** Every process of the run, configured or forked. */
  processes: ProcessReport[];
  /** One line per configured process whose end did not match its expected_final_state. */
  mismatches: string[];
  /** Everything that happened, in order (the timeline is drawn from these). */
  events: UmbraEvent[];
  /** umbra's own failure that ended the run early (everything was killed then), or null. */
  failure: string | null;
  /** The first signal umbra got and passed on to the programs (see RunOptions.interrupts), or null. */
  interrupted: string | null;
}

/** Options of {@linkcode runConfig}. */
export interface RunOptions {
  /** Overrides general.data_directory. */
  dataDirectory?: string;
  /** Called on every event with the virtual time and the number of live processes. */
  onProgress?: (time: bigint, alive: number) => void;
  /**
   * Pause the processes this names (`<host>.<exe>` or `<exe>`, exe the program's file name)
   * before their first instruction, for a debugger (see SpawnOptions.pauseForDebugging).
   * Naming no process of the config is a UsageError.
   */
  pauseForDebugging?: string;
  /** Called with each top-level process as it is spawned (e.g. to announce a pause). */
  onSpawn?: (process: SandboxProcess) => void;
  /**
   * `files`: each process gets stdin /dev/null and its output in the data directory, and the
   * host folder as working directory; `inherit`: umbra's stdio and working directory
   * (`umbra exec -o`). @default "files"
   */
  stdio?: "inherit" | "files";
  /** Overrides general.seed; null: unseeded (real-time `umbra exec -o` without --seed). */
  seed?: bigint | null;
  /** Which syscalls the strace logs keep (`-e trace=`, see src/report/trace_filter.ts). @default every one */
  straceFilter?: (nr: number) => boolean;
  /** Whether processes are checked against their expected_final_state. @default true */
  checkFinalStates?: boolean;
  /**
   * Signals umbra passes on to the programs while they run, as `umbra exec` does (SIGINT and
   * SIGQUIT to each top-level process's group, as a terminal sends them, the others to the
   * process). The first one marks the report `interrupted`; the run goes on until its processes
   * end. With `stopOnRepeat`, a second one ends the run at once (what still runs is killed and
   * recorded as running).
   */
  interrupts?: { signals: Deno.Signal[]; stopOnRepeat: boolean };
  /**
   * Variables every program gets beneath its configured ones (`umbra exec -o`: umbra's own);
   * processed-config.yaml does not list them.
   */
  environment?: Record<string, string>;
  /** A controlling terminal for every program (see SpawnOptions.terminal; `umbra exec -o` on a terminal). */
  terminal?: { path: string; stdio: [boolean, boolean, boolean] };
  /**
   * Called once the sandbox has closed (every program ended), before the outputs are written,
   * with what the run cost (null after a failure).
   */
  onClosed?: (stats: SandboxStats | null) => Promise<void> | void;
  /** Signals every program starts with ignored (see SpawnOptions.ignoredSignals). @default [] */
  ignoredSignals?: number[];
  /** The timeline's title. @default "umbra run: <data directory>" */
  title?: string;
}

/** The PATH a bare program name is looked up in: umbra's own. */
function umbraPath(): string | undefined {
  try {
    return Deno.env.get("PATH");
  } catch {
    return undefined;
  }
}

/** Whether `status` is what `expected` asked for. */
export function meetsExpectation(status: ExitStatus, expected: ExpectedFinalState): boolean {
  switch (expected.kind) {
    case "exited":
      return status.kind === "exited" && status.code === expected.code;
    case "signaled":
      return status.kind === "signaled" && status.number === expected.number;
    case "running":
      return status.kind === "running";
  }
}

function describeExpectation(expected: ExpectedFinalState): string {
  switch (expected.kind) {
    case "exited":
      return `exited with code ${expected.code}`;
    case "signaled":
      return `killed by ${expected.signal}`;
    case "running":
      return "still running";
  }
}

/**
 * Runs `config`. Every program is resolved before anything starts (a missing one throws
 * ProgramError); the data directory is prepared before anything is written (DataDirectoryError:
 * see src/data_directory.ts for what is refused and what is removed).
 */
export async function runConfig(config: Config, options: RunOptions = {}): Promise<RunReport> {
  const dataDirectory = options.dataDirectory ?? config.general.dataDirectory;
  const plan = config.hosts.flatMap((host) =>
    host.processes.map((process) => ({ host, process, path: resolveProgram(process.expandedPath, umbraPath()) }))
  );
  const selector = options.pauseForDebugging;
  const pauses = (host: string, path: string) =>
    selector !== undefined && (selector === basename(path) || selector === `${host}.${basename(path)}`);
  if (selector !== undefined && !plan.some((entry) => pauses(entry.host.name, entry.path))) {
    const names = plan.map((entry) => `${entry.host.name}.${basename(entry.path)}`).join(", ");
    throw new UsageError(`--pause-for-debugging: no process is named '${selector}' (processes: ${names})`);
  }
  prepareDataDirectory(dataDirectory);
  await Deno.writeTextFile(join(dataDirectory, "processed-config.yaml"), processedConfigYaml(config));
  const stopTime = config.general.stopTime;
  const started: { entry: (typeof plan)[number]; handle: SandboxProcess }[] = [];
  const events: UmbraEvent[] = [];
  const straceMode = config.experimental.straceLoggingMode;
  const stdio = options.stdio ?? "files";
  let failure: string | null = null;
  const seed = options.seed === undefined ? config.general.seed : options.seed;
  const interruption = interruptions(options.interrupts, started);
  try {
    await using sandbox = await Sandbox.create({
      dataDirectory,
      hosts: config.hosts.map((host) => host.name),
      time: config.experimental.timeMode,
      schedule: config.experimental.schedule,
      seed: seed ?? undefined,
      maxProcesses: config.experimental.maxProcesses,
      unblockedSyscallLatency: config.general.modelUnblockedSyscallLatency
        ? config.experimental.unblockedSyscallLatency
        : 0n,
      events: true,
      strace: straceMode === "off" ? undefined : straceMode,
      straceCalls: options.straceFilter && Object.values(SYS).filter(options.straceFilter),
    });
    const collecting = (async () => {
      let alive = 0;
      for await (const event of sandbox.events()) {
        events.push(event);
        if (event.kind === "start" || event.kind === "fork") alive++;
        if (event.kind === "exit") alive--;
        options.onProgress?.(BigInt(event.time), alive);
      }
    })();
    const spawnEntry = (entry: (typeof plan)[number]): void => {
      const { host, process, path } = entry;
      const handle = sandbox.spawn({
        path,
        argv0: process.path,
        args: process.args,
        env: { ...options.environment, ...process.environment },
        host: host.name,
        stdio,
        cwd: stdio === "inherit" ? Deno.cwd() : undefined,
        startTime: process.startTime,
        shutdownTime: process.shutdownTime ?? undefined,
        shutdownSignal: process.shutdownSignal,
        pauseForDebugging: pauses(host.name, path),
        ignoredSignals: options.ignoredSignals,
        terminal: options.terminal,
      });
      options.onSpawn?.(handle);
      started.push({ entry, handle });
    };
    // One step: a program that waits at once must not let the clock jump before the stop time
    // and the other programs are known.
    const stopped = sandbox.together(() => {
      for (const entry of plan) spawnEntry(entry);
      return sandbox.at(stopTime);
    });
    const allDone = Promise.all(started.map(({ handle }) => handle.exited));
    await Promise.race([allDone, stopped, interruption.stop]);
    await sandbox.close(); // kills what still runs: recorded as "running"
    await options.onClosed?.(sandbox.stats);
    await collecting;
    failure = sandbox.failure;
    // One canonical order: processes runnable at the same virtual time reach umbra in any order.
    const ordered = canonicalOrder(events, config.hosts.map((host) => host.name));
    const { processes, mismatches, events: reported } = await buildReport(
      started,
      ordered,
      options.checkFinalStates ?? true,
    );
    const report: RunReport = {
      dataDirectory,
      stopTime: String(stopTime),
      seed: seed === null ? null : String(seed),
      schedule: config.experimental.schedule,
      processes,
      mismatches,
      events: reported,
      failure,
      interrupted: interruption.signal(),
    };
    await Deno.writeTextFile(join(dataDirectory, "report.json"), JSON.stringify(report, null, 2) + "\n");
    await writeViews(dataDirectory, {
      title: options.title ?? `umbra run: ${dataDirectory}`,
      stopTime: String(stopTime),
      events: ordered,
    });
    return report;
  } finally {
    interruption.remove(); // only now: a signal while the report is written must not end umbra before it is
  }
}

/**
 * While a run lasts: passes `interrupts.signals` on to the started processes and remembers the
 * first; `stop` resolves at a repeated one when `stopOnRepeat` says so.
 */
function interruptions(
  interrupts: RunOptions["interrupts"],
  started: readonly { handle: SandboxProcess }[],
): { stop: Promise<void>; signal: () => string | null; remove: () => void } {
  let first: Deno.Signal | null = null;
  let stopNow!: () => void;
  const stop = new Promise<void>((resolve) => stopNow = resolve);
  const listeners = (interrupts?.signals ?? []).map((signal) => {
    const listener = () => {
      if (first !== null && interrupts!.stopOnRepeat) return stopNow();
      first ??= signal;
      const group = signal === "SIGINT" || signal === "SIGQUIT";
      for (const { handle } of started) handle.kill(signal, { group }).catch(() => {});
    };
    Deno.addSignalListener(signal, listener);
    return { signal, listener };
  });
  return {
    stop,
    signal: () => first,
    remove: () => {
      for (const { signal, listener } of listeners) Deno.removeSignalListener(signal, listener);
    },
  };
}

/**
 * Sorts events by virtual time, then host (config order), then process, keeping the order of
 * events of one process at one time (they are causal).
 */
function canonicalOrder(events: readonly UmbraEvent[], hosts: readonly string[]): UmbraEvent[] {
  const pid = (event: UmbraEvent) => event.kind === "signal" ? event.to : event.pid;
  return events.map((event, index) => ({ event, index })).sort((a, b) => {
    const time = BigInt(a.event.time) - BigInt(b.event.time);
    if (time !== 0n) return time < 0n ? -1 : 1;
    const host = hosts.indexOf(a.event.host) - hosts.indexOf(b.event.host);
    return host || pid(a.event) - pid(b.event) || a.index - b.index;
  }).map(({ event }) => event);
}

async function buildReport(
  started: { entry: { host: { name: string }; process: ProcessConfig }; handle: SandboxProcess }[],
  events: readonly UmbraEvent[],
  checkFinalStates: boolean,
): Promise<Pick<RunReport, "processes" | "mismatches" | "events">> {
  const processes: ProcessReport[] = processesFromEvents(events).map((entry) => ({
    ...entry,
    expectedFinalState: null,
    ok: null,
    error: null,
  }));
  const mismatches: string[] = [];
  for (const { entry, handle } of started) {
    const status = await handle.exited;
    const identity = await handle.started.catch(() => null);
    const expected = checkFinalStates ? entry.process.expectedFinalState : null;
    const ok = expected === null ? null : meetsExpectation(status, expected);
    let report = identity ? processes.find((p) => p.host === entry.host.name && p.pid === identity.pid) : undefined;
    if (!report) {
      report = {
        host: entry.host.name,
        pid: null,
        parent: 1,
        name: `${entry.host.name}.${basename(entry.process.path)}`,
        argv: [entry.process.path, ...entry.process.args],
        startTime: String(entry.process.startTime),
        execs: [],
        exitTime: null,
        exitStatus: status,
        signalsSent: [],
        signalsReceived: [],
        expectedFinalState: null,
        ok: null,
        error: null,
      };
      processes.push(report);
    }
    report.exitStatus = status;
    report.expectedFinalState = expected;
    report.ok = ok;
    report.error = handle.spawnError;
    if (expected !== null && !ok) {
      mismatches.push(
        `${report.name}: expected ${describeExpectation(expected)}, ${describeExitStatus(status)}${
          handle.spawnError ? ` (${handle.spawnError})` : ""
        }`,
      );
    }
  }
  const hosts = [...new Set(started.map(({ entry }) => entry.host.name))];
  processes.sort((a, b) => hosts.indexOf(a.host) - hosts.indexOf(b.host) || (a.pid ?? Infinity) - (b.pid ?? Infinity));
  return { processes, mismatches, events: [...events] };
}
