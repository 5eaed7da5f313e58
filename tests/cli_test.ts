// The command line: exit codes and one-line errors.
import { deepEqual, equal, match } from "node:assert/strict";
import { runUmbra, UMBRA, umbraTest } from "./_util.ts";

async function umbra(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(UMBRA, { args, stdout: "piped", stderr: "piped", env: { NO_COLOR: "1" } })
    .output();
  const decoder = new TextDecoder();
  return { code: output.code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
}

umbraTest("exec of a missing program: one line, exit 127", async () => {
  const result = await runUmbra(["/nonexistent/tool"]);
  deepEqual(result, {
    code: 127,
    stdout: "",
    stderr: "umbra: cannot run '/nonexistent/tool': No such file or directory\n",
  });
});

umbraTest("exec of a program not in PATH: one line, exit 127", async () => {
  const result = await runUmbra(["no-such-program-anywhere"]);
  equal(result.code, 127);
  equal(result.stderr, "umbra: cannot run 'no-such-program-anywhere': No such file or directory\n");
});

umbraTest("exec of a non-executable file or a directory: one line, exit 126", async () => {
  const file = await Deno.makeTempFile();
  try {
    const result = await runUmbra([file]);
    deepEqual(result, { code: 126, stdout: "", stderr: `umbra: cannot run '${file}': Permission denied\n` });
    equal((await runUmbra(["/tmp"])).stderr, "umbra: cannot run '/tmp': Is a directory\n");
  } finally {
    await Deno.remove(file);
  }
});

umbraTest("bad usage exits 2 with a short message", async () => {
  const none = await umbra(["exec"]);
  equal(none.code, 2);
  match(none.stderr, /missing required argument 'program'/);
  const unknown = await umbra(["frobnicate"]);
  equal(unknown.code, 2);
  match(unknown.stderr, /unknown command 'frobnicate'/);
  equal(unknown.stderr.includes("    at "), false, "no stack trace");
});

umbraTest("--version and --help exit 0", async () => {
  const version = await umbra(["--version"]);
  equal(version.code, 0);
  match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  const help = await umbra(["--help"]);
  equal(help.code, 0);
  match(help.stdout, /umbra exec -- sh -c/);
});

umbraTest("exec passes arguments through untouched, including ones that look like options", async () => {
  const result = await runUmbra(["/bin/echo", "--version", "-x", "a b"]);
  deepEqual(result, { code: 0, stdout: "--version -x a b\n", stderr: "" });
});

umbraTest("umbra run names every bad key of a config at once, one umbra line each, and exits 2", async () => {
  const file = await Deno.makeTempFile({ suffix: ".yaml" });
  try {
    await Deno.writeTextFile(
      file,
      "general:\n  stop_time: 1s\n  bogus: 1\n  parallelism: 2\nhosts:\n  h:\n    processes:\n      - path: /bin/true\n        wat: 1\n",
    );
    const result = await umbra(["run", file]);
    equal(result.code, 2);
    const lines = result.stderr.trimEnd().split("\n");
    deepEqual(lines.map((line) => line.replace(/: .*$/, "")), [`umbra`, `umbra`, `umbra`]);
    match(lines[0], new RegExp(`^umbra: ${file}:3:3: general\\.bogus: unknown key`));
    match(lines[1], new RegExp(`^umbra: ${file}:4:3: general\\.parallelism: a Shadow option umbra does not model`));
    match(lines[2], new RegExp(`^umbra: ${file}:9:9: hosts\\.h\\.processes\\[0\\]\\.wat: unknown key`));
  } finally {
    await Deno.remove(file);
  }
});

umbraTest("exec --stats prints one line of the stops umbra took, with and without -o", async () => {
  const stats = /^umbra: stats: (\d+) stops \((.*)\), policy [\d.]+ ms, [\d.]+ µs a stop\n$/;
  const plain = await umbra(["exec", "--stats", "--", "/bin/sh", "-c", "/bin/true; /bin/true"]);
  equal(plain.code, 0, plain.stderr);
  const [, total, kinds] = stats.exec(plain.stderr) ?? [];
  match(plain.stderr, stats);
  // The shell and its two children: three execs, three ends, and the kinds add up to the total.
  const counts = Object.fromEntries(kinds.split(", ").map((entry) => entry.split(" ")).map(([k, n]) => [k, Number(n)]));
  deepEqual([counts.exec, counts.exit], [3, 3]);
  equal(Object.values(counts).reduce((sum, n) => sum + n, 0), Number(total));
  const directory = await Deno.makeTempDir();
  try {
    const recorded = await umbra(["exec", "--stats", "-o", `${directory}/out`, "--", "/bin/true"]);
    equal(recorded.code, 0, recorded.stderr);
    match(recorded.stderr, stats);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});
