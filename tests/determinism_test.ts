// Deterministic scheduling: one thread at a time, turns passing only where umbra decides, so the
// same config and seed give the same run; a random schedule repeats per seed and differs across
// seeds. Natively (and under the native schedule) these programs interleave differently.
import { deepEqual, equal, notEqual, ok } from "node:assert/strict";
import { join } from "node:path";
import { compile, ROOT, runNativeWithin, UMBRA, umbraTest } from "./_util.ts";

/** Runs `argv` under `umbra exec` with `options` (e.g. --schedule=...); throws past 60 s. */
async function umbraExec(options: string[], argv: string[]): Promise<string> {
  const result = await runNativeWithin([UMBRA, "exec", ...options, "--", ...argv], { seconds: 60 });
  equal(result.code, 0, result.stderr);
  return result.stdout;
}

/**
 * What of a run's output natively must match too, whatever the interleaving: its lines, sorted,
 * with host pids (4 digits and more) made one token, and the letters of the mutex's order sorted.
 */
function shape(text: string): string {
  return text.split("\n").map((line) =>
    line.replace(/\d{4,}/g, "PID")
      .replace(/^(mutex order )(\w+)/, (_, head, order) => head + [...order].sort().join(""))
      .replace(/^(pipe|file): (.*)/, (_, what, items) => `${what}: ${items.trim().split(" ").sort().join(" ")}`)
  ).sort().join("\n");
}

/** The outputs of `runs` runs, as a set: one element when they all agree. */
async function outputs(runs: number, run: () => Promise<string>): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < runs; i++) seen.add(await run());
  return seen;
}

const SHELL_FORKS = "for i in 1 2 3 4 5 6; do (echo child $i of $$; sh -c 'echo grandchild $$') & done; wait";

umbraTest("six children of one shell print in the same order on every run of the deterministic schedule", async () => {
  const runs = await outputs(10, () => umbraExec(["--schedule=deterministic"], ["/bin/sh", "-c", SHELL_FORKS]));
  equal(runs.size, 1, [...runs].join("\n---\n"));
  const native = await runNativeWithin(["/bin/sh", "-c", SHELL_FORKS]);
  // The same lines as natively, only in an order that repeats.
  equal(shape([...runs][0]), shape(native.stdout));
});

umbraTest("threads, a mutex, pipe, file and terminal writers, fork loops and signals repeat exactly", async () => {
  const program = await compile("concurrency");
  const directory = await Deno.makeTempDir();
  try {
    const file = join(directory, "out.txt");
    const run = async (options: string[]) =>
      `${await umbraExec(options, [program, file])}file: ${await Deno.readTextFile(file)}`;
    const deterministic = await outputs(10, () => run(["--schedule=deterministic"]));
    equal(deterministic.size, 1, [...deterministic].join("\n---\n"));
    const output = [...deterministic][0];
    ok(output.includes("counter 80"), output);
    // Natively the same lines come, in some order (pids aside: the native ones are the host's).
    const native = await runNativeWithin([program, file]);
    equal(native.code, 0);
    equal(shape(output.slice(0, output.indexOf("file: "))), shape(native.stdout));
    // A random schedule: each seed repeats itself, and the seeds do not all agree.
    const bySeed = new Map<number, string>();
    for (const seed of [1, 2, 3, 4]) {
      const runs = await outputs(2, () => run(["--schedule=random", `--seed=${seed}`]));
      equal(runs.size, 1, `seed ${seed} did not repeat`);
      bySeed.set(seed, [...runs][0]);
    }
    ok(new Set(bySeed.values()).size > 1, "four seeds gave one interleaving");
    for (const text of bySeed.values()) equal(shape(text), shape(output));
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

umbraTest("a busy loop is preempted under the deterministic schedule: timeout 1 ends it at virtual t=1 s", async () => {
  const output = await runNativeWithin(
    [
      UMBRA,
      "exec",
      "--schedule=deterministic",
      "--",
      "/bin/sh",
      "-c",
      'timeout 1 sh -c "while :; do :; done"; echo $?; date +%s',
    ],
    { seconds: 60 },
  );
  equal(output.stdout, "124\n946684801\n");
});

umbraTest("a loaded machine does not end a slice: a thread waiting for a CPU has not used its turn", async () => {
  // A shell computes ~20 ms while its child waits for the turn, then prints the virtual time.
  // Pinned to CPU 0, which two busy loops share, at nice 19, it waits for that CPU far longer
  // than a slice (50 ms) of real time, while umbra runs on CPU 1: counted in real time, its
  // slices ran out and its clock was charged 50 ms for each slice it never used.
  const script = "sleep 5 & i=0; while [ $i -lt 25000 ]; do i=$((i+1)); done; date +%s.%N; kill $!";
  const argv = ["taskset", "-c", "0", "nice", "-n", "19", "/bin/sh", "-c", script];
  const alone = await umbraExec(["--schedule=deterministic"], argv);
  const busy = [0, 1].map(() =>
    new Deno.Command("taskset", { args: ["-c", "0", "sh", "-c", "while :; do :; done"] }).spawn()
  );
  try {
    const loaded = await runNativeWithin(
      ["taskset", "-c", "1", UMBRA, "exec", "--schedule=deterministic", "--", ...argv],
      { seconds: 60 },
    );
    equal(loaded.code, 0, loaded.stderr);
    equal(loaded.stdout, alone);
  } finally {
    for (const loop of busy) loop.kill("SIGKILL");
    await Promise.all(busy.map((loop) => loop.status));
  }
});

umbraTest("--schedule needs virtual time, and a bad seed is a usage error", async () => {
  const real = await runNativeWithin([UMBRA, "exec", "--schedule=random", "--time=real", "--", "/bin/true"]);
  deepEqual([real.code, real.stderr], [2, "umbra: --schedule=random needs --time=virtual\n"]);
  const bad = await runNativeWithin([UMBRA, "exec", "--seed=-1", "--", "/bin/true"]);
  equal(bad.code, 2);
  notEqual(bad.stderr, "");
  equal(bad.stderr.trim().split("\n").length <= 2, true, bad.stderr);
});

for (const example of ["basic", "concurrency"]) {
  umbraTest(
    `twenty runs of examples/${example}.yaml give byte-identical outputs, strace logs and reports`,
    async () => {
      const directory = await Deno.makeTempDir();
      try {
        const seen = new Set<string>();
        for (let run = 0; run < 20; run++) {
          const out = join(directory, "out");
          const result = await runNativeWithin(
            [UMBRA, "run", join(ROOT, "examples", `${example}.yaml`), "--data-directory", out],
            { seconds: 60, cwd: directory },
          );
          equal(result.code, 0, result.stderr);
          const files: string[] = [];
          for (const host of [...Deno.readDirSync(join(out, "hosts"))].map((e) => e.name).sort()) {
            for (const entry of [...Deno.readDirSync(join(out, "hosts", host))].map((e) => e.name).sort()) {
              files.push(`${host}/${entry}:${await Deno.readTextFile(join(out, "hosts", host, entry))}`);
            }
          }
          files.push(await Deno.readTextFile(join(out, "report.json")));
          seen.add(files.join("\n---\n"));
        }
        equal(seen.size, 1);
      } finally {
        await Deno.remove(directory, { recursive: true });
      }
    },
  );
}
