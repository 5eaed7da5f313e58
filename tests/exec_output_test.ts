// umbra exec -o: a recorded exec (report.json, timeline, strace logs), with strace's -e trace=
// filter, next to strace itself.
import { deepEqual, equal, match, throws } from "node:assert/strict";
import { join } from "node:path";
import { UMBRA, umbraTest } from "./_util.ts";
import { parseTraceFilter, TraceFilterError } from "../src/report/trace_filter.ts";
import { SYS } from "../src/abi/syscalls.ts";

async function umbra(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(UMBRA, { args, cwd, stdin: "null", stdout: "piped", stderr: "piped" }).output();
  const decoder = new TextDecoder();
  return { code: output.code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
}

async function inTemp(fn: (directory: string) => Promise<void>): Promise<void> {
  const directory = await Deno.makeTempDir();
  try {
    await fn(directory);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}

/** The syscall names of a log, in order, from lines like `... [1000] wait4(...) = 1001` or strace's `1000 wait4(`. */
function names(log: string): string[] {
  return [...log.matchAll(/^(?:\S+ \[\d+\]|\d+) +([a-z_0-9]+)\(/gm)].map((match) => match[1]);
}

const SCRIPT = "echo out; echo err >&2; (exit 4); kill -0 $$; exit 3";

umbraTest(
  "exec -o keeps the program on the terminal and records report.json, timeline.html and the config",
  async () => {
    await inTemp(async (directory) => {
      const data = join(directory, "out");
      const result = await umbra(["exec", "-o", data, "--", "sh", "-c", SCRIPT]);
      deepEqual(result, { code: 3, stdout: "out\n", stderr: "err\n" });
      const report = JSON.parse(await Deno.readTextFile(join(data, "report.json")));
      deepEqual(report.processes.map((p: { pid: number }) => p.pid), [1000, 1001]);
      deepEqual(report.processes[0].exitStatus, { kind: "exited", code: 3 });
      deepEqual([report.processes[0].ok, report.mismatches, report.interrupted, report.seed], [null, [], null, null]);
      match(await Deno.readTextFile(join(data, "timeline.html")), /umbra exec: sh -c/);
      match(await Deno.readTextFile(join(data, "processed-config.yaml")), /path: sh/);
      // No strace log unless asked for, no output files unless asked for.
      equal((await Array.fromAsync(Deno.readDir(data))).some((entry) => entry.name === "hosts"), false);
    });
  },
);

umbraTest("exec -o --stdio=files writes the program's output where umbra run would", async () => {
  await inTemp(async (directory) => {
    const data = join(directory, "out");
    const result = await umbra(["exec", "-o", data, "--stdio=files", "--", "sh", "-c", SCRIPT]);
    deepEqual(result, { code: 3, stdout: "", stderr: "" });
    equal(await Deno.readTextFile(join(data, "hosts/localhost/sh.1000.stdout")), "out\n");
    equal(await Deno.readTextFile(join(data, "hosts/localhost/sh.1000.stderr")), "err\n");
  });
});

umbraTest("exec -o --strace -e trace=%process logs the calls strace -f logs with the same filter", async () => {
  await inTemp(async (directory) => {
    const data = join(directory, "out");
    const argv = ["sh", "-c", SCRIPT];
    const result = await umbra(["exec", "-o", data, "--strace", "-e", "trace=%process", "--", ...argv]);
    equal(result.code, 3);
    const log = await Deno.readTextFile(join(data, "hosts/localhost/sh.1000.strace"));
    const native = await new Deno.Command("strace", {
      args: ["-f", "-qq", "-o", join(directory, "native"), "-e", "trace=%process", ...argv],
      stdout: "null",
      stderr: "null",
    }).output();
    equal(native.code, 3);
    const expected = names(await Deno.readTextFile(join(directory, "native")));
    deepEqual(names(log).toSorted(), expected.toSorted(), log);
    match(log, /kill\(/);
  });
});

umbraTest("without -o, -e trace=%process writes the log to stderr, as strace does", async () => {
  const result = await umbra(["exec", "-e", "trace=%process", "--", "sh", "-c", "(exit 4); kill -0 $$; exit 3"]);
  equal(result.code, 3);
  deepEqual(names(result.stderr).toSorted(), ["clone", "execve", "exit_group", "exit_group", "kill", "wait4", "wait4"]);
  // Signals and ends are not syscalls: strace shows them whatever the filter.
  match(result.stderr, /\[1001\] \+\+\+ exited with 4 \+\+\+\n/);
  match(result.stderr, /\[1000\] --- SIGCHLD \{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=1001, .*\} ---\n/);
  match(result.stderr, /\[1000\] \+\+\+ exited with 3 \+\+\+\n$/);
});

umbraTest("-e trace=!%process,kill logs everything but those; -e alone implies --strace", async () => {
  await inTemp(async (directory) => {
    const data = join(directory, "out");
    equal((await umbra(["exec", "-o", data, "-e", "trace=!%process,write", "--", "sh", "-c", SCRIPT])).code, 3);
    const logged = names(await Deno.readTextFile(join(data, "hosts/localhost/sh.1000.strace")));
    const keep = parseTraceFilter("trace=!%process,write");
    deepEqual(logged.filter((name) => !keep(SYS[name as keyof typeof SYS])), []);
    equal(logged.includes("rt_sigaction"), true);
    equal(logged.includes("wait4") || logged.includes("write") || logged.includes("kill"), false);
  });
});

umbraTest("a bad -e, --stdio=files without -o, or a data directory umbra did not make: one line, exit 2", async () => {
  await inTemp(async (directory) => {
    const bogus = await umbra(["exec", "-o", join(directory, "a"), "-e", "trace=open,bogus", "--", "true"]);
    equal(bogus.code, 2);
    match(bogus.stderr, /unknown syscall 'bogus'/);
    equal(bogus.stderr.includes("    at "), false);
    const lone = await umbra(["exec", "--stdio=files", "--", "true"]);
    deepEqual([lone.code, lone.stderr], [2, "umbra: --stdio=files writes into a data directory: add -o <dir>\n"]);
    const mine = join(directory, "mine");
    await Deno.mkdir(mine);
    await Deno.writeTextFile(join(mine, "report.json"), "my own");
    const refused = await umbra(["exec", "-o", mine, "--", "true"]);
    equal(refused.code, 2);
    match(refused.stderr, /^umbra: data directory .* is not empty and umbra did not make it/);
    equal(await Deno.readTextFile(join(mine, "report.json")), "my own");
  });
});

umbraTest(
  "SIGTERM to umbra exec -o reaches the program; the report says interrupted; umbra ends as it did",
  async () => {
    await inTemp(async (directory) => {
      const data = join(directory, "out");
      const child = new Deno.Command(UMBRA, {
        args: ["exec", "-o", data, "--", "sh", "-c", "trap 'echo bye; exit 9' TERM; echo up; while :; do :; done"],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const reader = child.stdout.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      equal(first, "up\n");
      child.kill("SIGTERM");
      const rest = new TextDecoder().decode((await reader.read()).value);
      reader.releaseLock();
      await child.stdout.cancel();
      const status = await child.status;
      deepEqual([rest, status.code, status.signal], ["bye\n", 9, null]);
      const report = JSON.parse(await Deno.readTextFile(join(data, "report.json")));
      equal(report.interrupted, "SIGTERM");
      deepEqual(report.processes[0].exitStatus, { kind: "exited", code: 9 });
      await child.stderr.cancel();
    });
  },
);

Deno.test("parseTraceFilter reads strace's sets: names, classes, all, none, negation", () => {
  const process = parseTraceFilter("%process");
  deepEqual([process(SYS.clone), process(SYS.execve), process(SYS.read)], [true, true, false]);
  const file = parseTraceFilter("trace=file");
  deepEqual([file(SYS.openat), file(SYS.read)], [true, false]);
  const notSignal = parseTraceFilter("trace=!%signal,read");
  deepEqual([notSignal(SYS.rt_sigaction), notSignal(SYS.read), notSignal(SYS.write)], [false, false, true]);
  equal(parseTraceFilter("all")(SYS.read), true);
  equal(parseTraceFilter("none")(SYS.read), false);
  equal(parseTraceFilter("!none")(SYS.read), true);
  throws(() => parseTraceFilter("trace=%net"), TraceFilterError);
  throws(() => parseTraceFilter("trace=open,,close"), TraceFilterError);
  throws(() => parseTraceFilter("signal=SIGINT"), /only trace=<set> is supported/);
});
