// Virtual time: the simulated clock, sleeps that fast-forward, timers; differential where Linux
// gives the same answer in real time.
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { Sandbox } from "../mod.ts";
import { compile, markedEnv, runNative, runNativeWithin, UMBRA, umbraTest } from "./_util.ts";

async function umbraVirtual(argv: string[]): Promise<{ code: number; stdout: string; stderr: string; millis: number }> {
  const started = performance.now();
  const output = await new Deno.Command(UMBRA, {
    args: ["exec", "--time=virtual", "--", ...argv],
    env: markedEnv(),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
    millis: performance.now() - started,
  };
}

umbraTest("sleep 1000 under virtual time takes well under a second of wall time", async () => {
  const result = await umbraVirtual(["/bin/sleep", "1000"]);
  equal(result.code, 0);
  ok(result.millis < 1000, `took ${result.millis} ms`);
});

umbraTest("date shows the virtual epoch, 2000-01-01", async () => {
  const result = await umbraVirtual(["/bin/date", "-u", "+%Y-%m-%dT%H:%M:%S"]);
  equal(result.stdout, "2000-01-01T00:00:00\n");
});

umbraTest(
  "a loop with no calls at all lets virtual time move: timeout 1 ends it at virtual t=1 s, as natively",
  async () => {
    const script = 'timeout 1 sh -c "while :; do :; done"; echo $?';
    const native = await runNativeWithin(["/bin/sh", "-c", script], { seconds: 10 });
    equal(native.stdout, "124\n");
    const umbra = await runNativeWithin(
      [UMBRA, "exec", "--time=virtual", "--", "/bin/sh", "-c", `${script}; date +%s`],
      {
        seconds: 30,
      },
    );
    // Virtual time starts at 946684800 (2000-01-01); the timer's deadline is where it ends.
    equal(umbra.stdout, "124\n946684801\n");
  },
);

umbraTest("sleep 1 & sleep 2; wait ends at virtual t=2 s", async () => {
  const result = await umbraVirtual(["/bin/sh", "-c", "date +%s.%N; sleep 1 & sleep 2; wait; date +%s.%N"]);
  const [before, after] = result.stdout.trim().split("\n").map(Number);
  equal(Math.round((after - before) * 1000), 2000);
});

umbraTest("a C program's sleeps and timers behave as on Linux, in virtual time", async () => {
  for (const linkage of ["dynamic", "static"] as const) {
    const program = await compile("time_sleep", { static: linkage === "static" });
    const native = await runNative([program]);
    const umbra = await umbraVirtual([program]);
    deepEqual({ code: umbra.code, stdout: umbra.stdout }, { code: native.code, stdout: native.stdout });
    ok(umbra.millis < 1500, `${linkage}: took ${umbra.millis} ms, the program sleeps 5 s`);
  }
});

umbraTest("a program exec'd with an empty environment still reads the virtual clock", async () => {
  const result = await umbraVirtual(["/usr/bin/env", "-i", "/bin/date", "-u", "+%Y"]);
  equal(result.stdout, "2000\n");
});

umbraTest("python time.sleep and signal.alarm run on the virtual clock", async () => {
  const script = [
    "import time, signal",
    "t = time.time(); time.sleep(100); print('slept', round(time.time() - t, 3))",
    "signal.signal(signal.SIGALRM, lambda *a: print('alarm at', round(time.monotonic(), 1)))",
    "signal.alarm(5); time.sleep(10); print('after', round(time.monotonic(), 1))",
  ].join("\n");
  const result = await umbraVirtual(["/usr/bin/python3", "-c", script]);
  equal(result.stdout, "slept 100.0\nalarm at 105.0\nafter 110.0\n");
  ok(result.millis < 2000, `took ${result.millis} ms`);
});

umbraTest("a sandbox's epoch is configurable and real mode keeps the host's clock", async () => {
  const data = await Deno.makeTempDir();
  try {
    await using sandbox = await Sandbox.create({
      dataDirectory: data,
      time: "virtual",
      epoch: new Date("2030-06-01T12:00:00Z"),
    });
    await sandbox.spawn({ path: "/bin/date", args: ["-u", "+%Y-%m-%dT%H:%M"], env: markedEnv() }).exited;
    equal(await Deno.readTextFile(`${data}/hosts/localhost/date.1000.stdout`), "2030-06-01T12:00\n");
  } finally {
    await Deno.remove(data, { recursive: true });
  }
  const real = await new Deno.Command(UMBRA, { args: ["exec", "--", "/bin/date", "+%Y"], stdout: "piped" }).output();
  equal(new TextDecoder().decode(real.stdout).trim(), String(new Date().getUTCFullYear()));
});

umbraTest("a bad --time value is a usage error", async () => {
  const output = await new Deno.Command(UMBRA, { args: ["exec", "--time=fast", "--", "/bin/true"], stderr: "piped" })
    .output();
  equal(output.code, 2);
  match(new TextDecoder().decode(output.stderr), /Allowed choices are real, virtual/);
});

umbraTest("poll, select, epoll_wait and sem_timedwait time out on the virtual clock as on Linux", async () => {
  const program = await compile("time_waits");
  const native = await runNative([program]);
  const umbra = await umbraVirtual([program]);
  deepEqual({ code: umbra.code, stdout: umbra.stdout }, { code: native.code, stdout: native.stdout });
  ok(umbra.millis < 2000, `took ${umbra.millis} ms, the program waits 11 s`);
});

umbraTest(
  "POSIX timers (SIGEV_SIGNAL, periodic, SIGEV_THREAD, absolute) run on the virtual clock as on Linux",
  async () => {
    const program = await compile("time_posix_timers");
    const native = await runNative([program]);
    const umbra = await umbraVirtual([program]);
    deepEqual({ code: umbra.code, stdout: umbra.stdout }, { code: native.code, stdout: native.stdout });
    ok(umbra.millis < 1500, `took ${umbra.millis} ms, the program waits 2.6 s`);
  },
);

umbraTest("timerfds expire on the virtual clock: one-shot, periodic through poll, absolute realtime", async () => {
  const program = await compile("time_timerfd");
  const native = await runNative([program]);
  const umbra = await umbraVirtual([program]);
  deepEqual({ code: umbra.code, stdout: umbra.stdout }, { code: native.code, stdout: native.stdout });
  equal(umbra.stdout.split("\n")[2], "read: 8 count=1 after~1.5");
  ok(umbra.millis < 1500, `took ${umbra.millis} ms, the program waits 4.5 s`);
});

umbraTest(
  "every clock id reads the virtual clock, except the CPU-time ones, in dynamic and static programs",
  async () => {
    const expected = [
      "CLOCK_REALTIME: epoch",
      "CLOCK_REALTIME_COARSE: epoch",
      "CLOCK_TAI: epoch",
      "CLOCK_MONOTONIC: near zero",
      "CLOCK_MONOTONIC_RAW: near zero",
      "CLOCK_MONOTONIC_COARSE: near zero",
      "CLOCK_BOOTTIME: near zero",
      "CLOCK_PROCESS_CPUTIME_ID: near zero",
      "CLOCK_THREAD_CPUTIME_ID: near zero",
      "gettimeofday: epoch",
      "time: epoch",
      "",
    ].join("\n");
    for (const linkage of ["dynamic", "static"] as const) {
      const program = await compile("time_clocks", { static: linkage === "static" });
      equal((await umbraVirtual([program])).stdout, expected, linkage);
    }
    // Natively (and in real mode) the realtime clocks are the host's.
    const native = await runNative([await compile("time_clocks")]);
    equal(native.stdout.split("\n")[0], "CLOCK_REALTIME: host");
  },
);

umbraTest("select and pselect6 return the kernel's sets in virtual time, not the program's", async () => {
  const program = await compile("time_select_sets");
  const expected = "select, write end ready: 1 read=0 write=1\npselect, nothing ready: 0 read=0 write=0\n";
  deepEqual(await runNative([program]), { code: 0, stdout: expected, stderr: "" });
  const umbra = await umbraVirtual([program]);
  deepEqual({ code: umbra.code, stdout: umbra.stdout, stderr: umbra.stderr }, {
    code: 0,
    stdout: expected,
    stderr: "",
  });
});
