// umbra run: a configured run in virtual time, its outputs, expected final states, errors.
import { deepEqual, equal, match } from "node:assert/strict";
import { compile, ROOT, UMBRA, umbraTest } from "./_util.ts";

interface Outcome {
  code: number;
  stderr: string;
}

async function umbraRun(args: string[], cwd?: string): Promise<Outcome> {
  const output = await new Deno.Command(UMBRA, { args: ["run", ...args], cwd, stdout: "piped", stderr: "piped" })
    .output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

async function withDirectory<T>(body: (directory: string) => Promise<T>): Promise<T> {
  const directory = await Deno.makeTempDir();
  try {
    return await body(directory);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}

const SCHEDULE = `general:
  stop_time: 100 s
hosts:
  alpha:
    processes:
      - path: /bin/sh
        args: -c 'echo alpha $$ $PPID; sleep 5; echo done'
      - path: /bin/sh
        args: -c 'trap "echo term; exit 7" TERM; while :; do sleep 1; done'
        start_time: 2 s
        shutdown_time: 10 s
        expected_final_state: { exited: 7 }
  beta:
    processes:
      - path: /bin/sleep
        args: [1000]
        expected_final_state: running
      - path: /bin/sh
        args: -c 'date -u +%s; kill -KILL $$'
        start_time: 30 s
        expected_final_state: { signaled: SIGKILL }
`;

umbraTest(
  "a configured run follows its schedule and writes the report, the config and each process's output",
  async () => {
    await withDirectory(async (directory) => {
      await Deno.writeTextFile(`${directory}/run.yaml`, SCHEDULE);
      const result = await umbraRun(["run.yaml", "--data-directory", "out"], directory);
      equal(result.code, 0, result.stderr);
      const out = `${directory}/out`;
      const report = JSON.parse(await Deno.readTextFile(`${out}/report.json`));
      const configured = report.processes.filter((p: { expectedFinalState: unknown }) => p.expectedFinalState !== null);
      deepEqual(
        configured.map((
          p: {
            name: string;
            startTime: string;
            execs: { time: string }[];
            exitTime: string;
            exitStatus: unknown;
            ok: boolean;
          },
        ) => [
          p.name,
          p.execs[0]?.time ?? p.startTime,
          p.exitTime,
          p.exitStatus,
          p.ok,
        ]),
        [
          // alpha's first shell forks its sleep as 1001, so the second process is 1002.
          ["alpha.sh.1000", "0", "5000000000", { kind: "exited", code: 0 }, true],
          ["alpha.sh.1002", "2000000000", "10000000000", { kind: "exited", code: 7 }, true],
          ["beta.sleep.1000", "0", null, { kind: "running" }, true],
          ["beta.sh.1001", "30000000000", "30000001000", {
            kind: "signaled",
            signal: "SIGKILL",
            number: 9,
            coreDumped: false,
          }, true],
        ],
      );
      equal(await Deno.readTextFile(`${out}/hosts/alpha/sh.1000.stdout`), "alpha 1000 1\ndone\n");
      equal(await Deno.readTextFile(`${out}/hosts/alpha/sh.1002.stdout`), "term\n");
      equal(await Deno.readTextFile(`${out}/hosts/beta/sh.1001.stdout`), `${946684800 + 30}\n`);
      match(await Deno.readTextFile(`${out}/processed-config.yaml`), /stop_time: 100 s/);
    });
  },
);

umbraTest("twenty runs of a multi-process config give byte-identical outputs", async () => {
  await withDirectory(async (directory) => {
    await Deno.writeTextFile(`${directory}/run.yaml`, SCHEDULE);
    const snapshots = new Set<string>();
    for (let run = 0; run < 20; run++) {
      const result = await umbraRun(["run.yaml", "--data-directory", "out"], directory);
      equal(result.code, 0, result.stderr);
      const files: string[] = [];
      for (const host of ["alpha", "beta"]) {
        for (
          const entry of [...Deno.readDirSync(`${directory}/out/hosts/${host}`)].sort((a, b) =>
            a.name.localeCompare(b.name)
          )
        ) {
          files.push(
            `${host}/${entry.name}:${await Deno.readTextFile(`${directory}/out/hosts/${host}/${entry.name}`)}`,
          );
        }
      }
      files.push(await Deno.readTextFile(`${directory}/out/report.json`));
      snapshots.add(files.join("\n---\n"));
    }
    equal(snapshots.size, 1);
  });
});

umbraTest("a process that ends otherwise than expected makes umbra run exit 3 with one line for it", async () => {
  await withDirectory(async (directory) => {
    await Deno.writeTextFile(
      `${directory}/run.yaml`,
      "general:\n  stop_time: 10s\nhosts:\n  one:\n    processes:\n      - path: /bin/sh\n        args: -c 'exit 4'\n",
    );
    const result = await umbraRun(["run.yaml", "--data-directory", "out"], directory);
    equal(result.code, 3);
    match(result.stderr, /^umbra: one\.sh\.1000: expected exited with code 0, exited with code 4$/m);
  });
});

umbraTest("bad input to umbra run: one clear line and a documented exit code, nothing started", async () => {
  await withDirectory(async (directory) => {
    await Deno.writeTextFile(`${directory}/bad.yaml`, "general:\n  stop_time: soon\nhosts: {}\n");
    const bad = await umbraRun(["bad.yaml"], directory);
    deepEqual(bad, {
      code: 2,
      stderr: 'umbra: bad.yaml:2:14: general.stop_time: invalid duration "soon" (examples: 10s, 500 ms, 2 min)\n',
    });
    await Deno.writeTextFile(
      `${directory}/missing.yaml`,
      "general:\n  stop_time: 1s\nhosts:\n  h:\n    processes:\n      - path: /no/such/program\n",
    );
    const missing = await umbraRun(["missing.yaml"], directory);
    deepEqual(missing, { code: 127, stderr: "umbra: cannot run '/no/such/program': No such file or directory\n" });
    await Deno.mkdir(`${directory}/theirs`);
    await Deno.writeTextFile(`${directory}/theirs/keep.txt`, "precious");
    const theirs = await umbraRun(["bad.yaml".replace("bad", "missing"), "--data-directory", "theirs"], directory);
    equal(theirs.code, 127); // the program check comes first; with a good config:
    await Deno.writeTextFile(
      `${directory}/ok.yaml`,
      "general:\n  stop_time: 1s\nhosts:\n  h:\n    processes:\n      - path: /bin/true\n",
    );
    const refused = await umbraRun(["ok.yaml", "--data-directory", "theirs"], directory);
    equal(refused.code, 2);
    match(refused.stderr, /data directory theirs is not empty and umbra did not make it/);
    equal(await Deno.readTextFile(`${directory}/theirs/keep.txt`), "precious");
    const none = await umbraRun(["nonexistent.yaml"], directory);
    equal(none.code, 2);
    equal(none.stderr.split("\n").length, 2, none.stderr);
  });
});

umbraTest("the bundled example runs and meets every expectation", async () => {
  await withDirectory(async (directory) => {
    const result = await umbraRun([`${ROOT}examples/basic.yaml`, "--data-directory", `${directory}/out`]);
    equal(result.code, 0, result.stderr);
    match(result.stderr, /4 of 4 processes ended as expected/);
  });
});

umbraTest("experimental.time_mode chooses the clock of a run: virtual by default, or the host's", async () => {
  await withDirectory(async (directory) => {
    for (const mode of ["virtual", "real"]) {
      await Deno.writeTextFile(
        `${directory}/run.yaml`,
        `general:\n  stop_time: 10s\nexperimental:\n  time_mode: ${mode}\nhosts:\n  h:\n    processes:\n      - path: /bin/date\n        args: -u +%Y\n`,
      );
      const result = await umbraRun(["run.yaml", "--data-directory", "out"], directory);
      equal(result.code, 0, result.stderr);
      const year = (await Deno.readTextFile(`${directory}/out/hosts/h/date.1000.stdout`)).trim();
      equal(year, mode === "virtual" ? "2000" : String(new Date().getUTCFullYear()));
    }
  });
});

umbraTest(
  "report.json lists forked processes and delivered signals; timeline.html has a lifeline per process",
  async () => {
    await withDirectory(async (directory) => {
      await Deno.writeTextFile(`${directory}/run.yaml`, SCHEDULE);
      const result = await umbraRun(["run.yaml", "--data-directory", "out"], directory);
      equal(result.code, 0, result.stderr);
      const report = JSON.parse(await Deno.readTextFile(`${directory}/out/report.json`));
      const byName = new Map(report.processes.map((p: { name: string }) => [p.name, p]));
      const forked = byName.get("alpha.dash.1001") as { parent: number; argv: unknown; execs: { path: string }[] };
      equal(forked.parent, 1000);
      equal(forked.argv, null);
      equal(forked.execs[0].path.endsWith("sleep"), true);
      const trapped = byName.get("alpha.sh.1002") as {
        signalsReceived: { signal: string; peer: unknown; time: string }[];
      };
      // SIGCHLD from each finished `sleep 1`, and the shutdown SIGTERM from outside the sandbox.
      deepEqual(trapped.signalsReceived[0], { time: "3000000000", signal: "SIGCHLD", peer: 1003 });
      deepEqual(trapped.signalsReceived.find((s) => s.signal === "SIGTERM"), {
        time: "10000000000",
        signal: "SIGTERM",
        peer: null,
      });
      const html = await Deno.readTextFile(`${directory}/out/timeline.html`);
      equal(html.match(/class="lifeline[" ]/g)?.length, report.processes.length);
    });
  },
);

umbraTest(
  "strace logs: one line per intercepted syscall in the top-level process's file, deterministic mode repeats",
  async () => {
    await withDirectory(async (directory) => {
      const config = (mode: string) =>
        `general:\n  stop_time: 10s\nexperimental:\n  strace_logging_mode: ${mode}\nhosts:\n  h:\n    processes:\n      - path: /bin/sh\n        args: -c 'echo $$; kill -0 $$; (kill -0 $$); exit 0'\n`;
      await Deno.writeTextFile(`${directory}/run.yaml`, config("standard"));
      equal((await umbraRun(["run.yaml", "--data-directory", "out"], directory)).code, 0);
      const log = await Deno.readTextFile(`${directory}/out/hosts/h/sh.1000.strace`);
      match(log, /^\d\d:\d\d:\d\d\.\d{9} \[1000\] getpid\(\) = 1000$/m);
      match(log, /^\d\d:\d\d:\d\d\.\d{9} \[1000\] kill\(1000, 0\) = 0$/m);
      match(log, /\[1001\] /); // the forked subshell logs to the same file
      await Deno.writeTextFile(`${directory}/run.yaml`, config("deterministic"));
      const logs = [];
      for (let run = 0; run < 2; run++) {
        equal((await umbraRun(["run.yaml", "--data-directory", "out"], directory)).code, 0);
        logs.push(await Deno.readTextFile(`${directory}/out/hosts/h/sh.1000.strace`));
      }
      equal(logs[0], logs[1]);
    });
  },
);

/** A script whose children end in every way: killed by SIGKILL, exit 3, and by a SIGTERM it sent itself. */
const ENDINGS = `sh -c 'kill -KILL $$'; (exit 3); sh -c 'kill -TERM $$'; echo done`;

/** The signal and end lines of an strace -f style log, without pids, times and CPU times, sorted. */
function endings(log: string): string[] {
  return log.split("\n").filter((line) => / (---|\+\+\+) /.test(line))
    .map((line) =>
      line.replace(/^.*?(---|\+\+\+) /, "$1 ").replace(/si_pid=\d+/, "si_pid=P")
        .replace(/si_([us])time=[^,}]+/g, "si_$1time=T")
    )
    .sort();
}

umbraTest(
  "strace logs: execve with its path and argv, signals and ends in strace's notation, as strace -f writes them",
  async () => {
    await withDirectory(async (directory) => {
      await Deno.writeTextFile(
        `${directory}/run.yaml`,
        `general:\n  stop_time: 10s\nexperimental:\n  strace_logging_mode: standard\nhosts:\n  h:\n    processes:\n      - path: /bin/sh\n        args: ["-c", ${
          JSON.stringify(ENDINGS)
        }]\n`,
      );
      equal((await umbraRun(["run.yaml", "--data-directory", "out"], directory)).code, 0);
      const log = await Deno.readTextFile(`${directory}/out/hosts/h/sh.1000.strace`);
      match(
        log,
        /^\d\d:\d\d:\d\d\.\d{9} \[1000\] execve\("\/bin\/sh", \["\/bin\/sh", "-c", "sh -c 'kill -KILL \$\$'; /m,
      );
      match(log, /\[1000\] execve\(.*\], 0x[0-9a-f]+ \/\* \d+ vars? \*\/\) = 0$/m);
      match(log, /\[1000\] \+\+\+ exited with 0 \+\+\+$/m);
      const native = await Deno.makeTempFile();
      try {
        const traced = await new Deno.Command("strace", { args: ["-f", "-o", native, "/bin/sh", "-c", ENDINGS] })
          .output();
        equal(traced.code, 0);
        const expected = endings(await Deno.readTextFile(native));
        equal(expected.some((line) => line === "+++ killed by SIGKILL +++"), true, expected.join("\n"));
        deepEqual(endings(log), expected);
      } finally {
        await Deno.remove(native);
      }
    });
  },
);

umbraTest("strace logs are written as the run goes: a run cut by SIGKILL keeps every line up to the cut", async () => {
  await withDirectory(async (directory) => {
    await Deno.writeTextFile(
      `${directory}/run.yaml`,
      `general:\n  stop_time: 1h\nexperimental:\n  strace_logging_mode: deterministic\n  schedule: native\nhosts:\n  h:\n    processes:\n      - path: /bin/sh\n        args: -c 'echo started; while :; do :; done'\n`,
    );
    const child = new Deno.Command(UMBRA, {
      args: ["run", "run.yaml", "--data-directory", "out"],
      cwd: directory,
      stdout: "null",
      stderr: "null",
    }).spawn();
    const stdout = `${directory}/out/hosts/h/sh.1000.stdout`;
    for (let tries = 0; tries < 200; tries++) {
      if ((await Deno.readTextFile(stdout).catch(() => "")) === "started\n") break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill("SIGKILL");
    await child.status;
    const log = await Deno.readTextFile(`${directory}/out/hosts/h/sh.1000.strace`);
    match(log, /\[1000\] execve\("\/bin\/sh", /);
    match(log, /\[1000\] write\(1, 0x\S+, 8\) = 8$/m); // "started\n"
  });
});

/** Peak resident memory (KiB) of `umbra run run.yaml` in `directory`, measured by its parent python3. */
async function peakMemory(directory: string, data: string): Promise<number> {
  const measure = "import resource, subprocess, sys\n" +
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n" +
    "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)";
  const output = await new Deno.Command("python3", {
    args: ["-c", measure, UMBRA, "run", "run.yaml", "--data-directory", data],
    cwd: directory,
    stdout: "piped",
  }).output();
  const [code, peak] = new TextDecoder().decode(output.stdout).trim().split(" ").map(Number);
  equal(code, 0);
  return peak;
}

umbraTest("a deterministic strace log of 100,000 calls at one virtual time keeps memory flat", async () => {
  // Every line has the same virtual time: none may wait for time to move before it is written.
  const program = await compile("many_calls");
  await withDirectory(async (directory) => {
    const peaks: number[] = [];
    for (const count of [1_000, 100_000]) {
      await Deno.writeTextFile(
        `${directory}/run.yaml`,
        `general:\n  stop_time: 1h\nexperimental:\n  strace_logging_mode: deterministic\nhosts:\n  h:\n    processes:\n      - path: ${program}\n        args: [${count}]\n`,
      );
      peaks.push(await peakMemory(directory, `out${count}`));
      const host = `${directory}/out${count}/hosts/h`;
      const name = [...Deno.readDirSync(host)].find((entry) => entry.name.endsWith(".1000.strace"))?.name;
      const log = await Deno.readTextFile(`${host}/${name}`);
      equal(log.match(/ getppid\(\) = 1$/gm)?.length, count);
    }
    // Kept in memory, 100,000 lines cost hundreds of MiB; written as they come, next to nothing.
    const [few, many] = peaks;
    equal(many - few < 48 * 1024, true, `peak memory ${few} KiB with 1,000 calls, ${many} KiB with 100,000`);
  });
});

umbraTest("report.json and the timeline record a SIGKILL with its sender, and one from umbra with none", async () => {
  await withDirectory(async (directory) => {
    // The shell kills its child; umbra kills the second process at its shutdown_time.
    const script = "sleep 100 & kill -KILL $!; wait $!; echo $?";
    await Deno.writeTextFile(
      `${directory}/run.yaml`,
      `general:\n  stop_time: 10s\nhosts:\n  h:\n    processes:\n      - path: /bin/sh\n        args: ["-c", ${
        JSON.stringify(script)
      }]\n      - path: /bin/sleep\n        args: [100]\n        shutdown_time: 2s\n        shutdown_signal: SIGKILL\n        expected_final_state: { signaled: SIGKILL }\n`,
    );
    equal((await umbraRun(["run.yaml", "--data-directory", "out"], directory)).code, 0);
    const native = await new Deno.Command("/bin/sh", { args: ["-c", script], stdout: "piped" }).output();
    equal(await Deno.readTextFile(`${directory}/out/hosts/h/sh.1000.stdout`), new TextDecoder().decode(native.stdout));
    const report = JSON.parse(await Deno.readTextFile(`${directory}/out/report.json`));
    const proc = (pid: number) => report.processes.find((p: { pid: number }) => p.pid === pid);
    const child = report.processes.find((p: { parent: number; pid: number }) => p.parent === 1000);
    deepEqual(child.signalsReceived.map((s: { signal: string; peer: number | null }) => [s.signal, s.peer]), [[
      "SIGKILL",
      1000,
    ]]);
    deepEqual(proc(1000).signalsSent.map((s: { signal: string; peer: number }) => [s.signal, s.peer]), [[
      "SIGKILL",
      child.pid,
    ]]);
    const killed = report.processes.find((p: { argv: string[] | null }) => p.argv?.[0] === "/bin/sleep");
    deepEqual(killed.signalsReceived.map((s: { signal: string; peer: number | null }) => [s.signal, s.peer]), [[
      "SIGKILL",
      null,
    ]]);
    equal(killed.signalsReceived[0].time, "2000000000");
    match(await Deno.readTextFile(`${directory}/out/timeline.html`), /SIGKILL/);
  });
});

umbraTest("time_mode real: start, shutdown and stop times are measured on the real clock", async () => {
  await withDirectory(async (directory) => {
    await Deno.writeTextFile(
      `${directory}/run.yaml`,
      [
        "general:",
        "  stop_time: 1500 ms",
        "experimental:",
        "  time_mode: real",
        "hosts:",
        "  h:",
        "    processes:",
        "      - path: /bin/sleep",
        "        args: [100]",
        "        expected_final_state: running",
        "      - path: /bin/sh",
        "        args: -c 'sleep 0.2; exit 2'",
        "        start_time: 300 ms",
        "        expected_final_state: { exited: 2 }",
        "      - path: /bin/sleep",
        "        args: [100]",
        "        shutdown_time: 800 ms",
        "        expected_final_state: { signaled: SIGTERM }",
        "",
      ].join("\n"),
    );
    const began = performance.now();
    const result = await umbraRun(["run.yaml", "--data-directory", "out"], directory);
    const wallMs = performance.now() - began;
    equal(result.code, 0, result.stderr);
    equal(wallMs >= 1500, true, `ended after ${wallMs} ms of real time, before its stop time`);
    const report = JSON.parse(await Deno.readTextFile(`${directory}/out/report.json`));
    const ms = (ns: string | null) => Number(BigInt(ns ?? "-1")) / 1e6;
    const named = (argv0: string, shutdown: boolean) =>
      report.processes.find((p: { argv: string[] | null; exitStatus: { kind: string } }) =>
        p.argv?.[0] === argv0 && (p.exitStatus.kind === "signaled") === shutdown
      );
    const short = named("/bin/sh", false);
    const stopped = named("/bin/sleep", true);
    equal(ms(short.startTime) >= 300 && ms(short.startTime) < 1000, true, `started at ${short.startTime}`);
    equal(ms(short.exitTime) - ms(short.startTime) >= 200, true, `exited at ${short.exitTime}`);
    equal(ms(stopped.exitTime) >= 800 && ms(stopped.exitTime) < 1500, true, `stopped at ${stopped.exitTime}`);
  });
});

umbraTest("umbra report prints one line per process and rewrites the timeline", async () => {
  await withDirectory(async (directory) => {
    await Deno.writeTextFile(`${directory}/run.yaml`, SCHEDULE);
    equal((await umbraRun(["run.yaml", "--data-directory", "out"], directory)).code, 0);
    await Deno.remove(`${directory}/out/timeline.html`);
    const output = await new Deno.Command(UMBRA, {
      args: ["report", "out"],
      cwd: directory,
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    equal(output.code, 0);
    const lines = new TextDecoder().decode(output.stdout).trim().split("\n");
    match(lines[0], /^process\s+pid\s+ppid\s+start\s+end\s+status\s+expected$/);
    match(lines.find((line) => line.startsWith("alpha.sh.1002")) ?? "", /exited with code 7\s+ok$/);
    equal((await Deno.stat(`${directory}/out/timeline.html`)).isFile, true);
  });
});

umbraTest(
  "Shadow's unblocked_syscall_latency: what a busy loop of syscalls costs in virtual time, 0 for nothing",
  async () => {
    await withDirectory(async (directory) => {
      // 20,000 kill(self, 0) calls without blocking: at 1 µs each, 20 ms of virtual time, past the 10 ms stop.
      const config = (settings: string, expected: string) =>
        [
          "general:",
          "  stop_time: 10 ms",
          settings,
          "hosts:",
          "  h:",
          "    processes:",
          "      - path: /bin/sh",
          "        args: [-c, 'i=0; while [ $i -lt 20000 ]; do kill -0 $$; i=$((i+1)); done; echo done']",
          `        expected_final_state: ${expected}`,
        ].join("\n");
      for (
        const [settings, expected] of [
          ["experimental: {unblocked_syscall_latency: 1 us}", "running"],
          ["experimental: {unblocked_syscall_latency: 0}", "{exited: 0}"],
          ["  model_unblocked_syscall_latency: false", "{exited: 0}"],
        ]
      ) {
        await Deno.writeTextFile(`${directory}/run.yaml`, config(settings, expected));
        const result = await umbraRun(["run.yaml", "--data-directory", "out"], directory);
        equal(result.code, 0, `${settings}: ${result.stderr}`);
      }
    });
  },
);

umbraTest("stop_time ends a run whose process has a zombie leader and a thread asleep for an hour", async () => {
  const program = await compile("leader_exits");
  await withDirectory(async (directory) => {
    await Deno.writeTextFile(
      `${directory}/run.yaml`,
      [
        "general:",
        "  stop_time: 2 s",
        "hosts:",
        "  h:",
        "    processes:",
        `      - path: ${program}`,
        "        args: ['3600']",
        "        expected_final_state: running",
      ].join("\n"),
    );
    const result = await umbraRun(["run.yaml", "--data-directory", "out"], directory);
    equal(result.code, 0, result.stderr);
    const report = JSON.parse(await Deno.readTextFile(`${directory}/out/report.json`));
    deepEqual([report.processes[0].exitTime, report.processes[0].ok, report.stopTime], [null, true, "2000000000"]);
  });
});
