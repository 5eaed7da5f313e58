// argv and env sizes: what Linux's execve takes runs under umbra as it runs natively (far more than 8192 strings, up
// to Linux's own ceiling), and what execve refuses fails with E2BIG in one line and exit 126, never a hang. Each
// boundary is found natively first, so the tests follow the machine's stack rlimit.
import { deepEqual, equal, ok } from "node:assert/strict";
import { Sandbox } from "../mod.ts";
import type { RawEvent } from "../src/native/protocol.ts";
import { EventKind, ReplyBatch } from "../src/native/protocol.ts";
import type { Notice } from "../src/policy/messages.ts";
import { Policy, type PolicyNative } from "../src/policy/policy.ts";
import { Errno } from "../src/abi/errno.ts";
import { compile, markedEnv, runNativeWithin, runUmbraWithin, text, UMBRA, umbraTest } from "./_util.ts";

/** The line tests/programs/argv_size.c prints for `args`, computed here (FNV-1a over each string and its NUL). */
function argvLine(args: readonly string[]): string {
  let hash = 14695981039346656037n;
  let bytes = 0;
  for (const arg of args) {
    for (const byte of [...new TextEncoder().encode(arg), 0]) {
      hash = ((hash ^ BigInt(byte)) * 1099511628211n) & 0xffffffffffffffffn;
      bytes++;
    }
  }
  return `args=${args.length} bytes=${bytes} hash=${hash.toString(16).padStart(16, "0")}\n`;
}

function numbers(count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(i + 1));
}

for (const count of [8190, 8193, 100_000]) {
  umbraTest(`umbra exec runs a program with ${count} arguments as natively`, async () => {
    const program = await compile("argv_size");
    const args = numbers(count);
    const native = await runNativeWithin([program, ...args]);
    deepEqual(native, { code: 0, stdout: argvLine(args), stderr: "" });
    deepEqual(await runUmbraWithin([program, ...args]), native);
  });
}

/** How one spawn ended: the program's output, or the error execve gave. */
type Outcome = { stdout: string; code: number } | { error: string; code: number };

const ENV = markedEnv();

async function nativeOutcome(program: string, args: string[]): Promise<Outcome> {
  try {
    const output = await new Deno.Command(program, { args, env: ENV, clearEnv: true, stdout: "piped" }).output();
    return { stdout: new TextDecoder().decode(output.stdout), code: output.code };
  } catch (error) {
    if ((error as { code?: string }).code === "E2BIG") return { error: "Argument list too long", code: 126 };
    throw error;
  }
}

async function umbraOutcome(program: string, args: string[]): Promise<Outcome> {
  const data = await Deno.makeTempDir();
  try {
    await using sandbox = await Sandbox.create({ dataDirectory: data });
    const process = sandbox.spawn({ path: program, args, env: ENV });
    const status = await process.exited;
    if (status.kind !== "exited") throw new Error(`unexpected end: ${JSON.stringify(status)}`);
    if (process.spawnError !== null) return { error: process.spawnError, code: status.code };
    const name = program.split("/").pop();
    return { stdout: await Deno.readTextFile(`${data}/hosts/localhost/${name}.1000.stdout`), code: status.code };
  } finally {
    await Deno.remove(data, { recursive: true });
  }
}

const TOO_LONG: Outcome = { error: "Argument list too long", code: 126 };

/** The most strings of `length` characters that run natively (with {@linkcode ENV}), found by bisection. */
async function nativeBoundary(program: string, length: number): Promise<number> {
  const args = (count: number) => Array.from({ length: count }, () => "x".repeat(length));
  let fits = 1;
  let fails = Math.ceil(6 * 1024 * 1024 / (length + 1 + 8)); // past Linux's ceiling, whatever the stack rlimit
  deepEqual(await nativeOutcome(program, args(fails)), TOO_LONG);
  while (fails - fits > 1) {
    const middle = Math.floor((fits + fails) / 2);
    if ("error" in await nativeOutcome(program, args(middle))) fails = middle;
    else fits = middle;
  }
  return fits;
}

/** Exactly at the native boundary umbra runs the program; one string more fails as natively, with E2BIG. */
async function assertSameBoundary(program: string, length: number): Promise<number> {
  const boundary = await nativeBoundary(program, length);
  const fitting = Array.from({ length: boundary }, () => "x".repeat(length));
  deepEqual(await nativeOutcome(program, fitting), { stdout: argvLine(fitting), code: 0 });
  deepEqual(await umbraOutcome(program, fitting), { stdout: argvLine(fitting), code: 0 }, `${boundary} strings`);
  fitting.push("x".repeat(length));
  deepEqual(await nativeOutcome(program, fitting), TOO_LONG);
  deepEqual(await umbraOutcome(program, fitting), TOO_LONG, `${boundary + 1} strings`);
  return boundary;
}

umbraTest("at the stack rlimit's boundary of execve, umbra runs what Linux runs and refuses the rest", async () => {
  const program = await compile("argv_size");
  ok(await assertSameBoundary(program, 100) > 8192);
});

/** Runs `body` with this process's stack rlimit (inherited by every program it starts) raised to unlimited. */
async function withUnlimitedStack(body: () => Promise<void>): Promise<void> {
  const read = async () =>
    (await runNativeWithin(["prlimit", `--pid=${Deno.pid}`, "--stack", "--raw", "--noheadings"]))
      .stdout.trim().split(/\s+/).slice(-3, -1).join(":");
  const saved = await read();
  equal((await runNativeWithin(["prlimit", `--pid=${Deno.pid}`, "--stack=unlimited:unlimited"])).code, 0);
  try {
    equal(await read(), "unlimited:unlimited");
    await body();
  } finally {
    equal((await runNativeWithin(["prlimit", `--pid=${Deno.pid}`, `--stack=${saved}`])).code, 0);
  }
}

umbraTest(
  "with an unlimited stack, Linux's ceiling (6 MiB of strings and pointers) is umbra's too; far past it, E2BIG",
  async () => {
    const program = await compile("argv_size");
    await withUnlimitedStack(async () => {
      const boundary = await assertSameBoundary(program, 4095);
      ok(boundary * 4096 > 6_000_000, `the spec carries Linux's ceiling (${boundary} strings of 4 KiB)`);
      // Past what the spec carries (too many strings, too many bytes), and one string past MAX_ARG_STRLEN, which
      // only execve refuses: each as natively.
      for (
        const args of [
          Array.from({ length: 800_000 }, () => ""),
          Array.from({ length: 56 }, () => "x".repeat(128 * 1024 - 1)),
          ["x".repeat(128 * 1024)],
        ]
      ) {
        deepEqual(await nativeOutcome(program, args), TOO_LONG);
        deepEqual(await umbraOutcome(program, args), TOO_LONG, `${args.length} strings`);
      }
    });
  },
);

umbraTest("umbra run: a process with 9000 arguments runs, one past execve's limit fails in one line", async () => {
  const directory = await Deno.makeTempDir();
  try {
    const config = `${directory}/run.yaml`;
    await Deno.writeTextFile(
      config,
      "general:\n  stop_time: 10 s\nhosts:\n  h:\n    processes:\n" +
        `      - path: ${await compile("argv_size")}\n        args: ${numbers(9000).join(" ")}\n` +
        `      - path: /bin/true\n        args: ${"x".repeat(128 * 1024)}\n`,
    );
    const output = await new Deno.Command(UMBRA, {
      args: ["run", config, "--data-directory", `${directory}/out`],
      env: ENV,
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(60_000),
    }).output();
    equal(
      new TextDecoder().decode(output.stderr),
      text(
        "umbra: h.true: expected exited with code 0, exited with code 126 (Argument list too long)",
        `umbra: 1 of 2 processes ended as expected; outputs in ${directory}/out`,
      ),
    );
    equal(output.code, 3);
    const name = (await compile("argv_size")).split("/").pop();
    equal(await Deno.readTextFile(`${directory}/out/hosts/h/${name}.1000.stdout`), argvLine(numbers(9000)));
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("a spawn the tracer cannot start ends its process (exit 126), so nothing waits for it forever", () => {
  const notices: Notice[] = [];
  const policy = new Policy({} as PolicyNative, (notice) => notices.push(notice), {
    maxProcesses: 16,
  });
  policy.requested({
    type: "spawn",
    id: 7,
    host: "localhost",
    path: "/bin/true",
    args: ["true"],
    env: [],
    cwd: "",
    stdio: ["", "", ""],
    outputDirectory: null,
    logDirectory: null,
  });
  const failed: RawEvent = {
    kind: EventKind.spawnFailed,
    tid: 0,
    aux: 7,
    aux2: 0,
    value: BigInt(-Errno.EAGAIN),
    time: 0n,
    args: [0n, 0n, 0n, 0n, 0n, 0n],
    payload: new Uint8Array(128),
  };
  policy.handle(failed, new ReplyBatch(4));
  deepEqual(notices.map((notice) => notice.type === "exited" ? [notice.type, notice.status] : [notice.type]), [
    ["spawn-failed"],
    ["exited", { kind: "exited", code: 126 }],
  ]);
});
