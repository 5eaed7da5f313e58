// Seeded randomness: getrandom, /dev/urandom and /dev/random, AT_RANDOM, Python's hash seed,
// fixed heap and stack addresses, and rdtsc on the virtual clock. Each repeats from run to run,
// the random bytes change with the seed, and natively (where ASLR and the kernel's pool rule)
// the same program differs from run to run: the comparisons can fail.
import { deepEqual, equal, notDeepEqual, notEqual, ok } from "node:assert/strict";
import { basename } from "node:path";
import { compile, markedEnv, runNative, UMBRA, umbraTest } from "./_util.ts";
import { deriveKey, deviceKey, streamBytes } from "../src/kernel/random.ts";

interface Output {
  code: number;
  lines: Map<string, string>;
  stderr: string;
}

function parse(stdout: string): Map<string, string> {
  return new Map(
    stdout.trim().split("\n").map((line) => {
      const space = line.indexOf(" ");
      return [line.slice(0, space), line.slice(space + 1)];
    }),
  );
}

async function umbraExec(options: string[], argv: string[]): Promise<Output> {
  const output = await new Deno.Command(UMBRA, {
    args: ["exec", ...options, "--", ...argv],
    env: markedEnv(),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: output.code, lines: parse(decoder.decode(output.stdout)), stderr: decoder.decode(output.stderr) };
}

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
const RANDOM = ["getrandom", "getrandom-again", "/dev/urandom", "/dev/random", "at_random"];
const ADDRESSES = ["heap", "stack", "main"];

umbraTest("with a seed, random bytes repeat run to run and change with the seed; addresses are fixed", async () => {
  const program = await compile("seeded");
  const first = await umbraExec(["--seed", "1"], [program]);
  const second = await umbraExec(["--seed", "1"], [program]);
  const other = await umbraExec(["--seed", "2"], [program]);
  for (const run of [first, second, other]) equal(run.code, 0, run.stderr);
  deepEqual(second.lines, first.lines);
  for (const name of RANDOM) {
    ok(/^[0-9a-f]{32,64}$/.test(first.lines.get(name) ?? ""), `${name}: ${first.lines.get(name)}`);
    notEqual(other.lines.get(name), first.lines.get(name), name);
  }
  // Address-space randomisation is off: the same addresses whatever the seed.
  for (const name of ADDRESSES) equal(other.lines.get(name), first.lines.get(name), name);
  // Linux's errors.
  equal(first.lines.get("einval"), "-1 22");
  equal(first.lines.get("efault"), "-1 14");
  equal(first.lines.get("einval-flags"), "-1 22");

  // The bytes are the documented derivation's (src/kernel/random.ts), the devices' from libumbra's feeder.
  const seed = 1n;
  const process = deriveKey(seed, "localhost", 1000, 0, "getrandom");
  equal(first.lines.get("getrandom"), hex(streamBytes(process, 0n, 32)));
  // The second call's bytes come later in the same stream (glibc's malloc draws its tcache key in between).
  ok(hex(streamBytes(process, 32n, 96)).includes(first.lines.get("getrandom-again")!));
  equal(first.lines.get("at_random"), hex(streamBytes(deriveKey(seed, "localhost", 1000, 0, "auxv", 0), 0n, 16)));
  equal(first.lines.get("/dev/urandom"), hex(streamBytes(deviceKey(seed, "localhost"), 0n, 32)));
  equal(first.lines.get("/dev/random"), hex(streamBytes(deviceKey(seed, "localhost"), 32n, 32)));

  // Natively every one of them differs from run to run.
  const native = [parse((await runNative([program])).stdout), parse((await runNative([program])).stdout)];
  for (const name of [...RANDOM, ...ADDRESSES]) notEqual(native[1].get(name), native[0].get(name), name);
});

umbraTest("virtual time is seeded (seed 1) unless told otherwise; real time without a seed is not", async () => {
  const program = await compile("seeded");
  const virtual = await umbraExec(["--time=virtual"], [program]);
  const seeded = await umbraExec(["--seed", "1"], [program]);
  for (const name of RANDOM) equal(virtual.lines.get(name), seeded.lines.get(name), name);
  const [a, b] = [await umbraExec([], [program]), await umbraExec([], [program])];
  for (const name of RANDOM) notEqual(a.lines.get(name), b.lines.get(name), name);
});

umbraTest(
  "python's os.urandom and hash seed (PYTHONHASHSEED unset) repeat with a seed, change with another",
  async () => {
    const script = ["/usr/bin/python3", "-c", 'import os;print("out", os.urandom(8).hex(), hash("a"))'];
    const runs = [
      await umbraExec(["--seed", "5"], script),
      await umbraExec(["--seed", "5"], script),
      await umbraExec(["--seed", "6"], script),
    ];
    for (const run of runs) equal(run.code, 0, run.stderr);
    equal(runs[1].lines.get("out"), runs[0].lines.get("out"));
    const [same, other] = [runs[0].lines.get("out")!.split(" "), runs[2].lines.get("out")!.split(" ")];
    notEqual(other[0], same[0]);
    notEqual(other[1], same[1]);
  },
);

umbraTest("rdtsc and rdtscp read the virtual clock: increasing, 1 GHz, 1 s across a virtual sleep(1)", async () => {
  const program = await compile("seeded");
  const first = await umbraExec(["--time=virtual"], [program, "rdtsc"]);
  const second = await umbraExec(["--time=virtual", "--seed", "9"], [program, "rdtsc"]);
  equal(first.code, 0, first.stderr);
  deepEqual(second.lines, first.lines);
  equal(first.stderr, "");
  const [a, b, c, d] = first.lines.get("tsc")!.split(" ").map(BigInt);
  const [t0, t1] = first.lines.get("clock")!.split(" ").map(BigInt);
  ok(a < b && b < c && c < d, `tsc ${a} ${b} ${c} ${d}`);
  equal(first.lines.get("aux"), "0"); // rdtscp's TSC_AUX
  // 1 GHz on the virtual clock: the virtual second slept is 10^9 ticks (and the few µs the clock reads cost).
  ok(t1 - t0 >= 1_000_000_000n && t1 - t0 < 1_000_010_000n, `clock ${t0} ${t1}`);
  ok(d - c >= 1_000_000_000n && d - c < 1_000_010_000n, `d - c = ${d - c}`);
  ok(c <= t0 + 1_000n && d >= t1, `tsc ${c} ${d} against the clock ${t0} ${t1}`);
  // Natively the TSC runs on its own.
  const native = [await runNative([program, "rdtsc"]), await runNative([program, "rdtsc"])];
  notEqual(parse(native[1].stdout).get("tsc"), parse(native[0].stdout).get("tsc"));
});

umbraTest("a genuine SIGSEGV still kills the program with SIGSEGV, as natively", async () => {
  const program = await compile("seeded");
  const native = await runNative([program, "segv"]);
  equal(native.code, 139);
  for (const options of [["--time=virtual"], ["--seed", "3"], []]) {
    const run = await umbraExec(options, [program, "segv"]);
    equal(run.code, native.code, options.join(" "));
  }
});

umbraTest("a configured run is seeded by general.seed, names it in report.json, and logs no rdtsc fault", async () => {
  const program = await compile("seeded");
  const directory = await Deno.makeTempDir();
  const exe = basename(program);
  try {
    const config = (seed: number) =>
      `general:
  stop_time: 10 s
  seed: ${seed}
hosts:
  alpha:
    processes:
      - path: ${program}
      - path: ${program}
        args: [rdtsc]
        start_time: 1 s
  beta:
    processes:
      - path: ${program}
        start_time: 2 s
`;
    const outputs = async (seed: number) => {
      await Deno.writeTextFile(`${directory}/run.yaml`, config(seed));
      const output = await new Deno.Command(UMBRA, {
        args: ["run", "run.yaml", "--data-directory", "out"],
        cwd: directory,
        env: markedEnv(),
        stderr: "piped",
      }).output();
      equal(output.code, 0, new TextDecoder().decode(output.stderr));
      const report = await Deno.readTextFile(`${directory}/out/report.json`);
      return {
        report,
        alpha: await Deno.readTextFile(`${directory}/out/hosts/alpha/${exe}.1000.stdout`),
        beta: await Deno.readTextFile(`${directory}/out/hosts/beta/${exe}.1000.stdout`),
        tsc: await Deno.readTextFile(`${directory}/out/hosts/alpha/${exe}.1001.stdout`),
      };
    };
    const first = await outputs(7);
    equal(JSON.parse(first.report).seed, "7");
    ok(!first.report.includes("SIGSEGV"), "an rdtsc fault is never a signal of the run");
    ok(first.tsc.startsWith("tsc "), first.tsc);
    deepEqual(await outputs(7), first);
    // Hosts differ from each other (the host's name is part of every key), and the seed changes both.
    notDeepEqual(parse(first.alpha).get("getrandom"), parse(first.beta).get("getrandom"));
    notDeepEqual(parse(first.alpha).get("/dev/urandom"), parse(first.beta).get("/dev/urandom"));
    const other = await outputs(8);
    notEqual(parse(other.alpha).get("getrandom"), parse(first.alpha).get("getrandom"));
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

umbraTest("a loop that spins on rdtsc alone still sees virtual time pass", async () => {
  const program = await compile("seeded");
  const run = await umbraExec(["--time=virtual"], [program, "spin"]);
  equal(run.code, 0, run.stderr);
  const spins = Number(run.lines.get("spins"));
  // 10 ms of TSC: a thousand free reads, then 1 µs of virtual time each.
  ok(spins > 1_000 && spins < 20_000, `spins ${spins}`);
});
