/**
 * The umbra command line.
 *
 * Exit codes: the program's own status for `exec` (128+N when killed by signal N, like a shell);
 * 2 for bad usage and for namespaces the kernel will not make; 126/127 for a program that cannot
 * be run / is not found; 1 for umbra's own failures (e.g. the native library cannot load).
 * @module
 */

import { Command, CommanderError, InvalidArgumentError, Option } from "npm:commander@14.0.2";
import { describeExitStatus, shellExitCode } from "./kernel/exit_status.ts";
import { ProgramError } from "./program.ts";
import { NamespaceError, Sandbox } from "./sandbox.ts";
import { ConfigError, loadConfig } from "./config/config.ts";
import { runConfig, type RunReport, UsageError } from "./run.ts";
import { DataDirectoryError } from "./data_directory.ts";
import { writeViews } from "./report/views.ts";
import { announcePause } from "./debug/pause.ts";
import { join } from "node:path";
import { SCHEDULE_MODES, type ScheduleMode } from "./policy/scheduler.ts";

import denoJson from "../deno.json" with { type: "json" };

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
}

/** `--seed`: a decimal integer from 0 to 2^64 - 1. */
function parseSeed(text: string): bigint {
  if (!/^[0-9]+$/.test(text) || BigInt(text) >= 1n << 64n) {
    throw new InvalidArgumentError("a seed is an integer from 0 to 18446744073709551615");
  }
  return BigInt(text);
}

/** `umbra exec`: runs one program with umbra's stdio; returns its shell-style exit code. */
export async function exec(program: string, args: string[], options: ExecOptions = {}): Promise<number> {
  await using sandbox = await Sandbox.create({
    time: options.time ?? "real",
    schedule: options.schedule,
    seed: options.seed,
  });
  const process = sandbox.spawn({ path: program, args, cwd: Deno.cwd(), pauseForDebugging: options.pauseForDebugging });
  if (options.pauseForDebugging) announcePause(process);
  // The program's session is its host's, not the terminal's: a terminal's Ctrl-C reaches umbra
  // alone, and umbra passes it on to the program's process group (waking it if umbra holds it in
  // a call), staying up to report its status. A SIGTERM/SIGHUP sent to umbra is passed on.
  const forward = (signal: Deno.Signal, group = false) => () => process.kill(signal, { group }).catch(() => {});
  const handlers: [Deno.Signal, () => void][] = [
    ["SIGINT", forward("SIGINT", true)],
    ["SIGQUIT", forward("SIGQUIT", true)],
    ["SIGTERM", forward("SIGTERM")],
    ["SIGHUP", forward("SIGHUP")],
  ];
  for (const [signal, handler] of handlers) Deno.addSignalListener(signal, handler);
  try {
    const status = await process.exited;
    if (sandbox.failure) return EXIT_FAILURE; // already reported, and everything was killed
    if (process.spawnError) console.error(`umbra: cannot run '${program}': ${process.spawnError}`);
    return shellExitCode(status);
  } finally {
    for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
  }
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

/** `umbra run`: returns the exit code. */
export async function run(path: string, dataDirectory?: string, pauseForDebugging?: string): Promise<number> {
  const config = await loadConfig(path);
  for (const warning of config.warnings) console.error(`umbra: warning: ${warning}`);
  // No progress line while the terminal is needed to say how to attach a debugger.
  const onProgress = pauseForDebugging === undefined ? progress() : undefined;
  const report = await runConfig(config, {
    dataDirectory,
    onProgress,
    pauseForDebugging,
    onSpawn: pauseForDebugging === undefined ? undefined : announcePause,
  });
  if (onProgress) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[K"));
  for (const line of report.mismatches) console.error(`umbra: ${line}`);
  const configured = report.processes.filter((process) => process.expectedFinalState !== null).length;
  const ok = configured - report.mismatches.length;
  console.error(
    `umbra: ${ok} of ${configured} processes ended as expected; outputs in ${report.dataDirectory}`,
  );
  if (report.failure !== null) return EXIT_FAILURE; // reported as it happened; everything was killed
  return report.mismatches.length === 0 ? 0 : EXIT_MISMATCH;
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

function program(): Command {
  const cli = new Command("umbra")
    .description("Run real Linux programs in an emulated process world (virtual pids, signals, time).")
    .version(denoJson.version, "-V, --version")
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeErr: (text) => Deno.stderr.writeSync(new TextEncoder().encode(text)) })
    .showHelpAfterError("(run 'umbra --help' for usage)");
  cli.command("exec")
    .description("Run one program under umbra with this terminal's stdio; exit with its status.")
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
`,
    )
    .action(
      async (
        name: string,
        args: string[],
        options: { time?: "real" | "virtual"; schedule: ScheduleMode; seed?: bigint; pauseForDebugging?: boolean },
      ) => {
        if (options.schedule !== "native" && options.time === "real") {
          throw new UsageError(`--schedule=${options.schedule} needs --time=virtual`);
        }
        Deno.exitCode = await exec(name, args, {
          time: options.time ?? (options.schedule === "native" ? "real" : "virtual"),
          schedule: options.schedule,
          seed: options.seed,
          pauseForDebugging: options.pauseForDebugging,
        });
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
      Deno.exitCode = await run(path, options.dataDirectory, options.pauseForDebugging);
    });
  cli.command("report")
    .description("Summarise a run's data directory and regenerate its timeline.html and trace.json.")
    .argument("<data-directory>", "the data directory of an earlier `umbra run`")
    .action(async (directory: string) => {
      Deno.exitCode = await report(directory);
    });
  cli.addHelpText(
    "after",
    `
Examples:
  umbra exec -- sh -c 'echo $$ $PPID'
  umbra exec -- python3 -c 'import os; print(os.getpid())'
  umbra run examples/basic.yaml
  umbra report umbra.data

Exit codes: exec returns the program's status (128+N if killed by signal N);
run returns 0 when every process ended as expected, 3 when some did not;
2 bad usage, bad config or unusable data directory; 126 program not executable;
127 program not found; 1 umbra failed.`,
  );
  return cli;
}

/** Runs the CLI with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  try {
    Deno.exitCode = 0;
    await program().parseAsync(args, { from: "user" });
    return Deno.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    if (error instanceof ProgramError) {
      console.error(`umbra: ${error.message}`);
      return error.exitCode;
    }
    if (
      error instanceof ConfigError || error instanceof DataDirectoryError || error instanceof UsageError ||
      error instanceof NamespaceError
    ) {
      console.error(`umbra: ${error.message}`);
      return EXIT_USAGE;
    }
    console.error(`umbra: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_FAILURE;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
