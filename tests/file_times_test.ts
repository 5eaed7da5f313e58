// File times in virtual time: what a program reads back about files it wrote agrees with its clock, runs repeat,
// real time is untouched, and umbra writes no time to any file (docs/design.md, "Virtual time").
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { FileTimes } from "../src/kernel/file_times.ts";
import { compile, markedEnv, UMBRA, umbraTest } from "./_util.ts";

async function umbraExec(time: "virtual" | "real", argv: string[], cwd?: string) {
  const output = await new Deno.Command(UMBRA, {
    args: ["exec", `--time=${time}`, "--", ...argv],
    env: markedEnv(),
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: output.code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
}

/** A file's times as seen from outside umbra, in ns (stat(1) prints them exactly). */
async function outsideTimes(path: string): Promise<string> {
  const output = await new Deno.Command("stat", { args: ["-c", "%.9X %.9Y %.9Z", path] }).output();
  return new TextDecoder().decode(output.stdout).trim();
}

/** A directory for one run and a file made before it, dated 2020-02-02 (atime later than mtime). */
async function setUp(): Promise<{ dir: string; old: string; cleanUp: () => Promise<void> }> {
  const root = await Deno.makeTempDir();
  const dir = `${root}/run`;
  await Deno.mkdir(dir);
  const old = `${root}/old`;
  await Deno.writeTextFile(old, "from before the run\n");
  await Deno.utime(old, new Date("2020-02-03T00:00:00.25Z"), new Date("2020-02-02T02:02:02.5Z"));
  return { dir, old, cleanUp: () => Deno.remove(root, { recursive: true }) };
}

const EPOCH_S = 946_684_800; // 2000-01-01, the default virtual epoch

/** `key=value` pairs of the line starting with `prefix`. */
function line(stdout: string, prefix: string): Record<string, string> {
  const found = stdout.split("\n").find((l) => l.startsWith(`${prefix} `));
  if (!found) throw new Error(`no ${prefix} line in:\n${stdout}`);
  return Object.fromEntries(found.slice(prefix.length + 1).split(" ").map((pair) => pair.split("=")));
}

umbraTest("in virtual time a program's file times agree with its clock; files from before keep theirs", async () => {
  for (const linkage of ["dynamic", "static"] as const) {
    const program = await compile("file_times", { static: linkage === "static" });
    const { dir, old, cleanUp } = await setUp();
    try {
      const before = await outsideTimes(old);
      const result = await umbraExec("virtual", [program, dir, old]);
      equal(result.code, 0, `${linkage}: ${result.stderr}`);
      const written = line(result.stdout, "written");
      equal(written.agree, "1", `${linkage}: ${result.stdout}`);
      equal(Number(written.time), EPOCH_S);
      const rewritten = line(result.stdout, "rewritten");
      deepEqual([rewritten.agree, rewritten.later], ["1", "1"], `${linkage}: ${result.stdout}`);
      equal(Number(rewritten.time), EPOCH_S + 100);
      equal(line(result.stdout, "early").agree, "1", `${linkage}: ${result.stdout}`);
      equal(line(result.stdout, "statx").same, "1", `${linkage}: ${result.stdout}`);
      equal(line(result.stdout, "touched").within, "1", `${linkage}: ${result.stdout}`);
      equal(line(result.stdout, "explicit").same, "1", `${linkage}: ${result.stdout}`);
      equal(line(result.stdout, "newer").agree, "1", `${linkage}: ${result.stdout}`);
      // The file from before the run reads as it is, and is as it was.
      const [atime, mtime] = before.split(" ").map((t) => t.replace(".", "").replace(/^0+/, ""));
      deepEqual(line(result.stdout, "old"), { atime, mtime });
      equal(await outsideTimes(old), before);
      // What the program wrote carries the kernel's real times on disk: umbra wrote none of its own.
      const [, laterMtime] = (await outsideTimes(`${dir}/later`)).split(" ").map(Number);
      ok(Math.abs(laterMtime - Date.now() / 1000) < 60, `later's mtime on disk: ${laterMtime}`);
    } finally {
      await cleanUp();
    }
  }
});

umbraTest("file times repeat exactly from run to run", async () => {
  const program = await compile("file_times");
  const { dir, old, cleanUp } = await setUp();
  try {
    const outputs: string[] = [];
    for (let run = 0; run < 3; run++) {
      for await (const entry of Deno.readDir(dir)) await Deno.remove(`${dir}/${entry.name}`);
      const result = await umbraExec("virtual", [program, dir, old]);
      equal(result.code, 0, result.stderr);
      outputs.push(result.stdout);
    }
    equal(outputs[1], outputs[0]);
    equal(outputs[2], outputs[0]);
  } finally {
    await cleanUp();
  }
});

umbraTest("a shell's touch, stat, date -r, test -nt, find -newer and make agree with date", async () => {
  const { dir, cleanUp } = await setUp();
  try {
    await Deno.writeTextFile(`${dir}/Makefile`, "out: in\n\tcp in out\n");
    const script = [
      "touch f; echo touch $(stat -c %Y f) $(date -r f +%s) $(date +%s)",
      "sleep 100; echo x > g; echo write $(stat -c %Y g) $(date +%s)",
      "[ g -nt f ] && echo g newer than f; find . -newer f -name g",
      "echo 1 > in; make -s out; make -q out && echo up to date",
      "sleep 10; echo 2 > in; make -q out || echo stale; make -s out; make -q out && echo rebuilt; cat out",
      "stat -c '%n %y %z' f g",
    ].join("\n");
    const result = await umbraExec("virtual", ["/bin/sh", "-c", script], dir);
    equal(result.code, 0, result.stderr);
    const [touch, write, ...rest] = result.stdout.split("\n");
    equal(touch, `touch ${EPOCH_S} ${EPOCH_S} ${EPOCH_S}`);
    equal(write, `write ${EPOCH_S + 100} ${EPOCH_S + 100}`);
    deepEqual(rest.slice(0, 6), ["g newer than f", "./g", "up to date", "stale", "rebuilt", "2"]);
    match(rest[6], /^f 2000-01-01 00:00:00\.\d{9} \+0000 2000-01-01 00:00:00\.\d{9} \+0000$/);
    match(rest[7], /^g 2000-01-01 00:01:40\.\d{9} \+0000 2000-01-01 00:01:40\.\d{9} \+0000$/);
  } finally {
    await cleanUp();
  }
});

umbraTest("in real time file times are the host's", async () => {
  const { dir, cleanUp } = await setUp();
  try {
    const result = await umbraExec("real", ["/bin/sh", "-c", "echo x > f; stat -c %.9Y f"], dir);
    equal(result.code, 0, result.stderr);
    const seen = result.stdout.trim();
    ok(Math.abs(Number(seen) - Date.now() / 1000) < 60, `mtime ${seen}`);
    equal((await outsideTimes(`${dir}/f`)).split(" ")[1], seen);
  } finally {
    await cleanUp();
  }
});

Deno.test("FileTimes maps a stamp to the virtual time of the last mark at or before it", () => {
  const times = new FileTimes(1_000n, () => 500n);
  equal(times.toVirtual(150n, 500n), undefined, "no marks yet");
  times.mark(100n, 0n);
  times.mark(200n, 40n);
  times.mark(150n, 50n); // not forward in real time: ignored
  times.mark(300n, 70n);
  equal(times.marks, 3);
  equal(times.lastVirtual, 70n);
  equal(times.toVirtual(99n, 500n), undefined, "from before the run");
  equal(times.toVirtual(100n, 500n), 1_000n);
  equal(times.toVirtual(199n, 500n), 1_000n);
  equal(times.toVirtual(200n, 500n), 1_040n);
  equal(times.toVirtual(299n, 500n), 1_040n);
  equal(times.toVirtual(300n, 500n), 1_070n);
  equal(times.toVirtual(500n, 500n), 1_070n);
  equal(times.toVirtual(501n, 500n), undefined, "later than now: set explicitly, not stamped");
});
