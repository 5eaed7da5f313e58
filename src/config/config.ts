/**
 * The run configuration: a Shadow-compatible YAML file (`general`, `experimental`, `hosts` with their `processes`).
 * Every value is checked, and every problem is reported as one line naming `file:line:column` and the key path; keys
 * umbra does not read are all reported at once. Shadow's network settings are accepted and ignored, with one warning;
 * Shadow's other options that umbra does not model are errors that say so.
 * @module
 */

import { SCHEDULE_MODES, type ScheduleMode } from "../policy/scheduler.ts";
import { isHostname } from "./hostname.ts";
import { ConfigError, type ConfigProblem } from "./config_error.ts";
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, stringify } from "npm:yaml@2.9.1";
import { parseSignal, Signal, signalName } from "../abi/signals.ts";
import { DurationError, formatDuration, parseDuration } from "./duration.ts";

export { ConfigError, type ConfigProblem } from "./config_error.ts";
export { DurationError, formatDuration, parseDuration } from "./duration.ts";

/** How much umbra logs. */
export type LogLevel = "error" | "warning" | "info" | "debug" | "trace";

/** Shadow's syscall logging: `off`, `standard` (real values) or `deterministic` (values that vary between runs hidden). */
export type StraceLoggingMode = "off" | "standard" | "deterministic";

/** How a process is expected to have ended when the run stops (compared with its `ExitStatus`). */
export type ExpectedFinalState =
  | { kind: "exited"; code: number }
  | { kind: "signaled"; signal: string; number: number }
  | { kind: "running" };

/** The `general` section. */
export interface GeneralConfig {
  /** When the run ends, in nanoseconds of simulated time (`stop_time`, required). */
  stopTime: bigint;
  /** Where output goes (`data_directory`). @default "umbra.data" */
  dataDirectory: string;
  /** `log_level`. @default "info" */
  logLevel: LogLevel;
  /** `seed` for every pseudo-random choice (0 to 2^32 - 1). @default 1 */
  seed: number;
  /**
   * `model_unblocked_syscall_latency` (Shadow's key): whether syscalls that do not block cost
   * virtual time (`experimental.unblocked_syscall_latency` each), so that busy loops let time
   * move. @default true (Shadow's default is false: busy loops then hold its clock)
   */
  modelUnblockedSyscallLatency: boolean;
}

/** The `experimental` section. */
export interface ExperimentalConfig {
  /** `strace_logging_mode`. @default "off" */
  straceLoggingMode: StraceLoggingMode;
  /** `time_mode` (umbra's own key): the simulated clock, or the host's. @default "virtual" */
  timeMode: TimeMode;
  /**
   * `schedule` (umbra's own key): how threads take turns; `deterministic` and `random` need virtual
   * time. @default "deterministic" in virtual time, "native" in real time
   */
  schedule: ScheduleMode;
  /** `max_processes` (umbra's own key): live processes at most; fork beyond fails with EAGAIN. @default 4096 */
  maxProcesses: number;
  /**
   * `unblocked_syscall_latency` (Shadow's key): the virtual time one syscall that does not block
   * costs, charged by the thousand to a thread that makes that many in a row. @default 1 µs
   */
  unblockedSyscallLatency: bigint;
  /** `use_memory_manager` (Shadow's key): accepted; it changes nothing in umbra. @default false */
  useMemoryManager: boolean;
}

/** How a run's programs see time. */
export type TimeMode = "virtual" | "real";

/** One process of a host. */
export interface ProcessConfig {
  /** The program as written: a path (`~` means $HOME) or a bare name looked up in PATH at run time. */
  path: string;
  /** `path` with a leading `~` expanded; otherwise the same. */
  expandedPath: string;
  /** Arguments after argv[0] (a string in the file is split like a shell would). @default [] */
  args: string[];
  /** Variables for the program's environment. @default {} */
  environment: Record<string, string>;
  /** When the process starts, in nanoseconds. @default 0n */
  startTime: bigint;
  /** When the process is sent `shutdownSignal`, in nanoseconds; null: never. @default null */
  shutdownTime: bigint | null;
  /** The signal number sent at `shutdownTime`. @default 15 (SIGTERM) */
  shutdownSignal: number;
  /** How the process should end. @default { kind: "exited", code: 0 } */
  expectedFinalState: ExpectedFinalState;
}

/** One host: a name (a valid hostname) and its processes. */
export interface HostConfig {
  /** The host name, as a key of `hosts`. */
  name: string;
  /** Its processes, in file order. */
  processes: ProcessConfig[];
}

/** A whole configuration with every default applied. */
export interface Config {
  /** The `general` section. */
  general: GeneralConfig;
  /** The `experimental` section. */
  experimental: ExperimentalConfig;
  /** The hosts, in file order. */
  hosts: HostConfig[];
  /** One-line notes for the user (ignored settings); the parser does not print them. */
  warnings: string[];
}

/** Options for {@linkcode parseConfig}. */
export interface ParseOptions {
  /** What `~` in a process path expands to. @default $HOME */
  home?: string;
}

const LOG_LEVELS: readonly LogLevel[] = ["error", "warning", "info", "debug", "trace"];
const STRACE_MODES: readonly StraceLoggingMode[] = ["off", "standard", "deterministic"];
const TIME_MODES: readonly TimeMode[] = ["virtual", "real"];

/**
 * The keys umbra reads, as a tree: a mapping's keys (`keys`), a mapping of names (`names`, the hosts) or a list
 * (`items`); null where the value is not a mapping of keys (scalars, `environment`). The one list of umbra's keys.
 */
type Schema = { keys: Record<string, Schema | null> } | { names: Schema } | { items: Schema } | null;

const PROCESS_SCHEMA: Schema = {
  keys: {
    path: null,
    args: null,
    environment: null,
    start_time: null,
    shutdown_time: null,
    shutdown_signal: null,
    expected_final_state: { keys: { exited: null, signaled: null } },
  },
};
const SCHEMA: Schema = {
  keys: {
    general: {
      keys: {
        stop_time: null,
        data_directory: null,
        log_level: null,
        seed: null,
        model_unblocked_syscall_latency: null,
      },
    },
    experimental: {
      keys: {
        strace_logging_mode: null,
        time_mode: null,
        schedule: null,
        max_processes: null,
        unblocked_syscall_latency: null,
        use_memory_manager: null,
      },
    },
    hosts: { names: { keys: { processes: { items: PROCESS_SCHEMA } } } },
  },
};

/**
 * Shadow's options about its network (by key path; `*` is any host): accepted, ignored, reported in one warning,
 * since every Shadow configuration has them (from Shadow's configuration.rs).
 */
const SHADOW_NETWORK_KEYS = [
  "network",
  "general.bootstrap_end_time",
  "experimental.runahead",
  "experimental.use_dynamic_runahead",
  "experimental.socket_send_buffer",
  "experimental.socket_send_autotune",
  "experimental.socket_recv_buffer",
  "experimental.socket_recv_autotune",
  "experimental.interface_qdisc",
  "experimental.use_new_tcp",
  "experimental.edge_bandwidth_limiting_enabled",
  "experimental.edge_bandwidth_algorithm",
  "experimental.edge_bandwidth_burst_ratio",
  "hosts.*.network_node_id",
  "hosts.*.ip_addr",
  "hosts.*.bandwidth_down",
  "hosts.*.bandwidth_up",
];
/**
 * Shadow's other options that umbra does not model, with what they are: errors that name them as Shadow's, so
 * that a Shadow configuration's every one is listed at once.
 */
const SHADOW_OTHER_KEYS: Record<string, string> = {
  "general.parallelism": "option",
  "general.heartbeat_interval": "option",
  "general.progress": "option",
  "general.template_directory": "option",
  "experimental.use_sched_fifo": "option",
  "experimental.use_syscall_counters": "option",
  "experimental.use_object_counters": "option",
  "experimental.use_preload_libc": "option",
  "experimental.use_preload_openssl_rng": "option",
  "experimental.use_preload_openssl_crypto": "option",
  "experimental.use_cpu_pinning": "option",
  "experimental.use_worker_spinning": "option",
  "experimental.max_unapplied_cpu_latency": "option",
  "experimental.unblocked_vdso_latency": "option",
  "experimental.scheduler": "option",
  "experimental.report_errors_to_stderr": "option",
  "experimental.native_preemption_enabled": "option",
  "experimental.native_preemption_native_interval": "option",
  "experimental.native_preemption_sim_interval": "option",
  "host_option_defaults": "host option",
  "hosts.*.host_options": "host option",
};
const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/** A node of the document with the key path that leads to it. */
interface At {
  node: Node | null;
  path: string;
  /** Where to point when the node is missing or null: its key, or the enclosing mapping. */
  offset: number;
}

/** One parse: the document and what it needs to report problems. */
class Reader {
  /** Shadow network settings found, for the one warning about them. */
  readonly ignored: { path: string; offset: number }[] = [];
  /** Keys umbra does not read, by offset (an alias reaches one node by several paths: reported once). */
  readonly unknown = new Map<number, ConfigProblem>();
  /** Warnings about settings that are read but change nothing, located (`file:line:col: ...`). */
  readonly warnings: string[] = [];

  constructor(
    readonly file: string,
    readonly lines: LineCounter,
    readonly resolveAlias: (node: Node) => Node | null,
    readonly home: string | undefined,
  ) {}

  /** Notes a setting at `at` that changes nothing. */
  warn(at: At, problem: string): void {
    const { line, col } = this.lines.linePos(at.offset);
    this.warnings.push(`${this.file}:${line}:${col}: ${at.path}: ${problem}`);
  }

  /** Notes a key umbra does not read, at `offset`; they are thrown together, see {@linkcode checkKeys}. */
  unknownKey(offset: number, path: string, problem: string): void {
    const { line, col } = this.lines.linePos(offset);
    if (!this.unknown.has(offset)) this.unknown.set(offset, { file: this.file, line, column: col, path, problem });
  }

  /** Throws a {@linkcode ConfigError} located at `offset`. */
  fail(offset: number, path: string, problem: string): never {
    const { line, col } = this.lines.linePos(offset);
    throw new ConfigError(this.file, line, col, path, problem);
  }

  /** Throws a {@linkcode ConfigError} located at `at`'s node (or its key when the value is empty). */
  failAt(at: At, problem: string): never {
    const empty = at.node === null || (isScalar(at.node) && at.node.value === null);
    this.fail(empty ? at.offset : at.node?.range?.[0] ?? at.offset, at.path, problem);
  }

  /** The node itself, through aliases; null for an absent or null value. */
  value(at: At): Node | null {
    const node = at.node && isAlias(at.node) ? this.resolveAlias(at.node) : at.node;
    return node === null || (isScalar(node) && node.value === null) ? null : node;
  }
}

/** `parent.key`, or `parent["key"]` for keys that would make the path ambiguous. */
function childPath(parent: string, key: string): string {
  if (!PLAIN_KEY.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent ? `${parent}.${key}` : key;
}

/** What a node is, for "expected X, found Y" messages. */
function describe(node: Node | null): string {
  if (node === null) return "nothing";
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) return typeof node.value === "string" ? JSON.stringify(node.value) : String(node.value);
  return "an alias";
}

/** The entries of a mapping, keyed by name (which keys belong there, {@linkcode checkKeys} has checked). */
function entries(reader: Reader, at: At): Map<string, At> {
  const node = reader.value(at);
  if (node === null) return new Map();
  if (!isMap(node)) reader.failAt(at, `expected a mapping, found ${describe(node)}`);
  const result = new Map<string, At>();
  for (const pair of node.items) {
    const keyNode = pair.key as Node | null;
    const offset = keyNode?.range?.[0] ?? node.range?.[0] ?? 0;
    if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === "object") {
      reader.fail(offset, at.path, "keys must be plain names");
    }
    const key = String(keyNode.value);
    const path = childPath(at.path, key);
    result.set(key, { node: pair.value as Node | null, path, offset });
  }
  return result;
}

/**
 * Walks the document along `schema`, noting every key umbra does not read (Shadow's network settings go to the
 * warning); `pattern` is the key path with `*` for host names. Wrong kinds of values are left to the parse.
 */
function checkKeys(reader: Reader, at: At, schema: Schema, pattern: string): void {
  const node = reader.value(at);
  if (schema === null) return;
  if ("items" in schema) {
    if (!isSeq(node)) return;
    node.items.forEach((item, i) => {
      const child = item as Node | null;
      const offset = child?.range?.[0] ?? at.offset;
      checkKeys(reader, { node: child, path: `${at.path}[${i}]`, offset }, schema.items, `${pattern}[]`);
    });
    return;
  }
  if (!isMap(node)) return;
  for (const pair of node.items) {
    const keyNode = pair.key as Node | null;
    if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === "object") continue;
    const key = String(keyNode.value);
    const child: At = {
      node: pair.value as Node | null,
      path: childPath(at.path, key),
      offset: keyNode.range?.[0] ?? 0,
    };
    if ("names" in schema) {
      checkKeys(reader, child, schema.names, `${pattern}.*`);
    } else if (key in schema.keys) {
      checkKeys(reader, child, schema.keys[key], pattern ? `${pattern}.${key}` : key);
    } else {
      unknownKey(reader, child, pattern ? `${pattern}.${key}` : key, Object.keys(schema.keys));
    }
  }
}

/** Notes key `at` (generic path `pattern`), which umbra does not read: Shadow's, or unknown. */
function unknownKey(reader: Reader, at: At, pattern: string, expected: string[]): void {
  if (SHADOW_NETWORK_KEYS.includes(pattern)) {
    reader.ignored.push({ path: at.path, offset: at.offset });
  } else if (pattern in SHADOW_OTHER_KEYS) {
    reader.unknownKey(at.offset, at.path, `a Shadow ${SHADOW_OTHER_KEYS[pattern]} umbra does not model; remove it`);
  } else {
    reader.unknownKey(at.offset, at.path, `unknown key (expected one of: ${expected.join(", ")})`);
  }
}

/** The entry `key` of `map`, or an empty placeholder pointing at the mapping. */
function entry(map: Map<string, At>, parent: At, key: string): At {
  return map.get(key) ?? { node: null, path: childPath(parent.path, key), offset: parentOffset(parent) };
}

function parentOffset(at: At): number {
  return at.node?.range?.[0] ?? at.offset;
}

/** The text of a scalar; numbers and booleans count as their source text, as in Shadow. */
function text(reader: Reader, at: At, what = "a string"): string {
  const node = reader.value(at);
  if (!isScalar(node)) return reader.failAt(at, `expected ${what}, found ${describe(node)}`);
  if (typeof node.value === "string") return node.value;
  if (typeof node.value === "number" || typeof node.value === "boolean") return node.source ?? String(node.value);
  return reader.failAt(at, `expected ${what}, found ${describe(node)}`);
}

function optionalText(reader: Reader, at: At, fallback: string): string {
  return reader.value(at) === null ? fallback : text(reader, at);
}

function required(reader: Reader, at: At): void {
  if (reader.value(at) === null) reader.failAt(at, "required key is missing");
}

function duration(reader: Reader, at: At, fallback: bigint): bigint {
  if (reader.value(at) === null) return fallback;
  try {
    return parseDuration(text(reader, at, "a duration"));
  } catch (error) {
    if (error instanceof DurationError) reader.failAt(at, error.message);
    throw error;
  }
}

function integer(reader: Reader, at: At, min: number, max: number, fallback: number): number {
  const node = reader.value(at);
  if (node === null) return fallback;
  const value = isScalar(node) ? node.value : undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    reader.failAt(at, `expected an integer from ${min} to ${max}, found ${describe(node)}`);
  }
  return value;
}

function boolean(reader: Reader, at: At, fallback: boolean): boolean {
  const node = reader.value(at);
  if (node === null) return fallback;
  if (!isScalar(node) || typeof node.value !== "boolean") {
    return reader.failAt(at, `expected true or false, found ${describe(node)}`);
  }
  return node.value;
}

function oneOf<T extends string>(reader: Reader, at: At, choices: readonly T[], fallback: T): T {
  const node = reader.value(at);
  if (node === null) return fallback;
  const value = isScalar(node) && node.value === false ? "off" : text(reader, at);
  if (!(choices as readonly string[]).includes(value)) {
    reader.failAt(at, `expected one of ${choices.join(", ")}, found ${describe(node)}`);
  }
  return value as T;
}

function signal(reader: Reader, at: At): number {
  const number = parseSignal(text(reader, at, "a signal"));
  if (number === undefined) {
    reader.failAt(at, `unknown signal ${describe(reader.value(at))} (examples: SIGTERM, TERM, 15, SIGRTMIN+1)`);
  }
  return number;
}

/** Splits `line` into words like a POSIX shell would (quotes and backslashes; no expansions). */
export function splitArgs(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "'" || c === '"') {
      const end = c === "'" ? line.indexOf("'", i + 1) : closingDoubleQuote(line, i + 1);
      if (end < 0) throw new SyntaxError(`unterminated ${c === "'" ? "single" : "double"} quote`);
      const inner = line.slice(i + 1, end);
      word = (word ?? "") + (c === "'" ? inner : inner.replace(/\\([$`"\\\n])/g, "$1"));
      i = end;
    } else if (c === "\\") {
      if (i + 1 >= line.length) throw new SyntaxError("backslash at the end");
      word = line[i + 1] === "\n" ? word : (word ?? "") + line[i + 1];
      i++;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/** The index of the `"` closing a double-quoted string whose text starts at `from`; -1 if none. */
function closingDoubleQuote(line: string, from: number): number {
  for (let i = from; i < line.length; i++) {
    if (line[i] === "\\") i++;
    else if (line[i] === '"') return i;
  }
  return -1;
}

function args(reader: Reader, at: At): string[] {
  const node = reader.value(at);
  if (node === null) return [];
  if (isSeq(node)) {
    return node.items.map((item, i) => {
      const offset = (item as Node | null)?.range?.[0] ?? node.range?.[0] ?? at.offset;
      return text(reader, { node: item as Node | null, path: `${at.path}[${i}]`, offset });
    });
  }
  try {
    return splitArgs(text(reader, at, "a string or a list of strings"));
  } catch (error) {
    if (error instanceof SyntaxError) reader.failAt(at, `cannot split arguments: ${error.message}`);
    throw error;
  }
}

function environment(reader: Reader, at: At): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of entries(reader, at)) {
    if (name === "" || name.includes("=")) reader.fail(value.offset, value.path, "invalid variable name");
    result[name] = reader.value(value) === null ? "" : text(reader, value);
  }
  return result;
}

function expandHome(reader: Reader, at: At, path: string): string {
  if (path !== "~" && !path.startsWith("~/")) return path;
  if (reader.home === undefined) reader.failAt(at, "cannot expand ~: HOME is not set");
  return reader.home + path.slice(1);
}

function finalState(reader: Reader, at: At): ExpectedFinalState {
  const node = reader.value(at);
  if (node === null) return { kind: "exited", code: 0 };
  if (isScalar(node) && node.value === "running") return { kind: "running" };
  const map = isMap(node) ? entries(reader, at) : new Map<string, At>();
  if (map.size !== 1) {
    reader.failAt(at, `expected {exited: CODE}, {signaled: SIGNAL} or running, found ${describe(node)}`);
  }
  const exited = map.get("exited");
  if (exited) return { kind: "exited", code: integer(reader, exited, 0, 255, 0) };
  const signaled = map.get("signaled") as At;
  required(reader, signaled);
  const number = signal(reader, signaled);
  return { kind: "signaled", signal: signalName(number) as string, number };
}

function processConfig(reader: Reader, at: At): ProcessConfig {
  const map = entries(reader, at);
  const get = (key: string) => entry(map, at, key);
  required(reader, get("path"));
  const path = text(reader, get("path"));
  if (path === "") reader.failAt(get("path"), "must not be empty");
  const startTime = duration(reader, get("start_time"), 0n);
  const shutdownTime = reader.value(get("shutdown_time")) === null ? null : duration(reader, get("shutdown_time"), 0n);
  if (shutdownTime !== null && shutdownTime <= startTime) {
    reader.failAt(get("shutdown_time"), `must be after start_time (${formatDuration(startTime)})`);
  }
  return {
    path,
    expandedPath: expandHome(reader, get("path"), path),
    args: args(reader, get("args")),
    environment: environment(reader, get("environment")),
    startTime,
    shutdownTime,
    shutdownSignal: reader.value(get("shutdown_signal")) === null
      ? Signal.SIGTERM
      : signal(reader, get("shutdown_signal")),
    expectedFinalState: finalState(reader, get("expected_final_state")),
  };
}

function hostConfig(reader: Reader, name: string, at: At): HostConfig {
  const map = entries(reader, at);
  const processes = entry(map, at, "processes");
  required(reader, processes);
  const list = reader.value(processes);
  if (!isSeq(list)) return reader.failAt(processes, `expected a list, found ${describe(list)}`);
  return {
    name,
    processes: list.items.map((item, i) => {
      const node = item as Node | null;
      return processConfig(reader, { node, path: `${processes.path}[${i}]`, offset: node?.range?.[0] ?? 0 });
    }),
  };
}

function hosts(reader: Reader, at: At): HostConfig[] {
  required(reader, at);
  const seen = new Set<string>();
  const result: HostConfig[] = [];
  for (const [name, host] of entries(reader, at)) {
    if (!isHostname(name)) {
      reader.fail(
        host.offset,
        host.path,
        `invalid host name ${
          JSON.stringify(name)
        } (letters, digits and inner hyphens, dot-separated labels of 1 to 63)`,
      );
    }
    if (seen.has(name.toLowerCase())) reader.fail(host.offset, host.path, "host names differ only in case");
    seen.add(name.toLowerCase());
    result.push(hostConfig(reader, name, host));
  }
  if (result.length === 0) reader.failAt(at, "expected at least one host");
  return result;
}

function general(reader: Reader, at: At): GeneralConfig {
  required(reader, at);
  const map = entries(reader, at);
  const get = (key: string) => entry(map, at, key);
  required(reader, get("stop_time"));
  const stopTime = duration(reader, get("stop_time"), 0n);
  if (stopTime === 0n) reader.failAt(get("stop_time"), "must be greater than 0");
  const dataDirectory = optionalText(reader, get("data_directory"), "umbra.data");
  if (dataDirectory === "") reader.failAt(get("data_directory"), "must not be empty");
  return {
    stopTime,
    dataDirectory,
    logLevel: oneOf(reader, get("log_level"), LOG_LEVELS, "info"),
    seed: integer(reader, get("seed"), 0, 2 ** 32 - 1, 1),
    modelUnblockedSyscallLatency: boolean(reader, get("model_unblocked_syscall_latency"), true),
  };
}

function experimental(reader: Reader, at: At): ExperimentalConfig {
  const map = entries(reader, at);
  const timeMode = oneOf(reader, entry(map, at, "time_mode"), TIME_MODES, "virtual");
  const scheduleAt = entry(map, at, "schedule");
  const schedule = oneOf(reader, scheduleAt, SCHEDULE_MODES, timeMode === "virtual" ? "deterministic" : "native");
  if (schedule !== "native" && timeMode === "real") {
    reader.failAt(scheduleAt, `schedule ${schedule} needs time_mode virtual`);
  }
  return {
    straceLoggingMode: oneOf(reader, entry(map, at, "strace_logging_mode"), STRACE_MODES, "off"),
    timeMode,
    schedule,
    maxProcesses: integer(reader, entry(map, at, "max_processes"), 1, 16384, 4096),
    unblockedSyscallLatency: duration(reader, entry(map, at, "unblocked_syscall_latency"), 1_000n),
    useMemoryManager: memoryManager(reader, entry(map, at, "use_memory_manager")),
  };
}

/** Shadow's `use_memory_manager`: read, and when on, said to change nothing. */
function memoryManager(reader: Reader, at: At): boolean {
  const value = boolean(reader, at, false);
  if (value) {
    reader.warn(at, "has no effect in umbra (it reads and writes programs' memory with process_vm_readv/writev)");
  }
  return value;
}

/** The single warning about ignored network settings, or none. */
function networkWarning(reader: Reader): string[] {
  if (reader.ignored.length === 0) return [];
  const { line, col } = reader.lines.linePos(reader.ignored[0].offset);
  const keys = reader.ignored.map((ignored) => ignored.path).join(", ");
  return [
    `${reader.file}:${line}:${col}: ignoring Shadow network options umbra does not model (it has no network): ${keys}`,
  ];
}

/** The first YAML syntax problem as a {@linkcode ConfigError}, if there is one. */
function syntaxError(file: string, lines: LineCounter, errors: { message: string; pos: [number, number] }[]) {
  if (errors.length === 0) return undefined;
  const { line, col } = lines.linePos(errors[0].pos[0]);
  return new ConfigError(file, line, col, "", `invalid YAML: ${errors[0].message}`);
}

/**
 * Parses and checks a configuration, applying every default. `file` names the source in messages. Throws a
 * {@linkcode ConfigError} (`file:line:column: key.path: problem`) listing every key umbra does not read, else at the
 * first problem.
 */
export function parseConfig(text: string, file: string, options: ParseOptions = {}): Config {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, keepSourceTokens: true, prettyErrors: false });
  const error = syntaxError(file, lines, doc.errors);
  if (error) throw error;
  const home = "home" in options ? options.home : Deno.env.get("HOME");
  const reader = new Reader(file, lines, (node) => isAlias(node) ? (node.resolve(doc) ?? null) : node, home);
  const root: At = { node: doc.contents, path: "", offset: 0 };
  if (reader.value(root) === null) throw new ConfigError(file, 0, 0, "", "the configuration is empty");
  checkKeys(reader, root, SCHEMA, "");
  const [first, ...more] = [...reader.unknown.values()].sort((a, b) => a.line - b.line || a.column - b.column);
  if (first) throw new ConfigError(first.file, first.line, first.column, first.path, first.problem, more);
  const map = entries(reader, root);
  const config: Config = {
    general: general(reader, entry(map, root, "general")),
    experimental: experimental(reader, entry(map, root, "experimental")),
    hosts: hosts(reader, entry(map, root, "hosts")),
    warnings: [],
  };
  config.warnings = [...networkWarning(reader), ...reader.warnings];
  return config;
}

/** Reads and parses the configuration at `path` (see {@linkcode parseConfig}); unreadable files are ConfigErrors. */
export async function loadConfig(path: string, options: ParseOptions = {}): Promise<Config> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new ConfigError(path, 0, 0, "", `cannot read the configuration: ${(error as Error).message}`);
  }
  return parseConfig(text, path, options);
}

function processedFinalState(state: ExpectedFinalState): unknown {
  if (state.kind === "running") return "running";
  return state.kind === "exited" ? { exited: state.code } : { signaled: state.signal };
}

function processedProcess(process: ProcessConfig): Record<string, unknown> {
  return {
    path: process.path,
    args: process.args,
    environment: process.environment,
    start_time: formatDuration(process.startTime),
    shutdown_time: process.shutdownTime === null ? null : formatDuration(process.shutdownTime),
    shutdown_signal: signalName(process.shutdownSignal) ?? process.shutdownSignal,
    expected_final_state: processedFinalState(process.expectedFinalState),
  };
}

/**
 * The configuration with every default filled in, as YAML (umbra writes it to `processed-config.yaml`). Parsing it
 * again gives the same configuration, without the ignored network settings.
 */
export function processedConfigYaml(config: Config): string {
  const document = {
    general: {
      stop_time: formatDuration(config.general.stopTime),
      data_directory: config.general.dataDirectory,
      log_level: config.general.logLevel,
      seed: config.general.seed,
      model_unblocked_syscall_latency: config.general.modelUnblockedSyscallLatency,
    },
    experimental: {
      strace_logging_mode: config.experimental.straceLoggingMode,
      time_mode: config.experimental.timeMode,
      schedule: config.experimental.schedule,
      max_processes: config.experimental.maxProcesses,
      unblocked_syscall_latency: formatDuration(config.experimental.unblockedSyscallLatency),
      use_memory_manager: config.experimental.useMemoryManager,
    },
    hosts: new Map(config.hosts.map((host) => [host.name, { processes: host.processes.map(processedProcess) }])),
  };
  return stringify(document, { lineWidth: 0 });
}
