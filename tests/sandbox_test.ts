// The library API: Sandbox.create, spawn, exit statuses, output files, close.
import { deepEqual, equal, match, rejects, throws } from "node:assert/strict";
import { Sandbox } from "../mod.ts";
import { ProgramError } from "../src/program.ts";
import { markedEnv, ROOT, umbraTest } from "./_util.ts";

umbraTest("spawn reports a normal exit and the virtual pid", async () => {
  await using sandbox = await Sandbox.create();
  const process = sandbox.spawn({ path: "/bin/sh", args: ["-c", "exit 7"], env: markedEnv() });
  const started = await process.started;
  deepEqual({ ...started, time: null }, { pid: 1000, name: "localhost.sh.1000", time: null });
  // Real time: ns of the machine's clock since the sandbox started; in virtual time the start is 0.
  equal(started.time > 0n && started.time < 30_000_000_000n, true, `started at ${started.time}`);
  deepEqual(await process.exited, { kind: "exited", code: 7 });
  await using virtual = await Sandbox.create({ time: "virtual" });
  const first = virtual.spawn({ path: "/bin/sh", args: ["-c", "exit 0"], env: markedEnv() });
  equal((await first.started).time, 0n);
});

umbraTest("spawn reports death by signal", async () => {
  await using sandbox = await Sandbox.create();
  const process = sandbox.spawn({ path: "/bin/sh", args: ["-c", "kill -KILL $$"], env: markedEnv() });
  deepEqual(await process.exited, { kind: "signaled", signal: "SIGKILL", number: 9, coreDumped: false });
});

umbraTest("processes of one sandbox get consecutive pids", async () => {
  await using sandbox = await Sandbox.create();
  const first = sandbox.spawn({ path: "/bin/true", env: markedEnv() });
  const second = sandbox.spawn({ path: "/bin/true", env: markedEnv() });
  deepEqual([(await first.started).pid, (await second.started).pid], [1000, 1001]);
  await Promise.all([first.exited, second.exited]);
});

umbraTest("output goes to <data>/hosts/<host>/<exe>.<pid>.stdout|stderr, cwd is the host folder", async () => {
  const data = await Deno.makeTempDir();
  try {
    await using sandbox = await Sandbox.create({ dataDirectory: data });
    const process = sandbox.spawn({
      path: "/bin/sh",
      args: ["-c", "echo out $$; echo err >&2; pwd; read x || echo eof"],
      env: markedEnv(),
    });
    deepEqual(await process.exited, { kind: "exited", code: 0 });
    const folder = `${await Deno.realPath(data)}/hosts/localhost`;
    equal(await Deno.readTextFile(`${folder}/sh.1000.stdout`), `out 1000\n${folder}\neof\n`);
    equal(await Deno.readTextFile(`${folder}/sh.1000.stderr`), "err\n");
  } finally {
    await Deno.remove(data, { recursive: true });
  }
});

umbraTest("the environment is exactly the one given", async () => {
  const data = await Deno.makeTempDir();
  try {
    await using sandbox = await Sandbox.create({ dataDirectory: data });
    const env = markedEnv({ ONLY: "this" });
    const process = sandbox.spawn({ path: "/usr/bin/env", env });
    await process.exited;
    const text = await Deno.readTextFile(`${data}/hosts/localhost/env.1000.stdout`);
    deepEqual(text.trim().split("\n").sort(), Object.entries(env).map(([k, v]) => `${k}=${v}`).sort());
  } finally {
    await Deno.remove(data, { recursive: true });
  }
});

umbraTest("close kills running processes, reports them as running, and a second close is harmless", async () => {
  const sandbox = await Sandbox.create();
  const process = sandbox.spawn({ path: "/bin/sleep", args: ["100"], env: markedEnv() });
  await process.started;
  await sandbox.close();
  deepEqual(await process.exited, { kind: "running" });
  await sandbox.close();
  throws(() => sandbox.spawn({ path: "/bin/true" }), /closed/);
});

umbraTest("a missing or non-executable program is refused at spawn with a shell's exit code", async () => {
  await using sandbox = await Sandbox.create();
  throws(() => sandbox.spawn({ path: "/nonexistent/program" }), (error: unknown) => {
    return error instanceof ProgramError && error.exitCode === 127 && /No such file/.test(error.message);
  });
  const file = await Deno.makeTempFile();
  try {
    throws(() => sandbox.spawn({ path: file }), (error: unknown) => {
      return error instanceof ProgramError && error.exitCode === 126 && /Permission denied/.test(error.message);
    });
  } finally {
    await Deno.remove(file);
  }
});

umbraTest("a program whose exec fails in the child reports the errno and exits 127", async () => {
  const directory = await Deno.makeTempDir();
  const script = `${directory}/bad-interpreter`;
  await Deno.writeTextFile(script, "#!/nonexistent/interpreter\n", { mode: 0o755 });
  try {
    await using sandbox = await Sandbox.create();
    const process = sandbox.spawn({ path: script, env: markedEnv() });
    await rejects(process.started, /No such file/);
    deepEqual(await process.exited, { kind: "exited", code: 127 });
    match(process.spawnError ?? "", /No such file/);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

async function runScript(source: string): Promise<{ code: number; millis: number; stderr: string }> {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(file, source.replaceAll("MOD", `${ROOT}mod.ts`));
  try {
    const started = performance.now();
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", file],
      env: markedEnv(),
      stdout: "null",
      stderr: "piped",
    }).output();
    return { code: output.code, millis: performance.now() - started, stderr: new TextDecoder().decode(output.stderr) };
  } finally {
    await Deno.remove(file);
  }
}

umbraTest("an unclosed sandbox does not keep Deno alive once its processes are done", async () => {
  const result = await runScript(`
    import { Sandbox } from "MOD";
    const sandbox = await Sandbox.create();
    await sandbox.spawn({ path: "/bin/true" }).exited;
  `);
  deepEqual({ code: result.code, stderr: result.stderr }, { code: 0, stderr: "" });
});

umbraTest("Deno exiting mid-run leaves no sandboxed process behind", async () => {
  const result = await runScript(`
    import { Sandbox } from "MOD";
    const sandbox = await Sandbox.create();
    const process = sandbox.spawn({ path: "/bin/sh", args: ["-c", "sleep 100 & sleep 100"] });
    await process.started;
    await new Promise((resolve) => setTimeout(resolve, 200));
    Deno.exit(0);
  `);
  equal(result.code, 0);
});

umbraTest("an argument list over the controller's bound fails the spawn clearly (E2BIG)", async () => {
  await using sandbox = await Sandbox.create();
  const process = sandbox.spawn({ path: "/bin/true", args: ["x".repeat(300 * 1024)], env: markedEnv() });
  await rejects(process.started, /Argument list too long/);
  deepEqual(await process.exited, { kind: "exited", code: 126 });
});

for (const schedule of ["native", "deterministic"] as const) {
  umbraTest(`the world waits at an at() until the code awaiting it has acted (${schedule} schedule)`, async () => {
    const data = await Deno.makeTempDir();
    try {
      await using sandbox = await Sandbox.create({ time: "virtual", schedule, dataDirectory: data });
      const sleeper = sandbox.spawn({ path: "/bin/sleep", args: ["1000"], env: markedEnv() });
      // Due at the very time of the deadline: under a schedule of umbra's, it must not get its turn.
      const late = sandbox.spawn({ path: "/bin/sh", args: ["-c", "sleep 60; echo late"], env: markedEnv() });
      await sandbox.at(60_000_000_000n);
      // A slow caller: had the clock jumped on meanwhile, the sleep of 1000 s would have ended.
      const until = performance.now() + 300;
      while (performance.now() < until) { /* busy, as a caller doing work would be */ }
      await sandbox.close();
      deepEqual(await sleeper.exited, { kind: "running" });
      if (schedule === "deterministic") {
        deepEqual(await late.exited, { kind: "running" });
        equal(await Deno.readTextFile(`${data}/hosts/localhost/sh.1001.stdout`), "");
      }
    } finally {
      await Deno.remove(data, { recursive: true });
    }
  });
}

umbraTest("stats count the stops of a run once the sandbox has closed", async () => {
  const sandbox = await Sandbox.create();
  const process = sandbox.spawn({ path: "/bin/sh", args: ["-c", "/bin/true; /bin/true; /bin/true"], env: markedEnv() });
  deepEqual(await process.exited, { kind: "exited", code: 0 });
  equal(sandbox.stats, null);
  await sandbox.close();
  const stats = sandbox.stats!;
  // What the shell did: three children, each an exec of /bin/true, four ends in all.
  const { exec, exit, fork = 0, vfork = 0, clone = 0 } = stats.stops;
  deepEqual([exec, exit, fork + vfork + clone], [4, 4, 3]);
  equal(stats.policyNs > 0n, true);
});
