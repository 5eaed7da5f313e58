// The run configuration (src/config/): Shadow-compatible YAML with defaults, durations, argument splitting, home
// expansion, expected final states, ignored network settings, one-line errors with file:line:column and key path, and
// the processed configuration that reads back as the same configuration.
import { deepEqual, equal, throws } from "node:assert/strict";
import {
  type Config,
  ConfigError,
  loadConfig,
  parseConfig,
  type ProcessConfig,
  processedConfigYaml,
  splitArgs,
} from "../src/config/config.ts";
import { formatDuration, parseDuration } from "../src/config/duration.ts";
import { ROOT } from "./_util.ts";

const HOME = "/home/tester";

/** Parses `lines` as `test.yaml` with $HOME at {@linkcode HOME}. */
function parse(...lines: string[]): Config {
  return parseConfig(lines.join("\n") + "\n", "test.yaml", { home: HOME });
}

/** The first process of a one-host configuration whose process has the given extra lines. */
function process(...lines: string[]): ProcessConfig {
  return parse(
    "general: {stop_time: 10s}",
    "hosts:",
    "  server:",
    "    processes:",
    "      - path: /bin/true",
    ...lines.map((line) => `        ${line}`),
  ).hosts[0].processes[0];
}

/** Asserts that parsing `lines` fails with exactly `message`. */
function fails(message: string, ...lines: string[]): void {
  throws(() => parse(...lines), (error: unknown) => {
    equal(error instanceof ConfigError, true, `not a ConfigError: ${error}`);
    equal((error as ConfigError).message, message);
    return true;
  });
}

const DEFAULT_PROCESS: ProcessConfig = {
  path: "/bin/true",
  expandedPath: "/bin/true",
  args: [],
  environment: {},
  startTime: 0n,
  shutdownTime: null,
  shutdownSignal: 15,
  expectedFinalState: { kind: "exited", code: 0 },
};

Deno.test("a minimal configuration gets every default", () => {
  deepEqual(parse("general:", "  stop_time: 10", "hosts:", "  server:", "    processes:", "      - path: /bin/true"), {
    general: {
      stopTime: 10_000_000_000n,
      dataDirectory: "umbra.data",
      logLevel: "info",
      seed: 1,
      modelUnblockedSyscallLatency: true,
    },
    experimental: {
      straceLoggingMode: "off",
      timeMode: "virtual",
      schedule: "deterministic",
      maxProcesses: 4096,
      unblockedSyscallLatency: 1_000n,
      useMemoryManager: false,
    },
    hosts: [{ name: "server", processes: [DEFAULT_PROCESS] }],
    warnings: [],
  });
});

Deno.test("every general and experimental setting is read", () => {
  const config = parse(
    "general:",
    "  stop_time: 1 h",
    "  data_directory: out/run1",
    "  log_level: trace",
    "  seed: 4294967295",
    "  model_unblocked_syscall_latency: false",
    "experimental:",
    "  strace_logging_mode: deterministic",
    "  time_mode: real",
    "  max_processes: 64",
    "  unblocked_syscall_latency: 2 us",
    "  use_memory_manager: true",
    "hosts: {a: {processes: []}}",
  );
  deepEqual(config.general, {
    stopTime: 3_600_000_000_000n,
    dataDirectory: "out/run1",
    logLevel: "trace",
    seed: 2 ** 32 - 1,
    modelUnblockedSyscallLatency: false,
  });
  deepEqual(config.experimental, {
    straceLoggingMode: "deterministic",
    timeMode: "real",
    schedule: "native",
    maxProcesses: 64,
    unblockedSyscallLatency: 2_000n,
    useMemoryManager: true,
  });
  // Shadow's memory manager is read, and said to change nothing here.
  deepEqual(config.warnings, [
    "test.yaml:12:3: experimental.use_memory_manager: has no effect in umbra (it reads and writes programs' memory " +
    "with process_vm_readv/writev)",
  ]);
});

Deno.test("every process setting is read", () => {
  deepEqual(
    process(
      "args: [-c, 'echo hi']",
      "environment: {GREETING: hello, PORT: 8080, EMPTY: ''}",
      "start_time: 1.5s",
      "shutdown_time: 2 min",
      "shutdown_signal: INT",
      "expected_final_state: {signaled: 2}",
    ),
    {
      ...DEFAULT_PROCESS,
      args: ["-c", "echo hi"],
      environment: { GREETING: "hello", PORT: "8080", EMPTY: "" },
      startTime: 1_500_000_000n,
      shutdownTime: 120_000_000_000n,
      shutdownSignal: 2,
      expectedFinalState: { kind: "signaled", signal: "SIGINT", number: 2 },
    },
  );
});

Deno.test("hosts and their processes keep the file's order", () => {
  const config = parse(
    "general: {stop_time: 1s}",
    "hosts:",
    "  zeta: {processes: [{path: a}, {path: b}]}",
    "  alpha.example.com: {processes: [{path: c}]}",
    "  '42': {processes: []}",
  );
  deepEqual(config.hosts.map((host) => [host.name, host.processes.map((p) => p.path)]), [
    ["zeta", ["a", "b"]],
    ["alpha.example.com", ["c"]],
    ["42", []],
  ]);
});

Deno.test("args given as a string are split like a shell splits them", () => {
  deepEqual(process(`args: -c 'echo "a  b"; exit 3' two\\ words "x\\"y" ''`).args, [
    "-c",
    'echo "a  b"; exit 3',
    "two words",
    'x"y',
    "",
  ]);
  deepEqual(splitArgs('  --name="peer one"   -v\t\'$HOME\' "$HOME\\\\" \\$x  '), [
    "--name=peer one",
    "-v",
    "$HOME",
    "$HOME\\",
    "$x",
  ]);
  deepEqual(splitArgs(""), []);
});

Deno.test("args given as a list are taken as they are, numbers as written", () => {
  deepEqual(process("args: [-c, 'echo  $$', 2, 1.50, true, '']").args, ["-c", "echo  $$", "2", "1.50", "true", ""]);
  deepEqual(process("args:", "  - one two", '  - "three"').args, ["one two", "three"]);
});

Deno.test("durations are read in every unit, with or without a space, integer or decimal", () => {
  const cases: [string | number, bigint][] = [
    [10, 10_000_000_000n],
    [1.5, 1_500_000_000n],
    ["0", 0n],
    ["7", 7_000_000_000n],
    ["2.25", 2_250_000_000n],
    ["10ns", 10n],
    ["10 nanoseconds", 10n],
    ["3us", 3_000n],
    ["3 μs", 3_000n],
    ["3µs", 3_000n],
    ["500 ms", 500_000_000n],
    ["0.5ms", 500_000n],
    ["10s", 10_000_000_000n],
    ["10 sec", 10_000_000_000n],
    ["10 secs", 10_000_000_000n],
    ["1 second", 1_000_000_000n],
    ["10 seconds", 10_000_000_000n],
    [".5s", 500_000_000n],
    ["2m", 120_000_000_000n],
    ["2 min", 120_000_000_000n],
    ["2 mins", 120_000_000_000n],
    ["1 minute", 60_000_000_000n],
    ["1.5 minutes", 90_000_000_000n],
    ["1h", 3_600_000_000_000n],
    ["1 hour", 3_600_000_000_000n],
    ["2 hours", 7_200_000_000_000n],
    ["  4s  ", 4_000_000_000n],
  ];
  for (const [text, ns] of cases) equal(parseDuration(text), ns, `${text}`);
});

Deno.test("durations in the file may be YAML numbers or strings", () => {
  const p = process("start_time: 2.50", "shutdown_time: '3'");
  deepEqual([p.startTime, p.shutdownTime], [2_500_000_000n, 3_000_000_000n]);
  equal(process("start_time: 1.5 h").startTime, 5_400_000_000_000n);
});

Deno.test("durations are written in the largest exact unit", () => {
  deepEqual(
    [0n, 1n, 1_500n, 500_000_000n, 10_000_000_000n, 90_000_000_000n, 120_000_000_000n, 7_200_000_000_000n].map(
      formatDuration,
    ),
    ["0 s", "1 ns", "1500 ns", "500 ms", "10 s", "90 s", "2 min", "2 h"],
  );
  for (const ns of [0n, 1n, 1_500n, 123_456_789_000n]) equal(parseDuration(formatDuration(ns)), ns);
});

Deno.test("a leading ~ in a path expands to $HOME and the written path is kept", () => {
  deepEqual([process().path, process().expandedPath], ["/bin/true", "/bin/true"]);
  const tilde =
    parse("general: {stop_time: 1}", "hosts: {h: {processes: [{path: ~/bin/peer}, {path: '~'}, {path: a~/b}]}}")
      .hosts[0].processes;
  deepEqual(tilde.map((p) => [p.path, p.expandedPath]), [
    ["~/bin/peer", `${HOME}/bin/peer`],
    ["~", HOME],
    ["a~/b", "a~/b"],
  ]);
});

Deno.test("a bare program name is kept for a PATH lookup at run time", () => {
  const p = parse("general: {stop_time: 1}", "hosts: {h: {processes: [{path: sleep, args: 1}]}}").hosts[0].processes[0];
  deepEqual([p.path, p.expandedPath, p.args], ["sleep", "sleep", ["1"]]);
});

Deno.test("expected final states may be an exit code, a signal name or number, or running", () => {
  deepEqual(process("expected_final_state: {exited: 3}").expectedFinalState, { kind: "exited", code: 3 });
  deepEqual(process("expected_final_state:", "  exited: 255").expectedFinalState, { kind: "exited", code: 255 });
  deepEqual(process("expected_final_state: {signaled: SIGKILL}").expectedFinalState, {
    kind: "signaled",
    signal: "SIGKILL",
    number: 9,
  });
  deepEqual(process("expected_final_state: {signaled: term}").expectedFinalState, {
    kind: "signaled",
    signal: "SIGTERM",
    number: 15,
  });
  deepEqual(process("expected_final_state: {signaled: 34}").expectedFinalState, {
    kind: "signaled",
    signal: "SIGRTMIN+2",
    number: 34,
  });
  deepEqual(process("expected_final_state: running").expectedFinalState, { kind: "running" });
});

Deno.test("shutdown signals may be names with or without SIG, or numbers", () => {
  deepEqual(
    ["SIGKILL", "usr1", "9", "SIGRTMIN+1", "SIGRTMAX"].map((s) => process(`shutdown_signal: ${s}`).shutdownSignal),
    [9, 10, 9, 33, 64],
  );
});

Deno.test("null values mean the default, as in Shadow", () => {
  deepEqual(
    process("args:", "environment: ~", "start_time: null", "shutdown_time:", "expected_final_state:"),
    DEFAULT_PROCESS,
  );
});

Deno.test("aliases reuse a process list", () => {
  const config = parse(
    "general: {stop_time: 1}",
    "hosts:",
    "  a: {processes: &procs [{path: /bin/sh, args: -c true}]}",
    "  b: {processes: *procs}",
  );
  deepEqual(config.hosts[1].processes, config.hosts[0].processes);
});

Deno.test("network settings are accepted and ignored with one warning", () => {
  const config = parse(
    "general: {stop_time: 1}",
    "network:",
    "  graph: {type: 1_gbit_switch}",
    "hosts:",
    "  server:",
    "    network_node_id: 0",
    "    ip_addr: 11.0.0.1",
    "    bandwidth_down: 1 Gbit",
    "    bandwidth_up: 1 Gbit",
    "    processes: [{path: /bin/true}]",
    "  client: {network_node_id: 0, processes: []}",
  );
  deepEqual(config.warnings, [
    "test.yaml:2:1: ignoring Shadow network options umbra does not model (it has no network): network, " +
    "hosts.server.network_node_id, hosts.server.ip_addr, hosts.server.bandwidth_down, hosts.server.bandwidth_up, " +
    "hosts.client.network_node_id",
  ]);
  deepEqual(config.hosts.map((host) => host.name), ["server", "client"]);
});

Deno.test("an invalid duration names the file, line, column and key", () => {
  fails(
    'test.yaml:7:21: hosts.server.processes[0].start_time: invalid duration "ten seconds" (examples: 10s, 500 ms, 2 min)',
    "general:",
    "  stop_time: 10s",
    "hosts:",
    "  server:",
    "    processes:",
    "      - path: /bin/sh",
    "        start_time: ten seconds",
  );
  fails(
    'test.yaml:1:22: general.stop_time: invalid duration "-1s" (examples: 10s, 500 ms, 2 min)',
    "general: {stop_time: -1s}",
  );
  fails(
    'test.yaml:1:22: general.stop_time: invalid duration "1.5ns": not a whole number of nanoseconds',
    "general: {stop_time: 1.5ns}",
  );
  fails(
    'test.yaml:1:22: general.stop_time: invalid duration "10 fortnights" (examples: 10s, 500 ms, 2 min)',
    "general: {stop_time: 10 fortnights}",
  );
  fails("test.yaml:1:22: general.stop_time: expected a duration, found a list", "general: {stop_time: [1]}");
  fails("test.yaml:1:22: general.stop_time: must be greater than 0", "general: {stop_time: 0 s}");
});

Deno.test("a schedule is one of three, and one at a time needs virtual time", () => {
  fails(
    'test.yaml:1:26: experimental.schedule: expected one of native, deterministic, random, found "fair"',
    "experimental: {schedule: fair}",
    "general: {stop_time: 1}",
  );
  fails(
    "test.yaml:1:43: experimental.schedule: schedule random needs time_mode virtual",
    "experimental: {time_mode: real, schedule: random}",
    "general: {stop_time: 1}",
  );
  const config = parse("experimental: {schedule: random}", "general: {stop_time: 1}", "hosts: {h: {processes: []}}");
  equal(config.experimental.schedule, "random");
});

Deno.test("an unknown key is an error at the key", () => {
  fails(
    "test.yaml:3:3: general.stoptime: unknown key (expected one of: stop_time, data_directory, log_level, seed, " +
      "model_unblocked_syscall_latency)",
    "general:",
    "  stop_time: 1",
    "  stoptime: 2",
  );
  fails(
    "test.yaml:1:1: host_options: unknown key (expected one of: general, experimental, hosts)",
    "host_options: {}",
  );
  fails(
    "test.yaml:6:9: hosts.server.processes[0].argz: unknown key (expected one of: path, args, environment, " +
      "start_time, shutdown_time, shutdown_signal, expected_final_state)",
    "general: {stop_time: 1}",
    "hosts:",
    "  server:",
    "    processes:",
    "      - path: /bin/true",
    "        argz: [1]",
  );
  fails(
    "test.yaml:2:18: hosts.server.quantity: unknown key (expected one of: processes)",
    "general: {stop_time: 1}",
    "hosts: {server: {quantity: 2, processes: []}}",
  );
  fails(
    "test.yaml:2:66: hosts.a.processes[0].expected_final_state.stopped: unknown key (expected one of: exited, signaled)",
    "general: {stop_time: 1}",
    "hosts: {a: {processes: [{path: /bin/true, expected_final_state: {stopped: 1}}]}}",
  );
});

Deno.test("every unknown key is reported at once, each at its place, before any other problem", () => {
  fails(
    [
      "test.yaml:2:3: general.stoptime: unknown key (expected one of: stop_time, data_directory, log_level, seed, " +
      "model_unblocked_syscall_latency)",
      "test.yaml:4:3: experimental.fast: unknown key (expected one of: strace_logging_mode, time_mode, schedule, " +
      "max_processes, unblocked_syscall_latency, use_memory_manager)",
      "test.yaml:9:9: hosts.a.processes[0].argz: unknown key (expected one of: path, args, environment, start_time, " +
      "shutdown_time, shutdown_signal, expected_final_state)",
      "test.yaml:12:18: hosts.b.processes[0].cwd: unknown key (expected one of: path, args, environment, start_time, " +
      "shutdown_time, shutdown_signal, expected_final_state)",
    ].join("\n"),
    "general:",
    "  stoptime: 1",
    "experimental:",
    "  fast: true",
    "hosts:",
    "  a:",
    "    processes:",
    "      - path: /bin/true",
    "        argz: [1]",
    "        start_time: ten seconds", // a bad value too: the unknown keys come first
    "  b:",
    "    processes: [{cwd: /, path: /bin/true}]",
  );
});

Deno.test("an unknown key reached through several aliases is reported once", () => {
  fails(
    "test.yaml:3:36: hosts.a.processes[0].argz: unknown key (expected one of: path, args, environment, start_time, " +
      "shutdown_time, shutdown_signal, expected_final_state)",
    "general: {stop_time: 1}",
    "hosts:",
    "  a: {processes: &procs [{path: x, argz: y}]}",
    "  b: {processes: *procs}",
    "  c: {processes: *procs}",
  );
});

Deno.test("Shadow's options that umbra does not model are named as Shadow's, all at once", () => {
  const lines = [
    "general:",
    "  stop_time: 1",
    "  parallelism: 4",
    "  progress: true",
    "network: {graph: {type: 1_gbit_switch}}",
    "host_option_defaults: {pcap_enabled: true}",
    "experimental: {use_cpu_pinning: false, socket_send_buffer: 1 MiB, runahead: 1 ms}",
    "hosts:",
    "  server:",
    "    network_node_id: 0",
    "    host_options: {log_level: debug}",
    "    processes: [{path: /bin/true}]",
  ];
  fails(
    [
      "test.yaml:3:3: general.parallelism: a Shadow option umbra does not model; remove it",
      "test.yaml:4:3: general.progress: a Shadow option umbra does not model; remove it",
      "test.yaml:6:1: host_option_defaults: a Shadow host option umbra does not model; remove it",
      "test.yaml:7:16: experimental.use_cpu_pinning: a Shadow option umbra does not model; remove it",
      "test.yaml:11:5: hosts.server.host_options: a Shadow host option umbra does not model; remove it",
    ].join("\n"),
    ...lines,
  );
  // Without them, the network settings that are left are accepted, with one warning naming each.
  const kept = lines.filter((line) => !/parallelism|progress|host_option/.test(line));
  const config = parse(...kept.map((line) => line.replace("use_cpu_pinning: false, ", "")));
  deepEqual(config.warnings, [
    "test.yaml:3:1: ignoring Shadow network options umbra does not model (it has no network): network, " +
    "experimental.socket_send_buffer, experimental.runahead, hosts.server.network_node_id",
  ]);
});

Deno.test("a missing required key is reported at its mapping", () => {
  fails("test.yaml:1:1: general: required key is missing", "hosts: {a: {processes: []}}");
  fails("test.yaml:2:3: general.stop_time: required key is missing", "general:", "  seed: 3", "hosts: {}");
  fails("test.yaml:1:1: hosts: required key is missing", "general: {stop_time: 1}");
  fails("test.yaml:2:12: hosts.a.processes: required key is missing", "general: {stop_time: 1}", "hosts: {a: {}}");
  fails(
    "test.yaml:2:25: hosts.a.processes[0].path: required key is missing",
    "general: {stop_time: 1}",
    "hosts: {a: {processes: [{args: x}]}}",
  );
  fails("test.yaml:2:1: hosts: required key is missing", "general: {stop_time: 1}", "hosts:");
  fails("test.yaml:2:8: hosts: expected at least one host", "general: {stop_time: 1}", "hosts: {}");
});

Deno.test("a wrong kind of value names what was expected and what was found", () => {
  fails("test.yaml:1:10: general: expected a mapping, found 5", "general: 5");
  fails(
    'test.yaml:2:24: hosts.a.processes: expected a list, found "none"',
    "general: {stop_time: 1}",
    "hosts: {a: {processes: none}}",
  );
  fails(
    'test.yaml:1:36: general.log_level: expected one of error, warning, info, debug, trace, found "verbose"',
    "general: {stop_time: 1, log_level: verbose}",
  );
  fails(
    'test.yaml:2:37: experimental.strace_logging_mode: expected one of off, standard, deterministic, found "on"',
    "general: {stop_time: 1}",
    "experimental: {strace_logging_mode: on}",
  );
  fails(
    "test.yaml:1:31: general.seed: expected an integer from 0 to 4294967295, found -1",
    "general: {stop_time: 1, seed: -1}",
  );
  fails(
    "test.yaml:1:31: general.seed: expected an integer from 0 to 4294967295, found 1.5",
    "general: {stop_time: 1, seed: 1.5}",
  );
  fails(
    "test.yaml:2:41: hosts.a.processes[0].args: expected a string or a list of strings, found a mapping",
    "general: {stop_time: 1}",
    "hosts: {a: {processes: [{path: x, args: {a: b}}]}}",
  );
  fails(
    "test.yaml:2:42: hosts.a.processes[0].args[0]: expected a string, found a list",
    "general: {stop_time: 1}",
    "hosts: {a: {processes: [{path: x, args: [[a]]}]}}",
  );
  fails(
    "test.yaml:2:52: hosts.a.processes[0].environment.X: expected a string, found a list",
    "general: {stop_time: 1}",
    "hosts: {a: {processes: [{path: x, environment: {X: [1]}}]}}",
  );
});

Deno.test("invalid process settings are errors at their values", () => {
  const head = ["general: {stop_time: 1}", "hosts:", "  web-1:", "    processes:", "      - path: /bin/sh"];
  const at = (message: string, line: string) => fails(message, ...head, `        ${line}`);
  at(
    'test.yaml:6:26: hosts.web-1.processes[0].shutdown_signal: unknown signal "SIGFOO" (examples: SIGTERM, TERM, 15, SIGRTMIN+1)',
    "shutdown_signal: SIGFOO",
  );
  at(
    "test.yaml:6:26: hosts.web-1.processes[0].shutdown_signal: unknown signal 65 (examples: SIGTERM, TERM, 15, SIGRTMIN+1)",
    "shutdown_signal: 65",
  );
  at(
    "test.yaml:6:15: hosts.web-1.processes[0].args: cannot split arguments: unterminated single quote",
    "args: -c 'echo",
  );
  at(
    "test.yaml:6:15: hosts.web-1.processes[0].args: cannot split arguments: unterminated double quote",
    "args: '\"a'",
  );
  at(
    "test.yaml:6:40: hosts.web-1.processes[0].expected_final_state.exited: expected an integer from 0 to 255, found 256",
    "expected_final_state: {exited: 256}",
  );
  at(
    "test.yaml:6:31: hosts.web-1.processes[0].expected_final_state: expected {exited: CODE}, {signaled: SIGNAL} or " +
      'running, found "stopped"',
    "expected_final_state: stopped",
  );
  at(
    "test.yaml:6:31: hosts.web-1.processes[0].expected_final_state: expected {exited: CODE}, {signaled: SIGNAL} or " +
      "running, found a mapping",
    "expected_final_state: {exited: 0, signaled: KILL}",
  );
  at(
    "test.yaml:6:32: hosts.web-1.processes[0].expected_final_state.crashed: unknown key (expected one of: exited, signaled)",
    "expected_final_state: {crashed: 1}",
  );
});

Deno.test("a shutdown time must come after the start time", () => {
  fails(
    "test.yaml:7:24: hosts.a.processes[0].shutdown_time: must be after start_time (2 s)",
    "general: {stop_time: 1}",
    "hosts:",
    "  a:",
    "    processes:",
    "      - path: /bin/sh",
    "        start_time: 2s",
    "        shutdown_time: 2000ms",
  );
});

Deno.test("empty paths, unset HOME and bad variable names are errors", () => {
  fails(
    "test.yaml:2:32: hosts.a.processes[0].path: must not be empty",
    "general: {stop_time: 1}",
    "hosts: {a: {processes: [{path: ''}]}}",
  );
  fails(
    'test.yaml:2:49: hosts.a.processes[0].environment["A=B"]: invalid variable name',
    "general: {stop_time: 1}",
    "hosts: {a: {processes: [{path: x, environment: {A=B: c}}]}}",
  );
  throws(
    () =>
      parseConfig("general: {stop_time: 1}\nhosts: {a: {processes: [{path: ~/x}]}}\n", "t.yaml", { home: undefined }),
    { name: "ConfigError", message: "t.yaml:2:32: hosts.a.processes[0].path: cannot expand ~: HOME is not set" },
  );
});

Deno.test("host names must be valid hostnames, distinct regardless of case", () => {
  fails(
    'test.yaml:2:11: hosts.my_host: invalid host name "my_host" (letters, digits and inner hyphens, dot-separated ' +
      "labels of 1 to 63)",
    "general: {stop_time: 1}",
    "hosts: {  my_host: {processes: []}}",
  );
  fails(
    'test.yaml:3:3: hosts.-web: invalid host name "-web" (letters, digits and inner hyphens, dot-separated labels ' +
      "of 1 to 63)",
    "general: {stop_time: 1}",
    "hosts:",
    "  -web: {processes: []}",
  );
  fails(
    'test.yaml:3:3: hosts["a..b"]: invalid host name "a..b" (letters, digits and inner hyphens, dot-separated labels ' +
      "of 1 to 63)",
    "general: {stop_time: 1}",
    "hosts:",
    "  a..b: {processes: []}",
  );
  fails(
    "test.yaml:4:3: hosts.Server: host names differ only in case",
    "general: {stop_time: 1}",
    "hosts:",
    "  server: {processes: []}",
    "  Server: {processes: []}",
  );
});

Deno.test("YAML syntax errors and duplicate keys are one-line errors with a location", () => {
  fails("test.yaml:3:3: invalid YAML: Map keys must be unique", "general:", "  stop_time: 1", "  stop_time: 2");
  fails('test.yaml:2:1: invalid YAML: Missing closing "quote', 'general: "a');
  throws(() => parseConfig("", "empty.yaml"), {
    name: "ConfigError",
    message: "empty.yaml: the configuration is empty",
  });
  fails("test.yaml:1:1: expected a mapping, found a list", "- 1");
});

Deno.test("every error message is a single line", () => {
  const bad = ["general: {stop_time: 1}", 'hosts: {a: {processes: [{path: x, args: "\'a\\nb"}]}}'];
  throws(() => parse(...bad), (error: Error) => !error.message.includes("\n"));
  throws(() => parse("a: [1", "b: {"), (error: Error) => !error.message.includes("\n"));
});

Deno.test("the processed configuration reads back as the same configuration", () => {
  const config = parse(
    "general: {stop_time: 90s, seed: 7}",
    "experimental: {strace_logging_mode: standard}",
    "network: {graph: {type: 1_gbit_switch}}",
    "hosts:",
    "  '1': {network_node_id: 0, processes: [{path: ~/bin/a, args: \"-c 'echo 1' true 2\", start_time: 1.5s}]}",
    "  b:",
    "    processes:",
    "      - path: sleep",
    "        args: [100]",
    "        environment: {N: 1, T: 'true', S: ''}",
    "        shutdown_time: 1 min",
    "        shutdown_signal: 34",
    "        expected_final_state: {signaled: 34}",
    "      - {path: /bin/sh, expected_final_state: running}",
    "      - {path: /bin/sh, expected_final_state: {exited: 4}}",
  );
  const yaml = processedConfigYaml(config);
  deepEqual(parseConfig(yaml, "processed-config.yaml", { home: HOME }), { ...config, warnings: [] });
  equal(yaml.includes("network"), false);
  equal(yaml.includes("stop_time: 90 s\n"), true);
  equal(yaml.includes("shutdown_signal: SIGRTMIN+2\n"), true);
});

Deno.test("the processed configuration of a minimal file spells out every default", () => {
  equal(
    processedConfigYaml(parse("general: {stop_time: 5}", "hosts: {h: {processes: [{path: /bin/true}]}}")),
    [
      "general:",
      "  stop_time: 5 s",
      "  data_directory: umbra.data",
      "  log_level: info",
      "  seed: 1",
      "  model_unblocked_syscall_latency: true",
      "experimental:",
      "  strace_logging_mode: off",
      "  time_mode: virtual",
      "  schedule: deterministic",
      "  max_processes: 4096",
      "  unblocked_syscall_latency: 1 us",
      "  use_memory_manager: false",
      "hosts:",
      "  h:",
      "    processes:",
      "      - path: /bin/true",
      "        args: []",
      "        environment: {}",
      "        start_time: 0 s",
      "        shutdown_time: null",
      "        shutdown_signal: SIGTERM",
      "        expected_final_state:",
      "          exited: 0",
      "",
    ].join("\n"),
  );
});

Deno.test("the example configurations load", async () => {
  const basic = await loadConfig(`${ROOT}examples/basic.yaml`);
  deepEqual(basic.hosts.map((host) => [host.name, host.processes.length]), [["server", 1], ["client", 3]]);
  deepEqual(basic.warnings, []);
  const shadow = await loadConfig(`${ROOT}examples/shadow.yaml`, { home: HOME });
  equal(shadow.warnings.length, 1);
  equal(shadow.hosts[0].processes[0].expandedPath, `${HOME}/.local/bin/peer`);
});

Deno.test("a configuration file that cannot be read is a ConfigError naming it", async () => {
  let caught: unknown;
  await loadConfig("/nonexistent/umbra.yaml").catch((error) => caught = error);
  equal(caught instanceof ConfigError, true);
  equal(
    (caught as ConfigError).message.startsWith("/nonexistent/umbra.yaml: cannot read the configuration: "),
    true,
  );
});
