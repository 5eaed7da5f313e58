/**
 * `umbra run`: one configured run in a virtual-time sandbox. Every process starts at its
 * start_time, gets its shutdown_signal at its shutdown_time, and whatever still runs at the
 * run's stop_time is killed and recorded as "running". Each process's end is checked against its
 * expected_final_state. Outputs land in the data directory: processed-config.yaml, report.json
 * and hosts/<host>/<exe>.<pid>.stdout|.stderr.
 * @module
 */

import { basename, join } from "node:path";
import { type Config, type ExpectedFinalState, processedConfigYaml } from "./config/config.ts";
import { describeExitStatus, type ExitStatus } from "./kernel/exit_status.ts";
import { resolveProgram } from "./program.ts";
import { Sandbox, type SandboxProcess } from "./sandbox.ts";

/** One process in report.json. */
export interface ProcessReport {
  host: string;
  /** Virtual pid (null if it never started). */
  pid: number | null;
  /** Virtual parent pid: the sandbox's init. */
  parent: number;
  name: string | null;
  argv: string[];
  /** Virtual times in ns (decimal strings), null when it did not happen. */
  startTime: string;
  execTime: string | null;
  exitTime: string | null;
  exitStatus: ExitStatus;
  expectedFinalState: ExpectedFinalState;
  ok: boolean;
  /** Why it could not start, if so. */
  error: string | null;
}

/** What a run produced. */
export interface RunReport {
  dataDirectory: string;
  stopTime: string;
  processes: ProcessReport[];
  /** One line per process whose end did not match its expected_final_state. */
  mismatches: string[];
}

/** A data directory that umbra must not overwrite. */
export class DataDirectoryError extends Error {
  override name = "DataDirectoryError";
}

const MARKER = "processed-config.yaml";

/** Empties the data directory of an earlier umbra run, or creates it; refuses anyone else's. */
async function prepareDataDirectory(path: string): Promise<void> {
  let entries: string[] = [];
  try {
    entries = [...Deno.readDirSync(path)].map((entry) => entry.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new DataDirectoryError(`cannot use data directory ${path}: ${(error as Error).message}`);
    }
  }
  if (entries.length > 0 && !entries.includes(MARKER)) {
    throw new DataDirectoryError(
      `data directory ${path} exists and is not from an umbra run; remove it or pass --data-directory`,
    );
  }
  if (entries.length > 0) await Deno.remove(path, { recursive: true });
  try {
    await Deno.mkdir(path, { recursive: true });
    await Deno.writeTextFile(join(path, MARKER), "");
  } catch (error) {
    throw new DataDirectoryError(`cannot write data directory ${path}: ${(error as Error).message}`);
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
 * ProgramError); the data directory is prepared first (DataDirectoryError).
 */
export async function runConfig(config: Config, options: { dataDirectory?: string } = {}): Promise<RunReport> {
  const dataDirectory = options.dataDirectory ?? config.general.dataDirectory;
  const plan = config.hosts.flatMap((host) =>
    host.processes.map((process) => ({ host, process, path: resolveProgram(process.expandedPath) }))
  );
  await prepareDataDirectory(dataDirectory);
  await Deno.writeTextFile(join(dataDirectory, MARKER), processedConfigYaml(config));
  const stopTime = config.general.stopTime;
  const started: { entry: (typeof plan)[number]; handle: SandboxProcess }[] = [];
  {
    await using sandbox = await Sandbox.create({ dataDirectory, time: config.experimental.timeMode });
    for (const entry of plan) {
      const { host, process, path } = entry;
      const handle = sandbox.spawn({
        path,
        argv0: process.path,
        args: process.args,
        env: process.environment,
        host: host.name,
        stdio: "files",
        startTime: process.startTime,
        shutdownTime: process.shutdownTime ?? undefined,
        shutdownSignal: process.shutdownSignal,
      });
      started.push({ entry, handle });
    }
    const allDone = Promise.all(started.map(({ handle }) => handle.exited));
    await Promise.race([allDone, sandbox.at(stopTime)]);
  } // closing kills what still runs: recorded as "running"
  const processes: ProcessReport[] = [];
  for (const { entry, handle } of started) {
    const status = await handle.exited;
    const identity = await handle.started.catch(() => null);
    const expected = entry.process.expectedFinalState;
    processes.push({
      host: entry.host.name,
      pid: identity?.pid ?? null,
      parent: 1,
      name: identity?.name ?? null,
      argv: [entry.process.path, ...entry.process.args],
      startTime: String(entry.process.startTime),
      execTime: identity ? String(identity.time) : null,
      exitTime: status.kind === "running" ? null : String(handle.exitTime ?? 0n),
      exitStatus: status,
      expectedFinalState: expected,
      ok: meetsExpectation(status, expected),
      error: handle.spawnError,
    });
  }
  const mismatches = processes.filter((p) => !p.ok).map((p) =>
    `${p.name ?? `${p.host}.${basename(p.argv[0])}`}: expected ${describeExpectation(p.expectedFinalState)}, ${
      describeExitStatus(p.exitStatus)
    }${p.error ? ` (${p.error})` : ""}`
  );
  const report: RunReport = { dataDirectory, stopTime: String(stopTime), processes, mismatches };
  await Deno.writeTextFile(join(dataDirectory, "report.json"), JSON.stringify(report, null, 2) + "\n");
  return report;
}
