/**
 * Checking the options of `Sandbox.create` and `Sandbox.spawn`, every one, before anything
 * starts: a bad option throws an {@linkcode InvalidOptionError} naming it, and nothing runs.
 * @module
 */

import { InvalidOptionError } from "./errors.ts";
import { parseSignal, SIGRTMAX } from "./abi/signals.ts";
import { SCHEDULE_MODES } from "./policy/scheduler.ts";
import { isHostname } from "./config/hostname.ts";
import type { SandboxOptions, SpawnOptions } from "./sandbox.ts";

/** Where one of a spawned program's stdio streams goes; `file` is the data directory's file. */
export type StreamMode = "inherit" | "null" | "piped" | "file";

/** Live processes at most that a sandbox takes (the config's `max_processes` bound too). */
export const MAX_PROCESSES_LIMIT = 16384;

/** Spawn options checked, with their defaults applied. */
export interface CheckedSpawn {
  env: Record<string, string>;
  host: string;
  stdio: [StreamMode, StreamMode, StreamMode];
  shutdown: { time: bigint; signal: number } | null;
  /** Signals the program starts with ignored (bit N-1: signal N). */
  ignored: bigint;
  /** The controlling terminal to give it, if any. */
  terminal: { path: string; stdio: [boolean, boolean, boolean] } | undefined;
}

function fail(option: string, problem: string): never {
  throw new InvalidOptionError(option, problem);
}

/** How a value reads in a message: strings quoted, bigints with their `n`. */
function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (value instanceof Date) return `Date(${value.getTime()})`;
  return typeof value === "object" && value !== null
    ? (Array.isArray(value) ? "an array" : "an object")
    : String(value);
}

function oneOf<T extends string>(option: string, value: unknown, choices: readonly T[]): T | undefined {
  if (value === undefined || choices.includes(value as T)) return value as T | undefined;
  return fail(option, `expected one of ${choices.map((c) => JSON.stringify(c)).join(", ")}, not ${show(value)}`);
}

function checkType(option: string, value: unknown, type: "string" | "boolean" | "function" | "bigint"): void {
  if (value !== undefined && typeof value !== type) fail(option, `expected a ${type}, not ${show(value)}`);
}

/** A string that can be passed to execve: no NUL byte in it. */
function checkString(option: string, value: unknown): void {
  checkType(option, value, "string");
  if (typeof value === "string" && value.includes("\0")) fail(option, `contains a NUL byte: ${show(value)}`);
}

function checkTime(option: string, value: unknown): void {
  checkType(option, value, "bigint");
  if (typeof value === "bigint" && value < 0n) fail(option, `must not be negative, not ${show(value)}`);
}

function checkHost(option: string, value: unknown): void {
  checkType(option, value, "string");
  if (typeof value === "string" && !isHostname(value)) {
    fail(option, `not a host name: ${show(value)} (letters, digits and inner hyphens, dot-separated labels)`);
  }
}

/** A signal by name (`SIGTERM`, `TERM`, `SIGRTMIN+1`) or number (1 to 64) as its number. */
export function checkSignal(option: string, value: unknown): number {
  const number = typeof value === "number"
    ? (Number.isInteger(value) && value >= 1 && value <= SIGRTMAX ? value : undefined)
    : typeof value === "string"
    ? parseSignal(value)
    : undefined;
  if (number === undefined) fail(option, `unknown signal ${show(value)} (examples: "SIGTERM", "TERM", 15)`);
  return number;
}

/** The seed a sandbox runs with (decimal), or undefined: unseeded. */
function seedOf(options: SandboxOptions): string | undefined {
  const seed = options.seed ?? ((options.time ?? "real") === "virtual" ? 1n : undefined);
  if (seed === undefined) return undefined;
  const integer = typeof seed === "bigint" || (typeof seed === "number" && Number.isSafeInteger(seed));
  if (!integer || BigInt(seed) < 0n || BigInt(seed) >= 1n << 64n) {
    fail("seed", `expected an integer from 0 to 2^64 - 1, not ${show(seed)}`);
  }
  return String(BigInt(seed));
}

/** Checks every option of `Sandbox.create`; returns the seed (decimal, or undefined: unseeded). */
export function checkSandboxOptions(options: SandboxOptions): string | undefined {
  if (typeof options !== "object" || options === null) fail("options", `expected an object, not ${show(options)}`);
  checkType("dataDirectory", options.dataDirectory, "string");
  const max = options.maxProcesses;
  if (max !== undefined && !(Number.isInteger(max) && max >= 1 && max <= MAX_PROCESSES_LIMIT)) {
    fail("maxProcesses", `expected an integer from 1 to ${MAX_PROCESSES_LIMIT}, not ${show(max)}`);
  }
  checkTime("unblockedSyscallLatency", options.unblockedSyscallLatency);
  const time = oneOf("time", options.time, ["real", "virtual"]) ?? "real";
  const epoch = options.epoch;
  if (epoch !== undefined && !(epoch instanceof Date && epoch.getTime() >= 0)) {
    fail("epoch", `expected a valid Date from 1970 on, not ${show(epoch)}`);
  }
  const schedule = oneOf("schedule", options.schedule, SCHEDULE_MODES) ?? "native";
  if (schedule !== "native" && time !== "virtual") fail("schedule", `"${schedule}" needs time "virtual"`);
  checkType("events", options.events, "boolean");
  checkType("onSyscall", options.onSyscall, "function");
  const strace = oneOf("strace", options.strace, ["standard", "deterministic"]);
  const to = oneOf("straceTo", options.straceTo, ["files", "stderr"]) ?? "files";
  if (strace !== undefined && to === "files" && options.dataDirectory === undefined) {
    fail("strace", 'needs a dataDirectory (or straceTo: "stderr")');
  }
  const calls = options.straceCalls;
  if (calls !== undefined && !(Array.isArray(calls) && calls.every((nr) => Number.isInteger(nr) && nr >= 0))) {
    fail("straceCalls", `expected an array of syscall numbers, not ${show(calls)}`);
  }
  if (options.hosts !== undefined) {
    if (!Array.isArray(options.hosts)) fail("hosts", `expected an array of host names, not ${show(options.hosts)}`);
    options.hosts.forEach((host, i) => checkHost(`hosts[${i}]`, host));
  }
  return seedOf(options);
}

/** Checks every option of `Sandbox.spawn` (not whether the program exists: `resolveProgram` does). */
export function checkSpawnOptions(options: SpawnOptions, hasDataDirectory: boolean): CheckedSpawn {
  if (typeof options !== "object" || options === null) fail("options", `expected an object, not ${show(options)}`);
  checkString("path", options.path);
  if (typeof options.path !== "string") fail("path", `expected a string, not ${show(options.path)}`);
  if (options.args !== undefined && !Array.isArray(options.args)) {
    fail("args", `expected an array of strings, not ${show(options.args)}`);
  }
  options.args?.forEach((arg, i) => checkString(`args[${i}]`, arg));
  checkString("argv0", options.argv0);
  const env = options.env ?? Deno.env.toObject();
  if (typeof env !== "object" || env === null || Array.isArray(env)) {
    fail("env", `expected an object of strings, not ${show(env)}`);
  }
  for (const [name, value] of Object.entries(env)) {
    if (name === "" || name.includes("=") || name.includes("\0")) fail("env", `invalid variable name ${show(name)}`);
    checkString(`env.${name}`, value);
  }
  checkString("cwd", options.cwd);
  checkHost("host", options.host);
  checkTime("startTime", options.startTime);
  checkTime("shutdownTime", options.shutdownTime);
  const start = options.startTime ?? 0n;
  if (options.shutdownTime !== undefined && options.shutdownTime <= start) {
    fail("shutdownTime", `must be after startTime (${start}n), not ${show(options.shutdownTime)}`);
  }
  const signal = checkSignal("shutdownSignal", options.shutdownSignal ?? "SIGTERM");
  checkType("pauseForDebugging", options.pauseForDebugging, "boolean");
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    fail("signal", `expected an AbortSignal, not ${show(options.signal)}`);
  }
  const terminal = options.terminal;
  if (terminal !== undefined) {
    if (typeof terminal !== "object" || terminal === null || typeof terminal.path !== "string") {
      fail("terminal", `expected { path, stdio }, not ${show(terminal)}`);
    }
    checkString("terminal.path", terminal.path);
    if (!Array.isArray(terminal.stdio) || terminal.stdio.length !== 3) {
      fail("terminal.stdio", `expected three booleans, not ${show(terminal.stdio)}`);
    }
    terminal.stdio.forEach((on, i) => checkType(`terminal.stdio[${i}]`, on, "boolean"));
  }
  const stdio = streams(options, hasDataDirectory);
  if (terminal !== undefined && stdio.includes("file")) fail("terminal", 'cannot go with stdio "files"');
  return {
    env,
    host: options.host ?? "localhost",
    stdio,
    shutdown: options.shutdownTime === undefined ? null : { time: options.shutdownTime, signal },
    ignored: ignoredMask(options.ignoredSignals),
    terminal,
  };
}

/** SpawnOptions.ignoredSignals as a mask (bit N-1: signal N). */
function ignoredMask(signals: unknown): bigint {
  if (signals === undefined) return 0n;
  if (!Array.isArray(signals)) fail("ignoredSignals", `expected an array of signals, not ${show(signals)}`);
  let mask = 0n;
  signals.forEach((signal, i) => {
    const number = checkSignal(`ignoredSignals[${i}]`, signal);
    if (number === 9 || number === 19) fail(`ignoredSignals[${i}]`, `${show(signal)} cannot be ignored`);
    mask |= 1n << BigInt(number - 1);
  });
  return mask;
}

/** Each stream's mode: its own option, else what `stdio` (or the data directory) implies. */
function streams(options: SpawnOptions, hasDataDirectory: boolean): [StreamMode, StreamMode, StreamMode] {
  const stdio = oneOf("stdio", options.stdio, ["inherit", "files"]) ??
    (hasDataDirectory && options.terminal === undefined ? "files" : "inherit");
  if (stdio === "files" && !hasDataDirectory) fail("stdio", '"files" needs a sandbox made with a dataDirectory');
  const modes = ["inherit", "null", "piped"] as const;
  return [
    oneOf("stdin", options.stdin, modes) ?? (stdio === "files" ? "null" : "inherit"),
    oneOf("stdout", options.stdout, modes) ?? (stdio === "files" ? "file" : "inherit"),
    oneOf("stderr", options.stderr, modes) ?? (stdio === "files" ? "file" : "inherit"),
  ];
}
