// The library's front door: options checked before anything starts, named errors, AbortSignal
// and piped stdio, compared with Deno.Command running the same programs natively.
import { deepEqual, equal, ok, rejects, throws } from "node:assert/strict";
import { join } from "node:path";
import {
  EventsNotEnabledError,
  InvalidOptionError,
  NotPausedError,
  Sandbox,
  SandboxClosedError,
  SpawnError,
  type SpawnOptions,
} from "../mod.ts";
import { markedEnv, umbraTest } from "./_util.ts";

/** Throws unless `error` is an InvalidOptionError about `option`. */
function invalid(option: string): (error: unknown) => boolean {
  return (error: unknown) => {
    ok(error instanceof InvalidOptionError, `expected an InvalidOptionError, got ${error}`);
    equal(error.option, option, error.message);
    ok(error instanceof TypeError);
    return true;
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** What Deno.Command gives for the same program: its status, stdout and stderr. */
async function native(path: string, args: string[], stdin?: Uint8Array) {
  const child = new Deno.Command(path, {
    args,
    env: markedEnv(),
    clearEnv: true,
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin) {
    const writer = child.stdin.getWriter();
    await writer.write(stdin);
    await writer.close();
  }
  const output = await child.output();
  return { code: output.code, stdout: output.stdout, stderr: output.stderr };
}

umbraTest(
  "events() without { events: true } throws an EventsNotEnabledError at once; with it, events count from the call",
  async () => {
    await using sandbox = await Sandbox.create();
    throws(() => sandbox.events(), EventsNotEnabledError);
    await using withEvents = await Sandbox.create({ events: true });
    const events = withEvents.events();
    await withEvents.spawn({ path: "/bin/true", env: markedEnv() }).exited;
    await withEvents.close();
    const kinds = [];
    for await (const event of events) kinds.push(event.kind);
    deepEqual(kinds, ["start", "exit"]); // the first exec is the start
  },
);

umbraTest("a bad Sandbox.create option is refused before anything is made, naming the option", async () => {
  const parent = await Deno.makeTempDir();
  try {
    const dataDirectory = join(parent, "data");
    const cases: [string, Record<string, unknown>][] = [
      ["schedule", { schedule: "bogus" }],
      ["schedule", { schedule: "deterministic", time: "real" }],
      ["time", { time: "simulated" }],
      ["maxProcesses", { maxProcesses: 0 }],
      ["maxProcesses", { maxProcesses: 1.5 }],
      ["unblockedSyscallLatency", { unblockedSyscallLatency: 1000 }],
      ["unblockedSyscallLatency", { unblockedSyscallLatency: -1n }],
      ["epoch", { epoch: new Date(Number.NaN) }],
      ["seed", { seed: -1 }],
      ["seed", { seed: 1n << 64n }],
      ["events", { events: "yes" }],
      ["onSyscall", { onSyscall: "log" }],
      ["hosts", { hosts: "localhost" }],
      ["hosts[1]", { hosts: ["a", "bad_name"] }],
      ["dataDirectory", { dataDirectory: 7 }],
    ];
    for (const [option, options] of cases) {
      await rejects(Sandbox.create({ dataDirectory, ...options } as never), invalid(option));
    }
    // Sandbox.create makes a missing data directory first thing once the options pass.
    equal(await exists(dataDirectory), false);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

umbraTest("a bad spawn option throws an InvalidOptionError and starts nothing", async () => {
  const directory = await Deno.makeTempDir();
  try {
    await using sandbox = await Sandbox.create();
    const marker = join(directory, "ran");
    const base: SpawnOptions = { path: "/bin/sh", args: ["-c", `touch ${marker}`], env: markedEnv() };
    const cases: [string, Record<string, unknown>][] = [
      ["shutdownSignal", { shutdownTime: 1_000_000n, shutdownSignal: "SIGBOGUS" }],
      ["shutdownSignal", { shutdownTime: 1_000_000n, shutdownSignal: 65 }],
      ["shutdownSignal", { shutdownSignal: 0 }],
      ["shutdownTime", { startTime: 5n, shutdownTime: 5n }],
      ["shutdownTime", { shutdownTime: 1000 }],
      ["startTime", { startTime: -1n }],
      ["args", { args: "-c true" }],
      ["args[1]", { args: ["-c", 7] }],
      ["args[0]", { args: ["a\0b"] }],
      ["argv0", { argv0: 0 }],
      ["env", { env: { "A=B": "c" } }],
      ["env.A", { env: { A: 1 } }],
      ["cwd", { cwd: 1 }],
      ["host", { host: "not a host" }],
      ["stdio", { stdio: "files" }], // no data directory
      ["stdio", { stdio: "pipe" }],
      ["stdin", { stdin: "piped-in" }],
      ["stdout", { stdout: "file" }],
      ["stderr", { stderr: true }],
      ["pauseForDebugging", { pauseForDebugging: "yes" }],
      ["signal", { signal: {} }],
      ["path", { path: 7 }],
    ];
    for (const [option, options] of cases) {
      throws(() => sandbox.spawn({ ...base, ...options } as SpawnOptions), invalid(option));
    }
    // Nothing ran: the next program is the sandbox's first process, and the marker is not there.
    const process = sandbox.spawn({ path: "/bin/true", env: markedEnv() });
    equal((await process.started).pid, 1000);
    await process.exited;
    equal(await exists(marker), false);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

umbraTest("a closed sandbox refuses spawn, at and openHost with a SandboxClosedError", async () => {
  const sandbox = await Sandbox.create();
  const sleeper = sandbox.spawn({ path: "/bin/sleep", args: ["1000"], env: markedEnv() });
  await sleeper.started;
  await sandbox.close();
  // Its controller is gone: a late kill has nothing to act on (and must not touch freed memory).
  await sleeper.kill("SIGKILL");
  deepEqual(await sleeper.exited, { kind: "running" });
  throws(() => sandbox.spawn({ path: "/bin/true" }), SandboxClosedError);
  await rejects(sandbox.at(1n), SandboxClosedError);
  await rejects(sandbox.openHost("other"), SandboxClosedError);
});

umbraTest("kill with an unknown signal throws an InvalidOptionError; at() wants a bigint", async () => {
  await using sandbox = await Sandbox.create();
  const process = sandbox.spawn({ path: "/bin/true", env: markedEnv() });
  await rejects(process.kill("SIGNOPE"), invalid("signal"));
  await rejects(sandbox.at(-1n), invalid("time"));
  await process.exited;
});

umbraTest("a program whose exec fails rejects started with a SpawnError carrying the errno", async () => {
  const directory = await Deno.makeTempDir();
  const script = `${directory}/bad-interpreter`;
  await Deno.writeTextFile(script, "#!/nonexistent/interpreter\n", { mode: 0o755 });
  try {
    await using sandbox = await Sandbox.create();
    const process = sandbox.spawn({ path: script, env: markedEnv() });
    await rejects(process.started, (error: unknown) => {
      ok(error instanceof SpawnError);
      equal(error.errno, 2); // ENOENT, as execve says natively
      return true;
    });
    await rejects(process.paused, NotPausedError);
    await process.exited;
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

umbraTest("an aborted signal makes spawn throw its reason and start nothing", async () => {
  const directory = await Deno.makeTempDir();
  try {
    await using sandbox = await Sandbox.create();
    const marker = join(directory, "ran");
    const controller = new AbortController();
    const reason = new Error("changed my mind");
    controller.abort(reason);
    throws(
      () => sandbox.spawn({ path: "/bin/sh", args: ["-c", `touch ${marker}`], signal: controller.signal }),
      (error) => error === reason,
    );
    const process = sandbox.spawn({ path: "/bin/true", env: markedEnv() });
    equal((await process.started).pid, 1000);
    await process.exited;
    equal(await exists(marker), false);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

umbraTest("aborting a running program's signal kills it with SIGTERM, as Deno.Command does", async () => {
  // The program says it runs, so the abort comes while it sleeps, in umbra as natively.
  const args = ["-c", "echo up; exec sleep 100"];
  const nativeController = new AbortController();
  const child = new Deno.Command("/bin/sh", { args, stdout: "piped", signal: nativeController.signal }).spawn();
  const reader = child.stdout.getReader();
  await reader.read();
  nativeController.abort();
  reader.releaseLock();
  await child.stdout.cancel();
  const nativeStatus = await child.status;

  await using sandbox = await Sandbox.create();
  const controller = new AbortController();
  const process = sandbox.spawn({
    path: "/bin/sh",
    args,
    env: markedEnv(),
    stdout: "piped",
    signal: controller.signal,
  });
  const lines = process.stdout.getReader();
  await lines.read();
  controller.abort();
  lines.releaseLock();
  await process.stdout.cancel();
  const status = await process.exited;
  deepEqual(status, { kind: "signaled", signal: "SIGTERM", number: 15, coreDumped: false });
  equal(nativeStatus.signal, "SIGTERM");
  controller.abort(); // after the end: nothing
});

umbraTest("piped stdout and stderr give the bytes Deno.Command gives, for sh and python3", async () => {
  const programs: [string, string[]][] = [
    ["/bin/sh", ["-c", "echo out $0; echo err >&2; printf 'no newline'"]],
    // More than a pipe holds (64 KiB), on both streams at once: read concurrently, as natively.
    ["python3", ["-c", "import sys\nfor i in range(20000): print(i); print(-i, file=sys.stderr)\nsys.exit(3)"]],
  ];
  await using sandbox = await Sandbox.create();
  for (const [path, args] of programs) {
    const expected = await native(path, args);
    const process = sandbox.spawn({ path, args, env: markedEnv(), stdout: "piped", stderr: "piped" });
    const [stdout, stderr, status] = await Promise.all([
      new Response(process.stdout).bytes(),
      new Response(process.stderr).bytes(),
      process.exited,
    ]);
    deepEqual({ code: status.kind === "exited" ? status.code : -1, stdout, stderr }, expected, path);
    throws(() => process.stdin, invalid("stdin"));
  }
});

umbraTest("piped stdin takes what is written and ends when closed, as with Deno.Command", async () => {
  const input = new TextEncoder().encode("x".repeat(200_000) + "\nlast line\n");
  const args = ["-c", "import sys\ndata = sys.stdin.buffer.read()\nprint(len(data), data[-10:])"];
  const expected = await native("python3", args, input);
  await using sandbox = await Sandbox.create();
  const process = sandbox.spawn({ path: "python3", args, env: markedEnv(), stdin: "piped", stdout: "piped" });
  const writing = (async () => {
    const writer = process.stdin.getWriter();
    await writer.write(input);
    await writer.close();
  })();
  const [stdout] = await Promise.all([new Response(process.stdout).bytes(), writing]);
  deepEqual(stdout, expected.stdout);
  deepEqual(await process.exited, { kind: "exited", code: 0 });
});

umbraTest("a piped stream ends only when every process holding it has closed it, as natively", async () => {
  // The background child keeps stdout open after its parent exits.
  const args = ["-c", "(sleep 0.3; echo late) & echo early"];
  const expected = await native("/bin/sh", args);
  await using sandbox = await Sandbox.create();
  const process = sandbox.spawn({ path: "/bin/sh", args, env: markedEnv(), stdout: "piped" });
  deepEqual(await new Response(process.stdout).bytes(), expected.stdout);
  await process.exited;
});

umbraTest(
  'stdout "null" and stdin "null" are /dev/null; piped stdout with a data directory leaves stderr in its file',
  async () => {
    const data = await Deno.makeTempDir();
    try {
      await using sandbox = await Sandbox.create({ dataDirectory: data });
      const quiet = sandbox.spawn({
        path: "/bin/sh",
        args: ["-c", "echo gone; read x || echo eof >&2"],
        env: markedEnv(),
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      });
      equal(await new Response(quiet.stderr).text(), "eof\n");
      await quiet.exited;
      const mixed = sandbox.spawn({
        path: "/bin/sh",
        args: ["-c", "echo out; echo err >&2"],
        env: markedEnv(),
        stdout: "piped",
      });
      equal(await new Response(mixed.stdout).text(), "out\n");
      const { pid } = await mixed.started;
      await mixed.exited;
      const folder = `${await Deno.realPath(data)}/hosts/localhost`;
      equal(await Deno.readTextFile(`${folder}/sh.${pid}.stderr`), "err\n");
      equal(await exists(`${folder}/sh.${pid}.stdout`), false);
      equal(await exists(`${folder}/sh.1000.stdout`), false);
      throws(() => mixed.stderr, invalid("stderr"));
    } finally {
      await Deno.remove(data, { recursive: true });
    }
  },
);
