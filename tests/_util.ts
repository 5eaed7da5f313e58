/**
 * Test helpers: compile C test programs, run a program natively and under umbra, and check
 * that nothing umbra started is left on the host.
 * @module
 */

import { deepEqual } from "node:assert/strict";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CACHE = `${ROOT}.cache/programs`;
/** The umbra launcher at the repository root. */
export const UMBRA = `${ROOT}umbra`;

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

async function build(name: string, key: string, isStatic: boolean): Promise<string> {
  const source = `${ROOT}tests/programs/${name}.c`;
  const text = await Deno.readFile(source);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", text));
  const hash = Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
  const output = `${CACHE}/${key}-${hash}`;
  try {
    await Deno.stat(output);
    return output;
  } catch { /* not built yet */ }
  await Deno.mkdir(CACHE, { recursive: true });
  const temporary = `${output}.${Deno.pid}.tmp`;
  const args = ["-O1", "-Wall", "-o", temporary, source, "-lpthread", ...(isStatic ? ["-static"] : [])];
  const result = await new Deno.Command("gcc", { args, stderr: "piped" }).output();
  if (!result.success) throw new Error(`gcc ${name}: ${new TextDecoder().decode(result.stderr)}`);
  await Deno.rename(temporary, output);
  return output;
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
  const numbers: Partial<Record<Deno.Signal, number>> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGABRT: 6, SIGSEGV: 11 };
  return numbers[signal] ?? 0;
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
  deepEqual(left, [], "processes left behind on the host");
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
