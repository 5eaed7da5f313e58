/**
 * The umbra command line.
 *
 * Exit codes: `exec` ends as its program ended (its exit code, or killed by the same signal);
 * 2 for bad usage and for namespaces the kernel will not make; 126/127 for a program that cannot
 * be run / is not found; 1 for umbra's own failures (e.g. the native library cannot load).
 * @module
 */

import { Command, CommanderError, InvalidArgumentError, Option } from "npm:commander@14.0.2";
import { describeExitStatus, type ExitStatus } from "./kernel/exit_status.ts";
import { ProgramError } from "./program.ts";
import { NamespaceError, Sandbox, type SandboxProcess, type SandboxStats } from "./sandbox.ts";
import { InvalidOptionError, UsageError } from "./errors.ts";
import { SYS } from "./abi/syscalls.ts";
import { ConfigError } from "./config/config_error.ts";
import type { RunReport } from "./run.ts";
import type { Config } from "./config/config.ts";
import { type Ending, endingOf } from "./ending.ts";
import { parseTraceFilter, TraceFilterError } from "./report/trace_filter.ts";
import { parseSignal } from "./abi/signals.ts";
import { TerminalRelay } from "./terminal.ts";
import { basename } from "node:path";
import { DataDirectoryError } from "./data_directory.ts";
import { announcePause } from "./debug/pause.ts";
import { join } from "node:path";
import { SCHEDULE_MODES, type ScheduleMode } from "./policy/scheduler.ts";

import denoJson from "../deno.json" with { type: "json" };

export { end, type Ending } from "./ending.ts";

/** Exit code for bad usage. */
export const EXIT_USAGE = 2;
/** Exit code for umbra's own failures. */
export const EXIT_FAILURE = 1;

/** Options of `umbra exec`. */
export interface ExecOptions {
  /** Time mode. @default "real" */
  time?: "real" | "virtual";
  /** How threads take turns (deterministic and random need virtual time). @default "native" */
  schedule?: ScheduleMode;
  /** Stop the program before its first instruction for gdb (see `src/debug/pause.ts`). */
  pauseForDebugging?: boolean;
  /** Seeded randomness and the random schedule's order (see SandboxOptions.seed). @default undefined (1 in virtual time) */
  seed?: bigint;
  /**
   * `-o`: a data directory to record the run in, as `umbra run` does: report.json, timeline.html,
   * processed-config.yaml (a config `umbra run` replays) and the strace logs.
   */
  output?: string;
  /**
   * `--strace`: strace logging, into the data directory, or without one to stderr as strace
   * does (as calls happen; in deterministic mode in the log's order, once the program ended).
   */
  strace?: "standard" | "deterministic";
  /** `-e trace=<set>`: which syscalls the strace log keeps (src/report/trace_filter.ts). @default every one */
  straceFilter?: (nr: number) => boolean;
  /**
   * `--stdio`: `inherit` keeps the terminal's stdin, stdout and stderr, as strace -o does;
   * `files`: stdin /dev/null and the output in `<output>/hosts/localhost/<exe>.<pid>.stdout|.stderr`
   * (needs `output`). @default "inherit"
   */
  stdio?: "inherit" | "files";
  /** `--stats`: when the program has ended, one line on stderr of the stops umbra took (see {@linkcode statsLine}). */
  stats?: boolean;
  /**
   * Signals the program starts with ignored: umbra's caller's (see {@linkcode callerIgnoredSignals}),
   * as the program would have them were it exec'd directly. @default []
   */
  ignoredSignals?: number[];
}

const SIGPIPE = 13;

/**
 * The signals umbra's caller left ignored (`nohup`, a shell's `trap '' HUP`, a background job's
 * SIGINT and SIGQUIT): SigIgn of /proc/self/status, read before umbra handles any. SIGPIPE is
 * left out: Deno's runtime ignores it itself, so the caller's choice cannot be told.
 */
export function callerIgnoredSignals(): number[] {
  let mask = 0n;
  try {
    const line = /^SigIgn:\s*([0-9a-f]+)$/m.exec(Deno.readTextFileSync("/proc/self/status"));
    if (line) mask = BigInt(`0x${line[1]}`);
  } catch { /* no /proc: nothing known to be ignored */ }
  const signals: number[] = [];
  for (let signal = 1; signal <= 64; signal++) {
    if ((mask >> BigInt(signal - 1)) & 1n && signal !== SIGPIPE) signals.push(signal);
  }
  return signals;
}

/** The signals `umbra exec` passes on to its program (SIGINT and SIGQUIT to its process group, as a terminal does). */
const FORWARDED: Deno.Signal[] = ["SIGINT", "SIGQUIT", "SIGTERM", "SIGHUP"];

/** FORWARDED but those the caller ignores: umbra ignores them too, as would the program in its place. */
function forwarded(ignored: readonly number[]): Deno.Signal[] {
  return FORWARDED.filter((signal) => !ignored.includes(parseSignal(signal)!));
}

/** An exec's run ends when its program does; this stop time only bounds a virtual clock that nothing moves on. */
const EXEC_STOP_TIME = 1_000_000n * 3_600_000_000_000n;

/** `--seed`: a decimal integer from 0 to 2^64 - 1. */
function parseSeed(text: string): bigint {
  if (!/^[0-9]+$/.test(text) || BigInt(text) >= 1n << 64n) {
    throw new InvalidArgumentError("a seed is an integer from 0 to 18446744073709551615");
  }
  return BigInt(text);
}

/**
 * `umbra exec`: runs one program with umbra's stdio; returns how umbra should end (the program's
 * exit code, or the signal that killed it).
 */
export async function exec(program: string, args: string[], options: ExecOptions = {}): Promise<Ending> {
  if (options.output !== undefined) return await record(program, args, options);
  await using sandbox = await Sandbox.create({
    time: options.time ?? "real",
    schedule: options.schedule,
    seed: options.seed,
    strace: options.strace,
    straceTo: "stderr",
    straceCalls: options.straceFilter && Object.values(SYS).filter(options.straceFilter),
  });
  // On a terminal the program gets a pty of its own (src/terminal.ts); not while the terminal
  // is needed to say how to attach a debugger.
  const relay = options.pauseForDebugging ? null : TerminalRelay.open();
  const process = sandbox.spawn({
    path: program,
    args,
    cwd: Deno.cwd(),
    pauseForDebugging: options.pauseForDebugging,
    ignoredSignals: options.ignoredSignals,
    terminal: relay ?? undefined,
  });
  if (options.pauseForDebugging) announcePause(process);
  relay?.start();
  // Without a pty the program's session is its host's, not the terminal's: a terminal's Ctrl-C
  // reaches umbra alone, and umbra passes it on to the program's process group (waking it if
  // umbra holds it in a call), staying up to report its status. A SIGTERM/SIGHUP sent to umbra
  // is passed on.
  const handlers = forwarded(options.ignoredSignals ?? []).map((signal) => {
    const group = signal === "SIGINT" || signal === "SIGQUIT";
    return [signal, () => process.kill(signal, { group }).catch(() => {})] as const;
  });
  for (const [signal, handler] of handlers) Deno.addSignalListener(signal, handler);
  try {
    const status = await process.exited;
    await sandbox.close(); // whatever else holds the pty ends with it
    await relay?.close();
    if (options.stats && sandbox.stats) console.error(statsLine(sandbox.stats));
    if (sandbox.failure) return { code: EXIT_FAILURE }; // already reported, and everything was killed
    if (process.spawnError) console.error(`umbra: cannot run '${program}': ${process.spawnError}`);
    return endingOf(status);
  } finally {
    for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
    await relay?.close();
  }
}

/** `umbra exec -o`: the same, recorded into a data directory by {@linkcode runConfig}. */
async function record(program: string, args: string[], options: ExecOptions): Promise<Ending> {
  const time = options.time ?? "real";
  const config: Config = {
    general: {
      stopTime: EXEC_STOP_TIME,
      dataDirectory: options.output!,
      logLevel: "info",
      seed: Number(BigInt.asUintN(32, options.seed ?? 1n)),
      modelUnblockedSyscallLatency: true,
    },
    experimental: {
      straceLoggingMode: options.strace ?? "off",
      timeMode: time,
      schedule: options.schedule ?? "native",
      maxProcesses: 4096,
      unblockedSyscallLatency: 1000n,
      useMemoryManager: false,
    },
    hosts: [{
      name: "localhost",
      processes: [{
        path: program,
        expandedPath: program,
        args,
        environment: {},
        startTime: 0n,
        shutdownTime: null,
        shutdownSignal: 15,
        expectedFinalState: { kind: "exited", code: 0 },
      }],
    }],
    warnings: [],
  };
  const spawned: SandboxProcess[] = [];
  const relay = options.pauseForDebugging || options.stdio === "files" ? null : TerminalRelay.open();
  const { runConfig } = await import("./run.ts");
  const report = await runConfig(config, {
    terminal: relay ?? undefined,
    stdio: options.stdio ?? "inherit",
    environment: Deno.env.toObject(),
    seed: options.seed ?? (time === "virtual" ? 1n : null),
    straceFilter: options.straceFilter,
    checkFinalStates: false,
    interrupts: { signals: forwarded(options.ignoredSignals ?? []), stopOnRepeat: false },
    ignoredSignals: options.ignoredSignals,
    pauseForDebugging: options.pauseForDebugging ? basename(program) : undefined,
    onSpawn: (process) => {
      spawned.push(process);
      if (options.pauseForDebugging) announcePause(process);
      relay?.start();
    },
    onClosed: async (stats) => {
      await relay?.close();
      if (options.stats && stats) console.error(statsLine(stats));
    },
    title: `umbra exec: ${[program, ...args].join(" ")}`,
  }).finally(() => relay?.close());
  if (report.failure !== null) return { code: EXIT_FAILURE }; // reported as it happened
  const [process] = spawned;
  const status: ExitStatus = await process.exited;
  if (process.spawnError) console.error(`umbra: cannot run '${program}': ${process.spawnError}`);
  return endingOf(status);
}

/** Exit code of `umbra run` when a process did not end as its expected_final_state says. */
export const EXIT_MISMATCH = 3;

/** A one-line progress display on a terminal: virtual time and live processes. */
function progress(): ((time: bigint, alive: number) => void) | undefined {
  if (!Deno.stderr.isTerminal()) return undefined;
  let shown = 0;
  return (time, alive) => {
    const now = performance.now();
    if (now - shown < 100) return;
    shown = now;
    const line = `umbra: virtual time ${(Number(time) / 1e9).toFixed(3)} s, ${alive} processes alive`;
    Deno.stderr.writeSync(new TextEncoder().encode(`\r${line}\x1b[K`));
  };
}

/**
 * `umbra run`: returns how umbra should end. SIGINT, SIGQUIT, SIGTERM and SIGHUP are passed on
 * to the configured processes (a second one ends the run at once); the outputs are written all
 * the same, marked interrupted, and then umbra ends by the signal it got, as a program that
 * cleans up on a signal does.
 */
export async function run(
  path: string,
  dataDirectory?: string,
  pauseForDebugging?: string,
  ignored: readonly number[] = [],
): Promise<Ending> {
  // Loaded when used: the YAML parser and the recorder cost `umbra exec` start-up time.
  const [{ loadConfig }, { runConfig }] = await Promise.all([import("./config/config.ts"), import("./run.ts")]);
  const config = await loadConfig(path);
  for (const warning of config.warnings) console.error(`umbra: warning: ${warning}`);
  // No progress line while the terminal is needed to say how to attach a debugger.
  const onProgress = pauseForDebugging === undefined ? progress() : undefined;
  const report = await runConfig(config, {
    dataDirectory,
    onProgress,
    pauseForDebugging,
    onSpawn: pauseForDebugging === undefined ? undefined : announcePause,
    interrupts: { signals: forwarded(ignored), stopOnRepeat: true },
  });
  if (onProgress) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[K"));
  for (const line of report.mismatches) console.error(`umbra: ${line}`);
  const configured = report.processes.filter((process) => process.expectedFinalState !== null).length;
  const ok = configured - report.mismatches.length;
  const interrupted = report.interrupted === null ? "" : `interrupted by ${report.interrupted}; `;
  console.error(
    `umbra: ${interrupted}${ok} of ${configured} processes ended as expected; outputs in ${report.dataDirectory}`,
  );
  if (report.failure !== null) return { code: EXIT_FAILURE }; // reported as it happened; everything was killed
  if (report.interrupted !== null) return { signal: parseSignal(report.interrupted)! };
  return { code: report.mismatches.length === 0 ? 0 : EXIT_MISMATCH };
}

/** `umbra report`: prints one line per process and rewrites timeline.html and trace.json; returns the exit code. */
export async function report(directory: string): Promise<number> {
  let saved: RunReport;
  try {
    saved = JSON.parse(await Deno.readTextFile(join(directory, "report.json")));
  } catch (error) {
    console.error(`umbra: cannot read ${join(directory, "report.json")}: ${(error as Error).message.split("\n")[0]}`);
    return EXIT_USAGE;
  }
  const rows = saved.processes.map((p) => [
    p.name,
    String(p.pid ?? "-"),
    String(p.parent),
    seconds(p.startTime),
    p.exitTime === null ? "-" : seconds(p.exitTime),
    describeExitStatus(p.exitStatus),
    p.ok === null ? "" : p.ok ? "ok" : "MISMATCH",
  ]);
  const header = ["process", "pid", "ppid", "start", "end", "status", "expected"];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd());
  const { writeViews } = await import("./report/views.ts");
  const written = await writeViews(directory, {
    title: `umbra run: ${directory}`,
    stopTime: saved.stopTime,
    events: saved.events,
  });
  console.error(`umbra: wrote ${written.join(" and ")}`);
  return saved.mismatches.length === 0 ? 0 : EXIT_MISMATCH;
}

function seconds(ns: string): string {
  return `${(Number(ns) / 1e9).toFixed(6)}s`;
}

/** `-e`: strace's expression, as a usage error when it cannot be read. */
function parseTraceOption(text: string): (nr: number) => boolean {
  try {
    return parseTraceFilter(text);
  } catch (error) {
    if (error instanceof TraceFilterError) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

/** The options commander hands `exec`'s action. */
interface ExecFlags {
  time?: "real" | "virtual";
  schedule: ScheduleMode;
  seed?: bigint;
  pauseForDebugging?: boolean;
  output?: string;
  strace?: "standard" | "deterministic";
  e?: (nr: number) => boolean;
  stdio: "inherit" | "files";
  stats?: boolean;
}

/**
 * The `--stats` line: how many stops reached the policy, by kind, and the policy's time on them,
 * e.g. "umbra: stats: 1503 stops (syscall 1000, fork 500, exit 3), policy 12.3 ms, 8.2 µs a stop".
 */
export function statsLine(stats: SandboxStats): string {
  const total = Object.values(stats.stops).reduce((sum, count) => sum + count, 0);
  const kinds = Object.entries(stats.stops).map(([kind, count]) => `${kind} ${count}`).join(", ");
  const ns = Number(stats.policyNs);
  const perStop = total > 0 ? `, ${(ns / 1000 / total).toFixed(1)} µs a stop` : "";
  return `umbra: stats: ${total} stops (${kinds}), policy ${(ns / 1e6).toFixed(1)} ms${perStop}`;
}

function program(finish: (ending: Ending) => void, ignored: number[]): Command {
  const cli = new Command("umbra")
    .description("Run real Linux programs in an emulated process world (virtual pids, signals, time).")
    .version(denoJson.version, "-V, --version")
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeErr: (text) => Deno.stderr.writeSync(new TextEncoder().encode(text)) })
    .showHelpAfterError("(run 'umbra --help' for usage)");
  cli.command("exec")
    .description(
      "Run one program under umbra with this terminal's stdio (a pty of its own on a terminal); end as it ended.",
    )
    .argument("<program>", "program path, or a name looked up in PATH")
    .argument("[args...]", "arguments for the program (put them after --)")
    .addOption(
      new Option(
        "--time <mode>",
        "real: the host's clocks; virtual: a simulated clock from 2000-01-01 that jumps over sleeps",
      )
        .choices(["real", "virtual"]),
    )
    .option(
      "--seed <n>",
      "seeded randomness (getrandom, /dev/urandom, AT_RANDOM), fixed addresses, the random schedule's order; " +
        "default 1 with --time=virtual",
      parseSeed,
    )
    .addOption(
      new Option(
        "--schedule <mode>",
        "native: threads run at once; deterministic: one at a time in a fixed order (a run repeats exactly); " +
          "random: one at a time in an order drawn from --seed (finds races, replays them). " +
          "deterministic and random imply --time=virtual",
      )
        .choices([...SCHEDULE_MODES])
        .default("native"),
    )
    .option("--pause-for-debugging", "stop the program before its first instruction and serve gdb for it")
    .option(
      "-o, --output <dir>",
      "record the run in a data directory: report.json, timeline.html, processed-config.yaml, strace logs " +
        "(an existing one must be empty or umbra's)",
    )
    .addOption(
      new Option(
        "--strace [mode]",
        "log every syscall, to stderr, or with -o into <dir>/hosts/localhost/<exe>.<pid>.strace",
      )
        .choices(["standard", "deterministic"])
        .preset("standard"),
    )
    .option(
      "-e <expr>",
      "strace's trace=<set>: names, %process, %signal, %file, all, none; ! negates",
      parseTraceOption,
    )
    .addOption(
      new Option(
        "--stdio <mode>",
        "inherit: the program uses this terminal's stdio; files: stdin /dev/null, stdout and stderr into " +
          "<dir>/hosts/localhost/<exe>.<pid>.stdout|.stderr (needs -o)",
      )
        .choices(["inherit", "files"])
        .default("inherit"),
    )
    .option(
      "--stats",
      "when the program has ended, print the stops umbra took, by kind, and the policy's time (stderr)",
    )
    .passThroughOptions()
    .addHelpText(
      "after",
      `
Examples:
  umbra exec -- sh -c 'echo $$ $PPID'     # prints "1000 1"
  umbra exec -- ./static-binary
  umbra exec --time=virtual -- sleep 1000     # returns at once; date says 2000-01-01
  umbra exec --seed 7 -- python3 -c 'print(hash("a"))'   # the same number every run
  umbra exec --schedule=random --seed=7 -- ./racy-test   # one interleaving; the same seed repeats it
  umbra exec --pause-for-debugging -- ./server   # prints the gdb command that attaches
  umbra exec -o out --strace -e trace=%process -- make   # out/report.json, out/hosts/localhost/make.1000.strace
`,
    )
    .action(
      async (name: string, args: string[], options: ExecFlags) => {
        if (options.schedule !== "native" && options.time === "real") {
          throw new UsageError(`--schedule=${options.schedule} needs --time=virtual`);
        }
        // -e alone asks for a log, as in strace.
        const strace = options.strace ?? (options.e === undefined ? undefined : "standard");
        if (options.output === undefined && options.stdio === "files") {
          throw new UsageError("--stdio=files writes into a data directory: add -o <dir>");
        }
        finish(
          await exec(name, args, {
            time: options.time ?? (options.schedule === "native" ? "real" : "virtual"),
            schedule: options.schedule,
            seed: options.seed,
            pauseForDebugging: options.pauseForDebugging,
            output: options.output,
            strace,
            straceFilter: options.e,
            stdio: options.stdio,
            stats: options.stats,
            ignoredSignals: ignored,
          }),
        );
      },
    );
  cli.command("run")
    .description("Run a configured set of processes (Shadow-style YAML) in virtual time; check their final states.")
    .argument("<config>", "the YAML config file")
    .option(
      "-d, --data-directory <dir>",
      "where outputs go (default: general.data_directory, umbra.data); an existing one must be empty or umbra's",
    )
    .option(
      "--pause-for-debugging <process>",
      "stop the processes named <host>.<exe> or <exe> before their first instruction and serve gdb for them",
    )
    .addHelpText(
      "after",
      `
Outputs: <data>/processed-config.yaml, <data>/report.json, <data>/timeline.html,
  <data>/trace.json (for Perfetto), <data>/hosts/<host>/<exe>.<pid>.stdout|.stderr;
  a re-run replaces these and keeps other files
Examples:
  umbra run examples/basic.yaml
  umbra run --pause-for-debugging server examples/basic.yaml   # then: gdb -ex 'target remote ...'
`,
    )
    .action(async (path: string, options: { dataDirectory?: string; pauseForDebugging?: string }) => {
      finish(await run(path, options.dataDirectory, options.pauseForDebugging, ignored));
    });
  cli.command("report")
    .description("Summarise a run's data directory and regenerate its timeline.html and trace.json.")
    .argument("<data-directory>", "the data directory of an earlier `umbra run`")
    .action(async (directory: string) => {
      finish({ code: await report(directory) });
    });
  cli.addHelpText(
    "after",
    `
Examples:
  umbra exec -- sh -c 'echo $$ $PPID'
  umbra exec -- python3 -c 'import os; print(os.getpid())'
  umbra run examples/basic.yaml
  umbra report umbra.data

Exit codes: exec ends as its program did (its code, or killed by the same signal);
run returns 0 when every process ended as expected, 3 when some did not, and
dies of the signal that interrupted it (after writing its outputs);
2 bad usage, bad config or unusable data directory; 126 program not executable;
127 program not found; 1 umbra failed.`,
  );
  return cli;
}

/**
 * Runs the CLI with `args`; returns how umbra should end (an exit code, or for `exec` and an
 * interrupted `run` a signal to raise on itself: see {@linkcode end}).
 */
export async function main(args: string[]): Promise<Ending> {
  try {
    let ending: Ending = { code: 0 };
    const ignored = callerIgnoredSignals(); // before any handler of umbra's is installed
    await program((result) => ending = result, ignored).parseAsync(args, { from: "user" });
    return ending;
  } catch (error) {
    return { code: failureCode(error) };
  }
}

/** Prints one line for `error` and returns umbra's exit code for it. */
function failureCode(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
  if (error instanceof ProgramError) {
    console.error(`umbra: ${error.message}`);
    return error.exitCode;
  }
  if (
    error instanceof ConfigError || error instanceof DataDirectoryError || error instanceof UsageError ||
    error instanceof NamespaceError || error instanceof InvalidOptionError
  ) {
    // One line per problem, each umbra's (a config may have several).
    for (const line of error.message.split("\n")) console.error(`umbra: ${line}`);
    return EXIT_USAGE;
  }
  console.error(`umbra: ${error instanceof Error ? error.message : String(error)}`);
  return EXIT_FAILURE;
}
