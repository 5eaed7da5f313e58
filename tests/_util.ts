/**
 * Test helpers: compile C test programs, run a program natively and under umbra, and check
 * that nothing umbra started is left on the host.
 * @module
 */

import { deepEqual } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { compileC } from "../scripts/compile_c.ts";
import { parseSignal } from "../src/abi/signals.ts";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CACHE = `${ROOT}.cache/programs`;
/** The umbra launcher at the repository root. */
export const UMBRA = `${ROOT}umbra`;

/**
 * The native reference's world: tests/programs/native_host.c runs a program untraced in
 * namespaces made as umbra makes a host's (a pid namespace whose pid 1 is a small init, the
 * program as pid 1000, its own /proc, a user namespace). Returns the argv prefix.
 */
export async function nativeHost(): Promise<string[]> {
  return [await compile("native_host")];
}

/** Environment variable that marks every process a test starts, to find strays later. */
const MARK = "UMBRA_TEST_MARK";

const compiled = new Map<string, Promise<string>>();

/**
 * Compiles tests/programs/<name>.c (once per run and source hash) and returns the binary path.
 * `static` links it statically.
 */
export function compile(name: string, options: { static?: boolean } = {}): Promise<string> {
  const key = `${name}${options.static ? "-static" : ""}`;
  let result = compiled.get(key);
  if (!result) {
    result = build(name, key, options.static ?? false);
    compiled.set(key, result);
  }
  return result;
}

function build(name: string, key: string, isStatic: boolean): Promise<string> {
  return compileC({
    source: `${ROOT}tests/programs/${name}.c`,
    cache: CACHE,
    key,
    flags: ["-O1", "-Wall", ...(isStatic ? ["-static"] : [])],
  });
}

/** What a run produced. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@linkcode runNative} and {@linkcode runUmbra}. */
export interface RunOptions {
  env?: Record<string, string>;
  stdin?: string;
  cwd?: string;
}

const mark = crypto.randomUUID();

async function run(argv: string[], options: RunOptions): Promise<RunResult> {
  const command = new Deno.Command(argv[0], {
    args: argv.slice(1),
    env: { ...options.env, [MARK]: mark, NO_COLOR: "1" },
    cwd: options.cwd,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  });
  const child = command.spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.signal ? 128 + signalNumber(output.signal) : output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

function signalNumber(signal: Deno.Signal): number {
  return parseSignal(signal) ?? 0;
}

/** Runs `argv` natively. */
export function runNative(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  return run(argv, options);
}

/** Runs `argv` under `umbra exec`. */
export function runUmbra(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  return run([UMBRA, "exec", "--", ...argv], options);
}

/** Lines of `text` without the ones starting with `prefix` (absolute ids that differ natively). */
export function withoutLines(text: string, prefix: string): string {
  return text.split("\n").filter((line) => !line.startsWith(prefix)).join("\n");
}

/** Parses a `self pid=1000 ppid=1 ...` line into numbers. */
export function fields(text: string, prefix: string): Record<string, number> {
  const line = text.split("\n").find((l) => l.startsWith(prefix));
  if (!line) throw new Error(`no line starting with ${JSON.stringify(prefix)} in:\n${text}`);
  return Object.fromEntries(
    line.slice(prefix.length).trim().split(/\s+/).map((pair) => {
      const [key, value] = pair.split("=");
      return [key, Number(value)];
    }),
  );
}

/** Host processes started by this test run that are still there (should be none). */
export async function strays(): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name) || Number(entry.name) === Deno.pid) continue;
    try {
      const environ = await Deno.readTextFile(`/proc/${entry.name}/environ`);
      if (environ.includes(`${MARK}=${mark}`)) {
        const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`);
        found.push(stat.slice(0, stat.indexOf(")") + 3));
      }
    } catch { /* gone, or a kernel thread */ }
  }
  return found;
}

/** Zombie children of this test process (should be none after each test). */
export async function zombies(): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`);
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state === "Z" && Number(ppid) === Deno.pid) found.push(stat.slice(0, stat.indexOf(")") + 3));
    } catch { /* gone */ }
  }
  return found;
}

/** Asserts nothing a test started is still alive or unreaped. Waits briefly for exits in flight. */
export async function assertClean(): Promise<void> {
  let left: string[] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    left = [...await strays(), ...await zombies()];
    if (left.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  deepEqual(left, [], `processes left behind on the host: ${left.join("; ")}`);
}

/**
 * Defines a test that checks for leftovers afterwards.
 * @example
 * ```ts
 * umbraTest("getpid() is 1000", async () => {...});
 * ```
 */
export function umbraTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name,
    sanitizeResources: true,
    sanitizeOps: true,
    fn: async () => {
      try {
        await fn();
      } finally {
        await assertClean();
      }
    },
  });
}

/** The environment library tests give spawned programs, so strays can be found. */
export function markedEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", [MARK]: mark, ...extra };
}

/** Lines joined as a program prints them. */
export function text(...lines: string[]): string {
  return lines.map((line) => `${line}\n`).join("");
}

/**
 * Throws unless `actual` and `expected` have the same lines, listing every line that differs (node:assert would
 * truncate long outputs).
 */
export function assertSameLines(actual: string, expected: string, what: string): void {
  const got = actual.split("\n");
  const want = expected.split("\n");
  const differences: string[] = [];
  for (let i = 0; i < Math.max(got.length, want.length); i++) {
    if (got[i] === want[i]) continue;
    differences.push(`  line ${i + 1}\n    want: ${want[i] ?? "(none)"}\n    got:  ${got[i] ?? "(none)"}`);
  }
  if (differences.length > 0) throw new Error(`${what} differs:\n${differences.join("\n")}`);
}

/**
 * Runs `argv` natively under timeout(1), with the `wrap` prefix (e.g. {@linkcode nativeHost}): a run still going after
 * `seconds` is killed, and throws, so that a hang fails its test instead of stalling the whole suite.
 */
export async function runNativeWithin(
  argv: string[],
  options: RunOptions & { seconds?: number; wrap?: readonly string[] } = {},
): Promise<RunResult> {
  const seconds = options.seconds ?? 20;
  const result = await runNative(
    ["timeout", "--signal=KILL", String(seconds), ...options.wrap ?? [], ...argv],
    options,
  );
  if (result.code === 137 && result.stderr === "") {
    throw new Error(`${argv.join(" ")} did not finish within ${seconds} s; output so far:\n${result.stdout}`);
  }
  return result;
}

/** {@linkcode runUmbra} under timeout(1), as {@linkcode runNativeWithin}. */
export function runUmbraWithin(
  argv: string[],
  options: RunOptions & { seconds?: number; wrap?: readonly string[] } = {},
): Promise<RunResult> {
  return runNativeWithin([UMBRA, "exec", "--", ...argv], options);
}

/** Options for {@linkcode differential}. */
export interface DifferentialOptions {
  /** Arguments for the program. */
  args?: string[];
  /** Link it statically. */
  static?: boolean;
  /** Prefixes of lines left out of the check against `expected` (and, unless `compareAll`, of every comparison). */
  unpinned?: string[];
  /** Compare umbra with native on every line, the unpinned ones too (they vary by machine, not by umbra). */
  compareAll?: boolean;
  /** The exit code both runs must have. */
  code?: number;
  /** Time limit of each run. */
  seconds?: number;
  /**
   * Known, documented deviations: native line -> the line umbra prints instead. Each must occur
   * (a deviation that went away fails the test, so the list stays honest).
   */
  deviations?: Record<string, string>;
}

/**
 * Compiles tests/programs/<name>.c and runs it natively (in {@linkcode nativeHost}'s namespaces), then under
 * umbra: the native output (without the `unpinned` lines, by default `self `) must be `expected`, so that a wrong
 * program cannot pass by failing both ways, and umbra must print the same and exit the same. Returns both runs.
 */
export async function differential(
  name: string,
  expected: string,
  options: DifferentialOptions = {},
): Promise<{ native: RunResult; umbra: RunResult }> {
  const argv = [await compile(name, { static: options.static }), ...options.args ?? []];
  const unpinned = options.unpinned ?? ["self "];
  const strip = (output: string) => unpinned.reduce(withoutLines, output);
  const run = { seconds: options.seconds };
  const native = await runNativeWithin(argv, { ...run, wrap: await nativeHost() });
  assertSameLines(strip(native.stdout), expected, "native output");
  deepEqual({ stderr: native.stderr, code: native.code }, { stderr: "", code: options.code ?? 0 });
  const umbra = await runUmbraWithin(argv, run);
  const compared = options.compareAll ? (output: string) => output : strip;
  let expectedUmbra = compared(native.stdout);
  for (const [nativeLine, umbraLine] of Object.entries(options.deviations ?? {})) {
    if (!expectedUmbra.split("\n").includes(nativeLine)) {
      throw new Error(`deviation for a line native lacks: ${nativeLine}`);
    }
    expectedUmbra = expectedUmbra.split("\n").map((line) => line === nativeLine ? umbraLine : line).join("\n");
  }
  try {
    assertSameLines(compared(umbra.stdout), expectedUmbra, "umbra output vs native");
  } catch (error) {
    throw new Error(`${(error as Error).message}\n  umbra exit code ${umbra.code}, stderr:\n${umbra.stderr}`);
  }
  deepEqual({ stderr: umbra.stderr, code: umbra.code }, { stderr: "", code: native.code });
  return { native, umbra };
}
